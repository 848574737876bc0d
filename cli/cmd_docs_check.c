/*
 * cmd_docs_check.c: `vmdrv docs-check` (not implemented yet: its issue replaces
 * this file).
 */
#include "cli.h"

const char cli_help_docs_check[] =
    "Usage: vmdrv docs-check\n"
    "\n"
    "Compare a docs page with the matrix.\n"
    "\n"
    "Not implemented yet.\n";

int cli_cmd_docs_check(cli_env *env, int argc, char **argv)
{
    (void)env;
    (void)argc;
    (void)argv;
    cli_error("'docs-check' is not implemented yet");
    return CLI_FAIL;
}
