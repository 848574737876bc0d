/*
 * scope.c: instance scopes and the instance operations over them.
 *
 * A scope is a driver connection plus the records of its folder. Each
 * state-changing operation validates the instance name before any driver
 * call, holds the scope lock (so a concurrent switch of local.driver
 * cannot suspend the scope under it), calls the driver through the
 * dispatcher, and only then writes the record: a driver that fails or
 * answers "unsupported" leaves instance and record as they were.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mgr_internal.h"
#include "vu_json.h"

static int bad_name(vmdrv_ctx *ctx, const char *what, const char *name)
{
    if (!name)
        return vmdrv_error_set(ctx, VMDRV_E_INVAL, NULL, 0, "no %s name given",
                               what);
    return vmdrv_error_set(ctx, VMDRV_E_INVAL, NULL, 0,
                           "invalid %s name '%s': use letters, digits and "
                           "hyphens, start with a letter, end with a letter "
                           "or digit, at most 63 characters",
                           what, name);
}

static int check_name(vmdrv_ctx *ctx, const char *name)
{
    return vmdrv_name_valid(name) ? 0 : bad_name(ctx, "instance", name);
}

static int check_flags(vmdrv_ctx *ctx, const char *op, unsigned int flags,
                       unsigned int known)
{
    if (flags & ~known)
        return vmdrv_error_set(ctx, VMDRV_E_FLAGS, NULL, flags & ~known,
                               "unknown flags 0x%x for %s", flags & ~known,
                               op);
    return 0;
}

/* ---- locks ----------------------------------------------------------- */

int vmdrv__scope_lock(vmdrv_ctx *ctx, const char *dir, vu_lock *lock)
{
    int rc = vu_mkdir_p(dir);
    if (rc)
        return vmdrv_error_set(ctx, VMDRV_E_IO, NULL, -rc,
                               "cannot create scope folder '%s': %s", dir,
                               strerror(-rc));
    char *path = vu_path_join(dir, VMDRV__SCOPE_LOCK);
    rc = vu_lock_acquire(lock, path, VMDRV__LOCK_TIMEOUT_MS);
    if (rc)
        rc = vmdrv_error_set(ctx, VMDRV_E_LOCKED, NULL, -rc,
                             "cannot lock scope folder '%s' (another vmdrv "
                             "is using it, or switching drivers): %s",
                             dir, strerror(-rc));
    free(path);
    return rc;
}

/* Take the scope lock; a scope opened as "the one in effect" must still
 * be it once the lock is ours (a switch may have happened meanwhile). */
static int op_begin(vmdrv_scope *s, vu_lock *lock)
{
    vmdrv_driver_choice c;
    int rc = vmdrv__scope_lock(s->mgr->ctx, s->dir, lock);
    if (rc || !s->current)
        return rc;
    if ((rc = vmdrv__effective(s->mgr, &c))) {
        vu_lock_release(lock);
        return rc;
    }
    if (strcmp(c.name, s->name) != 0) {
        vu_lock_release(lock);
        return vmdrv_error_set(s->mgr->ctx, VMDRV_E_STATE, NULL, 0,
                               "local.driver changed from '%s' to '%s' "
                               "while this command waited; nothing was done",
                               s->name, c.name);
    }
    return 0;
}

/* ---- opening --------------------------------------------------------- */

/* A scope name to its driver (set *driver, borrowed). */
static int resolve(vmdrv_manager *mgr, const char *name, char *canon,
                   size_t size, const char **driver)
{
    const char *version;
    vmdrv_driver_desc d;
    if (vmdrv_driver_canonical(name, canon, size) != 0 ||
        !vmdrv_name_valid(canon))
        return bad_name(mgr->ctx, "scope", name);
    if (vmdrv_driver_retired(canon, &version, NULL))
        return vmdrv_error_set(mgr->ctx, VMDRV_E_RETIRED, NULL, 0,
                               "the %s driver was retired as of Multipass %s; "
                               "its scope can only be migrated",
                               vmdrv__display(canon), version);
    if ((*driver = vmdrv__alias_driver(mgr, canon)) != NULL)
        return 0;
    int i = vmdrv_driver_find(mgr->ctx, canon);
    if (i < 0)
        return vmdrv_error_set(mgr->ctx, VMDRV_E_NOTFOUND, NULL, 0,
                               "unknown driver or scope '%s'", canon);
    vmdrv_driver_get(mgr->ctx, (size_t)i, &d);
    *driver = d.name;
    return 0;
}

