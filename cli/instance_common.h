/*
 * instance_common.h: what the instance commands (get, set, launch, list,
 * info, start, stop, suspend, delete, snapshot, restore, mount, umount,
 * networks, exec, migrate) share: opening the manager and the scope of
 * local.driver, printing warnings and failures, checking names, and
 * Multipass's display of states.
 */
#ifndef CLI_INSTANCE_COMMON_H
#define CLI_INSTANCE_COMMON_H

#include <jansson.h>

#include "cli.h"
#include "vmdrv/manager.h"

typedef struct cli_mgr {
    vmdrv_ctx *ctx;
    vmdrv_manager *mgr;
    vmdrv_scope *scope; /* the scope of local.driver, when opened */
    /* the scope's names, also when only its records could be read */
    char scope_name[VMDRV_NAME_MAX + 1];
    char driver_name[VMDRV_NAME_MAX + 1];
} cli_mgr;

/* Open the context and the manager (with --driver-opt). 0 or CLI_FAIL,
 * the reason printed. */
int cli_mgr_open(cli_env *env, cli_mgr *m);
/* cli_mgr_open, then the scope local.driver selects. */
int cli_scope_open(cli_env *env, cli_mgr *m);
/*
 * For commands that only look (list, info): cli_scope_open, but when the
 * scope's driver cannot run here (not built, declined this host, its
 * tool broken) the records can still be shown: m->scope stays NULL,
 * *offline is 1, and a warning says the states are the recorded ones.
 */
int cli_scope_open_or_records(cli_env *env, cli_mgr *m, int *offline);
/* The scope's records: live states through the driver, else as recorded
 * (flags: VMDRV_SCOPE_DELETED). */
int cli_records(cli_mgr *m, vmdrv_records *out, unsigned int flags);

/* Print pending warnings and free everything. */
void cli_mgr_close(cli_mgr *m);
/* Print the manager's warnings ("vmdrv: warning: ...") and forget them. */
void cli_print_warnings(cli_mgr *m);

/* "vmdrv: <what> failed: <message>", warnings first; returns CLI_FAIL. */
int cli_fail(cli_mgr *m, const char *what);

/*
 * Refuse an invalid instance name before anything else happens, with the
 * rules spelled out; returns CLI_USAGE, or 0 for a valid name.
 */
int cli_check_instance(const char *cmd, const char *name);

/* Multipass's display: "Running", "Stopped" (off or stopped), "Deleted". */
const char *cli_state_display(vmdrv_state state, int deleted);

/* The names of every instance of the scope (for --all); flags:
 * VMDRV_SCOPE_DELETED to include deleted ones. */
int cli_all_names(cli_mgr *m, vmdrv_names *out, unsigned int flags);

/* An operation on one instance of a scope. */
typedef int (*cli_instance_fn)(vmdrv_scope *scope, const char *name,
                               unsigned int flags);

/*
 * The shape of start, stop, suspend and delete: names (or all), every
 * name checked before anything runs, the scope of local.driver opened,
 * fn run on each; a failure is printed and the others still run.
 * all_flags: what --all covers (VMDRV_SCOPE_DELETED adds deleted ones).
 * Returns CLI_OK, CLI_FAIL when any failed, or CLI_USAGE.
 */
int cli_run_each(cli_env *env, const char *cmd, char **names, int n, int all,
                 unsigned int all_flags, cli_instance_fn fn,
                 unsigned int flags);

/* Print a switch or migration report, one line per instance. */
void cli_print_report(FILE *f, const vmdrv_report *rep);

/* Print JSON (indented, ordered) and a newline; consumes j. */
void cli_print_json(json_t *j);

#endif
