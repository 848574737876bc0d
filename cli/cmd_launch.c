/*
 * cmd_launch.c: `vmdrv launch` (not implemented yet: its issue replaces
 * this file).
 */
#include "cli.h"

const char cli_help_launch[] =
    "Usage: vmdrv launch\n"
    "\n"
    "Create and start an instance.\n"
    "\n"
    "Not implemented yet.\n";

int cli_cmd_launch(cli_env *env, int argc, char **argv)
{
    (void)env;
    (void)argc;
    (void)argv;
    cli_error("'launch' is not implemented yet");
    return CLI_FAIL;
}
