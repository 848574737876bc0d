/*
 * posix/proc_posix.h: what the POSIX process runner (proc_posix.c) shares
 * with vmdrv_proc_spawn() (spawn_posix.c).
 */
#ifndef VMDRV_PROC_POSIX_H
#define VMDRV_PROC_POSIX_H

/*
 * A child's environment: ours plus extra ("KEY=VALUE"); an extra entry
 * replaces ours of the same name, and a later extra entry an earlier one.
 * The array is owned (free() it), its strings are borrowed.
 */
char **vmdrv__posix_env(const char *const *extra);

#endif
