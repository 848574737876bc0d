/*
 * platform/spawn.h: the platform half of vmdrv_proc_spawn(), between
 * sdk/src/proc.c (argument checks, logging, a host profile's environment)
 * and platform/posix/spawn_posix.c or platform/win32/spawn_win32.c, which
 * also implement the rest of the asynchronous process API of
 * vmdrv/proc.h (wait, wait_any, kill, free, crashed, self_path).
 */
#ifndef VMDRV_PLATFORM_SPAWN_H
#define VMDRV_PLATFORM_SPAWN_H

#include "vmdrv/proc.h"

/* Start spec (argv checked, environment merged by proc.c). 0 with *out
 * set, or a negative status with the error set on ctx. */
int vmdrv__proc_spawn(vmdrv_ctx *ctx, const vmdrv_proc_spec *spec,
                      vmdrv_proc **out);

#endif
