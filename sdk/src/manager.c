/*
 * manager.c: the manager object (driver options, scope aliases,
 * warnings), reports, record lists, and keeping the context's error
 * across failures the manager recovers from.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "mgr_internal.h"

/* ---- errors ---------------------------------------------------------- */

void vmdrv__err_save(vmdrv_ctx *ctx, vmdrv__saved_err *saved)
{
    const vmdrv_error *e = vmdrv_last_error(ctx);
    saved->code = e->code;
    saved->native = e->native;
    saved->origin = vu_strdup(e->origin ? e->origin : "sdk");
    saved->message = vu_strdup(e->message ? e->message : "");
}

void vmdrv__err_restore(vmdrv_ctx *ctx, vmdrv__saved_err *saved)
{
    if (saved->code == VMDRV_OK)
        vmdrv_error_clear(ctx);
    else
        vmdrv_error_set(ctx, saved->code, saved->origin, saved->native, "%s",
                        saved->message);
    free(saved->origin);
    free(saved->message);
    saved->origin = saved->message = NULL;
}

void vmdrv__err_drop(vmdrv__saved_err *saved)
{
    free(saved->origin);
    free(saved->message);
    saved->origin = saved->message = NULL;
}

char *vmdrv__err_copy(vmdrv_ctx *ctx)
{
    return vu_strdup(vmdrv_last_error(ctx)->message);
}

/* ---- the manager ----------------------------------------------------- */

/* VMDRV_SCOPE_ALIASES="test-b=test,test-c=test" */
static int aliases_from_env(vmdrv_manager *mgr)
{
    const char *env = getenv("VMDRV_SCOPE_ALIASES");
    if (!env || !*env)
        return 0;
    char *copy = vu_strdup(env), *save = NULL;
    int rc = 0;
    for (char *tok = strtok_r(copy, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq) {
            rc = vmdrv_error_set(mgr->ctx, VMDRV_E_CONFIG, NULL, 0,
                                 "VMDRV_SCOPE_ALIASES entry '%s' is not "
                                 "ALIAS=DRIVER",
                                 tok);
            break;
        }
        *eq = '\0';
        if ((rc = vmdrv_manager_add_alias(mgr, vu_str_trim(tok),
                                          vu_str_trim(eq + 1))))
            break;
    }
    free(copy);
    return rc;
}

int vmdrv_manager_new(vmdrv_manager **out, vmdrv_ctx *ctx)
{
    *out = NULL;
    vmdrv_manager *mgr = vu_calloc(1, sizeof *mgr);
    mgr->ctx = ctx;
    int rc = aliases_from_env(mgr);
    if (rc) {
        vmdrv_manager_free(mgr);
        return rc;
    }
    *out = mgr;
    return 0;
}

void vmdrv_manager_free(vmdrv_manager *mgr)
{
    if (!mgr)
        return;
    for (size_t i = 0; i < mgr->n_aliases; i++) {
        free(mgr->aliases[i].alias);
        free(mgr->aliases[i].driver);
    }
    free(mgr->aliases);
    vu_strv_clear(&mgr->options);
    vu_strv_clear(&mgr->warnings);
    free(mgr);
}

vmdrv_ctx *vmdrv_manager_ctx(vmdrv_manager *mgr)
{
    return mgr->ctx;
}

int vmdrv_manager_set_driver_options(vmdrv_manager *mgr,
                                     const char *const *options)
{
    for (size_t i = 0; options && options[i]; i++)
        if (!strchr(options[i], '='))
            return vmdrv_error_set(mgr->ctx, VMDRV_E_INVAL, NULL, 0,
                                   "driver option '%s' is not KEY=VALUE",
                                   options[i]);
    vu_strv_clear(&mgr->options);
    for (size_t i = 0; options && options[i]; i++)
        vu_strv_add(&mgr->options, options[i]);
    return 0;
}

int vmdrv_manager_add_alias(vmdrv_manager *mgr, const char *alias,
                            const char *driver)
{
    char canon[VMDRV_NAME_MAX + 1];
    if (!alias || !driver)
        return vmdrv_error_set(mgr->ctx, VMDRV_E_INVAL, NULL, 0,
                               "a scope alias needs a name and a driver");
    /* an alias is a scope folder name and a local.driver value: it must
     * be safe as both, and must not shadow a driver */
    if (!vmdrv_name_valid(alias) ||
        vmdrv_driver_canonical(alias, canon, sizeof canon) != 0 ||
        strcmp(canon, alias) != 0)
        return vmdrv_error_set(mgr->ctx, VMDRV_E_INVAL, NULL, 0,
                               "invalid scope alias '%s': use lower-case "
                               "letters, digits and hyphens, starting with "
                               "a letter",
                               alias);
    if (vmdrv__table_knows(alias) || vmdrv_driver_retired(alias, NULL, NULL) ||
        vmdrv_driver_find(mgr->ctx, alias) >= 0 ||
        strcmp(alias, "hyperkit") == 0)
        return vmdrv_error_set(mgr->ctx, VMDRV_E_INVAL, NULL, 0,
                               "scope alias '%s' would hide the driver of "
                               "that name",
                               alias);
    if (vmdrv_driver_find(mgr->ctx, driver) < 0)
        return vmdrv_error_set(mgr->ctx, VMDRV_E_NOTFOUND, NULL, 0,
                               "scope alias '%s' names an unknown driver "
                               "'%s'",
                               alias, driver);
    for (size_t i = 0; i < mgr->n_aliases; i++)
        if (strcmp(mgr->aliases[i].alias, alias) == 0)
            return vmdrv_error_set(mgr->ctx, VMDRV_E_EXISTS, NULL, 0,
                                   "scope alias '%s' is already defined (for "
                                   "driver '%s')",
                                   alias, mgr->aliases[i].driver);
    mgr->aliases = vu_realloc(mgr->aliases,
                              (mgr->n_aliases + 1) * sizeof *mgr->aliases);
    mgr->aliases[mgr->n_aliases].alias = vu_strdup(alias);
    mgr->aliases[mgr->n_aliases].driver = vu_strdup(driver);
    mgr->n_aliases++;
    return 0;
}

