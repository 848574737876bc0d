/*
 * scopes_helpers.h: what the manager's unit tests (settings, store,
 * scope, migrate, names) share: a scratch data folder with a context and
 * a manager on it, host profiles by name, second scopes of the test
 * driver, and assertions that print the context's error when a call
 * fails.
 *
 * Include after <cmocka.h>.
 */
#ifndef SCOPES_HELPERS_H
#define SCOPES_HELPERS_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmdrv/manager.h"
#include "vmdrv_config.h"
#include "vu_fs.h"
#include "vu_str.h"

/* The profiles of fixtures/hosts, each with its facts. */
typedef struct sh_profile {
    const char *name;
    const char *dflt;       /* expected default driver */
    const char *choices;    /* expected valid choices, in order */
} sh_profile;

static const sh_profile sh_profiles[] = {
    {"linux-x86_64", "qemu", "qemu, test"},
    {"linux-arm64", "qemu", "qemu, test"},
    {"macos-arm64", "qemu", "qemu, test"},
    {"macos-x86_64", "qemu", "qemu, virtualbox, test"},
    {"windows-pro", "hyperv", "hyperv, virtualbox, test"},
    {"windows-home", "virtualbox", "virtualbox, test"},
};
#define SH_N_PROFILES (sizeof sh_profiles / sizeof sh_profiles[0])

static inline const char *sh_source_dir(void)
{
    const char *env = getenv("VMDRV_SOURCE_DIR");
    return env && *env ? env : VMDRV_SOURCE_DIR;
}

/* fixtures/hosts/<name>.yaml; owned. */
static inline char *sh_profile_path(const char *name)
{
    return vu_asprintf("%s/fixtures/hosts/%s.yaml", sh_source_dir(), name);
}

static inline char *sh_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char *tmpl = vu_asprintf("%s/vmdrv-scopes-XXXXXX",
                             base && *base ? base : "/tmp");
    if (!mkdtemp(tmpl)) {
        fprintf(stderr, "mkdtemp '%s': %s\n", tmpl, strerror(errno));
        abort();
    }
    return tmpl;
}

/* A data folder, a context (on a profile, or the real host) and a
 * manager with the second test scopes "test-b" and "test-c". */
typedef struct sh_env {
    char *dir;
    char *profile; /* NULL: the real host */
    vmdrv_ctx *ctx;
    vmdrv_manager *mgr;
} sh_env;

#define sh_check(e, call)                                                      \
    do {                                                                       \
        int sh_rc_ = (call);                                                   \
        if (sh_rc_ != 0)                                                       \
            print_error("%s:%d: %s failed: %d (%s) %s\n", __FILE__, __LINE__, \
                        #call, sh_rc_, vmdrv_status_name(sh_rc_),              \
                        vmdrv_last_error((e)->ctx)->message);                  \
        assert_int_equal(sh_rc_, 0);                                           \
    } while (0)

static inline void sh_ctx_open(sh_env *e, const char *const *options)
{
    char err[512] = "";
    if (vmdrv_ctx_open(&e->ctx, e->dir, err, sizeof err) != 0) {
        fprintf(stderr, "vmdrv_ctx_open: %s\n", err);
        abort();
    }
    if (e->profile) {
        char *p = sh_profile_path(e->profile);
        if (vmdrv_ctx_use_profile(e->ctx, p) != 0) {
            fprintf(stderr, "profile '%s': %s\n", p,
                    vmdrv_last_error(e->ctx)->message);
            abort();
        }
        free(p);
    }
    if (vmdrv_manager_new(&e->mgr, e->ctx) != 0 ||
        vmdrv_manager_add_alias(e->mgr, "test-b", "test") != 0 ||
        vmdrv_manager_add_alias(e->mgr, "test-c", "test") != 0 ||
        vmdrv_manager_set_driver_options(e->mgr, options) != 0) {
        fprintf(stderr, "manager: %s\n", vmdrv_last_error(e->ctx)->message);
        abort();
    }
}

