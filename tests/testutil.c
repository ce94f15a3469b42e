/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* testutil.c: helpers shared by the GTest programs. */
#include "tests/testutil.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "config.h"

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

char *
prov_test_read_required(const char *path)
{
    g_autoptr(GError) error = NULL;
    char *text = NULL;

    if (!g_file_get_contents(path, &text, NULL, &error))
        g_error("cannot read %s: %s", path, error->message);
    return text;
}

char *
prov_test_conformance_dir_or_skip(const char *sub)
{
    g_autofree char *dir = g_build_filename(PROV_CONFORMANCE_DIR, sub, NULL);

    if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
        printf("SKIP: libvirt conformance data not found at %s\n", dir);
        exit(77);
    }
    return g_steal_pointer(&dir);
}

char *
prov_test_make_tmp_dir(const char *tmpl)
{
    g_autoptr(GError) error = NULL;
    char *dir = g_dir_make_tmp(tmpl, &error);

    g_assert_no_error(error);
    return dir;
}

void
prov_test_remove_tree(const char *path)
{
    struct stat st;

    /* lstat: a symlink to a directory outside the tree must not be walked into. */
    if (lstat(path, &st) < 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
        const char *name;

        while (dir && (name = g_dir_read_name(dir))) {
            g_autofree char *child = g_build_filename(path, name, NULL);

            prov_test_remove_tree(child);
        }
        g_rmdir(path);
    } else {
        g_unlink(path);
    }
}

int
prov_test_run_and_remove(char *dir)
{
    int ret = g_test_run();

    prov_test_remove_tree(dir);
    g_free(dir);
    return ret;
}

void
prov_test_add_cases(const char *prefix, const void *cases, gsize n_cases, gsize case_size,
                    gsize name_offset, GTestDataFunc func)
{
    gsize i;

    for (i = 0; i < n_cases; i++) {
        const char *tc = (const char *) cases + i * case_size;
        const char *name = *(const char *const *) (tc + name_offset);
        g_autofree char *path = g_strdup_printf("%s/%s", prefix, name);

        g_test_add_data_func(path, tc, func);
    }
}

bool
prov_test_have_qemu_img(const char *purpose)
{
    g_autofree char *why = NULL;

    if (g_file_test(QEMU_IMG, G_FILE_TEST_IS_EXECUTABLE))
        return true;
    why = g_strdup_printf("'%s' is not installed; cannot %s", QEMU_IMG, purpose);
    g_test_skip(why);
    return false;
}

JsonNode *
prov_test_command_json(ProvCommand *cmd, int *ret_status)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) error = NULL;
    g_autofree char *out = NULL;
    JsonNode *root;
    bool ok;

    /* The error first: its message says why, where a bare false would not. */
    ok = prov_command_run(cmd, &out, ret_status, &error);
    g_assert_no_error(error);
    g_assert_true(ok);
    ok = json_parser_load_from_data(parser, out, -1, &error);
    g_assert_no_error(error);
    g_assert_true(ok);
    root = json_parser_steal_root(parser);
    g_assert_nonnull(root);
    g_assert_true(JSON_NODE_HOLDS_OBJECT(root));
    return root;
}

bool
prov_test_regenerating(void)
{
    return g_strcmp0(g_getenv("PROV_TEST_REGENERATE"), "1") == 0;
}

/* Line-by-line report of where @expected and @got part. */
static char *
describe_difference(const char *expected, const char *got)
{
    g_auto(GStrv) e = g_strsplit(expected, "\n", -1);
    g_auto(GStrv) g = g_strsplit(got, "\n", -1);
    g_autoptr(GString) out = g_string_new(NULL);
    guint ne = g_strv_length(e);
    guint ng = g_strv_length(g);
    guint i;

    for (i = 0; i < MAX(ne, ng); i++) {
        const char *a = i < ne ? e[i] : NULL;
        const char *b = i < ng ? g[i] : NULL;

        if (g_strcmp0(a, b) == 0) {
            g_string_append_printf(out, "  %s\n", a);
            continue;
        }
        if (a)
            g_string_append_printf(out, "- %s\n", a);
        if (b)
            g_string_append_printf(out, "+ %s\n", b);
    }
    return g_string_free(g_steal_pointer(&out), FALSE);
}

void
prov_test_check_golden(const char *path, const char *got)
{
    g_autofree char *expected = NULL;
    g_autofree char *diff = NULL;
    g_autoptr(GError) err = NULL;

    if (prov_test_regenerating()) {
        g_autofree char *dir = g_path_get_dirname(path);

        g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
        if (!g_file_set_contents(path, got, -1, &err))
            g_error("cannot write '%s': %s", path, err->message);
        g_printerr("wrote %s\n", path);
        return;
    }
    if (!(expected = prov_test_read(path))) {
        g_test_message("expected file '%s' is missing (run with PROV_TEST_REGENERATE=1 to "
                       "write it); got:\n%s", path, got);
        g_test_fail();
        return;
    }
    if (g_str_equal(expected, got))
        return;
    diff = describe_difference(expected, got);
    g_test_message("'%s' differs (- expected, + got):\n%s", path, diff);
    g_test_fail();
}

void
prov_test_pool_command_check(const char *xml, ProvTestPoolCommandFunc build,
                             const char *expected)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(ProvPoolDef) def = prov_pool_def_parse_string(xml, 0, &error);
    g_autoptr(ProvCommand) cmd = NULL;
    g_autofree char *got = NULL;

    g_assert_no_error(error);
    cmd = build(def);
    got = prov_test_argv_format(prov_command_get_argv(cmd));
    g_assert_cmpstr(got, ==, expected);
}

bool
prov_test_pool_argv_golden(const char *name, const char *suffix, ProvTestPoolCommandFunc build)
{
    g_autofree char *rel_in = g_strdup_printf("storage/storagepoolxml2xmlin/%s.xml", name);
    g_autofree char *rel_out = g_strdup_printf("storage/storagepoolxml2argvdata/%s%s.argv",
                                               name, suffix);
    g_autofree char *in = prov_test_conformance_path(rel_in);
    g_autofree char *out = prov_test_conformance_path(rel_out);
    g_autofree char *xml = NULL;
    g_autofree char *expected = NULL;

    if (!in || !out) {
        g_test_skip("libvirt's conformance data is absent");
        return false;
    }
    xml = prov_test_read_required(in);
    expected = prov_test_read_required(out);
    prov_test_pool_command_check(xml, build, expected);
    return true;
}

void
prov_test_append_mount_opts(GString *xml, const char *opts)
{
    g_auto(GStrv) names = NULL;
    guint i;

    if (!opts)
        return;
    names = g_strsplit(opts, ",", -1);
    g_string_append(xml, "  <fs:mount_opts>\n");
    for (i = 0; names[i]; i++)
        g_string_append_printf(xml, "    <fs:option name='%s'/>\n", names[i]);
    g_string_append(xml, "  </fs:mount_opts>\n");
}

void
prov_test_init_keep_going(int *argc, char ***argv)
{
    /* Never freed: GLib may keep pointers into the vector for the whole run. */
    static char **args;
    int i;

    args = g_new0(char *, *argc + 2);
    args[0] = (*argv)[0];
    args[1] = (char *) "--keep-going";
    for (i = 1; i < *argc; i++)
        args[i + 1] = (*argv)[i];
    *argc += 1;
    *argv = args;
    g_test_init(argc, argv, NULL);
}
