/*
 * vmdrv/manager.h: the instance manager, what Multipass's daemon does
 * around its drivers: the platform table (which drivers each platform
 * offers, which is the default, which are retired), the local.driver
 * setting, one instance scope per driver with its instance records,
 * switching between scopes, and the Hyperkit-to-QEMU migration.
 *
 * The vmdrv CLI is a thin layer over this header, and the conformance
 * runner drives it in-process for its defaults.*, setting.*, scope.* and
 * migration.* cases. Every fallible call returns 0 or a negative
 * vmdrv_status and sets the context's error; on success it touches no
 * error. Warnings (a stored setting that is invalid here, a scope that
 * could not be reached) are kept on the manager, never printed.
 *
 * On disk, under the context's data directory:
 *
 *   settings.yaml      the settings, a flat YAML map: "local.driver: qemu"
 *                      (unknown keys are errors, reported file:line:col)
 *   settings.lock      advisory lock: every settings write, and a whole
 *                      scope switch, happen under it
 *   <scope>/           one folder per scope, named after its driver (or
 *                      alias, below); the driver's vmdrv_conn_dir()
 *     vmdrv-instances.json   the instance records (schema below)
 *     vmdrv-instances.lock   held by every read-modify-write of them
 *     vmdrv-scope.lock       held by each state-changing operation and by
 *                            a switch leaving or entering the scope
 *     instances/<name>/      the instance's files, owned by the driver
 *   hyperkit/          a leftover Hyperkit scope in Multipass's own layout
 *                      (see the migration below); vmdrv never writes it
 *
 * Every write of a records or settings file is atomic (temporary file,
 * fsync, rename, fsync of the folder) and made under the file's lock, so
 * concurrent vmdrv processes serialize and a process killed at any point
 * leaves the previous or the new file, never a mix. A file that does not
 * parse, or carries an unknown schema version, is an error
 * (VMDRV_E_CORRUPT, VMDRV_E_CONFIG for settings) and is never
 * overwritten.
 *
 * Records file (schema 1), Multipass's field names where they apply:
 *
 *   {"schema": 1, "scope": "test", "driver": "test",
 *    "instances": {"web": {
 *        "name": "web", "state": 4,          Multipass's state integers
 *        "num_cores": 1, "mem_size": "1073741824",   bytes, as strings
 *        "disk_space": "5368709120",
 *        "deleted": false,
 *        "mounts": [{"source_path": "/src", "target_path": "/dst",
 *                    "mount_type": 1}],        1: native
 *        "extra_interfaces": [{"id": "br0"}],
 *        "snapshots": ["snapshot1"], "snapshot_count": 1,
 *        "state_before_switch": 4,   only while remembered (see switching)
 *        "pending_create": true,     the driver has not seen it yet
 *        "image": "/abs/disk.qcow2", handed to instance_create when pending
 *        "migrated_from": "hyperkit"}}}
 *
 * Unknown fields of a record (a migrated Multipass record's mac_addr,
 * ssh_username, metadata) are preserved by every rewrite.
 */
#ifndef VMDRV_MANAGER_H
#define VMDRV_MANAGER_H

#include <stddef.h>
#include <stdint.h>

#include "vmdrv/vmdrv.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the platform table --------------------------------------------- */

/*
 * The SDK's statement of which drivers each platform offers (the seed
 * page's facts; matrix/ holds the separate expectation the conformance
 * runner compares this with):
 *
 *   linux    qemu
 *   macos    qemu; virtualbox on x86_64 only (Multipass builds its
 *            VirtualBox backend only for Intel Macs)
 *   windows  hyperv (Pro and above only), virtualbox
 *   any      test (the reference driver: always offered, never a default)
 *
 * Defaults: linux and macos qemu; windows pro hyperv; windows home
 * virtualbox (the edition comes from the host descriptor).
 * Retired: hyperkit (macos, as of 1.13); lxd and libvirt (linux, as of
 * 1.16). A plugin driver (vmdrv_driver_load) is offered wherever its
 * probe accepts the host, and is never a default.
 */

/* The default driver for host; NULL when its OS is unknown. */
VMDRV_EXTERN const char *vmdrv_platform_default(const vmdrv_host *host);

/*
 * 1 when the in-tree driver name (canonical spelling) is offered on host;
 * else 0, and when reason is not NULL a sentence saying why ("Hyper-V
 * needs Windows Pro or above; this host is Windows Home").
 */
VMDRV_EXTERN int vmdrv_platform_available(const vmdrv_host *host,
                                          const char *name, char *reason,
                                          size_t size);

