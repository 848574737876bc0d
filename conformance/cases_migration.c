/*
 * cases_migration.c: migration.* cases, the page's exception: on macOS,
 * stopped Hyperkit instances move to QEMU (Multipass 1.12+). Each case
 * builds a leftover Hyperkit scope in Multipass's layout in its private
 * data dir (records, image records, a real qcow2 disk made with
 * qemu-img), triggers the migration, and checks the result.
 */
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "vmdrv/manager.h"
#include "vu_fs.h"
#include "vu_json.h"

typedef struct hk_instance {
    const char *label;
    int state;   /* Multipass's integer */
    int deleted;
} hk_instance;

/* Write <data>/hyperkit/ with the given instances; names via vc_name. */
static vc_obs make_hyperkit_scope(vc_t *t, const hk_instance *list, size_t n)
{
    char *root = vu_path_join(vc_data_dir(t), "hyperkit");
    char *vault = vu_path_join(root, "vault");
    json_t *recs = json_object(), *images = json_object();
    vc_obs o = VC_O_WORKS;
    const char *qemu_img = vmdrv_tool_path(vc_ctx(t), VMDRV_TOOL_QEMU_IMG);
    if (!qemu_img) {
        o = vc_skip(t, "needs-qemu-img", "qemu-img is not available: %s",
                    vmdrv_last_error(vc_ctx(t))->message);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        const char *name = vc_name(t, list[i].label);
        char *dir = vu_asprintf("%s/instances/%s", vault, name);
        char *disk = vu_path_join(dir, "ubuntu-22.04-server-cloudimg-amd64.img");
        vu_mkdir_p(dir);
        const char *argv[] = {qemu_img, "create", "-q", "-f", "qcow2", disk,
                              "16M", NULL};
        vmdrv_proc_spec spec = {.argv = argv, .timeout_ms = 30000};
        vmdrv_proc_result r;
        int rc = vmdrv_proc_run(vc_ctx(t), &spec, &r);
        int ok = rc == 0 && r.exited && r.status == 0;
        vmdrv_proc_result_clear(&r);
        if (!ok) {
            o = vc_error(t, "cannot create the Hyperkit disk '%s'", disk);
            free(dir);
            free(disk);
            goto done;
        }
        json_object_set_new(
            recs, name,
            json_pack("{s:b,s:s,s:s,s:s,s:o,s:i,s:o,s:s,s:i,s:o}", "deleted",
                      list[i].deleted, "disk_space", "5368709120", "mac_addr",
                      "52:54:00:12:34:56", "mem_size", "1073741824",
                      "metadata", json_object(), "num_cores", 1, "mounts",
                      json_array(), "ssh_username", "ubuntu", "state",
                      list[i].state, "extra_interfaces", json_array()));
        json_object_set_new(
            images, name,
            json_pack("{s:{s:s,s:s,s:s,s:s,s:s,s:[]},s:I}", "image", "path",
                      disk, "id", "0123456789abcdef", "original_release",
                      "22.04 LTS", "current_release", "22.04 LTS",
                      "release_date", "20230601", "aliases", "last_accessed",
                      (json_int_t)1690000000));
        free(dir);
        free(disk);
    }
    char *recs_path = vu_path_join(root, "multipassd-vm-instances.json");
    char *img_path = vu_path_join(vault, "multipassd-instance-image-records.json");
    if (vu_json_write_atomic(recs_path, recs) != 0 ||
        vu_json_write_atomic(img_path, images) != 0)
        o = vc_error(t, "cannot write the Hyperkit records");
    free(recs_path);
    free(img_path);
done:
    json_decref(recs);
    json_decref(images);
    free(vault);
    free(root);
    return o;
}

static const vmdrv_report_entry *entry_for(const vmdrv_report *rep,
                                           const char *name)
{
    for (size_t i = 0; i < rep->count; i++)
        if (strcmp(rep->items[i].name, name) == 0)
            return &rep->items[i];
    return NULL;
}

static int in_qemu_scope(vc_t *t, const char *name)
{
    vmdrv_records recs = {0};
    int found = 0;
    if (vmdrv_records_load(vc_ctx(t), "qemu", &recs) == 0) {
        const vmdrv_record *r = vmdrv_records_find(&recs, name);
        found = r && !r->deleted ? 1 : 0;
        if (r && strcmp(r->migrated_from, "hyperkit") != 0)
            found = 2; /* there, but not marked as migrated */
    }
    vmdrv_records_clear(&recs);
    return found;
}

/* Run the migration on a fresh manager; the report is the caller's. */
static vc_obs migrate(vc_t *t, int dry_run, vmdrv_report *rep)
{
    vmdrv_manager *mgr;
    vc_obs o = VC_O_WORKS;
    if (vmdrv_manager_new(&mgr, vc_ctx(t)) != 0)
        return vc_error_sdk(t, "cannot create the manager");
    if (vmdrv_migrate(mgr, "hyperkit", "qemu", dry_run, rep) != 0)
        o = vc_fail_sdk(t, "migration-failed",
                        dry_run ? "migrate --dry-run" : "migrate");
    vmdrv_manager_free(mgr);
    return o;
}

