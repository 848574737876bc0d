/*
 * test_fs.c: the file-system utilities of sdk/util/vu_fs: atomic writes
 * (a fault injected at each step leaves the previous file intact and
 * readable, and no temporary file behind), advisory locks between two
 * processes, and the path helpers.
 */
#include <dirent.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

#include "found_helpers.h"

static char *tmp;

static int setup(void **state)
{
    (void)state;
    tmp = fh_tmpdir();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    vu_set_write_fault(NULL);
    fh_rmdir(tmp);
    tmp = NULL;
    return 0;
}

static size_t count_entries(const char *dir)
{
    size_t n = 0;
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static void assert_file(const char *path, const char *want)
{
    char *text;
    size_t len;
    assert_int_equal(vu_read_file(path, &text, &len), 0);
    assert_int_equal(len, strlen(want));
    assert_string_equal(text, want);
    free(text);
}

/* ---- atomic writes --------------------------------------------------- */

static const char *fault_step;
static char steps_seen[128];

static int fault_at(const char *step, const char *path)
{
    (void)path;
    snprintf(steps_seen + strlen(steps_seen),
             sizeof steps_seen - strlen(steps_seen), "%s ", step);
    /* a hook that leaves errno dirty must not change the reported error */
    errno = EPERM;
    return fault_step && strcmp(step, fault_step) == 0;
}

static void test_fs__write_atomic_writes(void **state)
{
    (void)state;
    char *path = vu_path_join(tmp, "rec.json");
    vu_set_write_fault(fault_at);
    steps_seen[0] = '\0';
    fault_step = NULL;
    assert_int_equal(vu_write_atomic(path, "hello", 5), 0);
    assert_string_equal(steps_seen, "create write fsync rename dirsync ");
    assert_file(path, "hello");
    assert_int_equal(vu_write_atomic(path, "", 0), 0);
    assert_file(path, "");
    assert_int_equal(count_entries(tmp), 1);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    free(path);
}

static void test_fs__write_atomic_fault_keeps_old_file(void **state)
{
    (void)state;
    static const char *const steps[] = {"create", "write", "fsync",
                                        "rename"};
    char *path = vu_path_join(tmp, "rec.json");
    /* large enough that a torn write is visibly partial */
    size_t big_len = 1 << 20;
    char *big = vu_malloc(big_len + 1);
    memset(big, 'n', big_len);
    big[big_len] = '\0';
    for (size_t i = 0; i < 4; i++) {
        vu_set_write_fault(NULL);
        assert_int_equal(vu_write_atomic(path, "old contents", 12), 0);
        fault_step = steps[i];
        steps_seen[0] = '\0';
        vu_set_write_fault(fault_at);
        int rc = vu_write_atomic(path, big, big_len);
        if (rc != -EIO)
            print_error("step %s: rc %d\n", steps[i], rc);
        assert_int_equal(rc, -EIO);
        /* the step that failed was the last one tried */
        char *last = vu_asprintf("%s ", steps[i]);
        assert_true(vu_ends_with(steps_seen, last));
        free(last);
        vu_set_write_fault(NULL);
        assert_file(path, "old contents");
        /* no temporary file left behind */
        assert_int_equal(count_entries(tmp), 1);
    }
    free(big);
    free(path);
}

static void test_fs__write_atomic_fault_on_new_file(void **state)
{
    (void)state;
    static const char *const steps[] = {"create", "write", "fsync",
                                        "rename"};
    char *path = vu_path_join(tmp, "new.json");
    for (size_t i = 0; i < 4; i++) {
        fault_step = steps[i];
        vu_set_write_fault(fault_at);
        assert_int_equal(vu_write_atomic(path, "data", 4), -EIO);
        vu_set_write_fault(NULL);
        assert_false(vu_path_exists(path));
        assert_int_equal(count_entries(tmp), 0);
    }
    free(path);
}

static void test_fs__write_atomic_dirsync_fault(void **state)
{
    (void)state;
    char *path = vu_path_join(tmp, "rec.json");
    assert_int_equal(vu_write_atomic(path, "old", 3), 0);
    fault_step = "dirsync";
    vu_set_write_fault(fault_at);
    /* after the rename the new file is in place; only its durability is
     * in doubt, which the caller hears about */
    assert_int_equal(vu_write_atomic(path, "new", 3), -EIO);
    vu_set_write_fault(NULL);
    assert_file(path, "new");
    assert_int_equal(count_entries(tmp), 1);
    free(path);
}

static void test_fs__write_atomic_missing_folder(void **state)
{
    (void)state;
    char *path = vu_path_join(tmp, "no/such/rec.json");
    assert_int_equal(vu_write_atomic(path, "x", 1), -ENOENT);
    free(path);
}

/* ---- locks between processes ----------------------------------------- */

/* A child that takes the lock, says so on ready, and releases it when
 * told on go (or after hold_ms when go is -1). */
static pid_t lock_holder(const char *path, int *ready_fd, int *go_fd,
                         int hold_ms)
{
    int ready[2], go[2];
    assert_int_equal(pipe(ready), 0);
    assert_int_equal(pipe(go), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        vu_lock l;
        close(ready[0]);
        close(go[1]);
        if (vu_lock_acquire(&l, path, 5000) != 0)
            _exit(1);
        (void)!write(ready[1], "L", 1);
        if (hold_ms >= 0) {
            struct timespec ts = {hold_ms / 1000,
                                  (long)(hold_ms % 1000) * 1000000L};
            nanosleep(&ts, NULL);
        } else {
            char c;
            (void)!read(go[0], &c, 1);
        }
        vu_lock_release(&l);
        _exit(0);
    }
    close(ready[1]);
    close(go[0]);
    char c;
    assert_int_equal(read(ready[0], &c, 1), 1);
    *ready_fd = ready[0];
    *go_fd = go[1];
    return pid;
}

static void reap(pid_t pid)
{
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_fs__lock_excludes_other_process(void **state)
{
    (void)state;
    char *path = vu_path_join(tmp, "x.lock");
    int ready, go;
    pid_t pid = lock_holder(path, &ready, &go, -1);
    vu_lock l;
    assert_int_equal(vu_lock_acquire(&l, path, 0), -EWOULDBLOCK);
    assert_int_equal(l.fd, -1);
    assert_int_equal(vu_lock_acquire(&l, path, 50), -EWOULDBLOCK);
    /* once the holder lets go, we get it */
    assert_int_equal(write(go, "G", 1), 1);
    assert_int_equal(vu_lock_acquire(&l, path, 10000), 0);
    reap(pid);
    vu_lock_release(&l);
    vu_lock_release(&l); /* releasing twice is harmless */
    close(ready);
    close(go);
    free(path);
}

static void on_alarm(int sig)
{
    (void)sig;
}

static void test_fs__lock_wait_forever_survives_signals(void **state)
{
    (void)state;
    char *path = vu_path_join(tmp, "x.lock");
    int ready, go;
    /* the holder keeps the lock for 400 ms; meanwhile a signal without
     * SA_RESTART interrupts our blocking wait, which must go on */
    pid_t pid = lock_holder(path, &ready, &go, 400);
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    sigaction(SIGALRM, &sa, &old);
    struct itimerval it = {{0, 0}, {0, 50 * 1000}};
    setitimer(ITIMER_REAL, &it, NULL);
    vu_lock l;
    int rc = vu_lock_acquire(&l, path, -1);
    sigaction(SIGALRM, &old, NULL);
    assert_int_equal(rc, 0);
    vu_lock_release(&l);
    reap(pid);
    close(ready);
    close(go);
    free(path);
}

static void test_fs__lock_file_in_missing_folder(void **state)
{
    (void)state;
    char *path = vu_path_join(tmp, "none/x.lock");
    vu_lock l;
    assert_int_equal(vu_lock_acquire(&l, path, 0), -ENOENT);
    assert_int_equal(l.fd, -1);
    free(path);
}

/* ---- paths and files -------------------------------------------------- */

static void test_fs__mkdir_and_rm(void **state)
{
    (void)state;
    char *deep = vu_path_join(tmp, "a/b/c");
    assert_int_equal(vu_mkdir_p(deep), 0);
    assert_true(vu_is_dir(deep));
    assert_int_equal(vu_mkdir_p(deep), 0); /* already there */
    char *file = fh_write(tmp, "a/b/c/f", "x");
    char *under = vu_path_join(file, "sub");
    assert_int_equal(vu_mkdir_p(under), -ENOTDIR);
    assert_int_equal(vu_mkdir_p(file), -ENOTDIR);
    assert_int_equal(vu_mkdir_p(""), -ENOENT);

    /* rm -rf does not follow a symlink out of the tree */
    char *outside = vu_path_join(tmp, "outside");
    assert_int_equal(vu_mkdir_p(outside), 0);
    char *keep = fh_write(outside, "keep", "kept");
    char *link = vu_path_join(tmp, "a/b/link");
    assert_int_equal(symlink(outside, link), 0);
    char *a = vu_path_join(tmp, "a");
    assert_int_equal(vu_rm_rf(a), 0);
    assert_false(vu_path_exists(a));
    assert_file(keep, "kept");
    assert_int_equal(vu_rm_rf(a), 0); /* gone already: fine */
    assert_int_equal(vu_rm_rf(""), -EINVAL);
    assert_int_equal(vu_rm_rf("/"), -EINVAL);
    assert_int_equal(vu_rm_rf(NULL), -EINVAL);
    free(a);
    free(link);
    free(keep);
    free(outside);
    free(under);
    free(file);
    free(deep);
}

static void test_fs__paths(void **state)
{
    (void)state;
    char *p = vu_path_join("/a/", "/b");
    assert_string_equal(p, "/a/b");
    free(p);
    p = vu_path_join("/", "x");
    assert_string_equal(p, "/x");
    free(p);
    p = vu_path_join("rel", "x/y");
    assert_string_equal(p, "rel/x/y");
    free(p);
    p = vu_path_abs("/abs/path");
    assert_string_equal(p, "/abs/path");
    free(p);
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof cwd));
    p = vu_path_abs("rel");
    char *want = vu_path_join(cwd, "rel");
    assert_string_equal(p, want);
    free(want);
    free(p);
}

