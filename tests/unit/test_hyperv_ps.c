/*
 * test_hyperv_ps.c: the PowerShell layer of the Hyper-V driver
 * (drivers/hyperv/hyperv_ps.c): quoting and script building, error
 * records read by FullyQualifiedErrorId (console and CLIXML forms, LF and
 * CRLF, English and Spanish), VMState names, CSV, and running through a
 * fake process runner.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hyperv_ps.h"
#include "vmdrv/vmdrv.h"
#include "vmdrv_config.h"
#include "vu_fs.h"
#include "vu_str.h"

/* ---- helpers ---------------------------------------------------------- */

static const char *src_dir(void)
{
    const char *s = getenv("VMDRV_SOURCE_DIR");
    return s && *s ? s : VMDRV_SOURCE_DIR;
}

static char *load(const char *file)
{
    char *path = vu_asprintf("%s/tests/data/hyperv/%s", src_dir(), file);
    char *data = NULL;
    size_t len = 0;
    if (vu_read_file(path, &data, &len) != 0)
        fail_msg("cannot read test data '%s'", path);
    free(path);
    return data;
}

static char *quoted(const char *value)
{
    vu_buf b = VU_BUF_INIT;
    const char *why = NULL;
    if (hyperv_ps_quote(&b, value, &why) != 0)
        fail_msg("'%s' refused: %s", value, why);
    return vu_buf_detach(&b);
}

/* Length of the UTF-8 single-quote character at s, or 0. */
static size_t single_quote_at(const char *s)
{
    static const char *const q[] = {"'", "\xe2\x80\x98", "\xe2\x80\x99",
                                    "\xe2\x80\x9a", "\xe2\x80\x9b"};
    for (size_t i = 0; i < 5; i++)
        if (strncmp(s, q[i], strlen(q[i])) == 0)
            return strlen(q[i]);
    return 0;
}

/*
 * PowerShell's tokenizer for a single-quoted string (ScanStringLiteral):
 * it opens and closes with any single-quote character, and a pair of them
 * stands for one. Returns the decoded value and sets *end to what follows
 * the closing quote, or NULL when the string never closes.
 */
static char *ps_tokenize(const char *s, const char **end)
{
    size_t n = single_quote_at(s);
    if (!n)
        return NULL;
    s += n;
    vu_buf b = VU_BUF_INIT;
    for (;;) {
        if (!*s) {
            vu_buf_clear(&b);
            return NULL;
        }
        n = single_quote_at(s);
        if (n) {
            size_t m = single_quote_at(s + n);
            if (!m) {
                *end = s + n;
                return vu_buf_detach(&b);
            }
            vu_buf_add(&b, s, n); /* a doubled quote stands for the first */
            s += n + m;
            continue;
        }
        vu_buf_putc(&b, *s++);
    }
}

/* ---- quoting ---------------------------------------------------------- */

static void test_hyperv_ps__quote_doubles_every_single_quote(void **state)
{
    (void)state;
    char *q;
    assert_string_equal(q = quoted("web1"), "'web1'");
    free(q);
    assert_string_equal(q = quoted(""), "''");
    free(q);
    assert_string_equal(q = quoted("it's"), "'it''s'");
    free(q);
    /* U+2019 ends a single-quoted string in PowerShell too */
    assert_string_equal(q = quoted("it\xe2\x80\x99s"),
                        "'it\xe2\x80\x99\xe2\x80\x99s'");
    free(q);
    assert_string_equal(q = quoted("\xe2\x80\x98\xe2\x80\x9a\xe2\x80\x9b"),
                        "'\xe2\x80\x98\xe2\x80\x98\xe2\x80\x9a\xe2\x80\x9a"
                        "\xe2\x80\x9b\xe2\x80\x9b'");
    free(q);
    /* inside single quotes these are plain characters: left alone */
    assert_string_equal(q = quoted("$(calc); `whoami` \"x\" C:\\a b"),
                        "'$(calc); `whoami` \"x\" C:\\a b'");
    free(q);
    /* other non-ASCII text (a user folder) passes through */
    assert_string_equal(q = quoted("C:\\Users\\J\xc3\xbcrgen"),
                        "'C:\\Users\\J\xc3\xbcrgen'");
    free(q);
}

