/*
 * qemu_serial.c: guest exec over the serial console.
 *
 * The guest serves a root shell on its serial port, which QEMU exposes
 * as a unix socket (one client at a time; what the guest prints while
 * nobody is connected only reaches the console's logfile). To run a
 * command we type one line:
 *
 *   printf '__VMDRV_BE''GIN_%s__\n' N; sh -c 'CMD' </dev/null 2>&1;
 *   printf '\n__VMDRV_DO''NE_%s__ rc=%d\n' N $?
 *
 * and read until the end marker. What comes back also holds the shell's
 * echo of that line (wrapped at the terminal width with "\r\r\n"
 * inserted, redrawn by the line editor with escape sequences), prompts
 * and busybox's cursor query ESC[6n. None of that can be mistaken for a
 * marker: the markers are printed by printf, and the typed text never
 * contains them verbatim (the '' split, the same trick as "__DO""NE__").
 * A fresh nonce per command keeps a late end marker of an earlier,
 * timed-out command from ending this one. The command's stdin is
 * /dev/null, so it cannot swallow what we type next.
 *
 * Long commands, or ones holding bytes a line editor would interpret
 * (tabs, control characters, non-ASCII), are written to a file in the
 * guest first, in octal-escaped chunks of one line each, each
 * acknowledged before the next is typed, so the guest's terminal buffer
 * never overflows.
 *
 * Markers are found with PCRE2 on a copy of the stream in which bytes
 * above 0x7f are masked (the pattern library works in UTF-8 mode and a
 * command may print binary); offsets stay valid for the original bytes.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qemu.h"
#include "vu_regex.h"

#define INLINE_MAX 900  /* bytes per typed line; busybox's editor takes 1024 */
#define CHUNK_BYTES 180 /* raw bytes per file chunk: 4 typed bytes each */
#define EXEC_MAX (256 * 1024)

static void make_nonce(char *buf, size_t size)
{
    unsigned char r[6] = {0};
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || read(fd, r, sizeof r) != (ssize_t)sizeof r) {
        unsigned long long x = (unsigned long long)qemu_now_ms() ^
                               ((unsigned long long)getpid() << 20);
        memcpy(r, &x, sizeof r);
    }
    if (fd >= 0)
        close(fd);
    snprintf(buf, size, "%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3],
             r[4], r[5]);
}

static int needs_file(const char *command)
{
    size_t len = strlen(command);
    if (len > INLINE_MAX - 200)
        return 1;
    for (const unsigned char *p = (const unsigned char *)command; *p; p++)
        if (*p < 0x20 || *p > 0x7e)
            return 1;
    return 0;
}

char **qemu_serial_script(const char *command, const char *nonce,
                          size_t *n_lines)
{
    vu_strv lines = VU_STRV_INIT;
    vu_buf b = VU_BUF_INIT;
    const char *begin = "printf '__VMDRV_BE''GIN_%s__\\n' ";
    const char *done = "printf '\\n__VMDRV_DO''NE_%s__ rc=%d\\n' ";
    if (!needs_file(command)) {
        vu_buf_printf(&b, "%s%s; sh -c ", begin, nonce);
        qemu_shell_quote(&b, command);
        vu_buf_printf(&b, " </dev/null 2>&1; %s%s $?", done, nonce);
        vu_strv_add(&lines, vu_buf_str(&b));
    } else {
        size_t len = strlen(command);
        size_t index = 0;
        for (size_t off = 0; off < len; off += CHUNK_BYTES, index++) {
            vu_buf_clear(&b);
            vu_buf_puts(&b, "printf '");
            for (size_t i = off; i < len && i < off + CHUNK_BYTES; i++)
                vu_buf_printf(&b, "\\%03o", (unsigned char)command[i]);
            vu_buf_printf(&b,
                          "' >%s /tmp/.vmdrv-exec-%s; printf "
                          "'__VMDRV_A''CK_%%s_%%d__\\n' %s %zu",
                          off == 0 ? "" : ">", nonce, nonce, index);
            vu_strv_add(&lines, vu_buf_str(&b));
        }
        vu_buf_clear(&b);
        vu_buf_printf(&b,
                      "%s%s; sh /tmp/.vmdrv-exec-%s </dev/null 2>&1; "
                      "__vmdrv_rc=$?; rm -f /tmp/.vmdrv-exec-%s; %s%s "
                      "$__vmdrv_rc",
                      begin, nonce, nonce, nonce, done, nonce);
        vu_strv_add(&lines, vu_buf_str(&b));
    }
    vu_buf_clear(&b);
    *n_lines = lines.n;
    return lines.v; /* the vector's array, NULL-terminated, owned */
}

