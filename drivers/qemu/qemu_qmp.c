/*
 * qemu_qmp.c: a QMP client over a unix socket, with jansson.
 *
 * QMP sends one JSON object per line: a greeting, then replies to our
 * commands interleaved with asynchronous events. Every command we send
 * carries an id and only the reply with that id answers it; events read
 * while waiting are queued for qemu_qmp_wait_event(). Only one client
 * can talk to a QMP socket at a time, so the driver connects per
 * operation and closes again.
 *
 * Two QEMU habits shape the helpers here: HMP commands run through
 * human-monitor-command report failure as text inside "return", not as a
 * QMP error; and a failed snapshot load leaves the VM paused in runstate
 * "restore-vm" until someone sends cont.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qemu.h"
#include "vu_json.h"

struct qemu_qmp {
    vmdrv_ctx *ctx;
    int fd;
    vu_buf in; /* bytes received, from in_off not yet parsed */
    size_t in_off;
    json_t *events; /* queued events, oldest first */
    unsigned long next_id;
    int timeout_ms;
    char version[32];
};

enum { READ_OK = 0, READ_TIMEOUT = 1 };

/*
 * Read one JSON object. READ_OK with *obj set, READ_TIMEOUT, QEMU_READ_EOF
 * (no error set for those two), or a negative status with the error set.
 */
static int read_object(qemu_qmp *q, long deadline, json_t **obj)
{
    *obj = NULL;
    for (;;) {
        char *start = q->in.data ? q->in.data + q->in_off : NULL;
        size_t avail = q->in.len - q->in_off;
        char *nl = start ? memchr(start, '\n', avail) : NULL;
        if (nl) {
            size_t line_len = (size_t)(nl - start);
            q->in_off += line_len + 1;
            while (line_len > 0 &&
                   (start[line_len - 1] == '\r' || start[line_len - 1] == ' '))
                line_len--;
            if (line_len == 0)
                continue;
            json_error_t jerr;
            json_t *o = json_loadb(start, line_len, 0, &jerr);
            if (!o || !json_is_object(o)) {
                json_decref(o);
                return qemu_err(q->ctx, VMDRV_E_PARSE, 0,
                                "QEMU sent a QMP message that is not a JSON "
                                "object: %s: '%.*s'",
                                o ? "not an object" : jerr.text,
                                (int)(line_len > 200 ? 200 : line_len), start);
            }
            /* keep the buffer from growing without bound */
            if (q->in_off > 65536 && q->in_off * 2 > q->in.len) {
                memmove(q->in.data, q->in.data + q->in_off,
                        q->in.len - q->in_off);
                q->in.len -= q->in_off;
                q->in.data[q->in.len] = '\0';
                q->in_off = 0;
            }
            *obj = o;
            return READ_OK;
        }
        long got = qemu_read_some(q->ctx, q->fd, &q->in, deadline, "QMP");
        if (got == 0)
            return READ_TIMEOUT;
        if (got < 0)
            return (int)got;
    }
}

static void queue_event(qemu_qmp *q, json_t *obj)
{
    /* a runaway stream of events must not eat memory: keep the newest */
    if (json_array_size(q->events) >= 1024)
        json_array_remove(q->events, 0);
    json_array_append_new(q->events, obj);
}

static int send_line(qemu_qmp *q, json_t *msg, const char *what, long deadline)
{
    char *text = json_dumps(msg, JSON_COMPACT);
    if (!text)
        return qemu_err(q->ctx, VMDRV_E_NOMEM, 0,
                        "cannot encode QMP command '%s'", what);
    vu_buf line = VU_BUF_INIT;
    vu_buf_printf(&line, "%s\n", text);
    free(text);
    int rc = qemu_write_all(q->ctx, q->fd, line.data, line.len, deadline,
                            "the QMP socket");
    vu_buf_clear(&line);
    return rc;
}