static void test_hyperv_ps__quote_refuses_controls_and_bad_utf8(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "a\nb",
        "a\rb",
        "tab\there",
        "\x01",
        "del\x7f",
        "nel\xc2\x85",
        "ls\xe2\x80\xa8",
        "ps\xe2\x80\xa9",
        "\xff",
        "\xc0\xaf",
        "\xed\xa0\x80",
        "cut\xe2\x80",
        "\xf4\x90\x80\x80",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        vu_buf b = VU_BUF_INIT;
        const char *why = NULL;
        if (hyperv_ps_quote(&b, bad[i], &why) != -1)
            fail_msg("value %zu was accepted as '%s'", i, vu_buf_str(&b));
        assert_non_null(why);
        assert_int_equal(b.len, 0);
        assert_int_equal(hyperv_ps_value_ok(bad[i], NULL), 0);
        vu_buf_clear(&b);
    }
    const char *why = NULL;
    assert_int_equal(hyperv_ps_value_ok("a\nb", &why), 0);
    assert_string_equal(why, "it contains a control character or line break");
    assert_int_equal(hyperv_ps_value_ok("\xff", &why), 0);
    assert_string_equal(why, "it is not valid UTF-8");
}

static void test_hyperv_ps__quoted_values_stay_one_string(void **state)
{
    (void)state;
    /* injection attempts: each must come back whole as one string token */
    static const char *const nasty[] = {
        "'; Remove-Item -Recurse C:\\ ; '",
        "x' ; Stop-Computer ; 'y",
        "$(Stop-Computer)",
        "`$(Stop-Computer)`",
        "a\xe2\x80\x99; calc; \xe2\x80\x98"
        "b",
        "''''",
        "'",
        "\xe2\x80\x9b",
        "\"; calc; \"",
        "@(1,2) | % { calc }",
        "C:\\Program Files\\x' + (calc) + '",
    };
    for (size_t i = 0; i < sizeof nasty / sizeof nasty[0]; i++) {
        char *q = quoted(nasty[i]);
        char *script = vu_asprintf("Start-VM -Name %s -Confirm:$false", q);
        const char *end = NULL;
        char *back = ps_tokenize(script + strlen("Start-VM -Name "), &end);
        if (!back)
            fail_msg("quoted value %zu never closes: %s", i, q);
        assert_string_equal(back, nasty[i]);
        /* what follows the string is exactly the driver's own text */
        assert_string_equal(end, " -Confirm:$false");
        free(back);
        free(script);
        free(q);
    }
}

static void test_hyperv_ps__build_directives(void **state)
{
    (void)state;
    vu_buf b = VU_BUF_INIT;
    char err[256] = "";
    assert_int_equal(hyperv_ps_build(&b, err, sizeof err,
                                     "New-VM -Name %q -Generation %d "
                                     "-MemoryStartupBytes %U %s 100%%",
                                     "o'brien", 2, 1073741824ull, "| Out-Null"),
                     0);
    assert_string_equal(vu_buf_str(&b),
                        "New-VM -Name 'o''brien' -Generation 2 "
                        "-MemoryStartupBytes 1073741824 | Out-Null 100%");
    vu_buf_clear(&b);
    assert_int_equal(hyperv_ps_build(&b, err, sizeof err,
                                     "Get-VMSwitch -Name %q", "sw\nStop-VM"),
                     -1);
    assert_int_equal(b.len, 0);
    assert_string_equal(err, "'sw\nStop-VM' cannot be handed to PowerShell: "
                             "it contains a control character or line break");
    assert_int_equal(hyperv_ps_build(&b, err, sizeof err, "bad %x", 1), -1);
    assert_string_equal(err, "bad directive '%x' in a script format");
    assert_int_equal(hyperv_ps_build(&b, err, sizeof err, "trailing %"), -1);
    vu_buf_clear(&b);
}

static void test_hyperv_ps__script_silences_progress_first(void **state)
{
    (void)state;
    char *s = hyperv_ps_script("Get-VM");
    assert_string_equal(s, "$ProgressPreference='SilentlyContinue'; Get-VM");
    free(s);
}

/* ---- error records ---------------------------------------------------- */