void qemu_serial_script_free(char **lines, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
}

/* A copy of buf that the UTF-8 pattern engine accepts, same offsets. */
static char *masked(const char *buf, size_t len)
{
    char *m = vu_malloc(len + 1);
    for (size_t i = 0; i < len; i++)
        m[i] = (unsigned char)buf[i] > 0x7f || buf[i] == '\0' ? '?' : buf[i];
    m[len] = '\0';
    return m;
}

static int find(const char *pattern, const char *subject, size_t len,
                size_t start, long *g, int ngroups)
{
    vu_regex *re = vu_regex_new(pattern, 0, NULL, 0);
    if (!re)
        return 0;
    int rc = vu_regex_match(re, subject, len, start, g, ngroups);
    vu_regex_free(re);
    return rc == 1;
}

int qemu_serial_acked(const char *buf, size_t len, const char *nonce,
                      size_t index)
{
    char pat[128];
    snprintf(pat, sizeof pat, "__VMDRV_ACK_%s_%zu__\\r?\\n", nonce, index);
    char *m = masked(buf, len);
    int found = find(pat, m, len, 0, NULL, 0);
    free(m);
    return found;
}

int qemu_serial_parse(const char *buf, size_t len, const char *nonce,
                      int *exit_code, char **output, size_t *out_len)
{
    char pat[160];
    long g[4];
    int complete = 0;
    char *m = masked(buf, len);
    snprintf(pat, sizeof pat, "__VMDRV_BEGIN_%s__\\r?\\n", nonce);
    if (!find(pat, m, len, 0, g, 1))
        goto cleanup;
    size_t start = (size_t)g[1];
    /* the digits must be followed by the line end, or "rc=1" could be
     * the first half of "rc=127" */
    snprintf(pat, sizeof pat, "\\r?\\n__VMDRV_DONE_%s__ rc=(\\d+)\\r?\\n",
             nonce);
    if (!find(pat, m, len, start, g, 2))
        goto cleanup;
    *exit_code = atoi(m + g[2]);
    size_t end = (size_t)g[0];
    vu_buf out = VU_BUF_INIT;
    for (size_t i = start; i < end; i++) {
        if (buf[i] == '\r' && i + 1 < end && buf[i + 1] == '\n')
            continue; /* the terminal's "\r\n" is the program's "\n" */
        if (buf[i] == '\x1b' && i + 3 < end &&
            memcmp(buf + i, "\x1b[6n", 4) == 0) {
            i += 3; /* a cursor-position query, never program output */
            continue;
        }
        vu_buf_putc(&out, buf[i]);
    }
    *out_len = out.len;
    *output = vu_buf_detach(&out);
    complete = 1;
cleanup:
    free(m);
    return complete;
}

/* Read into b until pred says done, EOF or deadline. 1 done, 0 not. */
static int read_until_ack(vmdrv_ctx *ctx, int fd, vu_buf *b, long deadline,
                          const char *nonce, size_t index, int *rc)
{
    *rc = 0;
    while (!qemu_serial_acked(b->data ? b->data : "", b->len, nonce, index)) {
        long got = qemu_read_some(ctx, fd, b, deadline, "the serial console");
        if (got == 0)
            return 0;
        if (got == QEMU_READ_EOF) {
            *rc = qemu_err(ctx, VMDRV_E_IO, 0,
                           "the serial console closed while a command was "
                           "being typed (did QEMU exit?)");
            return 0;
        }
        if (got < 0) {
            *rc = (int)got;
            return 0;
        }
    }
    return 1;
}