int qemu_qmp_attach(vmdrv_ctx *ctx, int fd, int timeout_ms, qemu_qmp **out)
{
    qemu_qmp *q = vu_calloc(1, sizeof *q);
    q->ctx = ctx;
    q->fd = fd;
    q->events = json_array();
    q->timeout_ms = 30000;
    *out = NULL;
    json_t *greeting = NULL;
    long deadline = qemu_now_ms() + timeout_ms;
    int rc = read_object(q, deadline, &greeting);
    if (rc == READ_TIMEOUT)
        rc = qemu_err(ctx, VMDRV_E_TIMEOUT, 0,
                      "QEMU sent no QMP greeting within %d ms (is another "
                      "client connected to its monitor?)",
                      timeout_ms);
    else if (rc == QEMU_READ_EOF)
        rc = qemu_err(ctx, VMDRV_E_IO, 0,
                      "QEMU closed the QMP connection before its greeting");
    if (rc)
        goto cleanup;
    json_t *ver = json_object_get(json_object_get(greeting, "QMP"), "version");
    if (!json_is_object(json_object_get(greeting, "QMP"))) {
        rc = qemu_err(ctx, VMDRV_E_PARSE, 0,
                      "the QMP socket did not greet with a \"QMP\" object");
        goto cleanup;
    }
    json_t *qv = json_object_get(ver, "qemu");
    snprintf(q->version, sizeof q->version, "%lld.%lld.%lld",
             (long long)json_integer_value(json_object_get(qv, "major")),
             (long long)json_integer_value(json_object_get(qv, "minor")),
             (long long)json_integer_value(json_object_get(qv, "micro")));
    rc = qemu_qmp_exec(q, "qmp_capabilities", NULL, NULL);
cleanup:
    json_decref(greeting);
    if (rc) {
        qemu_qmp_close(q);
        return rc;
    }
    *out = q;
    return 0;
}

int qemu_qmp_connect(vmdrv_ctx *ctx, const char *path, int timeout_ms,
                     qemu_qmp **out)
{
    int fd;
    *out = NULL;
    int rc = qemu_unix_connect(ctx, path, timeout_ms, &fd);
    if (rc)
        return rc;
    return qemu_qmp_attach(ctx, fd, timeout_ms, out);
}

void qemu_qmp_close(qemu_qmp *q)
{
    if (!q)
        return;
    if (q->fd >= 0)
        close(q->fd);
    vu_buf_clear(&q->in);
    json_decref(q->events);
    free(q);
}

const char *qemu_qmp_version(const qemu_qmp *q)
{
    return q->version;
}

void qemu_qmp_set_timeout(qemu_qmp *q, int timeout_ms)
{
    q->timeout_ms = timeout_ms;
}

size_t qemu_qmp_queued_events(const qemu_qmp *q)
{
    return json_array_size(q->events);
}

int qemu_qmp_exec(qemu_qmp *q, const char *cmd, json_t *args, json_t **ret)
{
    char id[32];
    json_t *reply = NULL;
    if (ret)
        *ret = NULL;
    snprintf(id, sizeof id, "vmdrv-%lu", ++q->next_id);
    json_t *msg = json_pack("{s:s,s:s}", "execute", cmd, "id", id);
    if (args)
        json_object_set_new(msg, "arguments", args);
    long deadline = qemu_now_ms() + q->timeout_ms;
    int rc = send_line(q, msg, cmd, deadline);
    json_decref(msg);
    while (rc == 0) {
        rc = read_object(q, deadline, &reply);
        if (rc == READ_TIMEOUT) {
            rc = qemu_err(q->ctx, VMDRV_E_TIMEOUT, 0,
                          "QEMU did not answer QMP command '%s' within %d ms",
                          cmd, q->timeout_ms);
            break;
        }
        if (rc == QEMU_READ_EOF) {
            /* quit may close the socket before its reply arrives */
            if (strcmp(cmd, "quit") == 0) {
                rc = 0;
                break;
            }
            rc = qemu_err(q->ctx, VMDRV_E_IO, 0,
                          "QEMU closed the QMP connection during '%s' (did "
                          "it exit?)",
                          cmd);
            break;
        }
        if (rc)
            break;
        if (json_object_get(reply, "event")) {
            queue_event(q, reply);
            reply = NULL;
            continue;
        }
        const char *rid = json_string_value(json_object_get(reply, "id"));
        if (!rid || strcmp(rid, id) != 0) {
            /* a late answer to a command that timed out earlier */
            json_decref(reply);
            reply = NULL;
            continue;
        }
        json_t *r = json_object_get(reply, "return");
        json_t *e = json_object_get(reply, "error");
        if (r) {
            if (ret)
                *ret = json_incref(r);
        } else if (e) {
            rc = qemu_err(q->ctx, VMDRV_E_TOOL, 0,
                          "QMP command '%s' failed: %s (%s)", cmd,
                          vu_json_str(e, "desc", "no description"),
                          vu_json_str(e, "class", "no class"));
        } else {
            rc = qemu_err(q->ctx, VMDRV_E_PARSE, 0,
                          "QEMU answered QMP command '%s' with neither "
                          "\"return\" nor \"error\"",
                          cmd);
        }
        break;
    }
    json_decref(reply);
    return rc;
}

