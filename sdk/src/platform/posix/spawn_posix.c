/*
 * spawn_posix.c: the asynchronous process API of vmdrv/proc.h on POSIX
 * systems. fork + execve into a process group of its own, stdout and
 * stderr to files, and an exec failure reported through a close-on-exec
 * status pipe before vmdrv_proc_spawn() returns. Waiting installs no
 * signal handler (a library must not take SIGCHLD from its program): on
 * Linux a pidfd per process lets poll() sleep until one ends; elsewhere
 * waitpid(WNOHANG) is retried every few milliseconds. The argument checks,
 * logging and a host profile's environment are in sdk/src/proc.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/syscall.h>
#endif
#if defined(__APPLE__)
#include <mach-o/dyld.h>
#endif

#include "internal.h"
#include "platform/spawn.h"
#include "proc_posix.h"

struct vmdrv_proc {
    vmdrv_ctx *ctx;
    pid_t pid;
    int pidfd;  /* readable once the process ends; -1 where there is none */
    int ended;  /* reaped: status is valid (unless lost) */
    int lost;   /* reaped by someone else (a waitpid(-1) elsewhere) */
    int status; /* as waitpid gives it */
    char *prog; /* argv[0], for messages */
};

/* Without a pidfd, how long to sleep between two looks. Short: a case
 * process ending is what the conformance scheduler waits for. */
enum { POLL_SLICE_MS = 2 };

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* An output file for the child, or the null device; close-on-exec in the
 * parent (dup2 in the child clears the flag). O_APPEND: what the program
 * starts writes into the same file without overwriting it. */
static int open_output(const char *path)
{
    if (!path)
        return open("/dev/null", O_WRONLY | O_CLOEXEC);
    return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC,
                0644);
}

/* The child side: never returns. Only async-signal-safe calls: the
 * parent may have threads. */
static void child_exec(const vmdrv_proc_spec *spec, const char *prog,
                       char **env, int in_fd, int out_fd, int err_fd,
                       int status_fd)
{
    /* its own process group: a terminal's Ctrl-C stays with the caller,
     * and a kill of the group reaches all the program starts */
    setpgid(0, 0);
    signal(SIGPIPE, SIG_DFL);
    dup2(in_fd, 0);
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    if (spec->cwd && chdir(spec->cwd) != 0) {
        int e = -errno; /* negative: the folder, not the program */
        (void)!write(status_fd, &e, sizeof e);
        _exit(127);
    }
    execve(prog, (char *const *)spec->argv, env);
    int e = errno;
    (void)!write(status_fd, &e, sizeof e);
    _exit(127);
}

