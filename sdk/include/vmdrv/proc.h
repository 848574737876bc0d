/*
 * vmdrv/proc.h: the process runner.
 *
 * External programs (qemu-img, VBoxManage, powershell.exe, ...) are only
 * ever started through vmdrv_proc_run(): argv without a shell, extra
 * environment, working directory, stdin, captured output, a timeout that
 * kills, and the exit status. Tests swap the runner for a fake with
 * vmdrv_ctx_set_runner().
 *
 * vmdrv_proc_spawn() starts a program without waiting for it (the
 * conformance runner's case processes): wait for it, or for the first of
 * several, with a timeout, and kill it with everything it started (its
 * process group on POSIX, a Job object on Windows).
 */
#ifndef VMDRV_PROC_H
#define VMDRV_PROC_H

#include <stddef.h>

#include "vmdrv/export.h"
#include "vmdrv/host.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vmdrv_ctx vmdrv_ctx;

typedef struct vmdrv_proc_spec {
    const char *const *argv;   /* argv[0] is the program; NULL-terminated */
    const char *const *env;    /* "KEY=VALUE" added to the environment; may be NULL */
    const char *cwd;           /* NULL: inherit */
    const char *stdin_data;    /* NULL: stdin is /dev/null */
    size_t stdin_len;
    int timeout_ms;            /* <= 0: no timeout */
    int detach;                /* 1: do not wait (daemons); only pid is set */
    /* Added with vmdrv_proc_spawn(), which alone reads them (so a caller
     * built against the older, shorter struct still works with
     * vmdrv_proc_run()): files that get the program's stdout and stderr,
     * created or truncated; NULL discards. The same path for both gives
     * one file with both streams, in the order they were written. */
    const char *stdout_path;
    const char *stderr_path;
} vmdrv_proc_spec;

typedef struct vmdrv_proc_result {
    int exited;      /* 1 when the program ran and exited by itself */
    int status;      /* exit status when exited */
    int signal;      /* terminating signal, 0 if none */
    int timed_out;   /* 1 when killed by the timeout */
    long pid;        /* process id */
    char *out;       /* captured stdout, NUL-terminated, owned */
    size_t out_len;
    char *err;       /* captured stderr, NUL-terminated, owned */
    size_t err_len;
} vmdrv_proc_result;

/*
 * Run spec. Returns 0 when the program could be started and was waited
 * for (look at result->exited / status / timed_out), or a negative status
 * when it could not be started at all (VMDRV_E_NOTFOUND for a missing
 * program, with a message). result is always initialised.
 */
VMDRV_EXTERN int vmdrv_proc_run(vmdrv_ctx *ctx, const vmdrv_proc_spec *spec,
                                vmdrv_proc_result *result);

VMDRV_EXTERN void vmdrv_proc_result_clear(vmdrv_proc_result *result);

/* The runner signature, for fakes. */
typedef int (*vmdrv_runner_fn)(void *userdata, const vmdrv_proc_spec *spec,
                               vmdrv_proc_result *result);

/* Replace the runner (NULL restores the real one). */
VMDRV_EXTERN void vmdrv_ctx_set_runner(vmdrv_ctx *ctx, vmdrv_runner_fn fn,
                                       void *userdata);

/* The real runner, so fakes can delegate to it. */
VMDRV_EXTERN int vmdrv_proc_run_real(void *userdata,
                                     const vmdrv_proc_spec *spec,
                                     vmdrv_proc_result *result);

/*
 * The executable for a tool: the VMDRV_TOOL_<NAME> variable when set, else
 * the host descriptor's path (a profile's simulator), else a PATH search.
 * Returns NULL with VMDRV_E_NOTFOUND set on the context when there is none.
 * The string is borrowed from the context.
 */
VMDRV_EXTERN const char *vmdrv_tool_path(vmdrv_ctx *ctx, vmdrv_tool tool);

/* ---- asynchronous processes ------------------------------------------ */

typedef struct vmdrv_proc vmdrv_proc;