/* A fresh data folder; profile NULL: the real host. */
static inline void sh_open(sh_env *e, const char *profile,
                           const char *const *options)
{
    memset(e, 0, sizeof *e);
    e->dir = sh_tmpdir();
    e->profile = profile ? vu_strdup(profile) : NULL;
    sh_ctx_open(e, options);
}

/* Drop context and manager, keep the folder (another "process"). */
static inline void sh_reopen(sh_env *e, const char *const *options)
{
    vmdrv_manager_free(e->mgr);
    vmdrv_ctx_free(e->ctx);
    e->mgr = NULL;
    e->ctx = NULL;
    sh_ctx_open(e, options);
}

static inline void sh_close(sh_env *e)
{
    vmdrv_manager_free(e->mgr);
    vmdrv_ctx_free(e->ctx);
    if (e->dir)
        vu_rm_rf(e->dir);
    free(e->dir);
    free(e->profile);
    memset(e, 0, sizeof *e);
}

/* <data>/<rel>; owned. */
static inline char *sh_path(const sh_env *e, const char *rel)
{
    return vu_path_join(e->dir, rel);
}

/* A whole file, or NULL when absent; owned. */
static inline char *sh_slurp(const char *path)
{
    char *data = NULL;
    size_t len;
    if (vu_read_file(path, &data, &len) != 0)
        return NULL;
    return data;
}

static inline void sh_spit(const char *path, const char *text)
{
    if (vu_write_atomic(path, text, strlen(text)) != 0) {
        fprintf(stderr, "cannot write '%s'\n", path);
        abort();
    }
}

/* Switch local.driver; fails the test when the switch fails. */
static inline void sh_select(sh_env *e, const char *name)
{
    vmdrv_report rep = {0};
    int rc = vmdrv_local_driver_set(e->mgr, name, &rep);
    if (rc)
        print_error("switch to '%s' failed: %s\n", name,
                    vmdrv_last_error(e->ctx)->message);
    vmdrv_report_clear(&rep);
    assert_int_equal(rc, 0);
}

/* Launch name in the scope in effect. */
static inline void sh_launch(sh_env *e, const char *name)
{
    vmdrv_scope *s = NULL;
    vmdrv_instance_spec spec = {.name = name, .cpus = 1, .memory_mb = 512,
                                .disk_mb = 1024};
    sh_check(e, vmdrv_scope_open(&s, e->mgr, NULL, 0));
    sh_check(e, vmdrv_scope_launch(s, &spec, NULL, 0, 0));
    vmdrv_scope_close(s);
}

/* The live state of name in scope (NULL: the one in effect). */
static inline vmdrv_state sh_state(sh_env *e, const char *scope,
                                   const char *name)
{
    vmdrv_scope *s = NULL;
    vmdrv_state st = VMDRV_STATE_UNKNOWN;
    int live = 0;
    sh_check(e, vmdrv_scope_open(&s, e->mgr, scope, 0));
    sh_check(e, vmdrv_scope_state(s, name, &st, &live));
    vmdrv_scope_close(s);
    return st;
}

/* The record of name in scope folder scope (must exist). */
static inline void sh_record(sh_env *e, const char *scope, const char *name,
                             vmdrv_record *out)
{
    vmdrv_records recs;
    sh_check(e, vmdrv_records_load(e->ctx, scope, &recs));
    const vmdrv_record *r = vmdrv_records_find(&recs, name);
    if (!r)
        print_error("no record '%s' in scope '%s'\n", name, scope);
    assert_non_null(r);
    *out = *r;
    /* hand the record's lists over to out */
    memset((vmdrv_record *)r, 0, sizeof *r);
    vmdrv_records_clear(&recs);
}

/* Does the message contain needle? (prints both when not) */
#define sh_assert_contains(hay, needle)                                        \
    do {                                                                       \
        const char *sh_h_ = (hay);                                             \
        if (!sh_h_ || !strstr(sh_h_, (needle)))                                \
            print_error("'%s'\ndoes not contain\n'%s'\n",                      \
                        sh_h_ ? sh_h_ : "(null)", (needle));                   \
        assert_non_null(sh_h_);                                                \
        assert_non_null(strstr(sh_h_, (needle)));                              \
    } while (0)

#endif
