/*
 * test_driver.c: the reference "test" driver.
 *
 * A complete driver whose hypervisor is a JSON file in its scope folder
 * (<scope>/testhv.json, rewritten atomically under <scope>/testhv.lock),
 * so a second process sees the same instances. It implements every
 * operation and capability with Multipass's instance state machine, and
 * models a guest just enough for the harness to look inside it through
 * guest_exec: files under /tmp live in RAM (lost on stop, kept by
 * suspend and by snapshots of a running instance), other files live on
 * the disk, and files under a native mount are the host's real files.
 *
 * It is also the example a driver author copies: each op is named
 * test_<op> after its table field, checks state, sets an error with
 * vmdrv_conn_error() on failure and touches no error on success.
 *
 * Fault injection (option "faults" or env VMDRV_TEST_FAULTS), a comma
 * list of:
 *   fail:OP[:N]     OP fails with VMDRV_E_TOOL N times (default 1) in
 *                   this scope, counted across processes
 *   hang:OP         OP never returns
 *   crash:OP        OP aborts the process
 *   noop:OP         OP reports success and does nothing
 *   leak:create     create also makes a hidden instance it never deletes
 *   lie:CAP         advertise CAP, answer its ops with "unsupported"
 *   hide:CAP        honour CAP, but leave it out of the advertised mask
 *   unsupported:CAP neither advertise nor honour CAP (an honest lack)
 *   wrongerr:CAP    neither advertise nor honour CAP, and answer its ops
 *                   with VMDRV_E_IO instead of "unsupported"
 * OP is a table field name (instance_start, snapshot_restore, ...), CAP a
 * capability key (snapshots, native_mounts, ...). A spec that names an
 * unknown kind, operation or capability is refused when the scope is
 * opened: a misspelt fault that silently did nothing would make a
 * harness test pass for the wrong reason.
 */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vmdrv/sys/driver.h"
#include "vu_fs.h"
#include "vu_json.h"
#include "vu_str.h"

#define SCHEMA 1
#define MAX_FAULTS 16

typedef struct fault {
    char kind[16];
    char what[48];
    int remaining; /* fail: how many failures to inject in all */
} fault;

typedef struct test_priv {
    char *db_path;
    char *lock_path;
    fault faults[MAX_FAULTS];
    int n_faults;
} test_priv;

/* ---- faults ---------------------------------------------------------- */

/* The operations a fault can name: the table fields that have faults. */
static const char *const fault_ops[] = {
    "instance_create", "instance_start",   "instance_stop",
    "instance_suspend", "instance_state",  "instance_info",
    "instance_delete", "instance_list",    "snapshot_take",
    "snapshot_restore", "snapshot_list",   "snapshot_delete",
    "mount",           "umount",           "networks_list",
    "network_add",     "guest_exec",       NULL};

static int in_list(const char *const *list, const char *s)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(list[i], s) == 0)
            return 1;
    return 0;
}

/* Check one KIND:WHAT[:N] token (already split) and store it. */
static int add_fault(vmdrv_conn *conn, test_priv *p, const char *tok,
                     const char *kind, const char *what, const char *count)
{
    static const char *const op_kinds[] = {"fail", "hang", "crash", "noop",
                                           NULL};
    static const char *const cap_kinds[] = {"lie", "hide", "unsupported",
                                            "wrongerr", NULL};
    if (in_list(op_kinds, kind)) {
        if (!in_list(fault_ops, what))
            return vmdrv_conn_error(conn, VMDRV_E_INVAL, 0,
                                    "unknown operation '%s' in fault '%s'",
                                    what, tok);
    } else if (in_list(cap_kinds, kind)) {
        if (vmdrv_cap_from_key(what) < 0) {
            vu_buf valid = VU_BUF_INIT;
            for (int c = 0; c < VMDRV_CAP__COUNT; c++)
                vu_buf_printf(&valid, "%s%s", c ? ", " : "",
                              vmdrv_cap_key((vmdrv_cap)c));
            int rc = vmdrv_conn_error(conn, VMDRV_E_INVAL, 0,
                                      "unknown capability '%s' in fault '%s' "
                                      "(valid: %s)",
                                      what, tok, vu_buf_str(&valid));
            vu_buf_clear(&valid);
            return rc;
        }
    } else if (strcmp(kind, "leak") == 0) {
        if (strcmp(what, "create") != 0)
            return vmdrv_conn_error(conn, VMDRV_E_INVAL, 0,
                                    "fault '%s' is not known (only "
                                    "leak:create)",
                                    tok);
    } else {
        return vmdrv_conn_error(conn, VMDRV_E_INVAL, 0,
                                "unknown fault kind '%s' in '%s' (valid: "
                                "fail, hang, crash, noop, leak, lie, hide, "
                                "unsupported, wrongerr)",
                                kind, tok);
    }
    int n = 1;
    if (count) {
        char *end;
        long v = strtol(count, &end, 10);
        if (strcmp(kind, "fail") != 0)
            return vmdrv_conn_error(conn, VMDRV_E_INVAL, 0,
                                    "fault '%s' takes no count", tok);
        if (!*count || *end || v <= 0 || v > 1000000)
            return vmdrv_conn_error(conn, VMDRV_E_INVAL, 0,
                                    "fault '%s' needs a positive count after "
                                    "the operation",
                                    tok);
        n = (int)v;
    }
    if (p->n_faults >= MAX_FAULTS)
        return vmdrv_conn_error(conn, VMDRV_E_INVAL, 0,
                                "too many faults (at most %d)", MAX_FAULTS);
    fault *f = &p->faults[p->n_faults++];
    vu_strlcpy(f->kind, kind, sizeof f->kind);
    vu_strlcpy(f->what, what, sizeof f->what);
    f->remaining = n;
    return 0;
}

