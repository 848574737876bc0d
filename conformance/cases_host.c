/*
 * cases_host.c: defaults.* and setting.* cases. They need no hypervisor:
 * they compare what the SDK's manager answers for this host (real or
 * profile) with what the matrix says about the same host, in a private
 * data dir. The cell's driver is the one the case is about.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "vmdrv/manager.h"
#include "vu_fs.h"

typedef struct host_env {
    vmdrv_manager *mgr;
    vc_target target;
    const char *at;
} host_env;

static vc_obs open_env(vc_t *t, host_env *h)
{
    memset(h, 0, sizeof *h);
    if (vmdrv_manager_new(&h->mgr, vc_ctx(t)) != 0)
        return vc_error_sdk(t, "cannot create the manager");
    vc_target_from_host(&h->target, vmdrv_ctx_host(vc_ctx(t)));
    h->at = vc_matrix_at(vc_matrix_of(t), NULL);
    return VC_O_WORKS;
}

static vc_obs close_env(host_env *h, vc_obs o)
{
    vmdrv_manager_free(h->mgr);
    return o;
}

static const char *status_text(int rc)
{
    const char *s = vmdrv_status_name(rc);
    return s ? s : "an unknown status";
}

/* The matrix's default driver for this host. */
static const char *matrix_default(vc_t *t, host_env *h, vc_src *src)
{
    const vc_default *d = vc_matrix_default(vc_matrix_of(t), h->at, &h->target);
    if (!d)
        return NULL;
    if (src)
        *src = d->src;
    return d->driver;
}

vc_obs vc_case_defaults_default_driver(vc_t *t)
{
    host_env h;
    vc_obs o = open_env(t, &h);
    if (o)
        return o;
    vc_src src = {0};
    const char *want = matrix_default(t, &h, &src);
    const char *sdk = vmdrv_platform_default(vmdrv_ctx_host(vc_ctx(t)));
    vmdrv_driver_choice ch;
    if (!want)
        o = vc_fail(t, "no-matrix-default",
                    "the matrix has no default driver for %s/%s",
                    h.target.platform, h.target.edition ? h.target.edition : "-");
    else if (!sdk || strcmp(sdk, want) != 0)
        o = vc_fail(t, "default-differs",
                    "the SDK's default here is '%s', the matrix (%s:%d) says "
                    "'%s'",
                    sdk ? sdk : "(none)", src.file, src.line, want);
    else if (vmdrv_local_driver(h.mgr, &ch) != 0)
        o = vc_fail_sdk(t, "local-driver-failed", "local.driver");
    else if (ch.source != VMDRV_SOURCE_DEFAULT || strcmp(ch.name, want) != 0)
        o = vc_fail(t, "default-not-in-effect",
                    "with local.driver unset, '%s' is in effect (source %d), "
                    "expected the default '%s'",
                    ch.name, (int)ch.source, want);
    return close_env(&h, o);
}

vc_obs vc_case_defaults_edition_detection(vc_t *t)
{
    const vmdrv_host *host = vmdrv_ctx_host(vc_ctx(t));
    if (host->os != VMDRV_OS_WINDOWS) {
        if (host->edition != VMDRV_EDITION_NONE)
            return vc_fail(t, "edition-outside-windows",
                           "a %s host reports edition '%s'",
                           vmdrv_os_name(host->os),
                           vmdrv_edition_name(host->edition));
        vc_note(t, "not Windows: no edition, and the default does not "
                   "depend on one");
        return VC_O_WORKS;
    }
    /* Home is any EditionID starting with "Core" (Core, CoreN,
     * CoreSingleLanguage, CoreCountrySpecific) */
    int home = strncmp(host->edition_id, "Core", 4) == 0;
    vmdrv_edition want = home ? VMDRV_EDITION_HOME : VMDRV_EDITION_PRO;
    if (host->edition != want)
        return vc_fail(t, "edition-misdetected",
                       "EditionID '%s' gave edition '%s', expected '%s'",
                       host->edition_id, vmdrv_edition_name(host->edition),
                       vmdrv_edition_name(want));
    host_env h;
    vc_obs o = open_env(t, &h);
    if (o)
        return o;
    const char *mdef = matrix_default(t, &h, NULL);
    const char *sdk = vmdrv_platform_default(host);
    if (!mdef || !sdk || strcmp(mdef, sdk) != 0)
        o = vc_fail(t, "edition-default-differs",
                    "on Windows %s the SDK picks '%s', the matrix '%s'",
                    vmdrv_edition_name(want), sdk ? sdk : "(none)",
                    mdef ? mdef : "(none)");
    return close_env(&h, o);
}

