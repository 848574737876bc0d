/*
 * proc.c: the platform-independent half of the process runner: the
 * vmdrv_proc_run() front door (logging, a host profile's environment for
 * its simulators, the swappable runner), and tool-path resolution. The
 * real runners are platform/posix/proc_posix.c and
 * platform/win32/proc_win32.c (vmdrv_proc_run_real, vmdrv__find_program);
 * vmdrv_proc_spawn()'s front door is here too, its platform halves are
 * platform/posix/spawn_posix.c and platform/win32/spawn_win32.c.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "platform/spawn.h"

void vmdrv_proc_result_clear(vmdrv_proc_result *r)
{
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof *r);
}

static void log_argv(vmdrv_ctx *ctx, const char *what,
                     const vmdrv_proc_spec *spec)
{
    if (!ctx->verbose && !ctx->log)
        return;
    vu_buf line = VU_BUF_INIT;
    for (size_t i = 0; spec->argv && spec->argv[i]; i++)
        vu_buf_printf(&line, "%s'%s'", i ? " " : "", spec->argv[i]);
    vmdrv_log(ctx, what, "%s", vu_buf_str(&line));
    vu_buf_clear(&line);
}

/*
 * spec as the platform runners get it: a copy of the fields every caller
 * has, since a caller built before a field was added passes a shorter
 * struct (the fields vmdrv_proc_spawn() added are copied by it alone),
 * with a simulated host's environment put before spec->env. envv (64
 * slots) and expanded hold the merged environment.
 */
static void spec_with_env(vmdrv_ctx *ctx, const vmdrv_proc_spec *spec,
                          int spawned, vmdrv_proc_spec *out,
                          const char *envv[64], vu_strv *expanded)
{
    memset(out, 0, sizeof *out);
    memcpy(out, spec,
           spawned ? sizeof *out : offsetof(vmdrv_proc_spec, stdout_path));
    /* a simulated host's profile gives its simulators an environment */
    const vmdrv_host *host = ctx->host_ready ? &ctx->host : NULL;
    if (!host || !host->n_env)
        return;
    size_t n = 0;
    for (int i = 0; i < host->n_env; i++) {
        /* "${data_dir}" lets a profile keep simulator state with the
         * context's data, so separate data dirs never share a VM */
        const char *v = host->env[i];
        const char *at = strstr(v, "${data_dir}");
        if (at)
            vu_strv_addf(expanded, "%.*s%s%s", (int)(at - v), v, ctx->data_dir,
                         at + strlen("${data_dir}"));
        else
            vu_strv_add(expanded, v);
    }
    for (size_t i = 0; i < expanded->n; i++)
        envv[n++] = expanded->v[i];
    for (size_t i = 0; spec->env && spec->env[i] && n < 63; i++)
        envv[n++] = spec->env[i];
    envv[n] = NULL;
    out->env = envv;
}

int vmdrv_proc_run(vmdrv_ctx *ctx, const vmdrv_proc_spec *spec,
                   vmdrv_proc_result *result)
{
    memset(result, 0, sizeof *result);
    log_argv(ctx, "run", spec);
    vmdrv_proc_spec with_env;
    const char *envv[64];
    vu_strv expanded = VU_STRV_INIT;
    spec_with_env(ctx, spec, 0, &with_env, envv, &expanded);
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

int vmdrv_proc_spawn(vmdrv_ctx *ctx, const vmdrv_proc_spec *spec,
                     vmdrv_proc **out)
{
    *out = NULL;
    if (!spec->argv || !spec->argv[0])
        return vmdrv_error_set(ctx, VMDRV_E_INVAL, NULL, 0,
                               "no program given to start");
    if (spec->stdin_data || spec->timeout_ms > 0 || spec->detach)
        return vmdrv_error_set(ctx, VMDRV_E_INVAL, spec->argv[0], 0,
                               "cannot start '%s': stdin data, a timeout "
                               "and detach are for vmdrv_proc_run() only",
                               spec->argv[0]);
    log_argv(ctx, "spawn", spec);
    vmdrv_proc_spec with_env;
    const char *envv[64];
    vu_strv expanded = VU_STRV_INIT;
    spec_with_env(ctx, spec, 1, &with_env, envv, &expanded);
    int rc = vmdrv__proc_spawn(ctx, &with_env, out);
    vu_strv_clear(&expanded);
    if (rc == 0 && (ctx->verbose || ctx->log))
        vmdrv_log(ctx, "spawn", "-> pid %ld", vmdrv_proc_pid(*out));
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
                 vmdrv__find_program(vmdrv_tool_program(tool), buf,
                                     sizeof buf) == 0)
            found = buf;
    }
    if (!found) {
        vmdrv_error_set(ctx, VMDRV_E_NOTFOUND, vmdrv_tool_program(tool), 0,
                        "'%s' not found (set %s to its path)",
                        vmdrv_tool_program(tool), vmdrv_tool_env(tool));
        return NULL;
    }
    /* the answer is borrowed: a caller may still hold an earlier one, so
     * the same path keeps the same string */
    if (!ctx->tool_paths[tool] || strcmp(ctx->tool_paths[tool], found) != 0) {
        free(ctx->tool_paths[tool]);
        ctx->tool_paths[tool] = vu_strdup(found);
    }
    return ctx->tool_paths[tool];
}