int qemu_qmp_hmp(qemu_qmp *q, const char *cmdline, char **text)
{
    json_t *ret = NULL;
    *text = NULL;
    int rc = qemu_qmp_exec(q, "human-monitor-command",
                           json_pack("{s:s}", "command-line", cmdline), &ret);
    if (rc)
        return rc;
    if (!json_is_string(ret)) {
        json_decref(ret);
        return qemu_err(q->ctx, VMDRV_E_PARSE, 0,
                        "QEMU's answer to monitor command '%s' is not text",
                        cmdline);
    }
    *text = vu_strdup(json_string_value(ret));
    json_decref(ret);
    return 0;
}

int qemu_qmp_hmp_checked(qemu_qmp *q, const char *cmdline)
{
    char *text;
    int rc = qemu_qmp_hmp(q, cmdline, &text);
    if (rc)
        return rc;
    vu_str_trim(text);
    if (*text)
        rc = qemu_err(q->ctx, VMDRV_E_TOOL, 0,
                      "QEMU monitor command '%s' failed: %s", cmdline, text);
    free(text);
    return rc;
}

static int event_matches(json_t *ev, const char *name, const char *key,
                         const char *value)
{
    const char *n = json_string_value(json_object_get(ev, "event"));
    if (!n || strcmp(n, name) != 0)
        return 0;
    if (!key)
        return 1;
    const char *v =
        json_string_value(json_object_get(json_object_get(ev, "data"), key));
    return v && strcmp(v, value) == 0;
}

/*
 * Wait for a matching event until deadline: READ_OK with *data set (when
 * data is not NULL), READ_TIMEOUT (no error set), or an error.
 */
static int wait_event_until(qemu_qmp *q, const char *name, const char *key,
                            const char *value, long deadline, json_t **data)
{
    if (data)
        *data = NULL;
    size_t i;
    json_t *ev;
    json_array_foreach(q->events, i, ev)
    {
        if (event_matches(ev, name, key, value)) {
            if (data)
                *data = json_incref(json_object_get(ev, "data"));
            json_array_remove(q->events, i);
            return READ_OK;
        }
    }
    for (;;) {
        json_t *obj;
        int rc = read_object(q, deadline, &obj);
        if (rc == QEMU_READ_EOF)
            return qemu_err(q->ctx, VMDRV_E_IO, 0,
                            "QEMU closed the QMP connection while we waited "
                            "for its %s event",
                            name);
        if (rc)
            return rc;
        if (!json_object_get(obj, "event")) {
            json_decref(obj); /* a stale reply */
            continue;
        }
        if (event_matches(obj, name, key, value)) {
            if (data)
                *data = json_incref(json_object_get(obj, "data"));
            json_decref(obj);
            return READ_OK;
        }
        queue_event(q, obj);
    }
}

int qemu_qmp_wait_event(qemu_qmp *q, const char *name, const char *key,
                        const char *value, int timeout_ms, json_t **data)
{
    int rc =
        wait_event_until(q, name, key, value, qemu_now_ms() + timeout_ms, data);
    if (rc == READ_TIMEOUT)
        return qemu_err(q->ctx, VMDRV_E_TIMEOUT, 0,
                        "QEMU sent no %s event within %d ms", name, timeout_ms);
    return rc;
}

int qemu_qmp_status(qemu_qmp *q, char *buf, size_t size)
{
    json_t *ret;
    int rc = qemu_qmp_exec(q, "query-status", NULL, &ret);
    if (rc)
        return rc;
    const char *s = json_string_value(json_object_get(ret, "status"));
    if (!s) {
        json_decref(ret);
        return qemu_err(q->ctx, VMDRV_E_PARSE, 0,
                        "QEMU's query-status answer has no status");
    }
    vu_strlcpy(buf, s, size);
    json_decref(ret);
    return 0;
}

