/*
 * qemu_util.c: small helpers the QEMU driver's files share: errors with
 * the driver as origin, a monotonic clock, a stable hash for short names,
 * shell and QEMU-option quoting, unix-socket I/O with deadlines (QMP
 * and the serial console are both unix sockets), and whether a QEMU pid
 * still runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "qemu.h"
#include "vu_fs.h"

int qemu_err(vmdrv_ctx *ctx, int code, long native, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vmdrv_error_setv(ctx, code, QEMU_ORIGIN, native, fmt, ap);
    va_end(ap);
    return rc;
}

long qemu_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

void qemu_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

uint64_t qemu_hash64(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

void qemu_shell_quote(vu_buf *b, const char *s)
{
    vu_buf_putc(b, '\'');
    for (; *s; s++) {
        if (*s == '\'')
            vu_buf_puts(b, "'\\''");
        else
            vu_buf_putc(b, *s);
    }
    vu_buf_putc(b, '\'');
}

void qemu_opt_escape(vu_buf *b, const char *s)
{
    for (; *s; s++) {
        vu_buf_putc(b, *s);
        if (*s == ',')
            vu_buf_putc(b, ',');
    }
}

int qemu_unix_connect(vmdrv_ctx *ctx, const char *path, int timeout_ms,
                      int *fd_out)
{
    struct sockaddr_un sa;
    *fd_out = -1;
    if (strlen(path) >= sizeof sa.sun_path)
        return qemu_err(ctx, VMDRV_E_INVAL, 0,
                        "socket path '%s' is longer than the %zu bytes a "
                        "unix socket allows",
                        path, sizeof sa.sun_path - 1);
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, path, strlen(path) + 1);
    long deadline = qemu_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    int last = 0;
    for (;;) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return qemu_err(ctx, VMDRV_E_IO, errno,
                            "cannot create a socket for '%s': %s", path,
                            strerror(errno));
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
            *fd_out = fd;
            return 0;
        }
        last = errno;
        close(fd);
        /* the socket appears a moment after QEMU starts */
        if ((last != ENOENT && last != ECONNREFUSED && last != EAGAIN) ||
            qemu_now_ms() >= deadline)
            break;
        qemu_sleep_ms(10);
    }
    return qemu_err(ctx,
                    last == ENOENT || last == ECONNREFUSED ? VMDRV_E_TIMEOUT
                                                           : VMDRV_E_IO,
                    last, "cannot connect to '%s': %s", path, strerror(last));
}

int qemu_write_all(vmdrv_ctx *ctx, int fd, const char *data, size_t len,
                   long deadline, const char *what)
{
    size_t off = 0;
    while (off < len) {
        long left = deadline - qemu_now_ms();
        if (left <= 0)
            return qemu_err(ctx, VMDRV_E_TIMEOUT, 0, "timed out writing to %s",
                            what);
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        int n = poll(&p, 1, (int)left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            continue;
        ssize_t w = send(fd, data + off, len - off, MSG_NOSIGNAL);
        if (w < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (w < 0)
            return qemu_err(ctx, VMDRV_E_IO, errno, "cannot write to %s: %s",
                            what, strerror(errno));
        off += (size_t)w;
    }
    return 0;
}

long qemu_read_some(vmdrv_ctx *ctx, int fd, vu_buf *b, long deadline,
                    const char *what)
{
    for (;;) {
        long left = deadline - qemu_now_ms();
        if (left <= 0)
            return 0;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int n = poll(&p, 1, (int)left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return qemu_err(ctx, VMDRV_E_IO, errno, "cannot wait for %s: %s",
                            what, strerror(errno));
        if (n == 0)
            return 0;
        char chunk[16384];
        ssize_t got = recv(fd, chunk, sizeof chunk, 0);
        if (got < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (got < 0) {
            if (errno == ECONNRESET)
                return QEMU_READ_EOF;
            return qemu_err(ctx, VMDRV_E_IO, errno, "cannot read %s: %s", what,
                            strerror(errno));
        }
        if (got == 0)
            return QEMU_READ_EOF;
        vu_buf_add(b, chunk, (size_t)got);
        return (long)got;
    }
}

int qemu_pid_running(long pid)
{
    if (pid <= 1 || (kill((pid_t)pid, 0) != 0 && errno == ESRCH))
        return 0;
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return !vu_path_exists("/proc/self/stat"); /* no /proc: macOS */
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *paren = strrchr(buf, ')');
    return !(paren && paren[1] == ' ' && (paren[2] == 'Z' || paren[2] == 'X'));
}
