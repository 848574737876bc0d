/*
 * store.c: the instance records of a scope (<scope>/vmdrv-instances.json,
 * described in vmdrv/manager.h). Every change is a read-modify-write
 * under <scope>/vmdrv-instances.lock, written with vu_write_atomic, so
 * concurrent processes serialize and a killed writer leaves the old or
 * the new file. A file that does not parse, or is of another schema
 * version, is reported and never written over: the user's records are
 * worth more than the operation that wanted to change them.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mgr_internal.h"
#include "vu_json.h"

#define MIB (1024ull * 1024ull)

static int corrupt(vmdrv_ctx *ctx, const char *path, const char *name,
                   const char *what)
{
    return vmdrv_error_set(ctx, VMDRV_E_CORRUPT, NULL, 0,
                           "instance record '%s' in '%s' is invalid: %s; the "
                           "file was left untouched",
                           name, path, what);
}

static int valid_state(const json_t *v)
{
    return json_is_integer(v) && json_integer_value(v) >= 0 &&
           json_integer_value(v) < VMDRV_STATE__COUNT;
}

static int valid_size(const json_t *v)
{
    if (json_is_integer(v))
        return json_integer_value(v) >= 0;
    if (!json_is_string(v))
        return 0;
    const char *s = json_string_value(v);
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

/* The fields vmdrv reads must have the types it expects; others are the
 * record's own business and are carried along untouched. */
int vmdrv__record_check(vmdrv_ctx *ctx, const char *path, const char *name,
                        const json_t *r)
{
    const json_t *v;
    size_t i;
    if (!vmdrv_name_valid(name))
        return corrupt(ctx, path, name, "the name is not a valid instance name");
    if (!json_is_object(r))
        return corrupt(ctx, path, name, "expected a JSON object");
    if (!valid_state(json_object_get(r, "state")))
        return corrupt(ctx, path, name, "'state' must be an integer from 0 to 9");
    if ((v = json_object_get(r, "state_before_switch")) && !valid_state(v))
        return corrupt(ctx, path, name,
                       "'state_before_switch' must be an integer from 0 to 9");
    if ((v = json_object_get(r, "num_cores")) &&
        (!json_is_integer(v) || json_integer_value(v) < 0))
        return corrupt(ctx, path, name, "'num_cores' must be a count");
    if ((v = json_object_get(r, "mem_size")) && !valid_size(v))
        return corrupt(ctx, path, name, "'mem_size' must be a byte count");
    if ((v = json_object_get(r, "disk_space")) && !valid_size(v))
        return corrupt(ctx, path, name, "'disk_space' must be a byte count");
    if ((v = json_object_get(r, "deleted")) && !json_is_boolean(v))
        return corrupt(ctx, path, name, "'deleted' must be true or false");
    if ((v = json_object_get(r, "pending_create")) && !json_is_boolean(v))
        return corrupt(ctx, path, name,
                       "'pending_create' must be true or false");
    if ((v = json_object_get(r, "image")) && !json_is_string(v))
        return corrupt(ctx, path, name, "'image' must be a path");
    if ((v = json_object_get(r, "mounts"))) {
        const json_t *m;
        if (!json_is_array(v))
            return corrupt(ctx, path, name, "'mounts' must be a list");
        json_array_foreach(v, i, m)
            if (!json_is_string(json_object_get(m, "source_path")) ||
                !json_is_string(json_object_get(m, "target_path")))
                return corrupt(ctx, path, name,
                               "each mount needs 'source_path' and "
                               "'target_path'");
    }
    if ((v = json_object_get(r, "extra_interfaces"))) {
        const json_t *n;
        if (!json_is_array(v))
            return corrupt(ctx, path, name,
                           "'extra_interfaces' must be a list");
        json_array_foreach(v, i, n)
            if (!json_is_string(json_object_get(n, "id")))
                return corrupt(ctx, path, name,
                               "each extra interface needs an 'id'");
    }
    if ((v = json_object_get(r, "snapshots"))) {
        const json_t *n;
        if (!json_is_array(v))
            return corrupt(ctx, path, name, "'snapshots' must be a list");
        json_array_foreach(v, i, n)
            if (!json_is_string(n))
                return corrupt(ctx, path, name,
                               "'snapshots' must list snapshot names");
    }
    return 0;
}