static int write_setting(vc_t *t, const char *value, char **path)
{
    *path = vu_path_join(vc_data_dir(t), "settings.yaml");
    char *text = vu_asprintf("local.driver: %s\n", value);
    int rc = vu_write_atomic(*path, text, strlen(text));
    free(text);
    return rc;
}

vc_obs vc_case_defaults_invalid_stored_value(vc_t *t)
{
    host_env h;
    char *path;
    /* a driver no platform offers today: always invalid here */
    if (write_setting(t, "lxd", &path) != 0) {
        free(path);
        return vc_error(t, "cannot write the settings file");
    }
    char *before = NULL, *after = NULL;
    vu_read_file(path, &before, NULL);
    vc_obs o = open_env(t, &h);
    if (o) {
        free(path);
        free(before);
        return o;
    }
    char buf[128];
    const char *want = matrix_default(t, &h, NULL);
    if (vmdrv_setting_get(h.mgr, "local.driver", buf, sizeof buf) != 0)
        o = vc_fail_sdk(t, "fallback-failed",
                        "get local.driver with an invalid stored value");
    else if (!want || strcmp(buf, want) != 0)
        o = vc_fail(t, "no-fallback",
                    "a stored 'lxd' gave '%s', expected the default '%s'", buf,
                    want ? want : "(none)");
    else if (vmdrv_manager_warning_count(h.mgr) == 0)
        o = vc_fail(t, "no-warning",
                    "falling back from a stored 'lxd' gave no warning");
    vu_read_file(path, &after, NULL);
    if (!o && (!after || !before || strcmp(before, after) != 0))
        o = vc_fail(t, "setting-rewritten",
                    "the stored setting was rewritten by a read");
    free(before);
    free(after);
    free(path);
    return close_env(&h, o);
}

vc_obs vc_case_defaults_retired_refused(vc_t *t)
{
    host_env h;
    vc_obs o = open_env(t, &h);
    if (o)
        return o;
    vc_retired *ret = NULL;
    size_t n = 0;
    vc_matrix_retired(vc_matrix_of(t), h.at, h.target.platform, &ret, &n);
    for (size_t i = 0; i < n && !o; i++) {
        char canon[64];
        const char *key = ret[i].driver->key;
        const char *version = NULL;
        /* retired on this platform, but maybe never on this arch or
         * edition (Hyperkit never ran on Apple Silicon) */
        if (vc_matrix_driver_status(vc_matrix_of(t), h.at, &h.target, key,
                                    NULL) != VC_DRIVER_RETIRED)
            continue;
        int rc = vmdrv_local_driver_check(h.mgr, key, canon, sizeof canon);
        const char *msg = vmdrv_last_error(vc_ctx(t))->message;
        if (rc != VMDRV_E_RETIRED)
            o = vc_fail(t, "retired-accepted",
                        "local.driver=%s answered %s, expected E_RETIRED "
                        "(the matrix retires it as of %s at %s:%d)",
                        key, status_text(rc), ret[i].version, ret[i].src.file,
                        ret[i].src.line);
        else if (!strstr(msg, ret[i].version))
            o = vc_fail(t, "retired-version-missing",
                        "refusing %s does not name the release %s: '%s'", key,
                        ret[i].version, msg);
        else if (!vmdrv_driver_retired(key, &version, NULL) ||
                 strcmp(version, ret[i].version) != 0)
            o = vc_fail(t, "retired-version-differs",
                        "the SDK retires %s as of %s, the matrix as of %s",
                        key, version ? version : "(never)", ret[i].version);
    }
    if (!o && n == 0)
        vc_note(t, "no driver is retired on %s", h.target.platform);
    free(ret);
    return close_env(&h, o);
}