/* The "error" query-jobs reports for job_id, owned; NULL when none. */
static int job_error(qemu_qmp *q, const char *job_id, char **error,
                     char *status, size_t size)
{
    json_t *jobs;
    *error = NULL;
    int rc = qemu_qmp_exec(q, "query-jobs", NULL, &jobs);
    if (rc)
        return rc;
    size_t i;
    json_t *j;
    int found = 0;
    json_array_foreach(jobs, i, j)
    {
        const char *id = json_string_value(json_object_get(j, "id"));
        if (!id || strcmp(id, job_id) != 0)
            continue;
        found = 1;
        vu_strlcpy(status, vu_json_str(j, "status", ""), size);
        const char *e = json_string_value(json_object_get(j, "error"));
        if (e)
            *error = vu_strdup(e);
    }
    json_decref(jobs);
    if (!found)
        return qemu_err(q->ctx, VMDRV_E_TOOL, 0,
                        "QEMU does not know job '%s' any more", job_id);
    return 0;
}

int qemu_qmp_job(qemu_qmp *q, const char *cmd, json_t *args, const char *job_id,
                 int timeout_ms)
{
    char *error = NULL;
    char status[32] = "";
    long deadline = qemu_now_ms() + timeout_ms;
    int rc = qemu_qmp_exec(q, cmd, args, NULL);
    if (rc)
        return rc;
    /* the job runs on: wait for it to conclude, checking query-jobs too
     * in case the event was missed */
    for (;;) {
        json_t *data = NULL;
        long left = deadline - qemu_now_ms();
        if (left <= 0) {
            qemu_qmp_exec(q, "job-cancel", json_pack("{s:s}", "id", job_id),
                          NULL);
            return qemu_err(q->ctx, VMDRV_E_TIMEOUT, 0,
                            "QEMU job '%s' (%s) did not finish within %d ms",
                            job_id, cmd, timeout_ms);
        }
        rc = wait_event_until(q, "JOB_STATUS_CHANGE", "id", job_id,
                              qemu_now_ms() + (left > 1000 ? 1000 : left),
                              &data);
        if (rc == READ_OK) {
            const char *st = json_string_value(json_object_get(data, "status"));
            int done = st && strcmp(st, "concluded") == 0;
            json_decref(data);
            if (done)
                break;
            continue;
        }
        if (rc != READ_TIMEOUT)
            return rc;
        rc = job_error(q, job_id, &error, status, sizeof status);
        free(error);
        error = NULL;
        if (rc)
            return rc;
        if (strcmp(status, "concluded") == 0)
            break;
    }
    rc = job_error(q, job_id, &error, status, sizeof status);
    if (rc)
        return rc;
    int drc =
        qemu_qmp_exec(q, "job-dismiss", json_pack("{s:s}", "id", job_id), NULL);
    if (error) {
        rc =
            qemu_err(q->ctx, VMDRV_E_TOOL, 0, "QEMU %s failed: %s", cmd, error);
        free(error);
        return rc;
    }
    return drc;
}

static int snapshot_job(qemu_qmp *q, const char *cmd, const char *tag,
                        const char *node, int with_vmstate, int timeout_ms)
{
    char id[64];
    snprintf(id, sizeof id, "vmdrv-%s-%lu", cmd, ++q->next_id);
    json_t *args =
        json_pack("{s:s,s:s,s:[s]}", "job-id", id, "tag", tag, "devices", node);
    if (with_vmstate)
        json_object_set_new(args, "vmstate", json_string(node));
    return qemu_qmp_job(q, cmd, args, id, timeout_ms);
}

int qemu_qmp_snapshot_save(qemu_qmp *q, const char *tag, const char *node,
                           int timeout_ms)
{
    return snapshot_job(q, "snapshot-save", tag, node, 1, timeout_ms);
}

int qemu_qmp_snapshot_load(qemu_qmp *q, const char *tag, const char *node,
                           int timeout_ms)
{
    int rc = snapshot_job(q, "snapshot-load", tag, node, 1, timeout_ms);
    if (rc == 0)
        return 0;
    /* a failed load leaves the VM paused in restore-vm: continue it, and
     * report the load's own error */
    vmdrv_ctx *ctx = q->ctx;
    char *msg = vu_strdup(vmdrv_last_error(ctx)->message);
    char status[32];
    int s = qemu_qmp_status(q, status, sizeof status);
    if (s == 0 && strcmp(status, "restore-vm") == 0)
        s = qemu_qmp_exec(q, "cont", NULL, NULL);
    if (s)
        rc = qemu_err(ctx, rc, 0,
                      "%s; and the VM could not be continued "
                      "afterwards: %s",
                      msg, vmdrv_last_error(ctx)->message);
    else
        rc = qemu_err(ctx, rc, 0, "%s", msg);
    free(msg);
    return rc;
}

