/*
 * main.c: the vmdrv command line: global options, the command table,
 * help, and the helpers every command shares.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "vmdrv/sys/driver.h"
#include "runner.h"
#include "vmdrv_config.h"
#include "vu_fs.h"

typedef struct cli_command {
    const char *name;
    const char *summary;
    cli_fn run;
    const char *help;
} cli_command;

static const cli_command commands[] = {
#define X(ident, name, summary) {name, summary, cli_cmd_##ident, cli_help_##ident},
    CLI_COMMAND_LIST(X)
#undef X
};

static const char global_help[] =
    "Usage: vmdrv [GLOBAL OPTIONS] COMMAND [ARGS]\n"
    "\n"
    "A driver SDK and conformance harness for VM managers in the style of\n"
    "Multipass.\n"
    "\n"
    "Global options:\n"
    "  --data-dir DIR       where settings and instance scopes live\n"
    "                       (default: $VMDRV_DATA_DIR, else the platform's data folder)\n"
    "  --host PROFILE       act as the host a profile describes\n"
    "                       (e.g. fixtures/hosts/windows-home.yaml, or just windows-home)\n"
    "  --driver-lib PATH    load an out-of-tree driver (repeatable)\n"
    "  --driver-opt K=V     pass an option to the driver (repeatable)\n"
    "  -v, --verbose        log what drivers do, and the tools they run\n"
    "  --version            print the version and exit\n"
    "  -h, --help           print this help and exit\n"
    "\n"
    "Exit status: 0 success, 1 failure, 2 usage error (see each command's --help).\n";

static void print_global_help(FILE *f)
{
    fputs(global_help, f);
    fputs("\nCommands:\n", f);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fputs("\nRun 'vmdrv help COMMAND' or 'vmdrv COMMAND --help' for details.\n",
          f);
}

static const cli_command *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("vmdrv: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void cli_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("vmdrv: warning: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void cli_ctx_error(vmdrv_ctx *ctx, const char *prefix)
{
    const vmdrv_error *e = vmdrv_last_error(ctx);
    if (prefix)
        fprintf(stderr, "vmdrv: %s: %s\n", prefix, e->message);
    else
        fprintf(stderr, "vmdrv: %s\n", e->message);
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "vmdrv %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry 'vmdrv %s --help'.\n", cmd);
    va_end(ap);
    return CLI_USAGE;
}

int cli_parse_size_mb(const char *s, unsigned long long *mb)
{
    char *end;
    if (!s || !*s || *s == '-')
        return -1;
    double v = strtod(s, &end);
    if (end == s || v < 0)
        return -1;
    double mult = 1.0 / (1024.0 * 1024.0); /* bytes by default, as Multipass */
    if (*end) {
        switch (*end) {
        case 'K': case 'k': mult = 1.0 / 1024.0; break;
        case 'M': case 'm': mult = 1; break;
        case 'G': case 'g': mult = 1024; break;
        case 'T': case 't': mult = 1024 * 1024; break;
        default: return -1;
        }
        end++;
        if (*end == 'i')
            end++;
        if (*end == 'B' || *end == 'b')
            end++;
        if (*end)
            return -1;
    }
    *mb = (unsigned long long)(v * mult + 0.5);
    return *mb ? 0 : -1;
}

int cli_color(FILE *f)
{
    const char *nc = getenv("NO_COLOR");
    if (nc && *nc)
        return 0;
    return isatty(fileno(f));
}

char *cli_data_path(const char *rel)
{
    const char *env = getenv("VMDRV_SOURCE_DIR");
    const char *bases[] = {env, VMDRV_SOURCE_DIR, VMDRV_INSTALL_DATADIR};
    for (size_t i = 0; i < 3; i++) {
        if (!bases[i] || !*bases[i])
            continue;
        char *p = vu_path_join(bases[i], rel);
        if (vu_path_exists(p))
            return p;
        free(p);
    }
    return NULL;
}

/* "windows-home" -> <data>/fixtures/hosts/windows-home.yaml */
static char *resolve_profile(const char *arg)
{
    if (strchr(arg, '/') || vu_ends_with(arg, ".yaml") || vu_path_exists(arg))
        return vu_strdup(arg);
    char *rel = vu_asprintf("fixtures/hosts/%s.yaml", arg);
    char *p = cli_data_path(rel);
    free(rel);
    return p ? p : vu_strdup(arg);
}

