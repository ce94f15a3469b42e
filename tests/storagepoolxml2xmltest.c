/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* storagepoolxml2xmltest.c: pool parse -> format against libvirt's conformance data and schemas. */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "storage/storage_conf.h"
#include "tests/testutil.h"
#include "util/error.h"
#include "util/xml.h"

/* libvirt's storagepoolxml2xmltest has 38 cases (README of the conformance data). */
#define PROV_POOL_XML2XML_CASES 38

static char *storage_dir;

static char *
test_path(const char *sub, const char *name)
{
    return g_build_filename(storage_dir, sub, name, NULL);
}

static gint
test_compare_names(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(const char *const *) a, *(const char *const *) b);
}

/* Sorted *.xml names (without extension) of a conformance folder. */
static GPtrArray *
test_list_xml(const char *sub)
{
    g_autofree char *dir_path = g_build_filename(storage_dir, sub, NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(GDir) dir = g_dir_open(dir_path, 0, &error);
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    const char *entry;

    g_assert_no_error(error);
    while ((entry = g_dir_read_name(dir))) {
        if (g_str_has_suffix(entry, ".xml"))
            g_ptr_array_add(names, g_strndup(entry, strlen(entry) - 4));
    }
    g_ptr_array_sort(names, test_compare_names);
    return names;
}

static bool
test_xml_equivalent(const char *actual, const char *expected, char **ret_msg)
{
    g_autofree char *a = NULL;
    g_autofree char *e = NULL;
    g_autoptr(GError) error = NULL;

    if (!prov_xml_canonicalize(actual, &a, &error) ||
        !prov_xml_canonicalize(expected, &e, &error)) {
        *ret_msg = g_strdup(error->message);
        return false;
    }
    if (g_str_equal(a, e))
        return true;
    *ret_msg = g_strdup_printf("not XML-equivalent.\n--- expected (canonical)\n%s"
                               "--- actual (canonical)\n%s", e, a);
    return false;
}

static void
test_pool_xml2xml(void)
{
    g_autoptr(GPtrArray) names = test_list_xml("storagepoolxml2xmlin");
    guint compared = 0;
    guint passed = 0;
    guint identical = 0;
    guint outputs = 0;
    guint valid_libvirt = 0;
    guint valid_own = 0;
    guint i;

    for (i = 0; i < names->len; i++) {
        const char *name = g_ptr_array_index(names, i);
        g_autofree char *file = g_strconcat(name, ".xml", NULL);
        g_autofree char *in_path = test_path("storagepoolxml2xmlin", file);
        g_autofree char *out_path = test_path("storagepoolxml2xmlout", file);
        g_autofree char *in = prov_test_read_required(in_path);
        g_autofree char *actual = NULL;
        g_autofree char *again = NULL;
        g_autofree char *msg = NULL;
        g_autoptr(ProvPoolDef) def = NULL;
        g_autoptr(ProvPoolDef) redef = NULL;
        g_autoptr(GError) error = NULL;
        bool ok = true;

        def = prov_pool_def_parse_string(in, 0, &error);
        if (!def) {
            g_test_message("%s: parse failed: %s", name, error->message);
            g_test_fail();
            continue;
        }
        actual = prov_pool_def_format(def);
        outputs++;

        /* Formatting what we formatted must give the same bytes back. */
        redef = prov_pool_def_parse_string(actual, 0, &error);
        g_assert_no_error(error);
        again = prov_pool_def_format(redef);
        g_assert_cmpstr(again, ==, actual);

        if (prov_test_libvirt_schema_valid("storagepool.rng", actual, &msg))
            valid_libvirt++;
        else
            ok = false;
        if (prov_test_own_schema_valid("storagepool.rng", actual, &msg))
            valid_own++;
        else
            ok = false;

        if (g_file_test(out_path, G_FILE_TEST_EXISTS)) {
            g_autofree char *expected = prov_test_read_required(out_path);

            compared++;
            if (!test_xml_equivalent(actual, expected, &msg))
                ok = false;
            else if (g_str_equal(actual, expected))
                identical++;
            if (ok)
                passed++;
        }
        if (!ok) {
            g_test_message("%s: %s\n--- output\n%s", name, msg ? msg : "failed", actual);
            g_test_fail();
        }
    }

    g_test_message("conformance: pool xml2xml %u/%u passed (%u byte-identical), "
                   "schema-valid output %u/%u (libvirt's schema) %u/%u (ours)",
                   passed, compared, identical, valid_libvirt, outputs, valid_own, outputs);
    printf("conformance: pool xml2xml %u/%u passed (%u byte-identical), "
           "schema-valid output %u/%u (libvirt's schema) %u/%u (ours)\n",
           passed, compared, identical, valid_libvirt, outputs, valid_own, outputs);
    g_assert_cmpuint(compared, ==, PROV_POOL_XML2XML_CASES);
    g_assert_cmpuint(passed, ==, compared);
    g_assert_cmpuint(valid_libvirt, ==, outputs);
    g_assert_cmpuint(valid_own, ==, outputs);
}

/* Every conformance input also parses with validation against our schema on. */
static void
test_pool_parse_validate(void)
{
    g_autoptr(GPtrArray) names = test_list_xml("storagepoolxml2xmlin");
    guint i;

    for (i = 0; i < names->len; i++) {
        g_autofree char *file = g_strconcat(g_ptr_array_index(names, i), ".xml", NULL);
        g_autofree char *path = test_path("storagepoolxml2xmlin", file);
        g_autoptr(GError) error = NULL;
        g_autoptr(ProvPoolDef) def = NULL;

        def = prov_pool_def_parse_file(path, PROV_POOL_PARSE_VALIDATE, &error);
        g_assert_no_error(error);
        g_assert_nonnull(def);
    }
}

/*
 * libvirt's virschematest over the pool folders, with our schema: all valid except the
 * files named *-invalid.*, which must be refused.
 */
static void
test_pool_schema_fixtures(void)
{
    static const char *const folders[] = {
        "storagepoolxml2xmlin", "storagepoolxml2xmlout", "storagepoolschemadata",
    };
    guint checked = 0;
    guint good = 0;
    gsize f;
    guint i;

    for (f = 0; f < G_N_ELEMENTS(folders); f++) {
        g_autoptr(GPtrArray) names = test_list_xml(folders[f]);

        for (i = 0; i < names->len; i++) {
            const char *name = g_ptr_array_index(names, i);
            g_autofree char *file = g_strconcat(name, ".xml", NULL);
            g_autofree char *path = test_path(folders[f], file);
            g_autofree char *text = prov_test_read_required(path);
            g_autofree char *msg = NULL;
            bool want_valid = strstr(file, "-invalid.") == NULL;
            bool valid = prov_test_own_schema_valid("storagepool.rng", text, &msg);

            checked++;
            if (valid == want_valid) {
                good++;
            } else {
                g_test_message("%s/%s: expected %s by our schema (%s)", folders[f], file,
                               want_valid ? "valid" : "invalid", msg ? msg : "it was valid");
                g_test_fail();
            }
        }
    }
    g_test_message("conformance: pool schema fixtures %u/%u as expected", good, checked);
    printf("conformance: pool schema fixtures %u/%u as expected by our storagepool.rng\n", good,
           checked);
    g_assert_cmpuint(good, ==, checked);
}

static void
test_pool_capabilities(void)
{
    bool all[PROV_POOL_LAST];
    bool fs_only[PROV_POOL_LAST] = { false };
    static const char *const cases[] = { "poolcaps-full.xml", "poolcaps-fs.xml" };
    gsize i;
    int t;

    for (t = 0; t < PROV_POOL_LAST; t++)
        all[t] = true;
    fs_only[PROV_POOL_FS] = true;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *path = test_path("storagepoolcapsschemadata", cases[i]);
        g_autofree char *expected = prov_test_read_required(path);
        g_autofree char *actual = prov_pool_capabilities_format(i == 0 ? all : fs_only);
        g_autofree char *msg = NULL;

        if (!test_xml_equivalent(actual, expected, &msg))
            g_error("%s: %s", cases[i], msg);
        g_assert_true(prov_test_libvirt_schema_valid("storagepoolcaps.rng", actual, NULL));
        g_assert_true(prov_test_own_schema_valid("storagepoolcaps.rng", actual, &msg));
        g_assert_cmpstr(actual, ==, expected);
    }
}

