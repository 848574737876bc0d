/*
 * win32/argv_win32.h: building a Windows command line from an argv.
 * Plain C without <windows.h>, so the native test suite checks the
 * quoting rules on every platform (tests/unit/test_win32_argv.c).
 */
#ifndef VMDRV_ARGV_WIN32_H
#define VMDRV_ARGV_WIN32_H

#include "vu_str.h"

/* Append arg quoted so that the Microsoft C runtime and
 * CommandLineToArgvW give back exactly arg. */
void vmdrv__win_quote_arg(vu_buf *b, const char *arg);

/*
 * The command line for argv (argv[0] as given, then each argument
 * quoted); prog is the resolved program, whose extension tells whether
 * cmd.exe will parse the line. Owned; NULL with a reason in *why when no
 * line can carry argv safely.
 */
char *vmdrv__win_command_line(const char *prog, const char *const *argv,
                              const char **why);

#endif
