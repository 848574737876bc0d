/*
 * fs_posix.c: the file-system and path part of the platform interface
 * (platform.h) on Linux, macOS and other POSIX systems.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platform/platform.h"
#include "vmdrv/status.h"

int vmdrv__platform_data_dir(char *buf, size_t size)
{
#if defined(__APPLE__)
    const char *home = getenv("HOME");
    if (!home || !*home)
        return VMDRV_E_CONFIG;
    snprintf(buf, size, "%s/Library/Application Support/vmdrv", home);
#else
    /* XDG: a relative XDG_DATA_HOME is invalid and must be ignored */
    const char *xdg = getenv("XDG_DATA_HOME");
    const char *home = getenv("HOME");
    if (xdg && xdg[0] == '/')
        snprintf(buf, size, "%s/vmdrv", xdg);
    else if (home && *home)
        snprintf(buf, size, "%s/.local/share/vmdrv", home);
    else
        return VMDRV_E_CONFIG;
#endif
    return 0;
}

int vmdrv__path_is_abs(const char *path)
{
    return path[0] == '/';
}

int vmdrv__path_is_sep(char c)
{
    return c == '/';
}

size_t vmdrv__path_root_len(const char *path)
{
    return path[0] == '/' ? 1 : 0;
}

int vmdrv__fs_mkdir(const char *path)
{
    return mkdir(path, 0755);
}

int vmdrv__fs_lstat_dir(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return -1;
    return S_ISDIR(st.st_mode) ? 1 : 0;
}

int vmdrv__fs_remove(const char *path)
{
    return unlink(path);
}

int vmdrv__fs_fsync(int fd)
{
    return fsync(fd);
}

int vmdrv__fs_sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

int vmdrv__fs_rename_replace(const char *from, const char *to)
{
    return rename(from, to);
}

int vmdrv__fs_lock(int fd, int wait)
{
    return flock(fd, wait ? LOCK_EX : LOCK_EX | LOCK_NB);
}

void vmdrv__fs_unlock(int fd)
{
    flock(fd, LOCK_UN);
}
