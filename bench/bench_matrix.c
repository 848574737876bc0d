/*
 * bench_matrix.c: how long loading and expanding the matrix take at the
 * scale of a large project: a generated matrix (20 drivers, 6 host
 * combinations, 5 features, 834 cases: 100,080 cells) is written to a
 * temporary folder, then loaded (libyaml, every check) and expanded into
 * cells, N times; the best and median times are printed. Target: well
 * under 100 ms each.
 *
 * Usage: bench_matrix [RUNS] [DRIVERS] [CASES]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "matrix.h"
#include "vmdrv/caps.h"
#include "vu_fs.h"
#include "vu_str.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int write_file(const char *dir, const char *name, const vu_buf *b)
{
    char *path = vu_path_join(dir, name);
    int rc = vu_write_atomic(path, b->data, b->len);
    if (rc)
        fprintf(stderr, "bench_matrix: cannot write '%s': %s\n", path,
                strerror(-rc));
    free(path);
    return rc;
}

/* A matrix shaped like the shipped one, with n_drivers and n_cases. */
static int generate(const char *dir, int n_drivers, int n_cases)
{
    static const char *const areas[] = {"lifecycle", "scope", "setting"};
    vu_buf b = VU_BUF_INIT;
    int rc = 0;
    vu_buf_puts(&b, "schema: 1\ncurrent: \"2.0\"\nplatforms:\n"
                    "  - {key: linux, name: Linux, arches: [x86_64, arm64]}\n"
                    "  - {key: macos, name: macOS, arches: [x86_64, arm64]}\n"
                    "  - key: windows\n    name: Windows\n"
                    "    arches: [x86_64]\n    editions:\n"
                    "      - {key: pro, name: Windows Pro}\n"
                    "      - {key: home, name: Windows Home}\n"
                    "defaults:\n"
                    "  - {platform: linux, driver: drv00}\n"
                    "  - {platform: macos, driver: drv00}\n"
                    "  - {platform: windows, driver: drv00}\n");
    rc |= write_file(dir, "platforms.yaml", &b);
    vu_buf_clear(&b);
    vu_buf_puts(&b, "drivers:\n");
    for (int d = 0; d < n_drivers; d++) {
        vu_buf_printf(&b,
                      "  - key: drv%02d\n    name: Driver %d\n"
                      "    available:\n"
                      "      - {platform: linux, until: \"1.%d\"}\n"
                      "      - {platform: linux, since: \"1.%d\"}\n"
                      "      - {platform: macos}\n"
                      "      - {platform: windows, editions: [pro]}\n",
                      d, d, 10 + d, 10 + d);
        if (d % 2 == 0)
            vu_buf_puts(&b, "      - {platform: windows, editions: [home], "
                            "since: \"1.5\"}\n");
    }
    rc |= write_file(dir, "drivers.yaml", &b);
    vu_buf_clear(&b);
    vu_buf_puts(&b, "features:\n");
    for (int c = 0; c < VMDRV_CAP__COUNT; c++) {
        vu_buf_printf(&b, "  - key: %s\n    name: %s\n    support:\n",
                      vmdrv_cap_key((vmdrv_cap)c),
                      vmdrv_cap_display((vmdrv_cap)c));
        for (int d = c % 2; d < n_drivers; d += 2)
            vu_buf_printf(&b, "      - {driver: drv%02d, since: \"1.%d\"}\n", d,
                          c);
    }
    rc |= write_file(dir, "features.yaml", &b);
    vu_buf_clear(&b);
    vu_buf_puts(&b, "cases:\n");
    for (int i = 0; i < n_cases; i++) {
        if (i % 2)
            vu_buf_printf(&b, "  - id: feature.%s.case_%04d\n",
                          vmdrv_cap_key((vmdrv_cap)(i % VMDRV_CAP__COUNT)), i);
        else
            vu_buf_printf(&b, "  - id: %s.case_%04d\n", areas[i % 3], i);
        vu_buf_printf(&b,
                      "    must_run: %s\n    timeout: {default: 60, "
                      "drv01: 300}\n",
                      i % 4 ? "false" : "true");
        if (i % 5 == 0)
            vu_buf_puts(&b, "    requires: [guest_exec]\n");
    }
    rc |= write_file(dir, "cases.yaml", &b);
    vu_buf_clear(&b);
    vu_buf_puts(&b, "known_broken:\n");
    for (int i = 0; i < 10; i++)
        vu_buf_printf(&b,
                      "  - driver: drv%02d\n    case: lifecycle.*\n"
                      "    link: https://example.com/issues/%d\n"
                      "    expires: \"2099-01-01\"\n",
                      i, i);
    rc |= write_file(dir, "known-broken.yaml", &b);
    vu_buf_clear(&b);
    return rc;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 20;
    int n_drivers = argc > 2 ? atoi(argv[2]) : 20;
    int n_cases = argc > 3 ? atoi(argv[3]) : 834;
    int rc = 1;
    if (runs < 1 || n_drivers < 1 || n_drivers > 99 || n_cases < 1) {
        fputs("usage: bench_matrix [RUNS] [DRIVERS 1-99] [CASES]\n", stderr);
        return 2;
    }
    const char *tmp = getenv("TMPDIR");
    char *dir =
        vu_asprintf("%s/vmdrv-bench-matrix-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    double *load = vu_calloc((size_t)runs, sizeof *load);
    double *expand = vu_calloc((size_t)runs, sizeof *expand);
    size_t n_cells = 0;
    if (!mkdtemp(dir)) {
        perror("bench_matrix: mkdtemp");
        free(dir);
        dir = NULL;
        goto cleanup;
    }
    if (generate(dir, n_drivers, n_cases))
        goto cleanup;
    for (int r = 0; r < runs; r++) {
        vu_strv errs = VU_STRV_INIT;
        vc_matrix *m;
        double t0 = now_ms();
        if (vc_matrix_load(&m, dir, "2025-01-01", &errs)) {
            for (size_t i = 0; i < errs.n && i < 10; i++)
                fprintf(stderr, "%s\n", errs.v[i]);
            vu_strv_clear(&errs);
            goto cleanup;
        }
        double t1 = now_ms();
        vc_cells cells;
        if (vc_matrix_cells(m, NULL, &cells, &errs)) {
            vc_matrix_free(m);
            goto cleanup;
        }
        double t2 = now_ms();
        load[r] = t1 - t0;
        expand[r] = t2 - t1;
        n_cells = cells.n;
        vc_cells_free(&cells);
        vc_matrix_free(m);
    }
    qsort(load, (size_t)runs, sizeof *load, cmp_double);
    qsort(expand, (size_t)runs, sizeof *expand, cmp_double);
    printf("matrix: %d drivers, 6 hosts, %d features, %d cases: %zu cells\n",
           n_drivers, VMDRV_CAP__COUNT, n_cases, n_cells);
    printf("%-8s %10s %10s   (%d runs)\n", "step", "best ms", "median ms",
           runs);
    printf("%-8s %10.2f %10.2f\n", "load", load[0], load[runs / 2]);
    printf("%-8s %10.2f %10.2f\n", "expand", expand[0], expand[runs / 2]);
    printf("%-8s %10.2f %10.2f\n", "total", load[0] + expand[0],
           load[runs / 2] + expand[runs / 2]);
    rc = 0;
cleanup:
    if (dir)
        vu_rm_rf(dir);
    free(dir);
    free(load);
    free(expand);
    return rc;
}