/* Status files: <poolstate> wraps the pool and reads back to the same definition. */
static void
test_pool_status(void)
{
    g_autoptr(GPtrArray) names = test_list_xml("storagepoolxml2xmlin");
    g_autofree char *tmpdir = NULL;
    g_autoptr(GError) error = NULL;
    guint i;

    tmpdir = prov_test_make_tmp_dir("provpoolstatus-XXXXXX");
    for (i = 0; i < names->len; i++) {
        g_autofree char *file = g_strconcat(g_ptr_array_index(names, i), ".xml", NULL);
        g_autofree char *path = test_path("storagepoolxml2xmlin", file);
        g_autofree char *state_path = g_build_filename(tmpdir, file, NULL);
        g_autoptr(ProvPoolDef) def = prov_pool_def_parse_file(path, 0, &error);
        g_autoptr(ProvPoolDef) back = NULL;
        g_autoptr(ProvPoolDef) back2 = NULL;
        g_autofree char *status = NULL;
        g_autofree char *pool_xml = NULL;
        g_autofree char *back_xml = NULL;
        g_autofree char *back2_xml = NULL;

        g_assert_no_error(error);
        status = prov_pool_status_format(def);
        g_assert_true(g_str_has_prefix(status, "<poolstate>\n  <pool type="));
        g_assert_true(g_str_has_suffix(status, "  </pool>\n</poolstate>\n"));
        g_assert_true(g_file_set_contents(state_path, status, -1, &error));
        back = prov_pool_status_parse_file(state_path, &error);
        g_assert_no_error(error);
        back2 = prov_pool_status_parse_string(status, &error);
        g_assert_no_error(error);
        pool_xml = prov_pool_def_format(def);
        back_xml = prov_pool_def_format(back);
        back2_xml = prov_pool_def_format(back2);
        g_assert_cmpstr(back_xml, ==, pool_xml);
        g_assert_cmpstr(back2_xml, ==, pool_xml);
        g_assert_cmpint(g_unlink(state_path), ==, 0);
    }
    g_assert_cmpint(g_rmdir(tmpdir), ==, 0);

    g_assert_null(prov_pool_status_parse_string("<poolstate/>", &error));
    g_assert_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR);
    g_assert_nonnull(strstr(error->message, "missing <pool>"));
}

