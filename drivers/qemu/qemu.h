/*
 * qemu.h: the QEMU driver's internal interfaces, shared by the files of
 * drivers/qemu only: the QMP client (qemu_qmp.c), the command-line
 * builder (qemu_cmdline.c), guest exec over the serial console
 * (qemu_serial.c), the qemu-img wrappers (qemu_img.c) and small helpers
 * (qemu_util.c). The driver table itself is in qemu_driver.c.
 *
 * Every symbol here is hidden: libvmdrv exports one symbol for this
 * driver, its table. The unit tests compile the module they test.
 *
 * Errors follow the SDK rule: a failing function sets an error on the
 * context (origin "qemu") and returns a negative vmdrv_status; on
 * success it touches no error.
 */
#ifndef VMDRV_QEMU_H
#define VMDRV_QEMU_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "vmdrv/sys/driver.h"
#include "vu_str.h"

#if defined(__GNUC__)
#define QEMU_INTERNAL __attribute__((visibility("hidden")))
#define QEMU_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define QEMU_INTERNAL
#define QEMU_PRINTF(a, b)
#endif

#define QEMU_ORIGIN "qemu"

/* ---- qemu_util.c --------------------------------------------------------- */

/* Set an error with origin "qemu"; returns code. */
QEMU_INTERNAL int qemu_err(vmdrv_ctx *ctx, int code, long native,
                           const char *fmt, ...) QEMU_PRINTF(4, 5);
QEMU_INTERNAL long qemu_now_ms(void);
QEMU_INTERNAL void qemu_sleep_ms(int ms);
/* FNV-1a, for short stable names (runtime folders, mount tags, keys). */
QEMU_INTERNAL uint64_t qemu_hash64(const char *s);
/* Append s to b as one single-quoted shell word. */
QEMU_INTERNAL void qemu_shell_quote(vu_buf *b, const char *s);
/* Append s to b with QEMU's option escaping (',' doubled). */
QEMU_INTERNAL void qemu_opt_escape(vu_buf *b, const char *s);
/*
 * Connect to a unix socket, retrying while it does not exist yet or
 * refuses, until timeout_ms. The fd is close-on-exec. 0 or an error.
 */
QEMU_INTERNAL int qemu_unix_connect(vmdrv_ctx *ctx, const char *path,
                                    int timeout_ms, int *fd);
/* Write all of data, waiting at most until deadline (qemu_now_ms()). */
QEMU_INTERNAL int qemu_write_all(vmdrv_ctx *ctx, int fd, const char *data,
                                 size_t len, long deadline, const char *what);
/* What qemu_read_some returns at end of file (no error is set). */
#define QEMU_READ_EOF (-1000)
/*
 * Wait until fd is readable or deadline passes; reads what is there into
 * b. Returns the bytes read (> 0), 0 on timeout, QEMU_READ_EOF when the
 * peer closed, or a negative status (with the error set).
 */
QEMU_INTERNAL long qemu_read_some(vmdrv_ctx *ctx, int fd, vu_buf *b,
                                  long deadline, const char *what);
/*
 * Does pid exist and run? A zombie has released everything (files, image
 * locks, sockets) and waits only for its parent, init, to reap it.
 */
QEMU_INTERNAL int qemu_pid_running(long pid);

/* Internal snapshots of a qcow2 image (from qemu-img or from QMP). */
typedef struct qemu_img_snap {
    char id[16];
    char tag[128];
    uint64_t vm_state_bytes; /* 0: a disk-only snapshot */
    long long date;          /* seconds since the epoch */
} qemu_img_snap;

typedef struct qemu_img_snaps {
    qemu_img_snap *items;
    size_t count;
} qemu_img_snaps;

/* ---- qemu_qmp.c: the QMP client ------------------------------------------ */

typedef struct qemu_qmp qemu_qmp;

/* Connect to a QMP socket and negotiate (greeting, qmp_capabilities). */
QEMU_INTERNAL int qemu_qmp_connect(vmdrv_ctx *ctx, const char *path,
                                   int timeout_ms, qemu_qmp **out);
/* Negotiate on an already connected fd (owned by the client afterwards). */
QEMU_INTERNAL int qemu_qmp_attach(vmdrv_ctx *ctx, int fd, int timeout_ms,
                                  qemu_qmp **out);
