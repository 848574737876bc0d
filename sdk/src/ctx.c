/*
 * ctx.c: the context: data directory, error detail, logging, host.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "platform/platform.h"
#include "vmdrv_config.h"
#include "vu_fs.h"

int vmdrv_default_data_dir(char *buf, size_t size)
{
    const char *env = getenv("VMDRV_DATA_DIR");
    if (env && *env) {
        vu_strlcpy(buf, env, size);
        return 0;
    }
    return vmdrv__platform_data_dir(buf, size);
}

int vmdrv_ctx_open(vmdrv_ctx **out, const char *data_dir, char *err,
                   size_t err_size)
{
    char dflt[1024];
    *out = NULL;
    if (!data_dir) {
        if (vmdrv_default_data_dir(dflt, sizeof dflt) != 0) {
            if (err)
                snprintf(err, err_size,
                         "cannot find a data directory: set VMDRV_DATA_DIR "
                         "or HOME");
            return VMDRV_E_CONFIG;
        }
        data_dir = dflt;
    }
    if (!*data_dir) {
        /* "" would quietly become the current folder */
        if (err)
            snprintf(err, err_size, "the data directory cannot be empty");
        return VMDRV_E_INVAL;
    }
    char *abs = vu_path_abs(data_dir);
    int rc = abs ? vu_mkdir_p(abs) : -ENOENT;
    if (rc) {
        if (err)
            snprintf(err, err_size, "cannot create data directory '%s': %s",
                     data_dir, strerror(-rc));
        free(abs);
        return VMDRV_E_IO;
    }
    vmdrv_ctx *ctx = vu_calloc(1, sizeof *ctx);
    ctx->data_dir = abs;
    ctx->err.code = VMDRV_OK;
    ctx->err.origin = "sdk";
    ctx->err.message = "";
    ctx->runner = vmdrv_proc_run_real;
    const char *v = getenv("VMDRV_VERBOSE");
    ctx->verbose = v && *v && strcmp(v, "0") != 0;
    vmdrv__registry_init(ctx);
    *out = ctx;
    return 0;
}

void vmdrv_ctx_free(vmdrv_ctx *ctx)
{
    if (!ctx)
        return;
    vmdrv__registry_free(ctx);
    for (int i = 0; i < VMDRV_TOOL__COUNT; i++)
        free(ctx->tool_paths[i]);
    if (ctx->log)
        fclose(ctx->log);
    free(ctx->err_msg);
    free(ctx->err_origin);
    free(ctx->data_dir);
    free(ctx);
}

const char *vmdrv_ctx_data_dir(vmdrv_ctx *ctx)
{
    return ctx->data_dir;
}

const vmdrv_error *vmdrv_last_error(vmdrv_ctx *ctx)
{
    return &ctx->err;
}

void vmdrv_error_clear(vmdrv_ctx *ctx)
{
    free(ctx->err_msg);
    free(ctx->err_origin);
    ctx->err_msg = ctx->err_origin = NULL;
    ctx->err.code = VMDRV_OK;
    ctx->err.origin = "sdk";
    ctx->err.native = 0;
    ctx->err.message = "";
}

int vmdrv_error_setv(vmdrv_ctx *ctx, int code, const char *origin, long native,
                     const char *fmt, va_list ap)
{
    char *msg = vu_vasprintf(fmt, ap);
    char *org = vu_strdup(origin ? origin : "sdk");
    free(ctx->err_msg);
    free(ctx->err_origin);
    ctx->err_msg = msg;
    ctx->err_origin = org;
    /* a failure always carries a failure code, whatever the caller passed */
    ctx->err.code = code < 0 ? code : VMDRV_E_INTERNAL;
    ctx->err.origin = org;
    ctx->err.native = native;
    ctx->err.message = msg;
    ctx->err_gen++;
    vmdrv_log(ctx, org, "error %s: %s", vmdrv_status_name(ctx->err.code),
              msg);
    return ctx->err.code;
}

int vmdrv_error_set(vmdrv_ctx *ctx, int code, const char *origin, long native,
                    const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vmdrv_error_setv(ctx, code, origin, native, fmt, ap);
    va_end(ap);
    return rc;
}

void vmdrv_ctx_set_verbose(vmdrv_ctx *ctx, int verbose)
{
    ctx->verbose = verbose;
}

int vmdrv_ctx_set_log_file(vmdrv_ctx *ctx, const char *path)
{
    FILE *f = fopen(path, "a");
    if (!f)
        return vmdrv_error_set(ctx, VMDRV_E_IO, NULL, errno,
                               "cannot open log file '%s': %s", path,
                               strerror(errno));
    if (ctx->log)
        fclose(ctx->log);
    ctx->log = f;
    return 0;
}

void vmdrv_log(vmdrv_ctx *ctx, const char *origin, const char *fmt, ...)
{
    if (!ctx->verbose && !ctx->log)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *msg = vu_vasprintf(fmt, ap);
    va_end(ap);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (ctx->verbose)
        fprintf(stderr, "[%s] %s\n", origin ? origin : "sdk", msg);
    if (ctx->log) {
        fprintf(ctx->log, "%lld.%03ld [%s] %s\n", (long long)ts.tv_sec,
                ts.tv_nsec / 1000000, origin ? origin : "sdk", msg);
        fflush(ctx->log);
    }
    free(msg);
}

const vmdrv_host *vmdrv_ctx_host(vmdrv_ctx *ctx)
{
    if (!ctx->host_ready) {
        vmdrv_host_probe(ctx, &ctx->host);
        ctx->host_ready = 1;
    }
    return &ctx->host;
}

void vmdrv_ctx_set_host(vmdrv_ctx *ctx, const vmdrv_host *host)
{
    ctx->host = *host;
    ctx->host_ready = 1;
}

int vmdrv_ctx_use_profile(vmdrv_ctx *ctx, const char *path)
{
    vmdrv_host h;
    int rc = vmdrv_host_load_profile(ctx, path, &h);
    if (rc)
        return rc;
    ctx->host = h;
    ctx->host_ready = 1;
    return 0;
}
