/*
 * cmd_exec.c: `vmdrv exec NAME -- COMMAND...`: run a command inside an
 * instance through the driver's guest exec (Multipass's `multipass exec`).
 */
#include <getopt.h>
#include <string.h>

#include "instance_common.h"

const char cli_help_exec[] =
    "Usage: vmdrv exec NAME [--] COMMAND [ARG...]\n"
    "\n"
    "Run COMMAND inside the running instance NAME of the current scope,\n"
    "through the driver's guest exec, and print what it writes (standard\n"
    "output and error together). The words are joined into one shell\n"
    "command line, each quoted when it holds anything but letters, digits\n"
    "and -_./=:,@%+.\n"
    "\n"
    "Options:\n"
    "  -h, --help  print this help (before NAME; after it, everything\n"
    "              belongs to COMMAND)\n"
    "\n"
    "Exit status: the command's own exit status; 1 when it could not be\n"
    "run (e.g. the instance is stopped, or the driver has no guest exec),\n"
    "2 usage error.\n";

/* One word for a POSIX shell: as it is when harmless, else single-quoted. */
static void put_word(vu_buf *b, const char *w)
{
    int plain = *w != '\0';
    for (const char *p = w; *p && plain; p++)
        plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                (*p >= '0' && *p <= '9') || strchr("-_./=:,@%+", *p);
    if (plain) {
        vu_buf_puts(b, w);
        return;
    }
    vu_buf_putc(b, '\'');
    for (const char *p = w; *p; p++) {
        if (*p == '\'')
            vu_buf_puts(b, "'\\''");
        else
            vu_buf_putc(b, *p);
    }
    vu_buf_putc(b, '\'');
}

int cli_cmd_exec(cli_env *env, int argc, char **argv)
{
    static const struct option opts[] = {{NULL, 0, NULL, 0}};
    vmdrv_exec_result res = {0};
    vu_buf cmd = VU_BUF_INIT;
    cli_mgr m;
    int c, rc;
    /* "+": options end at NAME, so the command keeps its own options */
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1)
        return cli_usage("exec", "unknown option");
    if (optind >= argc)
        return cli_usage("exec", "expected NAME and a command");
    const char *name = argv[optind++];
    if ((rc = cli_check_instance("exec", name)))
        return rc;
    if (optind < argc && strcmp(argv[optind], "--") == 0)
        optind++;
    if (optind >= argc)
        return cli_usage("exec", "no command given");
    for (int i = optind; i < argc; i++) {
        if (i > optind)
            vu_buf_putc(&cmd, ' ');
        put_word(&cmd, argv[i]);
    }
    if (cli_scope_open(env, &m)) {
        vu_buf_clear(&cmd);
        return CLI_FAIL;
    }
    if (vmdrv_scope_require(m.scope, name) != 0 ||
        vmdrv_guest_exec(vmdrv_scope_conn(m.scope), name, vu_buf_str(&cmd),
                         &res, 0) != 0) {
        rc = cli_fail(&m, "exec");
    } else {
        if (res.output_len)
            fwrite(res.output, 1, res.output_len, stdout);
        fflush(stdout);
        rc = res.exit_code >= 0 && res.exit_code <= 255 ? res.exit_code
                                                        : CLI_FAIL;
    }
    vmdrv_exec_result_clear(&res);
    vu_buf_clear(&cmd);
    cli_mgr_close(&m);
    return rc;
}
