# Installs the library (shared + static), headers, a CMake package and a pkg-config file.
include(CMakePackageConfigHelpers)

install(TARGETS sysfence sysfence_static EXPORT sysfenceTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/sysfence DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT sysfenceTargets NAMESPACE sysfence:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/sysfence)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/sysfenceConfig.cmake.in
  ${PROJECT_BINARY_DIR}/sysfenceConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/sysfence)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/sysfenceConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/sysfenceConfig.cmake ${PROJECT_BINARY_DIR}/sysfenceConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/sysfence)
configure_file(${PROJECT_SOURCE_DIR}/cmake/sysfence.pc.in ${PROJECT_BINARY_DIR}/sysfence.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/sysfence.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
