/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* statedir.c: the on-disk layout every driver keeps its objects in (configs, status, locks). */
#define G_LOG_DOMAIN "provd-statedir"

#include "config.h"
#include "util/statedir.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "util/error.h"

bool
prov_state_dirs_init(ProvStateDirs *dirs, const char *root, const char *kind, GError **error)
{
    const char *r = (root && *root) ? root : "";

    dirs->root = g_strdup(r);
    dirs->kind = g_strdup(kind);
    dirs->config_dir = g_strdup_printf("%s%s/%s", r, PROV_SYSCONF_DIR, kind);
    dirs->autostart_dir = g_strdup_printf("%s/autostart", dirs->config_dir);
    dirs->state_dir = g_strdup_printf("%s%s/%s", r, PROV_RUN_DIR, kind);
    dirs->lock_dir = g_strdup_printf("%s/locks", dirs->state_dir);
    dirs->data_dir = g_strdup_printf("%s%s/%s", r, PROV_DATA_DIR, kind);
    return prov_mkdir_p(dirs->config_dir, 0755, error) &&
           prov_mkdir_p(dirs->autostart_dir, 0755, error) &&
           prov_mkdir_p(dirs->state_dir, 0755, error) &&
           prov_mkdir_p(dirs->lock_dir, 0700, error) &&
           prov_mkdir_p(dirs->data_dir, 0755, error);
}

void
prov_state_dirs_clear(ProvStateDirs *dirs)
{
    g_clear_pointer(&dirs->root, g_free);
    g_clear_pointer(&dirs->kind, g_free);
    g_clear_pointer(&dirs->config_dir, g_free);
    g_clear_pointer(&dirs->autostart_dir, g_free);
    g_clear_pointer(&dirs->state_dir, g_free);
    g_clear_pointer(&dirs->lock_dir, g_free);
    g_clear_pointer(&dirs->data_dir, g_free);
}

char *
prov_state_dirs_config_path(const ProvStateDirs *dirs, const char *name)
{
    return g_strdup_printf("%s/%s.xml", dirs->config_dir, name);
}

char *
prov_state_dirs_autostart_path(const ProvStateDirs *dirs, const char *name)
{
    return g_strdup_printf("%s/%s.xml", dirs->autostart_dir, name);
}

char *
prov_state_dirs_status_path(const ProvStateDirs *dirs, const char *name)
{
    return g_strdup_printf("%s/%s.xml", dirs->state_dir, name);
}

ProvFileLock *
prov_state_dirs_lock_driver(const ProvStateDirs *dirs, GError **error)
{
    g_autofree char *path = g_build_filename(dirs->lock_dir, "driver.lock", NULL);
    g_autofree char *what = g_strdup_printf("%s driver state", dirs->kind);

    return prov_file_lock_acquire(path, 0, what, error);
}

static gint
compare_names(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(const char *const *)a, *(const char *const *)b);
}

GPtrArray *
prov_state_dirs_list_names(const char *dir)
{
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *entry;

    while (d && (entry = g_dir_read_name(d))) {
        g_autofree char *path = NULL;
        gsize len = strlen(entry);

        /* NAME.xml that we wrote: not a temp file (.NAME.xml.XXXXXX) or hidden file. */
        if (entry[0] == '.' || len <= 4 || !g_str_has_suffix(entry, ".xml"))
            continue;
        path = g_build_filename(dir, entry, NULL);
        if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
            continue;
        g_ptr_array_add(names, g_strndup(entry, len - 4));
    }
    g_ptr_array_sort(names, compare_names);
    return names;
}

bool
prov_state_dirs_get_autostart(const ProvStateDirs *dirs, const char *name)
{
    g_autofree char *link = prov_state_dirs_autostart_path(dirs, name);

    return g_file_test(link, G_FILE_TEST_EXISTS);
}

bool
prov_state_dirs_set_autostart(const ProvStateDirs *dirs, const char *name, bool autostart,
                              const char *what, GError **error)
{
    g_autofree char *link = prov_state_dirs_autostart_path(dirs, name);
    g_autofree char *target = NULL;

    if (!autostart)
        return prov_file_unlink_durable(link, error);
    if (g_file_test(link, G_FILE_TEST_EXISTS))
        return true;
    target = prov_state_dirs_config_path(dirs, name);
    /* A dangling link of an older definition is replaced. */
    (void)unlink(link);
    if (symlink(target, link) < 0 && errno != EEXIST)
        return prov_error_set_errno(error, PROV_UTIL_ERROR, errno,
                                    "%s: cannot create autostart link '%s'", what, link);
    return true;
}
