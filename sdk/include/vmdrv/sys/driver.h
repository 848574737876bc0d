/*
 * vmdrv/sys/driver.h: the driver contract, for driver authors.
 *
 * A driver is one `const vmdrv_driver` table. Its first field is the ABI
 * version the driver was built against; operations are grouped by the ABI
 * version that added them. The SDK never reads a field past the driver's
 * version, so a driver built against an older header keeps working.
 *
 * Rules every driver follows (the conformance harness checks them):
 *  - A NULL operation means "unsupported". Never implement an operation
 *    just to return VMDRV_E_NOTSUP: the SDK's dispatcher answers NULL
 *    operations itself, with a message naming the feature and the driver.
 *    Where support depends on the host at run time, leave the capability
 *    out of what caps_probe returns and answer with vmdrv_conn_notsup(),
 *    which produces the dispatcher's exact message.
 *  - The dispatcher has already checked arguments, instance names and
 *    flag bits before an operation is called.
 *  - On failure set an error with vmdrv_conn_error() and return its code;
 *    on success return 0 and touch no error.
 *  - External programs are run only through vmdrv_proc_run().
 *
 * Out-of-tree drivers are shared objects exporting one function,
 * VMDRV_DRIVER_ENTRY_SYMBOL, that returns the table.
 */
#ifndef VMDRV_SYS_DRIVER_H
#define VMDRV_SYS_DRIVER_H

#include <stdarg.h>
#include <stdint.h>

#include "vmdrv/vmdrv.h"
/* records, machine names, state names: the services of sys/meta.h */
#include "vmdrv/sys/meta.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The newest ABI version this header describes. */
#define VMDRV_DRIVER_ABI_VERSION 2

typedef struct vmdrv_driver vmdrv_driver;

struct vmdrv_driver {
    /* ---- ABI 1 ---------------------------------------------------- */
    unsigned int abi_version;  /* VMDRV_DRIVER_ABI_VERSION when built */
    const char *name;          /* "qemu": lower case, the local.driver value */
    const char *display_name;  /* "QEMU" */
    uint64_t caps;             /* static VMDRV_CAP_BIT() mask */

    /*
     * Does this driver belong on this host? 0: yes. VMDRV_E_DECLINED with
     * the reason as message: not here (no VBoxManage, Home edition, ...).
     * Any other negative code: it should work here but is broken.
     */
    int (*probe)(vmdrv_ctx *ctx, const vmdrv_host *host, unsigned int flags);

    /* Optional: refine the static mask for this host; *caps starts as it. */
    int (*caps_probe)(vmdrv_conn *conn, uint64_t *caps, unsigned int flags);

    /* Optional: set up private data (vmdrv_conn_set_data) for a scope. */
    int (*open)(vmdrv_conn *conn, unsigned int flags);
    void (*close)(vmdrv_conn *conn);

    int (*instance_create)(vmdrv_conn *conn, const vmdrv_instance_spec *spec,
                           unsigned int flags);
    int (*instance_start)(vmdrv_conn *conn, const char *name,
                          unsigned int flags);
    /* flags: VMDRV_STOP_FORCE powers off; otherwise a clean power down. */
    int (*instance_stop)(vmdrv_conn *conn, const char *name,
                         unsigned int flags);
    int (*instance_suspend)(vmdrv_conn *conn, const char *name,
                            unsigned int flags);
    int (*instance_state)(vmdrv_conn *conn, const char *name,
                          vmdrv_state *state, unsigned int flags);
    int (*instance_info)(vmdrv_conn *conn, const char *name,
                         vmdrv_info *info, unsigned int flags);
    int (*instance_delete)(vmdrv_conn *conn, const char *name,
                           unsigned int flags);
    /* Every instance the hypervisor side knows in this scope. */
    int (*instance_list)(vmdrv_conn *conn, vmdrv_names *names,
                         unsigned int flags);

    int (*snapshot_take)(vmdrv_conn *conn, const char *name,
                         const char *snapshot, unsigned int flags);
    int (*snapshot_restore)(vmdrv_conn *conn, const char *name,
                            const char *snapshot, unsigned int flags);
    int (*snapshot_list)(vmdrv_conn *conn, const char *name,
                         vmdrv_snapshots *list, unsigned int flags);
    int (*snapshot_delete)(vmdrv_conn *conn, const char *name,
                           const char *snapshot, unsigned int flags);

    int (*mount)(vmdrv_conn *conn, const char *name, const char *host_path,
                 const char *guest_path, unsigned int flags);
    int (*umount)(vmdrv_conn *conn, const char *name, const char *guest_path,
                  unsigned int flags);

    /* ---- ABI 2 ---------------------------------------------------- */
    int (*networks_list)(vmdrv_conn *conn, vmdrv_networks *list,
                         unsigned int flags);
    int (*network_add)(vmdrv_conn *conn, const char *name,
                       const char *network, unsigned int flags);
    /* Run a shell command inside the guest; lets the harness look inside. */
    int (*guest_exec)(vmdrv_conn *conn, const char *name, const char *command,
                      vmdrv_exec_result *result, unsigned int flags);
};

/* The exported entry of an out-of-tree driver. */
#define VMDRV_DRIVER_ENTRY_SYMBOL "vmdrv_driver_entry"
typedef const vmdrv_driver *(*vmdrv_driver_entry_fn)(unsigned int sdk_abi);

/* ---- services the SDK offers drivers ------------------------------- */

VMDRV_EXTERN const vmdrv_host *vmdrv_conn_host(vmdrv_conn *conn);
/* The scope's folder, created before open: <data dir>/<scope>. */
VMDRV_EXTERN const char *vmdrv_conn_dir(vmdrv_conn *conn);
/* An instance's folder under the scope: <scope dir>/instances/<name>. */
VMDRV_EXTERN int vmdrv_conn_instance_dir(vmdrv_conn *conn, const char *name,
                                         char *buf, size_t size);
VMDRV_EXTERN void *vmdrv_conn_data(vmdrv_conn *conn);
VMDRV_EXTERN void vmdrv_conn_set_data(vmdrv_conn *conn, void *data);
/* A KEY=VALUE option given at open (--driver-opt), or NULL. */
VMDRV_EXTERN const char *vmdrv_conn_option(vmdrv_conn *conn, const char *key);

/* Set the context's error with this driver as origin; returns code. */
VMDRV_EXTERN int vmdrv_conn_error(vmdrv_conn *conn, int code, long native,
                                  const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(VMDRV_PRINTF_FORMAT, 4, 5)))
#endif
    ;
/* The dispatcher's own "unsupported" answer; returns VMDRV_E_NOTSUP. */
VMDRV_EXTERN int vmdrv_conn_notsup(vmdrv_conn *conn, vmdrv_cap cap);

/* Set an error on a context (origin "sdk" when origin is NULL). */
VMDRV_EXTERN int vmdrv_error_set(vmdrv_ctx *ctx, int code, const char *origin,
                                 long native, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(VMDRV_PRINTF_FORMAT, 5, 6)))
#endif
    ;
VMDRV_EXTERN int vmdrv_error_setv(vmdrv_ctx *ctx, int code, const char *origin,
                                  long native, const char *fmt, va_list ap);

/* Debug log line for drivers (shown with -v and written to the run log). */
VMDRV_EXTERN void vmdrv_log(vmdrv_ctx *ctx, const char *origin,
                            const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(VMDRV_PRINTF_FORMAT, 3, 4)))
#endif
    ;

#ifdef __cplusplus
}
#endif

#endif
