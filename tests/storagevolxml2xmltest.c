/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* storagevolxml2xmltest.c: volume parse -> format in a pool, against libvirt's conformance data. */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "storage/storage_conf.h"
#include "tests/testutil.h"
#include "util/error.h"
#include "util/xml.h"

static char *storage_dir;

/* libvirt's storagevolxml2xmltest table: volume, the pool it is parsed in, flags. */
static const struct {
    const char *vol;
    const char *pool;
    unsigned int flags;
} vol_cases[] = {
    { "vol-file", "pool-dir", 0 },
    { "vol-file-naming", "pool-dir", 0 },
    { "vol-file-backing", "pool-dir", 0 },
    { "vol-file-iso", "pool-dir", 0 },
    { "vol-qcow2", "pool-dir", 0 },
    { "vol-qcow2-1.1", "pool-dir", 0 },
    { "vol-qcow2-lazy", "pool-dir", 0 },
    { "vol-qcow2-0.10-lazy", "pool-dir", 0 },
    { "vol-qcow2-nobacking", "pool-dir", 0 },
    { "vol-qcow2-encryption", "pool-dir", 0 },
    { "vol-qcow2-luks", "pool-dir", 0 },
    { "vol-qcow2-clusterSize", "pool-dir", 0 },
    { "vol-luks", "pool-dir", 0 },
    { "vol-luks-cipher", "pool-dir", 0 },
    { "vol-partition", "pool-disk", 0 },
    { "vol-logical", "pool-logical", 0 },
    { "vol-logical-backing", "pool-logical", 0 },
    { "vol-gluster-dir", "pool-gluster", 0 },
    { "vol-gluster-dir-neg-uid", "pool-gluster", 0 },
    { "vol-qcow2-nocapacity", "pool-dir", PROV_VOL_PARSE_NO_CAPACITY },
};

static char *
test_path(const char *sub, const char *name, const char *ext)
{
    g_autofree char *file = g_strconcat(name, ext, NULL);

    return g_build_filename(storage_dir, sub, file, NULL);
}

static ProvPoolDef *
test_pool(const char *name)
{
    g_autofree char *path = test_path("storagepoolxml2xmlin", name, ".xml");
    g_autoptr(GError) error = NULL;
    ProvPoolDef *pool = prov_pool_def_parse_file(path, 0, &error);

    g_assert_no_error(error);
    return pool;
}

/* Parses @vol in @pool, checks the round trip is stable; returns the formatted XML. */
static char *
test_vol_format(const ProvPoolDef *pool, const char *vol, unsigned int flags, GError **error)
{
    g_autofree char *path = test_path("storagevolxml2xmlin", vol, ".xml");
    g_autofree char *in = prov_test_read_required(path);
    g_autoptr(ProvVolDef) def = NULL;
    g_autoptr(ProvVolDef) redef = NULL;
    g_autofree char *out = NULL;
    g_autofree char *again = NULL;

    if (!(def = prov_vol_def_parse_string(pool, in, flags, error)))
        return NULL;
    out = prov_vol_def_format(pool, def);
    redef = prov_vol_def_parse_string(pool, out, flags, error);
    g_assert_nonnull(redef);
    again = prov_vol_def_format(pool, redef);
    g_assert_cmpstr(again, ==, out);
    return g_steal_pointer(&out);
}

