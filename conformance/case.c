/*
 * case.c: the helpers conformance cases call (case.h), and the case
 * process (`vmdrv __case JOBFILE`): the job file the runner writes for
 * it, finding the cell again, opening the context and driver the cell
 * names, running the case, and writing what it observed to result.json
 * for the runner.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_json.h"
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
    /* Appended and flushed before the object is created: the line is in
     * the file even if the case process crashes or is killed the next
     * moment (the ledger is the case's own, so no one writes beside it). */
    char *line = vu_asprintf("%s\t%s\t%s\t%s\t%s\n", t->data_dir, driver,
                             scope ? scope : driver, name,
                             t->profile ? t->profile : "-");
    FILE *f = fopen(t->ledger, "ab");
    if (f) {
        fputs(line, f);
        fclose(f);
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

char *vc__fingerprint(vmdrv_conn *conn, const char *name, const char *prefix)
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
        /* only this case's instances: cells running in parallel share
         * the scope, and their creations are not this case's changes */
        vu_buf_puts(&b, "instances=");
        for (size_t i = 0; i < names.count; i++)
            if (!prefix || vu_starts_with(names.names[i], prefix))
                vu_buf_printf(&b, "%s,", names.names[i]);
    }
    vmdrv_names_clear(&names);
    /* reading the fingerprint must not leave an error behind */
    vmdrv_error_clear(ctx);
    return vu_buf_detach(&b);
}

/* "vmdrvc-<run>-<tag>-": what every name this case makes starts with. */
static const char *case_prefix(vc_t *t)
{
    static char prefix[64];
    snprintf(prefix, sizeof prefix, "vmdrvc-%s-%s-", t->run_id, t->tag);
    return prefix;
}

void vc_feature_before(vc_t *t, const char *name)
{
    if (t->before)
        return; /* only the first feature call of a case is compared */
    t->before = vc__fingerprint(t->conn, name, case_prefix(t));
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
        char *after = vc__fingerprint(t->conn, name, case_prefix(t));
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
    int rc;
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
    rc = write_result(t, o);
    vmdrv_conn_close(t->second);
    vmdrv_conn_close(t->conn);
    vmdrv_ctx_free(t->ctx);
    return rc;
}

/* ---- the job file ------------------------------------------------------ */

