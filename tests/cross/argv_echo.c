/*
 * argv_echo.c: a helper program for platform_check.c (Windows only):
 * reports exactly what it received, so the checker can compare it with
 * what the process runner was asked to pass.
 *
 *   argv_echo ARG...        "n=<count>" then, per argument, the hex of the
 *                           C runtime's argv[i] and of CommandLineToArgvW's
 *   argv_echo --cat         copy stdin to stdout
 *   argv_echo --env NAME    the variable's value (UTF-8), or "<unset>"
 *   argv_echo --cwd         the current folder
 *   argv_echo --exit N      exit with status N, after "bye" on stderr
 */
#include <windows.h>
#include <shellapi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <io.h>

static void hex(const char *s)
{
    if (!*s)
        fputs("-", stdout); /* an empty argument */
    for (; *s; s++)
        printf("%02x", (unsigned char)*s);
}

static char *utf8(const wchar_t *w)
{
    int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
    char *s = malloc((size_t)n);
    WideCharToMultiByte(CP_UTF8, 0, w, -1, s, n, NULL, NULL);
    return s;
}

int main(int argc, char **argv)
{
    _setmode(_fileno(stdout), _O_BINARY);
    _setmode(_fileno(stdin), _O_BINARY);
    if (argc >= 2 && strcmp(argv[1], "--cat") == 0) {
        char buf[65536];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, stdin)) > 0)
            fwrite(buf, 1, n, stdout);
        return 0;
    }
    if (argc >= 3 && strcmp(argv[1], "--env") == 0) {
        wchar_t name[256], val[4096];
        MultiByteToWideChar(CP_UTF8, 0, argv[2], -1, name, 256);
        DWORD n = GetEnvironmentVariableW(name, val, 4096);
        if (n == 0 || n >= 4096) {
            fputs("<unset>", stdout);
        } else {
            char *u = utf8(val);
            fputs(u, stdout);
            free(u);
        }
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "--cwd") == 0) {
        wchar_t cwd[MAX_PATH];
        GetCurrentDirectoryW(MAX_PATH, cwd);
        char *u = utf8(cwd);
        fputs(u, stdout);
        free(u);
        return 0;
    }
    if (argc >= 3 && strcmp(argv[1], "--exit") == 0) {
        fputs("bye", stderr);
        return atoi(argv[2]);
    }
    /* the C runtime's split (ANSI code page) and the shell's (UTF-16) */
    int wn = 0;
    wchar_t **wargv = CommandLineToArgvW(GetCommandLineW(), &wn);
    printf("n=%d\n", argc - 1);
    for (int i = 1; i < argc; i++) {
        hex(argv[i]);
        fputs(" ", stdout);
        if (wargv && i < wn) {
            char *u = utf8(wargv[i]);
            hex(u);
            free(u);
        } else {
            fputs("?", stdout);
        }
        fputs("\n", stdout);
    }
    LocalFree(wargv);
    return 0;
}
