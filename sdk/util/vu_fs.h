/*
 * vu_fs.h: file-system helpers (internal): paths, whole-file reads,
 * atomic writes and advisory locks.
 *
 * Every record or setting vmdrv writes goes through vu_write_atomic():
 * a temporary file in the same folder, fsync, rename over the target,
 * fsync of the folder. A crash at any point leaves either the old or the
 * new file, never a mix. Writers that read-modify-write hold a vu_lock.
 */
#ifndef VU_FS_H
#define VU_FS_H

#include <stddef.h>

#include "vu_str.h"

/* mkdir -p with mode 0755. 0, or -errno. */
int vu_mkdir_p(const char *path);
/* rm -rf. 0, or -errno of the first failure. Refuses "" and "/". */
int vu_rm_rf(const char *path);
int vu_path_exists(const char *path);
int vu_is_dir(const char *path);
/* Join a and b with one '/'; owned. */
char *vu_path_join(const char *a, const char *b);
/* Absolute form of path (need not exist); owned, NULL on failure. */
char *vu_path_abs(const char *path);

/* Read a whole file; *out owned and NUL-terminated. 0, or -errno. */
int vu_read_file(const char *path, char **out, size_t *len);

/*
 * Test hook: when set, called before each step of vu_write_atomic with the
 * step's name ("create", "write", "fsync", "rename", "dirsync"); a non-zero
 * return makes that step fail with EIO, as a crash or full disk would.
 */
typedef int (*vu_fault_fn)(const char *step, const char *path);
void vu_set_write_fault(vu_fault_fn fn);

/* Write data to path atomically (see above). 0, or -errno. */
int vu_write_atomic(const char *path, const void *data, size_t len);

/* The entries of dir (not "." or ".."), sorted by name, appended to out.
 * 0, or -errno when dir cannot be read. */
int vu_list_dir(const char *dir, vu_strv *out);

/* Copy a file (for disk images); 0, or -errno. */
int vu_copy_file(const char *src, const char *dst);

/* An advisory lock on a lock file (flock; LockFileEx on Windows). */
typedef struct vu_lock {
    int fd;
    void *handle;
} vu_lock;

/* Take an exclusive lock, waiting up to timeout_ms (<0: forever). 0, -errno. */
int vu_lock_acquire(vu_lock *lock, const char *path, int timeout_ms);
void vu_lock_release(vu_lock *lock);

#endif
