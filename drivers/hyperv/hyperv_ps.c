/*
 * hyperv_ps.c: quoting, running and reading PowerShell for the Hyper-V
 * driver (see hyperv_ps.h for the rules).
 */
#include "hyperv_ps.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vu_str.h"

#define PS_PROGRAM "powershell.exe"
#define PS_PROLOGUE "$ProgressPreference='SilentlyContinue'; "
#define DEFAULT_TIMEOUT_S 300

/* ---- values ---------------------------------------------------------- */

/*
 * Decode one UTF-8 sequence at *p into *cp and advance; -1 for an invalid,
 * overlong or surrogate sequence.
 */
static int utf8_next(const unsigned char **p, unsigned long *cp)
{
    const unsigned char *s = *p;
    int extra;
    unsigned long c = s[0], min;
    if (c < 0x80) {
        *cp = c;
        *p = s + 1;
        return 0;
    }
    if ((c & 0xe0) == 0xc0) {
        extra = 1, c &= 0x1f, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
        extra = 2, c &= 0x0f, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
        extra = 3, c &= 0x07, min = 0x10000;
    } else {
        return -1;
    }
    for (int i = 1; i <= extra; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return -1;
        c = (c << 6) | (s[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return -1;
    *cp = c;
    *p = s + 1 + extra;
    return 0;
}

/* PowerShell ends a single-quoted string at any of these. */
static int is_single_quote(unsigned long cp)
{
    return cp == '\'' || (cp >= 0x2018 && cp <= 0x201b);
}

int hyperv_ps_value_ok(const char *value, const char **why)
{
    const char *reason = NULL;
    if (!value) {
        reason = "no value";
    } else {
        const unsigned char *p = (const unsigned char *)value;
        while (*p && !reason) {
            unsigned long cp;
            if (utf8_next(&p, &cp) < 0)
                reason = "it is not valid UTF-8";
            else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) ||
                     cp == 0x2028 || cp == 0x2029)
                reason = "it contains a control character or line break";
        }
    }
    if (reason && why)
        *why = reason;
    return reason == NULL;
}

int hyperv_ps_quote(vu_buf *out, const char *value, const char **why)
{
    if (!hyperv_ps_value_ok(value, why))
        return -1;
    vu_buf_putc(out, '\'');
    const unsigned char *p = (const unsigned char *)value;
    while (*p) {
        const unsigned char *start = p;
        unsigned long cp;
        utf8_next(&p, &cp); /* validated above */
        vu_buf_add(out, start, (size_t)(p - start));
        if (is_single_quote(cp))
            vu_buf_add(out, start, (size_t)(p - start));
    }
    vu_buf_putc(out, '\'');
    return 0;
}

int hyperv_ps_build(vu_buf *out, char *err, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = hyperv_ps_vbuild(out, err, size, fmt, ap);
    va_end(ap);
    return rc;
}

int hyperv_ps_vbuild(vu_buf *out, char *err, size_t size, const char *fmt,
                     va_list ap)
{
    int rc = 0;
    for (const char *f = fmt; *f && rc == 0; f++) {
        if (*f != '%') {
            vu_buf_putc(out, *f);
            continue;
        }
        const char *why = NULL;
        const char *s;
        switch (*++f) {
        case 'q':
            s = va_arg(ap, const char *);
            if (hyperv_ps_quote(out, s, &why) < 0) {
                if (err && size)
                    snprintf(err, size,
                             "'%s' cannot be handed to PowerShell: %s",
                             s ? s : "(null)", why);
                rc = -1;
            }
            break;
        case 's':
            vu_buf_puts(out, va_arg(ap, const char *));
            break;
        case 'd':
            vu_buf_printf(out, "%d", va_arg(ap, int));
            break;
        case 'U':
            vu_buf_printf(out, "%llu", va_arg(ap, unsigned long long));
            break;
        case '%':
            vu_buf_putc(out, '%');
            break;
        default:
            if (err && size)
                snprintf(err, size, "bad directive '%%%c' in a script format",
                         *f ? *f : '0');
            rc = -1;
            f -= *f == '\0'; /* do not step past the terminator */
            break;
        }
    }
    if (rc)
        vu_buf_clear(out);
    return rc;
}

char *hyperv_ps_script(const char *body)
{
    return vu_asprintf("%s%s", PS_PROLOGUE, body);
}

/* ---- errors ---------------------------------------------------------- */

/* Append the UTF-8 form of a code point. */
static void put_utf8(vu_buf *b, unsigned long cp)
{
    char u[4];
    if (cp < 0x80) {
        vu_buf_putc(b, (char)cp);
    } else if (cp < 0x800) {
        u[0] = (char)(0xc0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3f));
        vu_buf_add(b, u, 2);
    } else {
        u[0] = (char)(0xe0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f));
        vu_buf_add(b, u, 3);
    }
}

