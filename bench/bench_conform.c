/*
 * bench_conform.c: conformance throughput with the test driver: cells per
 * second for `vmdrv conform --driver test --host real` at --jobs 1 and
 * --jobs 2, median of N runs. Prints a table; asserts nothing.
 *
 * Usage: bench_conform [VMDRV_BINARY] [RUNS]
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vmdrv/vmdrv.h"
#include "vu_fs.h"
#include "vu_json.h"
#include "vu_str.h"
#include "vmdrv_config.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    const char *cli = argc > 1 ? argv[1] : VMDRV_BUILD_DIR "/cli/vmdrv";
    int runs = argc > 2 ? atoi(argv[2]) : 3;
    char tmpl[] = "/tmp/vmdrv-bench-conform-XXXXXX";
    char err[256];
    vmdrv_ctx *ctx;
    if (runs < 1 || !mkdtemp(tmpl) ||
        vmdrv_ctx_open(&ctx, tmpl, err, sizeof err) != 0) {
        fprintf(stderr, "bench_conform: cannot set up\n");
        return 1;
    }
    printf("%-8s %8s %10s %12s\n", "jobs", "cells", "median s", "cells/s");
    for (int jobs = 1; jobs <= 2; jobs++) {
        double *t = calloc((size_t)runs, sizeof *t);
        long cells = 0;
        for (int i = 0; i < runs; i++) {
            char *work = vu_asprintf("%s/work-%d-%d", tmpl, jobs, i);
            char *json = vu_asprintf("%s/r-%d-%d.json", tmpl, jobs, i);
            char *jo = vu_asprintf("--jobs=%d", jobs);
            char *wo = vu_asprintf("--work-dir=%s", work);
            char *ro = vu_asprintf("--json=%s", json);
            char *dd = vu_asprintf("--data-dir=%s/data", tmpl);
            const char *av[] = {cli, dd, "conform", "--driver=test",
                                "--host=real", jo, wo, ro, "--no-progress",
                                NULL};
            vmdrv_proc_spec spec = {.argv = av, .timeout_ms = 600000};
            vmdrv_proc_result r;
            double start = now_s();
            int rc = vmdrv_proc_run(ctx, &spec, &r);
            t[i] = now_s() - start;
            if (rc != 0 || !r.exited || r.status != 0) {
                fprintf(stderr, "bench_conform: the run failed: %s\n", r.err);
                return 1;
            }
            vmdrv_proc_result_clear(&r);
            json_t *res = vu_json_load_file(json, err, sizeof err);
            cells = res ? (long)json_array_size(json_object_get(res, "cells")) : 0;
            json_decref(res);
            free(work);
            free(json);
            free(jo);
            free(wo);
            free(ro);
            free(dd);
        }
        qsort(t, (size_t)runs, sizeof *t, cmp_double);
        double med = t[runs / 2];
        printf("%-8d %8ld %10.2f %12.1f\n", jobs, cells, med,
               med > 0 ? (double)cells / med : 0);
        free(t);
    }
    vmdrv_ctx_free(ctx);
    vu_rm_rf(tmpl);
    return 0;
}
