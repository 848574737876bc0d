/*
 * host.c: names for the host descriptor's enums, the tool table, and the
 * parts of the host probe shared by every platform (finding tools and
 * asking them for their versions).
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "vu_regex.h"

const char *vmdrv_os_name(vmdrv_os os)
{
    switch (os) {
    case VMDRV_OS_LINUX:
        return "linux";
    case VMDRV_OS_MACOS:
        return "macos";
    case VMDRV_OS_WINDOWS:
        return "windows";
    case VMDRV_OS_UNKNOWN:
        return "unknown";
    }
    return "unknown";
}

const char *vmdrv_edition_name(vmdrv_edition e)
{
    switch (e) {
    case VMDRV_EDITION_HOME:
        return "home";
    case VMDRV_EDITION_PRO:
        return "pro";
    case VMDRV_EDITION_NONE:
        return "";
    }
    return "";
}

const char *vmdrv_arch_name(vmdrv_arch a)
{
    switch (a) {
    case VMDRV_ARCH_X86_64:
        return "x86_64";
    case VMDRV_ARCH_ARM64:
        return "arm64";
    case VMDRV_ARCH_UNKNOWN:
        return "unknown";
    }
    return "unknown";
}

static const struct {
    const char *program, *env;
} tools[] = {
#define X(e, prog, env) {prog, "VMDRV_TOOL_" #env},
    VMDRV_TOOL_LIST(X)
#undef X
};

const char *vmdrv_tool_program(vmdrv_tool t)
{
    return (unsigned)t < VMDRV_TOOL__COUNT ? tools[t].program : NULL;
}

const char *vmdrv_tool_env(vmdrv_tool t)
{
    return (unsigned)t < VMDRV_TOOL__COUNT ? tools[t].env : NULL;
}

vmdrv_edition vmdrv__edition_from_id(const char *id)
{
    if (!id || !*id)
        return VMDRV_EDITION_NONE;
    /* Core, CoreN, CoreSingleLanguage, CoreCountrySpecific: Home */
    if (strncmp(id, "Core", 4) == 0)
        return VMDRV_EDITION_HOME;
    return VMDRV_EDITION_PRO;
}

/* The argv that makes each tool print its version, and the pattern that
 * picks the version out of the answer. */
void vmdrv__tool_version(vmdrv_ctx *ctx, vmdrv_tool tool,
                         vmdrv_tool_info *info, const vmdrv_host *host)
{
    const char *argv[8] = {info->path, NULL};
    const char *pattern = NULL;
    switch (tool) {
    case VMDRV_TOOL_QEMU_X86_64:
    case VMDRV_TOOL_QEMU_AARCH64:
        argv[1] = "--version";
        pattern = "QEMU emulator version ([0-9][^ \\r\\n]*)";
        break;
    case VMDRV_TOOL_QEMU_IMG:
        argv[1] = "--version";
        pattern = "qemu-img version ([0-9][^ \\r\\n]*)";
        break;
    case VMDRV_TOOL_VBOXMANAGE:
        argv[1] = "--version";
        pattern = "^([0-9][^\\r\\n]*)";
        break;
    case VMDRV_TOOL_POWERSHELL:
        argv[1] = "-NoProfile";
        argv[2] = "-NonInteractive";
        argv[3] = "-Command";
        argv[4] = "$PSVersionTable.PSVersion.ToString()";
        pattern = "^([0-9][^\\r\\n]*)";
        break;
    case VMDRV_TOOL__COUNT:
        return;
    }
    /* the host being described may not be the context's host yet (a
     * profile being loaded), so its simulators get its environment here,
     * with "${data_dir}" expanded as vmdrv_proc_run() does */
    vu_strv env = VU_STRV_INIT;
    for (int i = 0; host && i < host->n_env; i++) {
        const char *v = host->env[i];
        const char *at = strstr(v, "${data_dir}");
        if (at)
            vu_strv_addf(&env, "%.*s%s%s", (int)(at - v), v, ctx->data_dir,
                         at + strlen("${data_dir}"));
        else
            vu_strv_add(&env, v);
    }
    vmdrv_proc_spec spec = {.argv = argv, .env = vu_strv_argv(&env),
                            .timeout_ms = 10000};
    vmdrv_proc_result r;
    memset(&r, 0, sizeof r);
    /* a tool that cannot tell its version is not a failure of the caller:
     * whatever the runner sets, the caller's error is put back */
    vmdrv_error saved = ctx->err;
    char *saved_msg = ctx->err_msg, *saved_origin = ctx->err_origin;
    unsigned long gen = ctx->err_gen;
    ctx->err_msg = ctx->err_origin = NULL;
    if (ctx->runner(ctx->runner == vmdrv_proc_run_real ? ctx : ctx->runner_data,
                    &spec, &r) == 0 &&
        r.exited && r.status == 0 && r.out) {
        vu_regex *re = vu_regex_new(pattern, VU_RE_MULTILINE, NULL, 0);
        long g[4];
        if (re && vu_regex_match(re, r.out, r.out_len, 0, g, 2) == 1)
            vu_regex_group(r.out, g, 1, info->version, sizeof info->version);
        vu_regex_free(re);
    }
    vmdrv_proc_result_clear(&r);
    vu_strv_clear(&env);
    free(ctx->err_msg);
    free(ctx->err_origin);
    ctx->err = saved;
    ctx->err_msg = saved_msg;
    ctx->err_origin = saved_origin;
    ctx->err_gen = gen;
}

void vmdrv__host_find_tools(vmdrv_ctx *ctx, vmdrv_host *out)
{
    for (int t = 0; t < VMDRV_TOOL__COUNT; t++) {
        vmdrv_tool_info *info = &out->tools[t];
        const char *env = getenv(vmdrv_tool_env((vmdrv_tool)t));
        memset(info, 0, sizeof *info);
        if (env && *env) {
            /* the variable names the tool; it is found only when that
             * names an executable (a path, or a program on PATH) */
            info->found = vmdrv__find_program(env, info->path,
                                              sizeof info->path) == 0;
        } else if (vmdrv__find_program(vmdrv_tool_program((vmdrv_tool)t),
                                       info->path, sizeof info->path) == 0) {
            info->found = 1;
        }
        if (info->found)
            vmdrv__tool_version(ctx, (vmdrv_tool)t, info, out);
        else
            info->path[0] = '\0';
    }
}

int vmdrv_host_probe(vmdrv_ctx *ctx, vmdrv_host *out)
{
    memset(out, 0, sizeof *out);
    int rc = vmdrv__host_probe_platform(ctx, out);
    vmdrv__host_find_tools(ctx, out);
    return rc;
}
