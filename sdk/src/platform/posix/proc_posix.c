/*
 * proc_posix.c: the real process runner on POSIX systems: fork + execvp,
 * pipes for stdin/stdout/stderr drained with poll(), a timeout that kills
 * the whole process group, and the tool-path resolution.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "vu_fs.h"

extern char **environ;

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

void vmdrv_proc_result_clear(vmdrv_proc_result *r)
{
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof *r);
}

static void result_init(vmdrv_proc_result *r)
{
    memset(r, 0, sizeof *r);
    r->out = vu_strdup("");
    r->err = vu_strdup("");
}

/* Build the child's environment: ours plus spec->env (which wins). */
static char **child_env(const char *const *extra)
{
    size_t n = 0, m = 0;
    while (environ[n])
        n++;
    while (extra && extra[m])
        m++;
    char **env = vu_calloc(n + m + 1, sizeof(char *));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        size_t klen = strcspn(environ[i], "=");
        int overridden = 0;
        for (size_t j = 0; j < m; j++)
            if (strncmp(extra[j], environ[i], klen) == 0 &&
                extra[j][klen] == '=')
                overridden = 1;
        if (!overridden)
            env[k++] = environ[i];
    }
    for (size_t j = 0; j < m; j++)
        env[k++] = (char *)extra[j];
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

