/*
 * test_migrate.c: the Hyperkit-to-QEMU migration, on the fixture of
 * fixtures/hyperkit copied into a scratch data folder: which instances
 * move and which are skipped and why, the disk copy repaired with
 * `qemu-img check -r all`, the qemu records, originals left untouched,
 * the dry run, macOS only, and failures that undo one instance's copy.
 * The tests that run the real qemu-img skip, saying so, where it is
 * absent; the others use a fake process runner.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mgr_internal.h"
#include "scopes_helpers.h"
#include "vu_json.h"

#define IMG_JAMMY "ubuntu-22.04-server-cloudimg-amd64.img"

static const char *const fixture_names[] = {
    "clash", "gone", "off-focal", "old-xenial", "running-one",
    "stopped-jammy", "suspended-one"};
#define N_FIXTURE 7

/* ---- the fixture ------------------------------------------------------ */

static void copy_fixture_file(sh_env *e, const char *rel)
{
    char *src = vu_asprintf("%s/fixtures/hyperkit/%s", sh_source_dir(), rel);
    char *dst = vu_asprintf("%s/hyperkit/%s", e->dir, rel);
    char *dir = vu_strdup(dst);
    *strrchr(dir, '/') = '\0';
    assert_int_equal(vu_mkdir_p(dir), 0);
    assert_int_equal(vu_copy_file(src, dst), 0);
    free(src);
    free(dst);
    free(dir);
}

/* The disk of each instance, where its image record says (by name). */
static char *disk_path(sh_env *e, const char *name)
{
    char *img = vu_asprintf("%s/hyperkit/%s", e->dir, VMDRV__HYPERKIT_IMAGES);
    char err[512];
    json_t *j = vu_json_load_file(img, err, sizeof err);
    assert_non_null(j);
    const char *path = vu_json_str(
        json_object_get(json_object_get(j, name), "image"), "path", "");
    const char *base = strrchr(path, '/');
    char *disk = vu_asprintf("%s/hyperkit/vault/instances/%s/%s", e->dir, name,
                             base ? base + 1 : path);
    json_decref(j);
    free(img);
    return disk;
}

/* Copy the fixture; disks are qcow2 made by qemu-img (real) or files
 * holding their own name (for the fake runner). */
static void install_fixture(sh_env *e, int real_disks)
{
    copy_fixture_file(e, VMDRV__HYPERKIT_DB);
    copy_fixture_file(e, VMDRV__HYPERKIT_IMAGES);
    for (size_t i = 0; i < N_FIXTURE; i++) {
        char *disk = disk_path(e, fixture_names[i]);
        char *dir = vu_strdup(disk);
        *strrchr(dir, '/') = '\0';
        assert_int_equal(vu_mkdir_p(dir), 0);
        if (real_disks) {
            const char *qemu_img = vmdrv_tool_path(e->ctx, VMDRV_TOOL_QEMU_IMG);
            assert_non_null(qemu_img);
            const char *argv[] = {qemu_img, "create", "-q", "-f", "qcow2",
                                  disk, "16M", NULL};
            vmdrv_proc_spec spec = {.argv = argv, .timeout_ms = 30000};
            vmdrv_proc_result res;
            sh_check(e, vmdrv_proc_run(e->ctx, &spec, &res));
            if (!res.exited || res.status != 0)
                print_error("qemu-img create: %s\n", res.err);
            assert_true(res.exited && res.status == 0);
            vmdrv_proc_result_clear(&res);
        } else {
            sh_spit(disk, fixture_names[i]);
        }
        free(dir);
        free(disk);
    }
}

/* Every file of the Hyperkit scope, each after its name (disks are
 * binary: compare with memcmp and the length). */
static char *snapshot_hyperkit(sh_env *e, size_t *len)
{
    vu_buf all = VU_BUF_INIT;
    const char *rels[] = {VMDRV__HYPERKIT_DB, VMDRV__HYPERKIT_IMAGES};
    for (size_t i = 0; i < 2; i++) {
        char *p = vu_asprintf("%s/hyperkit/%s", e->dir, rels[i]);
        char *t = sh_slurp(p);
        vu_buf_printf(&all, "== %s\n%s", rels[i], t ? t : "(absent)");
        free(t);
        free(p);
    }
    for (size_t i = 0; i < N_FIXTURE; i++) {
        char *p = disk_path(e, fixture_names[i]);
        char *data = NULL;
        size_t n = 0;
        vu_buf_printf(&all, "== %s\n", p);
        if (vu_read_file(p, &data, &n) == 0) {
            vu_buf_add(&all, data, n);
            free(data);
        }
        free(p);
    }
    *len = all.len;
    return vu_buf_detach(&all);
}

