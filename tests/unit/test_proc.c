/*
 * test_proc.c: the process runner: argv without a shell, exit statuses
 * and signals, a timeout that kills the whole process group, stdin
 * larger than a pipe buffer, large stdout and stderr captured at once,
 * environment additions and overrides (and a host profile's env with
 * ${data_dir}), working directory, missing programs, detached daemons,
 * and swapping the runner for a fake.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <sys/wait.h>
#include <time.h>

#include "found_helpers.h"

typedef struct fixture {
    char *dir;
    vmdrv_ctx *ctx;
    vmdrv_proc_result r;
} fixture;

static int setup(void **state)
{
    fixture *f = vu_calloc(1, sizeof *f);
    f->ctx = fh_ctx(&f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    vmdrv_proc_result_clear(&f->r);
    vmdrv_ctx_free(f->ctx);
    fh_rmdir(f->dir);
    free(f);
    return 0;
}

/* Run spec into f->r (the previous result is freed first: the runner
 * overwrites it). */
static int run(fixture *f, const vmdrv_proc_spec *spec)
{
    vmdrv_proc_result_clear(&f->r);
    return vmdrv_proc_run(f->ctx, spec, &f->r);
}

/* Run "sh -c script" with the extra spec fields of tmpl. */
static int sh(fixture *f, const char *script, vmdrv_proc_spec tmpl)
{
    const char *argv[] = {"sh", "-c", script, NULL};
    tmpl.argv = argv;
    return run(f, &tmpl);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Dead: gone, or a zombie waiting for its parent (init) to reap it. */
static int process_dead(long pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return 1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 1;
    buf[n] = '\0';
    const char *paren = strrchr(buf, ')');
    return paren && (paren[2] == 'Z' || paren[2] == 'X');
}

static int wait_dead(long pid)
{
    for (int i = 0; i < 500; i++) {
        if (process_dead(pid))
            return 1;
        sleep_ms(10);
    }
    return 0;
}

static void test_proc__exit_status(void **state)
{
    fixture *f = *state;
    fh_assert_ok(f->ctx, sh(f, "exit 3", (vmdrv_proc_spec){0}));
    assert_int_equal(f->r.exited, 1);
    assert_int_equal(f->r.status, 3);
    assert_int_equal(f->r.signal, 0);
    assert_int_equal(f->r.timed_out, 0);
    assert_true(f->r.pid > 0);
    assert_non_null(f->r.out);
    assert_string_equal(f->r.out, "");
    fh_assert_ok(f->ctx, sh(f, "exit 0", (vmdrv_proc_spec){0}));
    assert_int_equal(f->r.exited, 1);
    assert_int_equal(f->r.status, 0);
    fh_assert_ok(f->ctx, sh(f, "exit 255", (vmdrv_proc_spec){0}));
    assert_int_equal(f->r.status, 255);
}

static void test_proc__no_shell_in_between(void **state)
{
    fixture *f = *state;
    /* argv goes to the program as is: no word splitting, no expansion */
    const char *argv[] = {"printf", "%s|", "a b", "$HOME", "*", ";", NULL};
    vmdrv_proc_spec spec = {.argv = argv};
    fh_assert_ok(f->ctx, run(f, &spec));
    assert_string_equal(f->r.out, "a b|$HOME|*|;|");
}

static void test_proc__stdout_and_stderr(void **state)
{
    fixture *f = *state;
    fh_assert_ok(f->ctx, sh(f, "printf out; printf err >&2; exit 1",
                            (vmdrv_proc_spec){0}));
    assert_string_equal(f->r.out, "out");
    assert_int_equal(f->r.out_len, 3);
    assert_string_equal(f->r.err, "err");
    assert_int_equal(f->r.err_len, 3);
    assert_int_equal(f->r.status, 1);
}

static void test_proc__killed_by_signal(void **state)
{
    fixture *f = *state;
    fh_assert_ok(f->ctx, sh(f, "kill -TERM $$", (vmdrv_proc_spec){0}));
    assert_int_equal(f->r.exited, 0);
    assert_int_equal(f->r.signal, SIGTERM);
    assert_int_equal(f->r.timed_out, 0);
    fh_assert_ok(f->ctx, sh(f, "kill -KILL $$", (vmdrv_proc_spec){0}));
    assert_int_equal(f->r.signal, SIGKILL);
}

static void test_proc__timeout_kills_process_group(void **state)
{
    fixture *f = *state;
    /* the shell starts a grandchild that also holds stdout open */
    fh_assert_ok(f->ctx, sh(f, "sleep 60 & echo $!; exec sleep 60",
                            (vmdrv_proc_spec){.timeout_ms = 300}));
    assert_int_equal(f->r.timed_out, 1);
    assert_int_equal(f->r.exited, 0);
    long grandchild = strtol(f->r.out, NULL, 10);
    assert_true(grandchild > 0);
    assert_true(wait_dead(grandchild));
    assert_true(process_dead(f->r.pid));
}

static void test_proc__timeout_after_output_closed(void **state)
{
    fixture *f = *state;
    /* a program that closes its output early still gets its timeout */
    fh_assert_ok(f->ctx, sh(f, "exec >/dev/null 2>&1; exec sleep 60",
                            (vmdrv_proc_spec){.timeout_ms = 300}));
    assert_int_equal(f->r.timed_out, 1);
    assert_int_equal(f->r.exited, 0);
    assert_true(process_dead(f->r.pid));
}

static void test_proc__within_timeout_is_normal_exit(void **state)
{
    fixture *f = *state;
    fh_assert_ok(f->ctx, sh(f, "echo done",
                            (vmdrv_proc_spec){.timeout_ms = 60000}));
    assert_int_equal(f->r.timed_out, 0);
    assert_int_equal(f->r.exited, 1);
    assert_string_equal(f->r.out, "done\n");
}

static char *pattern(size_t len)
{
    char *buf = vu_malloc(len + 1);
    for (size_t i = 0; i < len; i++)
        buf[i] = (char)('a' + (i * 7 + i / 4096) % 26);
    buf[len] = '\0';
    return buf;
}

static void test_proc__large_stdin(void **state)
{
    fixture *f = *state;
    size_t len = 3 * 1024 * 1024 + 17; /* far beyond a pipe buffer */
    char *in = pattern(len);
    const char *argv[] = {"cat", NULL};
    vmdrv_proc_spec spec = {.argv = argv, .stdin_data = in, .stdin_len = len};
    fh_assert_ok(f->ctx, run(f, &spec));
    assert_int_equal(f->r.status, 0);
    assert_int_equal(f->r.out_len, len);
    assert_memory_equal(f->r.out, in, len);
    /* binary stdin with NULs, counted by the program */
    in[10] = '\0';
    const char *wc[] = {"wc", "-c", NULL};
    spec.argv = wc;
    fh_assert_ok(f->ctx, run(f, &spec));
    char want[32];
    snprintf(want, sizeof want, "%zu\n", len);
    assert_string_equal(f->r.out, want);
    free(in);
}

static void test_proc__stdin_not_read(void **state)
{
    fixture *f = *state;
    /* the program exits without reading: the writer gets EPIPE, and the
     * process calling the runner must not die of SIGPIPE */
    size_t len = 4 * 1024 * 1024;
    char *in = pattern(len);
    const char *argv[] = {"true", NULL};
    vmdrv_proc_spec spec = {.argv = argv, .stdin_data = in, .stdin_len = len};
    for (int i = 0; i < 3; i++) {
        fh_assert_ok(f->ctx, run(f, &spec));
        assert_int_equal(f->r.exited, 1);
        assert_int_equal(f->r.status, 0);
    }
    free(in);
    /* and no SIGPIPE is left pending or blocked for the caller */
    sigset_t pending, blocked;
    sigpending(&pending);
    assert_false(sigismember(&pending, SIGPIPE));
    sigprocmask(SIG_BLOCK, NULL, &blocked);
    assert_false(sigismember(&blocked, SIGPIPE));
}

static void test_proc__empty_stdin(void **state)
{
    fixture *f = *state;
    const char *argv[] = {"wc", "-c", NULL};
    vmdrv_proc_spec spec = {.argv = argv, .stdin_data = "", .stdin_len = 0};
    fh_assert_ok(f->ctx, run(f, &spec));
    assert_string_equal(f->r.out, "0\n");
    /* no stdin at all reads as /dev/null: immediate end of file */
    spec.stdin_data = NULL;
    fh_assert_ok(f->ctx, run(f, &spec));
    assert_string_equal(f->r.out, "0\n");
}

static int all_bytes(const char *s, size_t len, char c)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != c)
            return 0;
    return 1;
}

