/*
 * cmd_snapshot.c: `vmdrv snapshot`: take a snapshot of an instance
 * (Multipass's `multipass snapshot [--name SNAP] INSTANCE`).
 */
#include <getopt.h>

#include "instance_common.h"

const char cli_help_snapshot[] =
    "Usage: vmdrv snapshot [--name SNAPSHOT] NAME\n"
    "\n"
    "Take a snapshot of instance NAME in the scope local.driver selects.\n"
    "Whether the instance must be stopped first is the driver's rule. A\n"
    "driver without snapshots answers that it does not support them, and\n"
    "the instance is left exactly as it was.\n"
    "\n"
    "Options:\n"
    "  -n, --name SNAPSHOT  the snapshot's name (same rules as instance\n"
    "                       names); default snapshotN, N counting every\n"
    "                       snapshot the instance ever had\n"
    "  -h, --help           print this help\n"
    "\n"
    "Output: 'Snapshot taken: NAME.SNAPSHOT'.\n"
    "Exit status: 0 success, 1 failure, 2 usage error.\n";

int cli_cmd_snapshot(cli_env *env, int argc, char **argv)
{
    static const struct option opts[] = {{"name", required_argument, NULL, 'n'},
                                         {NULL, 0, NULL, 0}};
    const char *snap = NULL;
    char taken[VMDRV_NAME_MAX + 1];
    cli_mgr m;
    int c, rc;
    while ((c = getopt_long(argc, argv, "n:", opts, NULL)) != -1) {
        if (c == 'n')
            snap = optarg;
        else
            return cli_usage("snapshot", "unknown option");
    }
    if (optind + 1 != argc)
        return cli_usage("snapshot", "expected one instance name");
    const char *name = argv[optind];
    if ((rc = cli_check_instance("snapshot", name)))
        return rc;
    if (snap && !vmdrv_name_valid(snap))
        return cli_usage("snapshot",
                         "invalid snapshot name '%s': use letters, digits "
                         "and hyphens, start with a letter, end with a "
                         "letter or digit, at most 63 characters",
                         snap);
    if (cli_scope_open(env, &m))
        return CLI_FAIL;
    if (vmdrv_scope_snapshot(m.scope, name, snap, taken, sizeof taken, 0) != 0) {
        rc = cli_fail(&m, "snapshot");
    } else {
        printf("Snapshot taken: %s.%s\n", name, taken);
        rc = CLI_OK;
    }
    cli_mgr_close(&m);
    return rc;
}
