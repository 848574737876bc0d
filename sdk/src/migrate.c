/*
 * migrate.c: the Hyperkit-to-QEMU migration of macOS (Multipass 1.12's
 * Daemon::migrate_from_hyperkit, documented at vmdrv_migrate in
 * vmdrv/manager.h). Hyperkit is retired, so there is no hyperkit driver:
 * its scope is only records and disks in Multipass's layout, read here and
 * never written. What Multipass did with macOS tools (hdiutil, a new
 * cloud-init ISO) has no counterpart in vmdrv's records and is not done.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgr_internal.h"
#include "vu_json.h"

/* Multipass raised this from 30 s after a 30 GB image timed out (#2938). */
#define CHECK_TIMEOUT_MS (5 * 60 * 1000)

typedef struct migration {
    vmdrv_manager *mgr;
    vmdrv_report *rep;
    char *hk_dir;   /* <data>/hyperkit */
    char *qemu_dir; /* <data>/qemu */
    const char *qemu_img;
    int failures;
    int first_rc;
    char first_msg[512];
} migration;

static void skipped(migration *m, const char *name, vmdrv_state st,
                    const char *why)
{
    vmdrv__report_add(m->rep, "hyperkit", name, VMDRV_ACT_SKIPPED, st, st, 0,
                      why);
}

static void failed(migration *m, const char *name, vmdrv_state st, int rc,
                   const char *why)
{
    vmdrv__report_add(m->rep, "hyperkit", name, VMDRV_ACT_FAILED, st, st, rc,
                      why);
    if (!m->failures++) {
        m->first_rc = rc;
        /* the summary keeps the first failure; a longer reason is cut,
         * the report entry keeps it whole */
        int n = snprintf(m->first_msg, sizeof m->first_msg, "'%.64s': ", name);
        if (n > 0 && (size_t)n < sizeof m->first_msg)
            vu_strlcpy(m->first_msg + n, why, sizeof m->first_msg - (size_t)n);
    }
}

static int load_json(vmdrv_ctx *ctx, const char *path, const char *what,
                     json_t **out)
{
    char err[1024];
    *out = NULL;
    if (!vu_path_exists(path))
        return 0;
    json_t *j = vu_json_load_file(path, err, sizeof err);
    if (!j)
        return vmdrv_error_set(ctx, VMDRV_E_CORRUPT, NULL, 0,
                               "cannot read the Hyperkit %s: %s; nothing was "
                               "migrated",
                               what, err);
    if (!json_is_object(j)) {
        json_decref(j);
        return vmdrv_error_set(ctx, VMDRV_E_CORRUPT, NULL, 0,
                               "the Hyperkit %s '%s' is not a JSON object; "
                               "nothing was migrated",
                               what, path);
    }
    *out = j;
    return 0;
}

/* A qemu record or instance folder of this name already exists. */
static int name_taken(migration *m, const char *name, int *taken)
{
    json_t *root;
    *taken = 0;
    int rc = vmdrv__store_read(m->mgr->ctx, m->qemu_dir, &root);
    if (rc)
        return rc;
    if (root && json_object_get(json_object_get(root, "instances"), name))
        *taken = 1;
    json_decref(root);
    char *dir = vu_asprintf("%s/instances/%s", m->qemu_dir, name);
    if (vu_path_exists(dir))
        *taken = 1;
    free(dir);
    return 0;
}

/* Where the disk is: the recorded path, or (a data directory that moved,
 * like the test fixture) the same file name in the instance's vault folder. */
static char *find_disk(migration *m, const char *name, const char *recorded)
{
    if (recorded && *recorded && vu_path_exists(recorded))
        return vu_strdup(recorded);
    const char *base = recorded ? strrchr(recorded, '/') : NULL;
    base = base ? base + 1 : recorded;
    if (!base || !*base)
        return NULL;
    char *p = vu_asprintf("%s/vault/instances/%s/%s", m->hk_dir, name, base);
    if (vu_path_exists(p))
        return p;
    free(p);
    return NULL;
}

/* qemu-img check -r all: repair what the Hyperkit image may hold. */
static int repair(migration *m, const char *disk, char *why, size_t size)
{
    const char *argv[] = {m->qemu_img, "check", "-r", "all", disk, NULL};
    vmdrv_proc_spec spec = {.argv = argv, .timeout_ms = CHECK_TIMEOUT_MS};
    vmdrv_proc_result res;
    int rc = vmdrv_proc_run(m->mgr->ctx, &spec, &res);
    if (rc) {
        snprintf(why, size, "cannot run qemu-img: %s",
                 vmdrv_last_error(m->mgr->ctx)->message);
    } else if (res.timed_out) {
        snprintf(why, size, "'qemu-img check -r all' did not finish within "
                            "%d s",
                 CHECK_TIMEOUT_MS / 1000);
        rc = VMDRV_E_TIMEOUT;
    } else if (!res.exited || res.status != 0) {
        char *err = vu_strdup(res.err && *res.err ? res.err
                                                  : res.out ? res.out : "");
        snprintf(why, size, "'qemu-img check -r all' failed (%s %d): %s",
                 res.exited ? "exit status" : "signal",
                 res.exited ? res.status : res.signal, vu_str_trim(err));
        free(err);
        rc = VMDRV_E_TOOL;
    }
    vmdrv_proc_result_clear(&res);
    return rc;
}