/*
 * The in-tree drivers offered on host, the platform's own first and
 * "test" last; fills up to max names (static strings), returns how many
 * there are.
 */
VMDRV_EXTERN size_t vmdrv_platform_drivers(const vmdrv_host *host,
                                           const char **names, size_t max);

/*
 * 1 when name is a retired driver; then *version is the release that
 * retired it ("1.13") and *platform the platform it served ("macos").
 * Either pointer may be NULL.
 */
VMDRV_EXTERN int vmdrv_driver_retired(const char *name, const char **version,
                                      const char **platform);

/*
 * The canonical spelling of a local.driver value: trimmed, lower-cased,
 * aliases resolved ("Hyper-V" -> "hyperv", "vbox" -> "virtualbox").
 * 0, or VMDRV_E_INVAL for an empty or over-long value (no error is set on
 * any context: callers report it).
 */
VMDRV_EXTERN int vmdrv_driver_canonical(const char *value, char *buf,
                                        size_t size);

/* ---- the manager ---------------------------------------------------- */

typedef struct vmdrv_manager vmdrv_manager;

/*
 * A manager over ctx (borrowed: free the manager first). It reads
 * VMDRV_SCOPE_ALIASES, a comma list of ALIAS=DRIVER (see
 * vmdrv_manager_add_alias), so the CLI and its tests can name second
 * scopes.
 */
VMDRV_EXTERN int vmdrv_manager_new(vmdrv_manager **out, vmdrv_ctx *ctx);
VMDRV_EXTERN void vmdrv_manager_free(vmdrv_manager *mgr);
VMDRV_EXTERN vmdrv_ctx *vmdrv_manager_ctx(vmdrv_manager *mgr);

/* KEY=VALUE options given to every driver connection the manager opens
 * (the CLI's --driver-opt). NULL-terminated; copied. */
VMDRV_EXTERN int vmdrv_manager_set_driver_options(vmdrv_manager *mgr,
                                                  const char *const *options);

/*
 * A second scope of a driver: alias becomes a valid local.driver value
 * wherever driver is offered, and selects driver opened on the scope
 * folder <data>/<alias>. This is how the conformance runner (and the
 * tests) switch between two scopes when the test driver itself is under
 * test: vmdrv_manager_add_alias(mgr, "test-b", "test"). The alias must be
 * a valid instance-style name, not an in-tree, plugin or retired driver
 * name, and never becomes a default.
 */
VMDRV_EXTERN int vmdrv_manager_add_alias(vmdrv_manager *mgr,
                                         const char *alias,
                                         const char *driver);

/* Warnings collected since the last clear ("stored local.driver 'x' ..."). */
VMDRV_EXTERN size_t vmdrv_manager_warning_count(vmdrv_manager *mgr);
VMDRV_EXTERN const char *vmdrv_manager_warning(vmdrv_manager *mgr, size_t i);
VMDRV_EXTERN void vmdrv_manager_clear_warnings(vmdrv_manager *mgr);

/* ---- reports of switches and migrations ----------------------------- */

typedef enum vmdrv_report_action {
    VMDRV_ACT_KEPT = 0,   /* left as it was (stopped, suspended, deleted) */
    VMDRV_ACT_SUSPENDED,  /* suspended when its scope was left */
    VMDRV_ACT_STOPPED,    /* the driver cannot suspend: stopped instead */
    VMDRV_ACT_RESUMED,    /* started again: restored, or a switch undone */
    VMDRV_ACT_MIGRATED,   /* copied into the qemu scope */
    VMDRV_ACT_WOULD_MIGRATE, /* dry run */
    VMDRV_ACT_SKIPPED,    /* left alone, message says why */
    VMDRV_ACT_FAILED      /* rc and message say what went wrong */
} vmdrv_report_action;

typedef struct vmdrv_report_entry {
    char scope[VMDRV_NAME_MAX + 1];
    char name[VMDRV_NAME_MAX + 1];
    vmdrv_report_action action;
    vmdrv_state before; /* state before the step */
    vmdrv_state after;  /* state after it */
    int rc;             /* 0, or the failure's status */
    char message[512];  /* the reason for SKIPPED/FAILED, else "" */
} vmdrv_report_entry;

typedef struct vmdrv_report {
    char from[VMDRV_NAME_MAX + 1]; /* scope left ("" when no switch) */
    char to[VMDRV_NAME_MAX + 1];   /* scope entered */
    int switched;    /* 1 when local.driver now selects another scope */
    int rolled_back; /* 1 when a switch failed and was undone */
    int migrated;    /* 1 when a Hyperkit migration ran */
    vmdrv_report_entry *items;
    size_t count;
    size_t cap_;
} vmdrv_report;