static void check_record(const char *file, const char *fqid,
                         const char *category, const char *exception,
                         const char *message, int status)
{
    static const char *const exts[] = {"txt", "crlf.txt"};
    for (size_t e = 0; e < 2; e++) {
        char *name = vu_asprintf("%s.%s", file, exts[e]);
        char *text = load(name);
        hyperv_ps_error rec;
        assert_int_equal(hyperv_ps_parse_error(text, &rec), 1);
        assert_string_equal(rec.fqid, fqid);
        assert_string_equal(rec.category, category);
        assert_string_equal(rec.exception, exception);
        assert_string_equal(rec.message, message);
        assert_int_equal(hyperv_ps_error_status(&rec), status);
        free(text);
        free(name);
    }
}

static void test_hyperv_ps__error_missing_vm(void **state)
{
    (void)state;
    check_record("error-getvm-notfound",
                 "InvalidParameter,Microsoft.HyperV.PowerShell.Commands.GetVM",
                 "InvalidArgument", "VirtualizationException",
                 "Hyper-V was unable to find a virtual machine with name "
                 "\"minikube\".",
                 VMDRV_E_NOTFOUND);
    check_record(
        "error-setvmfirmware-objectnotfound",
        "ObjectNotFound,Microsoft.HyperV.PowerShell.Commands.SetVMFirmware",
        "ObjectNotFound", "VirtualizationException",
        "Hyper-V was unable to find a virtual machine with name \"web1\".",
        VMDRV_E_NOTFOUND);
}

static void test_hyperv_ps__error_translated_sentence_same_answer(void **state)
{
    (void)state;
    /* Spanish Windows: another sentence, the same id, the same status */
    check_record("error-getvm-notfound-es",
                 "InvalidParameter,Microsoft.HyperV.PowerShell.Commands.GetVM",
                 "InvalidArgument", "VirtualizationException",
                 "Hyper-V no pudo encontrar una m\xc3\xa1quina virtual con el "
                 "nombre \"minikube\".",
                 VMDRV_E_NOTFOUND);
}

static void test_hyperv_ps__error_classified_by_id_not_sentence(void **state)
{
    (void)state;
    char *text = load("error-invalidstate.txt");
    hyperv_ps_error rec;
    assert_int_equal(hyperv_ps_parse_error(text, &rec), 1);
    assert_int_equal(hyperv_ps_error_status(&rec), VMDRV_E_STATE);
    /* the same sentence with another id and category is another answer */
    char *other = vu_strdup(text);
    char *at = strstr(other, "InvalidOperation:");
    memcpy(at, "NotSpecified:    ", 17);
    at = strstr(other, "InvalidState,");
    memcpy(at, "Unspecified,", 12);
    memmove(at + 12, at + 13, strlen(at + 13) + 1);
    assert_int_equal(hyperv_ps_parse_error(other, &rec), 1);
    assert_string_equal(rec.fqid,
                        "Unspecified,Microsoft.HyperV.PowerShell.Commands."
                        "SaveVM");
    assert_string_equal(rec.message, "The operation cannot be performed "
                                     "while the virtual machine is in its "
                                     "current state.");
    assert_int_equal(hyperv_ps_error_status(&rec), VMDRV_E_TOOL);
    free(other);
    free(text);
}

static void test_hyperv_ps__error_kinds(void **state)
{
    (void)state;
    check_record("error-invalidstate",
                 "InvalidState,Microsoft.HyperV.PowerShell.Commands.SaveVM",
                 "InvalidOperation", "VirtualizationException",
                 "The operation cannot be performed while the virtual machine "
                 "is in its current state.",
                 VMDRV_E_STATE);
    /* Home: the cmdlet itself is missing; its category says ObjectNotFound
     * but that is not a missing VM */
    check_record("error-commandnotfound", "CommandNotFoundException",
                 "ObjectNotFound", "CommandNotFoundException",
                 "The term 'Get-VM' is not recognized as the name of a "
                 "cmdlet, function, script file, or operable program. Check "
                 "the spelling of the name, or if a path was included, verify "
                 "that the path is correct and try again.",
                 VMDRV_E_UNAVAILABLE);
    check_record("error-permission",
                 "Unspecified,Microsoft.HyperV.PowerShell.Commands.GetVM",
                 "PermissionDenied", "VirtualizationException",
                 "You do not have the required permission to complete this "
                 "task. Contact the administrator of the authorization "
                 "policy for the computer 'DESKTOP-1'.",
                 VMDRV_E_TOOL);
}

