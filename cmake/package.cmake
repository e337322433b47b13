# Debian packages with CPack (scripts/package.sh configures with SYSFENCE_PACKAGING=ON and
# CMAKE_INSTALL_PREFIX=/usr, then runs `cpack -G DEB`). One package per install component:
#   sysfence                 cli          the CLI, man pages (1, 5), bash and zsh completions
#   libsysfenceN             lib          libsysfence.so.N (N: SYSFENCE_SOVERSION)
#   libsysfence-dev          dev          headers, libsysfence.so/.a, CMake package, sysfence.pc
#   libsysfence-seccomp0     seccomp      libsysfence-seccomp.so.0, and libseccomp.so.2 in the
#                                         private ${libdir}/sysfence/compat (never on the loader's
#                                         path: it cannot shadow Debian's libseccomp2)
#   libsysfence-seccomp-dev  seccomp_dev  <sysfence/compat/seccomp.h>, sysfence-seccomp.pc, man 3
# The version is the project's (CMakeLists.txt project VERSION), Debian revision 1.
if(NOT SYSFENCE_PACKAGING)  # option() in CMakeLists.txt
  return()
endif()

set(_maint "sysfence maintainers <sysfence@users.noreply.invalid>")
set(_pkgs cli:sysfence lib:libsysfence${SYSFENCE_SOVERSION} dev:libsysfence-dev seccomp:libsysfence-seccomp0
          seccomp_dev:libsysfence-seccomp-dev)
string(TIMESTAMP _date "%a, %d %b %Y %H:%M:%S +0000" UTC)  # honours SOURCE_DATE_EPOCH
foreach(pair IN LISTS _pkgs)
  string(REPLACE ":" ";" pair ${pair})
  list(GET pair 0 _comp)
  list(GET pair 1 _pkg)
  set(_dir ${PROJECT_BINARY_DIR}/debian-doc/${_pkg})
  file(MAKE_DIRECTORY ${_dir})
  configure_file(${PROJECT_SOURCE_DIR}/packaging/debian/copyright ${_dir}/copyright COPYONLY)
  file(WRITE ${_dir}/changelog.Debian
    "${_pkg} (${PROJECT_VERSION}-1) unstable; urgency=medium\n\n"
    "  * Built from the sysfence source tree by scripts/package.sh.\n\n"
    " -- ${_maint}  ${_date}\n")
  execute_process(COMMAND gzip -9nf ${_dir}/changelog.Debian)
  install(FILES ${_dir}/copyright ${_dir}/changelog.Debian.gz
    DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${_pkg} COMPONENT ${_comp})
endforeach()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME sysfence)
set(CPACK_PACKAGE_VENDOR "sysfence")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${_maint}")
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL cli lib dev seccomp seccomp_dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "")
set(_v "${PROJECT_VERSION}-1")
# The two shared-library packages: a shlibs file (what dpkg-shlibdeps gives packages built against
# them) and the ldconfig trigger (instead of CPack's postinst/postrm calling ldconfig, which
# scripts/package.sh removes). CPack's own shlibs generation is off: it would also list the
# private libseccomp.so.2, i.e. offer libsysfence-seccomp0 to anything linked with libseccomp.
set(_control ${PROJECT_BINARY_DIR}/debian-control)
foreach(lib sysfence:${SYSFENCE_SOVERSION}:libsysfence${SYSFENCE_SOVERSION} sysfence-seccomp:0:libsysfence-seccomp0)
  string(REPLACE ":" ";" lib ${lib})
  list(GET lib 0 _soname_base)
  list(GET lib 1 _sover)
  list(GET lib 2 _pkg)
  file(WRITE ${_control}/${_pkg}/shlibs "lib${_soname_base} ${_sover} ${_pkg} (>= ${PROJECT_VERSION})\n")
  file(WRITE ${_control}/${_pkg}/triggers "activate-noawait ldconfig\n")
endforeach()
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)  # shlibs, triggers: 0644

set(CPACK_DEBIAN_CLI_PACKAGE_NAME sysfence)
set(CPACK_DEBIAN_CLI_PACKAGE_SECTION admin)
set(CPACK_COMPONENT_CLI_DESCRIPTION "confine processes with seccomp-BPF filters
sysfence runs programs confined by a seccomp-BPF filter compiled from a policy
(its own language, Docker/OCI JSON, or an embedded default), and compiles,
checks and explains filters: an emulator with the kernel's semantics, a
verifier, a disassembler and assembler, and a reporter of denied syscalls.")

set(CPACK_DEBIAN_LIB_PACKAGE_NAME libsysfence${SYSFENCE_SOVERSION})
set(CPACK_DEBIAN_LIB_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_LIB_PACKAGE_CONTROL_EXTRA ${_control}/libsysfence${SYSFENCE_SOVERSION}/shlibs ${_control}/libsysfence${SYSFENCE_SOVERSION}/triggers)
set(CPACK_COMPONENT_LIB_DESCRIPTION "seccomp-BPF policy compiler and loader (shared library)
The sysfence C++ library compiles policies into small, fast classic-BPF
seccomp filters, installs them, and explains what a filter does.

This package contains the shared library.")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME libsysfence-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "libsysfence${SYSFENCE_SOVERSION} (= ${_v})")
set(CPACK_COMPONENT_DEV_DESCRIPTION "seccomp-BPF policy compiler and loader (development files)
The sysfence C++ library compiles policies into small, fast classic-BPF
seccomp filters, installs them, and explains what a filter does.

This package contains the headers, the static library, the CMake package
(find_package(sysfence)) and the pkg-config file.")

set(CPACK_DEBIAN_SECCOMP_PACKAGE_NAME libsysfence-seccomp0)
set(CPACK_DEBIAN_SECCOMP_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_SECCOMP_PACKAGE_CONTROL_EXTRA ${_control}/libsysfence-seccomp0/shlibs
  ${_control}/libsysfence-seccomp0/triggers)
set(CPACK_COMPONENT_SECCOMP_DESCRIPTION "libseccomp-compatible C API on sysfence's compiler
libsysfence-seccomp offers libseccomp's C API with sysfence's filters.
Programs built against it use libsysfence-seccomp.so.0. A copy with
libseccomp's soname is kept in a private directory, used only when a program
is started with LD_LIBRARY_PATH pointing there (or linked with an rpath to it):
it never replaces the system's libseccomp.")

set(CPACK_DEBIAN_SECCOMP_DEV_PACKAGE_NAME libsysfence-seccomp-dev)
set(CPACK_DEBIAN_SECCOMP_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_SECCOMP_DEV_PACKAGE_DEPENDS "libsysfence-seccomp0 (= ${_v})")
set(CPACK_COMPONENT_SECCOMP_DEV_DESCRIPTION "libseccomp-compatible C API on sysfence's compiler (development files)
libsysfence-seccomp offers libseccomp's C API with sysfence's filters.

This package contains <sysfence/compat/seccomp.h>, the pkg-config file
sysfence-seccomp and the sysfence-seccomp(3) man page.")

include(CPack)
