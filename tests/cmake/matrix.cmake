# The matrix, the rendered table and docs-check (issue 4): the loader and
# its corpus of bad matrices (tests/data/matrix-bad), cell expansion, the
# table and lists against golden files (tests/data/golden) and the seed
# page, docs-check on the seed and on altered copies; then the commands
# as a user runs them.
foreach(t test_matrix test_table test_docs_check)
  vmdrv_add_cmocka_test(${t}
    SOURCES ${PROJECT_SOURCE_DIR}/tests/unit/${t}.c
    LIBS vmdrv_conformance LABELS matrix)
endforeach()

# A command's exit status, and its stdout against a golden file or its
# output against a regular expression. Arguments travel "|"-separated.
set(matrix_cli_script ${CMAKE_CURRENT_BINARY_DIR}/matrix_cli_test.cmake)
file(WRITE ${matrix_cli_script} [=[
string(REPLACE "|" ";" args "${ARGS}")
execute_process(COMMAND ${args} RESULT_VARIABLE rc
                OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc STREQUAL EXPECT_RC)
  message(FATAL_ERROR "exit status ${rc}, want ${EXPECT_RC}\nstdout:\n${out}\nstderr:\n${err}")
endif()
if(GOLDEN)
  file(READ "${GOLDEN}" want)
  if(NOT out STREQUAL want)
    message(FATAL_ERROR "stdout differs from ${GOLDEN}:\n${out}")
  endif()
endif()
if(REGEX AND NOT "${out}${err}" MATCHES "${REGEX}")
  message(FATAL_ERROR "output does not match '${REGEX}':\n${out}${err}")
endif()
]=])

function(matrix_cli_test name rc)
  cmake_parse_arguments(C "" "GOLDEN;REGEX" "ARGS" ${ARGN})
  string(REPLACE ";" "|" joined "${C_ARGS}")
  add_test(NAME ${name}
    COMMAND ${CMAKE_COMMAND} "-DARGS=$<TARGET_FILE:vmdrv_cli>|${joined}"
            -DEXPECT_RC=${rc} "-DGOLDEN=${C_GOLDEN}" "-DREGEX=${C_REGEX}"
            -P ${matrix_cli_script}
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(${name} PROPERTIES LABELS "matrix;cli" ENVIRONMENT
    "VMDRV_SOURCE_DIR=${PROJECT_SOURCE_DIR};VMDRV_DATA_DIR=${CMAKE_CURRENT_BINARY_DIR}/matrix-cli-data;NO_COLOR=1")
endfunction()

set(golden ${PROJECT_SOURCE_DIR}/tests/data/golden)

matrix_cli_test(matrix_cli_check 0 ARGS matrix check
  REGEX "matrix: valid: release 1[.]16, 3 platforms, 7 drivers")
matrix_cli_test(matrix_cli_check_typo 1 ARGS matrix check tests/data/matrix-typo
  REGEX "tests/data/matrix-typo/drivers[.]yaml:5:5: unknown key 'availabe' [(]valid keys: key, name, published, available[)]")
matrix_cli_test(matrix_cli_check_usage 2 ARGS matrix check --today tomorrow)
matrix_cli_test(matrix_cli_no_subcommand 2 ARGS matrix)
matrix_cli_test(matrix_cli_cells_global_host 0
  ARGS --host windows-home matrix cells --case ^lifecycle[.]start_stop$
  REGEX "windows/home/x86_64 +hyperv +lifecycle[.]start_stop +unavailable")
matrix_cli_test(matrix_cli_cells_nothing 1
  ARGS matrix cells --host macos-arm64 --driver virtualbox --available-only
  REGEX "no cell matches")
matrix_cli_test(matrix_cli_cells_json 0
  ARGS matrix cells --json --driver qemu --case ^migration[.]
  REGEX "\"exception\": \"hyperkit_to_qemu\"")
matrix_cli_test(matrix_cli_cells_at 0
  ARGS matrix cells --at 1.15 --driver lxd --case ^lifecycle[.]start_stop$ --available-only
  REGEX "linux/x86_64 +lxd +lifecycle[.]start_stop +supported")

matrix_cli_test(table_cli_myst 0 ARGS table GOLDEN ${golden}/table-myst.md)
matrix_cli_test(table_cli_md 0 ARGS table --format md GOLDEN ${golden}/table-md.md)
matrix_cli_test(table_cli_list_supported 0 ARGS table --list supported
  GOLDEN ${golden}/list-supported.md)
matrix_cli_test(table_cli_list_history 0 ARGS table --list features --at 1.15
  GOLDEN ${golden}/list-features-1.15.md)
matrix_cli_test(table_cli_html 0 ARGS table --format html --features all
  REGEX "<h2 id=\"suspend\">VM suspension</h2>")
matrix_cli_test(table_cli_bad_format 2 ARGS table --format pdf
  REGEX "unknown format 'pdf'")
matrix_cli_test(table_cli_help 0 ARGS help table REGEX "Exit status: 0 rendered")

matrix_cli_test(docs_check_cli_seed 0 ARGS docs-check tests/data/seed-driver.md)
if(EXISTS ${PROJECT_SOURCE_DIR}/../shared/seed/driver.md)
  matrix_cli_test(docs_check_cli_shared_seed 0
    ARGS docs-check ${PROJECT_SOURCE_DIR}/../shared/seed/driver.md)
endif()
matrix_cli_test(docs_check_cli_no_hyperv 1
  ARGS docs-check tests/data/seed-driver-no-hyperv-mounts.md
  REGEX "seed-driver-no-hyperv-mounts[.]md:51: the matrix says 'Hyper-V' supports 'Native mounts' at release '1[.]16', but the page does not list it [(][^)]*matrix/features[.]yaml:[0-9]+:[0-9]+[)]")
matrix_cli_test(docs_check_cli_usage 2 ARGS docs-check)
matrix_cli_test(docs_check_cli_missing_page 2 ARGS docs-check no-such-page.md
  REGEX "cannot read 'no-such-page[.]md'")
