/*
 * vu_str.c: string helpers (see vu_str.h).
 */
#include "vu_str.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(void)
{
    fputs("vmdrv: out of memory\n", stderr);
    abort();
}

void *vu_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom();
    return p;
}

void *vu_calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom();
    return p;
}

void *vu_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom();
    return q;
}

char *vu_strdup(const char *s)
{
    return vu_strndup(s, strlen(s));
}

char *vu_strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = vu_malloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *vu_vasprintf(const char *fmt, va_list ap)
{
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    if (n < 0)
        n = 0;
    char *p = vu_malloc((size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *vu_asprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = vu_vasprintf(fmt, ap);
    va_end(ap);
    return p;
}

int vu_strlcpy(char *dst, const char *src, size_t size)
{
    size_t len = strlen(src);
    if (size == 0)
        return len > 0;
    size_t n = len < size - 1 ? len : size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
    return n < len;
}

int vu_starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

int vu_ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

char *vu_str_lower(char *s)
{
    for (char *p = s; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return s;
}

char *vu_str_trim(char *s)
{
    char *start = s;
    while (*start && isspace((unsigned char)*start))
        start++;
    size_t len = strlen(start);
    while (len > 0 && isspace((unsigned char)start[len - 1]))
        len--;
    memmove(s, start, len);
    s[len] = '\0';
    return s;
}

char *vu_str_next_line(const char **p)
{
    const char *s = *p;
    if (!*s)
        return NULL;
    size_t len = strcspn(s, "\n");
    *p = s + len + (s[len] == '\n');
    if (len && s[len - 1] == '\r')
        len--;
    return vu_strndup(s, len);
}

static void buf_grow(vu_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1)
        cap *= 2;
    b->data = vu_realloc(b->data, cap);
    b->cap = cap;
}

void vu_buf_add(vu_buf *b, const void *data, size_t n)
{
    buf_grow(b, n);
    if (n)
        memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void vu_buf_puts(vu_buf *b, const char *s)
{
    vu_buf_add(b, s, strlen(s));
}

void vu_buf_putc(vu_buf *b, char c)
{
    vu_buf_add(b, &c, 1);
}

void vu_buf_vprintf(vu_buf *b, const char *fmt, va_list ap)
{
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    if (n <= 0)
        return;
    buf_grow(b, (size_t)n);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void vu_buf_printf(vu_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vu_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

char *vu_buf_detach(vu_buf *b)
{
    char *p = b->data ? b->data : vu_strdup("");
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

void vu_buf_clear(vu_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

const char *vu_buf_str(const vu_buf *b)
{
    return b->data ? b->data : "";
}

void vu_strv_add(vu_strv *l, const char *s)
{
    if (l->n + 2 > l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->v = vu_realloc(l->v, l->cap * sizeof(char *));
    }
    l->v[l->n++] = vu_strdup(s);
    l->v[l->n] = NULL;
}

void vu_strv_addf(vu_strv *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = vu_vasprintf(fmt, ap);
    va_end(ap);
    vu_strv_add(l, s);
    free(s);
}

const char *const *vu_strv_argv(vu_strv *l)
{
    if (!l->v) {
        l->cap = 8;
        l->v = vu_calloc(l->cap, sizeof(char *));
    }
    return (const char *const *)l->v;
}

void vu_strv_clear(vu_strv *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}
