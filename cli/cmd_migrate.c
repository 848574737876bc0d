/*
 * cmd_migrate.c: `vmdrv migrate --from hyperkit --to qemu [--dry-run]`:
 * the Hyperkit-to-QEMU migration of macOS, run explicitly (setting
 * local.driver to qemu when hyperkit is stored runs it too).
 */
#include <getopt.h>
#include <string.h>

#include "instance_common.h"

const char cli_help_migrate[] =
    "Usage: vmdrv migrate --from hyperkit --to qemu [--dry-run] [--json]\n"
    "\n"
    "Migrate the stopped instances of a leftover Hyperkit scope\n"
    "(<data dir>/hyperkit, in Multipass's layout) into the qemu scope, as\n"
    "Multipass 1.12 did on macOS: each disk is copied to\n"
    "<data dir>/qemu/instances/NAME/disk.qcow2, repaired with\n"
    "'qemu-img check -r all', and given a qemu record. Deleted, running or\n"
    "suspended instances, names the qemu scope already has, and Xenial\n"
    "instances from before 1.11 are skipped and listed. The Hyperkit\n"
    "originals are never changed. Only on a macOS host (or --host with a\n"
    "macOS profile); needs qemu-img.\n"
    "\n"
    "Options:\n"
    "  --from hyperkit   the scope to migrate from (the only one)\n"
    "  --to qemu         the scope to migrate to (the only one)\n"
    "  -n, --dry-run     say what would happen, change nothing\n"
    "  --json            print the outcome as JSON\n"
    "  -h, --help        print this help\n"
    "\n"
    "Output: one line per instance: migrated, would-migrate, skipped or\n"
    "failed, with the reason.\n"
    "Exit status: 0 when nothing failed (skips are not failures), 1 when\n"
    "an instance could not be migrated or on a host that is not macOS,\n"
    "2 usage error.\n";

int cli_cmd_migrate(cli_env *env, int argc, char **argv)
{
    static const struct option opts[] = {
        {"from", required_argument, NULL, 'f'},
        {"to", required_argument, NULL, 't'},
        {"dry-run", no_argument, NULL, 'n'},
        {"json", no_argument, NULL, 'j'},
        {NULL, 0, NULL, 0}};
    const char *from = NULL, *to = NULL;
    int dry = 0, json = 0, c, rc = CLI_OK;
    vmdrv_report rep = {0};
    cli_mgr m;
    while ((c = getopt_long(argc, argv, "n", opts, NULL)) != -1) {
        switch (c) {
        case 'f': from = optarg; break;
        case 't': to = optarg; break;
        case 'n': dry = 1; break;
        case 'j': json = 1; break;
        default: return cli_usage("migrate", "unknown option");
        }
    }
    if (optind < argc)
        return cli_usage("migrate", "unexpected argument '%s'", argv[optind]);
    if (!from || !to)
        return cli_usage("migrate", "--from and --to are required");
    if (strcmp(from, "hyperkit") != 0 || strcmp(to, "qemu") != 0)
        return cli_usage("migrate", "the only migration is --from hyperkit "
                                    "--to qemu");
    if (cli_mgr_open(env, &m))
        return CLI_FAIL;
    int failed = vmdrv_migrate(m.mgr, from, to, dry, &rep) != 0;
    if (json) {
        json_t *list = json_array();
        for (size_t i = 0; i < rep.count; i++) {
            const vmdrv_report_entry *e = &rep.items[i];
            json_array_append_new(
                list, json_pack("{s:s,s:s,s:s,s:s}", "name", e->name,
                                "outcome", vmdrv_report_action_name(e->action),
                                "state",
                                vmdrv_state_name(e->before)
                                    ? vmdrv_state_name(e->before)
                                    : "unknown",
                                "reason", e->message));
        }
        cli_print_json(json_pack("{s:b,s:o}", "dry_run", dry, "instances",
                                 list));
    } else if (rep.count) {
        printf("%s from hyperkit to qemu:\n",
               dry ? "Migration plan" : "Migration");
        cli_print_report(stdout, &rep);
    } else if (!failed) {
        puts("No Hyperkit instances to migrate.");
    }
    if (failed)
        rc = cli_fail(&m, "migrate");
    vmdrv_report_clear(&rep);
    cli_mgr_close(&m);
    return rc;
}
