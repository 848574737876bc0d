/*
 * cmd_exec.c: `vmdrv exec` (not implemented yet: its issue replaces
 * this file).
 */
#include "cli.h"

const char cli_help_exec[] =
    "Usage: vmdrv exec\n"
    "\n"
    "Run a command inside an instance.\n"
    "\n"
    "Not implemented yet.\n";

int cli_cmd_exec(cli_env *env, int argc, char **argv)
{
    (void)env;
    (void)argc;
    (void)argv;
    cli_error("'exec' is not implemented yet");
    return CLI_FAIL;
}