/* A comma list of faults (see the top of the file); "" is none. */
static int parse_faults(vmdrv_conn *conn, test_priv *p, const char *spec)
{
    char *copy = vu_strdup(spec), *save = NULL;
    int rc = 0;
    for (char *tok = strtok_r(copy, ",", &save); tok && !rc;
         tok = strtok_r(NULL, ",", &save)) {
        char *whole = vu_strdup(tok);
        char *c1 = strchr(tok, ':');
        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c1 || c1 == tok || !c1[1] || c1[1] == ':') {
            rc = vmdrv_conn_error(conn, VMDRV_E_INVAL, 0,
                                  "fault '%s' is not KIND:WHAT", whole);
        } else {
            *c1 = '\0';
            if (c2)
                *c2 = '\0';
            rc = add_fault(conn, p, whole, tok, c1 + 1, c2 ? c2 + 1 : NULL);
        }
        free(whole);
    }
    free(copy);
    return rc;
}

static fault *find_fault(test_priv *p, const char *kind, const char *what)
{
    for (int i = 0; i < p->n_faults; i++)
        if (strcmp(p->faults[i].kind, kind) == 0 &&
            strcmp(p->faults[i].what, what) == 0)
            return &p->faults[i];
    return NULL;
}

static int cap_fault(test_priv *p, const char *kind, vmdrv_cap cap)
{
    return find_fault(p, kind, vmdrv_cap_key(cap)) != NULL;
}

/*
 * Should this call of a "fail:OP:N" fault fail? The count of failures
 * already injected lives in the scope folder, so it holds across the
 * processes that open the scope (the harness retries a case in a new
 * process, and must then see the op work: that is a flaky driver).
 */
static int consume_failure(vmdrv_conn *conn, fault *f)
{
    test_priv *p = vmdrv_conn_data(conn);
    char *path = vu_path_join(vmdrv_conn_dir(conn), "testhv-faults.json");
    char *lock_path = vu_path_join(vmdrv_conn_dir(conn), "testhv-faults.lock");
    char key[80], err[256];
    vu_lock lock;
    int fail = 0;
    (void)p;
    snprintf(key, sizeof key, "fail:%s", f->what);
    if (vu_lock_acquire(&lock, lock_path, 30000) != 0) {
        /* no shared count: fall back to this connection's own */
        fail = f->remaining-- > 0;
        goto done;
    }
    json_t *used = vu_path_exists(path) ? vu_json_load_file(path, err, sizeof err)
                                        : NULL;
    if (!json_is_object(used)) {
        json_decref(used);
        used = json_object();
    }
    json_int_t n = json_integer_value(json_object_get(used, key));
    if (n < f->remaining) {
        fail = 1;
        json_object_set_new(used, key, json_integer(n + 1));
        vu_json_write_atomic(path, used);
    }
    json_decref(used);
    vu_lock_release(&lock);
done:
    free(path);
    free(lock_path);
    return fail;
}

/*
 * Run the op-level faults for op. Returns 1 when the op must report
 * success without acting (noop), a negative status when it must fail,
 * 0 to go on.
 */
static int op_faults(vmdrv_conn *conn, const char *op)
{
    test_priv *p = vmdrv_conn_data(conn);
    fault *f;
    if (find_fault(p, "crash", op))
        abort();
    if (find_fault(p, "hang", op))
        for (;;)
            sleep(60); /* not pause(): Windows has sleep() but no signals */
    if ((f = find_fault(p, "fail", op)) && consume_failure(conn, f))
        return vmdrv_conn_error(conn, VMDRV_E_TOOL, 0,
                                "injected failure in %s", op);
    if (find_fault(p, "noop", op))
        return 1;
    return 0;
}

/* The answer for an op of a capability this driver is told to lack. */
static int cap_check(vmdrv_conn *conn, vmdrv_cap cap)
{
    test_priv *p = vmdrv_conn_data(conn);
    if (cap_fault(p, "wrongerr", cap))
        return vmdrv_conn_error(conn, VMDRV_E_IO, 0,
                                "injected wrong error for %s",
                                vmdrv_cap_key(cap));
    if (cap_fault(p, "lie", cap) || cap_fault(p, "unsupported", cap))
        return vmdrv_conn_notsup(conn, cap);
    return 0;
}

