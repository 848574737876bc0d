/*
 * proc_posix.c: the real process runner on POSIX systems: fork + execve,
 * pipes for stdin/stdout/stderr drained with poll(), a timeout that kills
 * the whole process group, detached daemons, and the PATH search. The platform-independent
 * part (logging, a profile's environment, tool paths) is sdk/src/proc.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "proc_posix.h"
#include "vu_fs.h"

extern char **environ;

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void result_init(vmdrv_proc_result *r)
{
    memset(r, 0, sizeof *r);
    r->out = vu_strdup("");
    r->err = vu_strdup("");
}

/*
 * Build the child's environment: ours plus spec->env. An extra entry
 * replaces ours of the same name, and a later extra entry replaces an
 * earlier one (a caller's value wins over a host profile's, which
 * vmdrv_proc_run() puts first).
 */
static int same_key(const char *a, const char *b)
{
    size_t klen = strcspn(a, "=");
    return strncmp(a, b, klen) == 0 && b[klen] == '=';
}

char **vmdrv__posix_env(const char *const *extra)
{
    size_t n = 0, m = 0;
    while (environ[n])
        n++;
    while (extra && extra[m])
        m++;
    char **env = vu_calloc(n + m + 1, sizeof(char *));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int overridden = 0;
        for (size_t j = 0; j < m && !overridden; j++)
            overridden = same_key(environ[i], extra[j]);
        if (!overridden)
            env[k++] = environ[i];
    }
    for (size_t j = 0; j < m; j++) {
        int later = 0;
        for (size_t l = j + 1; l < m && !later; l++)
            later = same_key(extra[j], extra[l]);
        if (!later)
            env[k++] = (char *)extra[j];
    }
    return env;
}

static int find_in_path(const char *prog, char *buf, size_t size)
{
    if (strchr(prog, '/')) {
        if (access(prog, X_OK) != 0)
            return -1;
        vu_strlcpy(buf, prog, size);
        return 0;
    }
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/local/bin:/usr/bin:/bin";
    while (*path) {
        size_t len = strcspn(path, ":");
        snprintf(buf, size, "%.*s/%s", (int)len, len ? path : ".", prog);
        struct stat st;
        if (stat(buf, &st) == 0 && S_ISREG(st.st_mode) &&
            access(buf, X_OK) == 0)
            return 0;
        path += len;
        if (*path == ':')
            path++;
    }
    return -1;
}

/* Why the child could not run the program, sent up the status pipe. */
typedef struct child_fail {
    int step; /* STEP_CWD or STEP_EXEC */
    int err;  /* errno */
} child_fail;

enum { STEP_CWD = 1, STEP_EXEC = 2 };

/* A pipe neither end of which leaks into other programs (the child's
 * own copies are made by dup2, which clears the flag). */
