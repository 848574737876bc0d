/*
 * vbox_parse.c: readers for VBoxManage's outputs (see vbox_parse.h).
 *
 * Every reader accepts LF and CRLF line ends, because VBoxManage on
 * Windows writes CRLF, and none of them depends on line numbers or on the
 * order of keys, which change between VirtualBox releases.
 */
#include "vbox_parse.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmdrv/sys/meta.h"
#include "vu_regex.h"
#include "vu_str.h"

static void set_err(char *err, size_t size, const char *fmt, ...)
    VU_PRINTF(3, 4);

static void set_err(char *err, size_t size, const char *fmt, ...)
{
    if (!err || !size)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, size, fmt, ap);
    va_end(ap);
}

#define GROW(list)                                                             \
    do {                                                                       \
        if ((list)->n == (list)->cap) {                                        \
            (list)->cap = (list)->cap ? (list)->cap * 2 : 16;                  \
            (list)->items = vu_realloc((list)->items,                          \
                                       (list)->cap * sizeof *(list)->items);   \
        }                                                                      \
    } while (0)

char *vbox_crlf_to_lf(char *s)
{
    char *w = s;
    for (const char *r = s; *r; r++)
        if (!(r[0] == '\r' && r[1] == '\n'))
            *w++ = *r;
    *w = '\0';
    return s;
}

/* ---- key="value" ----------------------------------------------------- */

/*
 * A quoted string starting at *p (on the opening quote): unescape \" and
 * \\, count the newlines it spans. NULL when the closing quote is missing.
 */
static char *read_quoted(const char **p, int *lines)
{
    const char *s = *p + 1;
    vu_buf b = VU_BUF_INIT;
    for (; *s && *s != '"'; s++) {
        if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
            s++;
        if (*s == '\r' && s[1] == '\n')
            continue;
        if (*s == '\n')
            (*lines)++;
        vu_buf_putc(&b, *s);
    }
    if (*s != '"') {
        vu_buf_clear(&b);
        return NULL;
    }
    *p = s + 1;
    return vu_buf_detach(&b);
}

int vbox_mr_parse(const char *text, vbox_mr *out, char *err, size_t size)
{
    const char *p = text;
    int line = 1;
    int rc = 0;
    char *key = NULL;
    while (*p) {
        if (*p == '\n' || (*p == '\r' && p[1] == '\n')) {
            p += *p == '\r' ? 2 : 1;
            line++;
            continue;
        }
        int start_line = line;
        if (*p == '"') {
            key = read_quoted(&p, &line);
            if (!key) {
                set_err(err, size, "line %d: unterminated quoted key",
                        start_line);
                rc = -1;
                goto cleanup;
            }
        } else {
            size_t len = strcspn(p, "=\n");
            if (p[len] != '=') {
                /* not a key=value line: nothing a driver reads, skip it */
                p += len;
                continue;
            }
            key = vu_strndup(p, len);
            p += len;
        }
        if (*p != '=') {
            set_err(err, size, "line %d: no '=' after key '%s'", start_line,
                    key);
            rc = -1;
            goto cleanup;
        }
        p++;
        char *value;
        int quoted = *p == '"';
        if (quoted) {
            value = read_quoted(&p, &line);
            if (!value) {
                set_err(err, size, "line %d: unterminated quoted value of '%s'",
                        start_line, key);
                rc = -1;
                goto cleanup;
            }
            if (*p && *p != '\n' && !(*p == '\r' && p[1] == '\n')) {
                /* VideoMode="1024,768,32"@0,0 1 really is printed so; but
                 * text after a value that spans lines means a quote went
                 * astray */
                if (line != start_line) {
                    set_err(err, size,
                            "line %d: text after the closing quote of '%s'",
                            line, key);
                    free(value);
                    rc = -1;
                    goto cleanup;
                }
                p += strcspn(p, "\n");
            }
        } else {
            size_t len = strcspn(p, "\n");
            size_t vlen = len && p[len - 1] == '\r' ? len - 1 : len;
            value = vu_strndup(p, vlen);
            p += len;
        }
        GROW(out);
        out->items[out->n++] = (vbox_kv){key, value, quoted};
        key = NULL;
    }
cleanup:
    free(key);
    return rc;
}

const char *vbox_mr_get(const vbox_mr *mr, const char *key)
{
    for (size_t i = 0; i < mr->n; i++)
        if (strcmp(mr->items[i].key, key) == 0)
            return mr->items[i].value;
    return NULL;
}

void vbox_mr_clear(vbox_mr *mr)
{
    for (size_t i = 0; i < mr->n; i++) {
        free(mr->items[i].key);
        free(mr->items[i].value);
    }
    free(mr->items);
    memset(mr, 0, sizeof *mr);
}

/* ---- VMState --------------------------------------------------------- */

