/*
 * cmd_mount.c: `vmdrv mount` (not implemented yet: its issue replaces
 * this file).
 */
#include "cli.h"

const char cli_help_mount[] =
    "Usage: vmdrv mount\n"
    "\n"
    "Mount a host folder into an instance (native mount).\n"
    "\n"
    "Not implemented yet.\n";

int cli_cmd_mount(cli_env *env, int argc, char **argv)
{
    (void)env;
    (void)argc;
    (void)argv;
    cli_error("'mount' is not implemented yet");
    return CLI_FAIL;
}
