/*
 * cmd_list.c: `vmdrv list` (not implemented yet: its issue replaces
 * this file).
 */
#include "cli.h"

const char cli_help_list[] =
    "Usage: vmdrv list\n"
    "\n"
    "List the instances (or their snapshots) of the current driver.\n"
    "\n"
    "Not implemented yet.\n";

int cli_cmd_list(cli_env *env, int argc, char **argv)
{
    (void)env;
    (void)argc;
    (void)argv;
    cli_error("'list' is not implemented yet");
    return CLI_FAIL;
}