/* Calls that fill a report clear it first: pass one zeroed ({0}) or
 * cleared. */
VMDRV_EXTERN void vmdrv_report_clear(vmdrv_report *report);
/* "suspended", "skipped", ... */
VMDRV_EXTERN const char *vmdrv_report_action_name(vmdrv_report_action a);

/* ---- settings ------------------------------------------------------- */

/* The known keys, NULL-terminated: "local.driver". */
VMDRV_EXTERN const char *const *vmdrv_setting_keys(void);

/*
 * The value in effect for key, into buf. For local.driver that is the
 * stored value when it is valid on the context's host, else the platform
 * default; an invalid stored value adds a warning and is left as it is
 * (never rewritten behind the user's back). Unknown key: VMDRV_E_INVAL.
 */
VMDRV_EXTERN int vmdrv_setting_get(vmdrv_manager *mgr, const char *key,
                                   char *buf, size_t size);

/*
 * Set key to value. For local.driver: the value is canonicalised and
 * checked against the host (unknown: VMDRV_E_INVAL; retired:
 * VMDRV_E_RETIRED naming the version; not offered here:
 * VMDRV_E_UNAVAILABLE listing the valid choices), then the scopes are
 * switched (vmdrv_local_driver_set). report may be NULL.
 */
VMDRV_EXTERN int vmdrv_setting_set(vmdrv_manager *mgr, const char *key,
                                   const char *value, vmdrv_report *report);

typedef enum vmdrv_driver_source {
    VMDRV_SOURCE_SETTING = 0, /* the stored value */
    VMDRV_SOURCE_DEFAULT,     /* nothing stored: the platform default */
    VMDRV_SOURCE_FALLBACK     /* stored value invalid here: the default */
} vmdrv_driver_source;

typedef struct vmdrv_driver_choice {
    char name[VMDRV_NAME_MAX + 1];   /* in effect: a driver or an alias */
    char driver[VMDRV_NAME_MAX + 1]; /* the driver it opens */
    char stored[128];                /* the stored text, "" when unset */
    vmdrv_driver_source source;
} vmdrv_driver_choice;

/* The local.driver in effect (adds a warning on FALLBACK). */
VMDRV_EXTERN int vmdrv_local_driver(vmdrv_manager *mgr,
                                    vmdrv_driver_choice *out);

/*
 * Check a local.driver value for this host without changing anything;
 * on success canon holds the canonical name. Errors as vmdrv_setting_set.
 */
VMDRV_EXTERN int vmdrv_local_driver_check(vmdrv_manager *mgr,
                                          const char *value, char *canon,
                                          size_t size);

/*
 * Switch scopes: the whole switch holds settings.lock, so two processes
 * switching at once serialize (the second leaves the scope the first
 * entered).
 *
 *  1. Leave the scope in effect: for each live (not deleted) record
 *     remember its state in state_before_switch (an earlier, interrupted
 *     switch's memory is kept), then suspend it when it runs; a driver
 *     that cannot suspend (VMDRV_E_NOTSUP), or whose suspend fails, stops
 *     it cleanly instead (the report says why). An instance its driver
 *     does not know (VMDRV_E_NOTFOUND) is left as recorded.
 *  2. If any instance can be neither suspended nor stopped, the switch is
 *     abandoned: the instances suspended so far are resumed, the memory
 *     is dropped, local.driver is unchanged, nothing is lost, and the
 *     error names the instance (report->rolled_back = 1).
 *  3. Write local.driver (the commit point).
 *  4. On a macOS host, when the stored value was "hyperkit" and the new
 *     one is "qemu", migrate the Hyperkit scope (vmdrv_migrate).
 *  5. Enter the new scope: each record with a remembered state gets it
 *     back (running: start/resume; suspended and stopped: left as they
 *     are), and the memory is dropped. A new scope is simply empty.
 *
 * Failures in 4 and 5 do not undo the switch: they are listed in the
 * report and the call returns the first one's status.
 *
 * Setting the value already in effect runs step 5 alone: it finishes a
 * switch that was killed halfway (instances of the scope in effect that
 * still remember a state get it back).
 */
VMDRV_EXTERN int vmdrv_local_driver_set(vmdrv_manager *mgr, const char *value,
                                        vmdrv_report *report);

/* ---- records -------------------------------------------------------- */

typedef struct vmdrv_mount_rec {
    char source[1024]; /* host path */
    char target[1024]; /* guest path */
} vmdrv_mount_rec;