/* The qemu record: Multipass's fields copied, ours added. */
static json_t *qemu_record(const char *name, const json_t *hk,
                           const char *disk)
{
    json_t *r = json_deep_copy(hk);
    vmdrv_state st = (vmdrv_state)json_integer_value(json_object_get(hk, "state"));
    json_object_set_new(r, "name", json_string(name));
    json_object_set_new(r, "state", json_integer(st));
    json_object_set_new(r, "deleted", json_false());
    json_object_del(r, "state_before_switch");
    if (!json_is_array(json_object_get(r, "mounts")))
        json_object_set_new(r, "mounts", json_array());
    if (!json_is_array(json_object_get(r, "extra_interfaces")))
        json_object_set_new(r, "extra_interfaces", json_array());
    /* Hyperkit had no snapshots */
    json_object_set_new(r, "snapshots", json_array());
    json_object_set_new(r, "snapshot_count", json_integer(0));
    json_object_set_new(r, "pending_create", json_true());
    json_object_set_new(r, "image", json_string(disk));
    json_object_set_new(r, "migrated_from", json_string("hyperkit"));
    return r;
}

static void migrate_one(migration *m, const char *name, const json_t *hk,
                        const json_t *images, int dry_run)
{
    vmdrv_ctx *ctx = m->mgr->ctx;
    char why[1024];
    int taken;
    vmdrv_state st = VMDRV_STATE_UNKNOWN;
    char *src = NULL, *dir = NULL, *disk = NULL;
    if (!vmdrv_name_valid(name)) {
        skipped(m, name, st, "its name is not a valid instance name");
        return;
    }
    const json_t *state = json_object_get(hk, "state");
    if (!json_is_object(hk) || !json_is_integer(state)) {
        failed(m, name, st, VMDRV_E_CORRUPT,
               "its record has no integer 'state'");
        return;
    }
    st = (vmdrv_state)json_integer_value(state);
    if (json_is_true(json_object_get(hk, "deleted"))) {
        skipped(m, name, st, "instance is deleted");
        return;
    }
    if (st != VMDRV_STATE_OFF && st != VMDRV_STATE_STOPPED) {
        snprintf(why, sizeof why, "instance needs to be stopped (it is %s)",
                 vmdrv_state_name(st) ? vmdrv_state_name(st) : "in an unknown state");
        skipped(m, name, st, why);
        return;
    }
    if (name_taken(m, name, &taken) != 0) {
        failed(m, name, st, vmdrv_last_error(ctx)->code,
               vmdrv_last_error(ctx)->message);
        return;
    }
    if (taken) {
        skipped(m, name, st, "name already taken by a qemu instance");
        return;
    }
    const json_t *image = json_object_get(json_object_get(images, name), "image");
    const char *path = vu_json_str(image, "path", NULL);
    const char *release = vu_json_str(image, "original_release", "");
    if (strstr(release, "16.04") && (!path || !strstr(path, "uefi"))) {
        skipped(m, name, st,
                "old Xenial instances (launched before 1.11) cannot be "
                "migrated");
        return;
    }
    if (!path) {
        failed(m, name, st, VMDRV_E_NOTFOUND,
               "it has no image record naming its disk");
        return;
    }
    if (!(src = find_disk(m, name, path))) {
        snprintf(why, sizeof why, "its disk image '%s' is missing", path);
        failed(m, name, st, VMDRV_E_NOTFOUND, why);
        return;
    }
    if (dry_run) {
        vmdrv__report_add(m->rep, "hyperkit", name, VMDRV_ACT_WOULD_MIGRATE,
                          st, st, 0, NULL);
        free(src);
        return;
    }
    dir = vu_asprintf("%s/instances/%s", m->qemu_dir, name);
    disk = vu_path_join(dir, "disk.qcow2");
    json_t *rec = NULL;
    vmdrv__store store;
    int rc = vu_mkdir_p(dir);
    if (rc || (rc = vu_copy_file(src, disk))) {
        snprintf(why, sizeof why, "cannot copy '%s' to '%s': %s", src, disk,
                 strerror(-rc));
        failed(m, name, st, VMDRV_E_IO, why);
        rc = VMDRV_E_IO;
        goto cleanup;
    }
    if ((rc = repair(m, disk, why, sizeof why))) {
        failed(m, name, st, rc, why);
        goto cleanup;
    }
    rec = qemu_record(name, hk, disk);
    if ((rc = vmdrv__record_check(ctx, "the Hyperkit records", name, rec)) ||
        (rc = vmdrv__store_begin(ctx, m->qemu_dir, "qemu", "qemu", &store))) {
        failed(m, name, st, rc, vmdrv_last_error(ctx)->message);
        goto cleanup;
    }
    if (json_object_get(store.instances, name)) {
        /* a qemu instance of that name appeared while we copied */
        vmdrv__store_end(&store);
        skipped(m, name, st, "name already taken by a qemu instance");
        rc = VMDRV_E_EXISTS;
        goto cleanup;
    }
    json_object_set_new(store.instances, name, rec);
    rec = NULL;
    if ((rc = vmdrv__store_commit(&store))) {
        failed(m, name, st, rc, vmdrv_last_error(ctx)->message);
        goto cleanup;
    }
    vmdrv__report_add(m->rep, "hyperkit", name, VMDRV_ACT_MIGRATED, st, st, 0,
                      NULL);
cleanup:
    /* leave no half-migrated instance behind (Multipass's scope guard) */
    if (rc)
        vu_rm_rf(dir);
    json_decref(rec);
    free(src);
    free(dir);
    free(disk);
}

