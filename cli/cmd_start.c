/*
 * cmd_start.c: `vmdrv start`: start, or resume, instances of the current
 * scope (Multipass's `multipass start`).
 */
#include <getopt.h>

#include "instance_common.h"

const char cli_help_start[] =
    "Usage: vmdrv start NAME... | --all\n"
    "\n"
    "Start stopped instances and resume suspended ones, in the scope of the\n"
    "driver local.driver selects. Starting a running instance does nothing.\n"
    "\n"
    "Options:\n"
    "  --all       every instance of the scope (deleted ones excepted)\n"
    "  -h, --help  print this help\n"
    "\n"
    "Exit status: 0 success, 1 when any instance could not be started (the\n"
    "others still are), 2 usage error (e.g. an invalid name).\n";

int cli_cmd_start(cli_env *env, int argc, char **argv)
{
    static const struct option opts[] = {{"all", no_argument, NULL, 'a'},
                                         {NULL, 0, NULL, 0}};
    int all = 0, c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'a')
            all = 1;
        else
            return cli_usage("start", "unknown option");
    }
    return cli_run_each(env, "start", argv + optind, argc - optind, all, 0,
                        vmdrv_scope_start, 0);
}