static char *qemu_disk(vc_t *t, const char *name)
{
    return vu_asprintf("%s/qemu/instances/%s/disk.qcow2", vc_data_dir(t), name);
}

vc_obs vc_case_migration_stopped_migrated(vc_t *t)
{
    static const hk_instance list[] = {{"stopped", 1, 0}, {"off", 0, 0}};
    vc_obs o = make_hyperkit_scope(t, list, 2);
    if (o)
        return o;
    /* the trigger: local.driver was hyperkit and becomes qemu */
    char *settings = vu_path_join(vc_data_dir(t), "settings.yaml");
    const char *text = "local.driver: hyperkit\n";
    vu_write_atomic(settings, text, strlen(text));
    free(settings);
    vmdrv_manager *mgr;
    if (vmdrv_manager_new(&mgr, vc_ctx(t)) != 0)
        return vc_error_sdk(t, "cannot create the manager");
    vmdrv_report rep = {0};
    int rc = vmdrv_local_driver_set(mgr, "qemu", &rep);
    if (rc != 0)
        o = vc_fail_sdk(t, "migration-failed", "set local.driver=qemu");
    else if (!rep.migrated)
        o = vc_fail(t, "migration-not-triggered",
                    "switching from hyperkit to qemu did not migrate");
    for (size_t i = 0; !o && i < 2; i++) {
        const char *name = vc_name(t, list[i].label);
        const vmdrv_report_entry *e = entry_for(&rep, name);
        char *disk = qemu_disk(t, name);
        if (!e || e->action != VMDRV_ACT_MIGRATED)
            o = vc_fail(t, "stopped-not-migrated",
                        "'%s' (state %d) was %s", name, list[i].state,
                        e ? vmdrv_report_action_name(e->action) : "not reported");
        else if (in_qemu_scope(t, name) != 1)
            o = vc_fail(t, "no-qemu-record",
                        "the qemu scope has no migrated record of '%s'", name);
        else if (!vu_path_exists(disk))
            o = vc_fail(t, "disk-not-copied", "'%s' does not exist", disk);
        free(disk);
        /* the original stays where it was */
        char *orig = vu_asprintf("%s/hyperkit/vault/instances/%s", vc_data_dir(t),
                                 name);
        if (!o && !vu_is_dir(orig))
            o = vc_fail(t, "original-removed", "'%s' is gone", orig);
        free(orig);
    }
    vmdrv_report_clear(&rep);
    vmdrv_manager_free(mgr);
    return o;
}

vc_obs vc_case_migration_disk_repaired(vc_t *t)
{
    static const hk_instance list[] = {{"stopped", 1, 0}};
    vc_obs o = make_hyperkit_scope(t, list, 1);
    if (o)
        return o;
    vmdrv_report rep = {0};
    o = migrate(t, 0, &rep);
    vmdrv_report_clear(&rep);
    if (o)
        return o;
    const char *name = vc_name(t, "stopped");
    char *disk = qemu_disk(t, name);
    /* the case log holds every program the SDK ran */
    char *log = NULL;
    char *log_path = vu_path_join(vc_work_dir(t), "case.log");
    vu_read_file(log_path, &log, NULL);
    free(log_path);
    char *want = vu_asprintf("'check' '-r' 'all' '%s'", disk);
    if (!log || !strstr(log, want))
        o = vc_fail(t, "disk-not-repaired",
                    "the log shows no `qemu-img check -r all` of '%s'", disk);
    free(want);
    free(log);
    /* and the copy is a sound qcow2 now */
    const char *qemu_img = vmdrv_tool_path(vc_ctx(t), VMDRV_TOOL_QEMU_IMG);
    if (!o && qemu_img) {
        const char *argv[] = {qemu_img, "check", "-q", disk, NULL};
        vmdrv_proc_spec spec = {.argv = argv, .timeout_ms = 60000};
        vmdrv_proc_result r;
        if (vmdrv_proc_run(vc_ctx(t), &spec, &r) != 0 || !r.exited ||
            r.status != 0)
            o = vc_fail(t, "disk-not-sound",
                        "qemu-img check of '%s' failed: %s", disk, r.err);
        vmdrv_proc_result_clear(&r);
    }
    free(disk);
    return o;
}