/* ---- the "hypervisor" database -------------------------------------- */

typedef struct db {
    vu_lock lock;
    json_t *root;      /* {"schema":1,"instances":{name:{...}}} */
    json_t *instances; /* borrowed */
} db;

static int db_open(vmdrv_conn *conn, db *d)
{
    test_priv *p = vmdrv_conn_data(conn);
    char err[512];
    int rc = vu_lock_acquire(&d->lock, p->lock_path, 30000);
    if (rc)
        return vmdrv_conn_error(conn, VMDRV_E_LOCKED, -rc,
                                "cannot lock '%s': %s", p->lock_path,
                                strerror(-rc));
    if (!vu_path_exists(p->db_path)) {
        d->root = json_pack("{s:i,s:{}}", "schema", SCHEMA, "instances");
    } else {
        d->root = vu_json_load_file(p->db_path, err, sizeof err);
        if (!d->root) {
            vu_lock_release(&d->lock);
            return vmdrv_conn_error(conn, VMDRV_E_CORRUPT, 0,
                                    "test hypervisor state is corrupt: %s",
                                    err);
        }
        if (json_integer_value(json_object_get(d->root, "schema")) != SCHEMA) {
            json_decref(d->root);
            vu_lock_release(&d->lock);
            return vmdrv_conn_error(conn, VMDRV_E_CORRUPT, 0,
                                    "test hypervisor state '%s' has an "
                                    "unknown schema version",
                                    p->db_path);
        }
    }
    d->instances = json_object_get(d->root, "instances");
    return 0;
}

/* Write back (when save) and release. */
static int db_close(vmdrv_conn *conn, db *d, int save)
{
    test_priv *p = vmdrv_conn_data(conn);
    int rc = 0;
    if (save) {
        int w = vu_json_write_atomic(p->db_path, d->root);
        if (w)
            rc = vmdrv_conn_error(conn, VMDRV_E_IO, -w, "cannot write '%s': %s",
                                  p->db_path, strerror(-w));
    }
    json_decref(d->root);
    vu_lock_release(&d->lock);
    return rc;
}

static json_t *find_instance(vmdrv_conn *conn, db *d, const char *name)
{
    json_t *inst = json_object_get(d->instances, name);
    if (!inst)
        vmdrv_conn_error(conn, VMDRV_E_NOTFOUND, 0,
                         "instance '%s' does not exist", name);
    return inst;
}

static vmdrv_state get_state(json_t *inst)
{
    return (vmdrv_state)json_integer_value(json_object_get(inst, "state"));
}

static void set_state(json_t *inst, vmdrv_state s)
{
    json_object_set_new(inst, "state", json_integer(s));
}

/* Open the db and find the instance; on failure the db is closed. */
static int open_instance(vmdrv_conn *conn, db *d, const char *name,
                         json_t **inst)
{
    int rc = db_open(conn, d);
    if (rc)
        return rc;
    *inst = find_instance(conn, d, name);
    if (!*inst) {
        db_close(conn, d, 0);
        return VMDRV_E_NOTFOUND;
    }
    return 0;
}

static int wrong_state(vmdrv_conn *conn, const char *what, const char *name,
                       json_t *inst)
{
    return vmdrv_conn_error(conn, VMDRV_E_STATE, 0,
                            "cannot %s instance '%s' while it is %s", what,
                            name, vmdrv_state_name(get_state(inst)));
}

/* ---- lifecycle ------------------------------------------------------- */

static int test_probe(vmdrv_ctx *ctx, const vmdrv_host *host,
                      unsigned int flags)
{
    (void)ctx;
    (void)host;
    (void)flags;
    return 0; /* needs nothing: runs on every host */
}

static int test_open(vmdrv_conn *conn, unsigned int flags)
{
    (void)flags;
    test_priv *p = vu_calloc(1, sizeof *p);
    p->db_path = vu_path_join(vmdrv_conn_dir(conn), "testhv.json");
    p->lock_path = vu_path_join(vmdrv_conn_dir(conn), "testhv.lock");
    const char *spec = vmdrv_conn_option(conn, "faults");
    if (!spec)
        spec = getenv("VMDRV_TEST_FAULTS");
    int rc = spec ? parse_faults(conn, p, spec) : 0;
    if (rc) {
        /* a failed open is never closed: nothing may be left behind */
        free(p->db_path);
        free(p->lock_path);
        free(p);
        return rc;
    }
    vmdrv_conn_set_data(conn, p);
    return 0;
}

static void test_close(vmdrv_conn *conn)
{
    test_priv *p = vmdrv_conn_data(conn);
    if (!p)
        return;
    free(p->db_path);
    free(p->lock_path);
    free(p);
}

