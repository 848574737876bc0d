/*
 * fs_win32.c: the file-system and path part of the platform interface
 * (platform.h) on Windows. Paths are UTF-8 in the SDK and UTF-16 here;
 * both separators are accepted, as the Windows APIs accept both.
 */
#include "win32.h"

#include <errno.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>

#include "platform/platform.h"
#include "vmdrv/status.h"

int vmdrv__platform_data_dir(char *buf, size_t size)
{
    /* the per-user, non-roaming folder: VM images must not roam */
    wchar_t base[MAX_PATH];
    DWORD n = GetEnvironmentVariableW(L"LOCALAPPDATA", base, MAX_PATH);
    if (n == 0 || n >= MAX_PATH)
        return VMDRV_E_CONFIG;
    char *u = vmdrv__utf8(base);
    snprintf(buf, size, "%s\\vmdrv", u);
    free(u);
    return 0;
}

int vmdrv__path_is_sep(char c)
{
    return c == '/' || c == '\\';
}

static int is_drive(const char *p)
{
    return ((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z')) &&
           p[1] == ':';
}

int vmdrv__path_is_abs(const char *path)
{
    /* "\x" is relative to the current drive, not the current folder:
     * prefixing the current folder would make it wrong, so it counts as
     * absolute (as under wine, where "/work" names Z:\work) */
    if (vmdrv__path_is_sep(path[0]))
        return 1;
    return is_drive(path) && vmdrv__path_is_sep(path[2]);
}

size_t vmdrv__path_root_len(const char *path)
{
    if (is_drive(path))
        return vmdrv__path_is_sep(path[2]) ? 3 : 2;
    if (vmdrv__path_is_sep(path[0]) && vmdrv__path_is_sep(path[1])) {
        /* \\server\share\ : neither part can be created */
        size_t i = 2;
        for (int part = 0; part < 2; part++) {
            while (path[i] && !vmdrv__path_is_sep(path[i]))
                i++;
            if (path[i])
                i++;
        }
        return i;
    }
    return vmdrv__path_is_sep(path[0]) ? 1 : 0;
}

/* UTF-16 path or -1 with errno EINVAL; every function below starts so. */
#define WIDE_OR_FAIL(w, path)                                                  \
    wchar_t *w = vmdrv__wide(path);                                            \
    if (!w)                                                                    \
        return -1

int vmdrv__fs_mkdir(const char *path)
{
    WIDE_OR_FAIL(w, path);
    int rc = CreateDirectoryW(w, NULL) ? 0 : vmdrv__fail_win();
    free(w);
    return rc;
}

int vmdrv__fs_lstat_dir(const char *path)
{
    WIDE_OR_FAIL(w, path);
    DWORD a = GetFileAttributesW(w);
    free(w);
    if (a == INVALID_FILE_ATTRIBUTES)
        return vmdrv__fail_win();
    /* a symbolic link or junction to a folder is removed as a link: rm -rf
     * must never walk into the target */
    if (a & FILE_ATTRIBUTE_REPARSE_POINT)
        return 0;
    return (a & FILE_ATTRIBUTE_DIRECTORY) ? 1 : 0;
}

int vmdrv__fs_remove(const char *path)
{
    WIDE_OR_FAIL(w, path);
    DWORD a = GetFileAttributesW(w);
    int rc = 0;
    if (a == INVALID_FILE_ATTRIBUTES) {
        rc = vmdrv__fail_win();
        goto cleanup;
    }
    /* read-only files cannot be deleted on Windows; POSIX unlink does not
     * care, so neither do we */
    if (a & FILE_ATTRIBUTE_READONLY)
        SetFileAttributesW(w, a & ~(DWORD)FILE_ATTRIBUTE_READONLY);
    BOOL ok = (a & FILE_ATTRIBUTE_DIRECTORY) ? RemoveDirectoryW(w)
                                             : DeleteFileW(w);
    if (!ok)
        rc = vmdrv__fail_win();
cleanup:
    free(w);
    return rc;
}

int vmdrv__fs_fsync(int fd)
{
    HANDLE h = (HANDLE)_get_osfhandle(fd);
    if (h == INVALID_HANDLE_VALUE) {
        errno = EBADF;
        return -1;
    }
    return FlushFileBuffers(h) ? 0 : vmdrv__fail_win();
}

int vmdrv__fs_sync_dir(const char *dir)
{
    /* NTFS journals metadata, and vmdrv__fs_rename_replace() asks for
     * MOVEFILE_WRITE_THROUGH: there is no folder to flush */
    (void)dir;
    return 0;
}

int vmdrv__fs_rename_replace(const char *from, const char *to)
{
    wchar_t *wf = vmdrv__wide(from);
    wchar_t *wt = wf ? vmdrv__wide(to) : NULL;
    int rc = 0;
    if (!wf || !wt) {
        rc = -1;
        goto cleanup;
    }
    /* A reader that opened the target without FILE_SHARE_DELETE (as the
     * C runtime's fopen does) blocks the replace for as long as it holds
     * the file; readers are brief, so retry for about a second. */
    for (int attempt = 0;; attempt++) {
        if (MoveFileExW(wf, wt, MOVEFILE_REPLACE_EXISTING |
                                    MOVEFILE_WRITE_THROUGH))
            break;
        DWORD e = GetLastError();
        if ((e != ERROR_ACCESS_DENIED && e != ERROR_SHARING_VIOLATION) ||
            attempt >= 50) {
            errno = vmdrv__errno_from_win(e);
            rc = -1;
            break;
        }
        Sleep(20);
    }
cleanup:
    free(wf);
    free(wt);
    return rc;
}

int vmdrv__fs_lock(int fd, int wait)
{
    HANDLE h = (HANDLE)_get_osfhandle(fd);
    if (h == INVALID_HANDLE_VALUE) {
        errno = EBADF;
        return -1;
    }
    OVERLAPPED ov = {0};
    DWORD flags = LOCKFILE_EXCLUSIVE_LOCK;
    if (!wait)
        flags |= LOCKFILE_FAIL_IMMEDIATELY;
    /* the whole range, as flock locks the whole file */
    if (LockFileEx(h, flags, 0, MAXDWORD, MAXDWORD, &ov))
        return 0;
    return vmdrv__fail_win(); /* ERROR_LOCK_VIOLATION -> EWOULDBLOCK */
}

void vmdrv__fs_unlock(int fd)
{
    HANDLE h = (HANDLE)_get_osfhandle(fd);
    OVERLAPPED ov = {0};
    if (h != INVALID_HANDLE_VALUE)
        UnlockFileEx(h, 0, MAXDWORD, MAXDWORD, &ov);
}