static void test_fs__read_and_copy(void **state)
{
    (void)state;
    char *src = vu_path_join(tmp, "bin");
    static const char data[] = {'a', 0, 'b', 0, (char)0xff};
    assert_int_equal(vu_write_atomic(src, data, sizeof data), 0);
    char *text;
    size_t len;
    assert_int_equal(vu_read_file(src, &text, &len), 0);
    assert_int_equal(len, sizeof data);
    assert_memory_equal(text, data, sizeof data);
    assert_int_equal(text[len], '\0');
    free(text);
    char *dst = vu_path_join(tmp, "copy");
    assert_int_equal(vu_copy_file(src, dst), 0);
    assert_int_equal(vu_read_file(dst, &text, &len), 0);
    assert_int_equal(len, sizeof data);
    assert_memory_equal(text, data, sizeof data);
    free(text);
    char *missing = vu_path_join(tmp, "missing");
    assert_int_equal(vu_read_file(missing, &text, &len), -ENOENT);
    assert_null(text);
    assert_int_equal(len, 0);
    assert_int_equal(vu_copy_file(missing, dst), -ENOENT);
    free(missing);
    free(dst);
    free(src);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_fs__write_atomic_writes),
        T(test_fs__write_atomic_fault_keeps_old_file),
        T(test_fs__write_atomic_fault_on_new_file),
        T(test_fs__write_atomic_dirsync_fault),
        T(test_fs__write_atomic_missing_folder),
        T(test_fs__lock_excludes_other_process),
        T(test_fs__lock_wait_forever_survives_signals),
        T(test_fs__lock_file_in_missing_folder),
        T(test_fs__mkdir_and_rm),
        T(test_fs__paths),
        T(test_fs__read_and_copy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
