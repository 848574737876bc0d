/*
 * cmd_umount.c: `vmdrv umount NAME[:TARGET]...`: undo native mounts
 * (Multipass's `multipass umount`).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "instance_common.h"

const char cli_help_umount[] =
    "Usage: vmdrv umount NAME[:TARGET]...\n"
    "\n"
    "Unmount TARGET from instance NAME of the current scope; without\n"
    "TARGET, every folder vmdrv mounted into NAME. A driver without native\n"
    "mounts answers that it does not support them.\n"
    "\n"
    "Options:\n"
    "  -h, --help  print this help\n"
    "\n"
    "Exit status: 0 success, 1 when any unmount failed (the others still\n"
    "run), 2 usage error (invalid name, relative target).\n";

int cli_cmd_umount(cli_env *env, int argc, char **argv)
{
    static const struct option opts[] = {{NULL, 0, NULL, 0}};
    cli_mgr m;
    int c, rc = CLI_OK;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
        return cli_usage("umount", "unknown option");
    if (optind >= argc)
        return cli_usage("umount", "expected NAME[:TARGET]");
    int n = argc - optind;
    char **names = vu_calloc((size_t)n, sizeof *names);
    for (int i = 0; i < n && rc == CLI_OK; i++) {
        const char *arg = argv[optind + i];
        const char *colon = strchr(arg, ':');
        names[i] = colon ? vu_strndup(arg, (size_t)(colon - arg)) : vu_strdup(arg);
        if ((rc = cli_check_instance("umount", names[i])))
            break;
        if (colon && colon[1] != '/')
            rc = cli_usage("umount", "target '%s' is not an absolute path",
                           colon + 1);
    }
    if (rc == CLI_OK && cli_scope_open(env, &m) == 0) {
        for (int i = 0; i < n; i++) {
            const char *colon = strchr(argv[optind + i], ':');
            if (vmdrv_scope_umount(m.scope, names[i], colon ? colon + 1 : NULL,
                                   0) != 0)
                rc = cli_fail(&m, "umount");
        }
        cli_mgr_close(&m);
    } else if (rc == CLI_OK) {
        rc = CLI_FAIL;
    }
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}
