/*
 * cmd_get.c: `vmdrv get` (not implemented yet: its issue replaces
 * this file).
 */
#include "cli.h"

const char cli_help_get[] =
    "Usage: vmdrv get\n"
    "\n"
    "Print a setting (local.driver).\n"
    "\n"
    "Not implemented yet.\n";

int cli_cmd_get(cli_env *env, int argc, char **argv)
{
    (void)env;
    (void)argc;
    (void)argv;
    cli_error("'get' is not implemented yet");
    return CLI_FAIL;
}
