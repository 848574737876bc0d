/*
 * cmd_table.c: `vmdrv table` renders the docs page's feature-disparity
 * table, and its supported-drivers, default-drivers, exceptions and
 * old-formatting lists, from the matrix (see conformance/table.h).
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "matrix_common.h"
#include "table.h"
#include "vu_fs.h"

const char cli_help_table[] =
    "Usage: vmdrv table [--matrix DIR] [--format myst|md|json|html]\n"
    "                   [--at VERSION] [--features shown|all]\n"
    "                   [--list supported|defaults|exceptions|features]\n"
    "                   [-o FILE]\n"
    "\n"
    "Render the feature-disparity table from the matrix.\n"
    "\n"
    "With no option, prints the \"Feature disparities\" table of the docs\n"
    "page exactly as the page has it (MyST: a Markdown table whose cells\n"
    "hold <ul><li> lists), for the matrix's current release.\n"
    "\n"
    "Options:\n"
    "  --matrix DIR         the matrix folder (default: the shipped matrix)\n"
    "  --format FORMAT      myst (default): the page's own table;\n"
    "                       md: plain Markdown, drivers comma-separated;\n"
    "                       json: the features with their drivers, and every\n"
    "                       host's drivers, default and feature support;\n"
    "                       html: a standalone page with the platform x\n"
    "                       driver grid of availability and of each feature\n"
    "  --at VERSION         the release to render (default: the matrix's\n"
    "                       current one); drivers gone by then are left out\n"
    "  --features WHICH     shown (default): the features the page's table\n"
    "                       shows; all: every published feature\n"
    "  --list WHICH         print one of the page's lists instead, as\n"
    "                       Markdown bullets: supported (drivers per\n"
    "                       platform, with the retired ones), defaults,\n"
    "                       exceptions, or features (the bullets of the\n"
    "                       page's \"old formatting\" comment; use --at with\n"
    "                       the matrix's history_at to reproduce it)\n"
    "  -o, --output FILE    write to FILE (atomically) instead of stdout\n"
    "\n"
    "Exit status: 0 rendered; 1 the output file cannot be written; 2 usage\n"
    "error, or a matrix that does not load.\n";

int cli_cmd_table(cli_env *env, int argc, char **argv)
{
    static const struct option opts[] = {
        {"matrix", required_argument, NULL, 'm'},
        {"format", required_argument, NULL, 'f'},
        {"at", required_argument, NULL, 'a'},
        {"features", required_argument, NULL, 'F'},
        {"list", required_argument, NULL, 'l'},
        {"output", required_argument, NULL, 'o'},
        {NULL, 0, NULL, 0},
    };
    const char *dir_arg = NULL, *format = NULL, *list = NULL, *output = NULL;
    char *dir = NULL;
    vc_table_opts o = {0};
    vc_table_format fmt = VC_TABLE_MYST;
    vc_matrix *m = NULL;
    vu_buf out = VU_BUF_INIT;
    int rc = CLI_USAGE, c;
    (void)env;
    while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
        switch (c) {
        case 'm':
            dir_arg = optarg;
            break;
        case 'f':
            format = optarg;
            break;
        case 'a':
            o.at = optarg;
            break;
        case 'l':
            list = optarg;
            break;
        case 'o':
            output = optarg;
            break;
        case 'F':
            if (strcmp(optarg, "all") == 0) {
                o.all_features = 1;
            } else if (strcmp(optarg, "shown") != 0) {
                rc = cli_usage("table",
                               "--features takes shown or all, not "
                               "'%s'",
                               optarg);
                goto cleanup;
            }
            break;
        default:
            fputs("Try 'vmdrv table --help'.\n", stderr);
            goto cleanup;
        }
    }
    if (optind < argc) {
        rc = cli_usage("table", "unexpected argument '%s'", argv[optind]);
        goto cleanup;
    }
    if (format && vc_table_format_parse(format, &fmt)) {
        rc = cli_usage("table",
                       "unknown format '%s' (valid: myst, md, json, html)",
                       format);
        goto cleanup;
    }
    if (list && strcmp(list, "supported") && strcmp(list, "defaults") &&
        strcmp(list, "exceptions") && strcmp(list, "features")) {
        rc = cli_usage("table",
                       "unknown list '%s' (valid: supported, defaults, "
                       "exceptions, features)",
                       list);
        goto cleanup;
    }
    if (list && format && fmt != VC_TABLE_MYST && fmt != VC_TABLE_MD) {
        rc = cli_usage("table",
                       "--list prints Markdown; --format '%s' is for "
                       "the table",
                       format);
        goto cleanup;
    }
    if (cli_matrix_check_at("table", o.at))
        goto cleanup;
    /* rendering does not judge known-broken expiry: no date */
    if (cli_matrix_open(dir_arg, "--matrix DIR", NULL, &m, &dir))
        goto cleanup;
    if (!list)
        vc_table_render(m, fmt, &o, &out);
    else if (strcmp(list, "supported") == 0)
        vc_render_supported(m, o.at, &out);
    else if (strcmp(list, "defaults") == 0)
        vc_render_defaults(m, o.at, &out);
    else if (strcmp(list, "exceptions") == 0)
        vc_render_exceptions(m, o.at, &out);
    else
        vc_render_feature_bullets(m, o.at, &out);
    if (output) {
        int e = vu_write_atomic(output, out.data ? out.data : "", out.len);
        if (e) {
            cli_error("cannot write '%s': %s", output, strerror(-e));
            rc = CLI_FAIL;
            goto cleanup;
        }
    } else {
        fwrite(vu_buf_str(&out), 1, out.len, stdout);
    }
    rc = CLI_OK;
cleanup:
    vu_buf_clear(&out);
    vc_matrix_free(m);
    free(dir);
    return rc;
}