int vmdrv__proc_spawn(vmdrv_ctx *ctx, const vmdrv_proc_spec *spec,
                      vmdrv_proc **out)
{
    char prog[1024];
    int in_fd = -1, out_fd = -1, err_fd = -1, st[2] = {-1, -1};
    char **env = NULL;
    int rc = 0;
    const char *name = spec->argv[0];

    if (vmdrv__find_program(name, prog, sizeof prog) != 0)
        return vmdrv_error_set(ctx, VMDRV_E_NOTFOUND, name, ENOENT,
                               "cannot run '%s': not found", name);
    const char *failed = "/dev/null";
    in_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (in_fd >= 0) {
        failed = spec->stdout_path ? spec->stdout_path : "/dev/null";
        out_fd = open_output(spec->stdout_path);
    }
    if (out_fd >= 0) {
        failed = spec->stderr_path ? spec->stderr_path : "/dev/null";
        if (spec->stderr_path && spec->stdout_path &&
            strcmp(spec->stderr_path, spec->stdout_path) == 0)
            err_fd = dup(out_fd); /* one offset: the streams interleave */
        else
            err_fd = open_output(spec->stderr_path);
    }
    if (err_fd < 0) {
        rc = vmdrv_error_set(ctx, VMDRV_E_IO, name, errno,
                             "cannot start '%s': cannot open '%s': %s", name,
                             failed, strerror(errno));
        goto cleanup;
    }
    fcntl(err_fd, F_SETFD, FD_CLOEXEC); /* dup() does not copy the flag */
    if (pipe(st) != 0) {
        rc = vmdrv_error_set(ctx, VMDRV_E_IO, name, errno,
                             "cannot start '%s': cannot create a pipe: %s",
                             name, strerror(errno));
        goto cleanup;
    }
    fcntl(st[0], F_SETFD, FD_CLOEXEC);
    fcntl(st[1], F_SETFD, FD_CLOEXEC);
    env = vmdrv__posix_env(spec->env);

    pid_t pid = fork();
    if (pid < 0) {
        rc = vmdrv_error_set(ctx, VMDRV_E_IO, name, errno,
                             "cannot fork to start '%s': %s", name,
                             strerror(errno));
        goto cleanup;
    }
    if (pid == 0)
        child_exec(spec, prog, env, in_fd, out_fd, err_fd, st[1]);
    /* as in the child, so no kill of the group can come before it exists */
    setpgid(pid, pid);
    close_fd(&st[1]);
    /* end of file: the exec happened (the pipe is close-on-exec);
     * an int: why it did not */
    int e = 0;
    ssize_t got;
    do
        got = read(st[0], &e, sizeof e);
    while (got < 0 && errno == EINTR);
    if (got == (ssize_t)sizeof e) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
        if (e < 0)
            rc = vmdrv_error_set(ctx, VMDRV_E_NOTFOUND, name, -e,
                                 "cannot run '%s' in '%s': %s", name, spec->cwd,
                                 strerror(-e));
        else
            rc = vmdrv_error_set(ctx, VMDRV_E_NOTFOUND, name, e,
                                 "cannot run '%s': %s", name, strerror(e));
        goto cleanup;
    }
    vmdrv_proc *p = vu_calloc(1, sizeof *p);
    p->ctx = ctx;
    p->pid = pid;
    p->pidfd = -1;
#if defined(__linux__) && defined(SYS_pidfd_open)
    /* Linux 5.3 and later; ENOSYS (or a sandbox's EPERM) falls back to
     * looking every few milliseconds. The fd is close-on-exec. */
    p->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
#endif
    p->prog = vu_strdup(name);
    *out = p;

cleanup:
    close_fd(&in_fd);
    close_fd(&out_fd);
    close_fd(&err_fd);
    close_fd(&st[0]);
    close_fd(&st[1]);
    free(env);
    return rc;
}

long vmdrv_proc_pid(const vmdrv_proc *p)
{
    return (long)p->pid;
}

/* Reap p if it has ended; 1 when it has. */
static int reap(vmdrv_proc *p, int block)
{
    while (!p->ended) {
        int status;
        pid_t w = waitpid(p->pid, &status, block ? 0 : WNOHANG);
        if (w == p->pid) {
            p->ended = 1;
            p->status = status;
        } else if (w == 0) {
            return 0;
        } else if (errno != EINTR) {
            /* ECHILD: another waitpid took it; it has ended, how is lost */
            p->ended = 1;
            p->lost = 1;
        }
    }
    close_fd(&p->pidfd);
    return 1;
}

/* Sleep until one of procs may have ended, or left_ms (< 0: no limit)
 * has passed. */
static void sleep_for_end(vmdrv_proc *const *procs, size_t n, int left_ms)
{
    struct pollfd fds[64];
    int all = n <= sizeof fds / sizeof fds[0];
    for (size_t i = 0; all && i < n; i++) {
        fds[i].fd = procs[i]->pidfd;
        fds[i].events = POLLIN;
        all = procs[i]->pidfd >= 0;
    }
    if (all) {
        /* EINTR: the caller looks again */
        poll(fds, (nfds_t)n, left_ms);
        return;
    }
    int ms = left_ms >= 0 && left_ms < POLL_SLICE_MS ? left_ms : POLL_SLICE_MS;
    struct timespec ts = {0, (long)ms * 1000000L};
    nanosleep(&ts, NULL);
}

