/*
 * settings.c: the settings file (<data>/settings.yaml, a flat YAML map
 * of "key: value") and the local.driver setting: checking a value against
 * the host, and choosing the driver in effect. Switching scopes when the
 * value changes is switch.c's job.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgr_internal.h"
#include "vu_yaml.h"

static const char *const setting_keys[] = {"local.driver", NULL};
#define KEY_LOCAL_DRIVER 0

const char *const *vmdrv_setting_keys(void)
{
    return setting_keys;
}

int vmdrv__setting_index(const char *key)
{
    for (int i = 0; key && setting_keys[i]; i++)
        if (strcmp(setting_keys[i], key) == 0)
            return i;
    return -1;
}

static int unknown_key(vmdrv_ctx *ctx, const char *key)
{
    vu_buf all = VU_BUF_INIT;
    for (size_t i = 0; setting_keys[i]; i++)
        vu_buf_printf(&all, "%s%s", i ? ", " : "", setting_keys[i]);
    int rc = vmdrv_error_set(ctx, VMDRV_E_INVAL, NULL, 0,
                             "unknown setting '%s' (known settings: %s)",
                             key ? key : "", vu_buf_str(&all));
    vu_buf_clear(&all);
    return rc;
}

/* ---- the file -------------------------------------------------------- */

static char *settings_path(vmdrv_ctx *ctx)
{
    return vu_path_join(vmdrv_ctx_data_dir(ctx), VMDRV__SETTINGS_FILE);
}

void vmdrv__settings_clear(vmdrv__settings *s)
{
    for (int i = 0; i < VMDRV__N_SETTINGS; i++) {
        free(s->values[i]);
        s->values[i] = NULL;
    }
}

int vmdrv__settings_read(vmdrv_ctx *ctx, vmdrv__settings *out)
{
    char err[1024];
    vu_ydoc *doc = NULL;
    vu_strv errs = VU_STRV_INIT;
    char *path = settings_path(ctx);
    int rc = 0;
    memset(out, 0, sizeof *out);
    if (!vu_path_exists(path))
        goto cleanup; /* nothing set yet */
    if (vu_yaml_load_file(path, &doc, err, sizeof err) != 0) {
        rc = vmdrv_error_set(ctx, VMDRV_E_CONFIG, NULL, 0,
                             "cannot read settings: %s (fix or remove the "
                             "file; vmdrv will not overwrite it)",
                             err);
        goto cleanup;
    }
    if (!doc->root)
        goto cleanup; /* an empty file sets nothing */
    if (vu_ycheck_keys(&errs, doc, doc->root, setting_keys) == 0) {
        for (size_t i = 0; i < doc->root->n; i++) {
            const char *val;
            int k = vmdrv__setting_index(doc->root->keys[i]->scalar);
            if (vu_yget_str(&errs, doc, doc->root->items[i], &val) == 0)
                out->values[k] = vu_strdup(val);
        }
    }
    if (errs.n) {
        vu_buf all = VU_BUF_INIT;
        for (size_t i = 0; i < errs.n; i++)
            vu_buf_printf(&all, "%s%s", i ? "; " : "", errs.v[i]);
        rc = vmdrv_error_set(ctx, VMDRV_E_CONFIG, NULL, (long)errs.n,
                             "invalid settings: %s (fix or remove the file; "
                             "vmdrv will not overwrite it)",
                             vu_buf_str(&all));
        vu_buf_clear(&all);
        vmdrv__settings_clear(out);
    }
cleanup:
    vu_strv_clear(&errs);
    vu_ydoc_free(doc);
    free(path);
    return rc;
}

/* A double-quoted YAML scalar: safe whatever the value holds. */
static void put_quoted(vu_buf *b, const char *s)
{
    vu_buf_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            vu_buf_printf(b, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            vu_buf_printf(b, "\\x%02x", *p);
        else
            vu_buf_putc(b, (char)*p);
    }
    vu_buf_putc(b, '"');
}

