/*
 * cmd_info.c: `vmdrv info NAME...`: an instance's record and what its
 * driver says about it, shaped like Multipass's `multipass info`.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "instance_common.h"

const char cli_help_info[] =
    "Usage: vmdrv info [--json] NAME...\n"
    "\n"
    "Show each instance of the current scope: state (the driver's live\n"
    "answer), CPUs, memory, disk, mounts, extra networks, snapshots, and\n"
    "the driver's own details. Deleted instances are shown as Deleted.\n"
    "When the driver cannot run here (not built, or not for this host, as\n"
    "with --host), the record is shown as it was written, with a warning.\n"
    "\n"
    "Options:\n"
    "  --json      print JSON: {\"errors\": [...], \"info\": {NAME: {...}}}\n"
    "  -h, --help  print this help\n"
    "\n"
    "Exit status: 0 success, 1 when an instance could not be shown (the\n"
    "others still are), 2 usage error (e.g. an invalid name).\n";

static json_t *info_json(cli_mgr *m, const vmdrv_record *r,
                         const vmdrv_info *info)
{
    json_t *mounts = json_object();
    for (size_t i = 0; i < r->n_mounts; i++)
        json_object_set_new(mounts, r->mounts[i].target,
                            json_pack("{s:s}", "source_path",
                                      r->mounts[i].source));
    json_t *nets = json_array();
    for (size_t i = 0; i < r->interfaces.count; i++)
        json_array_append_new(nets, json_string(r->interfaces.names[i]));
    json_t *snaps = json_array();
    for (size_t i = 0; i < r->snapshots.count; i++)
        json_array_append_new(snaps, json_string(r->snapshots.names[i]));
    json_t *details = json_object();
    for (size_t i = 0; i < info->n_details; i++) {
        /* a key a driver repeats (one per mount) becomes a list */
        json_t *old = json_object_get(details, info->details[i].key);
        if (!old) {
            json_object_set_new(details, info->details[i].key,
                                json_string(info->details[i].value));
        } else {
            if (!json_is_array(old)) {
                json_t *arr = json_array();
                json_array_append(arr, old);
                json_object_set_new(details, info->details[i].key, arr);
                old = arr;
            }
            json_array_append_new(old, json_string(info->details[i].value));
        }
    }
    json_t *o = json_pack("{s:s,s:s,s:s,s:i,s:I,s:I,s:i,s:o,s:o,s:o,s:o}",
                          "state", cli_state_display(r->state, r->deleted),
                          "driver", m->driver_name, "scope", m->scope_name,
                          "cpu_count", r->cpus,
                          "memory_mb", (json_int_t)r->memory_mb, "disk_mb",
                          (json_int_t)r->disk_mb, "snapshot_count",
                          (int)r->snapshots.count, "snapshots", snaps,
                          "mounts", mounts, "extra_interfaces", nets,
                          "details", details);
    if (r->remembered)
        json_object_set_new(o, "state_before_switch",
                            json_string(vmdrv_state_name(r->state_before_switch)));
    if (r->migrated_from[0])
        json_object_set_new(o, "migrated_from", json_string(r->migrated_from));
    return o;
}

static void info_text(cli_mgr *m, const vmdrv_record *r,
                      const vmdrv_info *info, int first)
{
    if (!first)
        putchar('\n');
    printf("%-16s%s\n", "Name:", r->name);
    printf("%-16s%s\n", "State:", cli_state_display(r->state, r->deleted));
    printf("%-16s%s (scope '%s')\n", "Driver:", m->driver_name,
           m->scope_name);
    printf("%-16s%zu\n", "Snapshots:", r->snapshots.count);
    printf("%-16s%d\n", "CPU(s):", r->cpus);
    printf("%-16s%lluM\n", "Memory:", (unsigned long long)r->memory_mb);
    printf("%-16s%lluM\n", "Disk:", (unsigned long long)r->disk_mb);
    for (size_t i = 0; i < r->n_mounts; i++)
        printf("%-16s%s => %s\n", i ? "" : "Mounts:", r->mounts[i].source,
               r->mounts[i].target);
    if (r->n_mounts == 0)
        printf("%-16s%s\n", "Mounts:", "--");
    for (size_t i = 0; i < r->interfaces.count; i++)
        printf("%-16s%s\n", i ? "" : "Networks:", r->interfaces.names[i]);
    if (r->remembered)
        printf("%-16s%s (given back when its scope is selected again)\n",
               "Before switch:", vmdrv_state_name(r->state_before_switch));
    if (r->migrated_from[0])
        printf("%-16s%s%s\n", "Migrated from:", r->migrated_from,
               r->pending_create ? " (the driver adopts it on first use)" : "");
    for (size_t i = 0; i < info->n_details; i++) {
        char key[64];
        snprintf(key, sizeof key, "%s:", info->details[i].key);
        printf("%-15s %s\n", key, info->details[i].value);
    }
}

int cli_cmd_info(cli_env *env, int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                         {NULL, 0, NULL, 0}};
    int json = 0, offline = 0, c, rc = CLI_OK;
    vmdrv_records recs = {0};
    cli_mgr m;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'j')
            json = 1;
        else
            return cli_usage("info", "unknown option");
    }
    if (optind >= argc)
        return cli_usage("info", "which instance?");
    for (int i = optind; i < argc; i++)
        if ((rc = cli_check_instance("info", argv[i])))
            return rc;
    if (cli_scope_open_or_records(env, &m, &offline))
        return CLI_FAIL;
    if (offline && cli_records(&m, &recs, VMDRV_SCOPE_DELETED) != 0) {
        rc = cli_fail(&m, "info");
        cli_mgr_close(&m);
        return rc;
    }
    json_t *all = json_object(), *errors = json_array();
    int shown = 0;
    for (int i = optind; i < argc; i++) {
        vmdrv_record r;
        vmdrv_info info;
        if (offline) {
            /* the record as it is: no live state, no driver details */
            const vmdrv_record *f = vmdrv_records_find(&recs, argv[i]);
            memset(&info, 0, sizeof info);
            if (!f) {
                char *msg = vu_asprintf("instance '%s' does not exist in the "
                                        "'%s' scope",
                                        argv[i], m.scope_name);
                json_array_append_new(errors, json_string(msg));
                cli_error("info failed: %s", msg);
                free(msg);
                rc = CLI_FAIL;
                continue;
            }
            r = *f;
            memset((vmdrv_record *)f, 0, sizeof *f);
        } else if (vmdrv_scope_info(m.scope, argv[i], &r, &info) != 0) {
            const char *msg = vmdrv_last_error(m.ctx)->message;
            json_array_append_new(errors, json_string(msg));
            rc = cli_fail(&m, "info");
            continue;
        }
        if (json)
            json_object_set_new(all, r.name, info_json(&m, &r, &info));
        else
            info_text(&m, &r, &info, shown == 0);
        shown++;
        vmdrv_record_clear(&r);
    }
    if (json)
        cli_print_json(json_pack("{s:o,s:o}", "errors", errors, "info", all));
    else {
        json_decref(all);
        json_decref(errors);
    }
    vmdrv_records_clear(&recs);
    cli_mgr_close(&m);
    return rc;
}