/* The deep copy keeps what a format + parse would lose (live sizes, free extents). */
static void
test_pool_copy(void)
{
    g_autofree char *path = test_path("storagepoolxml2xmlin", "pool-disk.xml");
    g_autoptr(GError) error = NULL;
    g_autoptr(ProvPoolDef) def = prov_pool_def_parse_file(path, 0, &error);
    g_autoptr(ProvPoolDef) copy = NULL;
    g_autofree char *a = NULL;
    g_autofree char *b = NULL;
    ProvPoolSourceDevice *dev;
    ProvExtent ext = { 370137600, 567544320 };

    g_assert_no_error(error);
    def->capacity = 100027630080ULL;
    def->allocation = 100027597824ULL;
    dev = g_ptr_array_index(def->source.devices, 0);
    dev->free_extents = g_array_new(FALSE, FALSE, sizeof(ProvExtent));
    g_array_append_val(dev->free_extents, ext);

    copy = prov_pool_def_copy(def);
    a = prov_pool_def_format(def);
    b = prov_pool_def_format(copy);
    g_assert_cmpstr(a, ==, b);
    g_assert_nonnull(strstr(b, "<capacity unit='bytes'>100027630080</capacity>"));
    g_assert_nonnull(strstr(b, "<freeExtent start='370137600' end='567544320'/>"));
    g_assert_true(copy->source.devices != def->source.devices);
    g_assert_true(copy->name != def->name);

    /* Copies of the namespaced options too. */
    g_clear_pointer(&def, prov_pool_def_free);
    g_clear_pointer(&copy, prov_pool_def_free);
    g_clear_pointer(&path, g_free);
    path = test_path("storagepoolxml2xmlin", "pool-netfs-ns-mountopts.xml");
    def = prov_pool_def_parse_file(path, 0, &error);
    g_assert_no_error(error);
    copy = prov_pool_def_copy(def);
    g_clear_pointer(&a, g_free);
    g_clear_pointer(&b, g_free);
    a = prov_pool_def_format(def);
    b = prov_pool_def_format(copy);
    g_assert_cmpstr(a, ==, b);
    g_assert_nonnull(strstr(b, "<fs:option name='lazytime'/>"));
}