static int test_caps_probe(vmdrv_conn *conn, uint64_t *caps,
                           unsigned int flags)
{
    (void)flags;
    test_priv *p = vmdrv_conn_data(conn);
    for (int c = 0; c < VMDRV_CAP__COUNT; c++) {
        if (cap_fault(p, "hide", (vmdrv_cap)c) ||
            cap_fault(p, "unsupported", (vmdrv_cap)c) ||
            cap_fault(p, "wrongerr", (vmdrv_cap)c))
            *caps &= ~VMDRV_CAP_BIT(c);
        if (cap_fault(p, "lie", (vmdrv_cap)c))
            *caps |= VMDRV_CAP_BIT(c);
    }
    return 0;
}

static json_t *new_instance(const vmdrv_instance_spec *spec)
{
    return json_pack("{s:s,s:i,s:i,s:I,s:I,s:{},s:{},s:[],s:[],s:[]}",
                     "name", spec->name, "state", VMDRV_STATE_OFF, "cpus",
                     spec->cpus ? spec->cpus : 1, "memory_mb",
                     (json_int_t)(spec->memory_mb ? spec->memory_mb : 1024),
                     "disk_mb",
                     (json_int_t)(spec->disk_mb ? spec->disk_mb : 5120),
                     "disk", "ram", "snapshots", "mounts", "networks");
}

static int test_instance_create(vmdrv_conn *conn,
                                const vmdrv_instance_spec *spec,
                                unsigned int flags)
{
    (void)flags;
    db d;
    int rc = op_faults(conn, "instance_create");
    if (rc)
        return rc < 0 ? rc : 0;
    if ((rc = db_open(conn, &d)))
        return rc;
    if (json_object_get(d.instances, spec->name)) {
        db_close(conn, &d, 0);
        return vmdrv_conn_error(conn, VMDRV_E_EXISTS, 0,
                                "instance '%s' already exists", spec->name);
    }
    json_object_set_new(d.instances, spec->name, new_instance(spec));
    if (find_fault(vmdrv_conn_data(conn), "leak", "create")) {
        char *leak = vu_asprintf("%s-leak", spec->name);
        vmdrv_instance_spec ls = *spec;
        ls.name = leak;
        json_object_set_new(d.instances, leak, new_instance(&ls));
        free(leak);
    }
    char dir[1024];
    if (vmdrv_conn_instance_dir(conn, spec->name, dir, sizeof dir) == 0)
        vu_mkdir_p(dir);
    return db_close(conn, &d, 1);
}

static int test_instance_start(vmdrv_conn *conn, const char *name,
                               unsigned int flags)
{
    (void)flags;
    db d;
    json_t *inst;
    int rc = op_faults(conn, "instance_start");
    if (rc)
        return rc < 0 ? rc : 0;
    if ((rc = open_instance(conn, &d, name, &inst)))
        return rc;
    switch (get_state(inst)) {
    case VMDRV_STATE_RUNNING:
        break; /* starting a running instance is not an error */
    case VMDRV_STATE_OFF:
    case VMDRV_STATE_STOPPED:
        json_object_set_new(inst, "ram", json_object());
        set_state(inst, VMDRV_STATE_RUNNING);
        break;
    case VMDRV_STATE_SUSPENDED:
        /* resume: the RAM image saved by suspend comes back as it was */
        set_state(inst, VMDRV_STATE_RUNNING);
        break;
    default:
        rc = wrong_state(conn, "start", name, inst);
        db_close(conn, &d, 0);
        return rc;
    }
    return db_close(conn, &d, 1);
}

static int test_instance_stop(vmdrv_conn *conn, const char *name,
                              unsigned int flags)
{
    db d;
    json_t *inst;
    int rc = op_faults(conn, "instance_stop");
    if (rc)
        return rc < 0 ? rc : 0;
    if ((rc = open_instance(conn, &d, name, &inst)))
        return rc;
    switch (get_state(inst)) {
    case VMDRV_STATE_OFF:
    case VMDRV_STATE_STOPPED:
        db_close(conn, &d, 0);
        return 0; /* stop is idempotent */
    case VMDRV_STATE_SUSPENDED:
        if (!(flags & VMDRV_STOP_FORCE)) {
            rc = vmdrv_conn_error(conn, VMDRV_E_STATE, 0,
                                  "cannot shut down suspended instance "
                                  "'%s' (use a forced stop to discard its "
                                  "saved state)",
                                  name);
            db_close(conn, &d, 0);
            return rc;
        }
        break;
    default:
        break;
    }
    json_object_set_new(inst, "ram", json_object());
    set_state(inst, VMDRV_STATE_STOPPED);
    return db_close(conn, &d, 1);
}

static int test_instance_suspend(vmdrv_conn *conn, const char *name,
                                 unsigned int flags)
{
    (void)flags;
    db d;
    json_t *inst;
    int rc = cap_check(conn, VMDRV_CAP_SUSPEND);
    if (rc || (rc = op_faults(conn, "instance_suspend")))
        return rc < 0 ? rc : 0;
    if ((rc = open_instance(conn, &d, name, &inst)))
        return rc;
    vmdrv_state s = get_state(inst);
    if (s == VMDRV_STATE_SUSPENDED) {
        db_close(conn, &d, 0);
        return 0;
    }
    if (s != VMDRV_STATE_RUNNING) {
        rc = wrong_state(conn, "suspend", name, inst);
        db_close(conn, &d, 0);
        return rc;
    }
    set_state(inst, VMDRV_STATE_SUSPENDED); /* "ram" is kept as saved state */
    return db_close(conn, &d, 1);
}

