/*
 * cmd_conform.c: `vmdrv conform`: run the conformance matrix (see
 * conformance/runner.h for the engine).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "runner.h"
#include "vu_fs.h"

const char cli_help_conform[] =
    "Usage: vmdrv conform [OPTIONS]\n"
    "\n"
    "Run the conformance cases of the matrix against real drivers and\n"
    "simulated hosts. Each cell (host x driver x case) runs in its own child\n"
    "process with a watchdog. Three sources are compared for every feature\n"
    "cell: what the matrix expects (E), what the driver advertises (A) and\n"
    "what it does (O); each mismatch fails with its own name:\n"
    "  capability-regression  E yes, A no\n"
    "  false-advertisement    A yes, but the driver answers unsupported\n"
    "  under-advertised       A no, but the feature works\n"
    "  matrix-understates     E no, A yes, and it works: the table is wrong\n"
    "  wrong-error            unsupported, but not with VMDRV_E_NOTSUP\n"
    "  unsupported-changed-state  unsupported, but the instance changed\n"
    "\n"
    "Targets (default: every driver available on this machine, plus every\n"
    "host profile for the drivers that run against simulators):\n"
    "  --driver NAME         only this driver (repeatable)\n"
    "  --driver-lib PATH     load an out-of-tree driver (global option too)\n"
    "  --host PROFILE        only this host profile (repeatable; a name like\n"
    "                        windows-home or a path); --host real = this machine\n"
    "  --matrix DIR          the matrix (default: the shipped one)\n"
    "  --at VERSION          the release to check (default: the matrix's)\n"
    "\n"
    "Selection and execution:\n"
    "  --focus REGEX         only cells whose id matches (PCRE2); ids look like\n"
    "                        host:qemu:feature.snapshots.restore\n"
    "  --skip REGEX          leave out cells whose id matches\n"
    "  --rerun-failed FILE   only the cells that did not pass in a result.json\n"
    "  --plan                print every cell and why it would run or skip; run\n"
    "                        nothing\n"
    "  --jobs N              cells at once (default 1)\n"
    "  --seed N              order seed (default random; printed for replay)\n"
    "  --retries N           rerun a failing cell up to N times (a later pass\n"
    "                        is reported flaky)\n"
    "  --max-timeout S       cap every cell's timeout at S seconds\n"
    "  --keep-on-failure     leave what a failing cell created, for debugging\n"
    "  --sweep               remove what earlier runs left before starting\n"
    "                        (without it, leftovers stop the run)\n"
    "  --work-dir DIR        where runs, data and ledgers live (default:\n"
    "                        <data dir>/conform)\n"
    "\n"
    "Reports (the JSON result is always written to the run folder):\n"
    "  --json FILE  --junit FILE  --tap FILE  --md FILE  --html FILE\n"
    "  --bundle FILE.tar.gz  the result, every cell's log and the summary\n"
    "  --no-progress         plain lines even on a terminal (NO_COLOR is\n"
    "                        respected)\n"
    "\n"
    "Outcomes: pass, fail, error, timeout, skip (with a reason),\n"
    "unsupported-verified, xfail/xpass (known-broken cells), flaky (with\n"
    "--retries), leaked (the case left objects behind). xpass counts as a\n"
    "failure: a known-broken entry that passes must be removed. A skipped\n"
    "must-run cell fails the run.\n"
    "\n"
    "Exit status:\n"
    "  0  every selected cell passed (or was verified unsupported, xfail, or\n"
    "     an allowed skip)\n"
    "  1  failures, errors, timeouts, xpass, or skipped must-run cells\n"
    "  2  usage or configuration error (bad matrix, leftovers without --sweep)\n"
    "  3  the selection matched no cell\n"
    "  4  nothing failed, but objects leaked\n";

/* Every profile of the shipped fixtures/hosts, except those describing
 * the same platform as this machine (the real host covers those cells,
 * and evidence must come from exactly one host). */