/*
 * PowerShell 5.1 writes error records on a redirected stderr as
 * "#< CLIXML" followed by <S S="Error">...</S> elements whose text is
 * XML-escaped, with line breaks as _x000D__x000A_. Return the plain text
 * of the Error elements, or NULL when text is not in that form.
 */
static char *clixml_errors(const char *text)
{
    if (!vu_starts_with(text, "#< CLIXML"))
        return NULL;
    vu_buf b = VU_BUF_INIT;
    static const char open_tag[] = "<S S=\"Error\">";
    for (const char *s = strstr(text, open_tag); s; s = strstr(s, open_tag)) {
        s += sizeof open_tag - 1;
        const char *end = strstr(s, "</S>");
        if (!end)
            break;
        while (s < end) {
            unsigned int cp;
            int used = 0;
            if (s[0] == '_' && s[1] == 'x' &&
                sscanf(s, "_x%4x_%n", &cp, &used) == 1 && used == 7) {
                put_utf8(&b, cp);
                s += used;
            } else if (*s == '&') {
                static const struct {
                    const char *ent;
                    char c;
                } ents[] = {{"&lt;", '<'},
                            {"&gt;", '>'},
                            {"&amp;", '&'},
                            {"&quot;", '"'},
                            {"&apos;", '\''}};
                size_t i;
                for (i = 0; i < sizeof ents / sizeof ents[0]; i++)
                    if (vu_starts_with(s, ents[i].ent))
                        break;
                if (i < sizeof ents / sizeof ents[0]) {
                    vu_buf_putc(&b, ents[i].c);
                    s += strlen(ents[i].ent);
                } else {
                    vu_buf_putc(&b, *s++);
                }
            } else {
                vu_buf_putc(&b, *s++);
            }
        }
        s = end + 4;
    }
    return vu_buf_detach(&b);
}

/* "Label : value" of an error record's "+ Label : value" line, or NULL. */
static const char *record_field(const char *line, const char *label)
{
    while (*line == ' ' || *line == '\t')
        line++;
    if (line[0] != '+' || line[1] != ' ')
        return NULL;
    line += 2;
    size_t n = strlen(label);
    if (strncmp(line, label, n) != 0)
        return NULL;
    line += n;
    while (*line == ' ')
        line++;
    if (*line != ':')
        return NULL;
    line++;
    while (*line == ' ')
        line++;
    return line;
}

int hyperv_ps_parse_error(const char *err_text, hyperv_ps_error *out)
{
    memset(out, 0, sizeof *out);
    char *decoded = clixml_errors(err_text ? err_text : "");
    const char *p = decoded ? decoded : (err_text ? err_text : "");
    char *line;
    while ((line = vu_str_next_line(&p))) {
        char *t = vu_str_trim(line);
        const char *v;
        if ((v = record_field(t, "FullyQualifiedErrorId"))) {
            if (!out->fqid[0]) {
                vu_strlcpy(out->fqid, v, sizeof out->fqid);
                size_t id_len = strcspn(v, ",");
                snprintf(out->error_id, sizeof out->error_id, "%.*s",
                         (int)id_len, v);
                vu_strlcpy(out->command, v[id_len] ? v + id_len + 1 : "",
                           sizeof out->command);
            }
        } else if ((v = record_field(t, "CategoryInfo"))) {
            if (!out->category[0]) {
                snprintf(out->category, sizeof out->category, "%.*s",
                         (int)strcspn(v, ":"), v);
                const char *comma = strrchr(v, ',');
                if (comma)
                    vu_strlcpy(out->exception, vu_str_trim((char *)comma + 1),
                               sizeof out->exception);
            }
        } else if (!out->message[0] && *t && t[0] != '+' &&
                   !vu_starts_with(t, "At line:") && !vu_starts_with(t, "#<")) {
            /* "Get-VM : <sentence>"; a script-level error has no prefix */
            const char *sep = strstr(t, " : ");
            vu_strlcpy(out->message, sep ? sep + 3 : t, sizeof out->message);
        }
        free(line);
    }
    free(decoded);
    return out->fqid[0] != '\0';
}

int hyperv_ps_error_status(const hyperv_ps_error *e)
{
    /* first: its category is ObjectNotFound too, but what is missing is
     * the cmdlet, not the object */
    if (strcmp(e->error_id, "CommandNotFoundException") == 0)
        return VMDRV_E_UNAVAILABLE;
    if (strcmp(e->error_id, "ObjectNotFound") == 0 ||
        strcmp(e->category, "ObjectNotFound") == 0)
        return VMDRV_E_NOTFOUND;
    if (strcmp(e->error_id, "InvalidParameter") == 0 &&
        vu_starts_with(e->command, "Microsoft.HyperV.PowerShell.Commands."))
        return VMDRV_E_NOTFOUND;
    if (strcmp(e->error_id, "InvalidState") == 0 ||
        strcmp(e->category, "InvalidOperation") == 0)
        return VMDRV_E_STATE;
    return VMDRV_E_TOOL;
}

