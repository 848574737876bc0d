/*
 * cmd_matrix.c: `vmdrv matrix check` validates a matrix folder and
 * `vmdrv matrix cells` prints its expansion into cells, each with what
 * must hold there (see conformance/matrix.h).
 */
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "matrix.h"
#include "matrix_common.h"
#include "vmdrv/caps.h"

const char cli_help_matrix[] =
    "Usage: vmdrv matrix check [DIR] [--today YYYY-MM-DD]\n"
    "       vmdrv matrix cells [--matrix DIR] [--host PROFILE] [--at VERSION]\n"
    "                          [--driver NAME] [--feature KEY] [--case "
    "PATTERN]\n"
    "                          [--available-only] [--json]\n"
    "\n"
    "Check the conformance matrix, or print its cells.\n"
    "\n"
    "The matrix is a folder of YAML files (the schema is matrix/README.md)\n"
    "that says, per platform, edition, arch, driver, feature and case, what\n"
    "must hold at each release. DIR and --matrix default to the shipped\n"
    "matrix.\n"
    "\n"
    "check: load DIR and report every problem, one per line, as\n"
    "  FILE:LINE:COLUMN: MESSAGE (YAML syntax, unknown keys with the valid\n"
    "  ones, wrong types, unknown drivers, platforms, features or cases,\n"
    "  duplicates, overlapping or inverted version ranges, missing or\n"
    "  unavailable defaults, expired known-broken entries). On success, one\n"
    "  line of counts and the matrix's content hash.\n"
    "  --today YYYY-MM-DD   the date known-broken expiry is checked against\n"
    "                       (default: today)\n"
    "\n"
    "cells: expand the matrix into cells (host x driver x case) and print\n"
    "  each with its expectation: supported, unsupported (the feature must\n"
    "  answer VMDRV_E_NOTSUP), unavailable (the driver must decline the\n"
    "  host), retired (refused naming the release), or known-broken; plus\n"
    "  must-run, the timeout for that driver, and the matrix line the\n"
    "  expectation comes from.\n"
    "  --matrix DIR         the matrix folder\n"
    "  --host PROFILE       only the cells of the host a profile describes\n"
    "                       (a path, or a name in fixtures/hosts; the global\n"
    "                       --host is used when this is not given)\n"
    "  --at VERSION         the release (default: the matrix's current one)\n"
    "  --driver NAME        only this driver's cells\n"
    "  --feature KEY        only the cases of this feature (native_mounts...)\n"
    "  --case PATTERN       only cases whose id matches this PCRE2 pattern\n"
    "  --available-only     drop cells of drivers the host does not offer\n"
    "  --json               one JSON document instead of a table\n"
    "  --today YYYY-MM-DD   as for check\n"
    "\n"
    "Exit status: 0 valid (check) or cells printed (cells); 1 problems found\n"
    "(check), or no cell matches (cells); 2 usage error, or a matrix that\n"
    "does not load (cells).\n";

static int check_date(const char *s)
{
    return strlen(s) == 10 && s[4] == '-' && s[7] == '-' &&
           strspn(s, "0123456789-") == 10;
}

/* The date known-broken expiry is judged on: today_arg, else today
   (written into buf); NULL, the usage error printed, for a bad one. */
static const char *pick_today(const char *today_arg, char buf[11])
{
    if (today_arg && !check_date(today_arg)) {
        cli_usage("matrix", "--today takes YYYY-MM-DD, not '%s'", today_arg);
        return NULL;
    }
    if (today_arg)
        return today_arg;
    vc_today(buf);
    return buf;
}

static int cmd_check(int argc, char **argv)
{
    static const struct option opts[] = {
        {"today", required_argument, NULL, 't'},
        {NULL, 0, NULL, 0},
    };
    char today[11];
    const char *today_arg = NULL, *day;
    char *dir = NULL;
    vc_matrix *m = NULL;
    vu_strv errs = VU_STRV_INIT;
    vc_cells cells = {0};
    int rc = CLI_USAGE;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 't':
            today_arg = optarg;
            break;
        default:
            fputs("Try 'vmdrv matrix --help'.\n", stderr);
            goto cleanup;
        }
    }
    if (!(day = pick_today(today_arg, today)))
        goto cleanup;
    if (optind + 1 < argc) {
        rc = cli_usage("matrix", "check takes one folder, not '%s'",
                       argv[optind + 1]);
        goto cleanup;
    }
    dir = cli_matrix_dir(optind < argc ? argv[optind] : NULL, "its folder");
    if (!dir)
        goto cleanup;
    if (vc_matrix_load(&m, dir, day, &errs)) {
        for (size_t i = 0; i < errs.n; i++)
            fprintf(stderr, "%s\n", errs.v[i]);
        fprintf(stderr, "vmdrv matrix check: %zu problem%s in '%s'\n", errs.n,
                errs.n == 1 ? "" : "s", dir);
        rc = CLI_FAIL;
        goto cleanup;
    }
    vc_matrix_cells(m, NULL, &cells, &errs);
    printf("%s: valid: release %s, %zu platforms, %zu drivers, %zu features, "
           "%zu cases, %zu cells (%s)\n",
           dir, m->current, m->n_platforms, m->n_drivers, m->n_features,
           m->n_cases, cells.n, m->hash_str);
    rc = CLI_OK;
