/*
 * builtin.h: the tables of the drivers built into libvmdrv. Each driver
 * folder exposes exactly one symbol, its table; the build defines
 * VMDRV_HAVE_DRIVER_<NAME> for each driver it compiles in.
 */
#ifndef VMDRV_BUILTIN_H
#define VMDRV_BUILTIN_H

#include "vmdrv/sys/driver.h"

extern const vmdrv_driver vmdrv_driver_test;
extern const vmdrv_driver vmdrv_driver_qemu;
extern const vmdrv_driver vmdrv_driver_hyperv;
extern const vmdrv_driver vmdrv_driver_virtualbox;

#endif