/* ---- setting.* --------------------------------------------------------- */

/* Is the cell's driver offered here, per the matrix? */
static int offered(vc_t *t)
{
    const vc_cell *c = vc_cell_of(t);
    return c->base != VC_EXPECT_UNAVAILABLE && c->base != VC_EXPECT_RETIRED;
}

/*
 * Set local.driver=value and check the answer against the matrix for the
 * cell's driver: accepted where it is offered, else refused with
 * E_UNAVAILABLE (naming the valid choices) or E_RETIRED (naming the
 * release).
 */
static vc_obs set_and_check(vc_t *t, host_env *h, const char *value)
{
    const vc_cell *c = vc_cell_of(t);
    const char *driver = c->driver->key;
    vmdrv_report rep = {0};
    int rc = vmdrv_setting_set(h->mgr, "local.driver", value, &rep);
    vmdrv_report_clear(&rep);
    const char *msg = vmdrv_last_error(vc_ctx(t))->message;
    if (offered(t)) {
        if (rc != 0)
            return vc_fail_sdk(t, "offered-driver-refused", "set local.driver");
        char buf[128];
        if (vmdrv_setting_get(h->mgr, "local.driver", buf, sizeof buf) != 0)
            return vc_fail_sdk(t, "get-failed", "get local.driver");
        if (strcmp(buf, driver) != 0)
            return vc_fail(t, "setting-not-applied",
                           "set local.driver=%s, then get says '%s'", value,
                           buf);
        return VC_O_WORKS;
    }
    if (c->base == VC_EXPECT_RETIRED) {
        if (rc != VMDRV_E_RETIRED)
            return vc_fail(t, "retired-accepted",
                           "local.driver=%s answered %s, expected E_RETIRED",
                           value, status_text(rc));
        if (c->retired_in && !strstr(msg, c->retired_in))
            return vc_fail(t, "retired-version-missing",
                           "the refusal does not name release %s: '%s'",
                           c->retired_in, msg);
        return VC_O_WORKS;
    }
    if (rc != VMDRV_E_UNAVAILABLE)
        return vc_fail(t, "unavailable-accepted",
                       "local.driver=%s answered %s, expected E_UNAVAILABLE "
                       "(the matrix does not offer it here)",
                       value, status_text(rc));
    /* the refusal lists the valid choices: every driver offered here */
    const vc_matrix *m = vc_matrix_of(t);
    for (size_t i = 0; i < m->n_drivers; i++) {
        if (!m->drivers[i].published)
            continue;
        if (vc_matrix_driver_status(m, h->at, &h->target, m->drivers[i].key,
                                    NULL) == VC_DRIVER_AVAILABLE &&
            !strstr(msg, m->drivers[i].key))
            return vc_fail(t, "valid-choices-missing",
                           "refusing '%s' does not list '%s': '%s'", value,
                           m->drivers[i].key, msg);
    }
    return VC_O_WORKS;
}

vc_obs vc_case_setting_select_driver(vc_t *t)
{
    host_env h;
    vc_obs o = open_env(t, &h);
    if (o)
        return o;
    return close_env(&h, set_and_check(t, &h, vc_cell_of(t)->driver->key));
}

vc_obs vc_case_setting_get_set_roundtrip(vc_t *t)
{
    host_env h;
    char before[128], after[128];
    vc_obs o = open_env(t, &h);
    if (o)
        return o;
    if (vmdrv_setting_get(h.mgr, "local.driver", before, sizeof before) != 0)
        return close_env(&h, vc_fail_sdk(t, "get-failed", "get local.driver"));
    o = set_and_check(t, &h, vc_cell_of(t)->driver->key);
    if (!o && !offered(t)) {
        /* a refused set leaves the setting as it was */
        if (vmdrv_setting_get(h.mgr, "local.driver", after, sizeof after) != 0)
            o = vc_fail_sdk(t, "get-failed", "get local.driver");
        else if (strcmp(before, after) != 0)
            o = vc_fail(t, "refused-set-changed-setting",
                        "a refused set changed local.driver from '%s' to '%s'",
                        before, after);
    }
    return close_env(&h, o);
}