/*
 * All short names of machineStateToName(). The first block follows
 * Multipass's virtualbox backend (starting/restoring -> starting;
 * running, paused, onlinesnapshotting, stopping -> running; saving ->
 * suspending; saved -> suspended; poweroff, aborted -> stopped). The rest
 * Multipass leaves "unknown"; they are mapped by what the machine is
 * doing: a saved state that survived an abort can be resumed like a saved
 * one; live operations keep the guest running; offline snapshot and
 * set-up work happens on a machine that is off; a guru meditation is a
 * dead guest VirtualBox still holds, which only a power-off clears.
 */
static const vmdrv_state_map vmstates[] = {
    {"poweroff", VMDRV_STATE_STOPPED, 0},
    {"aborted", VMDRV_STATE_STOPPED, 0},
    {"saved", VMDRV_STATE_SUSPENDED, 0},
    {"running", VMDRV_STATE_RUNNING, 0},
    {"paused", VMDRV_STATE_RUNNING, 0},
    {"starting", VMDRV_STATE_STARTING, 1},
    {"restoring", VMDRV_STATE_STARTING, 1},
    {"stopping", VMDRV_STATE_RUNNING, 1},
    {"onlinesnapshotting", VMDRV_STATE_RUNNING, 1},
    {"saving", VMDRV_STATE_SUSPENDING, 1},
    {"aborted-saved", VMDRV_STATE_SUSPENDED, 0},
    {"gurumeditation", VMDRV_STATE_UNKNOWN, 0},
    {"teleported", VMDRV_STATE_STOPPED, 0},
    {"teleporting", VMDRV_STATE_RUNNING, 1},
    {"teleportingpausedvm", VMDRV_STATE_RUNNING, 1},
    {"teleportingin", VMDRV_STATE_STARTING, 1},
    {"livesnapshotting", VMDRV_STATE_RUNNING, 1},
    {"deletingsnapshotlive", VMDRV_STATE_RUNNING, 1},
    {"deletingsnapshotlivepaused", VMDRV_STATE_RUNNING, 1},
    {"restoringsnapshot", VMDRV_STATE_STOPPED, 1},
    {"deletingsnapshot", VMDRV_STATE_STOPPED, 1},
    {"settingup", VMDRV_STATE_STOPPED, 1},
    {"snapshotting", VMDRV_STATE_STOPPED, 1},
};

#define N_VMSTATES (sizeof vmstates / sizeof vmstates[0])

int vbox_state_from_name(const char *vmstate, vmdrv_state *state,
                         int *transient)
{
    /* every name in the table matches [a-z-]+: an exact match is enough */
    return vmdrv_state_map_find(vmstates, N_VMSTATES, vmstate, state,
                                transient);
}

const char *vbox_state_name_at(size_t i)
{
    return i < N_VMSTATES ? vmstates[i].name : NULL;
}

/* ---- list vms -------------------------------------------------------- */

int vbox_parse_list_vms(const char *text, vbox_vms *out, char *err, size_t size)
{
    const char *p = text;
    char *line;
    int n = 0;
    while ((line = vu_str_next_line(&p))) {
        n++;
        size_t len = strlen(line);
        if (len == 0) {
            free(line);
            continue;
        }
        /* the name is not escaped, so it may hold `" {`: use the last */
        char *sep = NULL;
        for (char *s = strstr(line, "\" {"); s; s = strstr(s + 1, "\" {"))
            sep = s;
        if (line[0] != '"' || !sep || sep == line || line[len - 1] != '}' ||
            (size_t)(line + len - 1 - (sep + 3)) >= sizeof out->items->uuid) {
            set_err(err, size, "line %d: expected '\"NAME\" {UUID}', got '%s'",
                    n, line);
            free(line);
            return -1;
        }
        GROW(out);
        vbox_vm *vm = &out->items[out->n++];
        vm->name = vu_strndup(line + 1, (size_t)(sep - line - 1));
        size_t ulen = (size_t)(line + len - 1 - (sep + 3));
        memcpy(vm->uuid, sep + 3, ulen);
        vm->uuid[ulen] = '\0';
        free(line);
    }
    return 0;
}

void vbox_vms_clear(vbox_vms *vms)
{
    for (size_t i = 0; i < vms->n; i++)
        free(vms->items[i].name);
    free(vms->items);
    memset(vms, 0, sizeof *vms);
}

/* ---- list bridgedifs ------------------------------------------------- */