static void
test_vol_xml2xml(void)
{
    guint passed = 0;
    guint identical = 0;
    guint valid_libvirt = 0;
    guint valid_own = 0;
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(vol_cases); i++) {
        g_autoptr(ProvPoolDef) pool = test_pool(vol_cases[i].pool);
        g_autofree char *out_path = test_path("storagevolxml2xmlout", vol_cases[i].vol, ".xml");
        g_autofree char *expected = prov_test_read_required(out_path);
        g_autofree char *actual = NULL;
        g_autofree char *canon_actual = NULL;
        g_autofree char *canon_expected = NULL;
        g_autofree char *msg = NULL;
        g_autoptr(GError) error = NULL;
        bool ok = true;

        actual = test_vol_format(pool, vol_cases[i].vol, vol_cases[i].flags, &error);
        if (!actual) {
            g_test_message("%s: parse failed: %s", vol_cases[i].vol, error->message);
            g_test_fail();
            continue;
        }
        if (prov_test_libvirt_schema_valid("storagevol.rng", actual, NULL))
            valid_libvirt++;
        else
            ok = false;
        if (prov_test_own_schema_valid("storagevol.rng", actual, &msg))
            valid_own++;
        else
            ok = false;
        g_assert_true(prov_xml_canonicalize(actual, &canon_actual, &error));
        g_assert_true(prov_xml_canonicalize(expected, &canon_expected, &error));
        if (!g_str_equal(canon_actual, canon_expected)) {
            ok = false;
            g_test_message("%s: not XML-equivalent\n--- expected\n%s--- actual\n%s",
                           vol_cases[i].vol, canon_expected, canon_actual);
        }
        if (ok) {
            passed++;
            if (g_str_equal(actual, expected))
                identical++;
        } else {
            g_test_message("%s: failed (%s)\n%s", vol_cases[i].vol, msg ? msg : "see above",
                           actual);
            g_test_fail();
        }
    }

    g_test_message("conformance: vol xml2xml %u/%zu passed (%u byte-identical), "
                   "schema-valid output %u/%zu (libvirt's schema) %u/%zu (ours)", passed,
                   G_N_ELEMENTS(vol_cases), identical, valid_libvirt, G_N_ELEMENTS(vol_cases),
                   valid_own, G_N_ELEMENTS(vol_cases));
    printf("conformance: vol xml2xml %u/%zu passed (%u byte-identical), "
           "schema-valid output %u/%zu (libvirt's schema) %u/%zu (ours)\n", passed,
           G_N_ELEMENTS(vol_cases), identical, valid_libvirt, G_N_ELEMENTS(vol_cases),
           valid_own, G_N_ELEMENTS(vol_cases));
    g_assert_cmpuint(passed, ==, G_N_ELEMENTS(vol_cases));
}

/*
 * Inputs libvirt accepts but compares with nothing (used by the argv tests, all in a dir
 * pool): they must parse, and their output must be valid.
 */
