/*
 * test_settings.c: the platform table and the local.driver setting:
 * defaults and valid choices for every host profile, spellings and
 * aliases, retired and unavailable drivers refused with the right words,
 * invalid stored values falling back with a warning and left untouched,
 * a broken settings file reported and never rewritten, and two processes
 * setting local.driver at once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>

#include "scopes_helpers.h"

/* Every profile of fixtures/hosts is in sh_profiles, and the other way. */
static void test_settings__every_profile_is_covered(void **state)
{
    (void)state;
    char *dir = vu_asprintf("%s/fixtures/hosts", sh_source_dir());
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *ent;
    size_t seen = 0;
    while ((ent = readdir(d)) != NULL) {
        if (!vu_ends_with(ent->d_name, ".yaml"))
            continue;
        int known = 0;
        for (size_t i = 0; i < SH_N_PROFILES; i++) {
            char *f = vu_asprintf("%s.yaml", sh_profiles[i].name);
            known |= strcmp(f, ent->d_name) == 0;
            free(f);
        }
        if (!known)
            print_error("profile '%s' has no expected defaults here\n",
                        ent->d_name);
        assert_true(known);
        seen++;
    }
    closedir(d);
    free(dir);
    assert_int_equal(seen, SH_N_PROFILES);
}

static void test_settings__defaults_for_every_profile(void **state)
{
    (void)state;
    for (size_t i = 0; i < SH_N_PROFILES; i++) {
        sh_env e;
        char value[64];
        vmdrv_driver_choice c;
        sh_open(&e, sh_profiles[i].name, NULL);
        assert_string_equal(vmdrv_platform_default(vmdrv_ctx_host(e.ctx)),
                            sh_profiles[i].dflt);
        sh_check(&e, vmdrv_setting_get(e.mgr, "local.driver", value,
                                       sizeof value));
        assert_string_equal(value, sh_profiles[i].dflt);
        sh_check(&e, vmdrv_local_driver(e.mgr, &c));
        assert_int_equal(c.source, VMDRV_SOURCE_DEFAULT);
        assert_string_equal(c.driver, sh_profiles[i].dflt);
        assert_int_equal(vmdrv_manager_warning_count(e.mgr), 0);
        /* reading a setting writes nothing */
        char *path = sh_path(&e, "settings.yaml");
        assert_false(vu_path_exists(path));
        free(path);
        sh_close(&e);
    }
}

static void test_settings__valid_choices_for_every_profile(void **state)
{
    (void)state;
    for (size_t i = 0; i < SH_N_PROFILES; i++) {
        sh_env e;
        const char *names[8];
        vu_buf got = VU_BUF_INIT;
        sh_open(&e, sh_profiles[i].name, NULL);
        size_t n = vmdrv_platform_drivers(vmdrv_ctx_host(e.ctx), names, 8);
        for (size_t k = 0; k < n; k++)
            vu_buf_printf(&got, "%s%s", k ? ", " : "", names[k]);
        assert_string_equal(vu_buf_str(&got), sh_profiles[i].choices);
        /* every valid choice is accepted, every other refused */
        static const char *const all[] = {"qemu", "hyperv", "virtualbox",
                                          "test"};
        for (size_t k = 0; k < 4; k++) {
            char canon[64];
            int offered = strstr(sh_profiles[i].choices, all[k]) != NULL;
            int rc = vmdrv_local_driver_check(e.mgr, all[k], canon,
                                              sizeof canon);
            if (offered != (rc == 0))
                print_error("%s: '%s' -> %d %s\n", sh_profiles[i].name, all[k],
                            rc, vmdrv_last_error(e.ctx)->message);
            assert_int_equal(rc == 0, offered);
            if (!offered) {
                assert_int_equal(rc, VMDRV_E_UNAVAILABLE);
                sh_assert_contains(vmdrv_last_error(e.ctx)->message,
                                   sh_profiles[i].choices);
            }
        }
        vu_buf_clear(&got);
        sh_close(&e);
    }
}

static void test_settings__windows_home_refuses_hyperv(void **state)
{
    (void)state;
    sh_env e;
    vmdrv_report rep = {0};
    sh_open(&e, "windows-home", NULL);
    int rc = vmdrv_setting_set(e.mgr, "local.driver", "hyperv", &rep);
    assert_int_equal(rc, VMDRV_E_UNAVAILABLE);
    assert_string_equal(vmdrv_last_error(e.ctx)->message,
                        "cannot set local.driver to 'hyperv': Hyper-V needs "
                        "Windows Pro or above, and this host is Windows "
                        "Home; valid choices here: virtualbox, test, test-b, "
                        "test-c");
    assert_int_equal(rep.switched, 0);
    char *path = sh_path(&e, "settings.yaml");
    assert_false(vu_path_exists(path));
    free(path);
    vmdrv_report_clear(&rep);
    sh_close(&e);
}