int qemu_qmp_snapshot_delete(qemu_qmp *q, const char *tag, const char *node,
                             int timeout_ms)
{
    return snapshot_job(q, "snapshot-delete", tag, node, 0, timeout_ms);
}

int qemu_qmp_snapshots(qemu_qmp *q, const char *node, qemu_img_snaps *out)
{
    json_t *devs;
    out->items = NULL;
    out->count = 0;
    int rc = qemu_qmp_exec(q, "query-block", NULL, &devs);
    if (rc)
        return rc;
    size_t i, k;
    json_t *d, *s;
    int found = 0;
    json_array_foreach(devs, i, d)
    {
        json_t *ins = json_object_get(d, "inserted");
        if (strcmp(vu_json_str(ins, "node-name", ""), node) != 0)
            continue;
        found = 1;
        json_t *snaps =
            json_object_get(json_object_get(ins, "image"), "snapshots");
        out->items = vu_calloc(json_array_size(snaps) + 1, sizeof *out->items);
        json_array_foreach(snaps, k, s)
        {
            qemu_img_snap *o = &out->items[out->count++];
            vu_strlcpy(o->id, vu_json_str(s, "id", ""), sizeof o->id);
            vu_strlcpy(o->tag, vu_json_str(s, "name", ""), sizeof o->tag);
            o->vm_state_bytes = (uint64_t)json_integer_value(
                json_object_get(s, "vm-state-size"));
            o->date =
                (long long)json_integer_value(json_object_get(s, "date-sec"));
        }
    }
    json_decref(devs);
    if (!found)
        return qemu_err(q->ctx, VMDRV_E_TOOL, 0, "QEMU has no block node '%s'",
                        node);
    return 0;
}

int qemu_qmp_wait_status_leaves(qemu_qmp *q, const char *status, int timeout_ms,
                                char *buf, size_t size)
{
    long deadline = qemu_now_ms() + timeout_ms;
    for (;;) {
        int rc = qemu_qmp_status(q, buf, size);
        if (rc)
            return rc;
        if (strcmp(buf, status) != 0)
            return 0;
        if (qemu_now_ms() >= deadline)
            return qemu_err(q->ctx, VMDRV_E_TIMEOUT, 0,
                            "the VM was still '%s' after %d ms", status,
                            timeout_ms);
        qemu_sleep_ms(5);
    }
}

int qemu_qmp_migrate_out(qemu_qmp *q, const char *uri, int timeout_ms)
{
    /* the default bandwidth cap (128 MiB/s) only matters for live
     * migration over a network; a local file can go at full speed */
    int rc = qemu_qmp_exec(
        q, "migrate-set-parameters",
        json_pack("{s:I}", "max-bandwidth", (json_int_t)1 << 36), NULL);
    if (rc == 0)
        rc = qemu_qmp_exec(q, "stop", NULL, NULL);
    if (rc == 0)
        rc = qemu_qmp_exec(q, "migrate", json_pack("{s:s}", "uri", uri), NULL);
    long deadline = qemu_now_ms() + timeout_ms;
    while (rc == 0) {
        json_t *ret;
        rc = qemu_qmp_exec(q, "query-migrate", NULL, &ret);
        if (rc)
            break;
        const char *st = vu_json_str(ret, "status", "");
        if (strcmp(st, "completed") == 0) {
            json_decref(ret);
            break;
        }
        if (strcmp(st, "failed") == 0 || strcmp(st, "cancelled") == 0) {
            rc = qemu_err(q->ctx, VMDRV_E_TOOL, 0,
                          "saving the VM state to '%s' %s: %s", uri, st,
                          vu_json_str(ret, "error-desc", "no reason given"));
            json_decref(ret);
            break;
        }
        json_decref(ret);
        if (qemu_now_ms() >= deadline) {
            qemu_qmp_exec(q, "migrate_cancel", NULL, NULL);
            rc = qemu_err(q->ctx, VMDRV_E_TIMEOUT, 0,
                          "saving the VM state to '%s' did not finish "
                          "within %d ms",
                          uri, timeout_ms);
            break;
        }
        qemu_sleep_ms(5);
    }
    return rc;
}