static void
test_vol_other_inputs(void)
{
    g_autoptr(ProvPoolDef) pool = test_pool("pool-dir");
    g_autofree char *dir_path = g_build_filename(storage_dir, "storagevolxml2xmlin", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(GDir) dir = g_dir_open(dir_path, 0, &error);
    const char *entry;
    guint parsed = 0;
    gsize i;

    g_assert_no_error(error);
    while ((entry = g_dir_read_name(dir))) {
        g_autofree char *name = NULL;
        g_autofree char *out = NULL;
        g_autofree char *msg = NULL;
        bool in_table = false;

        if (!g_str_has_suffix(entry, ".xml"))
            continue;
        name = g_strndup(entry, strlen(entry) - 4);
        for (i = 0; i < G_N_ELEMENTS(vol_cases); i++)
            in_table |= g_str_equal(vol_cases[i].vol, name);
        if (in_table)
            continue;
        out = test_vol_format(pool, name, 0, &error);
        g_assert_no_error(error);
        g_assert_true(prov_test_libvirt_schema_valid("storagevol.rng", out, NULL));
        if (!prov_test_own_schema_valid("storagevol.rng", out, &msg))
            g_error("%s: %s", name, msg);
        parsed++;
    }
    g_test_message("parsed %u volume inputs that have no expected output", parsed);
    printf("conformance: %u other volume inputs parse and format to schema-valid XML\n", parsed);
    g_assert_cmpuint(parsed, >=, 6);
}

/* virschematest over the volume folders, with our schema. */
static void
test_vol_schema_fixtures(void)
{
    static const char *const folders[] = {
        "storagevolxml2xmlin", "storagevolxml2xmlout", "storagevolschemadata",
    };
    guint checked = 0;
    gsize f;

    for (f = 0; f < G_N_ELEMENTS(folders); f++) {
        g_autofree char *dir_path = g_build_filename(storage_dir, folders[f], NULL);
        g_autoptr(GError) error = NULL;
        g_autoptr(GDir) dir = g_dir_open(dir_path, 0, &error);
        const char *entry;

        g_assert_no_error(error);
        while ((entry = g_dir_read_name(dir))) {
            g_autofree char *path = NULL;
            g_autofree char *text = NULL;
            g_autofree char *msg = NULL;
            bool want_valid = strstr(entry, "-invalid.") == NULL;

            if (!g_str_has_suffix(entry, ".xml"))
                continue;
            path = g_build_filename(dir_path, entry, NULL);
            text = prov_test_read_required(path);
            if (prov_test_own_schema_valid("storagevol.rng", text, &msg) != want_valid)
                g_error("%s/%s: expected %s by our storagevol.rng (%s)", folders[f], entry,
                        want_valid ? "valid" : "invalid", msg ? msg : "it was valid");
            checked++;
        }
    }
    g_test_message("conformance: vol schema fixtures %u/%u as expected", checked, checked);
    printf("conformance: vol schema fixtures %u/%u as expected by our storagevol.rng\n",
           checked, checked);
    g_assert_cmpuint(checked, >=, 48);
}

/* What volume XML looks like in each kind of pool, and what the parser keeps. */
static void
test_vol_pool_kinds(void)
{
    static const char *const xml =
        "<volume><name>v1</name><capacity unit='G'>1</capacity></volume>";
    g_autoptr(ProvPoolDef) dir = test_pool("pool-dir");
    g_autoptr(ProvPoolDef) logical = test_pool("pool-logical");
    g_autoptr(ProvPoolDef) disk = test_pool("pool-disk");
    g_autoptr(ProvPoolDef) rbd = test_pool("pool-rbd");
    g_autoptr(ProvPoolDef) iscsi = test_pool("pool-iscsi");
    g_autoptr(GError) error = NULL;
    g_autoptr(ProvVolDef) def = NULL;
    g_autofree char *out = NULL;

    def = prov_vol_def_parse_string(dir, xml, 0, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(def->capacity, ==, 1073741824ULL);
    g_assert_cmpuint(def->allocation, ==, def->capacity);
    g_assert_false(def->has_allocation);
    g_assert_false(def->has_type);
    g_assert_cmpint(def->format, ==, PROV_FORMAT_RAW);
    out = prov_vol_def_format(dir, def);
    g_assert_cmpstr(out, ==,
                    "<volume type='file'>\n"
                    "  <name>v1</name>\n"
                    "  <capacity unit='bytes'>1073741824</capacity>\n"
                    "  <allocation unit='bytes'>1073741824</allocation>\n"
                    "  <target>\n"
                    "    <format type='raw'/>\n"
                    "  </target>\n"
                    "</volume>\n");
    g_clear_pointer(&def, prov_vol_def_free);
    g_clear_pointer(&out, g_free);

    /* logical and iscsi volumes have no <format>; a given one is ignored */
    def = prov_vol_def_parse_string(logical, "<volume><name>lv</name><capacity>4096</capacity>"
                                    "<target><format type='qcow2'/></target></volume>", 0,
                                    &error);
    g_assert_no_error(error);
    g_assert_cmpint(def->format, ==, -1);
    out = prov_vol_def_format(logical, def);
    g_assert_null(strstr(out, "<format"));
    g_clear_pointer(&def, prov_vol_def_free);
    g_clear_pointer(&out, g_free);
    def = prov_vol_def_parse_string(iscsi, xml, 0, &error);
    g_assert_no_error(error);
    out = prov_vol_def_format(iscsi, def);
    g_assert_null(strstr(out, "<format"));
    g_clear_pointer(&def, prov_vol_def_free);
    g_clear_pointer(&out, g_free);

    /* disk pools: partition types, default none */
    def = prov_vol_def_parse_string(disk, xml, 0, &error);
    g_assert_no_error(error);
    g_assert_cmpint(def->format, ==, PROV_PART_NONE);
    g_clear_pointer(&def, prov_vol_def_free);
    def = prov_vol_def_parse_string(disk, "<volume><name>sda2</name><capacity>1048576</capacity>"
                                    "<target><format type='linux-lvm'/></target></volume>", 0,
                                    &error);
    g_assert_no_error(error);
    out = prov_vol_def_format(disk, def);
    g_assert_nonnull(strstr(out, "<format type='linux-lvm'/>"));
    g_clear_pointer(&def, prov_vol_def_free);
    g_clear_pointer(&out, g_free);

    /* rbd volumes take image formats (raw default) */
    def = prov_vol_def_parse_string(rbd, xml, 0, &error);
    g_assert_no_error(error);
    out = prov_vol_def_format(rbd, def);
    g_assert_nonnull(strstr(out, "<format type='raw'/>"));
    g_clear_pointer(&def, prov_vol_def_free);
    g_clear_pointer(&out, g_free);

    /* no capacity is fine when a backing image gives it, or with the NO_CAPACITY flag */
    def = prov_vol_def_parse_string(dir, "<volume><name>ov</name><target><format type='qcow2'/>"
                                    "</target><backingStore><path>/b.img</path></backingStore>"
                                    "</volume>", 0, &error);
    g_assert_no_error(error);
    g_assert_false(def->has_capacity);
    g_assert_cmpint(def->backing.format, ==, PROV_FORMAT_RAW);
    g_clear_pointer(&def, prov_vol_def_free);

    /* nocow and timestamps/extents set by a backend are printed */
    def = prov_vol_def_parse_string(dir, "<volume><name>n</name><capacity>1</capacity>"
                                    "<target><nocow/></target></volume>", 0, &error);
    g_assert_no_error(error);
    g_assert_true(def->nocow);
    def->timestamps = g_new0(ProvTimestamps, 1);
    def->timestamps->atime = g_strdup("1341933637.273190990");
    def->has_physical = true;
    def->physical = 8192;
    prov_vol_def_add_extent(def, "/dev/sda2", 0, 4096);
    prov_vol_def_add_extent(def, "/dev/sda2", 8192, 12288);
    prov_vol_def_add_extent(def, "/dev/sdb1", 0, 512);
    out = prov_vol_def_format(dir, def);
    g_assert_nonnull(strstr(out,
                            "  <source>\n"
                            "    <device path='/dev/sda2'>\n"
                            "      <extent start='0' end='4096'/>\n"
                            "      <extent start='8192' end='12288'/>\n"
                            "    </device>\n"
                            "    <device path='/dev/sdb1'>\n"
                            "      <extent start='0' end='512'/>\n"
                            "    </device>\n"
                            "  </source>\n"));
    g_assert_nonnull(strstr(out, "<physical unit='bytes'>8192</physical>"));
    g_assert_nonnull(strstr(out, "    <timestamps>\n      <atime>1341933637.273190990</atime>\n"
                                 "    </timestamps>\n"));
    g_assert_nonnull(strstr(out, "<nocow/>"));
    g_assert_true(prov_test_libvirt_schema_valid("storagevol.rng", out, NULL));
    g_assert_true(prov_test_own_schema_valid("storagevol.rng", out, NULL));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    storage_dir = prov_test_conformance_dir_or_skip("storage");

    g_test_add_func("/storage/vol/xml2xml", test_vol_xml2xml);
    g_test_add_func("/storage/vol/other-inputs", test_vol_other_inputs);
    g_test_add_func("/storage/vol/schema-fixtures", test_vol_schema_fixtures);
    g_test_add_func("/storage/vol/pool-kinds", test_vol_pool_kinds);
    return g_test_run();
}
