# Man pages (docs/man/*.scd -> scdoc, options filled in from the CLI itself) and the bash/zsh
# completion scripts (`sysfence completion bash|zsh`): generated at build time from the built
# CLI, so they always match it, and installed with the CLI.
option(SYSFENCE_BUILD_DOCS "Man pages (needs scdoc and python3) and shell completions" ON)
if(NOT SYSFENCE_BUILD_DOCS OR NOT TARGET sysfence_cli)
  return()
endif()

set(_comp_dir ${PROJECT_BINARY_DIR}/completions)
add_custom_command(
  OUTPUT ${_comp_dir}/sysfence ${_comp_dir}/_sysfence
  COMMAND ${CMAKE_COMMAND} -E make_directory ${_comp_dir}
  COMMAND $<TARGET_FILE:sysfence_cli> completion bash > ${_comp_dir}/sysfence
  COMMAND $<TARGET_FILE:sysfence_cli> completion zsh > ${_comp_dir}/_sysfence
  DEPENDS sysfence_cli
  COMMENT "Generating the bash and zsh completions from the CLI")
set(_docs_outputs ${_comp_dir}/sysfence ${_comp_dir}/_sysfence)
install(FILES ${_comp_dir}/sysfence
  DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions COMPONENT cli)
install(FILES ${_comp_dir}/_sysfence
  DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions COMPONENT cli)

find_program(SYSFENCE_SCDOC scdoc)
find_package(Python3 COMPONENTS Interpreter)
if(SYSFENCE_SCDOC AND Python3_Interpreter_FOUND)
  file(GLOB _scd CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/docs/man/*.scd)
  set(_man_dir ${PROJECT_BINARY_DIR}/man)
  set(_pages)
  set(_gz)
  foreach(src IN LISTS _scd)
    get_filename_component(_page ${src} NAME_WLE)  # sysfence.1
    list(APPEND _pages ${_man_dir}/${_page})
    string(REGEX MATCH "[0-9]$" _section ${_page})
    set(_component cli)
    if(_section STREQUAL "3")  # sysfence-seccomp(3): with the C API's headers
      set(_component seccomp_dev)
    endif()
    set(_installed ${_man_dir}/${_page})
    if(SYSFENCE_PACKAGING)  # Debian installs man pages gzipped (-n: no timestamp, reproducible)
      set(_installed ${_man_dir}/gz/${_page}.gz)
      add_custom_command(OUTPUT ${_installed}
        COMMAND ${CMAKE_COMMAND} -E make_directory ${_man_dir}/gz
        COMMAND gzip -9nc ${_man_dir}/${_page} > ${_installed}
        DEPENDS ${_man_dir}/${_page})
      list(APPEND _gz ${_installed})
    endif()
    install(FILES ${_installed} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${_section}
      COMPONENT ${_component})
  endforeach()
  add_custom_command(
    OUTPUT ${_pages}
    COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/scripts/gen_man.py
            --sysfence $<TARGET_FILE:sysfence_cli> --src ${PROJECT_SOURCE_DIR}/docs/man
            --out ${_man_dir} --scdoc ${SYSFENCE_SCDOC}
    DEPENDS sysfence_cli ${_scd} ${PROJECT_SOURCE_DIR}/scripts/gen_man.py
    COMMENT "Generating the man pages (scdoc)")
  list(APPEND _docs_outputs ${_pages} ${_gz})
else()
  message(WARNING "scdoc or python3 not found: the man pages are not built "
                  "(apt-get install scdoc python3, or -DSYSFENCE_BUILD_DOCS=OFF)")
endif()
add_custom_target(sysfence_docs ALL DEPENDS ${_docs_outputs})
