/*
 * cmd_stop.c: `vmdrv stop`: shut instances of the current scope down
 * (Multipass's `multipass stop`).
 */
#include <getopt.h>

#include "instance_common.h"

const char cli_help_stop[] =
    "Usage: vmdrv stop [--force] NAME... | --all\n"
    "\n"
    "Shut instances down cleanly (an ACPI power-down), in the scope of the\n"
    "driver local.driver selects. Stopping a stopped instance does nothing.\n"
    "A suspended instance cannot be shut down cleanly: --force powers it\n"
    "off and discards its saved state.\n"
    "\n"
    "Options:\n"
    "  --all          every instance of the scope (deleted ones excepted)\n"
    "  -f, --force    power off instead of shutting down\n"
    "  -h, --help     print this help\n"
    "\n"
    "Exit status: 0 success, 1 when any instance could not be stopped (the\n"
    "others still are), 2 usage error (e.g. an invalid name).\n";

int cli_cmd_stop(cli_env *env, int argc, char **argv)
{
    static const struct option opts[] = {{"all", no_argument, NULL, 'a'},
                                         {"force", no_argument, NULL, 'f'},
                                         {NULL, 0, NULL, 0}};
    int all = 0, c;
    unsigned int flags = 0;
    while ((c = getopt_long(argc, argv, "f", opts, NULL)) != -1) {
        if (c == 'a')
            all = 1;
        else if (c == 'f')
            flags |= VMDRV_STOP_FORCE;
        else
            return cli_usage("stop", "unknown option");
    }
    return cli_run_each(env, "stop", argv + optind, argc - optind, all, 0,
                        vmdrv_scope_stop, flags);
}
