/*
 * cmd_delete.c: `vmdrv delete`: delete instances of the current scope,
 * keeping their records (hidden) or, with --purge, removing them through
 * the driver (Multipass's `multipass delete [--purge]`).
 */
#include <getopt.h>

#include "instance_common.h"

const char cli_help_delete[] =
    "Usage: vmdrv delete [--purge] NAME... | --all\n"
    "\n"
    "Delete instances of the scope local.driver selects. Without --purge\n"
    "the instance is powered off and marked deleted: it disappears from\n"
    "'vmdrv list' but keeps its files and its name. With --purge it is\n"
    "removed through the driver, files and record included (this also\n"
    "purges an instance deleted earlier).\n"
    "\n"
    "Options:\n"
    "  --all          every instance of the scope (with --purge, deleted\n"
    "                 ones included)\n"
    "  -p, --purge    remove for good\n"
    "  -h, --help     print this help\n"
    "\n"
    "Exit status: 0 success, 1 when any instance could not be deleted (the\n"
    "others still are), 2 usage error (e.g. an invalid name).\n";

int cli_cmd_delete(cli_env *env, int argc, char **argv)
{
    static const struct option opts[] = {{"all", no_argument, NULL, 'a'},
                                         {"purge", no_argument, NULL, 'p'},
                                         {NULL, 0, NULL, 0}};
    int all = 0, c;
    unsigned int flags = 0;
    while ((c = getopt_long(argc, argv, "p", opts, NULL)) != -1) {
        if (c == 'a')
            all = 1;
        else if (c == 'p')
            flags |= VMDRV_DELETE_PURGE;
        else
            return cli_usage("delete", "unknown option");
    }
    /* purging everything includes what was deleted earlier */
    return cli_run_each(env, "delete", argv + optind, argc - optind, all,
                        flags & VMDRV_DELETE_PURGE ? VMDRV_SCOPE_DELETED : 0,
                        vmdrv_scope_delete, flags);
}
