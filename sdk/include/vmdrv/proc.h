/*
 * vmdrv/proc.h: the process runner.
 *
 * External programs (qemu-img, VBoxManage, powershell.exe, ...) are only
 * ever started through vmdrv_proc_run(): argv without a shell, extra
 * environment, working directory, stdin, captured output, a timeout that
 * kills, and the exit status. Tests swap the runner for a fake with
 * vmdrv_ctx_set_runner().
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

#ifdef __cplusplus
}
#endif

#endif