static int make_pipe(int p[2])
{
    if (pipe(p) != 0)
        return -1;
    fcntl(p[0], F_SETFD, FD_CLOEXEC);
    fcntl(p[1], F_SETFD, FD_CLOEXEC);
    return 0;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static void child_failed(int status_fd, int step)
{
    child_fail f = {step, errno};
    (void)!write(status_fd, &f, sizeof f);
    _exit(127);
}

/* The child side: never returns. */
static void child_run(const vmdrv_proc_spec *spec, const char *prog,
                      char **env, const int in[2], const int out[2],
                      const int err[2], int status_fd, int pid_fd,
                      const sigset_t *caller_mask)
{
    /* own process group, so a timeout kills what the program starts too */
    setpgid(0, 0);
    /* the program gets the caller's signal mask and a default SIGPIPE,
     * not what the runner set up for itself */
    signal(SIGPIPE, SIG_DFL);
    pthread_sigmask(SIG_SETMASK, caller_mask, NULL);
    if (spec->detach) {
        /* a daemon must not keep our pipes open, nor be our child */
        int devnull = open("/dev/null", O_RDWR);
        dup2(devnull, 0);
        dup2(devnull, 1);
        dup2(devnull, 2);
        if (devnull > 2)
            close(devnull);
        pid_t daemon = fork();
        if (daemon != 0) {
            long p = (long)daemon;
            (void)!write(pid_fd, &p, sizeof p);
            _exit(daemon < 0 ? 126 : 0);
        }
        setsid();
    } else {
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
    }
    if (spec->cwd && chdir(spec->cwd) != 0)
        child_failed(status_fd, STEP_CWD);
    execve(prog, (char *const *)spec->argv, env);
    child_failed(status_fd, STEP_EXEC);
}

static void kill_group(pid_t pid)
{
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
}

/*
 * Wait for pid to end. With a deadline, kill its process group when the
 * deadline passes (the program may have closed its output long before)
 * and say so in *timed_out.
 */
static void wait_child(pid_t pid, long deadline, int *status, int *timed_out)
{
    for (;;) {
        pid_t w = waitpid(pid, status, deadline ? WNOHANG : 0);
        if (w == pid || (w < 0 && errno != EINTR))
            return;
        if (w == 0) {
            if (now_ms() >= deadline) {
                kill_group(pid);
                *timed_out = 1;
                deadline = 0;
                continue;
            }
            struct timespec ts = {0, 5 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
}

/* Move stdout/stderr into ob/eb and feed stdin until the program closes
 * its output or the deadline passes. */
static void pump(const vmdrv_proc_spec *spec, pid_t pid, int *in_fd,
                 int *out_fd, int *err_fd, vu_buf *ob, vu_buf *eb,
                 long deadline, int *timed_out)
{
    size_t in_off = 0;
    if (*in_fd >= 0)
        fcntl(*in_fd, F_SETFL, O_NONBLOCK);
    /* stdin is fed until the end even after the output closed: a program
     * may close its output and go on reading */
    while (*out_fd >= 0 || *err_fd >= 0 || *in_fd >= 0) {
        struct pollfd fds[3];
        fds[0] = (struct pollfd){.fd = *out_fd, .events = POLLIN};
        fds[1] = (struct pollfd){.fd = *err_fd, .events = POLLIN};
        fds[2] = (struct pollfd){.fd = *in_fd, .events = POLLOUT};
        int wait = -1;
        if (deadline) {
            wait = (int)(deadline - now_ms());
            if (wait <= 0) {
                kill_group(pid);
                *timed_out = 1;
                return;
            }
        }
        int n = poll(fds, 3, wait);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return;
        for (int i = 0; i < 2; i++) {
            int *fd = i == 0 ? out_fd : err_fd;
            if (*fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char chunk[65536];
            ssize_t got = read(*fd, chunk, sizeof chunk);
            if (got > 0)
                vu_buf_add(i == 0 ? ob : eb, chunk, (size_t)got);
            else if (got == 0 || (errno != EINTR && errno != EAGAIN))
                close_fd(fd);
        }
        if (*in_fd >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
            ssize_t w = write(*in_fd, spec->stdin_data + in_off,
                              spec->stdin_len - in_off);
            if (w > 0)
                in_off += (size_t)w;
            /* EPIPE: the program will not read the rest */
            if (w < 0 && errno != EAGAIN && errno != EINTR)
                in_off = spec->stdin_len;
            if (in_off >= spec->stdin_len)
                close_fd(in_fd);
        }
    }
}

int vmdrv_proc_run_real(void *userdata, const vmdrv_proc_spec *spec,
                        vmdrv_proc_result *r)
{
    vmdrv_ctx *ctx = userdata;
    int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
    int st[2] = {-1, -1}, pidp[2] = {-1, -1};
    int rc = 0, masked = 0, pipe_was_pending = 0;
    char prog[1024];
    char **env = NULL;
    vu_buf ob = VU_BUF_INIT, eb = VU_BUF_INIT;
    sigset_t pipe_set, caller_mask, pending;

    result_init(r);
    if (!spec->argv || !spec->argv[0])
        return vmdrv_error_set(ctx, VMDRV_E_INVAL, NULL, 0,
                               "no program given to run");
    if (find_in_path(spec->argv[0], prog, sizeof prog) != 0)
        return vmdrv_error_set(ctx, VMDRV_E_NOTFOUND, spec->argv[0], ENOENT,
                               "cannot run '%s': not found", spec->argv[0]);
    if (make_pipe(in) || make_pipe(out) || make_pipe(err) || make_pipe(st) ||
        make_pipe(pidp)) {
        rc = vmdrv_error_set(ctx, VMDRV_E_IO, NULL, errno,
                             "cannot create pipes to run '%s': %s",
                             spec->argv[0], strerror(errno));
        goto cleanup;
    }
    env = vmdrv__posix_env(spec->env);
    /* a program that exits without reading all its stdin makes our write
     * fail with EPIPE; the SIGPIPE that comes with it must not kill the
     * caller, so it is blocked here and swallowed below */
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &caller_mask);
    masked = 1;
    sigpending(&pending);
    pipe_was_pending = sigismember(&pending, SIGPIPE);

    pid_t pid = fork();
    if (pid < 0) {
        rc = vmdrv_error_set(ctx, VMDRV_E_IO, NULL, errno,
                             "cannot fork to run '%s': %s", spec->argv[0],
                             strerror(errno));
        goto cleanup;
    }
    if (pid == 0)
        child_run(spec, prog, env, in, out, err, st[1], pidp[1],
                  &caller_mask);
    /* as in the child: no moment where a timeout's kill misses the group */
    setpgid(pid, pid);
    r->pid = pid;
    close_fd(&in[0]);
    close_fd(&out[1]);
    close_fd(&err[1]);
    close_fd(&st[1]);
    close_fd(&pidp[1]);
    if (!spec->stdin_data || spec->detach)
        close_fd(&in[1]);
    if (spec->detach) {
        close_fd(&out[0]);
        close_fd(&err[0]);
    }

    long deadline = spec->timeout_ms > 0 ? now_ms() + spec->timeout_ms : 0;
    int status = 0;
    pump(spec, pid, &in[1], &out[0], &err[0], &ob, &eb, deadline,
         &r->timed_out);
    wait_child(pid, r->timed_out ? 0 : deadline, &status, &r->timed_out);

    child_fail fail;
    if (read(st[0], &fail, sizeof fail) == (ssize_t)sizeof fail) {
        if (fail.step == STEP_CWD)
            rc = vmdrv_error_set(ctx, VMDRV_E_NOTFOUND, spec->argv[0],
                                 fail.err, "cannot run '%s' in '%s': %s",
                                 spec->argv[0], spec->cwd,
                                 strerror(fail.err));
        else
            rc = vmdrv_error_set(ctx, VMDRV_E_NOTFOUND, spec->argv[0],
                                 fail.err, "cannot run '%s': %s",
                                 spec->argv[0], strerror(fail.err));
        r->timed_out = 0;
        goto cleanup;
    }
    if (spec->detach) {
        /* what the caller needs is the daemon's pid, not the short-lived
         * child's that started it */
        long daemon = -1;
        if (read(pidp[0], &daemon, sizeof daemon) != (ssize_t)sizeof daemon ||
            daemon <= 0) {
            rc = vmdrv_error_set(ctx, VMDRV_E_IO, NULL, 0,
                                 "cannot fork to run '%s' detached",
                                 spec->argv[0]);
            goto cleanup;
        }
        r->pid = daemon;
        goto cleanup;
    }
    free(r->out);
    free(r->err);
    r->out_len = ob.len;
    r->out = vu_buf_detach(&ob);
    r->err_len = eb.len;
    r->err = vu_buf_detach(&eb);
    if (!r->timed_out) {
        if (WIFEXITED(status)) {
            r->exited = 1;
            r->status = WEXITSTATUS(status);
        } else if (WIFSIGNALED(status)) {
            r->signal = WTERMSIG(status);
        }
    }

cleanup:
    if (masked) {
        sigpending(&pending);
        if (!pipe_was_pending && sigismember(&pending, SIGPIPE)) {
            int sig;
            sigwait(&pipe_set, &sig); /* pending: returns at once */
        }
        pthread_sigmask(SIG_SETMASK, &caller_mask, NULL);
    }
    vu_buf_clear(&ob);
    vu_buf_clear(&eb);
    for (int i = 0; i < 2; i++) {
        close_fd(&in[i]);
        close_fd(&out[i]);
        close_fd(&err[i]);
        close_fd(&st[i]);
        close_fd(&pidp[i]);
    }
    free(env);
    return rc;
}

int vmdrv__find_program(const char *prog, char *buf, size_t size)
{
    return find_in_path(prog, buf, size);
}
