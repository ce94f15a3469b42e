/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* testutil.c: helpers shared by the GTest programs. */
#include "tests/testutil.h"

static bool
is_option(const char *tok)
{
    return tok[0] == '-';
}

char *
prov_test_argv_format(const char *const *argv)
{
    g_autoptr(GString) out = g_string_new(NULL);
    g_autofree char *prog = g_path_get_basename(argv[0]);
    bool seen_option = false;
    guint i, j;

    g_string_append(out, prog);
    for (i = 1; argv[i]; i++) {
        bool later_option = false;
        bool same_line = false;

        for (j = i + 1; argv[j]; j++)
            later_option = later_option || is_option(argv[j]);
        if (!is_option(argv[i]) && seen_option)
            same_line = is_option(argv[i - 1]) || later_option;
        g_string_append(out, same_line ? " " : " \\\n");
        g_string_append(out, argv[i]);
        seen_option = seen_option || is_option(argv[i]);
    }
    g_string_append_c(out, '\n');
    return g_string_free(g_steal_pointer(&out), FALSE);
}

char *
prov_test_conformance_path(const char *relpath)
{
    g_autofree char *path = g_build_filename(PROV_CONFORMANCE_DIR, relpath, NULL);

    if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
        g_printerr("conformance data '%s' is absent\n", path);
        return NULL;
    }
    return g_steal_pointer(&path);
}

char *
prov_test_read(const char *path)
{
    char *data = NULL;

    if (!g_file_get_contents(path, &data, NULL, NULL))
        return NULL;
    return data;
}