int vmdrv_scope_open(vmdrv_scope **out, vmdrv_manager *mgr, const char *name,
                     unsigned int flags)
{
    char canon[VMDRV_NAME_MAX + 1];
    vmdrv_driver_choice c;
    const char *driver;
    vmdrv_conn *conn = NULL;
    json_t *root = NULL;
    char *dir = NULL;
    int rc;
    *out = NULL;
    if ((rc = check_flags(mgr->ctx, "opening a scope", flags, 0)))
        return rc;
    if (!name) {
        if ((rc = vmdrv_local_driver(mgr, &c)))
            return rc;
        vu_strlcpy(canon, c.name, sizeof canon);
        driver = c.driver;
    } else if ((rc = resolve(mgr, name, canon, sizeof canon, &driver))) {
        return rc;
    }
    if ((rc = vmdrv_driver_probe(mgr->ctx, driver))) {
        char *why = vmdrv__err_copy(mgr->ctx);
        rc = vmdrv_error_set(mgr->ctx, rc, vmdrv_last_error(mgr->ctx)->origin,
                             0, "cannot use the '%s' scope%s: %s", canon,
                             name ? "" : " (local.driver)", why);
        free(why);
        goto cleanup;
    }
    if ((rc = vmdrv_conn_open(&conn, mgr->ctx, driver, canon,
                              vu_strv_argv(&mgr->options), 0)))
        goto cleanup;
    /* a folder once used by another driver under this name holds
     * instances this driver cannot run: refuse rather than confuse */
    dir = vu_strdup(vmdrv_conn_dir(conn));
    if ((rc = vmdrv__store_read(mgr->ctx, dir, &root)))
        goto cleanup;
    const char *owner = root ? vu_json_str(root, "driver", "") : "";
    if (*owner && strcmp(owner, driver) != 0) {
        rc = vmdrv_error_set(mgr->ctx, VMDRV_E_CONFIG, NULL, 0,
                             "scope folder '%s' holds instances of the '%s' "
                             "driver, not of '%s'",
                             dir, owner, driver);
        goto cleanup;
    }
    vmdrv_scope *s = vu_calloc(1, sizeof *s);
    s->mgr = mgr;
    s->name = vu_strdup(canon);
    s->driver = vu_strdup(driver);
    s->dir = dir;
    s->conn = conn;
    s->current = name == NULL;
    dir = NULL;
    conn = NULL;
    *out = s;
cleanup:
    json_decref(root);
    free(dir);
    vmdrv_conn_close(conn);
    return rc;
}

void vmdrv_scope_close(vmdrv_scope *s)
{
    if (!s)
        return;
    vmdrv_conn_close(s->conn);
    free(s->name);
    free(s->driver);
    free(s->dir);
    free(s);
}

const char *vmdrv_scope_name(vmdrv_scope *s)
{
    return s->name;
}

const char *vmdrv_scope_driver(vmdrv_scope *s)
{
    return s->driver;
}

const char *vmdrv_scope_dir(vmdrv_scope *s)
{
    return s->dir;
}

vmdrv_conn *vmdrv_scope_conn(vmdrv_scope *s)
{
    return s->conn;
}

/* ---- records --------------------------------------------------------- */

/* A copy of name's record; deleted ones only when allow_deleted. */
static int get_record(vmdrv_scope *s, const char *name, int allow_deleted,
                      json_t **rec)
{
    json_t *root;
    *rec = NULL;
    int rc = vmdrv__store_read(s->mgr->ctx, s->dir, &root);
    if (rc)
        return rc;
    json_t *r = root ? json_object_get(json_object_get(root, "instances"), name)
                     : NULL;
    if (!r)
        rc = vmdrv_error_set(s->mgr->ctx, VMDRV_E_NOTFOUND, NULL, 0,
                             "instance '%s' does not exist in the '%s' scope",
                             name, s->name);
    else if (!allow_deleted && json_is_true(json_object_get(r, "deleted")))
        rc = vmdrv_error_set(s->mgr->ctx, VMDRV_E_STATE, NULL, 0,
                             "instance '%s' is deleted", name);
    else
        *rec = json_deep_copy(r);
    json_decref(root);
    return rc;
}

