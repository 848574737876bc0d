/*
 * test_qemu_serial.c: unit tests of guest exec over the serial console
 * (drivers/qemu/qemu_serial.c).
 *
 * The parser gets byte streams shaped like the real console's (echo
 * wrapped at 80 columns with "\r\r\n", ESC[6n before prompts, markers of
 * an older command, binary output). The typed script is run by a real
 * /bin/sh, so quoting and the markers are checked by a shell rather than
 * by string comparison. Last, a fake guest behind a unix socket echoes
 * what it is sent like a terminal and runs each line with /bin/sh, and
 * qemu_serial_exec() talks to it end to end.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "qemu.h"
#include "qemu_test_helpers.h"

typedef struct fixture {
    vmdrv_ctx *ctx;
    char dir[256];
    pid_t guest;
    char sock[300];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    qemu_test_open(&f->ctx, f->dir, sizeof f->dir, "serial", NULL);
    snprintf(f->sock, sizeof f->sock, "%s/serial.sock", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    if (f->guest > 0) {
        kill(f->guest, SIGKILL);
        waitpid(f->guest, NULL, 0);
    }
    qemu_test_close(f->ctx, f->dir);
    free(f);
    return 0;
}

/* ---- the parser ---------------------------------------------------------- */

static void test_qemu_serial__parse_skips_echo_wrap_and_escapes(void **state)
{
    (void)state;
    const char stream[] =
        "\x1b[6n"
        "printf '__VMDRV_BE''GIN_%s__\\n' abc123; sh -c 'echo hello; echo wor"
        "\r\r\nld' </dev/null 2>&1; printf '\\n__VMDRV_DO''NE_%s__ rc=%d\\n' "
        "abc123 $?\r\n"
        "__VMDRV_BEGIN_abc123__\r\n"
        "hello\r\nworld\r\n"
        "\r\n__VMDRV_DONE_abc123__ rc=7\r\n"
        "vmdrv# \x1b[6n";
    int code = -1;
    char *out = NULL;
    size_t len = 0;
    assert_int_equal(qemu_serial_parse(stream, sizeof stream - 1, "abc123",
                                       &code, &out, &len),
                     1);
    assert_int_equal(code, 7);
    assert_string_equal(out, "hello\nworld\n");
    assert_int_equal(len, 12);
    free(out);
}

static void test_qemu_serial__parse_waits_for_the_whole_status(void **state)
{
    (void)state;
    const char part[] = "__VMDRV_BEGIN_n1__\r\nx\r\n\r\n__VMDRV_DONE_n1__ rc=1";
    const char full[] = "__VMDRV_BEGIN_n1__\r\nx\r\n\r\n__VMDRV_DONE_n1__ "
                        "rc=127\r\n";
    int code = -1;
    char *out = NULL;
    size_t len;
    /* "rc=1" may be the start of "rc=127" */
    assert_int_equal(
        qemu_serial_parse(part, sizeof part - 1, "n1", &code, &out, &len), 0);
    assert_null(out);
    assert_int_equal(
        qemu_serial_parse(full, sizeof full - 1, "n1", &code, &out, &len), 1);
    assert_int_equal(code, 127);
    assert_string_equal(out, "x\n");
    free(out);
}

static void test_qemu_serial__parse_ignores_an_older_command(void **state)
{
    (void)state;
    /* an interrupted command's markers show up late: not ours */
    const char stream[] =
        "__VMDRV_BEGIN_old__\r\nstale\r\n\r\n__VMDRV_DONE_old__ rc=0\r\n"
        "__VMDRV_BEGIN_new__\r\nfresh\r\n\r\n__VMDRV_DONE_new__ rc=3\r\n";
    int code;
    char *out = NULL;
    size_t len;
    assert_int_equal(qemu_serial_parse(stream, 60, "new", &code, &out, &len),
                     0);
    assert_int_equal(
        qemu_serial_parse(stream, sizeof stream - 1, "new", &code, &out, &len),
        1);
    assert_int_equal(code, 3);
    assert_string_equal(out, "fresh\n");
    free(out);
}

