# The CLI simulators of fixtures/sim (vboxmanage-sim, powershell-sim), run
# as processes by tests/unit/test_sim.c; their paths reach the test as
# compile definitions.
if(TARGET vboxmanage-sim AND TARGET powershell-sim)
  vmdrv_add_cmocka_test(test_sim
    SOURCES ${PROJECT_SOURCE_DIR}/tests/unit/test_sim.c
    LIBS PkgConfig::JANSSON
    LABELS sim)
  if(TARGET test_sim)
    add_dependencies(test_sim vboxmanage-sim powershell-sim)
    target_compile_definitions(test_sim PRIVATE
      "VBOXMANAGE_SIM=\"$<TARGET_FILE:vboxmanage-sim>\""
      "POWERSHELL_SIM=\"$<TARGET_FILE:powershell-sim>\"")
  endif()
endif()
