# VirtualBox and Hyper-V drivers (issue 7): their output readers against
# recorded outputs (unit), and each driver end to end through the SDK
# against the VBoxManage and PowerShell simulators of fixtures/sim
# (integration). The end-to-end tests always run their probe cases and
# exit 77, which ctest reports as "Skipped", when a simulator is not built.
#
# The readers are compiled into their unit tests as well as into libvmdrv:
# a Windows DLL exports only the VMDRV_EXTERN API, not driver internals.
set(drvsim_dir ${PROJECT_SOURCE_DIR}/tests/integration)

# drvsim_tests(DRIVER_FOLDER READER_TEST READER_SOURCE SIM_TEST SIMULATOR LABEL)
function(drvsim_tests folder reader_test reader_src sim_test simulator label)
  set(dir ${PROJECT_SOURCE_DIR}/drivers/${folder})
  vmdrv_add_cmocka_test(${reader_test}
    SOURCES ${PROJECT_SOURCE_DIR}/tests/unit/${reader_test}.c ${dir}/${reader_src}
    LABELS ${label})
  target_include_directories(${reader_test} PRIVATE ${dir})

  vmdrv_add_cmocka_test(${sim_test}
    SOURCES ${drvsim_dir}/${sim_test}.c
    LABELS integration sim ${label} TIMEOUT 300)
  target_include_directories(${sim_test} PRIVATE ${drvsim_dir})
  set_tests_properties(${sim_test} PROPERTIES SKIP_RETURN_CODE 77)
  if(TARGET ${simulator})
    add_dependencies(${sim_test} ${simulator})
  endif()
endfunction()

if(VMDRV_HAVE_DRIVER_VIRTUALBOX)
  drvsim_tests(virtualbox test_vbox_parse vbox_parse.c test_vbox_sim
               vboxmanage-sim virtualbox)
endif()
if(VMDRV_HAVE_DRIVER_HYPERV)
  drvsim_tests(hyperv test_hyperv_ps hyperv_ps.c test_hyperv_sim
               powershell-sim hyperv)
endif()