static void
test_qemu_serial__parse_keeps_binary_and_missing_newline(void **state)
{
    (void)state;
    const char stream[] = "__VMDRV_BEGIN_b__\r\n\xff\x01\x80z"
                          "\r\n__VMDRV_DONE_b__ rc=0\r\n";
    int code;
    char *out = NULL;
    size_t len;
    assert_int_equal(
        qemu_serial_parse(stream, sizeof stream - 1, "b", &code, &out, &len),
        1);
    assert_int_equal(len, 4);
    assert_memory_equal(out, "\xff\x01\x80z", 4);
    free(out);
}

/* ---- the script, run by a real shell ------------------------------------- */

/* Run the script's lines with /bin/sh and parse what it prints. */
static void run_script(const char *command, int *code, char **out, size_t *len)
{
    size_t n;
    char **lines = qemu_serial_script(command, "t0k3n", &n);
    char path[] = "/tmp/vmdrv-test-qemu-serial-script-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    for (size_t i = 0; i < n; i++) {
        /* the typed text never holds a marker verbatim */
        assert_null(strstr(lines[i], "__VMDRV_BEGIN_t0k3n"));
        assert_null(strstr(lines[i], "__VMDRV_DONE_t0k3n"));
        assert_true(strlen(lines[i]) < 1000);
        assert_true(write(fd, lines[i], strlen(lines[i])) > 0);
        assert_true(write(fd, "\n", 1) == 1);
    }
    close(fd);
    qemu_serial_script_free(lines, n);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "/bin/sh %s 2>&1", path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    vu_buf b = VU_BUF_INIT;
    char chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, p)) > 0)
        vu_buf_add(&b, chunk, got);
    pclose(p);
    unlink(path);
    assert_int_equal(
        qemu_serial_parse(vu_buf_str(&b), b.len, "t0k3n", code, out, len), 1);
    vu_buf_clear(&b);
}

static void test_qemu_serial__script_quotes_for_a_real_shell(void **state)
{
    (void)state;
    int code;
    char *out;
    size_t len;
    run_script("echo 'single' \"double\" $((6*7)) \\back; exit 3", &code, &out,
               &len);
    assert_int_equal(code, 3);
    assert_string_equal(out, "single double 42 back\n");
    free(out);
    /* stderr is part of the output; stdin is empty */
    run_script("echo oops >&2; cat; printf 'no newline'", &code, &out, &len);
    assert_int_equal(code, 0);
    assert_string_equal(out, "oops\nno newline");
    free(out);
}

static void
test_qemu_serial__long_and_odd_commands_go_through_a_file(void **state)
{
    (void)state;
    size_t n;
    char **lines = qemu_serial_script("echo short", "x", &n);
    assert_int_equal(n, 1);
    qemu_serial_script_free(lines, n);

    vu_buf cmd = VU_BUF_INIT;
    vu_buf_puts(&cmd, "printf '%s' '");
    for (int i = 0; i < 3000; i++)
        vu_buf_putc(&cmd, (char)('a' + i % 26));
    vu_buf_puts(&cmd, "' | wc -c; printf 'tab\\there\\n'; echo 'caf\xc3\xa9'");
    lines = qemu_serial_script(vu_buf_str(&cmd), "x", &n);
    assert_true(n > 10); /* chunks, each acknowledged */
    qemu_serial_script_free(lines, n);

    int code;
    char *out;
    size_t len;
    run_script(vu_buf_str(&cmd), &code, &out, &len);
    assert_int_equal(code, 0);
    assert_non_null(strstr(out, "3000\n"));
    assert_non_null(strstr(out, "tab\there\n"));
    assert_non_null(strstr(out, "caf\xc3\xa9\n"));
    free(out);
    vu_buf_clear(&cmd);

    /* a tab makes even a short command go through the file */
    lines = qemu_serial_script("echo a\tb", "x", &n);
    assert_int_equal(n, 2);
    assert_null(strchr(lines[0], '\t'));
    qemu_serial_script_free(lines, n);
}

/* ---- a fake guest behind a unix socket ----------------------------------- */

/*
 * Echo each byte like a terminal (wrapping at 80 columns with "\r\r\n"),
 * send ESC[6n and a prompt after each line, run the line with /bin/sh
 * and send its output with "\n" turned into "\r\n". Ctrl-C ends the
 * running line.
 */
