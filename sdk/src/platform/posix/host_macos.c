/*
 * host_macos.c: the real host probe on macOS: the product version
 * (kern.osproductversion, else sw_vers), the machine's architecture
 * (hw.optional.arm64: 1 on Apple Silicon, also for a process translated
 * by Rosetta; a missing oid means an Intel Mac), and Hypervisor.framework
 * support (kern.hv_support), which QEMU's HVF accelerator needs.
 *
 * Compiled on every POSIX system (the build globs this folder) and empty
 * except on Apple, where host_linux.c leaves the probe to this file.
 */
#if defined(__APPLE__)
#include <stdio.h>
#include <string.h>
#include <sys/sysctl.h>
#include <sys/types.h>

#include "internal.h"

static int sysctl_string(const char *name, char *buf, size_t size)
{
    size_t len = size;
    if (sysctlbyname(name, buf, &len, NULL, 0) != 0 || len == 0)
        return -1;
    buf[len < size ? len : size - 1] = '\0';
    return 0;
}

/* 0 with *out set; -1 (errno ENOENT) when the oid does not exist. */
static int sysctl_int(const char *name, int *out)
{
    int v = 0;
    size_t len = sizeof v;
    if (sysctlbyname(name, &v, &len, NULL, 0) != 0)
        return -1;
    *out = v;
    return 0;
}

/* sw_vers -productVersion, for releases older than 10.13.4 that lack
 * kern.osproductversion; through the runner, so tests can fake it. */
static void sw_vers(vmdrv_ctx *ctx, char *buf, size_t size)
{
    const char *argv[] = {"/usr/bin/sw_vers", "-productVersion", NULL};
    vmdrv_proc_spec spec = {.argv = argv, .timeout_ms = 10000};
    vmdrv_proc_result r;
    unsigned long gen = ctx->err_gen;
    if (ctx->runner(ctx->runner == vmdrv_proc_run_real ? ctx : ctx->runner_data,
                    &spec, &r) == 0 &&
        r.exited && r.status == 0)
        snprintf(buf, size, "%.*s", (int)strcspn(r.out, "\r\n"), r.out);
    vmdrv_proc_result_clear(&r);
    /* a probe that cannot read a version is not a failure of the caller */
    if (ctx->err_gen != gen)
        vmdrv_error_clear(ctx);
}

int vmdrv__host_probe_platform(vmdrv_ctx *ctx, vmdrv_host *h)
{
    int v = 0;
    h->os = VMDRV_OS_MACOS;
    h->edition = VMDRV_EDITION_NONE;
    /* binaries built against an old SDK may read "10.16" on Big Sur and
     * later (Apple's compatibility shim); vmdrv is built with a current
     * SDK, so the true version is expected here */
    if (sysctl_string("kern.osproductversion", h->os_version,
                      sizeof h->os_version) != 0)
        sw_vers(ctx, h->os_version, sizeof h->os_version);
    snprintf(h->os_name, sizeof h->os_name, "macOS%s%s",
             h->os_version[0] ? " " : "", h->os_version);

    /* the machine's architecture, not this process's (uname -m says
     * x86_64 under Rosetta, and VM guests must match the machine) */
    if (sysctl_int("hw.optional.arm64", &v) == 0 && v == 1)
        h->arch = VMDRV_ARCH_ARM64;
    else
        h->arch = VMDRV_ARCH_X86_64;

    v = 0;
    int known = sysctl_int("kern.hv_support", &v) == 0;
    if (known && v == 1)
        h->accels |= VMDRV_ACCEL_HVF;
    else
        snprintf(h->accel_note, sizeof h->accel_note, "%s",
                 known ? "Hypervisor.framework is not supported on this Mac "
                         "(kern.hv_support is 0)"
                       : "this macOS has no Hypervisor.framework "
                         "(no kern.hv_support)");
    return 0;
}
#endif
