/*
 * cmd_merge.c: `vmdrv merge` (not implemented yet: its issue replaces
 * this file).
 */
#include "cli.h"

const char cli_help_merge[] =
    "Usage: vmdrv merge\n"
    "\n"
    "Join conformance results from many hosts.\n"
    "\n"
    "Not implemented yet.\n";

int cli_cmd_merge(cli_env *env, int argc, char **argv)
{
    (void)env;
    (void)argc;
    (void)argv;
    cli_error("'merge' is not implemented yet");
    return CLI_FAIL;
}
