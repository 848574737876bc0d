/*
 * cmd_report.c: `vmdrv report` (not implemented yet: its issue replaces
 * this file).
 */
#include "cli.h"

const char cli_help_report[] =
    "Usage: vmdrv report\n"
    "\n"
    "Render a conformance result as JUnit, TAP, Markdown or HTML.\n"
    "\n"
    "Not implemented yet.\n";

int cli_cmd_report(cli_env *env, int argc, char **argv)
{
    (void)env;
    (void)argc;
    (void)argv;
    cli_error("'report' is not implemented yet");
    return CLI_FAIL;
}
