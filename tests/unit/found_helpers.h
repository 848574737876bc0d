/*
 * found_helpers.h: helpers shared by the foundation unit tests: scratch
 * folders that are removed afterwards, a context on one, and assertions
 * on the exact error a call left on its context.
 *
 * Include after <cmocka.h>.
 */
#ifndef FOUND_HELPERS_H
#define FOUND_HELPERS_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmdrv/vmdrv.h"
#include "vu_fs.h"
#include "vu_str.h"

/* A fresh folder under $TMPDIR (or /tmp); owned. */
static inline char *fh_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char *tmpl = vu_asprintf("%s/vmdrv-unit-XXXXXX",
                             base && *base ? base : "/tmp");
    if (!mkdtemp(tmpl)) {
        fprintf(stderr, "mkdtemp '%s': %s\n", tmpl, strerror(errno));
        abort();
    }
    return tmpl;
}

static inline void fh_rmdir(char *dir)
{
    if (dir)
        vu_rm_rf(dir);
    free(dir);
}

/* A context on a fresh data folder; the folder is returned in *dir. */
static inline vmdrv_ctx *fh_ctx(char **dir)
{
    vmdrv_ctx *ctx = NULL;
    char err[512] = "";
    *dir = fh_tmpdir();
    if (vmdrv_ctx_open(&ctx, *dir, err, sizeof err) != 0) {
        fprintf(stderr, "vmdrv_ctx_open: %s\n", err);
        abort();
    }
    return ctx;
}

/* Write text to dir/name; returns the owned path. */
static inline char *fh_write(const char *dir, const char *name,
                             const char *text)
{
    char *path = vu_path_join(dir, name);
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) == EOF) {
        fprintf(stderr, "cannot write '%s'\n", path);
        abort();
    }
    fclose(f);
    return path;
}

/* rc must be code, and the context's error must carry code and msg. */
#define fh_assert_error(ctx, rc, want_code, want_msg)                          \
    do {                                                                       \
        int fh_rc_ = (rc);                                                     \
        const vmdrv_error *fh_e_ = vmdrv_last_error(ctx);                      \
        if (fh_rc_ != (want_code) || fh_e_->code != (want_code) ||             \
            strcmp(fh_e_->message, (want_msg)) != 0)                           \
            print_error("rc %d (%s), error %d (%s) '%s'\n"                     \
                        "expected %d (%s) '%s'\n",                             \
                        fh_rc_, vmdrv_status_name(fh_rc_), fh_e_->code,        \
                        vmdrv_status_name(fh_e_->code), fh_e_->message,        \
                        (int)(want_code), vmdrv_status_name(want_code),        \
                        (want_msg));                                           \
        assert_int_equal(fh_rc_, (want_code));                                 \
        assert_int_equal(fh_e_->code, (want_code));                            \
        assert_string_equal(fh_e_->message, (want_msg));                       \
    } while (0)

/* A call that must succeed; on failure shows the context's message. */
#define fh_assert_ok(ctx, call)                                                \
    do {                                                                       \
        int fh_rc_ = (call);                                                   \
        if (fh_rc_ != 0)                                                       \
            print_error("%s failed: %s: %s\n", #call,                          \
                        vmdrv_status_name(fh_rc_),                             \
                        vmdrv_last_error(ctx)->message);                       \
        assert_int_equal(fh_rc_, 0);                                           \
    } while (0)

#endif