static void test_proc__large_stdout_and_stderr_at_once(void **state)
{
    fixture *f = *state;
    /* both streams far beyond a pipe buffer, written concurrently: a
     * runner that drained one stream at a time would deadlock */
    fh_assert_ok(
        f->ctx,
        sh(f,
           "head -c 3000000 /dev/zero | tr '\\000' a & "
           "head -c 2000000 /dev/zero | tr '\\000' b >&2; wait",
           (vmdrv_proc_spec){.timeout_ms = 60000}));
    assert_int_equal(f->r.timed_out, 0);
    assert_int_equal(f->r.status, 0);
    assert_int_equal(f->r.out_len, 3000000);
    assert_int_equal(f->r.err_len, 2000000);
    assert_true(all_bytes(f->r.out, f->r.out_len, 'a'));
    assert_true(all_bytes(f->r.err, f->r.err_len, 'b'));
    assert_int_equal(strlen(f->r.out), f->r.out_len);

    /* stdin streamed while output streams back */
    size_t len = 2 * 1024 * 1024;
    char *in = pattern(len);
    fh_assert_ok(f->ctx, sh(f, "cat; head -c 1000000 /dev/zero >&2",
                            (vmdrv_proc_spec){.stdin_data = in,
                                              .stdin_len = len,
                                              .timeout_ms = 60000}));
    assert_int_equal(f->r.timed_out, 0);
    assert_int_equal(f->r.out_len, len);
    assert_memory_equal(f->r.out, in, len);
    assert_int_equal(f->r.err_len, 1000000);
    free(in);
}

