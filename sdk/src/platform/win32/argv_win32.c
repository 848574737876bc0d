/*
 * argv_win32.c: a Windows command line from an argv (argv_win32.h).
 *
 * Windows hands a program one string; its C runtime splits it again by
 * the rules Microsoft documents ("Parsing C command-line arguments"), the
 * same rules as CommandLineToArgvW: arguments are separated by spaces or
 * tabs; "..." groups; backslashes are literal unless they precede a '"',
 * where 2n of them give n backslashes (and the quote groups) and 2n+1
 * give n backslashes and a literal '"'. VBoxManage, qemu and
 * powershell.exe all parse their command line this way.
 */
#include "argv_win32.h"

#include <ctype.h>
#include <string.h>

void vmdrv__win_quote_arg(vu_buf *b, const char *arg)
{
    if (*arg && !strpbrk(arg, " \t\n\v\"")) {
        vu_buf_add(b, arg, strlen(arg));
        return;
    }
    vu_buf_add(b, "\"", 1);
    for (const char *p = arg;; p++) {
        size_t slashes = 0;
        while (*p == '\\') {
            slashes++;
            p++;
        }
        if (*p == '\0') {
            /* doubled: the closing quote must stay a quote */
            for (size_t i = 0; i < slashes * 2; i++)
                vu_buf_add(b, "\\", 1);
            break;
        }
        size_t n = *p == '"' ? slashes * 2 + 1 : slashes;
        for (size_t i = 0; i < n; i++)
            vu_buf_add(b, "\\", 1);
        vu_buf_add(b, p, 1);
    }
    vu_buf_add(b, "\"", 1);
}

static int ends_with_ci(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);
    if (ls < lx)
        return 0;
    for (size_t i = 0; i < lx; i++)
        if (tolower((unsigned char)s[ls - lx + i]) !=
            tolower((unsigned char)suffix[i]))
            return 0;
    return 1;
}

char *vmdrv__win_command_line(const char *prog, const char *const *argv,
                              const char **why)
{
    /* argv[0] has its own rule: the runtime takes it up to the next
     * quote, with no backslash escapes, so it can only be wrapped */
    if (strchr(argv[0], '"')) {
        *why = "a program name cannot contain '\"' on Windows";
        return NULL;
    }
    /* cmd.exe parses a batch file's command line again with its own
     * rules (%VAR%, !VAR!, ^, &, |, <, >): no quoting is safe there */
    int batch = ends_with_ci(prog, ".bat") || ends_with_ci(prog, ".cmd");
    vu_buf b = VU_BUF_INIT;
    vu_buf_add(&b, "\"", 1);
    vu_buf_add(&b, argv[0], strlen(argv[0]));
    vu_buf_add(&b, "\"", 1);
    for (size_t i = 1; argv[i]; i++) {
        if (batch && strpbrk(argv[i], "%!^&|<>\"\r\n")) {
            vu_buf_clear(&b);
            *why = "an argument holds a character cmd.exe would interpret, "
                   "and the program is a batch file";
            return NULL;
        }
        vu_buf_add(&b, " ", 1);
        vmdrv__win_quote_arg(&b, argv[i]);
    }
    return vu_buf_detach(&b);
}