typedef struct vmdrv_record {
    char name[VMDRV_NAME_MAX + 1];
    vmdrv_state state; /* the last state recorded */
    int cpus;
    uint64_t memory_mb;
    uint64_t disk_mb;
    int deleted;
    int remembered;                /* 1: state_before_switch is set */
    vmdrv_state state_before_switch;
    int pending_create;            /* the driver has not created it yet */
    char migrated_from[32];        /* "hyperkit", or "" */
    vmdrv_mount_rec *mounts;
    size_t n_mounts;
    vmdrv_names interfaces;        /* extra interface ids */
    vmdrv_names snapshots;         /* snapshot names, oldest first */
} vmdrv_record;

typedef struct vmdrv_records {
    vmdrv_record *items; /* sorted by name */
    size_t count;
    size_t cap_;
} vmdrv_records;

VMDRV_EXTERN void vmdrv_record_clear(vmdrv_record *rec);
VMDRV_EXTERN void vmdrv_records_clear(vmdrv_records *list);
VMDRV_EXTERN const vmdrv_record *vmdrv_records_find(const vmdrv_records *list,
                                                    const char *name);

/*
 * The records of the scope folder <data>/<scope_name>, deleted ones
 * included, read without any driver (an absent file is an empty scope).
 * The conformance runner uses it to look into scopes not in effect.
 */
VMDRV_EXTERN int vmdrv_records_load(vmdrv_ctx *ctx, const char *scope_name,
                                    vmdrv_records *out);

/* ---- scopes and their instances -------------------------------------- */

typedef struct vmdrv_scope vmdrv_scope;

/*
 * Open a scope: name is a driver or an alias (NULL: the local.driver in
 * effect, and then each state-changing call first checks, under the
 * scope lock, that it is still in effect, failing with VMDRV_E_STATE if a
 * switch happened meanwhile). The driver is probed first, so a driver
 * that is not built or declines this host says so here. Opening a scope
 * not in effect is allowed (the runner inspects inactive scopes); the CLI
 * never does it. flags: 0.
 */
VMDRV_EXTERN int vmdrv_scope_open(vmdrv_scope **out, vmdrv_manager *mgr,
                                  const char *name, unsigned int flags);
VMDRV_EXTERN void vmdrv_scope_close(vmdrv_scope *scope);
VMDRV_EXTERN const char *vmdrv_scope_name(vmdrv_scope *scope);
VMDRV_EXTERN const char *vmdrv_scope_driver(vmdrv_scope *scope);
VMDRV_EXTERN const char *vmdrv_scope_dir(vmdrv_scope *scope);
/* The driver connection, for operations that keep no record (networks,
 * guest exec, snapshot lists). Borrowed. */
VMDRV_EXTERN vmdrv_conn *vmdrv_scope_conn(vmdrv_scope *scope);

enum vmdrv_scope_flags {
    VMDRV_SCOPE_DELETED = 1u << 0, /* records: include deleted ones */
    VMDRV_DELETE_PURGE = 1u << 1   /* delete: remove through the driver */
};

/*
 * The scope's records, sorted by name (flags: VMDRV_SCOPE_DELETED), each
 * with its live state where the driver answers (else the recorded one;
 * VMDRV_STATE_UNKNOWN when the driver says it does not know the
 * instance any more).
 */
VMDRV_EXTERN int vmdrv_scope_records(vmdrv_scope *scope, vmdrv_records *out,
                                     unsigned int flags);

/*
 * The live state: the driver's answer when it has one, else the recorded
 * state (*live = 0), or VMDRV_STATE_UNKNOWN when the driver does not
 * know the instance. VMDRV_E_NOTFOUND when no record has this name.
 */
VMDRV_EXTERN int vmdrv_scope_state(vmdrv_scope *scope, const char *name,
                                   vmdrv_state *state, int *live);

/*
 * The record (live state filled in) and, when info is not NULL, the
 * driver's details (info->n_details = 0 when the driver cannot answer).
 * Deleted instances are found; rec->deleted says so.
 */
VMDRV_EXTERN int vmdrv_scope_info(vmdrv_scope *scope, const char *name,
                                  vmdrv_record *rec, vmdrv_info *info);

/*
 * Make sure name is a live instance of the scope whose driver knows it
 * (creating a pending one): for the operations the caller makes directly
 * on vmdrv_scope_conn(). VMDRV_E_NOTFOUND, or VMDRV_E_STATE when deleted.
 */
VMDRV_EXTERN int vmdrv_scope_require(vmdrv_scope *scope, const char *name);