static void test_hyperv_ps__error_clixml(void **state)
{
    (void)state;
    check_record(
        "error-clixml",
        "ObjectNotFound,Microsoft.HyperV.PowerShell.Commands.GetVMSnapshot",
        "ObjectNotFound", "VirtualizationException",
        "Hyper-V was unable to find a virtual machine with name \"web1\".",
        VMDRV_E_NOTFOUND);
}

static void test_hyperv_ps__no_record_in_plain_text(void **state)
{
    (void)state;
    hyperv_ps_error rec;
    assert_int_equal(hyperv_ps_parse_error("something odd happened\r\n", &rec),
                     0);
    assert_string_equal(rec.fqid, "");
    assert_string_equal(rec.message, "something odd happened");
    assert_int_equal(hyperv_ps_parse_error("", &rec), 0);
    assert_int_equal(hyperv_ps_parse_error(NULL, &rec), 0);
}

/* ---- states ----------------------------------------------------------- */

static void test_hyperv_ps__every_vmstate_maps(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        vmdrv_state st;
    } want[] = {
        {"Off", VMDRV_STATE_STOPPED},
        {"Running", VMDRV_STATE_RUNNING},
        {"Saved", VMDRV_STATE_SUSPENDED},
        {"Paused", VMDRV_STATE_SUSPENDED},
        {"Starting", VMDRV_STATE_STARTING},
        {"Stopping", VMDRV_STATE_RUNNING},
        {"Saving", VMDRV_STATE_SUSPENDING},
        {"Pausing", VMDRV_STATE_SUSPENDING},
        {"Resuming", VMDRV_STATE_STARTING},
        {"Reset", VMDRV_STATE_RESTARTING},
        {"Other", VMDRV_STATE_UNKNOWN},
        {"FastSaved", VMDRV_STATE_SUSPENDED},
        {"FastSaving", VMDRV_STATE_SUSPENDING},
        {"ForceShutdown", VMDRV_STATE_RUNNING},
        {"ForceReboot", VMDRV_STATE_RESTARTING},
        {"Hibernated", VMDRV_STATE_STOPPED},
        {"RunningCritical", VMDRV_STATE_RUNNING},
        {"OffCritical", VMDRV_STATE_STOPPED},
        {"StoppingCritical", VMDRV_STATE_RUNNING},
        {"SavedCritical", VMDRV_STATE_SUSPENDED},
        {"PausedCritical", VMDRV_STATE_SUSPENDED},
        {"StartingCritical", VMDRV_STATE_STARTING},
        {"ResetCritical", VMDRV_STATE_RESTARTING},
        {"SavingCritical", VMDRV_STATE_SUSPENDING},
        {"PausingCritical", VMDRV_STATE_SUSPENDING},
        {"ResumingCritical", VMDRV_STATE_STARTING},
        {"FastSavedCritical", VMDRV_STATE_SUSPENDED},
        {"FastSavingCritical", VMDRV_STATE_SUSPENDING},
    };
    size_t n = sizeof want / sizeof want[0];
    for (size_t i = 0; i < n; i++) {
        vmdrv_state st;
        if (hyperv_state_from_name(want[i].name, &st, NULL) != 0 ||
            st != want[i].st)
            fail_msg("'%s' maps to %s, want %s", want[i].name,
                     vmdrv_state_name(st), vmdrv_state_name(want[i].st));
    }
    size_t count = 0;
    while (hyperv_state_name_at(count))
        count++;
    assert_int_equal(count, n);
    vmdrv_state st = VMDRV_STATE_RUNNING;
    int transient = 7;
    assert_int_equal(hyperv_state_from_name("running", &st, &transient), -1);
    assert_int_equal(st, VMDRV_STATE_UNKNOWN);
    assert_int_equal(transient, 0);
    assert_int_equal(hyperv_state_from_name("2", &st, NULL), -1);
    assert_int_equal(hyperv_state_from_name("Saving", &st, &transient), 0);
    assert_int_equal(transient, 1);
}

