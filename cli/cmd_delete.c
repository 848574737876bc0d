/*
 * cmd_delete.c: `vmdrv delete` (not implemented yet: its issue replaces
 * this file).
 */
#include "cli.h"

const char cli_help_delete[] =
    "Usage: vmdrv delete\n"
    "\n"
    "Delete an instance.\n"
    "\n"
    "Not implemented yet.\n";

int cli_cmd_delete(cli_env *env, int argc, char **argv)
{
    (void)env;
    (void)argc;
    (void)argv;
    cli_error("'delete' is not implemented yet");
    return CLI_FAIL;
}
