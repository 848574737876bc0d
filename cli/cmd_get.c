/*
 * cmd_get.c: `vmdrv get`: print a setting's value in effect, or the keys
 * (Multipass's `multipass get local.driver`, `multipass get --keys`).
 */
#include <getopt.h>
#include <string.h>

#include "instance_common.h"

const char cli_help_get[] =
    "Usage: vmdrv get KEY\n"
    "       vmdrv get --keys\n"
    "\n"
    "Print the value in effect of a setting, or with --keys the settings\n"
    "there are. Settings live in <data dir>/settings.yaml.\n"
    "\n"
    "Keys:\n"
    "  local.driver   the driver whose instance scope is in effect. Unset,\n"
    "                 it is the platform default: qemu on Linux and macOS,\n"
    "                 hyperv on Windows Pro, virtualbox on Windows Home. A\n"
    "                 stored value this host cannot use (see --host) is\n"
    "                 shown as the default, with a warning, and is left\n"
    "                 in the file as it is.\n"
    "\n"
    "Options:\n"
    "  --keys      list the setting keys, one per line\n"
    "  -h, --help  print this help\n"
    "\n"
    "Examples:\n"
    "  vmdrv get local.driver\n"
    "  vmdrv --host windows-home get local.driver\n"
    "\n"
    "Exit status: 0 success, 1 failure (e.g. an unreadable settings file),\n"
    "2 usage error (unknown key, missing argument).\n";

int cli_cmd_get(cli_env *env, int argc, char **argv)
{
    static const struct option opts[] = {{"keys", no_argument, NULL, 'k'},
                                         {NULL, 0, NULL, 0}};
    int keys = 0, c;
    char value[256];
    cli_mgr m;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'k')
            keys = 1;
        else
            return cli_usage("get", "unknown option");
    }
    if (keys) {
        if (optind < argc)
            return cli_usage("get", "--keys takes no key");
        for (const char *const *k = vmdrv_setting_keys(); *k; k++)
            puts(*k);
        return CLI_OK;
    }
    if (optind >= argc)
        return cli_usage("get", "which setting? (vmdrv get --keys lists them)");
    if (optind + 1 < argc)
        return cli_usage("get", "unexpected argument '%s'", argv[optind + 1]);
    const char *key = argv[optind];
    int known = 0;
    for (const char *const *k = vmdrv_setting_keys(); *k; k++)
        known |= strcmp(*k, key) == 0;
    if (!known)
        return cli_usage("get", "unknown setting '%s' (vmdrv get --keys "
                                "lists them)",
                         key);
    if (cli_mgr_open(env, &m))
        return CLI_FAIL;
    if (vmdrv_setting_get(m.mgr, key, value, sizeof value) != 0) {
        int rc = cli_fail(&m, "get");
        cli_mgr_close(&m);
        return rc;
    }
    cli_print_warnings(&m);
    puts(value);
    cli_mgr_close(&m);
    return CLI_OK;
}
