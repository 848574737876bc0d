/*
 * vu_dir.c: listing a folder in a stable order (see vu_fs.h).
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vu_fs.h"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int vu_list_dir(const char *dir, vu_strv *out)
{
    DIR *d = opendir(dir);
    if (!d)
        return -errno;
    size_t first = out->n;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            vu_strv_add(out, e->d_name);
    closedir(d);
    /* readdir's order depends on the file system: sort what we added */
    qsort(out->v + first, out->n - first, sizeof(char *), cmp_str);
    return 0;
}