/*
 * A Multipass-style name ("adjective-noun") not used in the scope,
 * deleted records included.
 */
VMDRV_EXTERN int vmdrv_scope_petname(vmdrv_scope *scope, char *buf,
                                     size_t size);

/*
 * Create and start an instance. spec->name NULL: a petname, written to
 * name_out (which may be NULL otherwise). The record is written first
 * (pending), so a crash leaves a record the next operation completes; a
 * failed launch removes what it made. Name validated before any driver
 * call; a name used in this scope (deleted included) is VMDRV_E_EXISTS.
 */
VMDRV_EXTERN int vmdrv_scope_launch(vmdrv_scope *scope,
                                    const vmdrv_instance_spec *spec,
                                    char *name_out, size_t size,
                                    unsigned int flags);

/*
 * The state-changing operations. Each validates the name before any
 * driver call, refuses a deleted instance (VMDRV_E_STATE), calls the
 * driver through the dispatcher (so an unsupported feature answers
 * VMDRV_E_NOTSUP naming feature and driver, and leaves instance and
 * record exactly as they were), then records the outcome. An explicit
 * start/stop/suspend/restore/delete drops a remembered switch state.
 */
VMDRV_EXTERN int vmdrv_scope_start(vmdrv_scope *scope, const char *name,
                                   unsigned int flags);
/* flags: VMDRV_STOP_FORCE */
VMDRV_EXTERN int vmdrv_scope_stop(vmdrv_scope *scope, const char *name,
                                  unsigned int flags);
VMDRV_EXTERN int vmdrv_scope_suspend(vmdrv_scope *scope, const char *name,
                                     unsigned int flags);
/*
 * Without VMDRV_DELETE_PURGE: power the instance off and mark its record
 * deleted (hidden from lists, name still taken). With it: remove it
 * through the driver's instance_delete and drop the record (works on a
 * deleted record too).
 */
VMDRV_EXTERN int vmdrv_scope_delete(vmdrv_scope *scope, const char *name,
                                    unsigned int flags);
/* snapshot NULL: "snapshot<N+1>", N the snapshots ever taken; the name
 * used goes to out (may be NULL). */
VMDRV_EXTERN int vmdrv_scope_snapshot(vmdrv_scope *scope, const char *name,
                                      const char *snapshot, char *out,
                                      size_t size, unsigned int flags);
VMDRV_EXTERN int vmdrv_scope_restore(vmdrv_scope *scope, const char *name,
                                     const char *snapshot,
                                     unsigned int flags);
VMDRV_EXTERN int vmdrv_scope_mount(vmdrv_scope *scope, const char *name,
                                   const char *host_path,
                                   const char *guest_path,
                                   unsigned int flags);
/* guest_path NULL: every recorded mount of the instance. */
VMDRV_EXTERN int vmdrv_scope_umount(vmdrv_scope *scope, const char *name,
                                    const char *guest_path,
                                    unsigned int flags);

/* ---- the Hyperkit migration ----------------------------------------- */

/*
 * Migrate a leftover Hyperkit scope into the qemu scope (only
 * from "hyperkit" to "qemu", only on a macOS host, real or profile).
 *
 * The Hyperkit scope is <data>/hyperkit/ in Multipass's layout:
 * multipassd-vm-instances.json (Multipass's instance records) and
 * vault/multipassd-instance-image-records.json (each instance's image
 * "path"; a path that does not exist is looked for by its file name
 * under vault/instances/<name>/, as after moving a data directory).
 *
 * Each stopped (off or stopped) instance is migrated: its disk is copied
 * to <data>/qemu/instances/<name>/disk.qcow2 (the convention the qemu
 * driver follows), repaired with `qemu-img check -r all` (through the
 * process runner, 5 minutes at most, as Multipass after its issue
 * #2938), and a qemu record is written with Multipass's fields copied,
 * pending_create set and "image" naming the copied disk: the qemu driver
 * is handed that path in vmdrv_instance_spec.image on the instance's
 * first use, and adopts the disk already in its instance folder. Deleted,
 * running or suspended, and name-clashing (any qemu record or instance
 * folder of that name) instances are skipped with the reason, as are
 * Xenial instances from before 1.11. The originals are never touched.
 * dry_run: report what would happen, write nothing.
 *
 * Returns 0 when nothing failed (skips are not failures), else the first
 * failure's status with a summary message; the report lists every
 * instance.
 */
VMDRV_EXTERN int vmdrv_migrate(vmdrv_manager *mgr, const char *from,
                               const char *to, int dry_run,
                               vmdrv_report *report);

#ifdef __cplusplus
}
#endif

#endif
