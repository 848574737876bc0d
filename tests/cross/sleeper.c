/*
 * sleeper.c: a helper program for platform_check.c (Windows only) that
 * outlives any timeout, and starts a grandchild that does too.
 *
 *   sleeper --spawn MARKER   start "sleeper --late MARKER", then sleep 60 s
 *   sleeper --late MARKER    sleep 3 s, then create MARKER
 *
 * A runner whose timeout kills the whole tree leaves no MARKER behind.
 */
#include <windows.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "--late") == 0) {
        Sleep(3000);
        FILE *f = fopen(argv[2], "w");
        if (f)
            fclose(f);
        return 0;
    }
    if (argc >= 3 && strcmp(argv[1], "--spawn") == 0) {
        char self[MAX_PATH], cmd[2 * MAX_PATH + 32];
        GetModuleFileNameA(NULL, self, MAX_PATH);
        snprintf(cmd, sizeof cmd, "\"%s\" --late \"%s\"", self, argv[2]);
        STARTUPINFOA si;
        PROCESS_INFORMATION pi;
        memset(&si, 0, sizeof si);
        si.cb = sizeof si;
        if (!CreateProcessA(self, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si,
                            &pi))
            return 2;
        CloseHandle(pi.hThread);
        CloseHandle(pi.hProcess);
        printf("spawned %lu\n", (unsigned long)pi.dwProcessId);
        fflush(stdout);
    }
    Sleep(60000);
    return 0;
}
