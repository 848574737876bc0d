/*
 * test_win32_argv.c: the Windows command-line quoting of the process
 * runner (sdk/src/platform/win32/argv_win32.c), checked on every platform:
 * Microsoft's documented examples, and a round trip of every short string
 * over the characters that matter (space, tab, '"', '\\') through a
 * parser written from Microsoft's rules ("Parsing C command-line
 * arguments"). The real Windows runtime parses the same lines in
 * ci/cross-windows.sh --full (tests/cross/proc_check.c under wine).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "argv_win32.h"
#include "vu_str.h"

/* The runtime's split of a command line (arguments after argv[0]). */
static void parse_args(const char *line, vu_strv *out)
{
    const char *p = line;
    /* argv[0]: up to the closing quote, or the first blank; no escapes */
    if (*p == '"') {
        p = strchr(p + 1, '"');
        p = p ? p + 1 : line + strlen(line);
    } else {
        p += strcspn(p, " \t");
    }
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        vu_buf arg = VU_BUF_INIT;
        int in_quote = 0;
        vu_buf_add(&arg, "", 0);
        while (*p && (in_quote || (*p != ' ' && *p != '\t'))) {
            size_t n = 0;
            while (p[n] == '\\')
                n++;
            if (p[n] == '"') {
                for (size_t i = 0; i < n / 2; i++)
                    vu_buf_add(&arg, "\\", 1);
                p += n;
                if (n % 2) {
                    vu_buf_add(&arg, "\"", 1);
                    p++;
                } else if (in_quote && p[1] == '"') {
                    /* "" inside quotes: a literal quote (runtime 2008+) */
                    vu_buf_add(&arg, "\"", 1);
                    p += 2;
                } else {
                    in_quote = !in_quote;
                    p++;
                }
            } else if (n) {
                for (size_t i = 0; i < n; i++)
                    vu_buf_add(&arg, "\\", 1);
                p += n;
            } else {
                vu_buf_add(&arg, p, 1);
                p++;
            }
        }
        vu_strv_add(out, vu_buf_str(&arg));
        vu_buf_clear(&arg);
    }
}

static char *line_for(const char *prog, const char *arg)
{
    const char *argv[] = {"prog", arg, NULL};
    const char *why = NULL;
    char *line = vmdrv__win_command_line(prog, argv, &why);
    assert_non_null(line);
    return line;
}

static void test_win32_argv__documented_examples(void **state)
{
    (void)state;
    /* each argument and the exact text the runner must write for it */
    static const char *const cases[][2] = {
        {"plain", "plain"},
        {"a b c", "\"a b c\""},
        {"ab\"c", "\"ab\\\"c\""},
        {"\\", "\\"},
        {"a\\\\\\b", "a\\\\\\b"},      /* backslashes before no quote stay */
        {"a\\\"b", "\"a\\\\\\\"b\""},  /* a\"b: 1 backslash + quote -> 3 + quote */
        {"C:\\Program Files\\", "\"C:\\Program Files\\\\\""},
        {"", "\"\""},
        {"tab\there", "\"tab\there\""},
        {"new\nline", "\"new\nline\""},
        {"$(calc); `x` 'y'", "\"$(calc); `x` 'y'\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *line = line_for("C:\\bin\\prog.exe", cases[i][0]);
        char *want = vu_asprintf("\"prog\" %s", cases[i][1]);
        assert_string_equal(line, want);
        free(want);
        free(line);
    }
}

static void test_win32_argv__microsoft_table_parses(void **state)
{
    (void)state;
    /* the table of Microsoft's page, read by our reference parser, so the
     * parser the round trip relies on is itself checked */
    static const char *const lines[] = {
        "p \"a b c\" d e", "p \"ab\\\"c\" \"\\\\\" d", "p a\\\\\\b d\"e f\"g h",
        "p a\\\\\\\"b c d", "p a\\\\\\\\\"b c\" d e",
    };
    static const char *const want[][3] = {
        {"a b c", "d", "e"}, {"ab\"c", "\\", "d"}, {"a\\\\\\b", "de fg", "h"},
        {"a\\\"b", "c", "d"}, {"a\\\\b c", "d", "e"},
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        vu_strv got = VU_STRV_INIT;
        parse_args(lines[i], &got);
        assert_int_equal(got.n, 3);
        for (int j = 0; j < 3; j++)
            assert_string_equal(got.v[j], want[i][j]);
        vu_strv_clear(&got);
    }
}

static void test_win32_argv__every_short_string_round_trips(void **state)
{
    (void)state;
    static const char alphabet[] = {'a', ' ', '"', '\\', '\t'};
    const size_t k = sizeof alphabet;
    char s[8];
    size_t checked = 0;
    for (size_t len = 0; len <= 6; len++) {
        size_t total = 1;
        for (size_t i = 0; i < len; i++)
            total *= k;
        for (size_t code = 0; code < total; code++) {
            size_t c = code;
            for (size_t i = 0; i < len; i++, c /= k)
                s[i] = alphabet[c % k];
            s[len] = '\0';
            /* two arguments, so a quoting error spills visibly */
            const char *argv[] = {"prog", s, "next", NULL};
            const char *why = NULL;
            char *line = vmdrv__win_command_line("prog.exe", argv, &why);
            assert_non_null(line);
            vu_strv got = VU_STRV_INIT;
            parse_args(line, &got);
            if (got.n != 2 || strcmp(got.v[0], s) != 0 ||
                strcmp(got.v[1], "next") != 0)
                fail_msg("'%s' came back as %zu argument(s) from %s", s,
                         got.n, line);
            vu_strv_clear(&got);
            free(line);
            checked++;
        }
    }
    assert_int_equal(checked, 1 + 5 + 25 + 125 + 625 + 3125 + 15625);
}

static void test_win32_argv__batch_file_refuses_cmd_metacharacters(void **state)
{
    (void)state;
    static const char *const bad[] = {"a&b", "100%", "x|y", "<in", "^", "q\"",
                                      "!v!", "l\nf"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *argv[] = {"tool", bad[i], NULL};
        const char *why = NULL;
        assert_null(vmdrv__win_command_line("C:\\t\\tool.CMD", argv, &why));
        assert_non_null(strstr(why, "cmd.exe"));
        why = NULL;
        assert_null(vmdrv__win_command_line("tool.bat", argv, &why));
        assert_non_null(why);
        /* the same argument is fine for a real program */
        char *line = vmdrv__win_command_line("tool.exe", argv, &why);
        assert_non_null(line);
        free(line);
    }
    const char *ok[] = {"tool", "plain value", "C:\\dir", NULL};
    const char *why = NULL;
    char *line = vmdrv__win_command_line("tool.cmd", ok, &why);
    assert_string_equal(line, "\"tool\" \"plain value\" C:\\dir");
    free(line);
}

static void test_win32_argv__quote_in_program_name_refused(void **state)
{
    (void)state;
    const char *argv[] = {"pro\"g", "x", NULL};
    const char *why = NULL;
    assert_null(vmdrv__win_command_line("prog.exe", argv, &why));
    assert_non_null(strstr(why, "program name"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_win32_argv__documented_examples),
        cmocka_unit_test(test_win32_argv__microsoft_table_parses),
        cmocka_unit_test(test_win32_argv__every_short_string_round_trips),
        cmocka_unit_test(test_win32_argv__batch_file_refuses_cmd_metacharacters),
        cmocka_unit_test(test_win32_argv__quote_in_program_name_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