QEMU_INTERNAL void qemu_qmp_close(qemu_qmp *q);
/* "7.2.22" from the greeting. */
QEMU_INTERNAL const char *qemu_qmp_version(const qemu_qmp *q);
/* The per-command timeout (default 30 s). */
QEMU_INTERNAL void qemu_qmp_set_timeout(qemu_qmp *q, int timeout_ms);
/*
 * Run one command. args is stolen (may be NULL). On success *ret (when
 * not NULL) is a new reference to "return". A QMP error object becomes
 * VMDRV_E_TOOL with QEMU's text. Events read meanwhile are queued.
 */
QEMU_INTERNAL int qemu_qmp_exec(qemu_qmp *q, const char *cmd, json_t *args,
                                json_t **ret);
/*
 * An HMP command through human-monitor-command. *text (owned) is what
 * the monitor printed: HMP reports errors as text, so callers decide.
 */
QEMU_INTERNAL int qemu_qmp_hmp(qemu_qmp *q, const char *cmdline, char **text);
/* An HMP command that prints nothing on success; any text is an error. */
QEMU_INTERNAL int qemu_qmp_hmp_checked(qemu_qmp *q, const char *cmdline);
/*
 * Wait for the event named name (queued ones first) whose data matches
 * key=value when key is not NULL. *data (when not NULL) is a new
 * reference to its "data".
 */
QEMU_INTERNAL int qemu_qmp_wait_event(qemu_qmp *q, const char *name,
                                      const char *key, const char *value,
                                      int timeout_ms, json_t **data);
/* Number of events waiting in the queue (for tests). */
QEMU_INTERNAL size_t qemu_qmp_queued_events(const qemu_qmp *q);
/* query-status: "running", "paused", "restore-vm", "inmigrate"... */
QEMU_INTERNAL int qemu_qmp_status(qemu_qmp *q, char *buf, size_t size);
/*
 * Run a job command (args must carry "job-id": job_id), wait until the
 * job concludes, read its error from query-jobs and dismiss it. A job
 * error becomes VMDRV_E_TOOL with QEMU's text.
 */
QEMU_INTERNAL int qemu_qmp_job(qemu_qmp *q, const char *cmd, json_t *args,
                               const char *job_id, int timeout_ms);
/*
 * Internal snapshots of a running VM through the snapshot-save,
 * snapshot-load and snapshot-delete jobs, on block node `node`. A failed
 * load leaves the VM paused in "restore-vm": it is continued, and the
 * load's error is returned.
 */
QEMU_INTERNAL int qemu_qmp_snapshot_save(qemu_qmp *q, const char *tag,
                                         const char *node, int timeout_ms);
QEMU_INTERNAL int qemu_qmp_snapshot_load(qemu_qmp *q, const char *tag,
                                         const char *node, int timeout_ms);
QEMU_INTERNAL int qemu_qmp_snapshot_delete(qemu_qmp *q, const char *tag,
                                           const char *node, int timeout_ms);
/*
 * Save the VM's state to uri (stop first, migrate at full speed, wait for
 * completion). The VM is left paused ("postmigrate"); cont resumes it.
 */
QEMU_INTERNAL int qemu_qmp_migrate_out(qemu_qmp *q, const char *uri,
                                       int timeout_ms);
/*
 * The internal snapshots of block node `node`, from query-block: what
 * `qemu-img snapshot -l` says, without starting a process.
 */
QEMU_INTERNAL int qemu_qmp_snapshots(qemu_qmp *q, const char *node,
                                     qemu_img_snaps *out);
/* Wait while query-status says `status` (e.g. "inmigrate"); final in buf. */
QEMU_INTERNAL int qemu_qmp_wait_status_leaves(qemu_qmp *q, const char *status,
                                              int timeout_ms, char *buf,
                                              size_t size);

/* ---- qemu_cmdline.c: the QEMU command line ------------------------------- */

typedef struct qemu_mount_dev {
    const char *tag;       /* 9p mount tag, <= 31 bytes */
    const char *host_path; /* absolute folder on the host */
} qemu_mount_dev;

typedef struct qemu_nic {
    const char *kind;   /* "bridge" (Linux helper) or "vmnet-bridged" */
    const char *id;     /* bridge or interface name */
    const char *mac;    /* "52:54:00:xx:xx:xx" */
    const char *helper; /* bridge helper path, NULL for QEMU's default */
} qemu_nic;