/*
 * Start spec->argv without waiting: stdin is the null device, stdout and
 * stderr go to spec->stdout_path / stderr_path (or are discarded); env,
 * cwd and a host profile's environment apply as for vmdrv_proc_run().
 * The program runs in a process group of its own (POSIX) or a Job object
 * and a new console process group (Windows), so a terminal's Ctrl-C does
 * not reach it and vmdrv_proc_kill() reaches all it started. stdin_data,
 * timeout_ms and detach are refused (VMDRV_E_INVAL): the caller waits
 * with its own timeout. The fake runner of vmdrv_ctx_set_runner() is not
 * consulted. 0 with *out set (free it with vmdrv_proc_free()), or a
 * negative status (VMDRV_E_NOTFOUND for a missing program) and *out NULL.
 */
VMDRV_EXTERN int vmdrv_proc_spawn(vmdrv_ctx *ctx, const vmdrv_proc_spec *spec,
                                  vmdrv_proc **out);

/* The process id. */
VMDRV_EXTERN long vmdrv_proc_pid(const vmdrv_proc *p);

/*
 * Wait up to timeout_ms (< 0: for ever, 0: just look) for p to end. 0
 * when it has ended, with result filled as vmdrv_proc_run() fills it
 * (exited/status or signal; out and err are empty strings: the output
 * went to the spec's files); VMDRV_E_TIMEOUT (with a message) while it
 * still runs. Once it has ended, every later call answers the same.
 */
VMDRV_EXTERN int vmdrv_proc_wait(vmdrv_proc *p, int timeout_ms,
                                 vmdrv_proc_result *result);

/*
 * Wait up to timeout_ms (< 0: for ever) for the first of procs[0..n) to
 * end: 0 with *which set to its index (then vmdrv_proc_wait(procs[*which],
 * 0, ...) gives its result at once), or VMDRV_E_TIMEOUT when none ended in
 * time. Processes whose result was already taken count as ended: leave
 * them out. All must come from the same context; n >= 1.
 */
VMDRV_EXTERN int vmdrv_proc_wait_any(vmdrv_proc *const *procs, size_t n,
                                     int timeout_ms, size_t *which);

/*
 * Kill p and everything it started (SIGKILL to its process group;
 * TerminateJobObject on Windows). The result then shows a signal
 * (SIGKILL) on POSIX and exit status 1 on Windows. 0, also when p had
 * already ended.
 */
VMDRV_EXTERN int vmdrv_proc_kill(vmdrv_proc *p);

/* Release p (NULL is fine). A program still running is left running:
 * kill it first when it must not outlive the handle. */
VMDRV_EXTERN void vmdrv_proc_free(vmdrv_proc *p);

/*
 * Did the program crash rather than exit? On POSIX: ended by a signal,
 * described as "signal 6" (a process ended by vmdrv_proc_kill() shows
 * "signal 9": a caller that killed it knows better). On Windows, which has no
 * signals: an exception exit code (0xC0000005 access violation, 0xC0000409 fast
 * fail, which abort() raises with the Universal CRT, ...), described as
 * "exception 0xC0000409", or 3, the exit status abort() leaves with msvcrt,
 * described as "abort, exit status 3" (a program may also exit with 3 on
 * purpose: callers that know their program never does can rely on it). 1 with
 * the description in why, else 0.
 */
VMDRV_EXTERN int vmdrv_proc_crashed(const vmdrv_proc_result *result, char *why,
                                    size_t size);

/*
 * The absolute path of the running executable (/proc/self/exe on Linux,
 * _NSGetExecutablePath on macOS, GetModuleFileNameW on Windows), so a
 * program can start itself again; where the system cannot say, argv0
 * (may be NULL) resolved against the working directory or PATH. 0, or
 * VMDRV_E_NOTFOUND.
 */
VMDRV_EXTERN int vmdrv_proc_self_path(const char *argv0, char *buf,
                                      size_t size);

#ifdef __cplusplus
}
#endif

#endif
