# Windows portability (issue 7 item 4): the process runner's Windows
# quoting rules, checked natively, and the mingw-w64 compile check of
# every SDK, util, driver, harness and CLI source (ci/cross-windows.sh,
# about 10 s; its slow --full mode, which links and runs under wine, is
# not part of the suite). Label "cross".

if(NOT WIN32)
  # on Windows the file is already part of libvmdrv
  vmdrv_add_cmocka_test(test_win32_argv
    SOURCES ${PROJECT_SOURCE_DIR}/tests/unit/test_win32_argv.c
            ${PROJECT_SOURCE_DIR}/sdk/src/platform/win32/argv_win32.c
    LABELS cross)
  target_include_directories(test_win32_argv PRIVATE
    ${PROJECT_SOURCE_DIR}/sdk/src/platform/win32)

  # Without the cross compiler the script prints why and exits 77, which
  # CTest reports as skipped; --no-install keeps apt-get out of ctest.
  find_program(VMDRV_MINGW_GCC x86_64-w64-mingw32-gcc)
  if(NOT VMDRV_MINGW_GCC)
    message(STATUS "cross_windows_compile will be skipped: x86_64-w64-mingw32-gcc "
                   "not found (apt-get install gcc-mingw-w64-x86-64, or run ci/cross-windows.sh)")
  endif()
  add_test(NAME cross_windows_compile
           COMMAND bash ${PROJECT_SOURCE_DIR}/ci/cross-windows.sh --no-install)
  set_tests_properties(cross_windows_compile PROPERTIES
    LABELS cross TIMEOUT 120 SKIP_RETURN_CODE 77)
endif()