vc_obs vc_case_setting_lowercase(vc_t *t)
{
    host_env h;
    vc_obs o = open_env(t, &h);
    if (o)
        return o;
    char *upper = vu_strdup(vc_cell_of(t)->driver->key);
    for (char *p = upper; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    o = set_and_check(t, &h, upper);
    free(upper);
    return close_env(&h, o);
}

vc_obs vc_case_setting_aliases(vc_t *t)
{
    static const struct {
        const char *alias, *driver;
    } aliases[] = {{"hyper-v", "hyperv"}, {"vbox", "virtualbox"}};
    const char *driver = vc_cell_of(t)->driver->key;
    char canon[64];
    for (size_t i = 0; i < 2; i++) {
        if (vmdrv_driver_canonical(aliases[i].alias, canon, sizeof canon) != 0 ||
            strcmp(canon, aliases[i].driver) != 0)
            return vc_fail(t, "alias-not-resolved", "'%s' is not read as '%s'",
                           aliases[i].alias, aliases[i].driver);
    }
    for (size_t i = 0; i < 2; i++) {
        if (strcmp(aliases[i].driver, driver) != 0)
            continue;
        host_env h;
        vc_obs o = open_env(t, &h);
        if (o)
            return o;
        return close_env(&h, set_and_check(t, &h, aliases[i].alias));
    }
    vc_note(t, "'%s' has no alias; the aliases resolve", driver);
    return VC_O_WORKS;
}

vc_obs vc_case_setting_unknown_driver_refused(vc_t *t)
{
    host_env h;
    vc_obs o = open_env(t, &h);
    if (o)
        return o;
    vmdrv_report rep = {0};
    int rc = vmdrv_setting_set(h.mgr, "local.driver", "nosuchdriver", &rep);
    vmdrv_report_clear(&rep);
    const char *msg = vmdrv_last_error(vc_ctx(t))->message;
    if (rc == 0)
        o = vc_fail(t, "unknown-driver-accepted",
                    "local.driver=nosuchdriver was accepted");
    else if (rc != VMDRV_E_INVAL)
        o = vc_fail(t, "unknown-driver-answer",
                    "local.driver=nosuchdriver answered %s, expected E_INVAL",
                    status_text(rc));
    else if (offered(t) && !strstr(msg, vc_cell_of(t)->driver->key) &&
             vc_cell_of(t)->driver->published)
        o = vc_fail(t, "valid-choices-missing",
                    "refusing an unknown driver does not list '%s': '%s'",
                    vc_cell_of(t)->driver->key, msg);
    return close_env(&h, o);
}

vc_obs vc_case_setting_persisted(vc_t *t)
{
    host_env h;
    vc_obs o = open_env(t, &h);
    if (o)
        return o;
    o = set_and_check(t, &h, vc_cell_of(t)->driver->key);
    vmdrv_manager_free(h.mgr);
    if (o)
        return o;
    /* a new context and manager read it back from disk, as a new process */
    vmdrv_ctx *ctx;
    vmdrv_manager *mgr;
    if (vc_open_ctx(t, &ctx) != 0)
        return VC_O_ERROR;
    if (vmdrv_manager_new(&mgr, ctx) != 0) {
        vmdrv_ctx_free(ctx);
        return vc_error(t, "cannot create a second manager");
    }
    vmdrv_driver_choice ch;
    if (vmdrv_local_driver(mgr, &ch) != 0)
        o = vc_fail(t, "get-failed", "local.driver in a new process: %s",
                    vmdrv_last_error(ctx)->message);
    else if (offered(t) && strcmp(ch.name, vc_cell_of(t)->driver->key) != 0)
        o = vc_fail(t, "setting-not-persisted",
                    "a new process sees local.driver '%s', expected '%s'",
                    ch.name, vc_cell_of(t)->driver->key);
    else if (!offered(t) && ch.source != VMDRV_SOURCE_DEFAULT)
        o = vc_fail(t, "refused-value-persisted",
                    "a refused value left local.driver '%s' stored",
                    ch.stored);
    vmdrv_manager_free(mgr);
    vmdrv_ctx_free(ctx);
    return o;
}