vmdrv_ctx *cli_open_ctx(cli_env *env)
{
    vmdrv_ctx *ctx;
    char err[1024];
    if (vmdrv_ctx_open(&ctx, env->data_dir, err, sizeof err) != 0) {
        cli_error("%s", err);
        return NULL;
    }
    vmdrv_ctx_set_verbose(ctx, env->verbose);
    if (env->host_profile) {
        char *p = resolve_profile(env->host_profile);
        int rc = vmdrv_ctx_use_profile(ctx, p);
        free(p);
        if (rc) {
            cli_ctx_error(ctx, NULL);
            vmdrv_ctx_free(ctx);
            return NULL;
        }
    }
    for (size_t i = 0; i < env->driver_libs.n; i++) {
        if (vmdrv_driver_load(ctx, env->driver_libs.v[i]) != 0) {
            cli_ctx_error(ctx, NULL);
            vmdrv_ctx_free(ctx);
            return NULL;
        }
    }
    return ctx;
}

static int wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            return 0;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    cli_env env = {.prog = "vmdrv"};
    int rc;
    static const struct option opts[] = {
        {"data-dir", required_argument, NULL, 'd'},
        {"host", required_argument, NULL, 'H'},
        {"driver-lib", required_argument, NULL, 'L'},
        {"driver-opt", required_argument, NULL, 'O'},
        {"verbose", no_argument, NULL, 'v'},
        {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    /* the conformance runner's case process (`vmdrv __case JOBFILE`):
     * internal, so not in the command table nor in `vmdrv help` */
    if (argc == 3 && strcmp(argv[1], VC_CASE_COMMAND) == 0)
        return vc_case_main(argv[2]);
    /* global options stop at the first non-option: the command */
    int c;
    while ((c = getopt_long(argc, argv, "+vh", opts, NULL)) != -1) {
        switch (c) {
        case 'd': env.data_dir = optarg; break;
        case 'H': env.host_profile = optarg; break;
        case 'L': vu_strv_add(&env.driver_libs, optarg); break;
        case 'O':
            if (!strchr(optarg, '=')) {
                cli_error("--driver-opt takes KEY=VALUE, not '%s'", optarg);
                return CLI_USAGE;
            }
            vu_strv_add(&env.driver_opts, optarg);
            break;
        case 'v': env.verbose = 1; break;
        case 'V':
            printf("vmdrv %s (driver ABI %d)\n", VMDRV_VERSION_STRING,
                   VMDRV_DRIVER_ABI_VERSION);
            return CLI_OK;
        case 'h':
            print_global_help(stdout);
            return CLI_OK;
        default:
            fputs("Try 'vmdrv --help'.\n", stderr);
            return CLI_USAGE;
        }
    }
    if (optind >= argc) {
        print_global_help(stderr);
        return CLI_USAGE;
    }
    const char *name = argv[optind];
    if (strcmp(name, "help") == 0) {
        if (optind + 1 >= argc) {
            print_global_help(stdout);
            return CLI_OK;
        }
        const cli_command *cmd = find_command(argv[optind + 1]);
        if (!cmd) {
            cli_error("unknown command '%s'; run 'vmdrv help' for the list",
                      argv[optind + 1]);
            return CLI_USAGE;
        }
        fputs(cmd->help, stdout);
        return CLI_OK;
    }
    const cli_command *cmd = find_command(name);
    if (!cmd) {
        cli_error("unknown command '%s'; run 'vmdrv help' for the list", name);
        return CLI_USAGE;
    }
    int cargc = argc - optind;
    char **cargv = argv + optind;
    if (wants_help(cargc, cargv)) {
        fputs(cmd->help, stdout);
        return CLI_OK;
    }
    optind = 0; /* reset getopt for the command (GNU: full reinit) */
    rc = cmd->run(&env, cargc, cargv);
    vu_strv_clear(&env.driver_libs);
    vu_strv_clear(&env.driver_opts);
    return rc;
}
