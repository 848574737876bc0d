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

static vmdrv_conn *open_entry(const vc_ledger_entry *e, vmdrv_ctx **ctx)
{
    char err[512];
    vmdrv_conn *conn = NULL;
    if (vmdrv_ctx_open(ctx, e->data_dir, err, sizeof err) != 0)
        return NULL;
    if ((e->profile && vmdrv_ctx_use_profile(*ctx, e->profile) != 0) ||
        vmdrv_conn_open(&conn, *ctx, e->driver, e->scope, NULL, 0) != 0) {
        vmdrv_ctx_free(*ctx);
        *ctx = NULL;
        return NULL;
    }
    return conn;
}

/* "vmdrvc-<run>-" of a tagged name, to find the run's other objects. */
static void run_prefix(const char *name, char *buf, size_t size)
{
    const char *p = name + strlen("vmdrvc-");
    size_t len = strcspn(p, "-");
    snprintf(buf, size, "vmdrvc-%.*s-", (int)len, p);
}

int vc_sweep(const char *work_dir, int dry_run, int verbose, FILE *out)
{
    vu_strv ledgers = VU_STRV_INIT;
    int failed = 0;
    size_t removed = 0;
    vc__glob_ledgers(work_dir, &ledgers);
    for (size_t l = 0; l < ledgers.n; l++) {
        vc_ledger_entry *e;
        size_t n = vc__ledger_read(ledgers.v[l], &e);
        int left = 0;
        /* recorded objects, newest first */
        for (size_t i = n; i-- > 0;) {
            vmdrv_ctx *ctx;
            vmdrv_conn *conn = open_entry(&e[i], &ctx);
            if (!conn) {
                fprintf(out, "vmdrv sweep: cannot open %s scope '%s' in '%s'\n",
                        e[i].driver, e[i].scope, e[i].data_dir);
                left++;
                continue;
            }
            vmdrv_state s;
            if (vmdrv_instance_state(conn, e[i].name, &s, 0) != VMDRV_E_NOTFOUND) {
                if (dry_run) {
                    fprintf(out, "would remove %s/%s/%s\n", e[i].driver,
                            e[i].scope, e[i].name);
                    left++;
                } else {
                    vmdrv_instance_stop(conn, e[i].name, VMDRV_STOP_FORCE);
                    if (vmdrv_instance_delete(conn, e[i].name, 0) == 0) {
                        removed++;
                        if (verbose)
                            fprintf(out, "removed %s/%s/%s\n", e[i].driver,
                                    e[i].scope, e[i].name);
                    } else {
                        fprintf(out, "vmdrv sweep: cannot remove %s/%s/%s: %s\n",
                                e[i].driver, e[i].scope, e[i].name,
                                vmdrv_last_error(ctx)->message);
                        left++;
                    }
                }
            }
            /* tagged instances nobody recorded (a leak) in that scope */
            char prefix[64];
            run_prefix(e[i].name, prefix, sizeof prefix);
            vmdrv_names names = {0};
            if (vmdrv_instance_list(conn, &names, 0) == 0) {
                for (size_t k = 0; k < names.count; k++) {
                    if (!vu_starts_with(names.names[k], prefix))
                        continue;
                    if (dry_run) {
                        fprintf(out, "would remove %s/%s/%s\n", e[i].driver,
                                e[i].scope, names.names[k]);
                        left++;
                        continue;
                    }
                    vmdrv_instance_stop(conn, names.names[k], VMDRV_STOP_FORCE);
                    if (vmdrv_instance_delete(conn, names.names[k], 0) == 0) {
                        removed++;
                    } else {
                        fprintf(out, "vmdrv sweep: cannot remove %s/%s/%s: %s\n",
                                e[i].driver, e[i].scope, names.names[k],
                                vmdrv_last_error(ctx)->message);
                        left++;
                    }
                }
            }
            vmdrv_names_clear(&names);
            vmdrv_conn_close(conn);
            vmdrv_ctx_free(ctx);
        }
        if (!left && !dry_run)
            unlink(ledgers.v[l]);
        failed |= left != 0;
        vc__ledger_free(e, n);
    }
    if (!dry_run)
        fprintf(out, "vmdrv sweep: %zu object%s removed, %zu ledger%s read\n",
                removed, removed == 1 ? "" : "s", ledgers.n,
                ledgers.n == 1 ? "" : "s");
    vu_strv_clear(&ledgers);
    return failed ? 1 : 0;
}