#define assert_same_snapshot(a, alen, b, blen)                                 \
    do {                                                                       \
        assert_int_equal((alen), (blen));                                      \
        assert_true(memcmp((a), (b), (alen)) == 0);                            \
    } while (0)

static int have_qemu_img(void)
{
    sh_env e;
    sh_open(&e, "linux-x86_64", NULL);
    int have = vmdrv_tool_path(e.ctx, VMDRV_TOOL_QEMU_IMG) != NULL;
    sh_close(&e);
    if (!have)
        fprintf(stderr, "SKIP: qemu-img is not installed (apt-get install "
                        "qemu-utils), so the real migration is not tried\n");
    return have;
}

static const vmdrv_report_entry *entry(const vmdrv_report *rep,
                                       const char *name)
{
    for (size_t i = 0; i < rep->count; i++)
        if (strcmp(rep->items[i].name, name) == 0)
            return &rep->items[i];
    print_error("no report entry for '%s'\n", name);
    return NULL;
}

static void expect(const vmdrv_report *rep, const char *name,
                   vmdrv_report_action action, const char *message)
{
    const vmdrv_report_entry *e = entry(rep, name);
    assert_non_null(e);
    if (e->action != action)
        print_error("'%s': %s, expected %s (%s)\n", name,
                    vmdrv_report_action_name(e->action),
                    vmdrv_report_action_name(action), e->message);
    assert_int_equal(e->action, action);
    if (message)
        sh_assert_contains(e->message, message);
}

/* A qemu record "clash" exists before the migration. */
static void make_qemu_clash(sh_env *e)
{
    vmdrv__store st;
    char *dir = sh_path(e, "qemu");
    sh_check(e, vmdrv__store_begin(e->ctx, dir, "qemu", "qemu", &st));
    json_object_set_new(st.instances, "clash",
                        vmdrv__record_new("clash", 1, 1024, 5120));
    sh_check(e, vmdrv__store_commit(&st));
    free(dir);
}

/* ---- runners ---------------------------------------------------------- */

typedef struct spy {
    vmdrv_ctx *ctx;   /* delegate to the real runner when set */
    int checks;       /* "qemu-img check -r all" seen */
    char last_disk[1024];
    const char *fail_disk_part; /* fake: fail the check of this disk */
} spy;

static int spy_runner(void *userdata, const vmdrv_proc_spec *spec,
                      vmdrv_proc_result *res)
{
    spy *s = userdata;
    const char *const *a = spec->argv;
    if (a[1] && strcmp(a[1], "check") == 0) {
        /* the exact command, as Multipass ran it */
        assert_string_equal(a[2], "-r");
        assert_string_equal(a[3], "all");
        assert_non_null(a[4]);
        assert_null(a[5]);
        assert_true(vu_ends_with(a[4], "/disk.qcow2"));
        assert_int_equal(spec->timeout_ms, 300000);
        s->checks++;
        vu_strlcpy(s->last_disk, a[4], sizeof s->last_disk);
    }
    if (s->ctx)
        return vmdrv_proc_run_real(s->ctx, spec, res);
    res->exited = 1;
    if (s->fail_disk_part && strstr(a[4] ? a[4] : "", s->fail_disk_part)) {
        res->status = 2;
        res->err = vu_strdup("ERROR: image is corrupt\n");
    } else {
        res->status = 0;
        res->out = vu_strdup("No errors were found on the image.\n");
    }
    return 0;
}

/* ---- the tests -------------------------------------------------------- */

