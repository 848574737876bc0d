/*
 * mgr_internal.h: what the manager's files (manager.c, platform_table.c,
 * settings.c, store.c, scope.c, switch.c, migrate.c) share and nothing
 * else sees: the manager and scope structures, the record store, the
 * settings file and the scope lock.
 */
#ifndef VMDRV_MGR_INTERNAL_H
#define VMDRV_MGR_INTERNAL_H

#include <jansson.h>

#include "vmdrv/manager.h"
#include "vmdrv/sys/driver.h"
#include "vu_fs.h"
#include "vu_str.h"

/* How long a command waits for a switch (or a switch for a command). */
#define VMDRV__LOCK_TIMEOUT_MS (300 * 1000)

/* The record schema this SDK reads and writes. */
#define VMDRV__RECORD_SCHEMA 1

#define VMDRV__RECORDS_FILE "vmdrv-instances.json"
#define VMDRV__RECORDS_LOCK "vmdrv-instances.lock"
#define VMDRV__SCOPE_LOCK "vmdrv-scope.lock"
#define VMDRV__SETTINGS_FILE "settings.yaml"
#define VMDRV__SETTINGS_LOCK "settings.lock"

typedef struct vmdrv__alias {
    char *alias;
    char *driver;
} vmdrv__alias;

struct vmdrv_manager {
    vmdrv_ctx *ctx;
    vu_strv options;
    vmdrv__alias *aliases;
    size_t n_aliases;
    vu_strv warnings;
};

struct vmdrv_scope {
    vmdrv_manager *mgr;
    char *name;   /* the scope: a driver name or an alias */
    char *driver; /* the driver it opens */
    char *dir;    /* <data>/<name> */
    vmdrv_conn *conn;
    int current;  /* opened as "the local.driver in effect" */
};

/* ---- manager.c ------------------------------------------------------- */

void vmdrv__warn(vmdrv_manager *mgr, const char *fmt, ...) VU_PRINTF(2, 3);
/* The driver an alias selects, or NULL. */
const char *vmdrv__alias_driver(vmdrv_manager *mgr, const char *alias);
/* Append an entry to a report (report may be NULL); returns it or NULL. */
vmdrv_report_entry *vmdrv__report_add(vmdrv_report *report,
                                      const char *scope, const char *name,
                                      vmdrv_report_action action,
                                      vmdrv_state before, vmdrv_state after,
                                      int rc, const char *message);

/*
 * Keep the context's error across a failure the caller recovers from, so
 * a call that succeeds leaves the error as it found it.
 */
typedef struct vmdrv__saved_err {
    int code;
    long native;
    char *origin;
    char *message;
} vmdrv__saved_err;
void vmdrv__err_save(vmdrv_ctx *ctx, vmdrv__saved_err *saved);
void vmdrv__err_restore(vmdrv_ctx *ctx, vmdrv__saved_err *saved);
/* Forget a saved error (the new failure stands). */
void vmdrv__err_drop(vmdrv__saved_err *saved);
/* The context's current message, copied (owned). */
char *vmdrv__err_copy(vmdrv_ctx *ctx);

/* ---- platform_table.c ------------------------------------------------ */

/* 1 for the in-tree drivers the table knows (test, qemu, hyperv, virtualbox). */
int vmdrv__table_knows(const char *name);
/* 1 when name is retired and was offered on this host's platform and
 * architecture before that (else it was never offered here). */
int vmdrv__driver_retired_on(const vmdrv_host *host, const char *name);
/* "Hyper-V", "Hyperkit": display name of a known or retired driver, else
 * name itself. */
const char *vmdrv__display(const char *name);
/* "Windows Home", "macOS (arm64)", "Linux" */
void vmdrv__host_words(const vmdrv_host *host, char *buf, size_t size);

/* ---- settings.c ------------------------------------------------------ */

/* The stored settings: one owned value (or NULL) per known key. */
#define VMDRV__N_SETTINGS 1
typedef struct vmdrv__settings {
    char *values[VMDRV__N_SETTINGS];
} vmdrv__settings;