int vmdrv__settings_write(vmdrv_ctx *ctx, const vmdrv__settings *s)
{
    vu_buf text = VU_BUF_INIT;
    char *path = settings_path(ctx);
    vu_buf_puts(&text, "# vmdrv settings, written by `vmdrv set`.\n");
    for (int i = 0; i < VMDRV__N_SETTINGS; i++) {
        if (!s->values[i])
            continue;
        vu_buf_printf(&text, "%s: ", setting_keys[i]);
        put_quoted(&text, s->values[i]);
        vu_buf_putc(&text, '\n');
    }
    int rc = vu_write_atomic(path, text.data, text.len);
    if (rc)
        rc = vmdrv_error_set(ctx, VMDRV_E_IO, NULL, -rc,
                             "cannot write settings '%s': %s", path,
                             strerror(-rc));
    vu_buf_clear(&text);
    free(path);
    return rc;
}

int vmdrv__settings_lock(vmdrv_ctx *ctx, vu_lock *lock)
{
    char *path = vu_path_join(vmdrv_ctx_data_dir(ctx), VMDRV__SETTINGS_LOCK);
    int rc = vu_lock_acquire(lock, path, VMDRV__LOCK_TIMEOUT_MS);
    if (rc)
        rc = vmdrv_error_set(ctx, VMDRV_E_LOCKED, NULL, -rc,
                             "cannot lock the settings ('%s'): %s", path,
                             strerror(-rc));
    free(path);
    return rc;
}

/* ---- checking a local.driver value ------------------------------------ */

/* Does a plugin driver accept this host? (Sets no error.) */
static int plugin_accepts(vmdrv_manager *mgr, const char *name, char *why,
                          size_t wsize)
{
    vmdrv_driver_desc d;
    int i = vmdrv_driver_find(mgr->ctx, name);
    if (i < 0 || vmdrv_driver_get(mgr->ctx, (size_t)i, &d) != 0 ||
        d.origin != VMDRV_ORIGIN_PLUGIN)
        return 0;
    vmdrv__saved_err saved;
    vmdrv__err_save(mgr->ctx, &saved);
    int rc = vmdrv_driver_probe(mgr->ctx, name);
    if (rc && why)
        snprintf(why, wsize, "%s", vmdrv_last_error(mgr->ctx)->message);
    vmdrv__err_restore(mgr->ctx, &saved);
    return rc == 0;
}

static int is_plugin(vmdrv_manager *mgr, const char *name)
{
    vmdrv_driver_desc d;
    int i = vmdrv_driver_find(mgr->ctx, name);
    return i >= 0 && vmdrv_driver_get(mgr->ctx, (size_t)i, &d) == 0 &&
           d.origin == VMDRV_ORIGIN_PLUGIN;
}

/* Is driver (not an alias) usable as a local.driver target here? */
static int driver_offered(vmdrv_manager *mgr, const char *driver, char *why,
                          size_t wsize)
{
    if (vmdrv__table_knows(driver))
        return vmdrv_platform_available(vmdrv_ctx_host(mgr->ctx), driver,
                                        why, wsize);
    return plugin_accepts(mgr, driver, why, wsize);
}

/* "qemu, test, test-b": every value `set local.driver` accepts here. */
static void valid_choices(vmdrv_manager *mgr, vu_buf *out)
{
    const char *names[16];
    size_t n = vmdrv_platform_drivers(vmdrv_ctx_host(mgr->ctx), names, 16);
    int first = 1;
    for (size_t i = 0; i < n && i < 16; i++) {
        vu_buf_printf(out, "%s%s", first ? "" : ", ", names[i]);
        first = 0;
    }
    for (size_t i = 0; i < vmdrv_driver_count(mgr->ctx); i++) {
        vmdrv_driver_desc d;
        if (vmdrv_driver_get(mgr->ctx, i, &d) == 0 &&
            d.origin == VMDRV_ORIGIN_PLUGIN &&
            plugin_accepts(mgr, d.name, NULL, 0)) {
            vu_buf_printf(out, "%s%s", first ? "" : ", ", d.name);
            first = 0;
        }
    }
    for (size_t i = 0; i < mgr->n_aliases; i++) {
        if (driver_offered(mgr, mgr->aliases[i].driver, NULL, 0)) {
            vu_buf_printf(out, "%s%s", first ? "" : ", ",
                          mgr->aliases[i].alias);
            first = 0;
        }
    }
    if (first)
        vu_buf_puts(out, "none");
}

