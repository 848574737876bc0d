/*
 * types.c: helpers for the value types of vmdrv/types.h.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmdrv/types.h"
#include "vu_str.h"

void vmdrv_info_add(vmdrv_info *info, const char *key,
                    const char *fmt, ...)
{
    if (info->n_details >= VMDRV_INFO_DETAILS_MAX)
        return;
    vmdrv_kv *kv = &info->details[info->n_details++];
    vu_strlcpy(kv->key, key, sizeof kv->key);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(kv->value, sizeof kv->value, fmt, ap);
    va_end(ap);
}

const char *vmdrv_info_get(const vmdrv_info *info, const char *key)
{
    for (size_t i = 0; i < info->n_details; i++)
        if (strcmp(info->details[i].key, key) == 0)
            return info->details[i].value;
    return NULL;
}

#define GROW(list)                                                             \
    do {                                                                       \
        if ((list)->count == (list)->cap_) {                                   \
            (list)->cap_ = (list)->cap_ ? (list)->cap_ * 2 : 8;                \
            (list)->items = vu_realloc((list)->items,                          \
                                       (list)->cap_ * sizeof *(list)->items);  \
        }                                                                      \
    } while (0)

int vmdrv_snapshots_add(vmdrv_snapshots *list, const char *name,
                            const char *parent, long long created,
                            const char *comment)
{
    GROW(list);
    vmdrv_snapshot *s = &list->items[list->count++];
    memset(s, 0, sizeof *s);
    vu_strlcpy(s->name, name, sizeof s->name);
    vu_strlcpy(s->parent, parent ? parent : "", sizeof s->parent);
    s->created = created;
    vu_strlcpy(s->comment, comment ? comment : "", sizeof s->comment);
    return 0;
}

void vmdrv_snapshots_clear(vmdrv_snapshots *list)
{
    free(list->items);
    memset(list, 0, sizeof *list);
}

int vmdrv_networks_add(vmdrv_networks *list, const char *id,
                           const char *type, const char *description)
{
    GROW(list);
    vmdrv_network *n = &list->items[list->count++];
    memset(n, 0, sizeof *n);
    vu_strlcpy(n->id, id, sizeof n->id);
    vu_strlcpy(n->type, type ? type : "", sizeof n->type);
    vu_strlcpy(n->description, description ? description : "",
               sizeof n->description);
    return 0;
}

void vmdrv_networks_clear(vmdrv_networks *list)
{
    free(list->items);
    memset(list, 0, sizeof *list);
}

int vmdrv_names_add(vmdrv_names *list, const char *name)
{
    if (list->count == list->cap_) {
        list->cap_ = list->cap_ ? list->cap_ * 2 : 8;
        list->names = vu_realloc(list->names, list->cap_ * sizeof(char *));
    }
    list->names[list->count++] = vu_strdup(name);
    return 0;
}

void vmdrv_names_clear(vmdrv_names *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->names[i]);
    free(list->names);
    memset(list, 0, sizeof *list);
}

void vmdrv_exec_result_clear(vmdrv_exec_result *result)
{
    free(result->output);
    memset(result, 0, sizeof *result);
}

int vmdrv_name_valid(const char *name)
{
    if (!name || !isalpha((unsigned char)name[0]) || !isascii(name[0]))
        return 0;
    size_t n = 0;
    for (const char *p = name; *p; p++, n++) {
        unsigned char c = (unsigned char)*p;
        if (!(isascii(c) && (isalnum(c) || c == '-')))
            return 0;
    }
    /* Multipass also requires the last character to be a letter or digit */
    return n <= VMDRV_NAME_MAX && name[n - 1] != '-';
}