/* ---- states ---------------------------------------------------------- */

/*
 * Microsoft.HyperV.PowerShell.VMState, by name (the numbers differ between
 * Windows releases). Multipass's PowerShell backend maps Running, Starting,
 * Saved and Off and calls the rest unknown; the rest are mapped here by
 * what the machine is doing: Paused holds the guest's memory without
 * running it, which is what Multipass's HCS backend calls suspended;
 * Reset and ForceReboot restart it; the "Critical" variants are the same
 * states with a storage problem; Hibernated is a guest that hibernated
 * itself and left the VM off.
 */
static const vmdrv_state_map psstates[] = {
    {"Off", VMDRV_STATE_STOPPED, 0},
    {"Running", VMDRV_STATE_RUNNING, 0},
    {"Saved", VMDRV_STATE_SUSPENDED, 0},
    {"Paused", VMDRV_STATE_SUSPENDED, 0},
    {"Starting", VMDRV_STATE_STARTING, 1},
    {"Stopping", VMDRV_STATE_RUNNING, 1},
    {"Saving", VMDRV_STATE_SUSPENDING, 1},
    {"Pausing", VMDRV_STATE_SUSPENDING, 1},
    {"Resuming", VMDRV_STATE_STARTING, 1},
    {"Reset", VMDRV_STATE_RESTARTING, 1},
    {"Other", VMDRV_STATE_UNKNOWN, 0},
    {"FastSaved", VMDRV_STATE_SUSPENDED, 0},
    {"FastSaving", VMDRV_STATE_SUSPENDING, 1},
    {"ForceShutdown", VMDRV_STATE_RUNNING, 1},
    {"ForceReboot", VMDRV_STATE_RESTARTING, 1},
    {"Hibernated", VMDRV_STATE_STOPPED, 0},
    {"RunningCritical", VMDRV_STATE_RUNNING, 0},
    {"OffCritical", VMDRV_STATE_STOPPED, 0},
    {"StoppingCritical", VMDRV_STATE_RUNNING, 1},
    {"SavedCritical", VMDRV_STATE_SUSPENDED, 0},
    {"PausedCritical", VMDRV_STATE_SUSPENDED, 0},
    {"StartingCritical", VMDRV_STATE_STARTING, 1},
    {"ResetCritical", VMDRV_STATE_RESTARTING, 1},
    {"SavingCritical", VMDRV_STATE_SUSPENDING, 1},
    {"PausingCritical", VMDRV_STATE_SUSPENDING, 1},
    {"ResumingCritical", VMDRV_STATE_STARTING, 1},
    {"FastSavedCritical", VMDRV_STATE_SUSPENDED, 0},
    {"FastSavingCritical", VMDRV_STATE_SUSPENDING, 1},
};

#define N_PSSTATES (sizeof psstates / sizeof psstates[0])

int hyperv_state_from_name(const char *name, vmdrv_state *state, int *transient)
{
    return vmdrv_state_map_find(psstates, N_PSSTATES, name, state, transient);
}

const char *hyperv_state_name_at(size_t i)
{
    return i < N_PSSTATES ? psstates[i].name : NULL;
}

/* ---- CSV ------------------------------------------------------------- */

int hyperv_csv_record(const char **p, vu_strv *fields)
{
    const char *s = *p;
    while (*s == '\r' || *s == '\n')
        s++; /* blank lines hold no record */
    if (!*s) {
        *p = s;
        return 0;
    }
    vu_buf field = VU_BUF_INIT;
    for (;;) {
        if (*s == '"') {
            s++;
            for (;;) {
                if (!*s) {
                    vu_buf_clear(&field);
                    return -1;
                }
                if (*s == '"' && s[1] == '"') {
                    vu_buf_putc(&field, '"');
                    s += 2;
                } else if (*s == '"') {
                    s++;
                    break;
                } else if (*s == '\r' && s[1] == '\n') {
                    s++; /* a line break inside a field, CRLF on Windows */
                } else {
                    vu_buf_putc(&field, *s++);
                }
            }
        } else {
            size_t n = strcspn(s, ",\r\n");
            vu_buf_add(&field, s, n);
            s += n;
        }
        vu_strv_add(fields, vu_buf_str(&field));
        vu_buf_clear(&field);
        if (*s == ',') {
            s++;
            continue;
        }
        break;
    }
    while (*s && *s != '\n')
        s++; /* stray text after a closing quote ends with the record */
    if (*s == '\n')
        s++;
    *p = s;
    return 1;
}

/* ---- running --------------------------------------------------------- */

