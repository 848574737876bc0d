/*
 * cmd_umount.c: `vmdrv umount` (not implemented yet: its issue replaces
 * this file).
 */
#include "cli.h"

const char cli_help_umount[] =
    "Usage: vmdrv umount\n"
    "\n"
    "Unmount a folder from an instance.\n"
    "\n"
    "Not implemented yet.\n";

int cli_cmd_umount(cli_env *env, int argc, char **argv)
{
    (void)env;
    (void)argc;
    (void)argv;
    cli_error("'umount' is not implemented yet");
    return CLI_FAIL;
}
