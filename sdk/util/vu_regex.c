/*
 * vu_regex.c: PCRE2 behind vu_regex (see vu_regex.h).
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "vu_regex.h"

#include <pcre2.h>
#include <stdio.h>
#include <string.h>

#include "vu_str.h"

struct vu_regex {
    pcre2_code *code;
};

vu_regex *vu_regex_new(const char *pattern, int opts, char *err, size_t size)
{
    uint32_t o = PCRE2_UTF;
    if (opts & VU_RE_CASELESS)
        o |= PCRE2_CASELESS;
    if (opts & VU_RE_MULTILINE)
        o |= PCRE2_MULTILINE;
    if (opts & VU_RE_DOTALL)
        o |= PCRE2_DOTALL;
#ifdef PCRE2_MATCH_INVALID_UTF
    /* tool output is not always valid UTF-8 (a legacy code page, a stray
     * byte); match around bad bytes instead of failing the whole match */
    o |= PCRE2_MATCH_INVALID_UTF;
#endif
    int code;
    PCRE2_SIZE off;
    pcre2_code *c = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                                  o, &code, &off, NULL);
    if (!c) {
        if (err) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(code, msg, sizeof msg);
            snprintf(err, size, "offset %zu: %s", (size_t)off, (char *)msg);
        }
        return NULL;
    }
    vu_regex *re = vu_malloc(sizeof *re);
    re->code = c;
    return re;
}

void vu_regex_free(vu_regex *re)
{
    if (!re)
        return;
    pcre2_code_free(re->code);
    free(re);
}

int vu_regex_match(const vu_regex *re, const char *subject, size_t len,
                   size_t start, long *groups, int ngroups)
{
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re->code, NULL);
    if (!md)
        return -1;
    int rc = pcre2_match(re->code, (PCRE2_SPTR)subject, len, start, 0, md,
                         NULL);
    int result;
    if (rc == PCRE2_ERROR_NOMATCH) {
        result = 0;
    } else if (rc < 0) {
        result = -1;
    } else {
        result = 1;
        if (groups) {
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
            uint32_t have = pcre2_get_ovector_count(md);
            for (int i = 0; i < ngroups; i++) {
                if ((uint32_t)i < have && ov[2 * i] != PCRE2_UNSET) {
                    groups[2 * i] = (long)ov[2 * i];
                    groups[2 * i + 1] = (long)ov[2 * i + 1];
                } else {
                    groups[2 * i] = groups[2 * i + 1] = -1;
                }
            }
        }
    }
    pcre2_match_data_free(md);
    return result;
}

int vu_regex_group(const char *subject, const long *groups, int i, char *buf,
                   size_t size)
{
    long s = groups[2 * i], e = groups[2 * i + 1];
    if (s < 0 || size == 0) {
        if (size)
            buf[0] = '\0';
        return 0;
    }
    size_t n = (size_t)(e - s);
    if (n >= size)
        n = size - 1;
    memcpy(buf, subject + s, n);
    buf[n] = '\0';
    return 1;
}

int vu_regex_test(const char *pattern, const char *subject)
{
    vu_regex *re = vu_regex_new(pattern, 0, NULL, 0);
    if (!re)
        return -1;
    int rc = vu_regex_match(re, subject, strlen(subject), 0, NULL, 0);
    vu_regex_free(re);
    return rc;
}
