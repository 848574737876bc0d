/*
 * sweep.c: `vmdrv sweep`: remove what earlier conformance runs left.
 *
 * Every case writes each object to its ledger before creating it; the
 * runner deletes a ledger once the case's teardown and audit found
 * nothing left. A ledger that still exists therefore names objects that
 * may be left (a crash of the runner itself, --keep-on-failure, a leak).
 * The sweep deletes each of them, then audits every scope a ledger names
 * for instances that carry the run's tag, and removes the ledger when
 * nothing is left.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner_priv.h"
#include "vu_fs.h"

int vc__glob_ledgers(const char *work_dir, vu_strv *out)
{
    char *runs = vu_path_join(work_dir, "runs");
    DIR *d = opendir(runs);
    if (!d) {
        free(runs);
        return 0;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char *run = vu_path_join(runs, e->d_name);
        char *cases = vu_path_join(run, "cases");
        DIR *c = opendir(cases);
        struct dirent *ce;
        while (c && (ce = readdir(c)) != NULL) {
            if (ce->d_name[0] == '.')
                continue;
            char *job = vu_path_join(cases, ce->d_name);
            char *ledger = vu_path_join(job, "ledger");
            if (vu_path_exists(ledger))
                vu_strv_add(out, ledger);
            free(ledger);
            free(job);
        }
        if (c)
            closedir(c);
        free(cases);
        free(run);
    }
    closedir(d);
    free(runs);
    return 0;
}

size_t vc__ledger_read(const char *path, vc_ledger_entry **out)
{
    char *text;
    size_t n = 0;
    *out = NULL;
    if (vu_read_file(path, &text, NULL) != 0)
        return 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char *f[5];
        int k = 0;
        char *s2 = NULL;
        for (char *t = strtok_r(line, "\t", &s2); t && k < 5;
             t = strtok_r(NULL, "\t", &s2))
            f[k++] = t;
        if (k != 5)
            continue;
        *out = vu_realloc(*out, (n + 1) * sizeof **out);
        vc_ledger_entry *en = &(*out)[n++];
        en->data_dir = vu_strdup(f[0]);
        en->driver = vu_strdup(f[1]);
        en->scope = vu_strdup(f[2]);
        en->name = vu_strdup(f[3]);
        en->profile = strcmp(f[4], "-") ? vu_strdup(f[4]) : NULL;
    }
    free(text);
    return n;
}

void vc__ledger_free(vc_ledger_entry *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(e[i].data_dir);
        free(e[i].driver);
        free(e[i].scope);
        free(e[i].name);
        free(e[i].profile);
    }
    free(e);
}

/* ---- scopes named by ledgers ------------------------------------------ */

typedef struct scope_slot {
    char *key;       /* data_dir, profile, driver, scope */
    vmdrv_ctx *ctx;
    vmdrv_conn *conn; /* NULL when it could not be opened */
} scope_slot;

struct vc_scopes {
    scope_slot *v;
    size_t n;
    const vu_strv *libs;
};

vc_scopes *vc__scopes_new(const vu_strv *libs)
{
    vc_scopes *c = vu_calloc(1, sizeof *c);
    c->libs = libs;
    return c;
}

void vc__scopes_free(vc_scopes *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        vmdrv_conn_close(c->v[i].conn);
        vmdrv_ctx_free(c->v[i].ctx);
        free(c->v[i].key);
    }
    free(c->v);
    free(c);
}

/*
 * The connection for the scope an entry names, opened once: loading a
 * profile asks its tools for their versions, so a ledger whose entries
 * share a scope must not pay that for each of them.
 */
vmdrv_conn *vc__scopes_get(vc_scopes *c, const vc_ledger_entry *e,
                           vmdrv_ctx **ctx)
{
    char *key = vu_asprintf("%s\t%s\t%s\t%s", e->data_dir,
                            e->profile ? e->profile : "-", e->driver, e->scope);
    for (size_t i = 0; i < c->n; i++) {
        if (strcmp(c->v[i].key, key) == 0) {
            free(key);
            *ctx = c->v[i].ctx;
            return c->v[i].conn;
        }
    }
    scope_slot slot = {.key = key};
    char err[512];
    if (vmdrv_ctx_open(&slot.ctx, e->data_dir, err, sizeof err) == 0) {
        int ok = !e->profile || vmdrv_ctx_use_profile(slot.ctx, e->profile) == 0;
        for (size_t i = 0; ok && c->libs && i < c->libs->n; i++)
            vmdrv_driver_load(slot.ctx, c->libs->v[i]);
        if (!ok || vmdrv_conn_open(&slot.conn, slot.ctx, e->driver, e->scope,
                                   NULL, 0) != 0)
            slot.conn = NULL;
    }
    c->v = vu_realloc(c->v, (c->n + 1) * sizeof *c->v);
    c->v[c->n++] = slot;
    *ctx = slot.ctx;
    return slot.conn;
}

