/*
 * case.c: the helpers conformance cases call (case.h), and the child
 * side of a case run: open the context and driver the cell names, run
 * the case, write what it observed to result.json for the parent.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner_priv.h"
#include "vu_fs.h"
#include "vu_json.h"

vmdrv_ctx *vc_ctx(vc_t *t)
{
    return t->ctx;
}

vmdrv_conn *vc_conn(vc_t *t)
{
    return t->conn;
}

const char *vc_driver_name(vc_t *t)
{
    return t->driver;
}

const vc_cell *vc_cell_of(vc_t *t)
{
    return t->cell;
}

const vc_matrix *vc_matrix_of(vc_t *t)
{
    return t->m;
}

const char *vc_data_dir(vc_t *t)
{
    return t->data_dir;
}

const char *vc_work_dir(vc_t *t)
{
    return t->work_dir;
}

const char *vc_profile(vc_t *t)
{
    return t->profile;
}

int vc_expect_unsupported(vc_t *t)
{
    return t->expect_unsupported;
}

int vc_has(vc_t *t, vmdrv_cap cap)
{
    return (t->caps & VMDRV_CAP_BIT(cap)) != 0;
}

const char *vc_name(vc_t *t, const char *label)
{
    vu_strv_addf(&t->names, "vmdrvc-%s-%s-%s", t->run_id, t->tag, label);
    return t->names.v[t->names.n - 1];
}

void vc_ledger_add(vc_t *t, const char *driver, const char *scope,
                   const char *name)
{
    /* one write(2) with O_APPEND: lines of parallel cases never mix */
    char *line = vu_asprintf("%s\t%s\t%s\t%s\t%s\n", t->data_dir, driver,
                             scope ? scope : driver, name,
                             t->profile ? t->profile : "-");
    int fd = open(t->ledger, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0) {
        (void)!write(fd, line, strlen(line));
        fsync(fd);
        close(fd);
    }
    free(line);
}

int vc_create_on(vc_t *t, vmdrv_conn *conn, const char *label,
                 const char **name)
{
    if (!conn)
        conn = t->conn;
    const char *n = vc_name(t, label);
    vc_ledger_add(t, vmdrv_conn_driver_name(conn), vmdrv_conn_scope(conn), n);
    /* small instances: conformance is about behaviour, not capacity */
    vmdrv_instance_spec spec = {.name = n, .cpus = 1, .memory_mb = 256,
                                .disk_mb = 256};
    *name = n;
    return vmdrv_instance_create(conn, &spec, 0);
}

int vc_create(vc_t *t, const char *label, const char **name)
{
    return vc_create_on(t, NULL, label, name);
}

int vc_launch(vc_t *t, const char *label, const char **name)
{
    int rc = vc_create(t, label, name);
    if (rc)
        return rc;
    return vmdrv_instance_start(t->conn, *name, 0);
}

vmdrv_conn *vc_second_conn(vc_t *t)
{
    if (t->second)
        return t->second;
    const char *scope = strcmp(t->driver, "test") == 0 ? "vmdrvc-b" : "test";
    if (vmdrv_conn_open(&t->second, t->ctx, "test", scope, NULL, 0) != 0)
        t->second = NULL;
    return t->second;
}

static void set_message(vc_t *t, const char *fmt, va_list ap)
{
    vu_buf_clear(&t->message);
    vu_buf_vprintf(&t->message, fmt, ap);
}

vc_obs vc_fail(vc_t *t, const char *failure, const char *fmt, ...)
{
    va_list ap;
    vu_strlcpy(t->failure, failure, sizeof t->failure);
    va_start(ap, fmt);
    set_message(t, fmt, ap);
    va_end(ap);
    return VC_O_FAIL;
}

vc_obs vc_fail_sdk(vc_t *t, const char *failure, const char *what)
{
    const vmdrv_error *e = vmdrv_last_error(t->ctx);
    t->error_code = e->code;
    return vc_fail(t, failure, "%s: %s (%s)", what, e->message,
                   vmdrv_status_name(e->code) ? vmdrv_status_name(e->code)
                                              : "?");
}

vc_obs vc_error(vc_t *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_message(t, fmt, ap);
    va_end(ap);
    return VC_O_ERROR;
}

vc_obs vc_error_sdk(vc_t *t, const char *what)
{
    const vmdrv_error *e = vmdrv_last_error(t->ctx);
    t->error_code = e->code;
    return vc_error(t, "%s: %s", what, e->message);
}

vc_obs vc_skip(vc_t *t, const char *reason, const char *fmt, ...)
{
    va_list ap;
    vu_strlcpy(t->skip_reason, reason, sizeof t->skip_reason);
    va_start(ap, fmt);
    set_message(t, fmt, ap);
    va_end(ap);
    return VC_O_SKIP;
}

void vc_note(vc_t *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vu_buf_vprintf(&t->notes, fmt, ap);
    va_end(ap);
    vu_buf_putc(&t->notes, '\n');
}

vc_obs vc_check_state(vc_t *t, const char *name, vmdrv_state want,
                      const char *failure)
{
    vmdrv_state s;
    if (vmdrv_instance_state(t->conn, name, &s, 0) != 0)
        return vc_fail_sdk(t, failure, "cannot read the instance state");
    if (s != want)
        return vc_fail(t, failure, "instance '%s' is %s, expected %s", name,
                       vmdrv_state_name(s), vmdrv_state_name(want));
    return VC_O_WORKS;
}

