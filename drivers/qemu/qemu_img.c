/*
 * qemu_img.c: the qemu-img commands the driver needs, run through the
 * SDK's process runner: create a qcow2 disk (or an overlay on a template
 * disk), list internal snapshots (-l -U, which also works while QEMU
 * holds the image), create/apply/delete them offline, and read the
 * image's description as JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "qemu.h"
#include "vu_regex.h"

#define IMG_TIMEOUT_MS 120000

void qemu_img_snaps_clear(qemu_img_snaps *s)
{
    free(s->items);
    s->items = NULL;
    s->count = 0;
}

const qemu_img_snap *qemu_img_snaps_find(const qemu_img_snaps *s,
                                         const char *tag)
{
    for (size_t i = 0; i < s->count; i++)
        if (strcmp(s->items[i].tag, tag) == 0)
            return &s->items[i];
    return NULL;
}

/* Run qemu-img with argv; on failure set an error that says what `what`
 * was and what qemu-img printed. *out (owned) gets stdout when not NULL. */
static int run_img(vmdrv_ctx *ctx, const char *const *argv, const char *what,
                   char **out)
{
    vmdrv_proc_spec spec = {.argv = argv, .timeout_ms = IMG_TIMEOUT_MS};
    vmdrv_proc_result r;
    if (out)
        *out = NULL;
    int rc = vmdrv_proc_run(ctx, &spec, &r);
    if (rc) {
        vmdrv_proc_result_clear(&r);
        return rc;
    }
    if (r.timed_out || !r.exited || r.status != 0) {
        char *err = vu_str_trim(r.err_len ? r.err : r.out);
        if (r.timed_out)
            rc = qemu_err(ctx, VMDRV_E_TIMEOUT, 0,
                          "cannot %s: qemu-img did not finish within %d s",
                          what, IMG_TIMEOUT_MS / 1000);
        else
            rc = qemu_err(ctx, VMDRV_E_TOOL, r.exited ? r.status : -r.signal,
                          "cannot %s: qemu-img failed (%s %d): %s", what,
                          r.exited ? "exit" : "signal",
                          r.exited ? r.status : r.signal,
                          *err ? err : "no message");
        vmdrv_proc_result_clear(&r);
        return rc;
    }
    if (out) {
        *out = r.out;
        r.out = NULL;
    }
    vmdrv_proc_result_clear(&r);
    return 0;
}

int qemu_img_create(vmdrv_ctx *ctx, const char *tool, const char *path,
                    uint64_t size_mb, const char *backing)
{
    char size[32], what[1100];
    snprintf(size, sizeof size, "%lluM", (unsigned long long)size_mb);
    snprintf(what, sizeof what, "create disk '%s'", path);
    if (backing) {
        const char *argv[] = {tool,    "create", "-q",    "-f", "qcow2", "-F",
                              "qcow2", "-b",     backing, path, size,    NULL};
        return run_img(ctx, argv, what, NULL);
    }
    const char *argv[] = {tool,    "create", "-q", "-f",
                          "qcow2", path,     size, NULL};
    return run_img(ctx, argv, what, NULL);
}

/* "66.2 MiB", "0 B": bytes (approximate, enough to tell zero). */
static uint64_t parse_size(const char *num, const char *unit)
{
    double v = strtod(num, NULL);
    const char *units = "BKMGTPE";
    const char *u = strchr(units, unit[0]);
    for (long i = u ? u - units : 0; i > 0; i--)
        v *= 1024.0;
    return (uint64_t)v;
}