/* ---- CSV -------------------------------------------------------------- */

static void test_hyperv_ps__csv_switches(void **state)
{
    (void)state;
    static const char *const files[] = {"get-vmswitch.csv",
                                        "get-vmswitch.crlf.csv"};
    for (size_t e = 0; e < 2; e++) {
        char *text = load(files[e]);
        const char *p = text;
        vu_strv f = VU_STRV_INIT;
        assert_int_equal(hyperv_csv_record(&p, &f), 1);
        assert_int_equal(f.n, 3);
        assert_string_equal(f.v[2], "NetAdapterInterfaceDescription");
        vu_strv_clear(&f);
        assert_int_equal(hyperv_csv_record(&p, &f), 1);
        assert_string_equal(f.v[0], "Default Switch");
        assert_string_equal(f.v[1], "Internal");
        assert_string_equal(f.v[2], "");
        vu_strv_clear(&f);
        assert_int_equal(hyperv_csv_record(&p, &f), 1);
        assert_string_equal(f.v[2], "Intel(R) Ethernet Connection I219-V");
        vu_strv_clear(&f);
        assert_int_equal(hyperv_csv_record(&p, &f), 1);
        assert_string_equal(f.v[0], "Lab, \"isolated\"");
        assert_string_equal(f.v[1], "Private");
        vu_strv_clear(&f);
        assert_int_equal(hyperv_csv_record(&p, &f), 0);
        free(text);
    }
}

static void test_hyperv_ps__csv_line_break_in_field(void **state)
{
    (void)state;
    static const char *const files[] = {"get-vmcheckpoint.csv",
                                        "get-vmcheckpoint.crlf.csv"};
    for (size_t e = 0; e < 2; e++) {
        char *text = load(files[e]);
        const char *p = text;
        vu_strv f = VU_STRV_INIT;
        assert_int_equal(hyperv_csv_record(&p, &f), 1);
        vu_strv_clear(&f);
        assert_int_equal(hyperv_csv_record(&p, &f), 1);
        assert_string_equal(f.v[0], "base");
        assert_string_equal(f.v[1], "");
        vu_strv_clear(&f);
        assert_int_equal(hyperv_csv_record(&p, &f), 1);
        assert_string_equal(f.v[0], "after\nupdate");
        assert_string_equal(f.v[1], "base");
        vu_strv_clear(&f);
        assert_int_equal(hyperv_csv_record(&p, &f), 0);
        free(text);
    }
    char *text = load("csv-unterminated.crlf.csv");
    const char *p = text;
    vu_strv f = VU_STRV_INIT;
    assert_int_equal(hyperv_csv_record(&p, &f), 1);
    vu_strv_clear(&f);
    assert_int_equal(hyperv_csv_record(&p, &f), -1);
    vu_strv_clear(&f);
    free(text);
}

/* ---- running (fake runner) -------------------------------------------- */

typedef struct fake {
    int calls;
    int start_rc; /* < 0: the program cannot be started */
    int status;
    int timed_out;
    const char *out;
    const char *err;
    vu_strv argv; /* what the last call received */
} fake;

static int fake_run(void *data, const vmdrv_proc_spec *spec,
                    vmdrv_proc_result *r)
{
    fake *f = data;
    f->calls++;
    vu_strv_clear(&f->argv);
    for (size_t i = 0; spec->argv[i]; i++)
        vu_strv_add(&f->argv, spec->argv[i]);
    memset(r, 0, sizeof *r);
    if (f->start_rc < 0)
        return f->start_rc;
    r->exited = !f->timed_out;
    r->timed_out = f->timed_out;
    r->status = f->status;
    r->out = vu_strdup(f->out ? f->out : "");
    r->out_len = strlen(r->out);
    r->err = vu_strdup(f->err ? f->err : "");
    r->err_len = strlen(r->err);
    return 0;
}

typedef struct env {
    char *dir;
    vmdrv_ctx *ctx;
    vmdrv_conn *conn;
    fake fake;
} env;

