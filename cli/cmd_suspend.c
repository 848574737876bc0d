/*
 * cmd_suspend.c: `vmdrv suspend` (not implemented yet: its issue replaces
 * this file).
 */
#include "cli.h"

const char cli_help_suspend[] =
    "Usage: vmdrv suspend\n"
    "\n"
    "Suspend an instance.\n"
    "\n"
    "Not implemented yet.\n";

int cli_cmd_suspend(cli_env *env, int argc, char **argv)
{
    (void)env;
    (void)argc;
    (void)argv;
    cli_error("'suspend' is not implemented yet");
    return CLI_FAIL;
}
