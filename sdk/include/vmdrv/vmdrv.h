/*
 * vmdrv/vmdrv.h: the consumer API of libvmdrv.
 *
 * Open a context on a data directory, enumerate the drivers, probe the
 * host, open a driver on a scope, and call any operation through the
 * dispatcher, which checks arguments and flags and answers unsupported
 * operations itself. Driver authors include vmdrv/sys/driver.h instead.
 */
#ifndef VMDRV_VMDRV_H
#define VMDRV_VMDRV_H

#include <stddef.h>
#include <stdint.h>

#include "vmdrv/caps.h"
#include "vmdrv/export.h"
#include "vmdrv/host.h"
#include "vmdrv/proc.h"
#include "vmdrv/status.h"
#include "vmdrv/types.h"
#include "vmdrv/version.h"

#ifdef __cplusplus
extern "C" {
#endif


typedef struct vmdrv_ctx vmdrv_ctx;
typedef struct vmdrv_conn vmdrv_conn;

/* ---- context -------------------------------------------------------- */

/*
 * Open a context. data_dir NULL: the default (VMDRV_DATA_DIR, else the
 * platform's data folder + "/vmdrv"). The folder is created if missing.
 * On failure *out is NULL and, when err is not NULL, the reason is
 * written there.
 */
VMDRV_EXTERN int vmdrv_ctx_open(vmdrv_ctx **out, const char *data_dir,
                                char *err, size_t err_size);
VMDRV_EXTERN void vmdrv_ctx_free(vmdrv_ctx *ctx);
VMDRV_EXTERN const char *vmdrv_ctx_data_dir(vmdrv_ctx *ctx);

/* The platform default data directory, without creating it. */
VMDRV_EXTERN int vmdrv_default_data_dir(char *buf, size_t size);

/* The last failure on this context. Never NULL. */
VMDRV_EXTERN const vmdrv_error *vmdrv_last_error(vmdrv_ctx *ctx);
VMDRV_EXTERN void vmdrv_error_clear(vmdrv_ctx *ctx);

/* Verbose logging to stderr (and to a file, when set). */
VMDRV_EXTERN void vmdrv_ctx_set_verbose(vmdrv_ctx *ctx, int verbose);
VMDRV_EXTERN int vmdrv_ctx_set_log_file(vmdrv_ctx *ctx, const char *path);

/* ---- host ----------------------------------------------------------- */

/* Describe the machine this runs on. */
VMDRV_EXTERN int vmdrv_host_probe(vmdrv_ctx *ctx, vmdrv_host *out);
/* Load a host profile (YAML); errors name file:line:column. */
VMDRV_EXTERN int vmdrv_host_load_profile(vmdrv_ctx *ctx, const char *path,
                                         vmdrv_host *out);
/*
 * The context's host: a profile set with vmdrv_ctx_use_profile, else the
 * real host, probed on first use. Borrowed.
 */
VMDRV_EXTERN const vmdrv_host *vmdrv_ctx_host(vmdrv_ctx *ctx);
VMDRV_EXTERN int vmdrv_ctx_use_profile(vmdrv_ctx *ctx, const char *path);
/* Use a descriptor already probed or loaded (copied), instead of probing
 * again: the conformance runner hands each case its target's host. */
VMDRV_EXTERN void vmdrv_ctx_set_host(vmdrv_ctx *ctx, const vmdrv_host *host);

/* ---- drivers -------------------------------------------------------- */

typedef enum vmdrv_driver_origin {
    VMDRV_ORIGIN_BUILTIN = 0,
    VMDRV_ORIGIN_PLUGIN
} vmdrv_driver_origin;

typedef struct vmdrv_driver_desc {
    const char *name;
    const char *display_name;
    vmdrv_driver_origin origin;
    const char *plugin_path;  /* for plugins */
    int built;                /* 0: known, but not built into this binary */
    unsigned int abi_version; /* 0 when not built */
    uint64_t caps;            /* static mask; 0 when not built */
} vmdrv_driver_desc;

VMDRV_EXTERN size_t vmdrv_driver_count(vmdrv_ctx *ctx);
/* Fill out for driver i (0 <= i < count). Strings are borrowed. */
VMDRV_EXTERN int vmdrv_driver_get(vmdrv_ctx *ctx, size_t i,
                                  vmdrv_driver_desc *out);
/* Index of the driver named name, or -1 (no error set). */
VMDRV_EXTERN int vmdrv_driver_find(vmdrv_ctx *ctx, const char *name);

/*
 * Ask driver name whether it belongs on the context's host: 0 yes,
 * VMDRV_E_DECLINED (reason in the message), VMDRV_E_NOT_BUILT,
 * VMDRV_E_NOTFOUND, or the probe's own error.
 */
VMDRV_EXTERN int vmdrv_driver_probe(vmdrv_ctx *ctx, const char *name);

/*
 * Load an out-of-tree driver. Refuses, each with its own message: a file
 * that cannot be loaded, a missing entry point, a NULL table, ABI version
 * 0, a version newer than this SDK knows, a duplicate name, a table
 * without a name.
 */
VMDRV_EXTERN int vmdrv_driver_load(vmdrv_ctx *ctx, const char *path);

/* ---- connections ---------------------------------------------------- */

/*
 * Open driver on scope (NULL: the driver's own name, which is the normal
 * case; the harness opens a second scope of one driver under another
 * name). options: NULL-terminated "KEY=VALUE" strings for the driver.
 */
VMDRV_EXTERN int vmdrv_conn_open(vmdrv_conn **out, vmdrv_ctx *ctx,
                                 const char *driver, const char *scope,
                                 const char *const *options,
                                 unsigned int flags);
VMDRV_EXTERN void vmdrv_conn_close(vmdrv_conn *conn);
VMDRV_EXTERN const char *vmdrv_conn_scope(vmdrv_conn *conn);
VMDRV_EXTERN const char *vmdrv_conn_driver_name(vmdrv_conn *conn);
VMDRV_EXTERN vmdrv_ctx *vmdrv_conn_ctx(vmdrv_conn *conn);
VMDRV_EXTERN const char *vmdrv_conn_display_name(vmdrv_conn *conn);

/* The static mask, and the mask after the driver's runtime probe. */
VMDRV_EXTERN int vmdrv_conn_caps(vmdrv_conn *conn, uint64_t *static_caps,
                                 uint64_t *effective_caps);

/* ---- operations (through the dispatcher) ---------------------------- */

enum vmdrv_stop_flags {
    VMDRV_STOP_FORCE = 1u << 0  /* power off instead of powering down */
};

VMDRV_EXTERN int vmdrv_instance_create(vmdrv_conn *conn,
                                       const vmdrv_instance_spec *spec,
                                       unsigned int flags);
VMDRV_EXTERN int vmdrv_instance_start(vmdrv_conn *conn, const char *name,
                                      unsigned int flags);
VMDRV_EXTERN int vmdrv_instance_stop(vmdrv_conn *conn, const char *name,
                                     unsigned int flags);
VMDRV_EXTERN int vmdrv_instance_suspend(vmdrv_conn *conn, const char *name,
                                        unsigned int flags);
VMDRV_EXTERN int vmdrv_instance_state(vmdrv_conn *conn, const char *name,
                                      vmdrv_state *state, unsigned int flags);
VMDRV_EXTERN int vmdrv_instance_info(vmdrv_conn *conn, const char *name,
                                     vmdrv_info *info,
                                     unsigned int flags);
VMDRV_EXTERN int vmdrv_instance_delete(vmdrv_conn *conn, const char *name,
                                       unsigned int flags);
VMDRV_EXTERN int vmdrv_instance_list(vmdrv_conn *conn, vmdrv_names *names,
                                     unsigned int flags);

VMDRV_EXTERN int vmdrv_snapshot_take(vmdrv_conn *conn, const char *name,
                                     const char *snapshot, unsigned int flags);
VMDRV_EXTERN int vmdrv_snapshot_restore(vmdrv_conn *conn, const char *name,
                                        const char *snapshot,
                                        unsigned int flags);
VMDRV_EXTERN int vmdrv_snapshot_list(vmdrv_conn *conn, const char *name,
                                     vmdrv_snapshots *list,
                                     unsigned int flags);
VMDRV_EXTERN int vmdrv_snapshot_delete(vmdrv_conn *conn, const char *name,
                                       const char *snapshot,
                                       unsigned int flags);

VMDRV_EXTERN int vmdrv_mount(vmdrv_conn *conn, const char *name,
                             const char *host_path, const char *guest_path,
                             unsigned int flags);
VMDRV_EXTERN int vmdrv_umount(vmdrv_conn *conn, const char *name,
                              const char *guest_path, unsigned int flags);

VMDRV_EXTERN int vmdrv_networks_list(vmdrv_conn *conn,
                                     vmdrv_networks *list,
                                     unsigned int flags);
VMDRV_EXTERN int vmdrv_network_add(vmdrv_conn *conn, const char *name,
                                   const char *network, unsigned int flags);

VMDRV_EXTERN int vmdrv_guest_exec(vmdrv_conn *conn, const char *name,
                                  const char *command,
                                  vmdrv_exec_result *result,
                                  unsigned int flags);

#ifdef __cplusplus
}
#endif

#endif