int qemu_serial_exec(vmdrv_ctx *ctx, const char *sock_path, const char *command,
                     int timeout_ms, vmdrv_exec_result *res)
{
    char nonce[16];
    int fd = -1;
    size_t n_lines = 0;
    char **lines = NULL;
    vu_buf in = VU_BUF_INIT;
    long deadline = qemu_now_ms() + timeout_ms;
    int rc;

    if (strlen(command) > EXEC_MAX)
        return qemu_err(ctx, VMDRV_E_INVAL, 0,
                        "command for the guest is %zu bytes long (at most "
                        "%d over the serial console)",
                        strlen(command), EXEC_MAX);
    if ((rc = qemu_unix_connect(ctx, sock_path, 5000, &fd)))
        goto cleanup;
    make_nonce(nonce, sizeof nonce);
    lines = qemu_serial_script(command, nonce, &n_lines);
    /* Ctrl-U first: drop whatever half line an interrupted client left */
    if ((rc = qemu_write_all(ctx, fd, "\x15", 1, deadline,
                             "the serial console")))
        goto cleanup;
    for (size_t i = 0; i < n_lines; i++) {
        vu_buf line = VU_BUF_INIT;
        vu_buf_printf(&line, "%s\n", lines[i]);
        rc = qemu_write_all(ctx, fd, line.data, line.len, deadline,
                            "the serial console");
        vu_buf_clear(&line);
        if (rc)
            goto cleanup;
        if (i + 1 < n_lines &&
            !read_until_ack(ctx, fd, &in, deadline, nonce, i, &rc)) {
            if (!rc)
                rc = qemu_err(ctx, VMDRV_E_TIMEOUT, 0,
                              "the guest did not take the command within "
                              "%d ms (is its serial shell running?)",
                              timeout_ms);
            goto cleanup;
        }
    }
    for (;;) {
        char *out;
        size_t out_len;
        int code;
        if (qemu_serial_parse(in.data ? in.data : "", in.len, nonce, &code,
                              &out, &out_len)) {
            res->exit_code = code;
            res->output = out;
            res->output_len = out_len;
            rc = 0;
            break;
        }
        long got = qemu_read_some(ctx, fd, &in, deadline, "the serial console");
        if (got == 0) {
            /* interrupt it, so the console is usable again */
            qemu_write_all(ctx, fd, "\x03", 1, qemu_now_ms() + 1000,
                           "the serial console");
            rc = qemu_err(ctx, VMDRV_E_TIMEOUT, 0,
                          "the command in the guest did not finish within "
                          "%d ms (interrupted with Ctrl-C)",
                          timeout_ms);
            break;
        }
        if (got == QEMU_READ_EOF) {
            rc = qemu_err(ctx, VMDRV_E_IO, 0,
                          "the serial console closed before the command "
                          "finished (did the guest power off?)");
            break;
        }
        if (got < 0) {
            rc = (int)got;
            break;
        }
    }
cleanup:
    if (fd >= 0)
        close(fd);
    qemu_serial_script_free(lines, n_lines);
    vu_buf_clear(&in);
    return rc;
}

int qemu_serial_send(vmdrv_ctx *ctx, const char *sock_path, const char *text,
                     int timeout_ms)
{
    int fd;
    int rc = qemu_unix_connect(ctx, sock_path, timeout_ms, &fd);
    if (rc)
        return rc;
    long deadline = qemu_now_ms() + timeout_ms;
    rc = qemu_write_all(ctx, fd, text, strlen(text), deadline,
                        "the serial console");
    if (rc == 0) {
        /* QEMU feeds the guest as fast as its UART drains: stay connected
         * until the guest echoes something back (or briefly) */
        vu_buf in = VU_BUF_INIT;
        long wait = qemu_now_ms() + 500;
        qemu_read_some(ctx, fd, &in, wait < deadline ? wait : deadline,
                       "the serial console");
        vu_buf_clear(&in);
    }
    close(fd);
    return rc;
}
