/*
 * cmd_docs_check.c: `vmdrv docs-check PAGE.md` compares a docs page
 * shaped like the seed driver page with the matrix and names every
 * disagreement (see conformance/docs_check.h).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "docs_check.h"
#include "docs_evidence.h"
#include "matrix_common.h"
#include "vu_json.h"
#include "vu_fs.h"

const char cli_help_docs_check[] =
    "Usage: vmdrv docs-check PAGE.md [--matrix DIR] [--at VERSION] [--json]\n"
    "                        [--evidence RESULT.json]...\n"
    "\n"
    "Compare a docs page with the matrix.\n"
    "\n"
    "PAGE.md is a page shaped like the driver page: its \"Supported drivers\"\n"
    "bullets (the drivers of each platform, \"(only available on Windows\n"
    "Pro)\", and the \"As of Multipass version X, ... no longer available.\"\n"
    "sentences), its \"Default drivers\" bullets, its \"Exceptions\" (the\n"
    "Hyperkit to QEMU migration), its \"Feature disparities\" table, and the\n"
    "feature bullets of that section's \"old formatting\" HTML comment, which\n"
    "are compared at the matrix's history_at release.\n"
    "\n"
    "Each disagreement is one line: PAGE:LINE: MESSAGE "
    "(MATRIX-FILE:LINE:COL),\n"
    "naming the page line and the matrix fact it contradicts. Where the page\n"
    "means what the matrix says but is worded differently from what\n"
    "'vmdrv table' renders, or contradicts itself, a warning is printed; a\n"
    "warning alone does not fail the check.\n"
    "\n"
    "Options:\n"
    "  --matrix DIR    the matrix folder (default: the shipped matrix)\n"
    "  --at VERSION    the release the page describes (default: the\n"
    "                  matrix's current one)\n"
    "  --evidence FILE a conformance result (repeatable): every feature\n"
    "                  cell that worked where the matrix says unsupported,\n"
    "                  or was verified unsupported where it says supported,\n"
    "                  is a disagreement too (the page states the matrix)\n"
    "  --json          one JSON document: page, matrix hash, release,\n"
    "                  agree, disagreements and warnings (each with line,\n"
    "                  section, message and matrix source)\n"
    "\n"
    "Exit status: 0 the page and the matrix agree; 1 they disagree; 2 usage\n"
    "error, an unreadable page, or a matrix that does not load.\n";

int cli_cmd_docs_check(cli_env *env, int argc, char **argv)
{
    static const struct option opts[] = {
        {"matrix", required_argument, NULL, 'm'},
        {"at", required_argument, NULL, 'a'},
        {"json", no_argument, NULL, 'j'},
        {"evidence", required_argument, NULL, 'e'},
        {NULL, 0, NULL, 0},
    };
    const char *dir_arg = NULL, *at = NULL, *page = NULL;
    char *dir = NULL, *text = NULL;
    size_t len = 0;
    int json = 0, rc = CLI_USAGE, c;
    vc_matrix *m = NULL;
    vc_docs_report r = {0};
    vu_strv errs = VU_STRV_INIT;
    vu_buf out = VU_BUF_INIT;
    vu_strv evidence = VU_STRV_INIT;
    (void)env;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'm':
            dir_arg = optarg;
            break;
        case 'a':
            at = optarg;
            break;
        case 'j':
            json = 1;
            break;
        case 'e':
            vu_strv_add(&evidence, optarg);
            break;
        default:
            fputs("Try 'vmdrv docs-check --help'.\n", stderr);
            goto cleanup;
        }
    }
    if (optind >= argc) {
        rc = cli_usage("docs-check", "missing the page to check");
        goto cleanup;
    }
    if (optind + 1 < argc) {
        rc = cli_usage("docs-check", "checks one page, not also '%s'",
                       argv[optind + 1]);
        goto cleanup;
    }
    page = argv[optind];
    if (cli_matrix_check_at("docs-check", at))
        goto cleanup;
    int e = vu_read_file(page, &text, &len);
    if (e) {
        cli_error("cannot read '%s': %s", page, strerror(-e));
        goto cleanup;
    }
    if (cli_matrix_open(dir_arg, "--matrix DIR", NULL, &m, &dir))
        goto cleanup;
    if (vc_docs_check(m, page, text, len, at, &r, &errs)) {
        for (size_t i = 0; i < errs.n; i++)
            cli_error("%s", errs.v[i]);
        goto cleanup;
    }
    for (size_t i = 0; i < evidence.n; i++) {
        char err[512];
        json_t *res = vu_json_load_file(evidence.v[i], err, sizeof err);
        if (!res) {
            cli_error("%s", err);
            rc = CLI_USAGE;
            goto cleanup;
        }
        vc_docs_check_evidence(m, at, res, evidence.v[i], &r);
        json_decref(res);
    }
    if (json)
        vc_docs_report_json(&r, m, &out);
    else
        vc_docs_report_text(&r, &out);
    fwrite(vu_buf_str(&out), 1, out.len, stdout);
    if (!json && r.n_issues)
        fprintf(stderr,
                "vmdrv docs-check: %zu disagreement%s between '%s' "
                "and the matrix at release %s\n",
                r.n_issues, r.n_issues == 1 ? "" : "s", page, r.at);
    rc = r.n_issues ? CLI_FAIL : CLI_OK;
cleanup:
    vu_buf_clear(&out);
    vu_strv_clear(&evidence);
    vu_strv_clear(&errs);
    vc_docs_report_free(&r);
    vc_matrix_free(m);
    free(dir);
    free(text);
    return rc;
}