int qemu_img_parse_snapshots(const char *text, qemu_img_snaps *out)
{
    /*
     * ID  TAG  VM SIZE  DATE  VM CLOCK  ICOUNT, e.g.
     * 1         snap1             66.2 MiB 2026-11-27 03:30:48 00:00:04.127
     * ICOUNT is missing in older versions; a TAG never holds blanks when
     * vmdrv made it (snapshot names are validated).
     */
    static const char *pat =
        "^\\s*(\\S+)\\s+(\\S+)\\s+([0-9.]+)\\s*([BKMGTPE])i?B?\\s+"
        "(\\d{4})-(\\d\\d)-(\\d\\d) (\\d\\d):(\\d\\d):(\\d\\d)\\s";
    char err[128];
    vu_regex *re = vu_regex_new(pat, 0, err, sizeof err);
    out->items = NULL;
    out->count = 0;
    if (!re)
        return VMDRV_E_INTERNAL; /* the pattern is fixed: cannot happen */
    size_t cap = 0;
    const char *line = text;
    while (line && *line) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        char *l = vu_strndup(line, len);
        long g[22];
        if (vu_regex_match(re, l, len, 0, g, 11) == 1) {
            char f[11][64];
            for (int i = 1; i <= 10; i++)
                vu_regex_group(l, g, i, f[i], sizeof f[i]);
            if (out->count == cap) {
                cap = cap ? cap * 2 : 8;
                out->items = vu_realloc(out->items, cap * sizeof *out->items);
            }
            qemu_img_snap *s = &out->items[out->count++];
            memset(s, 0, sizeof *s);
            vu_strlcpy(s->id, f[1], sizeof s->id);
            vu_strlcpy(s->tag, f[2], sizeof s->tag);
            s->vm_state_bytes = parse_size(f[3], f[4]);
            struct tm tm = {0};
            tm.tm_year = atoi(f[5]) - 1900;
            tm.tm_mon = atoi(f[6]) - 1;
            tm.tm_mday = atoi(f[7]);
            tm.tm_hour = atoi(f[8]);
            tm.tm_min = atoi(f[9]);
            tm.tm_sec = atoi(f[10]);
            tm.tm_isdst = -1; /* qemu-img prints local time */
            s->date = (long long)mktime(&tm);
        }
        free(l);
        line = nl ? nl + 1 : NULL;
    }
    vu_regex_free(re);
    return 0;
}

int qemu_img_snapshot_list(vmdrv_ctx *ctx, const char *tool, const char *path,
                           qemu_img_snaps *out)
{
    char what[1100];
    char *text;
    out->items = NULL;
    out->count = 0;
    snprintf(what, sizeof what, "list the snapshots of '%s'", path);
    const char *argv[] = {tool, "snapshot", "-l", "-U", path, NULL};
    int rc = run_img(ctx, argv, what, &text);
    if (rc)
        return rc;
    if (qemu_img_parse_snapshots(text, out) != 0)
        rc = qemu_err(ctx, VMDRV_E_INTERNAL, 0,
                      "cannot parse the snapshot list of '%s'", path);
    free(text);
    return rc;
}

int qemu_img_snapshot(vmdrv_ctx *ctx, const char *tool, const char *path,
                      char op, const char *tag)
{
    const char *flag, *verb;
    switch (op) {
    case 'c':
        flag = "-c";
        verb = "create";
        break;
    case 'a':
        flag = "-a";
        verb = "apply";
        break;
    case 'd':
        flag = "-d";
        verb = "delete";
        break;
    default:
        return qemu_err(ctx, VMDRV_E_INVAL, 0,
                        "unknown qemu-img snapshot operation '%c'", op);
    }
    char what[1200];
    snprintf(what, sizeof what, "%s snapshot '%s' of '%s'", verb, tag, path);
    const char *argv[] = {tool, "snapshot", flag, tag, path, NULL};
    return run_img(ctx, argv, what, NULL);
}

int qemu_img_info(vmdrv_ctx *ctx, const char *tool, const char *path,
                  json_t **out)
{
    char what[1100];
    char *text;
    *out = NULL;
    snprintf(what, sizeof what, "describe disk '%s'", path);
    const char *argv[] = {tool, "info", "-U", "--output=json", path, NULL};
    int rc = run_img(ctx, argv, what, &text);
    if (rc)
        return rc;
    json_error_t jerr;
    *out = json_loads(text, 0, &jerr);
    if (!*out)
        rc = qemu_err(ctx, VMDRV_E_PARSE, 0,
                      "qemu-img info of '%s' is not JSON: %s", path, jerr.text);
    free(text);
    return rc;
}
