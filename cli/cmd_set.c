/*
 * cmd_set.c: `vmdrv set KEY=VALUE`: change a setting. Setting local.driver
 * switches instance scopes: the running instances of the scope left are
 * suspended (or stopped, where the driver cannot suspend) and get their
 * state back when the scope is selected again.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "instance_common.h"

const char cli_help_set[] =
    "Usage: vmdrv set KEY=VALUE\n"
    "       vmdrv set KEY VALUE\n"
    "\n"
    "Change a setting (stored in <data dir>/settings.yaml, written\n"
    "atomically under a lock).\n"
    "\n"
    "local.driver=NAME selects the driver, and with it the instance scope:\n"
    "each driver has its own instances. Values are lower-cased; 'hyper-v'\n"
    "means hyperv and 'vbox' means virtualbox. The value is checked against\n"
    "this host (or the --host profile): a driver this platform does not\n"
    "offer is refused with the valid choices, and a retired one (hyperkit\n"
    "as of 1.13; lxd and libvirt as of 1.16) is refused naming the version.\n"
    "\n"
    "Switching suspends the running instances of the current scope (a\n"
    "driver that cannot suspend stops them) and remembers each instance's\n"
    "state; switching back restores it: running instances are resumed,\n"
    "suspended and stopped ones stay so. If an instance can be neither\n"
    "suspended nor stopped, the switch is abandoned and undone.\n"
    "On macOS, when the stored value is hyperkit, setting qemu also\n"
    "migrates the stopped Hyperkit instances (see 'vmdrv migrate').\n"
    "\n"
    "A second scope of one driver can be named for tests with the\n"
    "environment variable VMDRV_SCOPE_ALIASES=ALIAS=DRIVER[,...], e.g.\n"
    "VMDRV_SCOPE_ALIASES=test-b=test makes 'test-b' a driver value that\n"
    "opens the test driver on its own scope.\n"
    "\n"
    "Options:\n"
    "  -h, --help  print this help\n"
    "\n"
    "Examples:\n"
    "  vmdrv set local.driver=qemu\n"
    "  vmdrv --host windows-home set local.driver=vbox\n"
    "\n"
    "Exit status: 0 success, 1 failure (value refused here, a switch that\n"
    "could not be completed: the output says what happened to each\n"
    "instance), 2 usage error (unknown key, malformed argument).\n";

int cli_cmd_set(cli_env *env, int argc, char **argv)
{
    static const struct option opts[] = {{NULL, 0, NULL, 0}};
    char *key = NULL;
    const char *value;
    cli_mgr m;
    vmdrv_report rep = {0};
    int c, rc = CLI_OK;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
        return cli_usage("set", "unknown option");
    if (optind >= argc)
        return cli_usage("set", "expected KEY=VALUE");
    char *eq = strchr(argv[optind], '=');
    if (eq) {
        if (optind + 1 < argc)
            return cli_usage("set", "unexpected argument '%s'",
                             argv[optind + 1]);
        key = vu_strndup(argv[optind], (size_t)(eq - argv[optind]));
        value = eq + 1;
    } else {
        if (optind + 2 != argc)
            return cli_usage("set", "expected KEY=VALUE");
        key = vu_strdup(argv[optind]);
        value = argv[optind + 1];
    }
    int known = 0;
    for (const char *const *k = vmdrv_setting_keys(); *k; k++)
        known |= strcmp(*k, key) == 0;
    if (!known) {
        rc = cli_usage("set", "unknown setting '%s' (vmdrv get --keys lists "
                              "them)",
                       key);
        free(key);
        return rc;
    }
    if (!*value) {
        free(key);
        return cli_usage("set", "no value given for '%s'", argv[optind]);
    }
    if (cli_mgr_open(env, &m)) {
        free(key);
        return CLI_FAIL;
    }
    int failed = vmdrv_setting_set(m.mgr, key, value, &rep) != 0;
    cli_print_warnings(&m);
    if (rep.switched)
        printf("local.driver is now '%s' (was '%s')\n", rep.to, rep.from);
    if (rep.migrated)
        printf("Migration of the Hyperkit instances to qemu:\n");
    if (rep.count) {
        if (rep.rolled_back)
            fprintf(stderr, "The switch from '%s' to '%s' was undone:\n",
                    rep.from, rep.to);
        cli_print_report(failed ? stderr : stdout, &rep);
    }
    if (failed)
        rc = cli_fail(&m, "set");
    vmdrv_report_clear(&rep);
    cli_mgr_close(&m);
    free(key);
    return rc;
}
