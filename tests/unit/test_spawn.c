/*
 * test_spawn.c: the asynchronous process API (vmdrv_proc_spawn & co):
 * exit statuses and signals, waiting with a timeout and for the first of
 * several, a kill that reaches the whole process group, stdout and stderr
 * into files (one shared file, two, or discarded), stdin at end of file,
 * environment and working folder, the child's own process group, no
 * leaked descriptors, refused options, missing programs, crash
 * descriptions and the path of the running executable.
 *
 * POSIX only, like test_proc.c; the Windows side is run under wine by
 * ci/cross-windows.sh --full (a conformance run with crashing and hanging
 * cases).
 */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

/* after the headers it needs */
#include <cmocka.h>

#include "found_helpers.h"

typedef struct fixture {
    char *dir;
    vmdrv_ctx *ctx;
    vmdrv_proc *p[3];
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
    for (int i = 0; i < 3; i++) {
        if (f->p[i]) {
            vmdrv_proc_kill(f->p[i]);
            vmdrv_proc_result r;
            vmdrv_proc_wait(f->p[i], -1, &r);
            vmdrv_proc_result_clear(&r);
            vmdrv_proc_free(f->p[i]);
        }
    }
    vmdrv_proc_result_clear(&f->r);
    vmdrv_ctx_free(f->ctx);
    fh_rmdir(f->dir);
    free(f);
    return 0;
}

/* Start "sh -c script" as f->p[i], with the other fields of tmpl. */
static int sh(fixture *f, int i, const char *script, vmdrv_proc_spec tmpl)
{
    const char *argv[] = {"sh", "-c", script, NULL};
    tmpl.argv = argv;
    return vmdrv_proc_spawn(f->ctx, &tmpl, &f->p[i]);
}