static void test_migrate__set_qemu_migrates_the_stopped_ones(void **state)
{
    (void)state;
    if (!have_qemu_img()) {
        skip();
        return;
    }
    sh_env e;
    vmdrv_report rep = {0};
    vmdrv_record r;
    spy sp = {0};
    sh_open(&e, "macos-x86_64", NULL);
    sp.ctx = e.ctx;
    install_fixture(&e, 1);
    make_qemu_clash(&e);
    char *settings = sh_path(&e, "settings.yaml");
    sh_spit(settings, "local.driver: hyperkit\n");
    size_t before_len, after_len;
    char *before = snapshot_hyperkit(&e, &before_len);
    vmdrv_ctx_set_runner(e.ctx, spy_runner, &sp);

    sh_check(&e, vmdrv_local_driver_set(e.mgr, "qemu", &rep));
    assert_true(rep.migrated);
    assert_false(rep.switched); /* qemu was already in effect (fallback) */
    expect(&rep, "stopped-jammy", VMDRV_ACT_MIGRATED, NULL);
    expect(&rep, "off-focal", VMDRV_ACT_MIGRATED, NULL);
    expect(&rep, "running-one", VMDRV_ACT_SKIPPED,
           "instance needs to be stopped (it is running)");
    expect(&rep, "suspended-one", VMDRV_ACT_SKIPPED,
           "instance needs to be stopped (it is suspended)");
    expect(&rep, "gone", VMDRV_ACT_SKIPPED, "instance is deleted");
    expect(&rep, "clash", VMDRV_ACT_SKIPPED,
           "name already taken by a qemu instance");
    expect(&rep, "old-xenial", VMDRV_ACT_SKIPPED,
           "old Xenial instances (launched before 1.11) cannot be migrated");
    assert_int_equal(rep.count, N_FIXTURE);
    assert_int_equal(sp.checks, 2);
    vmdrv_report_clear(&rep);

    /* the setting was written (the user asked for it) */
    char *text = sh_slurp(settings);
    sh_assert_contains(text, "local.driver: \"qemu\"");
    free(text);

    /* the copies, repaired, where the qemu driver looks */
    char *disk = sh_path(&e, "qemu/instances/stopped-jammy/disk.qcow2");
    assert_true(vu_path_exists(disk));
    sh_assert_contains(sp.last_disk, "/qemu/instances/");

    /* the qemu records: Multipass's fields kept, ours added */
    sh_record(&e, "qemu", "stopped-jammy", &r);
    assert_true(r.pending_create);
    assert_string_equal(r.migrated_from, "hyperkit");
    assert_int_equal(r.state, VMDRV_STATE_STOPPED);
    assert_int_equal(r.cpus, 1);
    assert_int_equal(r.memory_mb, 1024);
    assert_int_equal(r.disk_mb, 5120);
    assert_int_equal(r.n_mounts, 1);
    assert_string_equal(r.mounts[0].source, "/Users/ubuntu/src");
    vmdrv_record_clear(&r);
    sh_record(&e, "qemu", "off-focal", &r);
    assert_int_equal(r.state, VMDRV_STATE_OFF);
    assert_int_equal(r.cpus, 2);
    assert_int_equal(r.memory_mb, 2048);
    assert_int_equal(r.interfaces.count, 1);
    assert_string_equal(r.interfaces.names[0], "en0");
    vmdrv_record_clear(&r);
    json_t *root;
    char *qdir = sh_path(&e, "qemu");
    sh_check(&e, vmdrv__store_read(e.ctx, qdir, &root));
    json_t *j = json_object_get(json_object_get(root, "instances"),
                                "stopped-jammy");
    assert_string_equal(vu_json_str(j, "mac_addr", ""), "52:54:00:6a:10:01");
    assert_string_equal(vu_json_str(j, "image", ""), disk);
    json_decref(root);

    /* the originals were not touched */
    char *after = snapshot_hyperkit(&e, &after_len);
    assert_same_snapshot(after, after_len, before, before_len);

    /* a second run finds the names taken */
    sh_check(&e, vmdrv_migrate(e.mgr, "hyperkit", "qemu", 0, &rep));
    expect(&rep, "stopped-jammy", VMDRV_ACT_SKIPPED,
           "name already taken by a qemu instance");
    expect(&rep, "off-focal", VMDRV_ACT_SKIPPED,
           "name already taken by a qemu instance");
    vmdrv_report_clear(&rep);

    free(qdir);
    free(disk);
    free(before);
    free(after);
    free(settings);
    sh_close(&e);
}

static void test_migrate__dry_run_changes_nothing(void **state)
{
    (void)state;
    sh_env e;
    vmdrv_report rep = {0};
    sh_open(&e, "macos-arm64", NULL);
    install_fixture(&e, 0);
    size_t before_len, after_len;
    char *before = snapshot_hyperkit(&e, &before_len);
    sh_check(&e, vmdrv_migrate(e.mgr, "hyperkit", "qemu", 1, &rep));
    expect(&rep, "stopped-jammy", VMDRV_ACT_WOULD_MIGRATE, NULL);
    expect(&rep, "off-focal", VMDRV_ACT_WOULD_MIGRATE, NULL);
    expect(&rep, "clash", VMDRV_ACT_WOULD_MIGRATE, NULL);
    expect(&rep, "running-one", VMDRV_ACT_SKIPPED, NULL);
    vmdrv_report_clear(&rep);
    char *qdir = sh_path(&e, "qemu");
    assert_false(vu_path_exists(qdir));
    char *after = snapshot_hyperkit(&e, &after_len);
    assert_same_snapshot(after, after_len, before, before_len);
    free(after);
    free(before);
    free(qdir);
    sh_close(&e);
}