int vc_exec(vc_t *t, const char *name, const char *cmd, char **out, int *code)
{
    vmdrv_exec_result r;
    int rc = vmdrv_guest_exec(t->conn, name, cmd, &r, 0);
    if (out)
        *out = NULL;
    if (rc)
        return rc;
    if (code)
        *code = r.exit_code;
    if (out)
        *out = r.output ? vu_strdup(r.output) : vu_strdup("");
    vmdrv_exec_result_clear(&r);
    return 0;
}

char *vc__fingerprint(vmdrv_conn *conn, const char *name)
{
    vu_buf b = VU_BUF_INIT;
    vmdrv_ctx *ctx = vmdrv_conn_ctx(conn);
    if (name) {
        vmdrv_state s;
        vmdrv_info info;
        if (vmdrv_instance_state(conn, name, &s, 0) == 0)
            vu_buf_printf(&b, "state=%s;", vmdrv_state_name(s));
        if (vmdrv_instance_info(conn, name, &info, 0) == 0) {
            vu_buf_printf(&b, "cpus=%d;mem=%llu;disk=%llu;", info.cpus,
                          (unsigned long long)info.memory_mb,
                          (unsigned long long)info.disk_mb);
            for (size_t i = 0; i < info.n_details; i++)
                vu_buf_printf(&b, "%s=%s;", info.details[i].key,
                              info.details[i].value);
        }
    }
    vmdrv_names names = {0};
    if (vmdrv_instance_list(conn, &names, 0) == 0) {
        vu_buf_puts(&b, "instances=");
        for (size_t i = 0; i < names.count; i++)
            vu_buf_printf(&b, "%s,", names.names[i]);
    }
    vmdrv_names_clear(&names);
    /* reading the fingerprint must not leave an error behind */
    vmdrv_error_clear(ctx);
    return vu_buf_detach(&b);
}

void vc_feature_before(vc_t *t, const char *name)
{
    if (t->before)
        return; /* only the first feature call of a case is compared */
    t->before = vc__fingerprint(t->conn, name);
}

vc_obs vc_feature_after(vc_t *t, const char *name, int rc, const char *op)
{
    if (rc == 0)
        return VC_O_WORKS;
    const vmdrv_error *e = vmdrv_last_error(t->ctx);
    t->error_code = rc;
    vu_buf_clear(&t->message);
    vu_buf_printf(&t->message, "%s: %s", op, e->message);
    if (rc == VMDRV_E_NOTSUP) {
        char *after = vc__fingerprint(t->conn, name);
        t->unchanged = strcmp(after, t->before ? t->before : "") == 0;
        if (!t->unchanged)
            vc_note(t, "before: %s\nafter:  %s", t->before, after);
        free(after);
        return VC_O_NOTSUP;
    }
    vu_strlcpy(t->failure, "feature-call-failed", sizeof t->failure);
    return VC_O_FAIL;
}

static const char *obs_name(vc_obs o)
{
    switch (o) {
    case VC_O_WORKS:
        return "works";
    case VC_O_NOTSUP:
        return "notsup";
    case VC_O_FAIL:
        return "fail";
    case VC_O_ERROR:
        return "error";
    case VC_O_SKIP:
        return "skip";
    }
    return "error";
}

static int write_result(vc_t *t, vc_obs o)
{
    json_t *j = json_pack(
        "{s:s,s:s,s:s,s:s,s:i,s:i,s:s,s:I}", "obs", obs_name(o), "failure",
        t->failure, "message", vu_buf_str(&t->message), "skip_reason",
        t->skip_reason, "error_code", t->error_code, "unchanged", t->unchanged,
        "notes", vu_buf_str(&t->notes), "caps", (json_int_t)t->caps);
    char *path = vu_path_join(t->work_dir, "result.json");
    int rc = vu_json_write_atomic(path, j);
    free(path);
    json_decref(j);
    return rc;
}

int vc_open_ctx(vc_t *t, vmdrv_ctx **out)
{
    char err[1024];
    if (vmdrv_ctx_open(out, t->data_dir, err, sizeof err) != 0) {
        vc_error(t, "cannot open a context on '%s': %s", t->data_dir, err);
        return -1;
    }
    vmdrv_ctx_set_log_file(*out, t->log_path);
    /* the target's host, probed or loaded once by the parent */
    if (t->host)
        vmdrv_ctx_set_host(*out, t->host);
    for (size_t i = 0; t->driver_libs && i < t->driver_libs->n; i++) {
        if (vmdrv_driver_load(*out, t->driver_libs->v[i]) != 0) {
            vc_error(t, "cannot load '%s': %s", t->driver_libs->v[i],
                     vmdrv_last_error(*out)->message);
            vmdrv_ctx_free(*out);
            *out = NULL;
            return -1;
        }
    }
    return 0;
}

int vc__child_run(vc_t *t)
{
    vc_obs o;
    t->unchanged = -1;
    if (vc_open_ctx(t, &t->ctx) != 0) {
        o = VC_O_ERROR;
        goto done;
    }
    if (!(t->def->flags & VC_CASE_HOST)) {
        if (vmdrv_conn_open(&t->conn, t->ctx, t->driver, NULL,
                            (const char *const *)t->driver_opts->v, 0) != 0) {
            o = vc_error_sdk(t, "cannot open the driver");
            goto done;
        }
        if (vmdrv_conn_caps(t->conn, NULL, &t->caps) != 0) {
            o = vc_error_sdk(t, "cannot read the driver's capabilities");
            goto done;
        }
    }
    vmdrv_error_clear(t->ctx);
    o = t->def->run(t);
done:
    write_result(t, o);
    vmdrv_conn_close(t->second);
    vmdrv_conn_close(t->conn);
    vmdrv_ctx_free(t->ctx);
    return 0;
}