static int test_instance_state(vmdrv_conn *conn, const char *name,
                               vmdrv_state *state, unsigned int flags)
{
    (void)flags;
    db d;
    json_t *inst;
    int rc = op_faults(conn, "instance_state");
    if (rc)
        return rc < 0 ? rc : 0;
    if ((rc = open_instance(conn, &d, name, &inst)))
        return rc;
    *state = get_state(inst);
    return db_close(conn, &d, 0);
}

static int test_instance_info(vmdrv_conn *conn, const char *name,
                              vmdrv_info *info, unsigned int flags)
{
    (void)flags;
    db d;
    json_t *inst;
    int rc = op_faults(conn, "instance_info");
    if (rc)
        return rc < 0 ? rc : 0;
    if ((rc = open_instance(conn, &d, name, &inst)))
        return rc;
    info->state = get_state(inst);
    info->cpus = (int)json_integer_value(json_object_get(inst, "cpus"));
    info->memory_mb =
        (uint64_t)json_integer_value(json_object_get(inst, "memory_mb"));
    info->disk_mb = (uint64_t)json_integer_value(json_object_get(inst, "disk_mb"));
    test_priv *p = vmdrv_conn_data(conn);
    vmdrv_info_add(info, "hypervisor_state", "%s", p->db_path);
    vmdrv_info_add(info, "snapshots", "%zu",
                   json_array_size(json_object_get(inst, "snapshots")));
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(inst, "mounts"), i, m)
        vmdrv_info_add(info, "mount", "%s => %s",
                       vu_json_str(m, "host", "?"), vu_json_str(m, "guest", "?"));
    json_array_foreach(json_object_get(inst, "networks"), i, m)
        vmdrv_info_add(info, "network", "%s", json_string_value(m));
    return db_close(conn, &d, 0);
}

static int test_instance_delete(vmdrv_conn *conn, const char *name,
                                unsigned int flags)
{
    (void)flags;
    db d;
    json_t *inst;
    int rc = op_faults(conn, "instance_delete");
    if (rc)
        return rc < 0 ? rc : 0;
    if ((rc = open_instance(conn, &d, name, &inst)))
        return rc;
    json_object_del(d.instances, name);
    char dir[1024];
    if (vmdrv_conn_instance_dir(conn, name, dir, sizeof dir) == 0)
        vu_rm_rf(dir);
    return db_close(conn, &d, 1);
}

static int test_instance_list(vmdrv_conn *conn, vmdrv_names *names,
                              unsigned int flags)
{
    (void)flags;
    db d;
    int rc = op_faults(conn, "instance_list");
    if (rc)
        return rc < 0 ? rc : 0;
    if ((rc = db_open(conn, &d)))
        return rc;
    const char *key;
    json_t *v;
    json_object_foreach(d.instances, key, v)
        vmdrv_names_add(names, key);
    return db_close(conn, &d, 0);
}

/* ---- snapshots ------------------------------------------------------- */

static json_t *find_snapshot(json_t *inst, const char *snap, size_t *index)
{
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(inst, "snapshots"), i, s) {
        if (strcmp(vu_json_str(s, "name", ""), snap) == 0) {
            if (index)
                *index = i;
            return s;
        }
    }
    return NULL;
}

/* Shared entry of the snapshot ops: capability, faults, instance. */
static int snap_begin(vmdrv_conn *conn, const char *op, db *d,
                      const char *name, json_t **inst)
{
    int rc = cap_check(conn, VMDRV_CAP_SNAPSHOTS);
    if (rc || (rc = op_faults(conn, op)))
        return rc;
    return open_instance(conn, d, name, inst);
}

static int test_snapshot_take(vmdrv_conn *conn, const char *name,
                              const char *snapshot, unsigned int flags)
{
    (void)flags;
    db d;
    json_t *inst;
    int rc = snap_begin(conn, "snapshot_take", &d, name, &inst);
    if (rc)
        return rc < 0 ? rc : 0;
    vmdrv_state s = get_state(inst);
    if (s != VMDRV_STATE_RUNNING && s != VMDRV_STATE_STOPPED &&
        s != VMDRV_STATE_OFF) {
        rc = wrong_state(conn, "snapshot", name, inst);
    } else if (find_snapshot(inst, snapshot, NULL)) {
        rc = vmdrv_conn_error(conn, VMDRV_E_EXISTS, 0,
                              "snapshot '%s' of '%s' already exists",
                              snapshot, name);
    }
    if (rc) {
        db_close(conn, &d, 0);
        return rc;
    }
    json_t *parent = json_object_get(inst, "current_snapshot");
    json_t *snap = json_pack(
        "{s:s,s:s,s:I,s:i,s:O,s:O}", "name", snapshot, "parent",
        parent ? json_string_value(parent) : "", "created",
        (json_int_t)time(NULL), "state", s, "disk",
        json_object_get(inst, "disk"), "ram",
        s == VMDRV_STATE_RUNNING ? json_object_get(inst, "ram") : json_null());
    json_array_append_new(json_object_get(inst, "snapshots"), snap);
    json_object_set_new(inst, "current_snapshot", json_string(snapshot));
    return db_close(conn, &d, 1);
}