/* Open the store and find name's record for editing. */
static int edit_begin(vmdrv_scope *s, const char *name, vmdrv__store *st,
                      json_t **rec)
{
    int rc = vmdrv__store_begin(s->mgr->ctx, s->dir, s->name, s->driver, st);
    if (rc)
        return rc;
    *rec = json_object_get(st->instances, name);
    if (!*rec) {
        vmdrv__store_end(st);
        return vmdrv_error_set(s->mgr->ctx, VMDRV_E_NOTFOUND, NULL, 0,
                               "instance '%s' does not exist in the '%s' "
                               "scope",
                               name, s->name);
    }
    return 0;
}

static int record_remove(vmdrv_scope *s, const char *name)
{
    vmdrv__store st;
    json_t *r;
    int rc = edit_begin(s, name, &st, &r);
    if (rc)
        return rc;
    json_object_del(st.instances, name);
    return vmdrv__store_commit(&st);
}

/* The driver's state, when it has one (keeps the context's error). */
static int driver_state(vmdrv_scope *s, const char *name, vmdrv_state *st)
{
    vmdrv__saved_err saved;
    vmdrv__err_save(s->mgr->ctx, &saved);
    int rc = vmdrv_instance_state(s->conn, name, st, 0);
    vmdrv__err_restore(s->mgr->ctx, &saved);
    return rc;
}

int vmdrv__live_state(vmdrv_scope *s, const char *name, vmdrv_state *st,
                      int *live)
{
    json_t *rec;
    vmdrv_state d;
    int rc = get_record(s, name, 1, &rec);
    if (rc)
        return rc;
    *st = (vmdrv_state)json_integer_value(json_object_get(rec, "state"));
    *live = 0;
    if (!json_is_true(json_object_get(rec, "pending_create"))) {
        rc = driver_state(s, name, &d);
        if (rc == 0) {
            *st = d;
            *live = 1;
        } else if (rc == VMDRV_E_NOTFOUND) {
            *live = -1;
        }
    }
    json_decref(rec);
    return 0;
}

int vmdrv__record_update(vmdrv_scope *s, const char *name, int refresh,
                         int remember)
{
    vmdrv__store st;
    json_t *r;
    vmdrv_state now = VMDRV_STATE_UNKNOWN;
    int live = 0;
    if (refresh && driver_state(s, name, &now) == 0)
        live = 1;
    int rc = edit_begin(s, name, &st, &r);
    if (rc)
        return rc;
    if (live)
        json_object_set_new(r, "state", json_integer(now));
    if (remember == -2)
        json_object_del(r, "state_before_switch");
    else if (remember >= 0)
        json_object_set_new(r, "state_before_switch", json_integer(remember));
    return vmdrv__store_commit(&st);
}

/*
 * A record the driver has not seen (a launch that died before the driver
 * answered, or a migrated instance): hand it to the driver now. A driver
 * that already knows it (create says "exists") has adopted it.
 */
static int ensure_created(vmdrv_scope *s, const char *name, json_t *rec)
{
    vmdrv_state st;
    vmdrv__store store;
    json_t *r;
    if (!json_is_true(json_object_get(rec, "pending_create")))
        return 0;
    if (driver_state(s, name, &st) != 0) {
        vmdrv_instance_spec spec = {
            .name = name,
            .cpus = (int)json_integer_value(json_object_get(rec, "num_cores")),
            .memory_mb = vmdrv__size_mb(rec, "mem_size"),
            .disk_mb = vmdrv__size_mb(rec, "disk_space"),
            .image = json_string_value(json_object_get(rec, "image")),
        };
        vmdrv__saved_err saved;
        vmdrv__err_save(s->mgr->ctx, &saved);
        int rc = vmdrv_instance_create(s->conn, &spec, 0);
        if (rc && rc != VMDRV_E_EXISTS) {
            vmdrv__err_drop(&saved);
            return rc;
        }
        vmdrv__err_restore(s->mgr->ctx, &saved);
    }
    int rc = edit_begin(s, name, &store, &r);
    if (rc)
        return rc;
    json_object_del(r, "pending_create");
    return vmdrv__store_commit(&store);
}

/* name is a live instance the driver knows. */
static int require_live(vmdrv_scope *s, const char *name)
{
    json_t *rec;
    int rc = get_record(s, name, 0, &rec);
    if (rc)
        return rc;
    rc = ensure_created(s, name, rec);
    json_decref(rec);
    return rc;
}

int vmdrv_scope_require(vmdrv_scope *s, const char *name)
{
    int rc = check_name(s->mgr->ctx, name);
    return rc ? rc : require_live(s, name);
}

/* After the driver did its part: a failure to record it is reported
 * with what did happen, so the user knows the instance moved. */
