/*
 * platform/platform.h: the one interface between the portable parts of
 * libvmdrv (sdk/src, sdk/util) and the operating system. posix/ and
 * win32/ each implement all of it, so code outside sdk/src/platform/
 * never tests _WIN32 or __APPLE__.
 *
 * The file-system calls behave like the POSIX calls they replace: 0 on
 * success, -1 with errno set on failure, so vu_fs.c keeps its errno
 * handling whatever the platform.
 */
#ifndef VMDRV_PLATFORM_H
#define VMDRV_PLATFORM_H

#include <fcntl.h>
#include <stddef.h>

/*
 * open() flags for every file libvmdrv opens: not inherited by the
 * programs the process runner starts, and on Windows in binary mode
 * (text mode would turn each \n of a record into \r\n).
 */
#if defined(_WIN32)
#define VMDRV__O_PRIVATE (O_BINARY | O_NOINHERIT)
#else
#define VMDRV__O_PRIVATE O_CLOEXEC
#endif

/* ---- paths ----------------------------------------------------------- */

/* The platform's folder for vmdrv's data, when VMDRV_DATA_DIR is unset:
 * $XDG_DATA_HOME/vmdrv or ~/.local/share/vmdrv on Linux,
 * ~/Library/Application Support/vmdrv on macOS, %LOCALAPPDATA%\vmdrv on
 * Windows. 0, or VMDRV_E_CONFIG when the base variable is missing. */
int vmdrv__platform_data_dir(char *buf, size_t size);

/* 1 when path is absolute ("/x"; "C:\x", "C:/x" or "\\server\share" on
 * Windows). */
int vmdrv__path_is_abs(const char *path);
/* 1 for a path separator ('/', and '\\' on Windows). */
int vmdrv__path_is_sep(char c);
/* Length of the root of an absolute path ("/" -> 1, "C:\" -> 3), which
 * mkdir -p must not try to create; 0 for a relative path. */
size_t vmdrv__path_root_len(const char *path);

/* ---- files ----------------------------------------------------------- */

/* mkdir with mode 0755 where modes exist. */
int vmdrv__fs_mkdir(const char *path);
/* Without following a last-component link: 1 for a directory, 0 for
 * anything else (a file, a link, a junction), -1 with errno (ENOENT when
 * missing). */
int vmdrv__fs_lstat_dir(const char *path);
/* Remove a non-directory entry (a file or a link, even a link to a
 * directory, without touching the target). */
int vmdrv__fs_remove(const char *path);
/* Flush a file's data and metadata to the device. */
int vmdrv__fs_fsync(int fd);
/* Make a rename or creation inside dir durable (a no-op where the file
 * system journals its metadata, as NTFS does). */
int vmdrv__fs_sync_dir(const char *dir);
/* Atomically replace to with from; to may exist (rename(2) semantics;
 * MoveFileExW(MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH) on
 * Windows, where rename() refuses an existing target). */
int vmdrv__fs_rename_replace(const char *from, const char *to);
/* An exclusive advisory lock on an open file (flock; LockFileEx). With
 * wait 0, fails at once with errno EWOULDBLOCK when another holder has it. */
int vmdrv__fs_lock(int fd, int wait);
void vmdrv__fs_unlock(int fd);

/* ---- shared objects (driver plugins) -------------------------------- */

/* Load a library; NULL on failure with the system's reason in err. */
void *vmdrv__dl_open(const char *path, char *err, size_t err_size);
/* A symbol's address, or NULL. */
void *vmdrv__dl_sym(void *handle, const char *name);
void vmdrv__dl_close(void *handle);

#endif