static void test_settings__arm_mac_has_no_virtualbox(void **state)
{
    (void)state;
    sh_env e;
    sh_open(&e, "macos-arm64", NULL);
    assert_int_equal(vmdrv_local_driver_check(e.mgr, "vbox", NULL, 0),
                     VMDRV_E_UNAVAILABLE);
    assert_string_equal(vmdrv_last_error(e.ctx)->message,
                        "cannot set local.driver to 'vbox': VirtualBox is "
                        "offered on macOS only for x86_64, and this host is "
                        "macOS (arm64); valid choices here: qemu, test, "
                        "test-b, test-c");
    sh_close(&e);
}

static void test_settings__spellings_and_aliases(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {{"Hyper-V", "hyperv"}, {"hyper-v", "hyperv"},
                 {"HYPERV", "hyperv"},  {"vbox", "virtualbox"},
                 {" VBox ", "virtualbox"}, {"QEMU", "qemu"},
                 {"VirtualBox", "virtualbox"}};
    char buf[64];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(vmdrv_driver_canonical(cases[i].in, buf, sizeof buf), 0);
        assert_string_equal(buf, cases[i].out);
    }
    assert_int_equal(vmdrv_driver_canonical("", buf, sizeof buf), VMDRV_E_INVAL);
    assert_int_equal(vmdrv_driver_canonical("   ", buf, sizeof buf),
                     VMDRV_E_INVAL);
    assert_int_equal(vmdrv_driver_canonical("virtualbox", buf, 4),
                     VMDRV_E_INVAL);

    /* set stores the canonical spelling */
    sh_env e;
    char value[64];
    sh_open(&e, "windows-pro", NULL);
    sh_check(&e, vmdrv_setting_set(e.mgr, "local.driver", "VBox", NULL));
    sh_check(&e, vmdrv_setting_get(e.mgr, "local.driver", value, sizeof value));
    assert_string_equal(value, "virtualbox");
    sh_check(&e, vmdrv_setting_set(e.mgr, "local.driver", "Hyper-V", NULL));
    sh_check(&e, vmdrv_setting_get(e.mgr, "local.driver", value, sizeof value));
    assert_string_equal(value, "hyperv");
    char *path = sh_path(&e, "settings.yaml");
    char *text = sh_slurp(path);
    sh_assert_contains(text, "local.driver: \"hyperv\"\n");
    free(text);
    free(path);
    sh_close(&e);
}

