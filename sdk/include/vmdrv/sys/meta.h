/*
 * vmdrv/sys/meta.h: services for drivers of hypervisors whose machine
 * list is the host's (VirtualBox, Hyper-V): the per-instance record a
 * driver keeps to know which machines its scope made, the machine name
 * of an instance in a scope, and the mapping of a hypervisor's state
 * names onto vmdrv_state.
 *
 * Records are jansson objects. This header only names the type, so a
 * driver that does not use records needs no jansson; one that does
 * includes <jansson.h> and links jansson itself.
 */
#ifndef VMDRV_SYS_META_H
#define VMDRV_SYS_META_H

#include <stddef.h>

#include "vmdrv/vmdrv.h"

#ifdef __cplusplus
extern "C" {
#endif

struct json_t; /* jansson's json_t */

/* ---- the instance record: <instance dir>/<file> ---------------------- */

/*
 * The record's path, owned by the caller; NULL with the error set when
 * the instance folder cannot be named (invalid or too long a name).
 */
VMDRV_EXTERN char *vmdrv_conn_record_path(vmdrv_conn *conn, const char *name,
                                          const char *file);

/* 1 when the instance has a record, that is, this scope made it; else 0. */
VMDRV_EXTERN int vmdrv_conn_record_exists(vmdrv_conn *conn, const char *name,
                                          const char *file);

/*
 * Load the record of instance name into *out (owned by the caller). It
 * must be a JSON object whose integer "schema" is schema and which holds
 * every member of required: space-separated "key:type" words, type one
 * of string, integer, array, object ("vm:string mounts:array"; NULL or
 * "" for none). Errors: VMDRV_E_NOTFOUND "instance '<name>' does not
 * exist" when there is no record; VMDRV_E_CORRUPT when it is not JSON
 * (with "file:line:column: why"), has another schema, or lacks a
 * member. *out is NULL on failure.
 */
VMDRV_EXTERN int vmdrv_conn_record_load(vmdrv_conn *conn, const char *name,
                                        const char *file, int schema,
                                        const char *required,
                                        struct json_t **out);

/*
 * Write the record of instance name atomically (write, fsync, rename):
 * a crash leaves the old record or the new one. The instance folder
 * must exist. VMDRV_E_IO on failure.
 */
VMDRV_EXTERN int vmdrv_conn_record_save(vmdrv_conn *conn, const char *name,
                                        const char *file,
                                        const struct json_t *record);

/* ---- machine names ---------------------------------------------------- */

/*
 * The hypervisor's name for instance name: the name itself in the
 * driver's own scope (what Multipass does), "<scope>.<name>" in any
 * other, so that scopes sharing the host's machine list never collide
 * ('.' is not allowed in instance names). VMDRV_E_INVAL when it does not
 * fit in buf.
 */
VMDRV_EXTERN int vmdrv_conn_machine_name(vmdrv_conn *conn, const char *name,
                                         char *buf, size_t size);

/*
 * The instance a machine name stands for in this scope (owned by the
 * caller), or NULL when the machine is not named like one of this
 * scope's instances. Sets no error.
 */
VMDRV_EXTERN char *vmdrv_conn_machine_instance(vmdrv_conn *conn,
                                               const char *machine);

/* ---- state names ------------------------------------------------------ */

/* One hypervisor state name and what it means. */
typedef struct vmdrv_state_map {
    const char *name;  /* the hypervisor's name: "Running", "aborted-saved" */
    vmdrv_state state; /* the instance state it maps to */
    int transient;     /* 1 while the hypervisor moves between states */
} vmdrv_state_map;

/*
 * Look name up (exactly) in the n entries of map: 0 and the entry's
 * state and transient flag (transient may be NULL); -1 with
 * VMDRV_STATE_UNKNOWN and not transient when name is NULL or not there.
 * Sets no error: an unknown name is the caller's to report or log.
 */
VMDRV_EXTERN int vmdrv_state_map_find(const vmdrv_state_map *map, size_t n,
                                      const char *name, vmdrv_state *state,
                                      int *transient);

#ifdef __cplusplus
}
#endif

#endif
