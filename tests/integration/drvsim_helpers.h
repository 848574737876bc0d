/*
 * drvsim_helpers.h: what the end-to-end tests of the VirtualBox and
 * Hyper-V drivers share: a context on a scratch data folder using a host
 * profile whose tools are the simulators of fixtures/sim, the simulator's
 * call log ($VMDRV_SIM_STATE/calls.log, one JSON record per invocation:
 * what the simulator really received), and running a simulator directly
 * (with the profile's environment) to set the scene behind a driver's
 * back.
 *
 * Include after <cmocka.h>.
 */
#ifndef DRVSIM_HELPERS_H
#define DRVSIM_HELPERS_H

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmdrv/vmdrv.h"
#include "vmdrv_config.h"
#include "vu_fs.h"
#include "vu_json.h"
#include "vu_str.h"

/* cmocka 1.1.5 has no fail_msg with a location: print it, then fail. */
#define _fail_msg_at(file, line, ...)                                          \
    do {                                                                       \
        print_error("%s:%d: ", (file), (line));                                \
        fail_msg(__VA_ARGS__);                                                 \
    } while (0)

/* ctest's answer for "skipped" (SKIP_RETURN_CODE in the .cmake file). */
#define DRVSIM_SKIP 77

static inline const char *ds_source_dir(void)
{
    const char *s = getenv("VMDRV_SOURCE_DIR");
    return s && *s ? s : VMDRV_SOURCE_DIR;
}

/* Where the simulators are: $VMDRV_SIM_DIR, else <build>/fixtures/sim. */
static inline char *ds_sim_path(const char *exe)
{
    const char *dir = getenv("VMDRV_SIM_DIR");
    if (dir && *dir)
        return vu_path_join(dir, exe);
    const char *build = getenv("VMDRV_BUILD_DIR");
    char *d = vu_asprintf("%s/fixtures/sim",
                          build && *build ? build : VMDRV_BUILD_DIR);
    char *p = vu_path_join(d, exe);
    free(d);
    return p;
}

/* 1 when the simulator is built; otherwise says why on stderr. */
static inline int ds_sim_available(const char *exe)
{
    char *p = ds_sim_path(exe);
    int ok = access(p, X_OK) == 0;
    if (!ok)
        fprintf(stderr,
                "SKIP: simulator '%s' is not built (expected at '%s'; build "
                "the fixtures/sim targets or set VMDRV_SIM_DIR)\n",
                exe, p);
    free(p);
    return ok;
}

static inline char *ds_profile(const char *name)
{
    return vu_asprintf("%s/fixtures/hosts/%s.yaml", ds_source_dir(), name);
}

typedef struct ds_env {
    char *dir;     /* the data folder */
    char *profile; /* its name: "windows-pro" */
    vmdrv_ctx *ctx;
    vmdrv_conn *conn; /* NULL until ds_open_conn */
} ds_env;