static void default_profiles(cli_env *env, vu_strv *out)
{
    char *dir = cli_data_path("fixtures/hosts");
    if (!dir)
        return;
    vmdrv_ctx *ctx = cli_open_ctx(env);
    const vmdrv_host *real = ctx ? vmdrv_ctx_host(ctx) : NULL;
    vu_strv names = VU_STRV_INIT;
    vu_list_dir(dir, &names); /* sorted: a stable order of profiles */
    for (size_t i = 0; i < names.n; i++) {
        if (!vu_ends_with(names.v[i], ".yaml"))
            continue;
        char *path = vu_path_join(dir, names.v[i]);
        vmdrv_host h;
        if (ctx && vmdrv_host_load_profile(ctx, path, &h) == 0 && real &&
            h.os == real->os && h.arch == real->arch &&
            h.edition == real->edition) {
            free(path);
            continue;
        }
        vu_strv_add(out, path);
        free(path);
    }
    vu_strv_clear(&names);
    vmdrv_ctx_free(ctx);
    free(dir);
}

static char *resolve_profile(const char *arg)
{
    if (strchr(arg, '/') || vu_path_exists(arg))
        return vu_path_abs(arg);
    char *rel = vu_asprintf("fixtures/hosts/%s%s", arg,
                            vu_ends_with(arg, ".yaml") ? "" : ".yaml");
    char *p = cli_data_path(rel);
    free(rel);
    return p;
}

static int parse_uint(const char *s, unsigned long *out)
{
    char *end;
    if (!s || !*s || *s == '-')
        return -1;
    *out = strtoul(s, &end, 10);
    return *end ? -1 : 0;
}

