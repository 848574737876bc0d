/*
 * vu_str.h: small string helpers shared by the SDK, drivers, the harness
 * and the CLI (internal: not installed). Allocation failure aborts, as a
 * process that cannot allocate a few bytes has nothing sensible left to do.
 */
#ifndef VU_STR_H
#define VU_STR_H

#include <stdarg.h>
#include <stddef.h>

#if defined(__MINGW32__)
/* MinGW's "printf" archetype is msvcrt's (no %zu); vmdrv builds with
 * MinGW's C99 printf (see VMDRV_PRINTF_FORMAT in vmdrv/export.h) */
#define VU_PRINTF(a, b) __attribute__((format(gnu_printf, a, b)))
#elif defined(__GNUC__)
#define VU_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define VU_PRINTF(a, b)
#endif

void *vu_malloc(size_t n);
void *vu_calloc(size_t n, size_t size);
void *vu_realloc(void *p, size_t n);
char *vu_strdup(const char *s);
char *vu_strndup(const char *s, size_t n);
char *vu_asprintf(const char *fmt, ...) VU_PRINTF(1, 2);
char *vu_vasprintf(const char *fmt, va_list ap);

/* Bounded copy that always terminates; returns 1 when s was truncated. */
int vu_strlcpy(char *dst, const char *src, size_t size);
int vu_starts_with(const char *s, const char *prefix);
int vu_ends_with(const char *s, const char *suffix);
/* Lower-case in place; returns s. */
char *vu_str_lower(char *s);
/* Strip leading and trailing white space (and \r) in place; returns s. */
char *vu_str_trim(char *s);
/*
 * The next line of *p, owned, without its "\n" or "\r\n", and *p moved
 * past it; NULL at the end. Tool output arrives in either form.
 */
char *vu_str_next_line(const char **p);

/* A growable byte buffer, always NUL-terminated. */
typedef struct vu_buf {
    char *data;
    size_t len;
    size_t cap;
} vu_buf;

#define VU_BUF_INIT {NULL, 0, 0}
void vu_buf_add(vu_buf *b, const void *data, size_t n);
void vu_buf_puts(vu_buf *b, const char *s);
void vu_buf_putc(vu_buf *b, char c);
void vu_buf_printf(vu_buf *b, const char *fmt, ...) VU_PRINTF(2, 3);
void vu_buf_vprintf(vu_buf *b, const char *fmt, va_list ap);
/* Give the string away (never NULL); the buffer is left empty. */
char *vu_buf_detach(vu_buf *b);
void vu_buf_clear(vu_buf *b);
/* "" for an empty buffer. */
const char *vu_buf_str(const vu_buf *b);

/* A growable list of owned strings. */
typedef struct vu_strv {
    char **v;
    size_t n;
    size_t cap;
} vu_strv;

#define VU_STRV_INIT {NULL, 0, 0}
void vu_strv_add(vu_strv *l, const char *s);
void vu_strv_addf(vu_strv *l, const char *fmt, ...) VU_PRINTF(2, 3);
/* NULL-terminated view, valid until the next add. */
const char *const *vu_strv_argv(vu_strv *l);
void vu_strv_clear(vu_strv *l);

#endif
