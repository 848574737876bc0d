/*
 * cmd_set.c: `vmdrv set` (not implemented yet: its issue replaces
 * this file).
 */
#include "cli.h"

const char cli_help_set[] =
    "Usage: vmdrv set\n"
    "\n"
    "Change a setting (local.driver=NAME).\n"
    "\n"
    "Not implemented yet.\n";

int cli_cmd_set(cli_env *env, int argc, char **argv)
{
    (void)env;
    (void)argc;
    (void)argv;
    cli_error("'set' is not implemented yet");
    return CLI_FAIL;
}