typedef struct qemu_launch {
    const char *binary; /* qemu-system-<arch> */
    vmdrv_arch arch;
    const char *accel;     /* "kvm", "tcg", "hvf" */
    const char *machine;   /* "q35" (default) or "microvm" */
    unsigned long tsc_khz; /* microvm only, and then required */
    int cpus;
    uint64_t memory_mb;
    const char *kernel;
    const char *initrd;
    const char *append_extra; /* added to the kernel command line, or NULL */
    const char *disk;         /* qcow2 image */
    const char *serial_sock;
    const char *serial_log;
    const char *qmp_sock;
    const char *pidfile;
    const qemu_mount_dev *mounts;
    size_t n_mounts;
    const qemu_nic *nics;
    size_t n_nics;
    const char *name; /* -name (the instance), or NULL */
    int daemonize;
} qemu_launch;

/* The block node the disk is known by (stable, for snapshot jobs). */
#define QEMU_DISK_NODE "disk0"

/* Build the full argv (argv[0] = binary). Validates l. */
QEMU_INTERNAL int qemu_cmdline_build(vmdrv_ctx *ctx, const qemu_launch *l,
                                     vu_strv *argv);
/* The arguments that add one 9p export (appendable to a running argv). */
QEMU_INTERNAL void qemu_cmdline_mount_args(const char *machine,
                                           const qemu_mount_dev *m,
                                           vu_strv *argv);
/* The 9p mount tag for a host folder at a guest path ("m" + 16 hex). */
QEMU_INTERNAL void qemu_mount_tag(const char *host_path, const char *guest_path,
                                  char *buf, size_t size);

/* ---- qemu_serial.c: guest exec over the serial console ------------------- */

/*
 * Run command in the guest's serial shell (connected through the
 * console's unix socket) and collect its output and exit status. The
 * guest must serve a POSIX shell on the console. Timeout: VMDRV_E_TIMEOUT
 * (the command is interrupted with Ctrl-C).
 */
QEMU_INTERNAL int qemu_serial_exec(vmdrv_ctx *ctx, const char *sock_path,
                                   const char *command, int timeout_ms,
                                   vmdrv_exec_result *res);
/* Send text as typed, without waiting for anything (power-off). */
QEMU_INTERNAL int qemu_serial_send(vmdrv_ctx *ctx, const char *sock_path,
                                   const char *text, int timeout_ms);
/*
 * The lines to type for command with this nonce (exported for tests).
 * Commands that are long or hold non-printable bytes are written to a
 * guest file first, one acknowledged chunk per line: *n_lines > 1.
 */
QEMU_INTERNAL char **qemu_serial_script(const char *command, const char *nonce,
                                        size_t *n_lines);
QEMU_INTERNAL void qemu_serial_script_free(char **lines, size_t n);
/*
 * Look for the end of the command with this nonce in what the console
 * sent. Returns 1 when complete (*exit_code, *output owned, *out_len set),
 * 0 when more is needed.
 */
QEMU_INTERNAL int qemu_serial_parse(const char *buf, size_t len,
                                    const char *nonce, int *exit_code,
                                    char **output, size_t *out_len);
/* 1 when the acknowledgement of chunk `index` is in buf. */
QEMU_INTERNAL int qemu_serial_acked(const char *buf, size_t len,
                                    const char *nonce, size_t index);

/* ---- qemu_img.c: qemu-img ------------------------------------------------ */

QEMU_INTERNAL void qemu_img_snaps_clear(qemu_img_snaps *s);
QEMU_INTERNAL const qemu_img_snap *qemu_img_snaps_find(const qemu_img_snaps *s,
                                                       const char *tag);

/* qemu-img create -f qcow2 [-F qcow2 -b backing] path size_mb M */
QEMU_INTERNAL int qemu_img_create(vmdrv_ctx *ctx, const char *tool,
                                  const char *path, uint64_t size_mb,
                                  const char *backing);
/* qemu-img snapshot -l -U path, parsed. */
QEMU_INTERNAL int qemu_img_snapshot_list(vmdrv_ctx *ctx, const char *tool,
                                         const char *path, qemu_img_snaps *out);
/* Parse the table `qemu-img snapshot -l` prints (for tests too). */
QEMU_INTERNAL int qemu_img_parse_snapshots(const char *text,
                                           qemu_img_snaps *out);
/* qemu-img snapshot -c|-a|-d tag path (op 'c', 'a' or 'd'); offline. */
QEMU_INTERNAL int qemu_img_snapshot(vmdrv_ctx *ctx, const char *tool,
                                    const char *path, char op, const char *tag);
/* qemu-img info -U --output=json path; *out a new reference. */
QEMU_INTERNAL int qemu_img_info(vmdrv_ctx *ctx, const char *tool,
                                const char *path, json_t **out);

#endif