cleanup:
    vc_cells_free(&cells);
    vu_strv_clear(&errs);
    vc_matrix_free(m);
    free(dir);
    return rc;
}

static json_t *caps_json(uint64_t mask)
{
    json_t *a = json_array();
    for (int i = 0; i < VMDRV_CAP__COUNT; i++)
        if (mask & VMDRV_CAP_BIT(i))
            json_array_append_new(a, json_string(vmdrv_cap_key((vmdrv_cap)i)));
    return a;
}

static json_t *cell_json(const vc_cell *c)
{
    char host[128], src[512];
    vc_cell_host_name(c, host, sizeof host);
    snprintf(src, sizeof src, "%s:%d:%d", c->src.file, c->src.line, c->src.col);
    json_t *o = json_object();
    json_object_set_new(o, "host", json_string(host));
    json_object_set_new(o, "platform", json_string(c->platform->key));
    json_object_set_new(
        o, "edition", c->edition ? json_string(c->edition->key) : json_null());
    json_object_set_new(o, "arch", json_string(c->arch));
    json_object_set_new(o, "driver", json_string(c->driver->key));
    json_object_set_new(
        o, "feature", c->feature ? json_string(c->feature->key) : json_null());
    json_object_set_new(o, "case", json_string(c->kase->id));
    json_object_set_new(o, "expect", json_string(vc_expect_name(c->expect)));
    json_object_set_new(o, "base", json_string(vc_expect_name(c->base)));
    json_object_set_new(o, "must_run", json_boolean(c->must_run));
    json_object_set_new(o, "timeout", json_integer(c->timeout));
    json_object_set_new(o, "requires", caps_json(c->requires));
    json_object_set_new(o, "missing", caps_json(c->missing));
    json_object_set_new(o, "source", json_string(src));
    if (c->retired_in)
        json_object_set_new(o, "retired_in", json_string(c->retired_in));
    if (c->exception)
        json_object_set_new(o, "exception", json_string(c->exception->key));
    if (c->broken) {
        json_t *b = json_object();
        snprintf(src, sizeof src, "%s:%d:%d", c->broken->src.file,
                 c->broken->src.line, c->broken->src.col);
        json_object_set_new(b, "link", json_string(c->broken->link));
        json_object_set_new(b, "expires", json_string(c->broken->expires));
        json_object_set_new(b, "reason",
                            c->broken->reason ? json_string(c->broken->reason)
                                              : json_null());
        json_object_set_new(b, "source", json_string(src));
        json_object_set_new(o, "known_broken", b);
    }
    return o;
}

static void print_cells_text(const vc_cells *cells)
{
    size_t must = 0;
    printf("%-20s %-11s %-44s %-13s %-4s %7s  %s\n", "HOST", "DRIVER", "CASE",
           "EXPECT", "MUST", "TIMEOUT", "SOURCE");
    for (size_t i = 0; i < cells->n; i++) {
        const vc_cell *c = &cells->v[i];
        char host[128];
        vc_cell_host_name(c, host, sizeof host);
        must += (size_t)c->must_run;
        printf("%-20s %-11s %-44s %-13s %-4s %6us  %s:%d:%d", host,
               c->driver->key, c->kase->id, vc_expect_name(c->expect),
               c->must_run ? "yes" : "no", c->timeout, c->src.file, c->src.line,
               c->src.col);
        if (c->retired_in)
            printf("  retired as of %s", c->retired_in);
        if (c->broken)
            printf("  known-broken until %s: %s", c->broken->expires,
                   c->broken->link);
        for (int k = 0; k < VMDRV_CAP__COUNT; k++)
            if (c->missing & VMDRV_CAP_BIT(k))
                printf("  needs %s", vmdrv_cap_key((vmdrv_cap)k));
        putchar('\n');
    }
    printf("%zu cells at release %s, %zu must run\n", cells->n, cells->at,
           must);
}

