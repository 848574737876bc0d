# bench_conform: conformance cells per second with the test driver,
# --jobs 1 against --jobs 2. Run: build/bench/bench_conform [vmdrv] [runs]
add_executable(bench_conform ${CMAKE_CURRENT_SOURCE_DIR}/bench_conform.c)
target_link_libraries(bench_conform PRIVATE vmdrv)
add_dependencies(bench_conform vmdrv_cli)