int vmdrv__driver_value_check(vmdrv_manager *mgr, const char *value,
                              char *canon, size_t csize, const char **driver,
                              char *why, size_t wsize)
{
    char reason[512];
    const char *version, *target, *platform;
    vu_buf choices = VU_BUF_INIT;
    int rc = 0;
    reason[0] = '\0';
    valid_choices(mgr, &choices);
    if (vmdrv_driver_canonical(value, canon, csize) != 0) {
        snprintf(why, wsize, "'%s' is not a driver name; valid choices here: %s",
                 value ? value : "", vu_buf_str(&choices));
        rc = VMDRV_E_INVAL;
    } else if (vmdrv_driver_retired(canon, &version, &platform) &&
               vmdrv__driver_retired_on(vmdrv_ctx_host(mgr->ctx), canon)) {
        /* retired here: it was offered on this platform until then */
        snprintf(why, wsize,
                 "the %s driver was retired as of Multipass %s; valid "
                 "choices here: %s",
                 vmdrv__display(canon), version, vu_buf_str(&choices));
        rc = VMDRV_E_RETIRED;
    } else if (vmdrv_driver_retired(canon, &version, &platform)) {
        /* never offered here: not available, as any foreign driver */
        snprintf(why, wsize,
                 "the %s driver was never offered on %s/%s (it served %s "
                 "until Multipass %s); valid choices here: %s",
                 vmdrv__display(canon),
                 vmdrv_os_name(vmdrv_ctx_host(mgr->ctx)->os),
                 vmdrv_arch_name(vmdrv_ctx_host(mgr->ctx)->arch), platform,
                 version, vu_buf_str(&choices));
        rc = VMDRV_E_UNAVAILABLE;
    } else if ((target = vmdrv__alias_driver(mgr, canon)) != NULL) {
        if (!driver_offered(mgr, target, reason, sizeof reason)) {
            snprintf(why, wsize,
                     "scope alias '%s' selects the %s driver, and %s; valid "
                     "choices here: %s",
                     canon, vmdrv__display(target), reason,
                     vu_buf_str(&choices));
            rc = VMDRV_E_UNAVAILABLE;
        } else {
            *driver = target;
        }
    } else if (vmdrv__table_knows(canon) || is_plugin(mgr, canon)) {
        if (!driver_offered(mgr, canon, reason, sizeof reason)) {
            snprintf(why, wsize, "%s; valid choices here: %s", reason,
                     vu_buf_str(&choices));
            rc = VMDRV_E_UNAVAILABLE;
        } else {
            /* the registry's copy of the name outlives this call */
            vmdrv_driver_desc d;
            vmdrv_driver_get(mgr->ctx,
                             (size_t)vmdrv_driver_find(mgr->ctx, canon), &d);
            *driver = d.name;
        }
    } else {
        snprintf(why, wsize, "unknown driver '%s'; valid choices here: %s",
                 canon, vu_buf_str(&choices));
        rc = VMDRV_E_INVAL;
    }
    vu_buf_clear(&choices);
    return rc;
}

int vmdrv_local_driver_check(vmdrv_manager *mgr, const char *value,
                             char *canon, size_t size)
{
    char why[1024];
    char buf[VMDRV_NAME_MAX + 1];
    const char *driver;
    int rc = vmdrv__driver_value_check(mgr, value, buf, sizeof buf, &driver,
                                       why, sizeof why);
    if (rc)
        return vmdrv_error_set(mgr->ctx, rc, NULL, 0,
                               "cannot set local.driver to '%s': %s",
                               value ? value : "", why);
    if (canon && vu_strlcpy(canon, buf, size))
        return vmdrv_error_set(mgr->ctx, VMDRV_E_INVAL, NULL, 0,
                               "buffer too small for driver name '%s'", buf);
    return 0;
}

