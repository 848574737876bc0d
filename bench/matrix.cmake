# bench_matrix: load and expand a generated matrix of 100,000 cells.
add_executable(bench_matrix ${CMAKE_CURRENT_SOURCE_DIR}/bench_matrix.c)
target_link_libraries(bench_matrix PRIVATE vmdrv vmdrv_conformance)