static int env_setup(void **state)
{
    env *e = vu_calloc(1, sizeof *e);
    char err[512] = "";
    const char *base = getenv("TMPDIR");
    e->dir =
        vu_asprintf("%s/vmdrv-hyperv-ps-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(e->dir) ||
        vmdrv_ctx_open(&e->ctx, e->dir, err, sizeof err) != 0)
        fail_msg("cannot open a context: %s", err);
    char *profile =
        vu_asprintf("%s/fixtures/hosts/windows-pro.yaml", src_dir());
    if (vmdrv_ctx_use_profile(e->ctx, profile) != 0)
        fail_msg("profile: %s", vmdrv_last_error(e->ctx)->message);
    free(profile);
    /* the tool is found by its variable; the fake answers for it */
    setenv("VMDRV_TOOL_POWERSHELL", "/fake/bin/powershell.exe", 1);
    vmdrv_ctx_set_runner(e->ctx, fake_run, &e->fake);
    if (vmdrv_conn_open(&e->conn, e->ctx, "hyperv", NULL, NULL, 0) != 0)
        fail_msg("open: %s", vmdrv_last_error(e->ctx)->message);
    *state = e;
    return 0;
}

static int env_teardown(void **state)
{
    env *e = *state;
    vmdrv_conn_close(e->conn);
    vmdrv_ctx_free(e->ctx);
    vu_rm_rf(e->dir);
    free(e->dir);
    vu_strv_clear(&e->fake.argv);
    unsetenv("VMDRV_TOOL_POWERSHELL");
    free(e);
    return 0;
}

static void test_hyperv_ps__exec_runs_one_noninteractive_script(void **state)
{
    env *e = *state;
    e->fake.out = "Running\r\n";
    char *out = NULL;
    assert_int_equal(hyperv_ps_exec(e->conn, "read it",
                                    "Get-VM -Name 'web1' | Select-Object "
                                    "-ExpandProperty State",
                                    0, &out, NULL),
                     0);
    assert_string_equal(out, "Running");
    free(out);
    assert_int_equal(e->fake.argv.n, 5);
    assert_string_equal(e->fake.argv.v[0], "/fake/bin/powershell.exe");
    assert_string_equal(e->fake.argv.v[1], "-NoProfile");
    assert_string_equal(e->fake.argv.v[2], "-NonInteractive");
    assert_string_equal(e->fake.argv.v[3], "-Command");
    assert_string_equal(e->fake.argv.v[4],
                        "$ProgressPreference='SilentlyContinue'; Get-VM "
                        "-Name 'web1' | Select-Object -ExpandProperty State");
}

static void test_hyperv_ps__exec_failure_names_the_record(void **state)
{
    env *e = *state;
    char *text = load("error-getvm-notfound.crlf.txt");
    e->fake.status = 1;
    e->fake.err = text;
    char *out = (char *)"sentinel";
    hyperv_ps_error rec;
    int rc = hyperv_ps_exec(e->conn, "start instance 'web1'", "Start-VM", 0,
                            &out, &rec);
    assert_int_equal(rc, VMDRV_E_NOTFOUND);
    assert_null(out);
    assert_string_equal(rec.error_id, "InvalidParameter");
    const vmdrv_error *err = vmdrv_last_error(e->ctx);
    assert_int_equal(err->code, VMDRV_E_NOTFOUND);
    assert_string_equal(err->origin, "hyperv");
    assert_string_equal(err->message,
                        "cannot start instance 'web1': Hyper-V was unable to "
                        "find a virtual machine with name \"minikube\". "
                        "(InvalidParameter,Microsoft.HyperV.PowerShell."
                        "Commands.GetVM)");
    free(text);
}

