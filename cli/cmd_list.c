/*
 * cmd_list.c: `vmdrv list`: the instances of the scope local.driver
 * selects (deleted ones hidden), or with --snapshots their snapshots,
 * shaped like Multipass's `multipass list`.
 */
#include <getopt.h>
#include <string.h>
#include <time.h>

#include "instance_common.h"

const char cli_help_list[] =
    "Usage: vmdrv list [--json] [--snapshots]\n"
    "\n"
    "List the instances of the scope local.driver selects; instances of\n"
    "other drivers are in their own scopes and are not shown. Deleted\n"
    "(not purged) instances are hidden. States are the driver's live\n"
    "answer, as Multipass shows them: Running, Stopped, Suspended, ...\n"
    "When the driver cannot run here (not built, or not for this host, as\n"
    "with --host), the recorded states are shown, with a warning, and\n"
    "\"live\" is false in JSON.\n"
    "\n"
    "Options:\n"
    "  --json        print JSON: {\"scope\", \"driver\", \"live\", \"list\":\n"
    "                [{\"name\", \"state\", \"cpus\", \"memory_mb\", \"disk_mb\"}]}\n"
    "  --snapshots   list every instance's snapshots instead; a driver\n"
    "                without snapshots answers that it does not support\n"
    "                them (exit status 1)\n"
    "  -h, --help    print this help\n"
    "\n"
    "Exit status: 0 success, 1 failure, 2 usage error.\n";

static int list_snapshots(cli_mgr *m, int json)
{
    vmdrv_records recs;
    if (vmdrv_scope_records(m->scope, &recs, 0) != 0)
        return cli_fail(m, "list");
    json_t *info = json_object();
    int rc = CLI_OK, rows = 0;
    for (size_t i = 0; i < recs.count && rc == CLI_OK; i++) {
        const char *name = recs.items[i].name;
        vmdrv_snapshots snaps = {0};
        if (vmdrv_scope_require(m->scope, name) != 0 ||
            vmdrv_snapshot_list(vmdrv_scope_conn(m->scope), name, &snaps,
                                0) != 0) {
            rc = cli_fail(m, "list --snapshots");
            break;
        }
        json_t *o = json_object();
        for (size_t k = 0; k < snaps.count; k++) {
            const vmdrv_snapshot *s = &snaps.items[k];
            json_object_set_new(o, s->name,
                                json_pack("{s:s,s:s,s:I}", "parent", s->parent,
                                          "comment", s->comment, "created",
                                          (json_int_t)s->created));
            if (!json) {
                if (rows++ == 0)
                    printf("%-24s %-20s %-20s %s\n", "Instance", "Snapshot",
                           "Parent", "Comment");
                printf("%-24s %-20s %-20s %s\n", name, s->name,
                       s->parent[0] ? s->parent : "--",
                       s->comment[0] ? s->comment : "--");
            }
        }
        json_object_set_new(info, name, o);
        vmdrv_snapshots_clear(&snaps);
    }
    if (rc == CLI_OK && json)
        cli_print_json(json_pack("{s:[],s:o}", "errors", "info", info));
    else
        json_decref(info);
    if (rc == CLI_OK && !json && rows == 0)
        puts("No snapshots found.");
    vmdrv_records_clear(&recs);
    return rc;
}

int cli_cmd_list(cli_env *env, int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"snapshots", no_argument, NULL, 's'},
        {NULL, 0, NULL, 0}};
    int json = 0, snaps = 0, offline = 0, c, rc = CLI_OK;
    cli_mgr m;
    vmdrv_records recs;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'j')
            json = 1;
        else if (c == 's')
            snaps = 1;
        else
            return cli_usage("list", "unknown option");
    }
    if (optind < argc)
        return cli_usage("list", "unexpected argument '%s'", argv[optind]);
    /* snapshots live in the hypervisor: they need the driver */
    if (snaps ? cli_scope_open(env, &m)
              : cli_scope_open_or_records(env, &m, &offline))
        return CLI_FAIL;
    if (snaps) {
        rc = list_snapshots(&m, json);
        cli_mgr_close(&m);
        return rc;
    }
    if (cli_records(&m, &recs, 0) != 0) {
        rc = cli_fail(&m, "list");
        cli_mgr_close(&m);
        return rc;
    }
    if (json) {
        json_t *list = json_array();
        for (size_t i = 0; i < recs.count; i++) {
            const vmdrv_record *r = &recs.items[i];
            json_array_append_new(
                list, json_pack("{s:s,s:s,s:i,s:I,s:I}", "name", r->name,
                                "state", cli_state_display(r->state, 0),
                                "cpus", r->cpus, "memory_mb",
                                (json_int_t)r->memory_mb, "disk_mb",
                                (json_int_t)r->disk_mb));
        }
        cli_print_json(json_pack("{s:s,s:s,s:b,s:o}", "scope", m.scope_name,
                                 "driver", m.driver_name, "live", !offline,
                                 "list", list));
    } else if (recs.count == 0) {
        puts("No instances found.");
    } else {
        printf("%-24s %-17s %-5s %-10s %s\n", "Name", "State", "CPUs",
               "Memory", "Disk");
        for (size_t i = 0; i < recs.count; i++) {
            const vmdrv_record *r = &recs.items[i];
            char mem[32], disk[32];
            snprintf(mem, sizeof mem, "%lluM", (unsigned long long)r->memory_mb);
            snprintf(disk, sizeof disk, "%lluM", (unsigned long long)r->disk_mb);
            printf("%-24s %-17s %-5d %-10s %s\n", r->name,
                   cli_state_display(r->state, 0), r->cpus, mem, disk);
        }
    }
    vmdrv_records_clear(&recs);
    cli_mgr_close(&m);
    return rc;
}