static int check_root(vmdrv_ctx *ctx, const char *path, const json_t *root)
{
    const json_t *schema = json_object_get(root, "schema");
    const json_t *inst = json_object_get(root, "instances");
    const char *name;
    const json_t *r;
    if (!json_is_object(root))
        return vmdrv_error_set(ctx, VMDRV_E_CORRUPT, NULL, 0,
                               "'%s' is not a vmdrv instance records file "
                               "(expected a JSON object); it was left "
                               "untouched",
                               path);
    if (!json_is_integer(schema))
        return vmdrv_error_set(ctx, VMDRV_E_CORRUPT, NULL, 0,
                               "'%s' has no schema version; it was left "
                               "untouched",
                               path);
    if (json_integer_value(schema) != VMDRV__RECORD_SCHEMA)
        return vmdrv_error_set(ctx, VMDRV_E_CORRUPT, NULL, 0,
                               "'%s' holds instance records of schema "
                               "version %lld, and this vmdrv reads "
                               "version %d; it was left untouched",
                               path, (long long)json_integer_value(schema),
                               VMDRV__RECORD_SCHEMA);
    if (!json_is_object(inst))
        return vmdrv_error_set(ctx, VMDRV_E_CORRUPT, NULL, 0,
                               "'%s' has no 'instances' object; it was left "
                               "untouched",
                               path);
    json_object_foreach((json_t *)inst, name, r) {
        int rc = vmdrv__record_check(ctx, path, name, r);
        if (rc)
            return rc;
    }
    return 0;
}

int vmdrv__store_read(vmdrv_ctx *ctx, const char *dir, json_t **root)
{
    char err[1024];
    char *path = vu_path_join(dir, VMDRV__RECORDS_FILE);
    int rc = 0;
    *root = NULL;
    if (!vu_path_exists(path))
        goto cleanup;
    json_t *j = vu_json_load_file(path, err, sizeof err);
    if (!j) {
        rc = vmdrv_error_set(ctx, VMDRV_E_CORRUPT, NULL, 0,
                             "cannot read instance records: %s; the file was "
                             "left untouched",
                             err);
        goto cleanup;
    }
    if ((rc = check_root(ctx, path, j))) {
        json_decref(j);
        goto cleanup;
    }
    *root = j;
cleanup:
    free(path);
    return rc;
}

/* Temporary files of a writer that was killed: garbage once we hold the
 * lock, since every writer of the records holds it while writing. */
static void sweep_temporaries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        if (vu_starts_with(e->d_name, VMDRV__RECORDS_FILE ".tmp.")) {
            char *p = vu_path_join(dir, e->d_name);
            unlink(p);
            free(p);
        }
    }
    closedir(d);
}

int vmdrv__store_begin(vmdrv_ctx *ctx, const char *dir, const char *scope,
                       const char *driver, vmdrv__store *st)
{
    memset(st, 0, sizeof *st);
    st->ctx = ctx;
    st->lock.fd = -1;
    int rc = vu_mkdir_p(dir);
    if (rc)
        return vmdrv_error_set(ctx, VMDRV_E_IO, NULL, -rc,
                               "cannot create scope folder '%s': %s", dir,
                               strerror(-rc));
    st->path = vu_path_join(dir, VMDRV__RECORDS_FILE);
    st->lock_path = vu_path_join(dir, VMDRV__RECORDS_LOCK);
    rc = vu_lock_acquire(&st->lock, st->lock_path, VMDRV__LOCK_TIMEOUT_MS);
    if (rc) {
        rc = vmdrv_error_set(ctx, VMDRV_E_LOCKED, NULL, -rc,
                             "cannot lock instance records ('%s'): %s",
                             st->lock_path, strerror(-rc));
        goto fail;
    }
    st->locked = 1;
    sweep_temporaries(dir);
    if ((rc = vmdrv__store_read(ctx, dir, &st->root)))
        goto fail;
    if (!st->root)
        st->root = json_pack("{s:i,s:s,s:s,s:{}}", "schema",
                             VMDRV__RECORD_SCHEMA, "scope", scope ? scope : "",
                             "driver", driver ? driver : "", "instances");
    st->instances = json_object_get(st->root, "instances");
    return 0;
fail:
    vmdrv__store_end(st);
    return rc;
}

int vmdrv__store_commit(vmdrv__store *st)
{
    int rc = vu_json_write_atomic(st->path, st->root);
    if (rc)
        rc = vmdrv_error_set(st->ctx, VMDRV_E_IO, NULL, -rc,
                             "cannot write instance records '%s': %s",
                             st->path, strerror(-rc));
    vmdrv__store_end(st);
    return rc;
}

void vmdrv__store_end(vmdrv__store *st)
{
    if (st->locked)
        vu_lock_release(&st->lock);
    st->locked = 0;
    json_decref(st->root);
    st->root = st->instances = NULL;
    free(st->path);
    free(st->lock_path);
    st->path = st->lock_path = NULL;
}

/* ---- records <-> JSON ------------------------------------------------ */

static json_t *bytes_of(uint64_t mb)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)(mb * MIB));
    return json_string(buf);
}