vc_obs vc_case_migration_running_left_alone(vc_t *t)
{
    static const hk_instance list[] = {
        {"running", 4, 0}, {"suspended", 7, 0}, {"deleted", 1, 1}};
    vc_obs o = make_hyperkit_scope(t, list, 3);
    if (o)
        return o;
    vmdrv_report rep = {0};
    o = migrate(t, 0, &rep);
    for (size_t i = 0; !o && i < 3; i++) {
        const char *name = vc_name(t, list[i].label);
        const vmdrv_report_entry *e = entry_for(&rep, name);
        if (!e || e->action != VMDRV_ACT_SKIPPED || !e->message[0])
            o = vc_fail(t, "not-left-alone",
                        "'%s' (%s) was %s, expected skipped with a reason",
                        name, list[i].label,
                        e ? vmdrv_report_action_name(e->action)
                          : "not reported");
        else if (in_qemu_scope(t, name))
            o = vc_fail(t, "not-left-alone",
                        "'%s' (%s) appeared in the qemu scope", name,
                        list[i].label);
    }
    vmdrv_report_clear(&rep);
    return o;
}

vc_obs vc_case_migration_name_clash_left_alone(vc_t *t)
{
    static const hk_instance list[] = {{"clash", 1, 0}};
    vc_obs o = make_hyperkit_scope(t, list, 1);
    if (o)
        return o;
    const char *name = vc_name(t, "clash");
    /* something of that name already lives in the qemu scope */
    char *taken = vu_asprintf("%s/qemu/instances/%s", vc_data_dir(t), name);
    char *marker = vu_path_join(taken, "keep-me");
    vu_mkdir_p(taken);
    vu_write_atomic(marker, "qemu's own\n", 11);
    vmdrv_report rep = {0};
    /* a skipped instance is not a failure of the migration */
    o = migrate(t, 0, &rep);
    const vmdrv_report_entry *e = entry_for(&rep, name);
    char *data = NULL;
    if (!o && (!e || e->action != VMDRV_ACT_SKIPPED))
        o = vc_fail(t, "clash-not-left-alone",
                    "'%s' whose name is taken in qemu was %s", name,
                    e ? vmdrv_report_action_name(e->action) : "not reported");
    else if (!o && (vu_read_file(marker, &data, NULL) != 0 ||
                    strcmp(data, "qemu's own\n") != 0))
        o = vc_fail(t, "clash-overwritten",
                    "the qemu instance '%s' was touched", name);
    free(data);
    vmdrv_report_clear(&rep);
    free(taken);
    free(marker);
    return o;
}

/* Every file under dir, with its content, as one comparable string. */
static void tree_text(const char *dir, vu_buf *out)
{
    vu_strv names = VU_STRV_INIT;
    vu_list_dir(dir, &names);
    for (size_t i = 0; i < names.n; i++) {
        char *p = vu_path_join(dir, names.v[i]);
        if (vu_is_dir(p)) {
            vu_buf_printf(out, "[%s]\n", p);
            tree_text(p, out);
        } else {
            char *data = NULL;
            size_t len = 0;
            vu_read_file(p, &data, &len);
            vu_buf_printf(out, "%s %zu\n", p, len);
            if (data)
                vu_buf_add(out, data, len);
            free(data);
        }
        free(p);
    }
    vu_strv_clear(&names);
}

vc_obs vc_case_migration_originals_kept(vc_t *t)
{
    static const hk_instance list[] = {{"stopped", 1, 0}, {"running", 4, 0}};
    vc_obs o = make_hyperkit_scope(t, list, 2);
    if (o)
        return o;
    char *root = vu_path_join(vc_data_dir(t), "hyperkit");
    vu_buf before = VU_BUF_INIT, after = VU_BUF_INIT;
    tree_text(root, &before);
    vmdrv_report rep = {0};
    o = migrate(t, 0, &rep);
    vmdrv_report_clear(&rep);
    tree_text(root, &after);
    if (!o && (before.len != after.len ||
               memcmp(vu_buf_str(&before), vu_buf_str(&after), before.len)))
        o = vc_fail(t, "originals-changed",
                    "the Hyperkit scope '%s' changed during the migration",
                    root);
    vu_buf_clear(&before);
    vu_buf_clear(&after);
    free(root);
    return o;
}

vc_obs vc_case_migration_dry_run(vc_t *t)
{
    static const hk_instance list[] = {{"stopped", 1, 0}};
    vc_obs o = make_hyperkit_scope(t, list, 1);
    if (o)
        return o;
    vmdrv_report rep = {0};
    const char *name = vc_name(t, "stopped");
    o = migrate(t, 1, &rep);
    const vmdrv_report_entry *e = entry_for(&rep, name);
    char *qemu = vu_path_join(vc_data_dir(t), "qemu");
    char *dir = vu_asprintf("%s/instances/%s", qemu, name);
    if (!o && (!e || e->action != VMDRV_ACT_WOULD_MIGRATE))
        o = vc_fail(t, "dry-run-report",
                    "a dry run reported '%s' as %s, expected would-migrate",
                    name, e ? vmdrv_report_action_name(e->action) : "nothing");
    else if (!o && (vu_path_exists(dir) || in_qemu_scope(t, name)))
        o = vc_fail(t, "dry-run-wrote", "a dry run created '%s' in qemu", name);
    free(qemu);
    free(dir);
    vmdrv_report_clear(&rep);
    return o;
}
