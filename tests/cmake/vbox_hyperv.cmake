# VirtualBox and Hyper-V drivers (issue 7): their output readers against
# recorded outputs (unit), and each driver end to end through the SDK
# against the VBoxManage and PowerShell simulators of fixtures/sim
# (integration). The end-to-end tests always run their probe cases and
# exit 77, which ctest reports as "Skipped", when a simulator is not built.
#
# The readers are compiled into their unit tests as well as into libvmdrv:
# a Windows DLL exports only the VMDRV_EXTERN API, not driver internals.
set(vbox_dir ${PROJECT_SOURCE_DIR}/drivers/virtualbox)
set(hyperv_dir ${PROJECT_SOURCE_DIR}/drivers/hyperv)
set(drvsim_dir ${PROJECT_SOURCE_DIR}/tests/integration)

if(VMDRV_HAVE_DRIVER_VIRTUALBOX)
  vmdrv_add_cmocka_test(test_vbox_parse
    SOURCES ${PROJECT_SOURCE_DIR}/tests/unit/test_vbox_parse.c
            ${vbox_dir}/vbox_parse.c
    LABELS virtualbox)
  target_include_directories(test_vbox_parse PRIVATE ${vbox_dir})

  vmdrv_add_cmocka_test(test_vbox_sim
    SOURCES ${drvsim_dir}/test_vbox_sim.c
    LABELS integration sim virtualbox TIMEOUT 300)
  target_include_directories(test_vbox_sim PRIVATE ${drvsim_dir})
  set_tests_properties(test_vbox_sim PROPERTIES SKIP_RETURN_CODE 77)
  if(TARGET vboxmanage-sim)
    add_dependencies(test_vbox_sim vboxmanage-sim)
  endif()
endif()

if(VMDRV_HAVE_DRIVER_HYPERV)
  vmdrv_add_cmocka_test(test_hyperv_ps
    SOURCES ${PROJECT_SOURCE_DIR}/tests/unit/test_hyperv_ps.c
            ${hyperv_dir}/hyperv_ps.c
    LABELS hyperv)
  target_include_directories(test_hyperv_ps PRIVATE ${hyperv_dir})

  vmdrv_add_cmocka_test(test_hyperv_sim
    SOURCES ${drvsim_dir}/test_hyperv_sim.c
    LABELS integration sim hyperv TIMEOUT 300)
  target_include_directories(test_hyperv_sim PRIVATE ${drvsim_dir})
  set_tests_properties(test_hyperv_sim PROPERTIES SKIP_RETURN_CODE 77)
  if(TARGET powershell-sim)
    add_dependencies(test_hyperv_sim powershell-sim)
  endif()
endif()