static int finish_block(vbox_bridgedifs *out, vbox_bridgedif *cur, int *open,
                        int line, char *err, size_t size)
{
    if (!*open)
        return 0;
    *open = 0;
    if (!cur->name[0]) {
        set_err(err, size, "line %d: interface block without a Name: line",
                line);
        return -1;
    }
    /* "en0: Wi-Fi (AirPort)" on macOS; a bare name elsewhere */
    const char *colon = strstr(cur->name, ": ");
    if (colon && colon != cur->name) {
        size_t n = (size_t)(colon - cur->name);
        if (n >= sizeof cur->ifname)
            n = sizeof cur->ifname - 1;
        memcpy(cur->ifname, cur->name, n);
        cur->ifname[n] = '\0';
        vu_strlcpy(cur->description, colon + 2, sizeof cur->description);
    } else {
        vu_strlcpy(cur->ifname, cur->name, sizeof cur->ifname);
        vu_strlcpy(cur->description, cur->name, sizeof cur->description);
    }
    GROW(out);
    out->items[out->n++] = *cur;
    return 0;
}

int vbox_parse_bridgedifs(const char *text, vbox_bridgedifs *out, char *err,
                          size_t size)
{
    const char *p = text;
    char *line;
    int n = 0, open = 0, rc = 0;
    vbox_bridgedif cur;
    memset(&cur, 0, sizeof cur);
    while ((line = vu_str_next_line(&p))) {
        n++;
        char *colon = strchr(line, ':');
        if (!line[0] || !colon) {
            rc = finish_block(out, &cur, &open, n, err, size);
            free(line);
            if (rc)
                return rc;
            continue;
        }
        if (!open) {
            memset(&cur, 0, sizeof cur);
            open = 1;
        }
        *colon = '\0';
        char *label = vu_str_trim(line);
        char *value = vu_str_trim(colon + 1);
        if (strcmp(label, "Name") == 0)
            vu_strlcpy(cur.name, value, sizeof cur.name);
        else if (strcmp(label, "MediumType") == 0)
            vu_strlcpy(cur.medium, value, sizeof cur.medium);
        else if (strcmp(label, "Wireless") == 0)
            cur.wireless = strcmp(value, "Yes") == 0;
        else if (strcmp(label, "Status") == 0)
            vu_strlcpy(cur.status, value, sizeof cur.status);
        else if (strcmp(label, "HardwareAddress") == 0)
            vu_strlcpy(cur.hwaddr, value, sizeof cur.hwaddr);
        else if (strcmp(label, "IPAddress") == 0)
            vu_strlcpy(cur.ipaddr, value, sizeof cur.ipaddr);
        free(line);
    }
    return finish_block(out, &cur, &open, n, err, size);
}

void vbox_bridgedifs_clear(vbox_bridgedifs *list)
{
    free(list->items);
    memset(list, 0, sizeof *list);
}

/* ---- snapshots ------------------------------------------------------- */

/* 1 when s is a node suffix: "" or ("-" digits)+ */
static int node_suffix(const char *s)
{
    while (*s) {
        if (*s != '-' || !isdigit((unsigned char)s[1]))
            return 0;
        s++;
        while (isdigit((unsigned char)*s))
            s++;
    }
    return 1;
}

int vbox_snapshots_from_mr(const vbox_mr *mr, vbox_snaps *out, char *err,
                           size_t size)
{
    static const char prefix[] = "SnapshotName";
    const char *cur_node = vbox_mr_get(mr, "CurrentSnapshotNode");
    for (size_t i = 0; i < mr->n; i++) {
        const char *key = mr->items[i].key;
        if (!vu_starts_with(key, prefix) ||
            !node_suffix(key + sizeof prefix - 1))
            continue;
        const char *suffix = key + sizeof prefix - 1;
        char *k = vu_asprintf("SnapshotUUID%s", suffix);
        const char *uuid = vbox_mr_get(mr, k);
        free(k);
        k = vu_asprintf("SnapshotDescription%s", suffix);
        const char *desc = vbox_mr_get(mr, k);
        free(k);
        const char *parent = "";
        if (*suffix) {
            const char *last = strrchr(suffix, '-');
            char *pkey =
                vu_asprintf("%s%.*s", prefix, (int)(last - suffix), suffix);
            parent = vbox_mr_get(mr, pkey);
            if (!parent) {
                set_err(err, size, "snapshot node '%s' has no parent '%s'", key,
                        pkey);
                free(pkey);
                return -1;
            }
            free(pkey);
        }
        GROW(out);
        vbox_snap *s = &out->items[out->n++];
        s->name = vu_strdup(mr->items[i].value);
        s->uuid = vu_strdup(uuid ? uuid : "");
        s->parent = vu_strdup(parent);
        s->description = vu_strdup(desc ? desc : "");
        s->current = cur_node && strcmp(cur_node, key) == 0;
    }
    return 0;
}

void vbox_snaps_clear(vbox_snaps *list)
{
    for (size_t i = 0; i < list->n; i++) {
        free(list->items[i].name);
        free(list->items[i].uuid);
        free(list->items[i].parent);
        free(list->items[i].description);
    }
    free(list->items);
    memset(list, 0, sizeof *list);
}