json_t *vmdrv__record_new(const char *name, int cpus, uint64_t memory_mb,
                          uint64_t disk_mb)
{
    json_t *r = json_object();
    json_object_set_new(r, "name", json_string(name));
    json_object_set_new(r, "state", json_integer(VMDRV_STATE_OFF));
    json_object_set_new(r, "num_cores", json_integer(cpus));
    json_object_set_new(r, "mem_size", bytes_of(memory_mb));
    json_object_set_new(r, "disk_space", bytes_of(disk_mb));
    json_object_set_new(r, "deleted", json_false());
    json_object_set_new(r, "mounts", json_array());
    json_object_set_new(r, "extra_interfaces", json_array());
    json_object_set_new(r, "snapshots", json_array());
    json_object_set_new(r, "snapshot_count", json_integer(0));
    return r;
}

uint64_t vmdrv__size_mb(const json_t *rec, const char *key)
{
    const json_t *v = json_object_get(rec, key);
    if (json_is_integer(v))
        return (uint64_t)json_integer_value(v) / MIB;
    if (json_is_string(v))
        return strtoull(json_string_value(v), NULL, 10) / MIB;
    return 0;
}

int vmdrv__record_from_json(const char *name, const json_t *j,
                            vmdrv_record *out)
{
    const json_t *v;
    size_t i;
    memset(out, 0, sizeof *out);
    vu_strlcpy(out->name, name, sizeof out->name);
    out->state = (vmdrv_state)json_integer_value(json_object_get(j, "state"));
    out->cpus = (int)json_integer_value(json_object_get(j, "num_cores"));
    out->memory_mb = vmdrv__size_mb(j, "mem_size");
    out->disk_mb = vmdrv__size_mb(j, "disk_space");
    out->deleted = json_is_true(json_object_get(j, "deleted"));
    out->pending_create = json_is_true(json_object_get(j, "pending_create"));
    if ((v = json_object_get(j, "state_before_switch"))) {
        out->remembered = 1;
        out->state_before_switch = (vmdrv_state)json_integer_value(v);
    }
    vu_strlcpy(out->migrated_from, vu_json_str(j, "migrated_from", ""),
               sizeof out->migrated_from);
    const json_t *mounts = json_object_get(j, "mounts");
    if (json_array_size(mounts)) {
        out->mounts = vu_calloc(json_array_size(mounts), sizeof *out->mounts);
        json_array_foreach(mounts, i, v) {
            vu_strlcpy(out->mounts[i].source,
                       vu_json_str(v, "source_path", ""),
                       sizeof out->mounts[i].source);
            vu_strlcpy(out->mounts[i].target,
                       vu_json_str(v, "target_path", ""),
                       sizeof out->mounts[i].target);
        }
        out->n_mounts = json_array_size(mounts);
    }
    json_array_foreach(json_object_get(j, "extra_interfaces"), i, v)
        vmdrv_names_add(&out->interfaces, vu_json_str(v, "id", ""));
    json_array_foreach(json_object_get(j, "snapshots"), i, v)
        vmdrv_names_add(&out->snapshots, json_string_value(v));
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const vmdrv_record *)a)->name,
                  ((const vmdrv_record *)b)->name);
}

void vmdrv__records_from_root(const json_t *root, vmdrv_records *out,
                              int with_deleted)
{
    const char *name;
    json_t *r;
    memset(out, 0, sizeof *out);
    json_object_foreach(json_object_get(root, "instances"), name, r) {
        if (!with_deleted && json_is_true(json_object_get(r, "deleted")))
            continue;
        if (out->count == out->cap_) {
            out->cap_ = out->cap_ ? out->cap_ * 2 : 8;
            out->items = vu_realloc(out->items, out->cap_ * sizeof *out->items);
        }
        vmdrv__record_from_json(name, r, &out->items[out->count++]);
    }
    if (out->count > 1)
        qsort(out->items, out->count, sizeof *out->items, by_name);
}

int vmdrv_records_load(vmdrv_ctx *ctx, const char *scope_name,
                       vmdrv_records *out)
{
    json_t *root;
    memset(out, 0, sizeof *out);
    if (!vmdrv_name_valid(scope_name))
        return vmdrv_error_set(ctx, VMDRV_E_INVAL, NULL, 0,
                               "invalid scope name '%s'",
                               scope_name ? scope_name : "");
    char *dir = vu_path_join(vmdrv_ctx_data_dir(ctx), scope_name);
    int rc = vmdrv__store_read(ctx, dir, &root);
    free(dir);
    if (rc)
        return rc;
    if (root)
        vmdrv__records_from_root(root, out, 1);
    json_decref(root);
    return 0;
}