int vmdrv__settings_read(vmdrv_ctx *ctx, vmdrv__settings *out);
/* Write every value; the caller holds the settings lock. */
int vmdrv__settings_write(vmdrv_ctx *ctx, const vmdrv__settings *s);
void vmdrv__settings_clear(vmdrv__settings *s);
int vmdrv__settings_lock(vmdrv_ctx *ctx, vu_lock *lock);
/* Index of a key, or -1. */
int vmdrv__setting_index(const char *key);

/*
 * Check a local.driver value against the host, setting no error: 0 with
 * canon (and *driver, the driver it opens: static or alias-owned), or a
 * status with why holding the reason (valid choices included).
 */
int vmdrv__driver_value_check(vmdrv_manager *mgr, const char *value,
                              char *canon, size_t csize, const char **driver,
                              char *why, size_t wsize);
/* The effective choice for a stored value (NULL: unset); warn adds the
 * fallback warning. Fails only when the host has no default. */
int vmdrv__choose(vmdrv_manager *mgr, const char *stored,
                  vmdrv_driver_choice *out, int warn);
/* vmdrv_local_driver without warnings (for re-checks). */
int vmdrv__effective(vmdrv_manager *mgr, vmdrv_driver_choice *out);

/* ---- store.c --------------------------------------------------------- */

typedef struct vmdrv__store {
    vmdrv_ctx *ctx;
    char *path;
    char *lock_path;
    vu_lock lock;
    int locked;
    json_t *root;
    json_t *instances; /* borrowed from root */
} vmdrv__store;

/*
 * Lock the records of scope folder dir and load them (an absent file is
 * an empty scope headed with scope and driver). A corrupt or newer file
 * fails with VMDRV_E_CORRUPT and stays as it is. Stray temporary files of
 * writers that died are removed while the lock is held.
 */
int vmdrv__store_begin(vmdrv_ctx *ctx, const char *dir, const char *scope,
                       const char *driver, vmdrv__store *st);
/* Write atomically and release. The store is ended either way. */
int vmdrv__store_commit(vmdrv__store *st);
/* Release without writing. */
void vmdrv__store_end(vmdrv__store *st);
/* Read without the lock (writers replace the file atomically). *root is
 * NULL for an absent file. */
int vmdrv__store_read(vmdrv_ctx *ctx, const char *dir, json_t **root);

/* Check the fields vmdrv reads (VMDRV_E_CORRUPT naming path and field). */
int vmdrv__record_check(vmdrv_ctx *ctx, const char *path, const char *name,
                        const json_t *rec);
json_t *vmdrv__record_new(const char *name, int cpus, uint64_t memory_mb,
                          uint64_t disk_mb);
int vmdrv__record_from_json(const char *name, const json_t *j,
                            vmdrv_record *out);
/* Fill list from a loaded root (sorted; deleted ones only when asked). */
void vmdrv__records_from_root(const json_t *root, vmdrv_records *out,
                              int with_deleted);
/* A byte size field ("1073741824") as MiB; 0 when absent or bad. */
uint64_t vmdrv__size_mb(const json_t *rec, const char *key);

/* ---- scope.c --------------------------------------------------------- */

int vmdrv__scope_lock(vmdrv_ctx *ctx, const char *dir, vu_lock *lock);
/* The live state: the driver's (*live 1), else the recorded one (*live
 * 0: pending, or the driver cannot answer; -1: the driver says it does
 * not know the instance). */
int vmdrv__live_state(vmdrv_scope *s, const char *name, vmdrv_state *st,
                      int *live);
/* Set fields of a record in one locked write: state (refreshed from the
 * driver when refresh), and the switch memory (-1 leaves it, -2 drops
 * it, a state sets it). */
int vmdrv__record_update(vmdrv_scope *s, const char *name, int refresh,
                         int remember);

/* ---- migrate.c ------------------------------------------------------- */

#define VMDRV__HYPERKIT_DB "multipassd-vm-instances.json"
#define VMDRV__HYPERKIT_IMAGES "vault/multipassd-instance-image-records.json"

#endif
