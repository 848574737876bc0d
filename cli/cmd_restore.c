/*
 * cmd_restore.c: `vmdrv restore NAME.SNAPSHOT`: bring an instance back to
 * a snapshot (Multipass's `multipass restore`).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "instance_common.h"

const char cli_help_restore[] =
    "Usage: vmdrv restore [--destructive] NAME.SNAPSHOT\n"
    "\n"
    "Restore instance NAME of the current scope to its snapshot SNAPSHOT.\n"
    "The instance's current disk state is discarded: unlike Multipass,\n"
    "vmdrv never offers to take a snapshot first, so --destructive is\n"
    "accepted and changes nothing. A driver without snapshots answers that\n"
    "it does not support them, and the instance is left as it was.\n"
    "\n"
    "Options:\n"
    "  -d, --destructive  accepted for Multipass compatibility\n"
    "  -h, --help         print this help\n"
    "\n"
    "Output: 'Snapshot restored: NAME.SNAPSHOT'.\n"
    "Exit status: 0 success, 1 failure, 2 usage error.\n";

int cli_cmd_restore(cli_env *env, int argc, char **argv)
{
    static const struct option opts[] = {
        {"destructive", no_argument, NULL, 'd'}, {NULL, 0, NULL, 0}};
    cli_mgr m;
    int c, rc;
    while ((c = getopt_long(argc, argv, "d", opts, NULL)) != -1)
        if (c != 'd')
            return cli_usage("restore", "unknown option");
    if (optind + 1 != argc)
        return cli_usage("restore", "expected NAME.SNAPSHOT");
    /* neither part can hold a dot, so the first one splits them */
    const char *arg = argv[optind];
    const char *dot = strchr(arg, '.');
    if (!dot || !dot[1])
        return cli_usage("restore", "expected NAME.SNAPSHOT, not '%s'", arg);
    char *name = vu_strndup(arg, (size_t)(dot - arg));
    const char *snap = dot + 1;
    if ((rc = cli_check_instance("restore", name))) {
        free(name);
        return rc;
    }
    if (!vmdrv_name_valid(snap)) {
        rc = cli_usage("restore", "invalid snapshot name '%s'", snap);
        free(name);
        return rc;
    }
    if (cli_scope_open(env, &m)) {
        free(name);
        return CLI_FAIL;
    }
    if (vmdrv_scope_restore(m.scope, name, snap, 0) != 0) {
        rc = cli_fail(&m, "restore");
    } else {
        printf("Snapshot restored: %s.%s\n", name, snap);
        rc = CLI_OK;
    }
    cli_mgr_close(&m);
    free(name);
    return rc;
}
