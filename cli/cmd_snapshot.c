/*
 * cmd_snapshot.c: `vmdrv snapshot` (not implemented yet: its issue replaces
 * this file).
 */
#include "cli.h"

const char cli_help_snapshot[] =
    "Usage: vmdrv snapshot\n"
    "\n"
    "Take a snapshot of an instance.\n"
    "\n"
    "Not implemented yet.\n";

int cli_cmd_snapshot(cli_env *env, int argc, char **argv)
{
    (void)env;
    (void)argc;
    (void)argv;
    cli_error("'snapshot' is not implemented yet");
    return CLI_FAIL;
}