const char *vmdrv__alias_driver(vmdrv_manager *mgr, const char *alias)
{
    for (size_t i = 0; i < mgr->n_aliases; i++)
        if (strcmp(mgr->aliases[i].alias, alias) == 0)
            return mgr->aliases[i].driver;
    return NULL;
}

void vmdrv__warn(vmdrv_manager *mgr, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = vu_vasprintf(fmt, ap);
    va_end(ap);
    /* the same warning twice in one command is noise */
    for (size_t i = 0; i < mgr->warnings.n; i++) {
        if (strcmp(mgr->warnings.v[i], msg) == 0) {
            free(msg);
            return;
        }
    }
    vmdrv_log(mgr->ctx, "sdk", "warning: %s", msg);
    vu_strv_add(&mgr->warnings, msg);
    free(msg);
}

size_t vmdrv_manager_warning_count(vmdrv_manager *mgr)
{
    return mgr->warnings.n;
}

const char *vmdrv_manager_warning(vmdrv_manager *mgr, size_t i)
{
    return i < mgr->warnings.n ? mgr->warnings.v[i] : NULL;
}

void vmdrv_manager_clear_warnings(vmdrv_manager *mgr)
{
    vu_strv_clear(&mgr->warnings);
}

/* ---- reports --------------------------------------------------------- */

vmdrv_report_entry *vmdrv__report_add(vmdrv_report *report,
                                      const char *scope, const char *name,
                                      vmdrv_report_action action,
                                      vmdrv_state before, vmdrv_state after,
                                      int rc, const char *message)
{
    if (!report)
        return NULL;
    if (report->count == report->cap_) {
        report->cap_ = report->cap_ ? report->cap_ * 2 : 8;
        report->items = vu_realloc(report->items,
                                   report->cap_ * sizeof *report->items);
    }
    vmdrv_report_entry *e = &report->items[report->count++];
    memset(e, 0, sizeof *e);
    vu_strlcpy(e->scope, scope ? scope : "", sizeof e->scope);
    vu_strlcpy(e->name, name ? name : "", sizeof e->name);
    e->action = action;
    e->before = before;
    e->after = after;
    e->rc = rc;
    vu_strlcpy(e->message, message ? message : "", sizeof e->message);
    return e;
}

void vmdrv_report_clear(vmdrv_report *report)
{
    if (!report)
        return;
    free(report->items);
    memset(report, 0, sizeof *report);
}

const char *vmdrv_report_action_name(vmdrv_report_action a)
{
    switch (a) {
    case VMDRV_ACT_KEPT:
        return "kept";
    case VMDRV_ACT_SUSPENDED:
        return "suspended";
    case VMDRV_ACT_STOPPED:
        return "stopped";
    case VMDRV_ACT_RESUMED:
        return "resumed";
    case VMDRV_ACT_MIGRATED:
        return "migrated";
    case VMDRV_ACT_WOULD_MIGRATE:
        return "would-migrate";
    case VMDRV_ACT_SKIPPED:
        return "skipped";
    case VMDRV_ACT_FAILED:
        return "failed";
    }
    return "unknown";
}

/* ---- record lists ---------------------------------------------------- */

void vmdrv_record_clear(vmdrv_record *rec)
{
    if (!rec)
        return;
    free(rec->mounts);
    vmdrv_names_clear(&rec->interfaces);
    vmdrv_names_clear(&rec->snapshots);
    memset(rec, 0, sizeof *rec);
}

void vmdrv_records_clear(vmdrv_records *list)
{
    if (!list)
        return;
    for (size_t i = 0; i < list->count; i++)
        vmdrv_record_clear(&list->items[i]);
    free(list->items);
    memset(list, 0, sizeof *list);
}

const vmdrv_record *vmdrv_records_find(const vmdrv_records *list,
                                       const char *name)
{
    for (size_t i = 0; list && name && i < list->count; i++)
        if (strcmp(list->items[i].name, name) == 0)
            return &list->items[i];
    return NULL;
}
