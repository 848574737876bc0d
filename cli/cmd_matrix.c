/*
 * cmd_matrix.c: `vmdrv matrix` (not implemented yet: its issue replaces
 * this file).
 */
#include "cli.h"

const char cli_help_matrix[] =
    "Usage: vmdrv matrix\n"
    "\n"
    "Check the conformance matrix or print its cells.\n"
    "\n"
    "Not implemented yet.\n";

int cli_cmd_matrix(cli_env *env, int argc, char **argv)
{
    (void)env;
    (void)argc;
    (void)argv;
    cli_error("'matrix' is not implemented yet");
    return CLI_FAIL;
}