static void fake_guest(const char *path)
{
    int ls = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    if (bind(ls, (struct sockaddr *)&sa, sizeof sa) || listen(ls, 4))
        _exit(2);
    signal(SIGPIPE, SIG_IGN);
    for (;;) {
        int c = accept(ls, NULL, NULL);
        if (c < 0)
            _exit(3);
        char line[8192];
        size_t n = 0, col = 0;
        char ch;
        while (read(c, &ch, 1) == 1) {
            if (ch == 0x15) { /* Ctrl-U: drop the half line */
                n = 0;
                continue;
            }
            if (ch != '\n') {
                if (n + 1 < sizeof line)
                    line[n++] = ch;
                (void)!write(c, &ch, 1);
                if (++col % 80 == 0)
                    (void)!write(c, "\r\r\n", 3);
                continue;
            }
            line[n] = '\0';
            (void)!write(c, "\r\n", 2);
            FILE *p;
            char cmd[8300];
            snprintf(cmd, sizeof cmd, "/bin/sh -c '%s' 2>&1 </dev/null",
                     "eval \"$VMDRV_FAKE_LINE\"");
            setenv("VMDRV_FAKE_LINE", line, 1);
            p = popen(cmd, "r");
            char buf[4096];
            size_t got;
            while (p && (got = fread(buf, 1, sizeof buf, p)) > 0)
                for (size_t i = 0; i < got; i++) {
                    if (buf[i] == '\n')
                        (void)!write(c, "\r", 1);
                    (void)!write(c, &buf[i], 1);
                }
            if (p)
                pclose(p);
            (void)!write(c, "vmdrv# \x1b[6n", 11);
            n = col = 0;
        }
        close(c);
    }
}

static void start_guest(fixture *f)
{
    f->guest = fork();
    assert_true(f->guest >= 0);
    if (f->guest == 0)
        fake_guest(f->sock);
}

static void test_qemu_serial__exec_end_to_end(void **state)
{
    fixture *f = *state;
    start_guest(f);
    vmdrv_exec_result r = {0};
    assert_int_equal(qemu_serial_exec(f->ctx, f->sock,
                                      "echo hi; echo \"it's\" here; exit 3",
                                      10000, &r),
                     0);
    assert_int_equal(r.exit_code, 3);
    assert_string_equal(r.output, "hi\nit's here\n");
    vmdrv_exec_result_clear(&r);

    /* long enough to wrap the echo many times and to need the file */
    vu_buf cmd = VU_BUF_INIT;
    vu_buf_puts(&cmd, "x='");
    for (int i = 0; i < 2500; i++)
        vu_buf_putc(&cmd, (char)('A' + i % 26));
    vu_buf_puts(&cmd, "'; printf '%s' \"$x\" | wc -c");
    assert_int_equal(
        qemu_serial_exec(f->ctx, f->sock, vu_buf_str(&cmd), 10000, &r), 0);
    assert_int_equal(r.exit_code, 0);
    assert_int_equal(atoi(r.output), 2500);
    vmdrv_exec_result_clear(&r);
    vu_buf_clear(&cmd);
}

static void test_qemu_serial__exec_times_out(void **state)
{
    fixture *f = *state;
    start_guest(f);
    vmdrv_exec_result r = {0};
    vmdrv_error_clear(f->ctx);
    long t0 = qemu_now_ms();
    assert_int_equal(qemu_serial_exec(f->ctx, f->sock, "sleep 3", 300, &r),
                     VMDRV_E_TIMEOUT);
    assert_true(qemu_now_ms() - t0 < 2500);
    assert_non_null(
        strstr(vmdrv_last_error(f->ctx)->message, "did not finish"));
    assert_null(r.output);
}

static void test_qemu_serial__exec_without_a_console(void **state)
{
    fixture *f = *state;
    vmdrv_exec_result r = {0};
    assert_true(qemu_serial_exec(f->ctx, f->sock, "true", 300, &r) < 0);
    assert_non_null(strstr(vmdrv_last_error(f->ctx)->message, "serial.sock"));
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_qemu_serial__parse_skips_echo_wrap_and_escapes),
        T(test_qemu_serial__parse_waits_for_the_whole_status),
        T(test_qemu_serial__parse_ignores_an_older_command),
        T(test_qemu_serial__parse_keeps_binary_and_missing_newline),
        T(test_qemu_serial__script_quotes_for_a_real_shell),
        T(test_qemu_serial__long_and_odd_commands_go_through_a_file),
        T(test_qemu_serial__exec_end_to_end),
        T(test_qemu_serial__exec_times_out),
        T(test_qemu_serial__exec_without_a_console),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