/* find-storage-pool-sources: the spec document in, the <sources> list out. */
static void
test_pool_sources(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(ProvPoolSource) spec = NULL;
    g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func((GDestroyNotify)
                                                                prov_pool_source_free);
    g_autofree char *xml = NULL;
    ProvPoolSource *src;
    ProvPoolSourceHost *host;

    spec = prov_pool_source_parse_string(PROV_POOL_NETFS,
                                         "<source><host name='nfs.example.com'/></source>",
                                         &error);
    g_assert_no_error(error);
    g_assert_cmpuint(spec->hosts->len, ==, 1);
    host = g_ptr_array_index(spec->hosts, 0);
    g_assert_cmpstr(host->name, ==, "nfs.example.com");
    g_assert_cmpint(host->port, ==, 0);

    src = prov_pool_source_new();
    prov_pool_source_add_host(src, "nfs.example.com", 0);
    src->dir = g_strdup("/export/a b");
    src->format = PROV_NETFS_NFS;
    g_ptr_array_add(list, src);
    src = prov_pool_source_new();
    prov_pool_source_add_host(src, "nfs.example.com", 0);
    src->dir = g_strdup("gv0");
    src->format = PROV_NETFS_GLUSTERFS;
    g_ptr_array_add(list, src);
    xml = prov_pool_source_list_format(PROV_POOL_NETFS, list);
    g_assert_cmpstr(xml, ==,
                    "<sources>\n"
                    "  <source>\n"
                    "    <host name='nfs.example.com'/>\n"
                    "    <dir path='/export/a b'/>\n"
                    "    <format type='nfs'/>\n"
                    "  </source>\n"
                    "  <source>\n"
                    "    <host name='nfs.example.com'/>\n"
                    "    <dir path='gv0'/>\n"
                    "    <format type='glusterfs'/>\n"
                    "  </source>\n"
                    "</sources>\n");
    g_clear_pointer(&xml, g_free);
    g_ptr_array_set_size(list, 0);

    /* logical: devices, then the VG name, then the format */
    src = prov_pool_source_new();
    prov_pool_source_add_device(src, "/dev/sdb");
    prov_pool_source_add_device(src, "/dev/sdc");
    src->name = g_strdup("vg0");
    src->format = PROV_LOGICAL_LVM2;
    g_ptr_array_add(list, src);
    xml = prov_pool_source_list_format(PROV_POOL_LOGICAL, list);
    g_assert_cmpstr(xml, ==,
                    "<sources>\n"
                    "  <source>\n"
                    "    <device path='/dev/sdb'/>\n"
                    "    <device path='/dev/sdc'/>\n"
                    "    <name>vg0</name>\n"
                    "    <format type='lvm2'/>\n"
                    "  </source>\n"
                    "</sources>\n");
    g_clear_pointer(&xml, g_free);
    g_ptr_array_set_size(list, 0);

    /* iscsi: host with port, target IQN as device, optional initiator */
    g_clear_pointer(&spec, prov_pool_source_free);
    spec = prov_pool_source_parse_string(PROV_POOL_ISCSI,
                                         "<source><host name='10.0.0.1' port='3260'/>"
                                         "<initiator><iqn name='iqn.2024-01.org.x:init'/>"
                                         "</initiator></source>", &error);
    g_assert_no_error(error);
    host = g_ptr_array_index(spec->hosts, 0);
    g_assert_cmpint(host->port, ==, 3260);
    g_assert_cmpstr(spec->initiator_iqn, ==, "iqn.2024-01.org.x:init");
    src = prov_pool_source_new();
    prov_pool_source_add_host(src, "10.0.0.1", 3260);
    prov_pool_source_add_device(src, "iqn.2024-01.org.x:disk1");
    src->initiator_iqn = g_strdup("iqn.2024-01.org.x:init");
    g_ptr_array_add(list, src);
    xml = prov_pool_source_list_format(PROV_POOL_ISCSI, list);
    g_assert_cmpstr(xml, ==,
                    "<sources>\n"
                    "  <source>\n"
                    "    <host name='10.0.0.1' port='3260'/>\n"
                    "    <device path='iqn.2024-01.org.x:disk1'/>\n"
                    "    <initiator>\n"
                    "      <iqn name='iqn.2024-01.org.x:init'/>\n"
                    "    </initiator>\n"
                    "  </source>\n"
                    "</sources>\n");

    /* an empty logical spec is fine (libvirt ignores it); a wrong root is not */
    g_clear_pointer(&spec, prov_pool_source_free);
    spec = prov_pool_source_parse_string(PROV_POOL_LOGICAL, "<source/>", &error);
    g_assert_no_error(error);
    g_clear_pointer(&spec, prov_pool_source_free);
    spec = prov_pool_source_parse_string(PROV_POOL_NETFS, "<pool/>", &error);
    g_assert_null(spec);
    g_assert_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR);
}