int vc__remove_instance(vmdrv_conn *conn, const char *name)
{
    vmdrv_state s;
    if (vmdrv_instance_state(conn, name, &s, 0) == VMDRV_E_NOTFOUND)
        return 0;
    vmdrv_instance_stop(conn, name, VMDRV_STOP_FORCE);
    if (vmdrv_instance_delete(conn, name, 0) == 0)
        return 1;
    return vmdrv_instance_state(conn, name, &s, 0) == VMDRV_E_NOTFOUND ? 1 : -1;
}

/* "vmdrvc-<run>-" of a tagged name, to find the run's other objects. */
static void run_prefix(const char *name, char *buf, size_t size)
{
    const char *p = name + strlen("vmdrvc-");
    size_t len = strcspn(p, "-");
    snprintf(buf, size, "vmdrvc-%.*s-", (int)len, p);
}

/* Remove (or, dry, list) one left instance; 1 when it is still there. */
static int sweep_one(vmdrv_ctx *ctx, vmdrv_conn *conn, const vc_ledger_entry *e,
                     const char *name, int dry_run, int verbose, FILE *out,
                     size_t *removed)
{
    vmdrv_state s;
    if (vmdrv_instance_state(conn, name, &s, 0) == VMDRV_E_NOTFOUND)
        return 0;
    if (dry_run) {
        fprintf(out, "would remove %s/%s/%s\n", e->driver, e->scope, name);
        return 1;
    }
    if (vc__remove_instance(conn, name) < 0) {
        fprintf(out, "vmdrv sweep: cannot remove %s/%s/%s: %s\n", e->driver,
                e->scope, name, vmdrv_last_error(ctx)->message);
        return 1;
    }
    (*removed)++;
    if (verbose)
        fprintf(out, "removed %s/%s/%s\n", e->driver, e->scope, name);
    return 0;
}

int vc_sweep(const char *work_dir, const vu_strv *libs, int dry_run,
             int verbose, FILE *out)
{
    vu_strv ledgers = VU_STRV_INIT;
    int failed = 0;
    size_t removed = 0;
    vc__glob_ledgers(work_dir, &ledgers);
    vc_scopes *scopes = vc__scopes_new(libs);
    for (size_t l = 0; l < ledgers.n; l++) {
        vc_ledger_entry *e;
        size_t n = vc__ledger_read(ledgers.v[l], &e);
        int left = 0;
        /* recorded objects, newest first */
        for (size_t i = n; i-- > 0;) {
            vmdrv_ctx *ctx;
            vmdrv_conn *conn = vc__scopes_get(scopes, &e[i], &ctx);
            if (!conn) {
                fprintf(out, "vmdrv sweep: cannot open %s scope '%s' in '%s'\n",
                        e[i].driver, e[i].scope, e[i].data_dir);
                left++;
                continue;
            }
            left += sweep_one(ctx, conn, &e[i], e[i].name, dry_run, verbose,
                              out, &removed);
            /* tagged instances nobody recorded (a leak) in that scope */
            char prefix[64];
            run_prefix(e[i].name, prefix, sizeof prefix);
            vmdrv_names names = {0};
            if (vmdrv_instance_list(conn, &names, 0) == 0)
                for (size_t k = 0; k < names.count; k++)
                    if (vu_starts_with(names.names[k], prefix))
                        left += sweep_one(ctx, conn, &e[i], names.names[k],
                                          dry_run, verbose, out, &removed);
            vmdrv_names_clear(&names);
        }
        if (!left && !dry_run)
            unlink(ledgers.v[l]);
        failed |= left != 0;
        vc__ledger_free(e, n);
    }
    vc__scopes_free(scopes);
    if (!dry_run)
        fprintf(out, "vmdrv sweep: %zu object%s removed, %zu ledger%s read\n",
                removed, removed == 1 ? "" : "s", ledgers.n,
                ledgers.n == 1 ? "" : "s");
    vu_strv_clear(&ledgers);
    return failed ? 1 : 0;
}
