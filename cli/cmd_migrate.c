/*
 * cmd_migrate.c: `vmdrv migrate` (not implemented yet: its issue replaces
 * this file).
 */
#include "cli.h"

const char cli_help_migrate[] =
    "Usage: vmdrv migrate\n"
    "\n"
    "Migrate instances between scopes (hyperkit to qemu).\n"
    "\n"
    "Not implemented yet.\n";

int cli_cmd_migrate(cli_env *env, int argc, char **argv)
{
    (void)env;
    (void)argc;
    (void)argv;
    cli_error("'migrate' is not implemented yet");
    return CLI_FAIL;
}