static int test_snapshot_restore(vmdrv_conn *conn, const char *name,
                                 const char *snapshot, unsigned int flags)
{
    (void)flags;
    db d;
    json_t *inst;
    int rc = snap_begin(conn, "snapshot_restore", &d, name, &inst);
    if (rc)
        return rc < 0 ? rc : 0;
    json_t *snap = find_snapshot(inst, snapshot, NULL);
    vmdrv_state s = get_state(inst);
    if (!snap) {
        rc = vmdrv_conn_error(conn, VMDRV_E_NOTFOUND, 0,
                              "instance '%s' has no snapshot '%s'", name,
                              snapshot);
    } else if (s != VMDRV_STATE_RUNNING && s != VMDRV_STATE_STOPPED &&
               s != VMDRV_STATE_OFF) {
        rc = wrong_state(conn, "restore", name, inst);
    }
    if (rc) {
        db_close(conn, &d, 0);
        return rc;
    }
    json_object_set(inst, "disk", json_object_get(snap, "disk"));
    /* a running instance gets the snapshot's memory when it has one (a
     * live snapshot), else a fresh boot; a stopped one stays stopped */
    if (s == VMDRV_STATE_RUNNING) {
        json_t *ram = json_object_get(snap, "ram");
        json_object_set_new(inst, "ram",
                            json_is_object(ram) ? json_deep_copy(ram)
                                                : json_object());
    }
    json_object_set_new(inst, "current_snapshot", json_string(snapshot));
    return db_close(conn, &d, 1);
}

static int test_snapshot_list(vmdrv_conn *conn, const char *name,
                              vmdrv_snapshots *list, unsigned int flags)
{
    (void)flags;
    db d;
    json_t *inst;
    int rc = snap_begin(conn, "snapshot_list", &d, name, &inst);
    if (rc)
        return rc < 0 ? rc : 0;
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(inst, "snapshots"), i, s)
        vmdrv_snapshots_add(
            list, vu_json_str(s, "name", ""), vu_json_str(s, "parent", ""),
            (long long)json_integer_value(json_object_get(s, "created")),
            NULL);
    return db_close(conn, &d, 0);
}

static int test_snapshot_delete(vmdrv_conn *conn, const char *name,
                                const char *snapshot, unsigned int flags)
{
    (void)flags;
    db d;
    json_t *inst;
    size_t index;
    int rc = snap_begin(conn, "snapshot_delete", &d, name, &inst);
    if (rc)
        return rc < 0 ? rc : 0;
    if (!find_snapshot(inst, snapshot, &index)) {
        rc = vmdrv_conn_error(conn, VMDRV_E_NOTFOUND, 0,
                              "instance '%s' has no snapshot '%s'", name,
                              snapshot);
        db_close(conn, &d, 0);
        return rc;
    }
    json_array_remove(json_object_get(inst, "snapshots"), index);
    json_t *cur = json_object_get(inst, "current_snapshot");
    if (cur && strcmp(json_string_value(cur), snapshot) == 0)
        json_object_del(inst, "current_snapshot");
    return db_close(conn, &d, 1);
}

/* ---- native mounts --------------------------------------------------- */

static int test_mount(vmdrv_conn *conn, const char *name,
                      const char *host_path, const char *guest_path,
                      unsigned int flags)
{
    (void)flags;
    db d;
    json_t *inst;
    int rc = cap_check(conn, VMDRV_CAP_NATIVE_MOUNTS);
    if (rc || (rc = op_faults(conn, "mount")))
        return rc < 0 ? rc : 0;
    if (!vu_is_dir(host_path))
        return vmdrv_conn_error(conn, VMDRV_E_NOTFOUND, 0,
                                "host folder '%s' does not exist", host_path);
    if ((rc = open_instance(conn, &d, name, &inst)))
        return rc;
    size_t i;
    json_t *m;
    if (get_state(inst) == VMDRV_STATE_SUSPENDED)
        rc = wrong_state(conn, "mount a folder into", name, inst);
    json_array_foreach(json_object_get(inst, "mounts"), i, m)
        if (!rc && strcmp(vu_json_str(m, "guest", ""), guest_path) == 0)
            rc = vmdrv_conn_error(conn, VMDRV_E_EXISTS, 0,
                                  "'%s' is already mounted in '%s'",
                                  guest_path, name);
    if (rc) {
        db_close(conn, &d, 0);
        return rc;
    }
    json_array_append_new(json_object_get(inst, "mounts"),
                          json_pack("{s:s,s:s}", "host", host_path, "guest",
                                    guest_path));
    return db_close(conn, &d, 1);
}