static int recorded(vmdrv_scope *s, const char *name, const char *done,
                    int rc)
{
    if (!rc)
        return 0;
    char *why = vmdrv__err_copy(s->mgr->ctx);
    rc = vmdrv_error_set(s->mgr->ctx, rc, NULL, 0,
                         "instance '%s' was %s, but its record could not be "
                         "updated: %s",
                         name, done, why);
    free(why);
    return rc;
}

int vmdrv_scope_records(vmdrv_scope *s, vmdrv_records *out,
                        unsigned int flags)
{
    json_t *root;
    memset(out, 0, sizeof *out);
    int rc = check_flags(s->mgr->ctx, "listing records", flags,
                         VMDRV_SCOPE_DELETED);
    if (rc || (rc = vmdrv__store_read(s->mgr->ctx, s->dir, &root)))
        return rc;
    if (!root)
        return 0;
    vmdrv__records_from_root(root, out, (flags & VMDRV_SCOPE_DELETED) != 0);
    json_decref(root);
    for (size_t i = 0; i < out->count; i++) {
        vmdrv_state st;
        vmdrv_record *r = &out->items[i];
        if (r->pending_create)
            continue;
        int drc = driver_state(s, r->name, &st);
        if (drc == 0)
            r->state = st;
        else if (drc == VMDRV_E_NOTFOUND)
            r->state = VMDRV_STATE_UNKNOWN; /* the hypervisor lost it */
    }
    return 0;
}

int vmdrv_scope_state(vmdrv_scope *s, const char *name, vmdrv_state *state,
                      int *live)
{
    int l = 0;
    int rc = check_name(s->mgr->ctx, name);
    if (rc || (rc = vmdrv__live_state(s, name, state, &l)))
        return rc;
    if (l < 0)
        *state = VMDRV_STATE_UNKNOWN;
    if (live)
        *live = l > 0;
    return 0;
}

int vmdrv_scope_info(vmdrv_scope *s, const char *name, vmdrv_record *rec,
                     vmdrv_info *info)
{
    json_t *r;
    int live;
    vmdrv_state st;
    int rc = check_name(s->mgr->ctx, name);
    if (rc || (rc = get_record(s, name, 1, &r)))
        return rc;
    vmdrv__record_from_json(name, r, rec);
    json_decref(r);
    if ((rc = vmdrv__live_state(s, name, &st, &live)) == 0)
        rec->state = live < 0 ? VMDRV_STATE_UNKNOWN : st;
    if (info) {
        memset(info, 0, sizeof *info);
        if (!rec->pending_create) {
            vmdrv__saved_err saved;
            vmdrv__err_save(s->mgr->ctx, &saved);
            if (vmdrv_instance_info(s->conn, name, info, 0) != 0)
                memset(info, 0, sizeof *info);
            vmdrv__err_restore(s->mgr->ctx, &saved);
        }
    }
    if (rc)
        vmdrv_record_clear(rec);
    return rc;
}

/* ---- names ----------------------------------------------------------- */

static const char *const adjectives[] = {
    "able", "agile", "amber", "ample", "brave", "bright", "brisk", "calm",
    "candid", "clever", "cosy", "crisp", "daring", "deft", "eager", "fair",
    "fleet", "fond", "gentle", "glad", "grand", "happy", "hardy", "honest",
    "jolly", "keen", "kind", "lively", "loyal", "lucid", "merry", "mellow",
    "nimble", "noble", "patient", "plucky", "polite", "proud", "quick",
    "quiet", "rapid", "ready", "sharp", "shiny", "steady", "sunny", "swift",
    "tender", "tidy", "vivid", "warm", "wise", "witty", "zesty"};
static const char *const nouns[] = {
    "badger", "beaver", "bison", "condor", "crane", "dingo", "dolphin",
    "eagle", "egret", "falcon", "ferret", "finch", "gecko", "gibbon",
    "heron", "ibex", "impala", "jackal", "koala", "lemur", "lynx", "macaw",
    "marmot", "mink", "moose", "newt", "ocelot", "osprey", "otter", "panda",
    "pelican", "puffin", "quail", "rabbit", "raven", "robin", "salmon",
    "seal", "sparrow", "stork", "swan", "tapir", "tern", "toucan", "trout",
    "turtle", "vole", "walrus", "wombat", "wren", "yak", "zebra"};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* rand_r() is POSIX only (Windows lacks it): the same LCG on the seed */
static unsigned int next_rand(unsigned int *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return (*seed >> 16) & 0x7fffu;
}