static void test_hyperv_ps__exec_notfound_ok_leaves_error_alone(void **state)
{
    env *e = *state;
    char *text = load("error-setvmfirmware-objectnotfound.txt");
    e->fake.status = 1;
    e->fake.err = text;
    vmdrv_error_set(e->ctx, VMDRV_E_IO, "earlier", 0, "an earlier error");
    int rc = hyperv_ps_exec(e->conn, "look", "Get-VM", HYPERV_PS_NOTFOUND_OK,
                            NULL, NULL);
    assert_int_equal(rc, VMDRV_E_NOTFOUND);
    assert_int_equal(vmdrv_last_error(e->ctx)->code, VMDRV_E_IO);
    assert_string_equal(vmdrv_last_error(e->ctx)->message, "an earlier error");
    free(text);
    /* any other failure still sets one */
    text = load("error-invalidstate.txt");
    e->fake.err = text;
    rc = hyperv_ps_exec(e->conn, "look", "Get-VM", HYPERV_PS_NOTFOUND_OK, NULL,
                        NULL);
    assert_int_equal(rc, VMDRV_E_STATE);
    assert_int_equal(vmdrv_last_error(e->ctx)->code, VMDRV_E_STATE);
    free(text);
}

static void test_hyperv_ps__exec_record_with_exit_zero_fails(void **state)
{
    env *e = *state;
    char *text = load("error-invalidstate.txt");
    e->fake.status = 0;
    e->fake.err = text;
    assert_int_equal(hyperv_ps_exec(e->conn, "save", "Save-VM", 0, NULL, NULL),
                     VMDRV_E_STATE);
    free(text);
}

static void test_hyperv_ps__exec_tool_failures(void **state)
{
    env *e = *state;
    e->fake.status = 3;
    e->fake.err = "Program 'powershell.exe' failed to run\r\n";
    assert_int_equal(hyperv_ps_exec(e->conn, "x", "Get-VM", 0, NULL, NULL),
                     VMDRV_E_TOOL);
    assert_string_equal(vmdrv_last_error(e->ctx)->message,
                        "cannot x: powershell.exe exited with status 3: "
                        "Program 'powershell.exe' failed to run");
    e->fake.status = 0;
    e->fake.err = NULL;
    e->fake.timed_out = 1;
    assert_int_equal(hyperv_ps_exec(e->conn, "x", "Get-VM", 0, NULL, NULL),
                     VMDRV_E_TIMEOUT);
    assert_string_equal(vmdrv_last_error(e->ctx)->message,
                        "cannot x: powershell.exe did not answer within 300 s");
    e->fake.timed_out = 0;
    e->fake.start_rc = VMDRV_E_NOTFOUND;
    assert_int_equal(hyperv_ps_exec(e->conn, "x", "Get-VM", 0, NULL, NULL),
                     VMDRV_E_TOOL);
    assert_int_equal(vmdrv_last_error(e->ctx)->code, VMDRV_E_TOOL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hyperv_ps__quote_doubles_every_single_quote),
        cmocka_unit_test(test_hyperv_ps__quote_refuses_controls_and_bad_utf8),
        cmocka_unit_test(test_hyperv_ps__quoted_values_stay_one_string),
        cmocka_unit_test(test_hyperv_ps__build_directives),
        cmocka_unit_test(test_hyperv_ps__script_silences_progress_first),
        cmocka_unit_test(test_hyperv_ps__error_missing_vm),
        cmocka_unit_test(test_hyperv_ps__error_translated_sentence_same_answer),
        cmocka_unit_test(test_hyperv_ps__error_classified_by_id_not_sentence),
        cmocka_unit_test(test_hyperv_ps__error_kinds),
        cmocka_unit_test(test_hyperv_ps__error_clixml),
        cmocka_unit_test(test_hyperv_ps__no_record_in_plain_text),
        cmocka_unit_test(test_hyperv_ps__every_vmstate_maps),
        cmocka_unit_test(test_hyperv_ps__csv_switches),
        cmocka_unit_test(test_hyperv_ps__csv_line_break_in_field),
        cmocka_unit_test_setup_teardown(
            test_hyperv_ps__exec_runs_one_noninteractive_script, env_setup,
            env_teardown),
        cmocka_unit_test_setup_teardown(
            test_hyperv_ps__exec_failure_names_the_record, env_setup,
            env_teardown),
        cmocka_unit_test_setup_teardown(
            test_hyperv_ps__exec_notfound_ok_leaves_error_alone, env_setup,
            env_teardown),
        cmocka_unit_test_setup_teardown(
            test_hyperv_ps__exec_record_with_exit_zero_fails, env_setup,
            env_teardown),
        cmocka_unit_test_setup_teardown(test_hyperv_ps__exec_tool_failures,
                                        env_setup, env_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
