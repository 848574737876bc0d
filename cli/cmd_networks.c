/*
 * cmd_networks.c: `vmdrv networks` (not implemented yet: its issue replaces
 * this file).
 */
#include "cli.h"

const char cli_help_networks[] =
    "Usage: vmdrv networks\n"
    "\n"
    "List the host networks instances can bridge to.\n"
    "\n"
    "Not implemented yet.\n";

int cli_cmd_networks(cli_env *env, int argc, char **argv)
{
    (void)env;
    (void)argc;
    (void)argv;
    cli_error("'networks' is not implemented yet");
    return CLI_FAIL;
}