static int time_left(long deadline, int timeout_ms)
{
    if (timeout_ms < 0)
        return -1;
    long left = deadline - now_ms();
    return left > 0 ? (int)left : 0;
}

int vmdrv_proc_wait(vmdrv_proc *p, int timeout_ms, vmdrv_proc_result *r)
{
    memset(r, 0, sizeof *r);
    long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    /* without a limit, waitpid itself sleeps */
    while (!reap(p, timeout_ms < 0)) {
        int left = time_left(deadline, timeout_ms);
        if (left == 0)
            return vmdrv_error_set(p->ctx, VMDRV_E_TIMEOUT, p->prog, 0,
                                   "'%s' (pid %ld) is still running after "
                                   "%d ms",
                                   p->prog, (long)p->pid, timeout_ms);
        sleep_for_end(&p, 1, left);
    }
    r->pid = (long)p->pid;
    if (!p->lost && WIFEXITED(p->status)) {
        r->exited = 1;
        r->status = WEXITSTATUS(p->status);
    } else if (!p->lost && WIFSIGNALED(p->status)) {
        r->signal = WTERMSIG(p->status);
    }
    r->out = vu_strdup("");
    r->err = vu_strdup("");
    return 0;
}

int vmdrv_proc_wait_any(vmdrv_proc *const *procs, size_t n, int timeout_ms,
                        size_t *which)
{
    long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    for (;;) {
        for (size_t i = 0; i < n; i++) {
            if (reap(procs[i], 0)) {
                *which = i;
                return 0;
            }
        }
        int left = time_left(deadline, timeout_ms);
        if (left == 0)
            return vmdrv_error_set(procs[0]->ctx, VMDRV_E_TIMEOUT, NULL, 0,
                                   "none of %zu processes ended within %d ms",
                                   n, timeout_ms);
        sleep_for_end(procs, n, left);
    }
}

int vmdrv_proc_kill(vmdrv_proc *p)
{
    /* Only before the reap: until then the group id cannot have been
     * given to anyone else. */
    if (p->ended)
        return 0;
    kill(-p->pid, SIGKILL);
    kill(p->pid, SIGKILL);
    return 0;
}

void vmdrv_proc_free(vmdrv_proc *p)
{
    if (!p)
        return;
    /* a zombie is reaped; a running process is left to run (and to init) */
    if (!p->ended)
        reap(p, 0);
    close_fd(&p->pidfd);
    free(p->prog);
    free(p);
}

int vmdrv_proc_crashed(const vmdrv_proc_result *r, char *why, size_t size)
{
    if (r->exited || r->signal == 0)
        return 0;
    snprintf(why, size, "signal %d", r->signal);
    return 1;
}

int vmdrv_proc_self_path(const char *argv0, char *buf, size_t size)
{
    char found[PATH_MAX], resolved[PATH_MAX];
#if defined(__linux__)
    ssize_t n = readlink("/proc/self/exe", buf, size - 1);
    if (n > 0 && (size_t)n < size - 1) {
        buf[n] = '\0';
        return 0;
    }
#elif defined(__APPLE__)
    uint32_t len = (uint32_t)sizeof found;
    if (_NSGetExecutablePath(found, &len) == 0 && realpath(found, resolved) &&
        strlen(resolved) < size) {
        memcpy(buf, resolved, strlen(resolved) + 1);
        return 0;
    }
#endif
    /* argv0 as the shell found it: a path, or a name on PATH */
    if (argv0 && *argv0 &&
        (strchr(argv0, '/') ||
         vmdrv__find_program(argv0, found, sizeof found) == 0) &&
        realpath(strchr(argv0, '/') ? argv0 : found, resolved) &&
        strlen(resolved) < size) {
        memcpy(buf, resolved, strlen(resolved) + 1);
        return 0;
    }
    return VMDRV_E_NOTFOUND;
}
