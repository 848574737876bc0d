# bench_qemu: the QEMU driver's timings beside raw QEMU (see bench_qemu.c).
# It drives raw QEMU with the driver's own QMP and console code, compiled
# in because those functions are hidden inside libvmdrv.
if(VMDRV_HAVE_DRIVER_QEMU)
  set(qemu_src ${PROJECT_SOURCE_DIR}/drivers/qemu)
  add_executable(bench_qemu ${CMAKE_CURRENT_SOURCE_DIR}/bench_qemu.c
    ${qemu_src}/qemu_qmp.c ${qemu_src}/qemu_serial.c ${qemu_src}/qemu_img.c
    ${qemu_src}/qemu_util.c)
  target_include_directories(bench_qemu PRIVATE ${qemu_src})
  target_link_libraries(bench_qemu PRIVATE vmdrv)
endif()
