/*
 * vu_fs.c: file-system helpers (see vu_fs.h). Portable: what differs
 * between POSIX and Windows is behind sdk/src/platform/platform.h.
 */
#define _GNU_SOURCE
#include "vu_fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "platform/platform.h"
#include "vu_str.h"

static vu_fault_fn write_fault;

void vu_set_write_fault(vu_fault_fn fn)
{
    write_fault = fn;
}

static int fault(const char *step, const char *path)
{
    return write_fault && write_fault(step, path);
}

int vu_mkdir_p(const char *path)
{
    if (!*path)
        return -ENOENT; /* as mkdir("") answers */
    char *p = vu_strdup(path);
    int rc = 0;
    size_t root = vmdrv__path_root_len(p);
    for (char *s = p + (root ? root : 1); ; s++) {
        if (vmdrv__path_is_sep(*s) || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (vmdrv__fs_mkdir(p) != 0 && errno != EEXIST) {
                rc = -errno;
                break;
            }
            *s = c;
            if (c == '\0')
                break;
        }
    }
    if (rc == 0 && !vu_is_dir(path))
        rc = -ENOTDIR;
    free(p);
    return rc;
}

int vu_rm_rf(const char *path)
{
    if (!path || !*path || strcmp(path, "/") == 0)
        return -EINVAL;
    int is_dir = vmdrv__fs_lstat_dir(path);
    if (is_dir < 0)
        return errno == ENOENT ? 0 : -errno;
    if (!is_dir)
        return vmdrv__fs_remove(path) == 0 ? 0 : -errno;
    int rc = 0;
    DIR *d = opendir(path);
    if (!d)
        return -errno;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *child = vu_path_join(path, e->d_name);
        int r = vu_rm_rf(child);
        if (r && !rc)
            rc = r;
        free(child);
    }
    closedir(d);
    if (rmdir(path) != 0 && !rc)
        rc = -errno;
    return rc;
}

int vu_path_exists(const char *path)
{
    return vmdrv__fs_lstat_dir(path) >= 0;
}

int vu_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

char *vu_path_join(const char *a, const char *b)
{
    size_t la = strlen(a);
    while (la > 1 && a[la - 1] == '/')
        la--;
    while (*b == '/')
        b++;
    /* "/" + "x" is "/x", not "//x" */
    return vu_asprintf("%.*s%s%s", (int)la, a,
                       la && a[la - 1] == '/' ? "" : "/", b);
}

char *vu_path_abs(const char *path)
{
    if (vmdrv__path_is_abs(path))
        return vu_strdup(path);
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd))
        return NULL;
    return vu_path_join(cwd, path);
}

int vu_read_file(const char *path, char **out, size_t *len)
{
    *out = NULL;
    if (len)
        *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return -errno;
    vu_buf b = VU_BUF_INIT;
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        vu_buf_add(&b, chunk, n);
    int err = ferror(f) ? -EIO : 0;
    fclose(f);
    if (err) {
        vu_buf_clear(&b);
        return err;
    }
    if (len)
        *len = b.len;
    *out = vu_buf_detach(&b);
    return 0;
}

static int fsync_dir_of(const char *path)
{
    char *dir = vu_strdup(path);
    char *slash = strrchr(dir, '/');
    if (slash == dir)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        strcpy(dir, ".");
    int rc = vmdrv__fs_sync_dir(dir) == 0 ? 0 : -errno;
    free(dir);
    return rc;
}

int vu_write_atomic(const char *path, const void *data, size_t len)
{
    int rc = 0, fd = -1;
    char *tmp = vu_asprintf("%s.tmp.%ld.%ld", path, (long)getpid(),
                            (long)clock());
    if (fault("create", path)) {
        rc = -EIO;
        goto cleanup;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | VMDRV__O_PRIVATE, 0644);
    if (fd < 0) {
        rc = -errno;
        goto cleanup;
    }
    const char *p = data;
    size_t left = len;
    int half = fault("write", path);
    if (half)
        left = len / 2; /* a torn write, as a crash would leave */
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            rc = -errno;
            goto cleanup;
        }
        p += w;
        left -= (size_t)w;
    }
    if (half) {
        rc = -EIO;
        goto cleanup;
    }
    if (fault("fsync", path)) {
        rc = -EIO; /* whatever errno the hook left behind */
        goto cleanup;
    }
    if (vmdrv__fs_fsync(fd) != 0) {
        rc = -errno;
        goto cleanup;
    }
    close(fd);
    fd = -1;
    if (fault("rename", path)) {
        rc = -EIO;
        goto cleanup;
    }
    if (vmdrv__fs_rename_replace(tmp, path) != 0) {
        rc = -errno;
        goto cleanup;
    }
    if (fault("dirsync", path)) {
        /* the rename happened: the new file is in place, only its
         * durability is in doubt, exactly as after a power cut */
        rc = -EIO;
        free(tmp);
        return rc;
    }
    rc = fsync_dir_of(path);
    free(tmp);
    return rc;

cleanup:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    free(tmp);
    return rc;
}

int vu_copy_file(const char *src, const char *dst)
{
    int in = open(src, O_RDONLY | VMDRV__O_PRIVATE);
    if (in < 0)
        return -errno;
    int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | VMDRV__O_PRIVATE, 0644);
    if (out < 0) {
        int e = -errno;
        close(in);
        return e;
    }
    char buf[1 << 16];
    ssize_t n;
    int rc = 0;
    while ((n = read(in, buf, sizeof buf)) > 0) {
        char *p = buf;
        while (n > 0) {
            ssize_t w = write(out, p, (size_t)n);
            if (w < 0) {
                rc = -errno;
                goto done;
            }
            p += w;
            n -= w;
        }
    }
    if (n < 0)
        rc = -errno;
    if (!rc && vmdrv__fs_fsync(out) != 0)
        rc = -errno;
done:
    close(in);
    close(out);
    return rc;
}

int vu_lock_acquire(vu_lock *lock, const char *path, int timeout_ms)
{
    lock->fd = -1;
    lock->handle = NULL;
    int fd = open(path, O_RDWR | O_CREAT | VMDRV__O_PRIVATE, 0644);
    if (fd < 0)
        return -errno;
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        if (vmdrv__fs_lock(fd, timeout_ms < 0) == 0)
            break;
        if (errno != EWOULDBLOCK && errno != EINTR) {
            int e = -errno;
            close(fd);
            return e;
        }
        /* waiting for ever: a signal only interrupts the wait */
        if (timeout_ms < 0)
            continue;
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long elapsed = (now.tv_sec - start.tv_sec) * 1000 +
                       (now.tv_nsec - start.tv_nsec) / 1000000;
        if (elapsed >= timeout_ms) {
            close(fd);
            return -EWOULDBLOCK;
        }
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    lock->fd = fd;
    return 0;
}

void vu_lock_release(vu_lock *lock)
{
    if (lock->fd >= 0) {
        vmdrv__fs_unlock(lock->fd);
        close(lock->fd);
    }
    lock->fd = -1;
}