static void
test_pool_enums(void)
{
    int t;

    /* one table each, in libvirt's order, and round trips */
    for (t = 0; t < PROV_POOL_LAST; t++)
        g_assert_cmpint(prov_pool_type_from_string(prov_pool_type_to_string(t)), ==, t);
    g_assert_cmpstr(prov_pool_type_to_string(PROV_POOL_ISCSI_DIRECT), ==, "iscsi-direct");
    g_assert_null(prov_pool_type_to_string(PROV_POOL_LAST));
    g_assert_cmpint(prov_pool_type_from_string("foo"), ==, -1);
    g_assert_cmpint(prov_pool_type_from_string(NULL), ==, -1);
    for (t = 0; t < PROV_VOL_LAST; t++)
        g_assert_cmpint(prov_vol_type_from_string(prov_vol_type_to_string(t)), ==, t);
    for (t = 0; t < PROV_FORMAT_LAST; t++)
        g_assert_cmpint(prov_file_format_from_string(prov_file_format_to_string(t)), ==, t);
    for (t = 0; t < PROV_FS_LAST; t++)
        g_assert_cmpint(prov_fs_format_from_string(prov_fs_format_to_string(t)), ==, t);
    g_assert_cmpstr(prov_fs_format_to_string(PROV_FS_HFSPLUS), ==, "hfs+");
    g_assert_cmpstr(prov_file_format_to_string(PROV_FORMAT_QCOW2), ==, "qcow2");

    g_assert_cmpint(prov_vol_format_default(PROV_POOL_DIR), ==, PROV_FORMAT_RAW);
    g_assert_cmpint(prov_vol_format_default(PROV_POOL_DISK), ==, PROV_PART_NONE);
    g_assert_cmpint(prov_vol_format_default(PROV_POOL_LOGICAL), ==, -1);
    g_assert_cmpint(prov_vol_format_from_string(PROV_POOL_DIR, "qcow2"), ==, PROV_FORMAT_QCOW2);
    g_assert_cmpint(prov_vol_format_from_string(PROV_POOL_DIR, "none"), ==, -1);
    g_assert_cmpint(prov_vol_format_from_string(PROV_POOL_DISK, "linux-swap"), ==,
                    PROV_PART_LINUX_SWAP);
    g_assert_cmpint(prov_vol_format_from_string(PROV_POOL_DISK, "qcow2"), ==, -1);
    g_assert_cmpint(prov_vol_format_from_string(PROV_POOL_ISCSI, "raw"), ==, -1);
    g_assert_cmpstr(prov_vol_format_to_string(PROV_POOL_NETFS, PROV_FORMAT_VMDK), ==, "vmdk");
    g_assert_cmpstr(prov_vol_format_to_string(PROV_POOL_DISK, PROV_PART_EXTENDED), ==,
                    "extended");
    g_assert_null(prov_vol_format_to_string(PROV_POOL_LOGICAL, 0));

    g_assert_cmpint(prov_pool_format_default(PROV_POOL_NETFS), ==, PROV_NETFS_AUTO);
    g_assert_cmpint(prov_pool_format_default(PROV_POOL_LOGICAL), ==, PROV_LOGICAL_LVM2);
    g_assert_cmpint(prov_pool_format_default(PROV_POOL_DIR), ==, -1);
    g_assert_cmpint(prov_pool_format_from_string(PROV_POOL_DISK, "gpt"), ==, PROV_DISK_GPT);
    g_assert_cmpint(prov_pool_format_from_string(PROV_POOL_FS, "nfs"), ==, -1);
    g_assert_cmpstr(prov_pool_format_to_string(PROV_POOL_NETFS, PROV_NETFS_CIFS), ==, "cifs");
    g_assert_false(prov_pool_type_has_target(PROV_POOL_RBD));
    g_assert_true(prov_pool_type_has_target(PROV_POOL_MPATH));
}

