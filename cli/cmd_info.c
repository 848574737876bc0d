/*
 * cmd_info.c: `vmdrv info` (not implemented yet: its issue replaces
 * this file).
 */
#include "cli.h"

const char cli_help_info[] =
    "Usage: vmdrv info\n"
    "\n"
    "Show an instance's details.\n"
    "\n"
    "Not implemented yet.\n";

int cli_cmd_info(cli_env *env, int argc, char **argv)
{
    (void)env;
    (void)argc;
    (void)argv;
    cli_error("'info' is not implemented yet");
    return CLI_FAIL;
}