static void test_migrate__only_on_macos_and_only_hyperkit_to_qemu(void **state)
{
    (void)state;
    static const struct {
        const char *profile, *words;
    } hosts[] = {{"linux-x86_64", "Linux"}, {"windows-pro", "Windows Pro"}};
    for (size_t i = 0; i < 2; i++) {
        sh_env e;
        vmdrv_report rep = {0};
        sh_open(&e, hosts[i].profile, NULL);
        install_fixture(&e, 0);
        assert_int_equal(vmdrv_migrate(e.mgr, "hyperkit", "qemu", 0, &rep),
                         VMDRV_E_UNAVAILABLE);
        char *msg = vu_asprintf("Hyperkit instances are migrated only on "
                                "macOS, and this host is %s",
                                hosts[i].words);
        assert_string_equal(vmdrv_last_error(e.ctx)->message, msg);
        free(msg);
        assert_int_equal(rep.count, 0);
        sh_close(&e);
    }
    /* on Linux, qemu over a stored hyperkit is a plain setting */
    sh_env e;
    vmdrv_report rep = {0};
    sh_open(&e, "linux-arm64", NULL);
    install_fixture(&e, 0);
    char *settings = sh_path(&e, "settings.yaml");
    sh_spit(settings, "local.driver: hyperkit\n");
    sh_check(&e, vmdrv_local_driver_set(e.mgr, "qemu", &rep));
    assert_false(rep.migrated);
    assert_int_equal(rep.count, 0);
    char *qdir = sh_path(&e, "qemu/instances/stopped-jammy");
    assert_false(vu_path_exists(qdir));
    free(qdir);
    free(settings);
    vmdrv_report_clear(&rep);
    assert_int_equal(vmdrv_migrate(e.mgr, "hyperkit", "virtualbox", 0, NULL),
                     VMDRV_E_INVAL);
    assert_string_equal(vmdrv_last_error(e.ctx)->message,
                        "cannot migrate from 'hyperkit' to 'virtualbox': the "
                        "only migration is from 'hyperkit' to 'qemu'");
    sh_close(&e);
}

/* qemu-img fails on one disk: that copy is removed, no record written,
 * the others go on, and the call reports the failure. */
static void test_migrate__failed_repair_undoes_that_copy(void **state)
{
    (void)state;
    sh_env e;
    vmdrv_report rep = {0};
    spy sp = {.fail_disk_part = "/stopped-jammy/"};
    setenv("VMDRV_TOOL_QEMU_IMG", "/nonexistent/qemu-img", 1);
    sh_open(&e, "macos-x86_64", NULL);
    install_fixture(&e, 0);
    vmdrv_ctx_set_runner(e.ctx, spy_runner, &sp);
    int rc = vmdrv_migrate(e.mgr, "hyperkit", "qemu", 0, &rep);
    unsetenv("VMDRV_TOOL_QEMU_IMG");
    assert_int_equal(rc, VMDRV_E_TOOL);
    assert_string_equal(vmdrv_last_error(e.ctx)->message,
                        "1 of 7 Hyperkit instance(s) could not be migrated "
                        "(first 'stopped-jammy': 'qemu-img check -r all' "
                        "failed (exit status 2): ERROR: image is corrupt); "
                        "the originals were kept");
    expect(&rep, "stopped-jammy", VMDRV_ACT_FAILED, "image is corrupt");
    expect(&rep, "off-focal", VMDRV_ACT_MIGRATED, NULL);
    expect(&rep, "clash", VMDRV_ACT_MIGRATED, NULL);
    assert_int_equal(sp.checks, 3);
    vmdrv_report_clear(&rep);
    char *gone = sh_path(&e, "qemu/instances/stopped-jammy");
    assert_false(vu_path_exists(gone));
    vmdrv_records recs;
    sh_check(&e, vmdrv_records_load(e.ctx, "qemu", &recs));
    assert_null(vmdrv_records_find(&recs, "stopped-jammy"));
    assert_non_null(vmdrv_records_find(&recs, "off-focal"));
    vmdrv_records_clear(&recs);
    /* the copy of a disk that exists is the disk */
    char *copy = sh_path(&e, "qemu/instances/off-focal/disk.qcow2");
    char *text = sh_slurp(copy);
    assert_string_equal(text, "off-focal");
    free(text);
    free(copy);
    free(gone);
    sh_close(&e);
}

