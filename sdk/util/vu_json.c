/*
 * vu_json.c: jansson helpers (see vu_json.h).
 */
#include "vu_json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vu_fs.h"

json_t *vu_json_load_file(const char *path, char *err, size_t size)
{
    json_error_t je;
    json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    /* jansson has no position for a file it could not open or read */
    if (!j && je.line > 0)
        snprintf(err, size, "%s:%d:%d: %s", path, je.line, je.column, je.text);
    else if (!j)
        snprintf(err, size, "%s: %s", path, je.text);
    return j;
}

int vu_json_write_atomic(const char *path, const json_t *json)
{
    char *text = json_dumps(json, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (!text)
        return -ENOMEM;
    size_t len = strlen(text);
    char *withnl = malloc(len + 2);
    if (!withnl) {
        free(text);
        return -ENOMEM;
    }
    memcpy(withnl, text, len);
    withnl[len] = '\n';
    withnl[len + 1] = '\0';
    int rc = vu_write_atomic(path, withnl, len + 1);
    free(withnl);
    free(text);
    return rc;
}

const char *vu_json_str(const json_t *obj, const char *key, const char *def)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : def;
}
