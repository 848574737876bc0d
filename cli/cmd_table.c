/*
 * cmd_table.c: `vmdrv table` (not implemented yet: its issue replaces
 * this file).
 */
#include "cli.h"

const char cli_help_table[] =
    "Usage: vmdrv table\n"
    "\n"
    "Render the feature-disparity table from the matrix.\n"
    "\n"
    "Not implemented yet.\n";

int cli_cmd_table(cli_env *env, int argc, char **argv)
{
    (void)env;
    (void)argc;
    (void)argv;
    cli_error("'table' is not implemented yet");
    return CLI_FAIL;
}