static void test_proc__env_added_and_overridden(void **state)
{
    fixture *f = *state;
    setenv("VMDRV_UNIT_INHERITED", "from-parent", 1);
    setenv("VMDRV_UNIT_OVERRIDE", "parent", 1);
    const char *env[] = {"VMDRV_UNIT_ADDED=added value",
                         "VMDRV_UNIT_OVERRIDE=child", "VMDRV_UNIT_EMPTY=",
                         NULL};
    fh_assert_ok(f->ctx,
                 sh(f,
                    "printf '%s|%s|%s|%s' \"$VMDRV_UNIT_INHERITED\" "
                    "\"$VMDRV_UNIT_ADDED\" \"$VMDRV_UNIT_OVERRIDE\" "
                    "\"${VMDRV_UNIT_EMPTY-unset}\"",
                    (vmdrv_proc_spec){.env = env}));
    assert_string_equal(f->r.out, "from-parent|added value|child|");
    /* exactly one definition reaches the child */
    fh_assert_ok(f->ctx, sh(f, "env | grep -c '^VMDRV_UNIT_OVERRIDE='",
                            (vmdrv_proc_spec){.env = env}));
    assert_string_equal(f->r.out, "1\n");
    /* the caller's own environment is unchanged */
    assert_string_equal(getenv("VMDRV_UNIT_OVERRIDE"), "parent");
    unsetenv("VMDRV_UNIT_INHERITED");
    unsetenv("VMDRV_UNIT_OVERRIDE");
}