static int test_umount(vmdrv_conn *conn, const char *name,
                       const char *guest_path, unsigned int flags)
{
    (void)flags;
    db d;
    json_t *inst;
    int rc = cap_check(conn, VMDRV_CAP_NATIVE_MOUNTS);
    if (rc || (rc = op_faults(conn, "umount")))
        return rc < 0 ? rc : 0;
    if ((rc = open_instance(conn, &d, name, &inst)))
        return rc;
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(inst, "mounts"), i, m) {
        if (strcmp(vu_json_str(m, "guest", ""), guest_path) == 0) {
            json_array_remove(json_object_get(inst, "mounts"), i);
            return db_close(conn, &d, 1);
        }
    }
    db_close(conn, &d, 0);
    return vmdrv_conn_error(conn, VMDRV_E_NOTFOUND, 0,
                            "nothing is mounted at '%s' in '%s'", guest_path,
                            name);
}

/* ---- networks -------------------------------------------------------- */

static const struct {
    const char *id, *type, *description;
} fake_networks[] = {
    {"test-br0", "bridge", "Test bridge (no real traffic)"},
    {"test-eth1", "ethernet", "Test ethernet adapter"},
};

static int test_networks_list(vmdrv_conn *conn, vmdrv_networks *list,
                              unsigned int flags)
{
    (void)flags;
    int rc = cap_check(conn, VMDRV_CAP_EXTRA_NETWORKS);
    if (rc || (rc = op_faults(conn, "networks_list")))
        return rc < 0 ? rc : 0;
    for (size_t i = 0; i < sizeof fake_networks / sizeof fake_networks[0]; i++)
        vmdrv_networks_add(list, fake_networks[i].id, fake_networks[i].type,
                           fake_networks[i].description);
    return 0;
}

static int test_network_add(vmdrv_conn *conn, const char *name,
                            const char *network, unsigned int flags)
{
    (void)flags;
    db d;
    json_t *inst;
    int rc = cap_check(conn, VMDRV_CAP_EXTRA_NETWORKS);
    if (rc || (rc = op_faults(conn, "network_add")))
        return rc < 0 ? rc : 0;
    int known = 0;
    for (size_t i = 0; i < sizeof fake_networks / sizeof fake_networks[0]; i++)
        known |= strcmp(fake_networks[i].id, network) == 0;
    if (!known)
        return vmdrv_conn_error(conn, VMDRV_E_NOTFOUND, 0,
                                "no network named '%s' on this host", network);
    if ((rc = open_instance(conn, &d, name, &inst)))
        return rc;
    vmdrv_state s = get_state(inst);
    if (s != VMDRV_STATE_STOPPED && s != VMDRV_STATE_OFF) {
        rc = wrong_state(conn, "add a network to", name, inst);
        db_close(conn, &d, 0);
        return rc;
    }
    json_array_append_new(json_object_get(inst, "networks"),
                          json_string(network));
    return db_close(conn, &d, 1);
}

/* ---- guest exec ------------------------------------------------------ */

/*
 * A guest path resolves to: a host file under a native mount, the RAM
 * store (/tmp), or the disk store. For stores, *store and *key are set;
 * for mounts, *host_file is an owned host path.
 */
static void resolve_path(json_t *inst, const char *path, json_t **store,
                         char **host_file)
{
    size_t i;
    json_t *m;
    *host_file = NULL;
    json_array_foreach(json_object_get(inst, "mounts"), i, m) {
        const char *g = vu_json_str(m, "guest", "");
        size_t gl = strlen(g);
        if (strncmp(path, g, gl) == 0 && (path[gl] == '/' || !path[gl])) {
            *host_file = vu_path_join(vu_json_str(m, "host", ""),
                                      path[gl] ? path + gl + 1 : "");
            *store = NULL;
            return;
        }
    }
    *store = json_object_get(inst, vu_starts_with(path, "/tmp/") ? "ram" : "disk");
}