static int timeout_ms(vmdrv_conn *conn)
{
    const char *t = vmdrv_conn_option(conn, "timeout");
    long s = t ? strtol(t, NULL, 10) : 0;
    return (int)((s > 0 && s < 86400 ? s : DEFAULT_TIMEOUT_S) * 1000);
}

static char *crlf_trim(const char *text)
{
    vu_buf b = VU_BUF_INIT;
    for (const char *s = text; *s; s++)
        if (!(s[0] == '\r' && s[1] == '\n'))
            vu_buf_putc(&b, *s);
    char *r = vu_buf_detach(&b);
    char *t = vu_str_trim(r);
    memmove(r, t, strlen(t) + 1);
    return r;
}

/* Set the error, or only log it (see the flags); returns code. */
static int fail(vmdrv_conn *conn, unsigned int flags, int code, long native,
                const char *fmt, ...) VU_PRINTF(5, 6);

static int fail(vmdrv_conn *conn, unsigned int flags, int code, long native,
                const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = vu_vasprintf(fmt, ap);
    va_end(ap);
    if ((flags & HYPERV_PS_NOTFOUND_OK) && code == VMDRV_E_NOTFOUND)
        vmdrv_log(vmdrv_conn_ctx(conn), "hyperv", "answer: not found (%s)",
                  msg);
    else if (flags & HYPERV_PS_NO_ERROR)
        vmdrv_log(vmdrv_conn_ctx(conn), "hyperv",
                  "ignored while cleaning up: %s", msg);
    else
        vmdrv_conn_error(conn, code, native, "%s", msg);
    free(msg);
    return code;
}

int hyperv_ps_exec(vmdrv_conn *conn, const char *doing, const char *body,
                   unsigned int flags, char **out, hyperv_ps_error *rec)
{
    vmdrv_ctx *ctx = vmdrv_conn_ctx(conn);
    vmdrv_proc_result res;
    hyperv_ps_error local;
    hyperv_ps_error *e = rec ? rec : &local;
    char *script = NULL;
    int rc = 0;

    memset(&res, 0, sizeof res);
    memset(e, 0, sizeof *e);
    if (out)
        *out = NULL;
    const char *ps = vmdrv_tool_path(ctx, VMDRV_TOOL_POWERSHELL);
    if (!ps)
        return fail(conn, flags, VMDRV_E_TOOL, 0,
                    "cannot %s: %s not found (set %s to its path)", doing,
                    PS_PROGRAM, vmdrv_tool_env(VMDRV_TOOL_POWERSHELL));
    script = hyperv_ps_script(body);
    /* what a Windows host runs, whatever program stands in for it here */
    vmdrv_log(ctx, "hyperv", "%s -NoProfile -NonInteractive -Command %s",
              PS_PROGRAM, script);
    const char *argv[] = {ps,         "-NoProfile", "-NonInteractive",
                          "-Command", script,       NULL};
    vmdrv_proc_spec spec = {.argv = argv, .timeout_ms = timeout_ms(conn)};
    if (vmdrv_proc_run(ctx, &spec, &res) < 0) {
        char *why = vu_strdup(vmdrv_last_error(ctx)->message);
        rc = fail(conn, flags, VMDRV_E_TOOL, 0, "cannot %s: %s", doing, why);
        free(why);
        goto cleanup;
    }
    if (res.timed_out) {
        rc = fail(conn, flags, VMDRV_E_TIMEOUT, 0,
                  "cannot %s: %s did not answer within %d s", doing, PS_PROGRAM,
                  spec.timeout_ms / 1000);
        goto cleanup;
    }
    if (!res.exited && res.signal) {
        rc = fail(conn, flags, VMDRV_E_TOOL, res.signal,
                  "cannot %s: %s was killed by signal %d", doing, PS_PROGRAM,
                  res.signal);
        goto cleanup;
    }
    if (!res.exited) {
        rc = fail(conn, flags, VMDRV_E_TOOL, 0,
                  "cannot %s: %s ended without an exit status", doing,
                  PS_PROGRAM);
        goto cleanup;
    }
    /* an error record fails the call even when a later statement of the
     * pipeline left $? true */
    int have_record = hyperv_ps_parse_error(res.err, e);
    if (res.status != 0 || have_record) {
        if (have_record)
            rc = fail(conn, flags, hyperv_ps_error_status(e), res.status,
                      "cannot %s: %s (%s)", doing,
                      e->message[0] ? e->message : "no message", e->fqid);
        else
            rc = fail(conn, flags, VMDRV_E_TOOL, res.status,
                      "cannot %s: %s exited with status %d%s%s", doing,
                      PS_PROGRAM, res.status, e->message[0] ? ": " : "",
                      e->message);
        goto cleanup;
    }
    if (out)
        *out = crlf_trim(res.out);
cleanup:
    vmdrv_proc_result_clear(&res);
    free(script);
    return rc;
}
