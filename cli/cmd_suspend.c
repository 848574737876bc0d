/*
 * cmd_suspend.c: `vmdrv suspend`: save running instances' memory to disk
 * and stop them (Multipass's `multipass suspend`).
 */
#include <getopt.h>

#include "instance_common.h"

const char cli_help_suspend[] =
    "Usage: vmdrv suspend NAME... | --all\n"
    "\n"
    "Suspend running instances of the scope local.driver selects: their\n"
    "memory is saved and 'vmdrv start' resumes them where they were. A\n"
    "driver without suspension answers that it does not support it, and\n"
    "the instance is left exactly as it was.\n"
    "\n"
    "Options:\n"
    "  --all       every instance of the scope (deleted ones excepted)\n"
    "  -h, --help  print this help\n"
    "\n"
    "Exit status: 0 success, 1 when any instance could not be suspended\n"
    "(including 'not supported by this driver'), 2 usage error.\n";

int cli_cmd_suspend(cli_env *env, int argc, char **argv)
{
    static const struct option opts[] = {{"all", no_argument, NULL, 'a'},
                                         {NULL, 0, NULL, 0}};
    int all = 0, c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'a')
            all = 1;
        else
            return cli_usage("suspend", "unknown option");
    }
    return cli_run_each(env, "suspend", argv + optind, argc - optind, all, 0,
                        vmdrv_scope_suspend, 0);
}
