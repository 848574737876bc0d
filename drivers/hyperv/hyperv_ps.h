/*
 * hyperv_ps.h: how the Hyper-V driver talks to PowerShell.
 *
 * Building scripts: every value that is not a literal of the driver goes
 * through hyperv_ps_quote(), which refuses what cannot be a name or a
 * path (control characters, invalid UTF-8) and writes a single-quoted
 * PowerShell string with every single-quote character doubled, including
 * the typographic ones (U+2018..U+201B) PowerShell also ends a string
 * with. Inside such a string `$()`, backticks, `;` and double quotes are
 * plain characters, so no value can become a command.
 *
 * Running: one pipeline per `powershell.exe -NoProfile -NonInteractive
 * -Command <script>` call, the script starting with
 * $ProgressPreference='SilentlyContinue' so no progress record reaches
 * stderr. The exit status says whether the pipeline succeeded.
 *
 * Errors: recognised by their FullyQualifiedErrorId and category, which
 * Windows does not translate, never by the sentence, which it does. Both
 * the console form and the CLIXML form PowerShell 5.1 uses when stderr is
 * a pipe are read.
 */
#ifndef HYPERV_PS_H
#define HYPERV_PS_H

#include <stdarg.h>
#include <stddef.h>

#include "vmdrv/sys/driver.h"
#include "vu_str.h"

/* ---- values and scripts ---------------------------------------------- */

/*
 * 1 when value may be handed to PowerShell: valid UTF-8 without C0/C1
 * control characters, DEL or U+2028/U+2029. Otherwise 0, with *why set
 * to a static reason.
 */
int hyperv_ps_value_ok(const char *value, const char **why);

/* Append value single-quoted (see above). 0, or -1 (see value_ok). */
int hyperv_ps_quote(vu_buf *out, const char *value, const char **why);

/*
 * Build a script from fmt: %q a value to quote (const char *), %s a
 * literal of the driver's own (const char *, copied as is), %d an int,
 * %U an unsigned long long, %% a percent sign. Returns 0, or -1 when a
 * %q value is refused, with err naming the value and the reason; out is
 * then left empty.
 */
int hyperv_ps_build(vu_buf *out, char *err, size_t size, const char *fmt, ...);
int hyperv_ps_vbuild(vu_buf *out, char *err, size_t size, const char *fmt,
                     va_list ap);

/* The complete script for body: the progress preference, then body. */
char *hyperv_ps_script(const char *body);

/* ---- errors ---------------------------------------------------------- */

typedef struct hyperv_ps_error {
    char fqid[256];     /* "ObjectNotFound,Microsoft.HyperV....GetVMSnapshot" */
    char error_id[96];  /* "ObjectNotFound": the part before the comma */
    char command[160];  /* the part after it */
    char category[64];  /* "ObjectNotFound" from CategoryInfo */
    char exception[96]; /* "VirtualizationException" */
    char message[512];  /* the (possibly translated) sentence */
} hyperv_ps_error;

/*
 * Read an error record from stderr. Returns 1 when one with a
 * FullyQualifiedErrorId was found, else 0 (message may still hold the
 * first line of text, for the report).
 */
int hyperv_ps_parse_error(const char *err_text, hyperv_ps_error *out);

/*
 * The vmdrv status of an error record: ObjectNotFound, or InvalidParameter
 * raised by a Hyper-V cmdlet (what Get-VM/Start-VM -Name report for a
 * missing VM), is E_NOTFOUND; InvalidState or an InvalidOperation category
 * is E_STATE; CommandNotFoundException (no Hyper-V module) is
 * E_UNAVAILABLE; anything else E_TOOL.
 */
int hyperv_ps_error_status(const hyperv_ps_error *e);

/* ---- outputs --------------------------------------------------------- */

/*
 * Map a Microsoft.HyperV.PowerShell.VMState name (Select-Object
 * -ExpandProperty State prints the name) to an instance state; *transient
 * is 1 for states Hyper-V leaves by itself. 0, or -1 for an unknown name.
 */
int hyperv_state_from_name(const char *name, vmdrv_state *state,
                           int *transient);
/* The i-th VMState name, or NULL past the end. */
const char *hyperv_state_name_at(size_t i);

/*
 * Read one CSV record (ConvertTo-Csv: fields in double quotes, "" for a
 * quote, quoted fields may hold line breaks) from *p into fields.
 * Returns 1 for a record, 0 at the end, -1 for an unterminated quote.
 */
int hyperv_csv_record(const char **p, vu_strv *fields);

/* ---- running --------------------------------------------------------- */

enum hyperv_ps_flags {
    /* An E_NOTFOUND answer is returned (and logged) without setting an
     * error: for questions whose "no" is an answer, such as "does this
     * VM exist?". Every other failure still sets one. */
    HYPERV_PS_NOTFOUND_OK = 1u << 0,
    /* No failure sets an error; each is logged: for rollbacks, which must
     * leave the error that caused them in place. */
    HYPERV_PS_NO_ERROR = 1u << 1
};

/*
 * Run body through powershell.exe (found with vmdrv_tool_path). doing
 * completes the error message: "cannot <doing>: ...". On success *out
 * (when not NULL) is stdout with CRLF turned to LF and surrounding white
 * space trimmed, owned by the caller. On failure an error is set on the
 * connection (see HYPERV_PS_NOTFOUND_OK), *out is NULL, and the status is
 * returned; *rec (when not NULL) receives the error record, so callers
 * can tell ObjectNotFound apart from other failures without reading the
 * message.
 */
int hyperv_ps_exec(vmdrv_conn *conn, const char *doing, const char *body,
                   unsigned int flags, char **out, hyperv_ps_error *rec);

#endif
