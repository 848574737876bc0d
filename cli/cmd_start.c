/*
 * cmd_start.c: `vmdrv start` (not implemented yet: its issue replaces
 * this file).
 */
#include "cli.h"

const char cli_help_start[] =
    "Usage: vmdrv start\n"
    "\n"
    "Start or resume an instance.\n"
    "\n"
    "Not implemented yet.\n";

int cli_cmd_start(cli_env *env, int argc, char **argv)
{
    (void)env;
    (void)argc;
    (void)argv;
    cli_error("'start' is not implemented yet");
    return CLI_FAIL;
}