int cli_cmd_conform(cli_env *env, int argc, char **argv)
{
    vc_run_opts o = {0};
    vu_strv hosts = VU_STRV_INIT;
    int want_real = 0, no_progress = 0, rc = CLI_USAGE, c;
    unsigned long n;
    char *work = NULL, *matrix = NULL;
    vu_buf cmdline = VU_BUF_INIT;
    enum {
        O_DRIVER = 256, O_HOST, O_MATRIX, O_AT, O_FOCUS, O_SKIP, O_RERUN,
        O_PLAN, O_JOBS, O_SEED, O_RETRIES, O_KEEP, O_SWEEP, O_WORK, O_JSON,
        O_JUNIT, O_TAP, O_MD, O_HTML, O_BUNDLE, O_NOPROG, O_LIB, O_MAXT
    };
    static const struct option opts[] = {
        {"driver", required_argument, NULL, O_DRIVER},
        {"driver-lib", required_argument, NULL, O_LIB},
        {"host", required_argument, NULL, O_HOST},
        {"matrix", required_argument, NULL, O_MATRIX},
        {"at", required_argument, NULL, O_AT},
        {"focus", required_argument, NULL, O_FOCUS},
        {"skip", required_argument, NULL, O_SKIP},
        {"rerun-failed", required_argument, NULL, O_RERUN},
        {"plan", no_argument, NULL, O_PLAN},
        {"jobs", required_argument, NULL, O_JOBS},
        {"seed", required_argument, NULL, O_SEED},
        {"retries", required_argument, NULL, O_RETRIES},
        {"keep-on-failure", no_argument, NULL, O_KEEP},
        {"max-timeout", required_argument, NULL, O_MAXT},
        {"sweep", no_argument, NULL, O_SWEEP},
        {"work-dir", required_argument, NULL, O_WORK},
        {"json", required_argument, NULL, O_JSON},
        {"junit", required_argument, NULL, O_JUNIT},
        {"tap", required_argument, NULL, O_TAP},
        {"md", required_argument, NULL, O_MD},
        {"html", required_argument, NULL, O_HTML},
        {"bundle", required_argument, NULL, O_BUNDLE},
        {"no-progress", no_argument, NULL, O_NOPROG},
        {NULL, 0, NULL, 0}};
    o.jobs = 1;
    for (int i = 0; i < argc; i++)
        vu_buf_printf(&cmdline, "%s%s", i ? " " : "vmdrv ", argv[i]);
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case O_DRIVER: vu_strv_add(&o.drivers, optarg); break;
        case O_LIB: vu_strv_add(&env->driver_libs, optarg); break;
        case O_HOST:
            if (strcmp(optarg, "real") == 0) {
                want_real = 1;
            } else {
                char *p = resolve_profile(optarg);
                if (!p) {
                    rc = cli_usage("conform", "no host profile '%s'", optarg);
                    goto done;
                }
                vu_strv_add(&hosts, p);
                free(p);
            }
            break;
        case O_MATRIX: matrix = vu_strdup(optarg); break;
        case O_AT: o.at = optarg; break;
        case O_FOCUS: o.focus = optarg; break;
        case O_SKIP: o.skip = optarg; break;
        case O_RERUN: o.rerun_failed = optarg; break;
        case O_PLAN: o.plan = 1; break;
        case O_JOBS:
            if (parse_uint(optarg, &n) || n < 1 || n > 64) {
                rc = cli_usage("conform", "--jobs takes 1 to 64, not '%s'", optarg);
                goto done;
            }
            o.jobs = (int)n;
            break;
        case O_SEED:
            if (parse_uint(optarg, &n)) {
                rc = cli_usage("conform", "--seed takes a number, not '%s'", optarg);
                goto done;
            }
            o.seed = n;
            o.seed_set = 1;
            break;
        case O_RETRIES:
            if (parse_uint(optarg, &n) || n > 10) {
                rc = cli_usage("conform", "--retries takes 0 to 10, not '%s'", optarg);
                goto done;
            }
            o.retries = (int)n;
            break;
        case O_KEEP: o.keep_on_failure = 1; break;
        case O_MAXT:
            if (parse_uint(optarg, &n) || n < 1) {
                rc = cli_usage("conform", "--max-timeout takes seconds, not '%s'", optarg);
                goto done;
            }
            o.max_timeout = (unsigned int)n;
            break;
        case O_SWEEP: o.sweep = 1; break;
        case O_WORK: work = vu_path_abs(optarg); break;
        case O_JSON: o.json_out = optarg; break;
        case O_JUNIT: o.junit_out = optarg; break;
        case O_TAP: o.tap_out = optarg; break;
        case O_MD: o.md_out = optarg; break;
        case O_HTML: o.html_out = optarg; break;
        case O_BUNDLE: o.bundle_out = optarg; break;
        case O_NOPROG: no_progress = 1; break;
        default:
            rc = cli_usage("conform", "unknown option");
            goto done;
        }
    }
    if (optind < argc) {
        rc = cli_usage("conform", "unexpected argument '%s'", argv[optind]);
        goto done;
    }
    /* the global --host means the same as conform's own */
    if (env->host_profile) {
        char *p = resolve_profile(env->host_profile);
        if (!p) {
            rc = cli_usage("conform", "no host profile '%s'",
                           env->host_profile);
            goto done;
        }
        vu_strv_add(&hosts, p);
        free(p);
    }
    if (!matrix)
        matrix = cli_data_path("matrix");
    if (!matrix) {
        cli_error("cannot find the shipped matrix; pass --matrix DIR");
        rc = CLI_USAGE;
        goto done;
    }
    if (!work && !env->data_dir)
        work = vc_default_work_dir();
    else if (!work)
        work = vu_path_join(env->data_dir, "conform");
    if (!work) {
        cli_error("cannot find a work dir: pass --work-dir or set HOME");
        goto done;
    }
    if (hosts.n == 0 && !want_real) {
        o.real_host = 1;
        /* a driver asked for by name runs where it can: the profiles too */
        default_profiles(env, &hosts);
    } else {
        o.real_host = want_real;
    }
    for (size_t i = 0; i < hosts.n; i++)
        vu_strv_add(&o.hosts, hosts.v[i]);
    for (size_t i = 0; i < env->driver_libs.n; i++)
        vu_strv_add(&o.driver_libs, env->driver_libs.v[i]);
    for (size_t i = 0; i < env->driver_opts.n; i++)
        vu_strv_add(&o.driver_opts, env->driver_opts.v[i]);
    char today[16];
    time_t now = time(NULL);
    strftime(today, sizeof today, "%Y-%m-%d", gmtime(&now));
    o.today = today;
    o.matrix_dir = matrix;
    o.work_dir = work;
    o.progress = !no_progress && isatty(2) && !getenv("CI");
    o.color = cli_color(stderr);
    o.verbose = env->verbose;
    o.command_line = vu_buf_str(&cmdline);
    /* each case runs in a new process of this very executable */
    char self[4096];
    if (vmdrv_proc_self_path(NULL, self, sizeof self) == 0)
        o.self_exe = self;
    rc = vc_run(&o);
done:
    vu_strv_clear(&hosts);
    vu_strv_clear(&o.drivers);
    vu_strv_clear(&o.hosts);
    vu_strv_clear(&o.driver_libs);
    vu_strv_clear(&o.driver_opts);
    vu_buf_clear(&cmdline);
    free(work);
    free(matrix);
    return rc;
}
