/*
 * cmd_restore.c: `vmdrv restore` (not implemented yet: its issue replaces
 * this file).
 */
#include "cli.h"

const char cli_help_restore[] =
    "Usage: vmdrv restore\n"
    "\n"
    "Restore an instance to a snapshot.\n"
    "\n"
    "Not implemented yet.\n";

int cli_cmd_restore(cli_env *env, int argc, char **argv)
{
    (void)env;
    (void)argc;
    (void)argv;
    cli_error("'restore' is not implemented yet");
    return CLI_FAIL;
}