static void test_settings__retired_drivers_name_the_version(void **state)
{
    (void)state;
    static const struct {
        const char *profile, *value, *msg;
    } cases[] = {
        {"macos-x86_64", "hyperkit",
         "cannot set local.driver to 'hyperkit': the Hyperkit driver was "
         "retired as of Multipass 1.13; valid choices here: qemu, "
         "virtualbox, test, test-b, test-c"},
        {"linux-x86_64", "LXD",
         "cannot set local.driver to 'LXD': the LXD driver was retired as of "
         "Multipass 1.16; valid choices here: qemu, test, test-b, test-c"},
        {"linux-arm64", "libvirt",
         "cannot set local.driver to 'libvirt': the libvirt driver was "
         "retired as of Multipass 1.16; valid choices here: qemu, test, "
         "test-b, test-c"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sh_env e;
        const char *version, *platform;
        sh_open(&e, cases[i].profile, NULL);
        assert_int_equal(vmdrv_setting_set(e.mgr, "local.driver",
                                           cases[i].value, NULL),
                         VMDRV_E_RETIRED);
        assert_string_equal(vmdrv_last_error(e.ctx)->message, cases[i].msg);
        char *path = sh_path(&e, "settings.yaml");
        assert_false(vu_path_exists(path));
        free(path);
        sh_close(&e);
        (void)version;
        (void)platform;
    }
    const char *version = NULL, *platform = NULL;
    assert_true(vmdrv_driver_retired("hyperkit", &version, &platform));
    assert_string_equal(version, "1.13");
    assert_string_equal(platform, "macos");
    assert_true(vmdrv_driver_retired("lxd", &version, &platform));
    assert_string_equal(version, "1.16");
    assert_string_equal(platform, "linux");
    assert_true(vmdrv_driver_retired("libvirt", &version, NULL));
    assert_string_equal(version, "1.16");
    assert_false(vmdrv_driver_retired("qemu", NULL, NULL));
}

static void test_settings__unknown_value_and_key(void **state)
{
    (void)state;
    sh_env e;
    char value[64];
    sh_open(&e, "linux-x86_64", NULL);
    assert_int_equal(vmdrv_setting_set(e.mgr, "local.driver", "vmware", NULL),
                     VMDRV_E_INVAL);
    assert_string_equal(vmdrv_last_error(e.ctx)->message,
                        "cannot set local.driver to 'vmware': unknown driver "
                        "'vmware'; valid choices here: qemu, test, test-b, "
                        "test-c");
    assert_int_equal(vmdrv_setting_set(e.mgr, "local.driver", "", NULL),
                     VMDRV_E_INVAL);
    assert_int_equal(vmdrv_setting_get(e.mgr, "local.drivr", value,
                                       sizeof value),
                     VMDRV_E_INVAL);
    assert_string_equal(vmdrv_last_error(e.ctx)->message,
                        "unknown setting 'local.drivr' (known settings: "
                        "local.driver)");
    const char *const *keys = vmdrv_setting_keys();
    assert_string_equal(keys[0], "local.driver");
    assert_null(keys[1]);
    sh_close(&e);
}

/* A value stored elsewhere (or by hand) that this host cannot use. */
static void test_settings__stored_invalid_falls_back(void **state)
{
    (void)state;
    static const struct {
        const char *profile, *file, *dflt, *needle;
    } cases[] = {
        {"windows-home", "local.driver: hyperv\n", "virtualbox",
         "stored local.driver 'hyperv' cannot be used here (Hyper-V needs "
         "Windows Pro or above"},
        {"linux-x86_64", "local.driver: \"nonsense\"\n", "qemu",
         "stored local.driver 'nonsense' cannot be used here (unknown "
         "driver 'nonsense'"},
        {"macos-x86_64", "local.driver: hyperkit\n", "qemu",
         "setting local.driver to 'qemu' migrates the stopped Hyperkit "
         "instances"},
        {"linux-arm64", "local.driver: lxd\n", "qemu",
         "the LXD driver was retired as of Multipass 1.16"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sh_env e;
        char value[64];
        vmdrv_driver_choice c;
        sh_open(&e, cases[i].profile, NULL);
        char *path = sh_path(&e, "settings.yaml");
        sh_spit(path, cases[i].file);
        vmdrv_error_clear(e.ctx);
        sh_check(&e, vmdrv_setting_get(e.mgr, "local.driver", value,
                                       sizeof value));
        assert_string_equal(value, cases[i].dflt);
        /* success: a warning, and no error left on the context */
        assert_int_equal(vmdrv_last_error(e.ctx)->code, VMDRV_OK);
        assert_int_equal(vmdrv_manager_warning_count(e.mgr), 1);
        sh_assert_contains(vmdrv_manager_warning(e.mgr, 0), cases[i].needle);
        sh_assert_contains(vmdrv_manager_warning(e.mgr, 0),
                           "the stored value is left as it is");
        sh_check(&e, vmdrv_local_driver(e.mgr, &c));
        assert_int_equal(c.source, VMDRV_SOURCE_FALLBACK);
        /* never a silent rewrite */
        char *text = sh_slurp(path);
        assert_string_equal(text, cases[i].file);
        free(text);
        /* the instances commands work on the default's scope (the
         * default is opened as a scope only where it is built) */
        free(path);
        sh_close(&e);
    }
}

static void test_settings__broken_file_is_reported_and_kept(void **state)
{
    (void)state;
    static const struct {
        const char *file, *needle;
    } cases[] = {
        {"local.driver: [qemu\n", "settings.yaml:"},
        {"local.drivr: qemu\n", "unknown key 'local.drivr' (valid keys: "
                                "local.driver)"},
        {"local.driver: [qemu, test]\n", "settings.yaml:1:15: expected a "
                                         "string, found a sequence"},
        {"- local.driver\n", "expected a mapping"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sh_env e;
        char value[64];
        sh_open(&e, "linux-x86_64", NULL);
        char *path = sh_path(&e, "settings.yaml");
        sh_spit(path, cases[i].file);
        assert_int_equal(vmdrv_setting_get(e.mgr, "local.driver", value,
                                           sizeof value),
                         VMDRV_E_CONFIG);
        sh_assert_contains(vmdrv_last_error(e.ctx)->message, cases[i].needle);
        sh_assert_contains(vmdrv_last_error(e.ctx)->message,
                           "vmdrv will not overwrite it");
        assert_int_equal(vmdrv_setting_set(e.mgr, "local.driver", "test",
                                           NULL),
                         VMDRV_E_CONFIG);
        vmdrv_scope *s = NULL;
        assert_int_equal(vmdrv_scope_open(&s, e.mgr, NULL, 0), VMDRV_E_CONFIG);
        assert_null(s);
        char *text = sh_slurp(path);
        assert_string_equal(text, cases[i].file);
        free(text);
        free(path);
        sh_close(&e);
    }
}

/* An empty or comment-only file sets nothing. */
static void test_settings__empty_file_means_default(void **state)
{
    (void)state;
    sh_env e;
    char value[64];
    sh_open(&e, "windows-pro", NULL);
    char *path = sh_path(&e, "settings.yaml");
    sh_spit(path, "# nothing here\n");
    sh_check(&e, vmdrv_setting_get(e.mgr, "local.driver", value, sizeof value));
    assert_string_equal(value, "hyperv");
    free(path);
    sh_close(&e);
}

/*
 * Two processes set local.driver at the same moment, with an instance
 * running: the settings lock makes them run one after the other, so the
 * file ends with one of the two values, the running instance was
 * suspended exactly once with its state remembered, and switching back
 * gives it back.
 */
static void test_settings__two_processes_set_at_once(void **state)
{
    (void)state;
    for (int round = 0; round < 8; round++) {
        sh_env e;
        vmdrv_record r;
        int go[2];
        sh_open(&e, "linux-x86_64", NULL);
        sh_select(&e, "test");
        sh_launch(&e, "web");
        assert_int_equal(pipe(go), 0);
        const char *targets[2] = {"test-b", "test-c"};
        pid_t kids[2];
        for (int k = 0; k < 2; k++) {
            kids[k] = fork();
            assert_true(kids[k] >= 0);
            if (kids[k] == 0) {
                char c;
                close(go[1]);
                /* both wait here, then race */
                if (read(go[0], &c, 1) != 0)
                    _exit(3);
                sh_reopen(&e, NULL);
                int rc = vmdrv_local_driver_set(e.mgr, targets[k], NULL);
                if (rc)
                    fprintf(stderr, "child %d: %s\n", k,
                            vmdrv_last_error(e.ctx)->message);
                _exit(rc ? 1 : 0);
            }
        }
        close(go[0]);
        close(go[1]); /* releases both children at once */
        for (int k = 0; k < 2; k++) {
            int status;
            assert_int_equal(waitpid(kids[k], &status, 0), kids[k]);
            assert_true(WIFEXITED(status));
            assert_int_equal(WEXITSTATUS(status), 0);
        }
        sh_reopen(&e, NULL);
        char value[64];
        sh_check(&e, vmdrv_setting_get(e.mgr, "local.driver", value,
                                       sizeof value));
        assert_true(strcmp(value, "test-b") == 0 ||
                    strcmp(value, "test-c") == 0);
        assert_int_equal(vmdrv_manager_warning_count(e.mgr), 0);
        /* web was suspended by the first switch and left alone by the
         * second (its scope was no longer the one in effect) */
        sh_record(&e, "test", "web", &r);
        assert_int_equal(r.state, VMDRV_STATE_SUSPENDED);
        assert_true(r.remembered);
        assert_int_equal(r.state_before_switch, VMDRV_STATE_RUNNING);
        vmdrv_record_clear(&r);
        sh_select(&e, "test");
        assert_int_equal(sh_state(&e, NULL, "web"), VMDRV_STATE_RUNNING);
        sh_record(&e, "test", "web", &r);
        assert_false(r.remembered);
        vmdrv_record_clear(&r);
        sh_close(&e);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_settings__every_profile_is_covered),
        cmocka_unit_test(test_settings__defaults_for_every_profile),
        cmocka_unit_test(test_settings__valid_choices_for_every_profile),
        cmocka_unit_test(test_settings__windows_home_refuses_hyperv),
        cmocka_unit_test(test_settings__arm_mac_has_no_virtualbox),
        cmocka_unit_test(test_settings__spellings_and_aliases),
        cmocka_unit_test(test_settings__retired_drivers_name_the_version),
        cmocka_unit_test(test_settings__unknown_value_and_key),
        cmocka_unit_test(test_settings__stored_invalid_falls_back),
        cmocka_unit_test(test_settings__broken_file_is_reported_and_kept),
        cmocka_unit_test(test_settings__empty_file_means_default),
        cmocka_unit_test(test_settings__two_processes_set_at_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