int vmdrv_scope_petname(vmdrv_scope *s, char *buf, size_t size)
{
    json_t *root;
    int rc = vmdrv__store_read(s->mgr->ctx, s->dir, &root);
    if (rc)
        return rc;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    unsigned int seed = (unsigned int)(ts.tv_nsec ^ (long)getpid() * 2654435761u);
    json_t *inst = root ? json_object_get(root, "instances") : NULL;
    rc = VMDRV_E_EXISTS;
    for (int tries = 0; tries < 200; tries++) {
        const char *a = adjectives[next_rand(&seed) % N_OF(adjectives)];
        const char *n = nouns[next_rand(&seed) % N_OF(nouns)];
        snprintf(buf, size, "%s-%s", a, n);
        if (!json_object_get(inst, buf)) {
            rc = 0;
            break;
        }
    }
    json_decref(root);
    if (rc)
        rc = vmdrv_error_set(s->mgr->ctx, VMDRV_E_EXISTS, NULL, 0,
                             "cannot find an unused name in the '%s' scope; "
                             "give one",
                             s->name);
    return rc;
}

/* ---- launch ---------------------------------------------------------- */

/* Copy the driver's defaults (cpus 0 means "yours") into the record. */
static void record_sizes(vmdrv_scope *s, const char *name)
{
    vmdrv_info info;
    vmdrv__store st;
    json_t *r;
    vmdrv__saved_err saved;
    vmdrv__err_save(s->mgr->ctx, &saved);
    if (vmdrv_instance_info(s->conn, name, &info, 0) == 0 &&
        edit_begin(s, name, &st, &r) == 0) {
        char bytes[32];
        if (info.cpus > 0)
            json_object_set_new(r, "num_cores", json_integer(info.cpus));
        if (info.memory_mb) {
            snprintf(bytes, sizeof bytes, "%llu",
                     (unsigned long long)info.memory_mb * 1024ull * 1024ull);
            json_object_set_new(r, "mem_size", json_string(bytes));
        }
        if (info.disk_mb) {
            snprintf(bytes, sizeof bytes, "%llu",
                     (unsigned long long)info.disk_mb * 1024ull * 1024ull);
            json_object_set_new(r, "disk_space", json_string(bytes));
        }
        vmdrv__store_commit(&st);
    }
    vmdrv__err_restore(s->mgr->ctx, &saved);
}

int vmdrv_scope_launch(vmdrv_scope *s, const vmdrv_instance_spec *spec,
                       char *name_out, size_t size, unsigned int flags)
{
    vmdrv_ctx *ctx = s->mgr->ctx;
    char gen[VMDRV_NAME_MAX + 1];
    vu_lock lock;
    vmdrv__store st;
    int rc;
    if (!spec)
        return vmdrv_error_set(ctx, VMDRV_E_INVAL, NULL, 0,
                               "no instance spec given");
    if ((rc = check_flags(ctx, "launch", flags, 0)))
        return rc;
    if (spec->name && (rc = check_name(ctx, spec->name)))
        return rc;
    if (spec->cpus < 0 || spec->cpus > 1024)
        return vmdrv_error_set(ctx, VMDRV_E_INVAL, NULL, 0,
                               "invalid cpu count %d", spec->cpus);
    if ((rc = op_begin(s, &lock)))
        return rc;
    vmdrv_instance_spec sp = *spec;
    if (!sp.name) {
        if ((rc = vmdrv_scope_petname(s, gen, sizeof gen)))
            goto cleanup;
        sp.name = gen;
    }
    /* the record comes first: a crash from here on leaves a pending
     * record that the next operation on it completes */
    if ((rc = vmdrv__store_begin(ctx, s->dir, s->name, s->driver, &st)))
        goto cleanup;
    json_t *old = json_object_get(st.instances, sp.name);
    if (old) {
        int deleted = json_is_true(json_object_get(old, "deleted"));
        vmdrv__store_end(&st);
        rc = vmdrv_error_set(ctx, VMDRV_E_EXISTS, NULL, 0,
                             "instance '%s' already exists in the '%s' "
                             "scope%s",
                             sp.name, s->name,
                             deleted ? " (deleted, but not purged)" : "");
        goto cleanup;
    }
    json_t *r = vmdrv__record_new(sp.name, sp.cpus, sp.memory_mb, sp.disk_mb);
    json_object_set_new(r, "pending_create", json_true());
    if (sp.image)
        json_object_set_new(r, "image", json_string(sp.image));
    json_object_set_new(st.instances, sp.name, r);
    if ((rc = vmdrv__store_commit(&st)))
        goto cleanup;
    if ((rc = vmdrv_instance_create(s->conn, &sp, 0))) {
        vmdrv__saved_err saved;
        vmdrv__err_save(ctx, &saved);
        record_remove(s, sp.name);
        vmdrv__err_restore(ctx, &saved);
        goto cleanup;
    }
    json_t *rec;
    if ((rc = get_record(s, sp.name, 0, &rec)) == 0) {
        rc = ensure_created(s, sp.name, rec);
        json_decref(rec);
    }
    if (rc)
        goto cleanup;
    record_sizes(s, sp.name);
    if ((rc = vmdrv_instance_start(s->conn, sp.name, 0))) {
        /* a launch that cannot start leaves nothing behind, as in
         * Multipass; if even the removal fails, the record stays so the
         * instance is not lost */
        vmdrv__saved_err saved;
        vmdrv__err_save(ctx, &saved);
        if (vmdrv_instance_delete(s->conn, sp.name, 0) == 0)
            record_remove(s, sp.name);
        else
            vmdrv__record_update(s, sp.name, 1, -1);
        vmdrv__err_restore(ctx, &saved);
        goto cleanup;
    }
    rc = recorded(s, sp.name, "launched",
                  vmdrv__record_update(s, sp.name, 1, -1));
    if (!rc && name_out && vu_strlcpy(name_out, sp.name, size))
        rc = vmdrv_error_set(ctx, VMDRV_E_INVAL, NULL, 0,
                             "buffer too small for instance name '%s'",
                             sp.name);
cleanup:
    vu_lock_release(&lock);
    return rc;
}

