/*
 * cmd_stop.c: `vmdrv stop` (not implemented yet: its issue replaces
 * this file).
 */
#include "cli.h"

const char cli_help_stop[] =
    "Usage: vmdrv stop\n"
    "\n"
    "Stop an instance.\n"
    "\n"
    "Not implemented yet.\n";

int cli_cmd_stop(cli_env *env, int argc, char **argv)
{
    (void)env;
    (void)argc;
    (void)argv;
    cli_error("'stop' is not implemented yet");
    return CLI_FAIL;
}