static int by_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int vmdrv_migrate(vmdrv_manager *mgr, const char *from, const char *to,
                  int dry_run, vmdrv_report *rep)
{
    vmdrv_ctx *ctx = mgr->ctx;
    char words[64];
    json_t *db = NULL, *images = NULL;
    const char **names = NULL;
    migration m;
    int rc = 0;
    memset(&m, 0, sizeof m);
    vmdrv_report_clear(rep);
    if (!from || !to || strcmp(from, "hyperkit") != 0 ||
        strcmp(to, "qemu") != 0)
        return vmdrv_error_set(ctx, VMDRV_E_INVAL, NULL, 0,
                               "cannot migrate from '%s' to '%s': the only "
                               "migration is from 'hyperkit' to 'qemu'",
                               from ? from : "", to ? to : "");
    const vmdrv_host *host = vmdrv_ctx_host(ctx);
    if (host->os != VMDRV_OS_MACOS) {
        vmdrv__host_words(host, words, sizeof words);
        return vmdrv_error_set(ctx, VMDRV_E_UNAVAILABLE, NULL, 0,
                               "Hyperkit instances are migrated only on "
                               "macOS, and this host is %s",
                               words);
    }
    if (rep) {
        vu_strlcpy(rep->from, "hyperkit", sizeof rep->from);
        vu_strlcpy(rep->to, "qemu", sizeof rep->to);
        rep->migrated = 1;
    }
    m.mgr = mgr;
    m.rep = rep;
    m.hk_dir = vu_path_join(vmdrv_ctx_data_dir(ctx), "hyperkit");
    m.qemu_dir = vu_path_join(vmdrv_ctx_data_dir(ctx), "qemu");
    char *db_path = vu_path_join(m.hk_dir, VMDRV__HYPERKIT_DB);
    char *img_path = vu_path_join(m.hk_dir, VMDRV__HYPERKIT_IMAGES);
    if ((rc = load_json(ctx, db_path, "instance records", &db)) ||
        (rc = load_json(ctx, img_path, "image records", &images)))
        goto cleanup;
    if (!db || json_object_size(db) == 0)
        goto cleanup; /* no leftover Hyperkit scope: nothing to do */
    if (!dry_run && !(m.qemu_img = vmdrv_tool_path(ctx, VMDRV_TOOL_QEMU_IMG))) {
        char *why = vmdrv__err_copy(ctx);
        rc = vmdrv_error_set(ctx, VMDRV_E_NOTFOUND, "qemu-img", 0,
                             "migrating Hyperkit instances needs qemu-img: "
                             "%s; nothing was migrated",
                             why);
        free(why);
        goto cleanup;
    }
    size_t n = 0;
    const char *key;
    json_t *val;
    names = vu_calloc(json_object_size(db), sizeof *names);
    json_object_foreach(db, key, val)
        names[n++] = key;
    qsort(names, n, sizeof *names, by_str);
    vmdrv__saved_err saved;
    vmdrv__err_save(ctx, &saved);
    for (size_t i = 0; i < n; i++)
        migrate_one(&m, names[i], json_object_get(db, names[i]), images,
                    dry_run);
    if (m.failures) {
        vmdrv__err_drop(&saved);
        rc = vmdrv_error_set(ctx, m.first_rc ? m.first_rc : VMDRV_E_TOOL,
                             NULL, 0,
                             "%d of %zu Hyperkit instance(s) could not be "
                             "migrated (first %s); the originals were kept",
                             m.failures, n, m.first_msg);
    } else {
        vmdrv__err_restore(ctx, &saved);
    }
cleanup:
    free(names);
    json_decref(db);
    json_decref(images);
    free(db_path);
    free(img_path);
    free(m.hk_dir);
    free(m.qemu_dir);
    return rc;
}