int vmdrv_proc_run_real(void *userdata, const vmdrv_proc_spec *spec,
                        vmdrv_proc_result *r)
{
    vmdrv_ctx *ctx = userdata;
    int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
    int exec_err[2] = {-1, -1};
    int rc = 0;
    char prog[1024];
    char **env = NULL;

    result_init(r);
    if (!spec->argv || !spec->argv[0])
        return vmdrv_error_set(ctx, VMDRV_E_INVAL, NULL, 0,
                               "no program given to run");
    if (find_in_path(spec->argv[0], prog, sizeof prog) != 0)
        return vmdrv_error_set(ctx, VMDRV_E_NOTFOUND, spec->argv[0], ENOENT,
                               "cannot run '%s': not found", spec->argv[0]);
    if (pipe(in) || pipe(out) || pipe(err) || pipe(exec_err)) {
        rc = vmdrv_error_set(ctx, VMDRV_E_IO, NULL, errno,
                             "cannot create pipes to run '%s': %s",
                             spec->argv[0], strerror(errno));
        goto cleanup;
    }
    fcntl(exec_err[1], F_SETFD, FD_CLOEXEC);
    env = child_env(spec->env);
    pid_t pid = fork();
    if (pid < 0) {
        rc = vmdrv_error_set(ctx, VMDRV_E_IO, NULL, errno,
                             "cannot fork to run '%s': %s", spec->argv[0],
                             strerror(errno));
        goto cleanup;
    }
    if (pid == 0) {
        /* child: own process group, so a timeout kills its children too */
        setpgid(0, 0);
        if (spec->detach) {
            /* a detached program must not keep our pipes open */
            int devnull = open("/dev/null", O_RDWR);
            dup2(devnull, 0);
            dup2(devnull, 1);
            dup2(devnull, 2);
            if (fork() != 0)
                _exit(0);
            setsid();
        } else {
            dup2(in[0], 0);
            dup2(out[1], 1);
            dup2(err[1], 2);
        }
        close(in[0]); close(in[1]); close(out[0]); close(out[1]);
        close(err[0]); close(err[1]); close(exec_err[0]);
        if (spec->cwd && chdir(spec->cwd) != 0) {
            int e = errno;
            (void)!write(exec_err[1], &e, sizeof e);
            _exit(127);
        }
        execve(prog, (char *const *)spec->argv, env);
        int e = errno;
        (void)!write(exec_err[1], &e, sizeof e);
        _exit(127);
    }
    r->pid = pid;
    close(in[0]); in[0] = -1;
    close(out[1]); out[1] = -1;
    close(err[1]); err[1] = -1;
    close(exec_err[1]); exec_err[1] = -1;

    vu_buf ob = VU_BUF_INIT, eb = VU_BUF_INIT;
    size_t in_off = 0;
    if (!spec->stdin_data || spec->detach) {
        close(in[1]);
        in[1] = -1;
    } else {
        fcntl(in[1], F_SETFL, O_NONBLOCK);
    }
    long deadline = spec->timeout_ms > 0 ? now_ms() + spec->timeout_ms : 0;
    int open_fds = 2;
    while (open_fds > 0 || in[1] >= 0) {
        struct pollfd fds[3];
        int nf = 0;
        fds[nf++] = (struct pollfd){.fd = out[0], .events = POLLIN};
        fds[nf++] = (struct pollfd){.fd = err[0], .events = POLLIN};
        if (in[1] >= 0)
            fds[nf++] = (struct pollfd){.fd = in[1], .events = POLLOUT};
        int wait = -1;
        if (deadline) {
            wait = (int)(deadline - now_ms());
            if (wait <= 0) {
                kill(-pid, SIGKILL);
                kill(pid, SIGKILL);
                r->timed_out = 1;
                break;
            }
        }
        int n = poll(fds, (nfds_t)nf, wait);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char chunk[8192];
            ssize_t got = read(fds[i].fd, chunk, sizeof chunk);
            if (got > 0) {
                vu_buf_add(i == 0 ? &ob : &eb, chunk, (size_t)got);
            } else if (got == 0 || errno != EINTR) {
                close(fds[i].fd);
                if (i == 0)
                    out[0] = -1;
                else
                    err[0] = -1;
                open_fds--;
            }
        }
        if (nf == 3 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
            ssize_t w = write(in[1], spec->stdin_data + in_off,
                              spec->stdin_len - in_off);
            if (w > 0)
                in_off += (size_t)w;
            if (w < 0 && errno != EAGAIN && errno != EINTR)
                in_off = spec->stdin_len;
            if (in_off >= spec->stdin_len) {
                close(in[1]);
                in[1] = -1;
            }
        }
        /* poll() on a closed fd reports nothing: keep the loop honest */
        if (out[0] < 0 && err[0] < 0)
            open_fds = 0;
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    int e = 0;
    if (read(exec_err[0], &e, sizeof e) == (ssize_t)sizeof e) {
        vu_buf_clear(&ob);
        vu_buf_clear(&eb);
        rc = vmdrv_error_set(ctx, VMDRV_E_NOTFOUND, spec->argv[0], e,
                             "cannot run '%s': %s", spec->argv[0],
                             strerror(e));
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
    for (int i = 0; i < 2; i++) {
        if (in[i] >= 0) close(in[i]);
        if (out[i] >= 0) close(out[i]);
        if (err[i] >= 0) close(err[i]);
        if (exec_err[i] >= 0) close(exec_err[i]);
    }
    free(env);
    return rc;
}

int vmdrv_proc_run(vmdrv_ctx *ctx, const vmdrv_proc_spec *spec,
                   vmdrv_proc_result *result)
{
    memset(result, 0, sizeof *result);
    if (ctx->verbose || ctx->log) {
        vu_buf line = VU_BUF_INIT;
        for (size_t i = 0; spec->argv && spec->argv[i]; i++)
            vu_buf_printf(&line, "%s'%s'", i ? " " : "", spec->argv[i]);
        vmdrv_log(ctx, "run", "%s", vu_buf_str(&line));
        vu_buf_clear(&line);
    }
    /* a simulated host's profile gives its simulators an environment */
    const vmdrv_host *host = ctx->host_ready ? &ctx->host : NULL;
    vmdrv_proc_spec with_env = *spec;
    const char *envv[64];
    vu_strv expanded = VU_STRV_INIT;
    if (host && host->n_env) {
        size_t n = 0;
        for (int i = 0; i < host->n_env; i++) {
            /* "${data_dir}" lets a profile keep simulator state with the
             * context's data, so separate data dirs never share a VM */
            const char *v = host->env[i];
            const char *at = strstr(v, "${data_dir}");
            if (at)
                vu_strv_addf(&expanded, "%.*s%s%s", (int)(at - v), v,
                             ctx->data_dir, at + strlen("${data_dir}"));
            else
                vu_strv_add(&expanded, v);
        }
        for (size_t i = 0; i < expanded.n; i++)
            envv[n++] = expanded.v[i];
        for (size_t i = 0; spec->env && spec->env[i] && n < 63; i++)
            envv[n++] = spec->env[i];
        envv[n] = NULL;
        with_env.env = envv;
    }
    unsigned long gen = ctx->err_gen;
    int rc = ctx->runner(ctx->runner == vmdrv_proc_run_real ? ctx
                                                            : ctx->runner_data,
                         &with_env, result);
    if (rc < 0 && ctx->err_gen == gen)
        vmdrv_error_set(ctx, rc, spec->argv ? spec->argv[0] : NULL, 0,
                        "cannot run '%s'",
                        spec->argv && spec->argv[0] ? spec->argv[0] : "?");
    vu_strv_clear(&expanded);
    if (!result->out)
        result->out = vu_strdup("");
    if (!result->err)
        result->err = vu_strdup("");
    if (rc == 0 && (ctx->verbose || ctx->log))
        vmdrv_log(ctx, "run", "-> %s %d%s (%zu bytes out, %zu bytes err)",
                  result->exited ? "exit" : "signal",
                  result->exited ? result->status : result->signal,
                  result->timed_out ? " timed out" : "", result->out_len,
                  result->err_len);
    return rc;
}

void vmdrv_ctx_set_runner(vmdrv_ctx *ctx, vmdrv_runner_fn fn, void *userdata)
{
    ctx->runner = fn ? fn : vmdrv_proc_run_real;
    ctx->runner_data = fn ? userdata : NULL;
}

const char *vmdrv_tool_path(vmdrv_ctx *ctx, vmdrv_tool tool)
{
    if ((unsigned)tool >= VMDRV_TOOL__COUNT) {
        vmdrv_error_set(ctx, VMDRV_E_INVAL, NULL, 0, "unknown tool %d",
                        (int)tool);
        return NULL;
    }
    const char *env = getenv(vmdrv_tool_env(tool));
    char buf[1024];
    const char *found = NULL;
    if (env && *env) {
        found = env;
    } else {
        const vmdrv_host *h = vmdrv_ctx_host(ctx);
        if (h->tools[tool].found)
            found = h->tools[tool].path;
        else if (!h->simulated &&
                 find_in_path(vmdrv_tool_program(tool), buf, sizeof buf) == 0)
            found = buf;
    }
    if (!found) {
        vmdrv_error_set(ctx, VMDRV_E_NOTFOUND, vmdrv_tool_program(tool), 0,
                        "'%s' not found (set %s to its path)",
                        vmdrv_tool_program(tool), vmdrv_tool_env(tool));
        return NULL;
    }
    free(ctx->tool_paths[tool]);
    ctx->tool_paths[tool] = vu_strdup(found);
    return ctx->tool_paths[tool];
}

int vmdrv__find_program(const char *prog, char *buf, size_t size)
{
    return find_in_path(prog, buf, size);
}
