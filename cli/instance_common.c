/*
 * instance_common.c: helpers the instance commands share (see
 * instance_common.h).
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "instance_common.h"

int cli_mgr_open(cli_env *env, cli_mgr *m)
{
    memset(m, 0, sizeof *m);
    if (!(m->ctx = cli_open_ctx(env)))
        return CLI_FAIL;
    if (vmdrv_manager_new(&m->mgr, m->ctx) != 0 ||
        vmdrv_manager_set_driver_options(
            m->mgr, vu_strv_argv(&env->driver_opts)) != 0) {
        cli_ctx_error(m->ctx, NULL);
        cli_mgr_close(m);
        return CLI_FAIL;
    }
    return 0;
}

int cli_scope_open(cli_env *env, cli_mgr *m)
{
    int rc = cli_mgr_open(env, m);
    if (rc)
        return rc;
    if (vmdrv_scope_open(&m->scope, m->mgr, NULL, 0) != 0) {
        cli_print_warnings(m);
        cli_ctx_error(m->ctx, NULL);
        cli_mgr_close(m);
        return CLI_FAIL;
    }
    vu_strlcpy(m->scope_name, vmdrv_scope_name(m->scope), sizeof m->scope_name);
    vu_strlcpy(m->driver_name, vmdrv_scope_driver(m->scope),
               sizeof m->driver_name);
    cli_print_warnings(m);
    return 0;
}

int cli_scope_open_or_records(cli_env *env, cli_mgr *m, int *offline)
{
    vmdrv_driver_choice c;
    *offline = 0;
    int rc = cli_mgr_open(env, m);
    if (rc)
        return rc;
    if (vmdrv_scope_open(&m->scope, m->mgr, NULL, 0) == 0) {
        vu_strlcpy(m->scope_name, vmdrv_scope_name(m->scope),
                   sizeof m->scope_name);
        vu_strlcpy(m->driver_name, vmdrv_scope_driver(m->scope),
                   sizeof m->driver_name);
        cli_print_warnings(m);
        return 0;
    }
    int code = vmdrv_last_error(m->ctx)->code;
    char *why = vu_strdup(vmdrv_last_error(m->ctx)->message);
    /* a driver that cannot run here still has readable records; anything
     * else (a corrupt file, a broken setting) is an error */
    if ((code != VMDRV_E_DECLINED && code != VMDRV_E_NOT_BUILT &&
         code != VMDRV_E_TOOL) ||
        vmdrv_local_driver(m->mgr, &c) != 0) {
        cli_print_warnings(m);
        cli_error("%s", why);
        free(why);
        cli_mgr_close(m);
        return CLI_FAIL;
    }
    vu_strlcpy(m->scope_name, c.name, sizeof m->scope_name);
    vu_strlcpy(m->driver_name, c.driver, sizeof m->driver_name);
    cli_print_warnings(m);
    cli_warn("%s; showing the states recorded in the '%s' scope", why,
             c.name);
    free(why);
    *offline = 1;
    return 0;
}

int cli_records(cli_mgr *m, vmdrv_records *out, unsigned int flags)
{
    if (m->scope)
        return vmdrv_scope_records(m->scope, out, flags);
    int rc = vmdrv_records_load(m->ctx, m->scope_name, out);
    if (rc || (flags & VMDRV_SCOPE_DELETED))
        return rc;
    size_t k = 0;
    for (size_t i = 0; i < out->count; i++) {
        if (out->items[i].deleted)
            vmdrv_record_clear(&out->items[i]);
        else
            out->items[k++] = out->items[i];
    }
    out->count = k;
    return 0;
}

void cli_print_warnings(cli_mgr *m)
{
    if (!m->mgr)
        return;
    for (size_t i = 0; i < vmdrv_manager_warning_count(m->mgr); i++)
        cli_warn("%s", vmdrv_manager_warning(m->mgr, i));
    vmdrv_manager_clear_warnings(m->mgr);
}

void cli_mgr_close(cli_mgr *m)
{
    cli_print_warnings(m);
    vmdrv_scope_close(m->scope);
    vmdrv_manager_free(m->mgr);
    vmdrv_ctx_free(m->ctx);
    memset(m, 0, sizeof *m);
}

