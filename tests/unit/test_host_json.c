/*
 * test_host_json.c: a host descriptor survives the trip to JSON and back
 * exactly (every shipped profile and this machine's probe), which is what
 * the conformance runner relies on to hand a case process its host; and
 * a damaged descriptor is refused with a reason, not half-filled.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* after the headers it needs */
#include <cmocka.h>

#include "found_helpers.h"
#include "host_json.h"

static vmdrv_ctx *ctx;
static char *dir;

static int setup(void **state)
{
    (void)state;
    ctx = fh_ctx(&dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    vmdrv_ctx_free(ctx);
    fh_rmdir(dir);
    return 0;
}

/* h to JSON text and back; the copy must equal h field by field. */
static void round_trip(const vmdrv_host *h)
{
    json_t *j = vc_host_to_json(h);
    assert_non_null(j);
    /* through text, as the job file carries it */
    char *text = json_dumps(j, 0);
    json_decref(j);
    json_error_t je;
    j = json_loads(text, 0, &je);
    assert_non_null(j);
    vmdrv_host back;
    char err[256] = "";
    if (vc_host_from_json(j, &back, err, sizeof err) != 0)
        fail_msg("%s: %s", h->profile_name, err);
    /* compare the fields, not the bytes: padding and the unused tails of
     * fixed strings need not match */
    assert_int_equal(back.os, h->os);
    assert_int_equal(back.edition, h->edition);
    assert_int_equal(back.arch, h->arch);
    assert_int_equal(back.accels, h->accels);
    assert_string_equal(back.os_name, h->os_name);
    assert_string_equal(back.os_version, h->os_version);
    assert_string_equal(back.edition_id, h->edition_id);
    assert_string_equal(back.accel_note, h->accel_note);
    for (int i = 0; i < VMDRV_TOOL__COUNT; i++) {
        assert_int_equal(back.tools[i].found, h->tools[i].found);
        assert_int_equal(back.tools[i].simulated, h->tools[i].simulated);
        assert_string_equal(back.tools[i].path, h->tools[i].path);
        assert_string_equal(back.tools[i].version, h->tools[i].version);
    }
    assert_int_equal(back.simulated, h->simulated);
    assert_int_equal(back.n_env, h->n_env);
    for (int i = 0; i < h->n_env; i++)
        assert_string_equal(back.env[i], h->env[i]);
    assert_string_equal(back.profile_name, h->profile_name);
    assert_string_equal(back.profile_path, h->profile_path);
    json_decref(j);
    free(text);
}

static void test_host_json__every_profile_round_trips(void **state)
{
    (void)state;
    const char *src = getenv("VMDRV_SOURCE_DIR");
    assert_non_null(src);
    char *hosts = vu_path_join(src, "fixtures/hosts");
    vu_strv names = VU_STRV_INIT;
    assert_int_equal(vu_list_dir(hosts, &names), 0);
    int seen = 0, with_env = 0, with_tool = 0;
    for (size_t i = 0; i < names.n; i++) {
        if (!vu_ends_with(names.v[i], ".yaml"))
            continue;
        char *path = vu_path_join(hosts, names.v[i]);
        vmdrv_host h;
        fh_assert_ok(ctx, vmdrv_host_load_profile(ctx, path, &h));
        round_trip(&h);
        seen++;
        with_env += h.n_env > 0;
        for (int t = 0; t < VMDRV_TOOL__COUNT; t++)
            with_tool += h.tools[t].found;
        free(path);
    }
    /* the corpus covers what matters: several hosts, env, tools */
    assert_true(seen >= 6);
    assert_true(with_env > 0);
    assert_true(with_tool > 0);
    vu_strv_clear(&names);
    free(hosts);
}

static void test_host_json__probed_host_round_trips(void **state)
{
    (void)state;
    round_trip(vmdrv_ctx_host(ctx));
}

static void test_host_json__damage_is_refused(void **state)
{
    (void)state;
    vmdrv_host h, back;
    char err[256];
    memset(&h, 0, sizeof h);
    h.os = VMDRV_OS_WINDOWS;
    h.edition = VMDRV_EDITION_HOME;
    h.arch = VMDRV_ARCH_X86_64;
    json_t *j = vc_host_to_json(&h);
    assert_int_equal(vc_host_from_json(j, &back, err, sizeof err), 0);
    assert_int_equal(back.edition, VMDRV_EDITION_HOME);

    json_object_set_new(j, "os", json_string("plan9"));
    assert_int_equal(vc_host_from_json(j, &back, err, sizeof err), -1);
    assert_string_equal(err, "host: 'os' is not a known name ('plan9')");
    json_object_set_new(j, "os", json_string("windows"));

    char longer[300];
    memset(longer, 'x', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    json_object_set_new(j, "os_version", json_string(longer));
    assert_int_equal(vc_host_from_json(j, &back, err, sizeof err), -1);
    assert_string_equal(err, "host: 'os_version' is longer than 63 bytes");
    json_object_set_new(j, "os_version", json_string("10"));

    json_object_del(j, "profile_path");
    assert_int_equal(vc_host_from_json(j, &back, err, sizeof err), -1);
    assert_string_equal(err, "host: 'profile_path' is missing or not a string");
    json_object_set_new(j, "profile_path", json_string(""));

    json_t *env = json_array();
    for (int i = 0; i < 9; i++)
        json_array_append_new(env, json_string("K=V"));
    json_object_set_new(j, "env", env);
    assert_int_equal(vc_host_from_json(j, &back, err, sizeof err), -1);
    assert_string_equal(err, "host: more than 8 env entries");

    assert_int_equal(vc_host_from_json(json_null(), &back, err, sizeof err),
                     -1);
    assert_string_equal(err, "host: not an object");
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host_json__every_profile_round_trips),
        cmocka_unit_test(test_host_json__probed_host_round_trips),
        cmocka_unit_test(test_host_json__damage_is_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