/* ---- start, stop, suspend -------------------------------------------- */

typedef enum simple { OP_START, OP_STOP, OP_SUSPEND } simple;

static int simple_op(vmdrv_scope *s, const char *name, unsigned int flags,
                     simple op)
{
    static const char *const ops[] = {"start", "stop", "suspend"};
    static const char *const done[] = {"started", "stopped", "suspended"};
    vu_lock lock;
    int rc = check_name(s->mgr->ctx, name);
    if (rc || (rc = check_flags(s->mgr->ctx, ops[op], flags,
                                op == OP_STOP ? VMDRV_STOP_FORCE : 0)))
        return rc;
    if ((rc = op_begin(s, &lock)))
        return rc;
    if ((rc = require_live(s, name)))
        goto cleanup;
    switch (op) {
    case OP_START:
        rc = vmdrv_instance_start(s->conn, name, 0);
        break;
    case OP_STOP:
        rc = vmdrv_instance_stop(s->conn, name, flags);
        break;
    case OP_SUSPEND:
        rc = vmdrv_instance_suspend(s->conn, name, 0);
        break;
    }
    if (rc)
        goto cleanup;
    /* the user's own action supersedes what a switch remembered */
    rc = recorded(s, name, done[op], vmdrv__record_update(s, name, 1, -2));
cleanup:
    vu_lock_release(&lock);
    return rc;
}

int vmdrv_scope_start(vmdrv_scope *s, const char *name, unsigned int flags)
{
    return simple_op(s, name, flags, OP_START);
}

int vmdrv_scope_stop(vmdrv_scope *s, const char *name, unsigned int flags)
{
    return simple_op(s, name, flags, OP_STOP);
}

int vmdrv_scope_suspend(vmdrv_scope *s, const char *name, unsigned int flags)
{
    return simple_op(s, name, flags, OP_SUSPEND);
}

/* ---- delete ---------------------------------------------------------- */

static int delete_soft(vmdrv_scope *s, const char *name, json_t *rec)
{
    vmdrv_state st = VMDRV_STATE_STOPPED;
    vmdrv__store store;
    json_t *r;
    int rc;
    if (json_is_true(json_object_get(rec, "deleted")))
        return vmdrv_error_set(s->mgr->ctx, VMDRV_E_STATE, NULL, 0,
                               "instance '%s' is already deleted", name);
    int pending = json_is_true(json_object_get(rec, "pending_create"));
    int known = driver_state(s, name, &st) == 0;
    /* Multipass powers a deleted instance off, whatever its state; one
     * the driver never created has nothing to stop */
    if ((known && st != VMDRV_STATE_OFF && st != VMDRV_STATE_STOPPED) ||
        (!known && !pending)) {
        if ((rc = vmdrv_instance_stop(s->conn, name, VMDRV_STOP_FORCE)))
            return rc;
        if (driver_state(s, name, &st) != 0)
            st = VMDRV_STATE_STOPPED;
    }
    if (!known && pending)
        st = VMDRV_STATE_STOPPED;
    if ((rc = edit_begin(s, name, &store, &r)))
        return recorded(s, name, "stopped", rc);
    json_object_set_new(r, "deleted", json_true());
    json_object_set_new(r, "state", json_integer(st));
    json_object_del(r, "state_before_switch");
    return recorded(s, name, "stopped", vmdrv__store_commit(&store));
}