/* One simple command of the tiny guest shell; returns its exit code. */
static int run_simple(json_t *inst, char *cmd, vu_buf *out)
{
    char *argv[8];
    int argc = 0;
    char *save = NULL;
    char *redirect = NULL;
    int append = 0;
    char *gt = strstr(cmd, ">");
    if (gt) {
        append = gt[1] == '>';
        *gt = '\0';
        redirect = vu_str_trim(gt + 1 + append);
    }
    for (char *t = strtok_r(cmd, " \t", &save); t && argc < 8;
         t = strtok_r(NULL, " \t", &save))
        argv[argc++] = t;
    if (argc == 0)
        return 0;
    json_t *store;
    char *host_file;
    if (strcmp(argv[0], "true") == 0)
        return 0;
    if (strcmp(argv[0], "false") == 0)
        return 1;
    if (strcmp(argv[0], "hostname") == 0) {
        vu_buf_printf(out, "%s\n", vu_json_str(inst, "name", "guest"));
        return 0;
    }
    if (strcmp(argv[0], "echo") == 0) {
        vu_buf text = VU_BUF_INIT;
        for (int i = 1; i < argc; i++)
            vu_buf_printf(&text, "%s%s", i > 1 ? " " : "", argv[i]);
        vu_buf_putc(&text, '\n');
        int rc = 0;
        if (!redirect) {
            vu_buf_add(out, text.data, text.len);
        } else {
            resolve_path(inst, redirect, &store, &host_file);
            if (host_file) {
                FILE *f = fopen(host_file, append ? "a" : "w");
                if (!f || fputs(vu_buf_str(&text), f) == EOF) {
                    vu_buf_printf(out, "sh: can't create %s: %s\n", redirect,
                                  strerror(errno));
                    rc = 1;
                }
                if (f)
                    fclose(f);
                free(host_file);
            } else {
                const char *old = append ? json_string_value(
                                               json_object_get(store, redirect))
                                         : NULL;
                char *v = vu_asprintf("%s%s", old ? old : "", vu_buf_str(&text));
                json_object_set_new(store, redirect, json_string(v));
                free(v);
            }
        }
        vu_buf_clear(&text);
        return rc;
    }
    if ((strcmp(argv[0], "cat") == 0 || strcmp(argv[0], "rm") == 0 ||
         strcmp(argv[0], "test") == 0) &&
        argc >= 2) {
        const char *path = argv[argc - 1];
        resolve_path(inst, path, &store, &host_file);
        int rc = 0;
        if (host_file) {
            char *data;
            size_t len;
            int exists = vu_path_exists(host_file);
            if (argv[0][0] == 't')
                rc = !exists;
            else if (argv[0][0] == 'r')
                rc = unlink(host_file) == 0 ? 0 : 1;
            else if (vu_read_file(host_file, &data, &len) == 0) {
                vu_buf_add(out, data, len);
                free(data);
            } else {
                rc = 1;
            }
            free(host_file);
        } else {
            json_t *v = json_object_get(store, path);
            if (argv[0][0] == 't')
                rc = !v;
            else if (!v)
                rc = 1;
            else if (argv[0][0] == 'r')
                json_object_del(store, path);
            else
                vu_buf_puts(out, json_string_value(v));
        }
        if (rc && argv[0][0] != 't')
            vu_buf_printf(out, "%s: %s: No such file or directory\n", argv[0],
                          path);
        return rc;
    }
    if (strcmp(argv[0], "exit") == 0)
        return argc > 1 ? atoi(argv[1]) : 0;
    vu_buf_printf(out, "sh: %s: not found\n", argv[0]);
    return 127;
}

static int test_guest_exec(vmdrv_conn *conn, const char *name,
                           const char *command, vmdrv_exec_result *result,
                           unsigned int flags)
{
    (void)flags;
    db d;
    json_t *inst;
    int rc = cap_check(conn, VMDRV_CAP_GUEST_EXEC);
    if (rc || (rc = op_faults(conn, "guest_exec")))
        return rc < 0 ? rc : 0;
    if ((rc = open_instance(conn, &d, name, &inst)))
        return rc;
    if (get_state(inst) != VMDRV_STATE_RUNNING) {
        rc = wrong_state(conn, "run a command in", name, inst);
        db_close(conn, &d, 0);
        return rc;
    }
    /* "a; b" runs both; "a && b" stops at the first failure */
    vu_buf out = VU_BUF_INIT;
    char *copy = vu_strdup(command);
    char *p = copy;
    int code = 0;
    while (p) {
        char *semi = strchr(p, ';');
        char *and = strstr(p, "&&");
        char *end = semi;
        int is_and = 0;
        if (and && (!semi || and < semi)) {
            end = and;
            is_and = 1;
        }
        if (end)
            *end = '\0';
        code = run_simple(inst, p, &out);
        if (!end || (is_and && code != 0))
            break;
        p = end + (is_and ? 2 : 1);
    }
    free(copy);
    result->exit_code = code;
    result->output_len = out.len;
    result->output = vu_buf_detach(&out);
    return db_close(conn, &d, 1);
}

const vmdrv_driver vmdrv_driver_test = {
    .abi_version = VMDRV_DRIVER_ABI_VERSION,
    .name = "test",
    .display_name = "Test",
    .caps = VMDRV_CAPS_ALL,
    .probe = test_probe,
    .caps_probe = test_caps_probe,
    .open = test_open,
    .close = test_close,
    .instance_create = test_instance_create,
    .instance_start = test_instance_start,
    .instance_stop = test_instance_stop,
    .instance_suspend = test_instance_suspend,
    .instance_state = test_instance_state,
    .instance_info = test_instance_info,
    .instance_delete = test_instance_delete,
    .instance_list = test_instance_list,
    .snapshot_take = test_snapshot_take,
    .snapshot_restore = test_snapshot_restore,
    .snapshot_list = test_snapshot_list,
    .snapshot_delete = test_snapshot_delete,
    .mount = test_mount,
    .umount = test_umount,
    .networks_list = test_networks_list,
    .network_add = test_network_add,
    .guest_exec = test_guest_exec,
};
