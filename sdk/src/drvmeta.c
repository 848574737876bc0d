/*
 * drvmeta.c: the services of vmdrv/sys/meta.h: a driver's per-instance
 * record, machine names qualified by scope, and state-name tables. They
 * live here, not in each driver, because every driver over a host-wide
 * machine list (VirtualBox, Hyper-V) needs the same answers, and two
 * copies drift. Errors are set with vmdrv_conn_error(), so their origin
 * is the driver that asked.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmdrv/sys/driver.h"
#include "vmdrv/sys/meta.h"
#include "vu_fs.h"
#include "vu_json.h"
#include "vu_str.h"

/* ---- the instance record ---------------------------------------------- */

char *vmdrv_conn_record_path(vmdrv_conn *conn, const char *name,
                             const char *file)
{
    char dir[1024];
    if (vmdrv_conn_instance_dir(conn, name, dir, sizeof dir))
        return NULL;
    return vu_path_join(dir, file);
}

int vmdrv_conn_record_exists(vmdrv_conn *conn, const char *name,
                             const char *file)
{
    char dir[1024];
    /* asked of names read from the hypervisor too: no error for those */
    if (!vmdrv_name_valid(name) ||
        vmdrv_conn_instance_dir(conn, name, dir, sizeof dir))
        return 0;
    char *path = vu_path_join(dir, file);
    int exists = vu_path_exists(path);
    free(path);
    return exists;
}

static int type_matches(const json_t *v, const char *type, size_t len)
{
    static const struct {
        const char *name;
        json_type type;
    } types[] = {{"string", JSON_STRING},
                 {"integer", JSON_INTEGER},
                 {"array", JSON_ARRAY},
                 {"object", JSON_OBJECT}};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strlen(types[i].name) == len &&
            strncmp(types[i].name, type, len) == 0)
            return v && json_typeof(v) == types[i].type;
    return -1; /* a type this function does not know: the caller's bug */
}

/*
 * 0 when record holds every "key:type" word of required; otherwise sets
 * the error naming the first member that is missing or of another type.
 */
static int check_members(vmdrv_conn *conn, const char *name,
                         const char *path, const json_t *record,
                         const char *required)
{
    const char *p = required ? required : "";
    while (*p) {
        size_t wlen = strcspn(p, " ");
        const char *colon = memchr(p, ':', wlen);
        if (wlen == 0) {
            p++;
            continue;
        }
        if (!colon)
            return vmdrv_conn_error(conn, VMDRV_E_INVAL, 0,
                                    "cannot read record '%s' of instance "
                                    "'%s': member spec '%.*s' has no type",
                                    path, name, (int)wlen, p);
        char *key = vu_strndup(p, (size_t)(colon - p));
        const char *type = colon + 1;
        size_t tlen = wlen - (size_t)(colon - p) - 1;
        int ok = type_matches(json_object_get(record, key), type, tlen);
        int rc = 0;
        if (ok < 0)
            rc = vmdrv_conn_error(conn, VMDRV_E_INVAL, 0,
                                  "cannot read record '%s' of instance '%s': "
                                  "unknown member type '%.*s'",
                                  path, name, (int)tlen, type);
        else if (!ok)
            rc = vmdrv_conn_error(conn, VMDRV_E_CORRUPT, 0,
                                  "record '%s' of instance '%s' has no %.*s "
                                  "'%s'",
                                  path, name, (int)tlen, type, key);
        free(key);
        if (rc)
            return rc;
        p += wlen;
    }
    return 0;
}

int vmdrv_conn_record_load(vmdrv_conn *conn, const char *name,
                           const char *file, int schema, const char *required,
                           json_t **out)
{
    char err[512];
    json_t *record = NULL;
    int rc = 0;
    *out = NULL;
    char *path = vmdrv_conn_record_path(conn, name, file);
    if (!path)
        return vmdrv_last_error(vmdrv_conn_ctx(conn))->code;
    if (!vu_path_exists(path)) {
        rc = vmdrv_conn_error(conn, VMDRV_E_NOTFOUND, 0,
                              "instance '%s' does not exist", name);
        goto cleanup;
    }
    record = vu_json_load_file(path, err, sizeof err);
    if (!record) {
        rc = vmdrv_conn_error(conn, VMDRV_E_CORRUPT, 0,
                              "record of instance '%s' is unreadable: %s", name,
                              err);
        goto cleanup;
    }
    /* a record that is not an object has no schema either */
    if (json_integer_value(json_object_get(record, "schema")) != schema) {
        rc = vmdrv_conn_error(conn, VMDRV_E_CORRUPT, 0,
                              "record '%s' of instance '%s' has an unknown "
                              "schema version",
                              path, name);
        goto cleanup;
    }
    if ((rc = check_members(conn, name, path, record, required)))
        goto cleanup;
    *out = record;
    record = NULL;
cleanup:
    json_decref(record);
    free(path);
    return rc;
}

int vmdrv_conn_record_save(vmdrv_conn *conn, const char *name,
                           const char *file, const json_t *record)
{
    char *path = vmdrv_conn_record_path(conn, name, file);
    if (!path)
        return vmdrv_last_error(vmdrv_conn_ctx(conn))->code;
    int rc = vu_json_write_atomic(path, record);
    if (rc)
        rc = vmdrv_conn_error(conn, VMDRV_E_IO, -rc,
                              "cannot write record '%s' of instance '%s'", path,
                              name);
    free(path);
    return rc;
}

/* ---- machine names ------------------------------------------------------ */

static int own_scope(vmdrv_conn *conn)
{
    return strcmp(vmdrv_conn_scope(conn), vmdrv_conn_driver_name(conn)) == 0;
}

int vmdrv_conn_machine_name(vmdrv_conn *conn, const char *name, char *buf,
                            size_t size)
{
    int n = own_scope(conn)
                ? snprintf(buf, size, "%s", name)
                : snprintf(buf, size, "%s.%s", vmdrv_conn_scope(conn), name);
    if (n < 0 || (size_t)n >= size)
        return vmdrv_conn_error(conn, VMDRV_E_INVAL, 0,
                                "machine name of instance '%s' in scope '%s' "
                                "is too long",
                                name, vmdrv_conn_scope(conn));
    return 0;
}

char *vmdrv_conn_machine_instance(vmdrv_conn *conn, const char *machine)
{
    const char *scope = vmdrv_conn_scope(conn);
    if (own_scope(conn))
        return vmdrv_name_valid(machine) ? vu_strdup(machine) : NULL;
    size_t n = strlen(scope);
    if (strncmp(machine, scope, n) == 0 && machine[n] == '.' &&
        vmdrv_name_valid(machine + n + 1))
        return vu_strdup(machine + n + 1);
    return NULL;
}

/* ---- state names -------------------------------------------------------- */

int vmdrv_state_map_find(const vmdrv_state_map *map, size_t n,
                         const char *name, vmdrv_state *state, int *transient)
{
    *state = VMDRV_STATE_UNKNOWN;
    if (transient)
        *transient = 0;
    for (size_t i = 0; name && i < n; i++) {
        if (strcmp(map[i].name, name) == 0) {
            *state = map[i].state;
            if (transient)
                *transient = map[i].transient;
            return 0;
        }
    }
    return -1;
}