/* A context on a fresh data folder with the named host profile. */
static inline ds_env *ds_env_new(const char *profile)
{
    ds_env *e = vu_calloc(1, sizeof *e);
    char err[512] = "";
    const char *base = getenv("TMPDIR");
    e->dir =
        vu_asprintf("%s/vmdrv-drvsim-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(e->dir))
        fail_msg("mkdtemp failed");
    if (vmdrv_ctx_open(&e->ctx, e->dir, err, sizeof err) != 0)
        fail_msg("vmdrv_ctx_open: %s", err);
    e->profile = vu_strdup(profile);
    char *path = ds_profile(profile);
    if (vmdrv_ctx_use_profile(e->ctx, path) != 0)
        fail_msg("profile '%s': %s", path, vmdrv_last_error(e->ctx)->message);
    free(path);
    if (getenv("VMDRV_TEST_VERBOSE"))
        vmdrv_ctx_set_verbose(e->ctx, 1);
    return e;
}

static inline void ds_open_conn(ds_env *e, const char *driver,
                                const char *scope, const char *const *opts)
{
    if (vmdrv_conn_open(&e->conn, e->ctx, driver, scope, opts, 0) != 0)
        fail_msg("open '%s': %s", driver, vmdrv_last_error(e->ctx)->message);
}

static inline void ds_env_free(ds_env *e)
{
    if (!e)
        return;
    vmdrv_conn_close(e->conn);
    vmdrv_ctx_free(e->ctx);
    if (!getenv("VMDRV_TEST_KEEP"))
        vu_rm_rf(e->dir);
    free(e->dir);
    free(e->profile);
    free(e);
}

/* The simulator's state folder, as the profile sets VMDRV_SIM_STATE. */
static inline char *ds_state_dir(ds_env *e)
{
    return vu_asprintf("%s/.sim/%s", e->dir, e->profile);
}

/* Every record of calls.log, in order (a new JSON array). */
static inline json_t *ds_calls(ds_env *e)
{
    char *state = ds_state_dir(e);
    char *path = vu_path_join(state, "calls.log");
    char *data = NULL;
    size_t len = 0;
    json_t *all = json_array();
    if (vu_read_file(path, &data, &len) == 0) {
        for (char *line = data; *line;) {
            size_t n = strcspn(line, "\n");
            if (n) {
                json_error_t jerr;
                json_t *rec = json_loadb(line, n, 0, &jerr);
                if (!rec)
                    fail_msg("calls.log: %s", jerr.text);
                json_array_append_new(all, rec);
            }
            line += n + (line[n] == '\n');
        }
    }
    free(data);
    free(path);
    free(state);
    return all;
}

static inline size_t ds_calls_count(ds_env *e)
{
    json_t *all = ds_calls(e);
    size_t n = json_array_size(all);
    json_decref(all);
    return n;
}

/* argv[i] of a record, or "". */
static inline const char *ds_arg(json_t *rec, size_t i)
{
    const char *s =
        json_string_value(json_array_get(json_object_get(rec, "argv"), i));
    return s ? s : "";
}

/* The record's argv without argv[0], joined by '|', owned. */
static inline char *ds_args_joined(json_t *rec)
{
    vu_buf b = VU_BUF_INIT;
    json_t *argv = json_object_get(rec, "argv");
    for (size_t i = 1; i < json_array_size(argv); i++)
        vu_buf_printf(&b, "%s%s", i > 1 ? "|" : "",
                      json_string_value(json_array_get(argv, i)));
    return vu_buf_detach(&b);
}

/*
 * 1 when some record from index `from` on has its arguments (joined by
 * '|') equal to want.
 */
static inline int ds_called(ds_env *e, size_t from, const char *want)
{
    json_t *all = ds_calls(e);
    int found = 0;
    for (size_t i = from; i < json_array_size(all) && !found; i++) {
        char *j = ds_args_joined(json_array_get(all, i));
        found = strcmp(j, want) == 0;
        free(j);
    }
    json_decref(all);
    return found;
}

/*
 * powershell-sim records each cmdlet it ran, with its arguments as bound
 * ("commands": [{"cmd": ..., "args": {...}}]). The bound arguments of
 * every cmdlet named cmd run from record `from` on, in order (a new JSON
 * array of objects).
 */
static inline json_t *ds_ps_commands(ds_env *e, size_t from, const char *cmd)
{
    json_t *all = ds_calls(e);
    json_t *found = json_array();
    for (size_t i = from; i < json_array_size(all); i++) {
        json_t *cmds = json_object_get(json_array_get(all, i), "commands");
        size_t j;
        json_t *c;
        json_array_foreach(cmds, j, c)
        {
            const char *name = json_string_value(json_object_get(c, "cmd"));
            if (name && strcmp(name, cmd) == 0)
                json_array_append(found, json_object_get(c, "args"));
        }
    }
    json_decref(all);
    return found;
}

/* Number of records from `from` on that powershell-sim flagged as an
 * injection (an expansion, a backtick or `$(` outside single quotes...). */
static inline size_t ds_ps_injected(ds_env *e, size_t from)
{
    json_t *all = ds_calls(e);
    size_t n = 0;
    for (size_t i = from; i < json_array_size(all); i++)
        n += json_is_true(json_object_get(json_array_get(all, i), "injected"));
    json_decref(all);
    return n;
}

/* Print the calls from index from (to explain a failure). */
static inline void ds_dump_calls(ds_env *e, size_t from)
{
    json_t *all = ds_calls(e);
    for (size_t i = from; i < json_array_size(all); i++) {
        char *j = ds_args_joined(json_array_get(all, i));
        print_message("  call %zu: %s (exit %lld)\n", i, j,
                      (long long)json_integer_value(
                          json_object_get(json_array_get(all, i), "exit")));
        free(j);
    }
    json_decref(all);
}

#define ds_assert_called(e, from, want)                                        \
    do {                                                                       \
        if (!ds_called((e), (from), (want))) {                                 \
            print_message("no call '%s' among:\n", (want));                    \
            ds_dump_calls((e), (from));                                        \
            fail();                                                            \
        }                                                                      \
    } while (0)

/*
 * Run the profile's simulator for tool directly, as a test sets the scene
 * (the SDK's runner adds the profile's environment). Arguments end with
 * NULL. Returns the exit status; *out (when not NULL) gets stdout.
 */
static inline int ds_sim_run(ds_env *e, vmdrv_tool tool, char **out, ...)
{
    const char *exe = vmdrv_tool_path(e->ctx, tool);
    if (!exe)
        fail_msg("no simulator for tool: %s",
                 vmdrv_last_error(e->ctx)->message);
    vu_strv args = VU_STRV_INIT;
    vu_strv_add(&args, exe);
    va_list ap;
    va_start(ap, out);
    for (const char *a = va_arg(ap, const char *); a;
         a = va_arg(ap, const char *))
        vu_strv_add(&args, a);
    va_end(ap);
    vmdrv_proc_spec spec = {.argv = vu_strv_argv(&args), .timeout_ms = 60000};
    vmdrv_proc_result r;
    if (vmdrv_proc_run(e->ctx, &spec, &r) != 0)
        fail_msg("cannot run the simulator: %s",
                 vmdrv_last_error(e->ctx)->message);
    if (out)
        *out = vu_strdup(r.out);
    int status = r.exited ? r.status : -1;
    vmdrv_proc_result_clear(&r);
    vu_strv_clear(&args);
    return status;
}

/* rc must be want, and the context's error must carry want and msg
 * (msg NULL: any message). */
static inline void ds_check_error(vmdrv_ctx *ctx, int rc, int want,
                                  const char *msg, const char *file, int line)
{
    const vmdrv_error *err = vmdrv_last_error(ctx);
    if (rc != want || err->code != want ||
        (msg && strcmp(err->message, msg) != 0))
        _fail_msg_at(file, line,
                     "rc %d (%s), error %d '%s'; expected %d (%s) '%s'", rc,
                     vmdrv_status_name(rc), err->code, err->message, want,
                     vmdrv_status_name(want), msg ? msg : "(any)");
}

#define ds_assert_error(ctx, rc, want, msg)                                    \
    ds_check_error((ctx), (rc), (want), (msg), __FILE__, __LINE__)

#define ds_ok(e, call)                                                         \
    do {                                                                       \
        int ds_rc_ = (call);                                                   \
        if (ds_rc_ != 0)                                                       \
            fail_msg("%s failed: %s: %s", #call, vmdrv_status_name(ds_rc_),    \
                     vmdrv_last_error((e)->ctx)->message);                     \
    } while (0)

static inline vmdrv_state ds_state(ds_env *e, const char *name)
{
    vmdrv_state st = VMDRV_STATE_UNKNOWN;
    ds_ok(e, vmdrv_instance_state(e->conn, name, &st, 0));
    return st;
}

/* main() of a simulator test: the no_sim group (named group "_probe")
 * always, the with_sim group only when simulator exe is built; a skip
 * (DRVSIM_SKIP) for ctest when it is not and nothing failed. */
#define DS_RUN_GROUPS(group, no_sim, with_sim, exe)                            \
    do {                                                                       \
        int ds_failed_ = cmocka_run_group_tests_name(group "_probe", no_sim,   \
                                                     NULL, NULL);              \
        if (!ds_sim_available(exe))                                            \
            return ds_failed_ ? ds_failed_ : DRVSIM_SKIP;                      \
        return ds_failed_ +                                                    \
               cmocka_run_group_tests_name(group, with_sim, NULL, NULL);       \
    } while (0)

#define ds_assert_state(e, name, want)                                         \
    do {                                                                       \
        vmdrv_state ds_st_ = ds_state((e), (name));                            \
        if (ds_st_ != (want))                                                  \
            fail_msg("'%s' is %s, expected %s", (name),                        \
                     vmdrv_state_name(ds_st_), vmdrv_state_name(want));        \
    } while (0)

#endif
