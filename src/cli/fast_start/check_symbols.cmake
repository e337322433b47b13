# The fast path's objects may need no symbol but their own and the C library's entry point
# (fast_run.cpp's rules): a call the compiler invented (memset, memcpy, __stack_chk_fail) would
# run before the C library is set up. Run after the link of sysfence_cli (src/cli/CMakeLists.txt).
cmake_minimum_required(VERSION 3.20)
string(REPLACE "|" ";" OBJECTS "${OBJECTS}")
set(_allowed sysfence_fast_default_filter sysfence_fast_sandbox_filter
  sysfence_fast_untrusted_plan sysfence_fast_clone sysfence_fast_restorer
  sysfence_fast_run sysfence_fast_run_child _start)
foreach(obj IN LISTS OBJECTS)
  execute_process(COMMAND ${NM} --undefined-only --format=posix ${obj}
    OUTPUT_VARIABLE out RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "nm failed on ${obj}")
  endif()
  string(REPLACE "\n" ";" lines "${out}")
  foreach(line IN LISTS lines)
    if(line STREQUAL "")
      continue()
    endif()
    string(REGEX REPLACE " .*" "" sym "${line}")
    if(NOT sym IN_LIST _allowed)
      message(FATAL_ERROR "the start-up fast path (${obj}) needs '${sym}', which would run "
        "before the C library is set up: see src/cli/fast_start/fast_run.cpp")
    endif()
  endforeach()
endforeach()
