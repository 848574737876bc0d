/*
 * cmd_sweep.c: `vmdrv sweep` (not implemented yet: its issue replaces
 * this file).
 */
#include "cli.h"

const char cli_help_sweep[] =
    "Usage: vmdrv sweep\n"
    "\n"
    "Remove what earlier conformance runs left behind.\n"
    "\n"
    "Not implemented yet.\n";

int cli_cmd_sweep(cli_env *env, int argc, char **argv)
{
    (void)env;
    (void)argc;
    (void)argv;
    cli_error("'sweep' is not implemented yet");
    return CLI_FAIL;
}