static json_t *strv_json(const vu_strv *v)
{
    json_t *a = json_array();
    for (size_t i = 0; v && i < v->n; i++)
        json_array_append_new(a, json_string(v->v[i]));
    return a;
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

int vc__job_write(const vc_t *t, const vc_job_info *info, const char *path)
{
    json_t *j = json_pack(
        "{s:s,s:i,s:o,s:o,s:s,s:s,s:s,s:I,s:I,s:o,s:o,s:s,s:s,s:s,s:s,s:s,"
        "s:s,s:o,s:o,s:b}",
        "format", "vmdrv-case-job", "version", 1, "matrix_dir",
        str_or_null(info->matrix_dir), "at", str_or_null(info->at), "today",
        info->today ? info->today : "", "case", t->cell->kase->id, "driver",
        t->driver, "cell_index", (json_int_t)info->cell_index, "driver_caps",
        (json_int_t)info->driver_caps, "profile", str_or_null(t->profile),
        "host", vc_host_to_json(t->host), "data_dir", t->data_dir, "work_dir",
        t->work_dir, "ledger", t->ledger, "log_path", t->log_path, "run_id",
        t->run_id, "tag", t->tag, "driver_opts", strv_json(t->driver_opts),
        "driver_libs", strv_json(t->driver_libs), "expect_unsupported",
        t->expect_unsupported);
    /* no fsync: the file only has to outlive this run, which reads it
     * back through the case process it starts next */
    errno = 0;
    int rc = j && json_dump_file(j, path, JSON_INDENT(1)) == 0
                 ? 0
                 : -(errno ? errno : EIO);
    json_decref(j);
    return rc;
}

/* A string member into a fixed field of the vc_t; -1 when missing or too
 * long. */
static int job_str(const json_t *job, const char *key, char *dst, size_t size)
{
    const char *v = json_string_value(json_object_get(job, key));
    if (!v || strlen(v) >= size) {
        fprintf(stderr,
                "vmdrv %s: the job's '%s' is missing or longer than "
                "%zu bytes\n",
                VC_CASE_COMMAND, key, size - 1);
        return -1;
    }
    memcpy(dst, v, strlen(v) + 1);
    return 0;
}

static void json_strv(const json_t *a, vu_strv *out)
{
    for (size_t i = 0; i < json_array_size(a); i++) {
        const char *v = json_string_value(json_array_get(a, i));
        if (v)
            vu_strv_add(out, v);
    }
}

/*
 * The cell the runner planned: the index-th of the target's matrix cells
 * (the same expansion gives the same order; the case and driver must
 * match, or the matrix changed under the run), or, for a driver the
 * matrix does not know (index -1), the cell the runner made from the caps
 * the driver advertised (*extra holds it).
 */
static const vc_cell *find_cell(const vc_matrix *m, const vc_cells *cells,
                                const vc_target *mt, long index,
                                const char *case_id, const char *driver,
                                uint64_t caps, vc_driver *vd, vc_cell *extra)
{
    if (index >= 0) {
        if ((size_t)index >= cells->n ||
            strcmp(cells->v[index].kase->id, case_id) != 0 ||
            strcmp(cells->v[index].driver->key, driver) != 0)
            return NULL;
        return &cells->v[index];
    }
    const vc_case *kc = vc_matrix_case(m, case_id);
    const vc_platform *pf = vc_matrix_platform(m, mt->platform);
    if (!kc || !pf || vc_matrix_driver(m, driver) ||
        !vc__unknown_driver_case(kc))
        return NULL;
    memset(vd, 0, sizeof *vd);
    vd->key = driver;
    vd->name = driver;
    vd->src.file = VC_UNKNOWN_DRIVER_SRC;
    vc__unknown_driver_cell(m, pf, mt, vd, kc, caps, extra);
    return extra;
}

int vc_case_main(const char *job_file)
{
    const char *me = "vmdrv " VC_CASE_COMMAND;
    int status = 1;
    char err[512];
    vc_t t;
    vmdrv_host host;
    vc_matrix *m = NULL;
    vc_cells cells = {0};
    vu_strv errs = VU_STRV_INIT, opts = VU_STRV_INIT, libs = VU_STRV_INIT;
    vc_driver vd;
    vc_cell extra;

    memset(&t, 0, sizeof t);
    json_t *job = vu_json_load_file(job_file, err, sizeof err);
    if (!job) {
        fprintf(stderr, "%s: %s\n", me, err);
        goto done;
    }
    if (strcmp(vu_json_str(job, "format", ""), "vmdrv-case-job") != 0 ||
        json_integer_value(json_object_get(job, "version")) != 1) {
        fprintf(stderr, "%s: '%s' is not a version 1 case job\n", me, job_file);
        goto done;
    }
    if (vc_host_from_json(json_object_get(job, "host"), &host, err,
                          sizeof err) != 0) {
        fprintf(stderr, "%s: '%s': %s\n", me, job_file, err);
        goto done;
    }
    const json_t *md = json_object_get(job, "matrix_dir");
    if (vc_matrix_load(&m, json_string_value(md),
                       vu_json_str(job, "today", NULL), &errs) != 0) {
        for (size_t i = 0; i < errs.n; i++)
            fprintf(stderr, "%s\n", errs.v[i]);
        fprintf(stderr, "%s: the matrix in '%s' is invalid\n", me,
                json_string_value(md) ? json_string_value(md) : "(shipped)");
        goto done;
    }
    vc_filter f = {.at = json_string_value(json_object_get(job, "at"))};
    vc_target_from_host(&f.target, &host);
    if (vc_matrix_cells(m, &f, &cells, &errs) != 0) {
        for (size_t i = 0; i < errs.n; i++)
            fprintf(stderr, "%s: %s\n", me, errs.v[i]);
        goto done;
    }
    const char *case_id = vu_json_str(job, "case", "");
    t.driver = vu_json_str(job, "driver", "");
    long index = (long)json_integer_value(json_object_get(job, "cell_index"));
    t.cell = find_cell(
        m, &cells, &f.target, index, case_id, t.driver,
        (uint64_t)json_integer_value(json_object_get(job, "driver_caps")), &vd,
        &extra);
    t.def = vc_catalog_find(case_id);
    if (!t.cell || !t.def) {
        fprintf(stderr,
                "%s: the matrix has no cell %ld for case '%s' and driver "
                "'%s' on %s (was it changed during the run?)\n",
                me, index, case_id, t.driver, f.target.platform);
        goto done;
    }
    if (job_str(job, "data_dir", t.data_dir, sizeof t.data_dir) ||
        job_str(job, "work_dir", t.work_dir, sizeof t.work_dir) ||
        job_str(job, "ledger", t.ledger, sizeof t.ledger) ||
        job_str(job, "log_path", t.log_path, sizeof t.log_path) ||
        job_str(job, "run_id", t.run_id, sizeof t.run_id) ||
        job_str(job, "tag", t.tag, sizeof t.tag))
        goto done;
    json_strv(json_object_get(job, "driver_opts"), &opts);
    json_strv(json_object_get(job, "driver_libs"), &libs);
    t.m = m;
    t.profile = json_string_value(json_object_get(job, "profile"));
    t.host = &host;
    t.driver_opts = &opts;
    t.driver_libs = &libs;
    t.expect_unsupported =
        json_is_true(json_object_get(job, "expect_unsupported"));
    int rc = vc__child_run(&t);
    if (rc != 0) {
        fprintf(stderr, "%s: cannot write the result in '%s': %s\n", me,
                t.work_dir, strerror(-rc));
        goto done;
    }
    status = 0;
done:
    vu_buf_clear(&t.message);
    vu_buf_clear(&t.notes);
    vu_strv_clear(&t.names);
    free(t.before);
    vu_strv_clear(&opts);
    vu_strv_clear(&libs);
    vu_strv_clear(&errs);
    vc_cells_free(&cells);
    vc_matrix_free(m);
    json_decref(job);
    return status;
}