static void test_proc__profile_env_expands_data_dir(void **state)
{
    fixture *f = *state;
    char *profile = fh_write(f->dir, "p.yaml",
                             "name: p\nos: linux\narch: x86_64\n"
                             "env:\n"
                             "  VMDRV_UNIT_STATE: \"${data_dir}/.sim/p\"\n"
                             "  VMDRV_UNIT_PLAIN: plain\n"
                             "  VMDRV_UNIT_WHO: profile\n");
    fh_assert_ok(f->ctx, vmdrv_ctx_use_profile(f->ctx, profile));
    const char *env[] = {"VMDRV_UNIT_WHO=caller", NULL};
    fh_assert_ok(f->ctx, sh(f,
                            "printf '%s|%s|%s' \"$VMDRV_UNIT_STATE\" "
                            "\"$VMDRV_UNIT_PLAIN\" \"$VMDRV_UNIT_WHO\"",
                            (vmdrv_proc_spec){.env = env}));
    char *want = vu_asprintf("%s/.sim/p|plain|caller",
                             vmdrv_ctx_data_dir(f->ctx));
    assert_string_equal(f->r.out, want);
    free(want);
    free(profile);
}

static void test_proc__cwd(void **state)
{
    fixture *f = *state;
    char real[PATH_MAX];
    assert_non_null(realpath(f->dir, real));
    const char *argv[] = {"pwd", "-P", NULL};
    vmdrv_proc_spec spec = {.argv = argv, .cwd = f->dir};
    fh_assert_ok(f->ctx, run(f, &spec));
    char *want = vu_asprintf("%s\n", real);
    assert_string_equal(f->r.out, want);
    free(want);

    char *missing = vu_path_join(f->dir, "missing");
    spec.cwd = missing;
    int rc = run(f, &spec);
    char *msg = vu_asprintf("cannot run 'pwd' in '%s': No such file or "
                            "directory",
                            missing);
    fh_assert_error(f->ctx, rc, VMDRV_E_NOTFOUND, msg);
    assert_int_equal(f->r.exited, 0);
    free(msg);
    free(missing);
}

static void test_proc__program_not_found(void **state)
{
    fixture *f = *state;
    const char *argv[] = {"vmdrv-no-such-program", "x", NULL};
    vmdrv_proc_spec spec = {.argv = argv};
    fh_assert_error(f->ctx, run(f, &spec),
                    VMDRV_E_NOTFOUND,
                    "cannot run 'vmdrv-no-such-program': not found");
    assert_string_equal(vmdrv_last_error(f->ctx)->origin,
                        "vmdrv-no-such-program");
    /* the result is initialised all the same */
    assert_int_equal(f->r.exited, 0);
    assert_non_null(f->r.out);
    assert_non_null(f->r.err);

    char *plain = fh_write(f->dir, "plain", "not executable");
    const char *argv2[] = {plain, NULL};
    spec.argv = argv2;
    char *msg = vu_asprintf("cannot run '%s': not found", plain);
    fh_assert_error(f->ctx, run(f, &spec),
                    VMDRV_E_NOTFOUND, msg);
    free(msg);
    /* a folder passes access(X_OK) but cannot be executed */
    const char *argv3[] = {f->dir, NULL};
    spec.argv = argv3;
    msg = vu_asprintf("cannot run '%s': Permission denied", f->dir);
    fh_assert_error(f->ctx, run(f, &spec),
                    VMDRV_E_NOTFOUND, msg);
    free(msg);
    free(plain);

    spec.argv = NULL;
    fh_assert_error(f->ctx, run(f, &spec),
                    VMDRV_E_INVAL, "no program given to run");
}

static void test_proc__detach(void **state)
{
    fixture *f = *state;
    char *pidfile = vu_path_join(f->dir, "daemon.pid");
    char *script = vu_asprintf("echo $$ > '%s'; exec sleep 60", pidfile);
    fh_assert_ok(f->ctx, sh(f, script, (vmdrv_proc_spec){.detach = 1}));
    assert_true(f->r.pid > 0);
    /* the daemon writes its pid once it runs; the runner did not wait */
    char *text = NULL;
    for (int i = 0; i < 500 && !text; i++) {
        size_t len;
        if (vu_read_file(pidfile, &text, &len) == 0 && len > 0 &&
            text[len - 1] == '\n')
            break;
        free(text);
        text = NULL;
        sleep_ms(10);
    }
    assert_non_null(text);
    long daemon = strtol(text, NULL, 10);
    free(text);
    /* the pid reported is the daemon's, in a session of its own */
    assert_int_equal(f->r.pid, daemon);
    assert_false(process_dead(daemon));
    assert_int_equal(getsid((pid_t)daemon), (pid_t)daemon);
    kill((pid_t)daemon, SIGKILL);
    assert_true(wait_dead(daemon));
    free(script);
    free(pidfile);
}