int cli_fail(cli_mgr *m, const char *what)
{
    cli_print_warnings(m);
    cli_error("%s failed: %s", what, vmdrv_last_error(m->ctx)->message);
    return CLI_FAIL;
}

int cli_check_instance(const char *cmd, const char *name)
{
    if (vmdrv_name_valid(name))
        return 0;
    return cli_usage(cmd,
                     "invalid instance name '%s': use letters, digits and "
                     "hyphens, start with a letter, end with a letter or "
                     "digit, at most 63 characters",
                     name);
}

const char *cli_state_display(vmdrv_state state, int deleted)
{
    if (deleted)
        return "Deleted";
    switch (state) {
    case VMDRV_STATE_OFF:
    case VMDRV_STATE_STOPPED:
        return "Stopped";
    case VMDRV_STATE_STARTING:
        return "Starting";
    case VMDRV_STATE_RESTARTING:
        return "Restarting";
    case VMDRV_STATE_RUNNING:
        return "Running";
    case VMDRV_STATE_DELAYED_SHUTDOWN:
        return "Delayed Shutdown";
    case VMDRV_STATE_SUSPENDING:
        return "Suspending";
    case VMDRV_STATE_SUSPENDED:
        return "Suspended";
    case VMDRV_STATE_UNKNOWN:
        return "Unknown";
    case VMDRV_STATE_UNAVAILABLE:
        return "Unavailable";
    }
    return "Unknown";
}

int cli_all_names(cli_mgr *m, vmdrv_names *out, unsigned int flags)
{
    vmdrv_records recs;
    memset(out, 0, sizeof *out);
    int rc = cli_records(m, &recs, flags);
    if (rc)
        return rc;
    for (size_t i = 0; i < recs.count; i++)
        vmdrv_names_add(out, recs.items[i].name);
    vmdrv_records_clear(&recs);
    return 0;
}

void cli_print_report(FILE *f, const vmdrv_report *rep)
{
    for (size_t i = 0; i < rep->count; i++) {
        const vmdrv_report_entry *e = &rep->items[i];
        const char *b = vmdrv_state_name(e->before);
        const char *a = vmdrv_state_name(e->after);
        fprintf(f, "  %s/%s: %s", e->scope, e->name,
                vmdrv_report_action_name(e->action));
        if (e->before != e->after)
            fprintf(f, " (%s -> %s)", b ? b : "?", a ? a : "?");
        else if (b && e->action != VMDRV_ACT_FAILED)
            fprintf(f, " (%s)", b);
        if (e->message[0])
            fprintf(f, ": %s", e->message);
        fputc('\n', f);
    }
}

void cli_print_json(json_t *j)
{
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (s)
        puts(s);
    free(s);
    json_decref(j);
}

int cli_run_each(cli_env *env, const char *cmd, char **names, int n, int all,
                 unsigned int all_flags, cli_instance_fn fn,
                 unsigned int flags)
{
    cli_mgr m;
    vmdrv_names list = {0};
    int rc = CLI_OK;
    if (all && n > 0)
        return cli_usage(cmd, "give instance names or --all, not both");
    if (!all && n == 0)
        return cli_usage(cmd, "which instance? (give names, or --all)");
    for (int i = 0; i < n; i++)
        if ((rc = cli_check_instance(cmd, names[i])))
            return rc;
    if (cli_scope_open(env, &m))
        return CLI_FAIL;
    if (all) {
        if (cli_all_names(&m, &list, all_flags) != 0) {
            rc = cli_fail(&m, cmd);
            cli_mgr_close(&m);
            return rc;
        }
    } else {
        for (int i = 0; i < n; i++)
            vmdrv_names_add(&list, names[i]);
    }
    for (size_t i = 0; i < list.count; i++)
        if (fn(m.scope, list.names[i], flags) != 0)
            rc = cli_fail(&m, cmd);
    vmdrv_names_clear(&list);
    cli_mgr_close(&m);
    return rc;
}
