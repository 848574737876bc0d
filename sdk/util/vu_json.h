/*
 * vu_json.h: jansson helpers (internal): load a JSON file with a
 * "file:line:column: message" error, and write one atomically.
 */
#ifndef VU_JSON_H
#define VU_JSON_H

#include <jansson.h>
#include <stddef.h>

/* NULL on failure, with err holding "file:line:col: message". */
json_t *vu_json_load_file(const char *path, char *err, size_t size);
/* Dump (indented, keys in insertion order) and vu_write_atomic(). 0/-errno. */
int vu_json_write_atomic(const char *path, const json_t *json);
/* A string member or def. */
const char *vu_json_str(const json_t *obj, const char *key, const char *def);

#endif
