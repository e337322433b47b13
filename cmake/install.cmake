# Installs the library (shared + static), headers, a CMake package and a pkg-config file.
include(CMakePackageConfigHelpers)

# Components (the Debian packages of scripts/package.sh): cli (sysfence), lib (libsysfence0),
# dev (libsysfence-dev), seccomp (libsysfence-seccomp0), seccomp_dev (libsysfence-seccomp-dev).
install(TARGETS sysfence sysfence_static EXPORT sysfenceTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT lib NAMELINK_COMPONENT dev
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT lib
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
# The public headers, and only those: what they declare between SYSFENCE_API_BEGIN/END is what
# libsysfence.so exports (sysfence/export.hpp). The other headers under include/sysfence are the
# stages' interfaces to each other inside the project.
set(SYSFENCE_PUBLIC_HEADERS
  result.hpp diagnostics.hpp version.hpp export.hpp sysfence.hpp
  arch/arch.hpp arch/constants.hpp
  bpf/insn.hpp bpf/seccomp.hpp bpf/actions.hpp bpf/emulate.hpp bpf/verify.hpp bpf/disasm.hpp bpf/asm.hpp
  bpf/binary.hpp bpf/filter_report.hpp
  ir/policy.hpp ir/condition.hpp compiler/compiler.hpp loader/loader.hpp loader/notify.hpp
  frontend/policy_text.hpp frontend/oci.hpp frontend/default_policy.hpp frontend/diagnostics.hpp
  sandbox/sandbox.hpp)
foreach(h IN LISTS SYSFENCE_PUBLIC_HEADERS)
  get_filename_component(_dir ${h} DIRECTORY)
  install(FILES ${PROJECT_SOURCE_DIR}/include/sysfence/${h}
    DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/sysfence/${_dir} COMPONENT dev)
endforeach()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/sysfence/compat
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/sysfence COMPONENT seccomp_dev)
install(EXPORT sysfenceTargets NAMESPACE sysfence:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/sysfence
  COMPONENT dev)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/sysfenceConfig.cmake.in
  ${PROJECT_BINARY_DIR}/sysfenceConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/sysfence)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/sysfenceConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/sysfenceConfig.cmake ${PROJECT_BINARY_DIR}/sysfenceConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/sysfence COMPONENT dev)
# The .pc file locates the prefix from its own place (${pcfiledir}), so that
# `cmake --install --prefix DIR` into any prefix gives a working pkg-config file.
if(SYSFENCE_PACKAGING)  # Debian: prefix=/usr, like every .pc file there
  set(SYSFENCE_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(SYSFENCE_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
elseif(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(SYSFENCE_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(SYSFENCE_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
else()
  file(RELATIVE_PATH _pc_up "/p/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/p")
  string(REGEX REPLACE "/$" "" _pc_up "${_pc_up}")
  set(SYSFENCE_PC_PREFIX "\${pcfiledir}/${_pc_up}")
  set(SYSFENCE_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
endif()
if(SYSFENCE_PACKAGING OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(SYSFENCE_PC_INCLUDEDIR "${CMAKE_INSTALL_FULL_INCLUDEDIR}")
else()
  set(SYSFENCE_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/sysfence.pc.in ${PROJECT_BINARY_DIR}/sysfence.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/sysfence.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig
  COMPONENT dev)
