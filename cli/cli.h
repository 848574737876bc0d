/*
 * cli.h: what every vmdrv command shares: global options, opening a
 * context, exit codes and message helpers.
 */
#ifndef CLI_CLI_H
#define CLI_CLI_H

#include <stdio.h>

#include "commands.h"
#include "vmdrv/vmdrv.h"
#include "vu_str.h"

/* Exit statuses of every command (conform documents its own extras). */
enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

typedef struct cli_env {
    const char *prog;          /* "vmdrv" */
    const char *data_dir;      /* --data-dir, or NULL */
    const char *host_profile;  /* --host PROFILE, or NULL */
    vu_strv driver_libs;       /* --driver-lib PATH (repeatable) */
    vu_strv driver_opts;       /* --driver-opt KEY=VALUE (repeatable) */
    int verbose;               /* -v */
} cli_env;

typedef int (*cli_fn)(cli_env *env, int argc, char **argv);

#define X(ident, name, summary)                                                \
    int cli_cmd_##ident(cli_env *env, int argc, char **argv);                  \
    extern const char cli_help_##ident[];
CLI_COMMAND_LIST(X)
#undef X

/*
 * Open a context for env: data dir, host profile, driver libraries.
 * Prints the error and returns NULL on failure.
 */
vmdrv_ctx *cli_open_ctx(cli_env *env);

/* "vmdrv: <message>" on stderr. */
void cli_error(const char *fmt, ...) VU_PRINTF(1, 2);
void cli_warn(const char *fmt, ...) VU_PRINTF(1, 2);
/* Print the context's last error ("vmdrv: <prefix>: <message>"). */
void cli_ctx_error(vmdrv_ctx *ctx, const char *prefix);
/* Usage error: message, "Try 'vmdrv CMD --help'.", returns CLI_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) VU_PRINTF(2, 3);

/* Parse a size like "1G", "512M", "10240" (MiB); 0 on success. */
int cli_parse_size_mb(const char *s, unsigned long long *mb);

/* Colour only on a terminal and without NO_COLOR. */
int cli_color(FILE *f);

/* Find a data file of the project: "matrix", "fixtures/hosts", ...
 * (VMDRV_SOURCE_DIR-relative in a build tree, else the install datadir).
 * Returns an owned path, or NULL. */
char *cli_data_path(const char *rel);

#endif