static int delete_purge(vmdrv_scope *s, const char *name, json_t *rec)
{
    vmdrv_state st;
    char dir[2048];
    int rc;
    int pending = json_is_true(json_object_get(rec, "pending_create"));
    if (!pending || driver_state(s, name, &st) == 0) {
        vmdrv__saved_err saved;
        vmdrv__err_save(s->mgr->ctx, &saved);
        rc = vmdrv_instance_delete(s->conn, name, 0);
        if (rc && rc != VMDRV_E_NOTFOUND) {
            vmdrv__err_drop(&saved);
            return rc;
        }
        /* already gone from the hypervisor: only the record is left */
        vmdrv__err_restore(s->mgr->ctx, &saved);
    }
    /* files nothing references any more (a migrated disk the driver never
     * adopted, or what a driver left behind) */
    if (vmdrv_conn_instance_dir(s->conn, name, dir, sizeof dir) == 0 &&
        vu_path_exists(dir))
        vu_rm_rf(dir);
    return recorded(s, name, "removed from its driver",
                    record_remove(s, name));
}

int vmdrv_scope_delete(vmdrv_scope *s, const char *name, unsigned int flags)
{
    vu_lock lock;
    json_t *rec = NULL;
    int rc = check_name(s->mgr->ctx, name);
    if (rc || (rc = check_flags(s->mgr->ctx, "delete", flags,
                                VMDRV_DELETE_PURGE)))
        return rc;
    if ((rc = op_begin(s, &lock)))
        return rc;
    if ((rc = get_record(s, name, 1, &rec)))
        goto cleanup;
    rc = flags & VMDRV_DELETE_PURGE ? delete_purge(s, name, rec)
                                    : delete_soft(s, name, rec);
cleanup:
    json_decref(rec);
    vu_lock_release(&lock);
    return rc;
}

/* ---- snapshots ------------------------------------------------------- */

int vmdrv_scope_snapshot(vmdrv_scope *s, const char *name,
                         const char *snapshot, char *out, size_t size,
                         unsigned int flags)
{
    vmdrv_ctx *ctx = s->mgr->ctx;
    char gen[VMDRV_NAME_MAX + 1];
    vu_lock lock;
    vmdrv__store st;
    json_t *rec = NULL, *r;
    int rc = check_name(ctx, name);
    if (rc || (rc = check_flags(ctx, "snapshot", flags, 0)))
        return rc;
    if (snapshot && !vmdrv_name_valid(snapshot))
        return bad_name(ctx, "snapshot", snapshot);
    if ((rc = op_begin(s, &lock)))
        return rc;
    if ((rc = require_live(s, name)) || (rc = get_record(s, name, 0, &rec)))
        goto cleanup;
    if (!snapshot) {
        /* Multipass's default: snapshot<N+1>, N counting every snapshot
         * ever taken, so a deleted snapshot's name is not reused */
        json_int_t n = json_integer_value(json_object_get(rec, "snapshot_count"));
        snprintf(gen, sizeof gen, "snapshot%lld", (long long)n + 1);
        snapshot = gen;
    }
    if ((rc = vmdrv_snapshot_take(s->conn, name, snapshot, 0)))
        goto cleanup;
    if ((rc = edit_begin(s, name, &st, &r)) == 0) {
        json_t *list = json_object_get(r, "snapshots");
        if (!json_is_array(list)) {
            list = json_array();
            json_object_set_new(r, "snapshots", list);
        }
        json_array_append_new(list, json_string(snapshot));
        json_object_set_new(
            r, "snapshot_count",
            json_integer(json_integer_value(json_object_get(r, "snapshot_count")) + 1));
        rc = vmdrv__store_commit(&st);
    }
    rc = recorded(s, name, "snapshotted", rc);
    if (!rc && out && vu_strlcpy(out, snapshot, size))
        rc = vmdrv_error_set(ctx, VMDRV_E_INVAL, NULL, 0,
                             "buffer too small for snapshot name '%s'",
                             snapshot);
cleanup:
    json_decref(rec);
    vu_lock_release(&lock);
    return rc;
}

