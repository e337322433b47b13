# The committed generated tables (scripts/gen_*.py, sharing scripts/genlib.py):
#  - `cmake --build <dir> --target regenerate-tables` rewrites them all from this machine's
#    Debian packages (scripts/setup.sh installs the kernel headers, cross headers, man pages and
#    libseccomp-dev they read);
#  - each has --check; the tests Generated.* (tests/arch/generated_test.cpp) run it and fail when
#    a committed output is stale.
find_package(Python3 COMPONENTS Interpreter REQUIRED)
# In dependency order: gen_syscall_args and gen_compat_syscalls read the syscall tables.
set(SYSFENCE_GENERATORS gen_syscalls gen_constants gen_syscall_args gen_compat_syscalls)
set(_regen_cmds)
foreach(g IN LISTS SYSFENCE_GENERATORS)
  list(APPEND _regen_cmds COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/scripts/${g}.py)
endforeach()
add_custom_target(regenerate-tables ${_regen_cmds}
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
  COMMENT "Regenerating the committed tables (scripts/gen_*.py)" VERBATIM)