/* Wait for f->p[i] into f->r. */
static int wait_for(fixture *f, int i, int timeout_ms)
{
    vmdrv_proc_result_clear(&f->r);
    return vmdrv_proc_wait(f->p[i], timeout_ms, &f->r);
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Gone, or a zombie waiting for init (kill(pid, 0) still succeeds on a
 * zombie, so /proc says which). */
static int process_dead(long pid)
{
    char path[64], *text = NULL;
    size_t len;
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    if (vu_read_file(path, &text, &len) != 0)
        return 1;
    const char *paren = strrchr(text, ')');
    int dead = paren && (paren[2] == 'Z' || paren[2] == 'X');
    free(text);
    return dead;
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

static char *slurp(const char *path)
{
    char *text = NULL;
    size_t len;
    if (vu_read_file(path, &text, &len) != 0)
        return NULL;
    return text;
}

static void test_spawn__exit_status(void **state)
{
    fixture *f = *state;
    fh_assert_ok(f->ctx, sh(f, 0, "exit 7", (vmdrv_proc_spec){0}));
    assert_true(vmdrv_proc_pid(f->p[0]) > 0);
    fh_assert_ok(f->ctx, wait_for(f, 0, -1));
    assert_int_equal(f->r.exited, 1);
    assert_int_equal(f->r.status, 7);
    assert_int_equal(f->r.signal, 0);
    assert_int_equal(f->r.pid, vmdrv_proc_pid(f->p[0]));
    assert_string_equal(f->r.out, "");
    assert_string_equal(f->r.err, "");
    /* an ended process answers the same again, at once */
    fh_assert_ok(f->ctx, wait_for(f, 0, 0));
    assert_int_equal(f->r.status, 7);
    char why[64] = "";
    assert_int_equal(vmdrv_proc_crashed(&f->r, why, sizeof why), 0);
}

static void test_spawn__signal_is_a_crash(void **state)
{
    fixture *f = *state;
    fh_assert_ok(f->ctx, sh(f, 0, "kill -ABRT $$", (vmdrv_proc_spec){0}));
    fh_assert_ok(f->ctx, wait_for(f, 0, -1));
    assert_int_equal(f->r.exited, 0);
    assert_int_equal(f->r.signal, SIGABRT);
    char why[64];
    assert_int_equal(vmdrv_proc_crashed(&f->r, why, sizeof why), 1);
    char want[64];
    snprintf(want, sizeof want, "signal %d", SIGABRT);
    assert_string_equal(why, want);
}

static void test_spawn__wait_times_out(void **state)
{
    fixture *f = *state;
    fh_assert_ok(f->ctx, sh(f, 0, "exec sleep 30", (vmdrv_proc_spec){0}));
    long start = now_ms();
    int rc = wait_for(f, 0, 150);
    long took = now_ms() - start;
    char msg[128];
    snprintf(msg, sizeof msg, "'sh' (pid %ld) is still running after 150 ms",
             vmdrv_proc_pid(f->p[0]));
    fh_assert_error(f->ctx, rc, VMDRV_E_TIMEOUT, msg);
    /* it did wait (no busy return), and did not wait for the program */
    assert_true(took >= 140);
    assert_true(took < 10000);
    assert_int_equal(f->r.exited, 0);
    assert_null(f->r.out);
    /* a zero timeout just looks */
    assert_int_equal(wait_for(f, 0, 0), VMDRV_E_TIMEOUT);
    fh_assert_ok(f->ctx, vmdrv_proc_kill(f->p[0]));
    fh_assert_ok(f->ctx, wait_for(f, 0, -1));
    assert_int_equal(f->r.signal, SIGKILL);
    /* a kill after the end is harmless */
    fh_assert_ok(f->ctx, vmdrv_proc_kill(f->p[0]));
}

static void test_spawn__kill_reaches_the_process_group(void **state)
{
    fixture *f = *state;
    char *pidfile = vu_path_join(f->dir, "grandchild");
    char *script = vu_asprintf("sleep 60 & echo $! > '%s'; wait", pidfile);
    fh_assert_ok(f->ctx, sh(f, 0, script, (vmdrv_proc_spec){0}));
    char *text = NULL;
    for (int i = 0; i < 500 && !(text = slurp(pidfile)); i++)
        sleep_ms(10);
    assert_non_null(text);
    long grandchild = strtol(text, NULL, 10);
    assert_true(grandchild > 0);
    assert_false(process_dead(grandchild));
    fh_assert_ok(f->ctx, vmdrv_proc_kill(f->p[0]));
    fh_assert_ok(f->ctx, wait_for(f, 0, 5000));
    assert_int_equal(f->r.signal, SIGKILL);
    assert_true(wait_dead(grandchild));
    free(text);
    free(script);
    free(pidfile);
}

static void test_spawn__own_process_group(void **state)
{
    fixture *f = *state;
    fh_assert_ok(f->ctx, sh(f, 0, "exec sleep 30", (vmdrv_proc_spec){0}));
    long pid = vmdrv_proc_pid(f->p[0]);
    /* a terminal's Ctrl-C goes to our group, not to the program's */
    assert_int_equal(getpgid((pid_t)pid), (pid_t)pid);
    assert_int_not_equal(getpgid((pid_t)pid), getpgrp());
}

static void test_spawn__wait_any(void **state)
{
    fixture *f = *state;
    fh_assert_ok(f->ctx, sh(f, 0, "exec sleep 30", (vmdrv_proc_spec){0}));
    fh_assert_ok(f->ctx, sh(f, 1, "sleep 0.2; exit 3", (vmdrv_proc_spec){0}));
    fh_assert_ok(f->ctx, sh(f, 2, "exec sleep 30", (vmdrv_proc_spec){0}));
    size_t which = 99;
    /* none ends this soon */
    int rc = vmdrv_proc_wait_any(f->p, 3, 50, &which);
    fh_assert_error(f->ctx, rc, VMDRV_E_TIMEOUT,
                    "none of 3 processes ended within 50 ms");
    assert_int_equal(which, 99);
    long start = now_ms();
    fh_assert_ok(f->ctx, vmdrv_proc_wait_any(f->p, 3, 10000, &which));
    /* woken by the end, not by the 10 s limit */
    assert_true(now_ms() - start < 5000);
    assert_int_equal(which, 1);
    fh_assert_ok(f->ctx, wait_for(f, 1, 0));
    assert_int_equal(f->r.status, 3);
    /* without a limit too */
    vmdrv_proc_kill(f->p[2]);
    vmdrv_proc *rest[2] = {f->p[0], f->p[2]};
    fh_assert_ok(f->ctx, vmdrv_proc_wait_any(rest, 2, -1, &which));
    assert_int_equal(which, 1);
}

static void test_spawn__output_to_one_file(void **state)
{
    fixture *f = *state;
    char *path = vu_path_join(f->dir, "out.txt");
    /* truncated, not appended to */
    free(fh_write(f->dir, "out.txt", "old content\n"));
    fh_assert_ok(f->ctx, sh(f, 0, "echo one; echo two >&2; echo three",
                            (vmdrv_proc_spec){.stdout_path = path,
                                              .stderr_path = path}));
    fh_assert_ok(f->ctx, wait_for(f, 0, -1));
    char *text = slurp(path);
    /* one file position: the streams in the order they were written */
    assert_string_equal(text, "one\ntwo\nthree\n");
    free(text);
    free(path);
}

static void test_spawn__output_to_two_files_or_none(void **state)
{
    fixture *f = *state;
    char *out = vu_path_join(f->dir, "o.txt");
    char *err = vu_path_join(f->dir, "e.txt");
    fh_assert_ok(f->ctx,
                 sh(f, 0, "echo to-out; echo to-err >&2",
                    (vmdrv_proc_spec){.stdout_path = out, .stderr_path = err}));
    fh_assert_ok(f->ctx, wait_for(f, 0, -1));
    char *o = slurp(out), *e = slurp(err);
    assert_string_equal(o, "to-out\n");
    assert_string_equal(e, "to-err\n");
    free(o);
    free(e);
    /* discarded: nothing written anywhere, and the writes do not fail */
    fh_assert_ok(f->ctx, sh(f, 1, "echo a && echo b >&2 && exit 0",
                            (vmdrv_proc_spec){0}));
    fh_assert_ok(f->ctx, wait_for(f, 1, -1));
    assert_int_equal(f->r.status, 0);
    free(out);
    free(err);
}

static void test_spawn__stdin_is_empty(void **state)
{
    fixture *f = *state;
    /* cat would hang on an inherited terminal or pipe */
    fh_assert_ok(f->ctx, sh(f, 0, "cat; exit 5", (vmdrv_proc_spec){0}));
    fh_assert_ok(f->ctx, wait_for(f, 0, 10000));
    assert_int_equal(f->r.status, 5);
}

static void test_spawn__env_and_cwd(void **state)
{
    fixture *f = *state;
    char *sub = vu_path_join(f->dir, "sub");
    char *out = vu_path_join(f->dir, "env.txt");
    assert_int_equal(vu_mkdir_p(sub), 0);
    const char *env[] = {"VMDRV_SPAWN_A=one", "HOME=/nowhere",
                         "VMDRV_SPAWN_A=two", NULL};
    fh_assert_ok(f->ctx, sh(f, 0, "echo \"$VMDRV_SPAWN_A $HOME $(pwd -P)\"",
                            (vmdrv_proc_spec){
                                .env = env, .cwd = sub, .stdout_path = out}));
    fh_assert_ok(f->ctx, wait_for(f, 0, -1));
    char *text = slurp(out);
    char real[4096];
    assert_non_null(realpath(sub, real));
    char *want = vu_asprintf("two /nowhere %s\n", real);
    assert_string_equal(text, want);
    free(want);
    free(text);
    free(out);
    free(sub);
}

static void test_spawn__no_descriptor_leaks(void **state)
{
    fixture *f = *state;
    char *out = vu_path_join(f->dir, "fds.txt");
    char *held = vu_path_join(f->dir, "held.txt");
    /* a sibling still running: the parent holds its pidfd (Linux) */
    fh_assert_ok(f->ctx, sh(f, 0, "exec sleep 30", (vmdrv_proc_spec){0}));
    int mine = open(held, O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
    assert_true(mine >= 0);
    /* what each descriptor of the shell itself points at */
    fh_assert_ok(f->ctx, sh(f, 1,
                            "for d in /proc/$$/fd/*; do readlink \"$d\"; "
                            "done",
                            (vmdrv_proc_spec){.stdout_path = out}));
    fh_assert_ok(f->ctx, wait_for(f, 1, -1));
    close(mine);
    char *text = slurp(out);
    assert_non_null(text);
    /* stdout is the file itself */
    assert_non_null(strstr(text, "fds.txt"));
    if (strstr(text, "pidfd") || strstr(text, "held.txt"))
        fail_msg("the child holds a descriptor of its parent:\n%s", text);
    free(text);
    free(held);
    free(out);
}

static void test_spawn__refused_options(void **state)
{
    fixture *f = *state;
    const char *argv[] = {"true", NULL};
    vmdrv_proc_spec specs[3] = {
        {.argv = argv, .stdin_data = "x", .stdin_len = 1},
        {.argv = argv, .timeout_ms = 100},
        {.argv = argv, .detach = 1},
    };
    for (int i = 0; i < 3; i++) {
        f->p[0] = (vmdrv_proc *)(uintptr_t)1;
        fh_assert_error(f->ctx, vmdrv_proc_spawn(f->ctx, &specs[i], &f->p[0]),
                        VMDRV_E_INVAL,
                        "cannot start 'true': stdin data, a timeout and "
                        "detach are for vmdrv_proc_run() only");
        assert_null(f->p[0]);
    }
    vmdrv_proc_spec none = {0};
    fh_assert_error(f->ctx, vmdrv_proc_spawn(f->ctx, &none, &f->p[0]),
                    VMDRV_E_INVAL, "no program given to start");
}

static void test_spawn__missing_program_or_folder(void **state)
{
    fixture *f = *state;
    const char *argv[] = {"vmdrv-no-such-program", NULL};
    vmdrv_proc_spec spec = {.argv = argv};
    fh_assert_error(f->ctx, vmdrv_proc_spawn(f->ctx, &spec, &f->p[0]),
                    VMDRV_E_NOTFOUND,
                    "cannot run 'vmdrv-no-such-program': not found");
    assert_null(f->p[0]);
    /* found, but cannot be executed */
    char *script = fh_write(f->dir, "noexec.sh", "#!/bin/sh\nexit 0\n");
    const char *argv2[] = {script, NULL};
    spec.argv = argv2;
    assert_int_equal(vmdrv_proc_spawn(f->ctx, &spec, &f->p[0]),
                     VMDRV_E_NOTFOUND);
    assert_null(f->p[0]);
    /* a folder that does not exist: the message says which */
    const char *argv3[] = {"true", NULL};
    spec.argv = argv3;
    spec.cwd = "/nonexistent-vmdrv-dir";
    fh_assert_error(f->ctx, vmdrv_proc_spawn(f->ctx, &spec, &f->p[0]),
                    VMDRV_E_NOTFOUND,
                    "cannot run 'true' in '/nonexistent-vmdrv-dir': No such "
                    "file or directory");
    assert_null(f->p[0]);
    /* an output file that cannot be created */
    spec.cwd = NULL;
    spec.stdout_path = "/nonexistent-vmdrv-dir/out";
    fh_assert_error(f->ctx, vmdrv_proc_spawn(f->ctx, &spec, &f->p[0]),
                    VMDRV_E_IO,
                    "cannot start 'true': cannot open "
                    "'/nonexistent-vmdrv-dir/out': No such file or directory");
    assert_null(f->p[0]);
    free(script);
}

static void test_spawn__profile_env(void **state)
{
    fixture *f = *state;
    /* a host profile's environment reaches spawned programs, as it does
     * vmdrv_proc_run's */
    vmdrv_host h;
    memset(&h, 0, sizeof h);
    h.simulated = 1;
    snprintf(h.env[0], sizeof h.env[0], "VMDRV_SPAWN_SIM=${data_dir}/sim");
    h.n_env = 1;
    vmdrv_ctx_set_host(f->ctx, &h);
    char *out = vu_path_join(f->dir, "env.txt");
    fh_assert_ok(f->ctx, sh(f, 0, "echo \"$VMDRV_SPAWN_SIM\"",
                            (vmdrv_proc_spec){.stdout_path = out}));
    fh_assert_ok(f->ctx, wait_for(f, 0, -1));
    char *text = slurp(out);
    char *want = vu_asprintf("%s/sim\n", vmdrv_ctx_data_dir(f->ctx));
    assert_string_equal(text, want);
    free(want);
    free(text);
    free(out);
}

static void test_spawn__self_path(void **state)
{
    (void)state;
    char buf[4096];
    assert_int_equal(vmdrv_proc_self_path(NULL, buf, sizeof buf), 0);
    assert_true(buf[0] == '/');
    assert_true(vu_ends_with(buf, "/test_spawn"));
    struct stat st;
    assert_int_equal(stat(buf, &st), 0);
    /* too small a buffer is not a truncated path */
    char tiny[4];
    assert_int_equal(vmdrv_proc_self_path(NULL, tiny, sizeof tiny),
                     VMDRV_E_NOTFOUND);
}

static void test_spawn__run_ignores_spawn_fields(void **state)
{
    fixture *f = *state;
    /* vmdrv_proc_run captures output: the files are for spawn alone */
    char *path = vu_path_join(f->dir, "unused.txt");
    const char *argv[] = {"sh", "-c", "echo captured", NULL};
    vmdrv_proc_spec spec = {.argv = argv, .stdout_path = path};
    fh_assert_ok(f->ctx, vmdrv_proc_run(f->ctx, &spec, &f->r));
    assert_string_equal(f->r.out, "captured\n");
    assert_false(vu_path_exists(path));
    free(path);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_spawn__exit_status),
        T(test_spawn__signal_is_a_crash),
        T(test_spawn__wait_times_out),
        T(test_spawn__kill_reaches_the_process_group),
        T(test_spawn__own_process_group),
        T(test_spawn__wait_any),
        T(test_spawn__output_to_one_file),
        T(test_spawn__output_to_two_files_or_none),
        T(test_spawn__stdin_is_empty),
        T(test_spawn__env_and_cwd),
        T(test_spawn__no_descriptor_leaks),
        T(test_spawn__refused_options),
        T(test_spawn__missing_program_or_folder),
        T(test_spawn__profile_env),
        T(test_spawn__self_path),
        T(test_spawn__run_ignores_spawn_fields),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