int vmdrv_scope_restore(vmdrv_scope *s, const char *name, const char *snapshot,
                        unsigned int flags)
{
    vu_lock lock;
    int rc = check_name(s->mgr->ctx, name);
    if (rc || (rc = check_flags(s->mgr->ctx, "restore", flags, 0)))
        return rc;
    if (!vmdrv_name_valid(snapshot))
        return bad_name(s->mgr->ctx, "snapshot", snapshot);
    if ((rc = op_begin(s, &lock)))
        return rc;
    if ((rc = require_live(s, name)) ||
        (rc = vmdrv_snapshot_restore(s->conn, name, snapshot, 0)))
        goto cleanup;
    rc = recorded(s, name, "restored", vmdrv__record_update(s, name, 1, -2));
cleanup:
    vu_lock_release(&lock);
    return rc;
}

/* ---- mounts ---------------------------------------------------------- */

int vmdrv_scope_mount(vmdrv_scope *s, const char *name, const char *host_path,
                      const char *guest_path, unsigned int flags)
{
    vu_lock lock;
    vmdrv__store st;
    json_t *r;
    int rc = check_name(s->mgr->ctx, name);
    if (rc || (rc = check_flags(s->mgr->ctx, "mount", flags, 0)))
        return rc;
    if ((rc = op_begin(s, &lock)))
        return rc;
    if ((rc = require_live(s, name)) ||
        (rc = vmdrv_mount(s->conn, name, host_path, guest_path, 0)))
        goto cleanup;
    if ((rc = edit_begin(s, name, &st, &r)) == 0) {
        json_t *list = json_object_get(r, "mounts");
        if (!json_is_array(list)) {
            list = json_array();
            json_object_set_new(r, "mounts", list);
        }
        json_array_append_new(list,
                              json_pack("{s:s,s:s,s:i}", "source_path",
                                        host_path, "target_path", guest_path,
                                        "mount_type", 1));
        rc = vmdrv__store_commit(&st);
    }
    rc = recorded(s, name, "given the mount", rc);
cleanup:
    vu_lock_release(&lock);
    return rc;
}

/* Forget a mount in the record (absent is fine: the driver is the truth). */
static int forget_mount(vmdrv_scope *s, const char *name, const char *guest)
{
    vmdrv__store st;
    json_t *r, *m;
    size_t i;
    int rc = edit_begin(s, name, &st, &r);
    if (rc)
        return rc;
    json_t *list = json_object_get(r, "mounts");
    json_array_foreach(list, i, m) {
        if (strcmp(vu_json_str(m, "target_path", ""), guest) == 0) {
            json_array_remove(list, i);
            break;
        }
    }
    return vmdrv__store_commit(&st);
}

int vmdrv_scope_umount(vmdrv_scope *s, const char *name,
                       const char *guest_path, unsigned int flags)
{
    vu_lock lock;
    json_t *rec = NULL;
    vu_strv targets = VU_STRV_INIT;
    int rc = check_name(s->mgr->ctx, name);
    if (rc || (rc = check_flags(s->mgr->ctx, "umount", flags, 0)))
        return rc;
    if ((rc = op_begin(s, &lock)))
        return rc;
    if ((rc = require_live(s, name)) || (rc = get_record(s, name, 0, &rec)))
        goto cleanup;
    if (guest_path) {
        vu_strv_add(&targets, guest_path);
    } else {
        size_t i;
        json_t *m;
        json_array_foreach(json_object_get(rec, "mounts"), i, m)
            vu_strv_add(&targets, vu_json_str(m, "target_path", ""));
        if (targets.n == 0) {
            rc = vmdrv_error_set(s->mgr->ctx, VMDRV_E_NOTFOUND, NULL, 0,
                                 "no folders are mounted in '%s'", name);
            goto cleanup;
        }
    }
    for (size_t i = 0; i < targets.n; i++) {
        if ((rc = vmdrv_umount(s->conn, name, targets.v[i], 0)))
            goto cleanup;
        if ((rc = recorded(s, name, "unmounted",
                           forget_mount(s, name, targets.v[i]))))
            goto cleanup;
    }
cleanup:
    vu_strv_clear(&targets);
    json_decref(rec);
    vu_lock_release(&lock);
    return rc;
}