int vbox_is_no_snapshots(const char *out)
{
    char *copy = vu_strdup(out ? out : "");
    int yes = strcmp(vu_str_trim(copy),
                     "This machine does not have any snapshots") == 0;
    free(copy);
    return yes;
}

/* ---- errors ---------------------------------------------------------- */

int vbox_is_progress_line(const char *line)
{
    /* "0%...10%...100%", possibly cut short by a failure: "0%...10%..." */
    const char *s = line;
    int steps = 0;
    while (*s) {
        if (!isdigit((unsigned char)*s))
            return 0;
        while (isdigit((unsigned char)*s))
            s++;
        if (*s++ != '%')
            return 0;
        steps++;
        if (strncmp(s, "...", 3) == 0)
            s += 3;
        else if (*s)
            return 0;
    }
    return steps > 0;
}

/*
 * The text after "<prog>: error: " when line is an error line of
 * VBoxManage; the program name is "VBoxManage", or "VBoxManage.exe" on
 * Windows, where IPRT keeps the extension in the short name.
 */
static const char *error_text(const char *line)
{
    static const char *const prefixes[] = {"VBoxManage: error: ",
                                           "VBoxManage.exe: error: "};
    for (size_t i = 0; i < 2; i++)
        if (vu_starts_with(line, prefixes[i]))
            return line + strlen(prefixes[i]);
    return NULL;
}

void vbox_parse_error(const char *err_text, vbox_error *out)
{
    memset(out, 0, sizeof *out);
    const char *p = err_text ? err_text : "";
    char *line;
    char fallback[512] = "";
    char reerr[128];
    vu_regex *code_re =
        vu_regex_new("^Details: code ([A-Za-z0-9_]+) \\((0x[0-9a-fA-F]+)\\)", 0,
                     reerr, sizeof reerr);
    while ((line = vu_str_next_line(&p))) {
        char *t = vu_str_trim(line);
        const char *msg = error_text(t);
        long g[6];
        if (msg && code_re && !out->code_name[0] &&
            vu_regex_match(code_re, msg, strlen(msg), 0, g, 3) == 1) {
            vu_regex_group(msg, g, 1, out->code_name, sizeof out->code_name);
            char hex[24];
            vu_regex_group(msg, g, 2, hex, sizeof hex);
            out->code = strtoul(hex, NULL, 16);
        } else if (msg && !out->found && !vu_starts_with(msg, "Details: ") &&
                   !vu_starts_with(msg, "Context: ")) {
            vu_strlcpy(out->message, msg, sizeof out->message);
            out->found = 1;
        } else if (!msg && !fallback[0] && *t && !vbox_is_progress_line(t)) {
            vu_strlcpy(fallback, t, sizeof fallback);
        }
        free(line);
    }
    vu_regex_free(code_re);
    if (!out->found)
        vu_strlcpy(out->message, fallback, sizeof out->message);
}

int vbox_error_status(const vbox_error *e, int exit_status)
{
    if (exit_status == 2)
        return VMDRV_E_TOOL; /* a usage error: the driver and tool disagree */
    if (strcmp(e->code_name, "VBOX_E_OBJECT_NOT_FOUND") == 0)
        return VMDRV_E_NOTFOUND;
    if (strcmp(e->code_name, "VBOX_E_INVALID_OBJECT_STATE") == 0 ||
        strcmp(e->code_name, "VBOX_E_INVALID_VM_STATE") == 0)
        return VMDRV_E_STATE;
    /* printed by controlvm without a Details line */
    if (strstr(e->message, "is not currently running"))
        return VMDRV_E_STATE;
    if (vu_starts_with(e->message, "Could not find a registered machine"))
        return VMDRV_E_NOTFOUND;
    return VMDRV_E_TOOL;
}

/* ---- version --------------------------------------------------------- */

int vbox_parse_version(const char *text, vbox_version *out)
{
    memset(out, 0, sizeof *out);
    char reerr[128];
    vu_regex *re =
        vu_regex_new("^(\\d+)\\.(\\d+)\\.(\\d+)([^r\\s]*)r(\\d+)\\r?\\n?$", 0,
                     reerr, sizeof reerr);
    if (!re)
        return -1;
    long g[12];
    int rc = -1;
    if (vu_regex_match(re, text, strlen(text), 0, g, 6) == 1) {
        char num[24];
        vu_regex_group(text, g, 1, num, sizeof num);
        out->major = atoi(num);
        vu_regex_group(text, g, 2, num, sizeof num);
        out->minor = atoi(num);
        vu_regex_group(text, g, 3, num, sizeof num);
        out->patch = atoi(num);
        vu_regex_group(text, g, 4, out->suffix, sizeof out->suffix);
        vu_regex_group(text, g, 5, num, sizeof num);
        out->revision = strtoul(num, NULL, 10);
        rc = 0;
    }
    vu_regex_free(re);
    return rc;
}