/* ---- the driver in effect -------------------------------------------- */

int vmdrv__choose(vmdrv_manager *mgr, const char *stored,
                  vmdrv_driver_choice *out, int warn)
{
    char why[1024], words[64];
    const vmdrv_host *host = vmdrv_ctx_host(mgr->ctx);
    const char *def = vmdrv_platform_default(host);
    memset(out, 0, sizeof *out);
    vu_strlcpy(out->stored, stored ? stored : "", sizeof out->stored);
    if (!def) {
        vmdrv__host_words(host, words, sizeof words);
        return vmdrv_error_set(mgr->ctx, VMDRV_E_CONFIG, NULL, 0,
                               "no default driver for %s", words);
    }
    if (stored && *stored) {
        const char *driver = NULL;
        char canon[VMDRV_NAME_MAX + 1] = "";
        if (vmdrv__driver_value_check(mgr, stored, canon, sizeof canon,
                                      &driver, why, sizeof why) == 0) {
            vu_strlcpy(out->name, canon, sizeof out->name);
            vu_strlcpy(out->driver, driver, sizeof out->driver);
            out->source = VMDRV_SOURCE_SETTING;
            return 0;
        }
        /* never a crash, never a silent rewrite: use the default and say
         * so, leaving the file as the user (or an older vmdrv) wrote it */
        if (warn)
            vmdrv__warn(mgr,
                        "stored local.driver '%s' cannot be used here (%s); "
                        "using the platform default '%s', and the stored "
                        "value is left as it is%s",
                        stored, why, def,
                        host->os == VMDRV_OS_MACOS &&
                                strcmp(canon, "hyperkit") == 0
                            ? "; setting local.driver to 'qemu' migrates "
                              "the stopped Hyperkit instances"
                            : "");
        vu_strlcpy(out->name, def, sizeof out->name);
        vu_strlcpy(out->driver, def, sizeof out->driver);
        out->source = VMDRV_SOURCE_FALLBACK;
        return 0;
    }
    vu_strlcpy(out->name, def, sizeof out->name);
    vu_strlcpy(out->driver, def, sizeof out->driver);
    out->source = VMDRV_SOURCE_DEFAULT;
    return 0;
}

static int local_driver(vmdrv_manager *mgr, vmdrv_driver_choice *out,
                        int warn)
{
    vmdrv__settings s;
    int rc = vmdrv__settings_read(mgr->ctx, &s);
    if (rc)
        return rc;
    rc = vmdrv__choose(mgr, s.values[KEY_LOCAL_DRIVER], out, warn);
    vmdrv__settings_clear(&s);
    return rc;
}

int vmdrv_local_driver(vmdrv_manager *mgr, vmdrv_driver_choice *out)
{
    return local_driver(mgr, out, 1);
}

int vmdrv__effective(vmdrv_manager *mgr, vmdrv_driver_choice *out)
{
    return local_driver(mgr, out, 0);
}

/* ---- get and set ----------------------------------------------------- */

int vmdrv_setting_get(vmdrv_manager *mgr, const char *key, char *buf,
                      size_t size)
{
    vmdrv_driver_choice c;
    int k = vmdrv__setting_index(key);
    if (k < 0)
        return unknown_key(mgr->ctx, key);
    /* only local.driver exists so far; each key gets its own case */
    int rc = vmdrv_local_driver(mgr, &c);
    if (rc)
        return rc;
    if (vu_strlcpy(buf, c.name, size))
        return vmdrv_error_set(mgr->ctx, VMDRV_E_INVAL, NULL, 0,
                               "buffer too small for the value of '%s'", key);
    return 0;
}

int vmdrv_setting_set(vmdrv_manager *mgr, const char *key, const char *value,
                      vmdrv_report *report)
{
    int k = vmdrv__setting_index(key);
    if (k < 0)
        return unknown_key(mgr->ctx, key);
    return vmdrv_local_driver_set(mgr, value, report);
}