/* ---- the fake runner --------------------------------------------------- */

typedef struct fake {
    int calls;
    char argv0[64];
    char env0[256];
    int answer;
} fake;

static int fake_runner(void *userdata, const vmdrv_proc_spec *spec,
                       vmdrv_proc_result *r)
{
    fake *fk = userdata;
    fk->calls++;
    vu_strlcpy(fk->argv0, spec->argv[0], sizeof fk->argv0);
    vu_strlcpy(fk->env0, spec->env && spec->env[0] ? spec->env[0] : "",
               sizeof fk->env0);
    if (fk->answer)
        return fk->answer; /* and, wrongly, no message */
    r->exited = 1;
    r->status = 0;
    r->out = vu_strdup("QEMU emulator version 9.9.9\n");
    r->out_len = strlen(r->out);
    return 0; /* err left NULL: the runner fills it in */
}

static void test_proc__fake_runner(void **state)
{
    fixture *f = *state;
    fake fk = {0};
    vmdrv_ctx_set_runner(f->ctx, fake_runner, &fk);
    const char *argv[] = {"qemu-system-x86_64", "--version", NULL};
    const char *env[] = {"A=1", NULL};
    vmdrv_proc_spec spec = {.argv = argv, .env = env};
    fh_assert_ok(f->ctx, run(f, &spec));
    assert_int_equal(fk.calls, 1);
    assert_string_equal(fk.argv0, "qemu-system-x86_64");
    assert_string_equal(fk.env0, "A=1");
    assert_string_equal(f->r.out, "QEMU emulator version 9.9.9\n");
    assert_non_null(f->r.err);
    assert_string_equal(f->r.err, "");

    fk.answer = VMDRV_E_TOOL;
    fh_assert_error(f->ctx, run(f, &spec),
                    VMDRV_E_TOOL, "cannot run 'qemu-system-x86_64'");
    assert_non_null(f->r.out);

    /* NULL puts the real runner back */
    vmdrv_ctx_set_runner(f->ctx, NULL, NULL);
    fh_assert_ok(f->ctx, sh(f, "printf real", (vmdrv_proc_spec){0}));
    assert_string_equal(f->r.out, "real");
    assert_int_equal(fk.calls, 2);
}

static void test_proc__logged(void **state)
{
    fixture *f = *state;
    char *log = vu_path_join(f->dir, "run.log");
    fh_assert_ok(f->ctx, vmdrv_ctx_set_log_file(f->ctx, log));
    fh_assert_ok(f->ctx, sh(f, "exit 4", (vmdrv_proc_spec){0}));
    char *text;
    assert_int_equal(vu_read_file(log, &text, NULL), 0);
    assert_non_null(strstr(text, "[run] 'sh' '-c' 'exit 4'"));
    assert_non_null(strstr(text, "[run] -> exit 4 (0 bytes out, 0 bytes err)"));
    free(text);
    free(log);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_proc__exit_status),
        T(test_proc__no_shell_in_between),
        T(test_proc__stdout_and_stderr),
        T(test_proc__killed_by_signal),
        T(test_proc__timeout_kills_process_group),
        T(test_proc__timeout_after_output_closed),
        T(test_proc__within_timeout_is_normal_exit),
        T(test_proc__large_stdin),
        T(test_proc__stdin_not_read),
        T(test_proc__empty_stdin),
        T(test_proc__large_stdout_and_stderr_at_once),
        T(test_proc__env_added_and_overridden),
        T(test_proc__profile_env_expands_data_dir),
        T(test_proc__cwd),
        T(test_proc__program_not_found),
        T(test_proc__detach),
        T(test_proc__fake_runner),
        T(test_proc__logged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