static void test_migrate__missing_disk_and_missing_tool(void **state)
{
    (void)state;
    sh_env e;
    vmdrv_report rep = {0};
    spy sp = {0};
    setenv("VMDRV_TOOL_QEMU_IMG", "/nonexistent/qemu-img", 1);
    sh_open(&e, "macos-x86_64", NULL);
    install_fixture(&e, 0);
    char *disk = disk_path(&e, "off-focal");
    assert_int_equal(unlink(disk), 0);
    vmdrv_ctx_set_runner(e.ctx, spy_runner, &sp);
    int rc = vmdrv_migrate(e.mgr, "hyperkit", "qemu", 0, &rep);
    unsetenv("VMDRV_TOOL_QEMU_IMG");
    assert_int_equal(rc, VMDRV_E_NOTFOUND);
    expect(&rep, "off-focal", VMDRV_ACT_FAILED, "its disk image '/var/root/");
    expect(&rep, "stopped-jammy", VMDRV_ACT_MIGRATED, NULL);
    vmdrv_report_clear(&rep);
    free(disk);
    sh_close(&e);

    /* no qemu-img at all: nothing is migrated, and it says so */
    const char *path = getenv("PATH");
    char *saved = vu_strdup(path ? path : "");
    setenv("PATH", "/nonexistent", 1);
    sh_open(&e, "macos-x86_64", NULL);
    install_fixture(&e, 0);
    rc = vmdrv_migrate(e.mgr, "hyperkit", "qemu", 0, &rep);
    setenv("PATH", saved, 1);
    free(saved);
    assert_int_equal(rc, VMDRV_E_NOTFOUND);
    sh_assert_contains(vmdrv_last_error(e.ctx)->message,
                       "migrating Hyperkit instances needs qemu-img");
    assert_int_equal(rep.count, 0);
    char *qdir = sh_path(&e, "qemu");
    assert_false(vu_path_exists(qdir));
    free(qdir);
    sh_close(&e);
}

static void test_migrate__corrupt_hyperkit_records_are_left_alone(void **state)
{
    (void)state;
    sh_env e;
    vmdrv_report rep = {0};
    sh_open(&e, "macos-x86_64", NULL);
    char *dir = sh_path(&e, "hyperkit");
    assert_int_equal(vu_mkdir_p(dir), 0);
    char *db = sh_path(&e, "hyperkit/" VMDRV__HYPERKIT_DB);
    sh_spit(db, "{\"web\": {\"state\": 1,\n");
    char *settings = sh_path(&e, "settings.yaml");
    sh_spit(settings, "local.driver: hyperkit\n");
    int rc = vmdrv_local_driver_set(e.mgr, "qemu", &rep);
    assert_int_equal(rc, VMDRV_E_CORRUPT);
    sh_assert_contains(vmdrv_last_error(e.ctx)->message,
                       "cannot read the Hyperkit instance records: ");
    sh_assert_contains(vmdrv_last_error(e.ctx)->message,
                       VMDRV__HYPERKIT_DB ":");
    assert_true(rep.migrated);
    /* the switch itself stands: the setting was written */
    char *text = sh_slurp(settings);
    sh_assert_contains(text, "\"qemu\"");
    free(text);
    text = sh_slurp(db);
    assert_string_equal(text, "{\"web\": {\"state\": 1,\n");
    free(text);
    vmdrv_report_clear(&rep);
    free(db);
    free(dir);
    free(settings);
    sh_close(&e);
}

static void test_migrate__nothing_to_migrate(void **state)
{
    (void)state;
    sh_env e;
    vmdrv_report rep = {0};
    sh_open(&e, "macos-arm64", NULL);
    sh_check(&e, vmdrv_migrate(e.mgr, "hyperkit", "qemu", 0, &rep));
    assert_int_equal(rep.count, 0);
    assert_int_equal(vmdrv_last_error(e.ctx)->code, VMDRV_OK);
    vmdrv_report_clear(&rep);
    sh_close(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migrate__set_qemu_migrates_the_stopped_ones),
        cmocka_unit_test(test_migrate__dry_run_changes_nothing),
        cmocka_unit_test(test_migrate__only_on_macos_and_only_hyperkit_to_qemu),
        cmocka_unit_test(test_migrate__failed_repair_undoes_that_copy),
        cmocka_unit_test(test_migrate__missing_disk_and_missing_tool),
        cmocka_unit_test(test_migrate__corrupt_hyperkit_records_are_left_alone),
        cmocka_unit_test(test_migrate__nothing_to_migrate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