static void
test_uuid(void)
{
    unsigned char uuid[16];
    unsigned char again[16];
    char buf[37];
    static const char *const bad[] = {
        "", "70a7eb15-6c34-ee9c-bf57-69e8e5ff3fb", "70a7eb15-6c34-ee9c-bf57-69e8e5ff3fb22",
        "70a7eb156c34-ee9c-bf57-69e8e5ff3fb2-", "g0a7eb15-6c34-ee9c-bf57-69e8e5ff3fb2",
        "70a7eb15-6c34-ee9c-bf57-69e8e5ff3fb2 trailing",
    };
    gsize i;

    g_assert_true(prov_uuid_parse("70a7eb15-6c34-ee9c-bf57-69e8e5ff3fb2", uuid));
    prov_uuid_format(uuid, buf);
    g_assert_cmpstr(buf, ==, "70a7eb15-6c34-ee9c-bf57-69e8e5ff3fb2");
    g_assert_true(prov_uuid_parse(" 70A7EB156C34EE9CBF5769E8E5FF3FB2\n", again));
    g_assert_cmpmem(uuid, 16, again, 16);
    for (i = 0; i < G_N_ELEMENTS(bad); i++)
        g_assert_false(prov_uuid_parse(bad[i], uuid));
    prov_uuid_generate(uuid);
    prov_uuid_generate(again);
    g_assert_true(memcmp(uuid, again, 16) != 0);
    g_assert_cmpint(uuid[6] >> 4, ==, 4);   /* random (version 4) UUIDs */
}

/* Parsing many small documents must stay cheap (daemon start, list operations). */
static void
test_pool_parse_speed(void)
{
    g_autofree char *path = test_path("storagepoolxml2xmlin", "pool-netfs.xml");
    g_autofree char *xml = prov_test_read_required(path);
    g_autoptr(GTimer) timer = g_timer_new();
    const guint n = 20000;
    double secs;
    guint i;

    for (i = 0; i < n; i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(ProvPoolDef) def = prov_pool_def_parse_string(xml, 0, &error);
        g_autofree char *out = NULL;

        g_assert_no_error(error);
        out = prov_pool_def_format(def);
        g_assert_nonnull(out);
    }
    secs = g_timer_elapsed(timer, NULL);
    g_test_message("parsed and formatted %u pool documents in %.3f s (%.1f us each)", n, secs,
                   secs * 1e6 / n);
    printf("performance: %u pool parse+format in %.3f s (%.1f us each)\n", n, secs,
           secs * 1e6 / n);
    /* generous bound so sanitizer builds pass; a regression to XPath-per-field and
     * per-parse schema loading shows up as several times slower */
    g_assert_cmpfloat(secs, <, 20.0);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    storage_dir = prov_test_conformance_dir_or_skip("storage");

    g_test_add_func("/storage/pool/xml2xml", test_pool_xml2xml);
    g_test_add_func("/storage/pool/parse-validate", test_pool_parse_validate);
    g_test_add_func("/storage/pool/schema-fixtures", test_pool_schema_fixtures);
    g_test_add_func("/storage/pool/capabilities", test_pool_capabilities);
    g_test_add_func("/storage/pool/status", test_pool_status);
    g_test_add_func("/storage/pool/copy", test_pool_copy);
    g_test_add_func("/storage/pool/sources", test_pool_sources);
    g_test_add_func("/storage/pool/enums", test_pool_enums);
    g_test_add_func("/storage/uuid", test_uuid);
    g_test_add_func("/storage/pool/parse-speed", test_pool_parse_speed);
    return g_test_run();
}