static int cmd_cells(cli_env *env, int argc, char **argv)
{
    static const struct option opts[] = {
        {"matrix", required_argument, NULL, 'm'},
        {"host", required_argument, NULL, 'H'},
        {"at", required_argument, NULL, 'a'},
        {"driver", required_argument, NULL, 'd'},
        {"feature", required_argument, NULL, 'f'},
        {"case", required_argument, NULL, 'c'},
        {"available-only", no_argument, NULL, 'A'},
        {"json", no_argument, NULL, 'j'},
        {"today", required_argument, NULL, 't'},
        {NULL, 0, NULL, 0},
    };
    char today[11];
    const char *dir_arg = NULL, *host = env->host_profile, *today_arg = NULL,
               *day;
    char *dir = NULL;
    int json = 0, rc = CLI_USAGE, c;
    vc_filter f = {0};
    vc_matrix *m = NULL;
    vmdrv_ctx *ctx = NULL;
    vc_cells cells = {0};
    vu_strv errs = VU_STRV_INIT;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'm':
            dir_arg = optarg;
            break;
        case 'H':
            host = optarg;
            break;
        case 'a':
            f.at = optarg;
            break;
        case 'd':
            f.driver = optarg;
            break;
        case 'f':
            f.feature = optarg;
            break;
        case 'c':
            f.case_re = optarg;
            break;
        case 'A':
            f.available_only = 1;
            break;
        case 'j':
            json = 1;
            break;
        case 't':
            today_arg = optarg;
            break;
        default:
            fputs("Try 'vmdrv matrix --help'.\n", stderr);
            goto cleanup;
        }
    }
    if (optind < argc) {
        rc = cli_usage("matrix", "cells takes no argument '%s'", argv[optind]);
        goto cleanup;
    }
    if (!(day = pick_today(today_arg, today)))
        goto cleanup;
    if (cli_matrix_check_at("matrix", f.at))
        goto cleanup;
    if (cli_matrix_open(dir_arg, "its folder", day, &m, &dir))
        goto cleanup;
    if (f.driver && !vc_matrix_driver(m, f.driver)) {
        rc = cli_usage("matrix", "unknown driver '%s'", f.driver);
        goto cleanup;
    }
    if (f.feature && !vc_matrix_feature(m, f.feature)) {
        rc = cli_usage("matrix", "unknown feature '%s'", f.feature);
        goto cleanup;
    }
    if (host) {
        /* the profile loader is the SDK's; a context is what it needs */
        env->host_profile = host;
        ctx = cli_open_ctx(env);
        if (!ctx)
            goto cleanup;
        vc_target_from_host(&f.target, vmdrv_ctx_host(ctx));
        if (!vc_matrix_platform(m, f.target.platform)) {
            cli_error("the host profile '%s' is on platform '%s', which the "
                      "matrix does not know",
                      host, f.target.platform);
            goto cleanup;
        }
    }
    if (vc_matrix_cells(m, &f, &cells, &errs)) {
        for (size_t i = 0; i < errs.n; i++)
            cli_error("%s", errs.v[i]);
        goto cleanup;
    }
    if (json) {
        json_t *root = json_object();
        json_object_set_new(root, "matrix", json_string(m->hash_str));
        json_object_set_new(root, "release", json_string(cells.at));
        json_t *arr = json_array();
        for (size_t i = 0; i < cells.n; i++)
            json_array_append_new(arr, cell_json(&cells.v[i]));
        json_object_set_new(root, "cells", arr);
        json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        putchar('\n');
        json_decref(root);
    } else if (cells.n) {
        print_cells_text(&cells);
    }
    if (!cells.n) {
        cli_error("no cell matches this selection");
        rc = CLI_FAIL;
        goto cleanup;
    }
    rc = CLI_OK;
cleanup:
    vu_strv_clear(&errs);
    vc_cells_free(&cells);
    vmdrv_ctx_free(ctx);
    vc_matrix_free(m);
    free(dir);
    return rc;
}

int cli_cmd_matrix(cli_env *env, int argc, char **argv)
{
    if (argc < 2)
        return cli_usage("matrix", "missing subcommand: check or cells");
    if (strcmp(argv[1], "check") == 0)
        return cmd_check(argc - 1, argv + 1);
    if (strcmp(argv[1], "cells") == 0)
        return cmd_cells(env, argc - 1, argv + 1);
    return cli_usage("matrix", "unknown subcommand '%s' (valid: check, cells)",
                     argv[1]);
}
