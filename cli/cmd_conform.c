/*
 * cmd_conform.c: `vmdrv conform` (not implemented yet: its issue replaces
 * this file).
 */
#include "cli.h"

const char cli_help_conform[] =
    "Usage: vmdrv conform\n"
    "\n"
    "Run the conformance cases.\n"
    "\n"
    "Not implemented yet.\n";

int cli_cmd_conform(cli_env *env, int argc, char **argv)
{
    (void)env;
    (void)argc;
    (void)argv;
    cli_error("'conform' is not implemented yet");
    return CLI_FAIL;
}
