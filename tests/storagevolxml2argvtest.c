/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* storagevolxml2argvtest.c: qemu-img argv checked against libvirt's storagevolxml2argvdata. */
#include <stdio.h>
#include <stdlib.h>

#include "storage/storage_conf.h"
#include "storage/volume_local.h"
#include "tests/testutil.h"
#include "util/error.h"

/*
 * One case of libvirt's tests/storagevolxml2argvtest.c: the volume to create
 * (pool + vol XML from storagepoolxml2xmlin / storagevolxml2xmlin), optionally
 * the input volume of a convert, the create flags, and the expected file in
 * storagevolxml2argvdata (absent for the two cases libvirt expects to fail).
 */
typedef struct {
    const char *name;
    const char *pool;
    const char *vol;
    const char *in_pool;
    const char *in_vol;
    unsigned int flags;
    bool should_fail;
} VolArgvCase;

#define PREALLOC PROV_VOL_CREATE_PREALLOC_METADATA

static const VolArgvCase cases[] = {
    { "qcow2-compat", "pool-dir", "vol-qcow2", NULL, NULL, 0, false },
    { "qcow2-nobacking-prealloc-compat", "pool-dir", "vol-qcow2-nobacking", NULL, NULL,
      PREALLOC, false },
    { "qcow2-nobacking-convert-prealloc-compat", "pool-dir", "vol-qcow2-nobacking",
      "pool-dir", "vol-file", PREALLOC, false },
    { "qcow2-lazy", "pool-dir", "vol-qcow2-lazy", NULL, NULL, 0, false },
    { "qcow2-1.1", "pool-dir", "vol-qcow2-1.1", NULL, NULL, 0, false },
    { "qcow2-0.10-lazy", "pool-dir", "vol-qcow2-0.10-lazy", NULL, NULL, 0, true },
    { "qcow2-from-logical-compat", "pool-dir", "vol-qcow2-nobacking", "pool-logical",
      "vol-logical", 0, false },
    { "logical-from-qcow2", "pool-logical", "vol-logical", "pool-dir", "vol-qcow2-nobacking",
      0, false },
    { "qcow2-nocow-compat", "pool-dir", "vol-qcow2-nocow", NULL, NULL, 0, false },
    { "qcow2-nocapacity-convert-prealloc", "pool-dir", "vol-qcow2-nocapacity", "pool-dir",
      "vol-file", PREALLOC, false },
    { "qcow2-zerocapacity", "pool-dir", "vol-qcow2-zerocapacity", NULL, NULL, 0, false },
    { "qcow2-nocapacity", "pool-dir", "vol-qcow2-nocapacity-backing", NULL, NULL, 0, false },
    { "qcow2-clusterSize", "pool-dir", "vol-qcow2-clusterSize", NULL, NULL, 0, false },
    { "iso", "pool-dir", "vol-file-iso", NULL, NULL, 0, false },
    { "iso-input", "pool-dir", "vol-file", "pool-dir", "vol-file-iso", 0, false },
    { "qcow2-encryption", "pool-dir", "vol-qcow2-encryption", NULL, NULL, 0, true },
    { "luks", "pool-dir", "vol-luks", NULL, NULL, 0, false },
    { "luks-cipher", "pool-dir", "vol-luks-cipher", NULL, NULL, 0, false },
    { "qcow2-luks", "pool-dir", "vol-qcow2-luks", NULL, NULL, 0, false },
    { "luks-convert", "pool-dir", "vol-luks-convert", "pool-dir", "vol-file", 0, false },
    { "luks-convert-qcow2", "pool-dir", "vol-luks-convert", "pool-dir", "vol-file-qcow2", 0,
      false },
    { "luks-convert-encrypt", "pool-dir", "vol-luks", "pool-dir", "vol-luks-convert", 0,
      false },
    { "luks-convert-encrypt2fileraw", "pool-dir", "vol-file", "pool-dir", "vol-luks-convert",
      0, false },
    { "luks-convert-encrypt2fileqcow2", "pool-dir", "vol-file-qcow2", "pool-dir",
      "vol-luks-convert", 0, false },
    { "qcow2-luks-convert-encrypt", "pool-dir", "vol-qcow2-luks", "pool-dir",
      "vol-qcow2-luks-convert", 0, false },
    { "qcow2-luks-convert-encrypt2fileraw", "pool-dir", "vol-file", "pool-dir",
      "vol-qcow2-luks-convert", 0, false },
    { "qcow2-luks-convert-encrypt2fileqcow2", "pool-dir", "vol-file-qcow2", "pool-dir",
      "vol-qcow2-luks-convert", 0, false },
};

static guint passed;

static ProvPoolDef *
load_pool(const char *name, GError **error)
{
    g_autofree char *rel = g_strdup_printf("storage/storagepoolxml2xmlin/%s.xml", name);
    g_autofree char *path = g_build_filename(PROV_CONFORMANCE_DIR, rel, NULL);

    return prov_pool_def_parse_file(path, 0, error);
}

/*
 * libvirt's test forces the volume type (file in dir pools, block in logical
 * pools); the target path is what the backend's define step would set.
 */
static ProvVolDef *
load_vol(const ProvPoolDef *pool, const char *name, unsigned int flags, GError **error)
{
    g_autofree char *rel = g_strdup_printf("storage/storagevolxml2xmlin/%s.xml", name);
    g_autofree char *path = g_build_filename(PROV_CONFORMANCE_DIR, rel, NULL);
    g_autofree char *xml = NULL;
    g_autoptr(ProvVolDef) vol = NULL;

    if (!g_file_get_contents(path, &xml, NULL, error))
        return NULL;
    if (!(vol = prov_vol_def_parse_string(pool, xml, flags, error)))
        return NULL;
    vol->type = pool->type == PROV_POOL_LOGICAL ? PROV_VOL_BLOCK : PROV_VOL_FILE;
    if (!vol->target_path)
        vol->target_path = g_build_filename(pool->target_path, vol->name, NULL);
    return g_steal_pointer(&vol);
}

/* The command(s) for @tc in the golden-file form, or NULL with @error set. */
static char *
build_argv_text(const VolArgvCase *tc, GError **error)
{
    g_autoptr(ProvPoolDef) pool = NULL;
    g_autoptr(ProvPoolDef) in_pool = NULL;
    g_autoptr(ProvVolDef) vol = NULL;
    g_autoptr(ProvVolDef) in_vol = NULL;
    g_autoptr(ProvCommand) first = NULL;
    g_autoptr(ProvCommand) second = NULL;
    g_autoptr(GString) text = g_string_new(NULL);
    g_autofree char *one = NULL;

    if (!(pool = load_pool(tc->pool, error)))
        return NULL;
    if (!(vol = load_vol(pool, tc->vol, tc->in_vol ? PROV_VOL_PARSE_NO_CAPACITY : 0, error)))
        return NULL;
    if (tc->in_vol) {
        if (!(in_pool = load_pool(tc->in_pool, error)))
            return NULL;
        if (!(in_vol = load_vol(in_pool, tc->in_vol, 0, error)))
            return NULL;
    }
    if (!(first = prov_qemu_img_create_command(pool, vol, in_vol, tc->flags,
                                               "/path/to/secretFile",
                                               "/path/to/inputSecretFile", error)))
        return NULL;
    one = prov_test_argv_format(prov_command_get_argv(first));
    g_string_append(text, one);
    if (prov_qemu_img_needs_two_steps(vol, in_vol)) {
        g_autofree char *two = NULL;

        if (!(second = prov_qemu_img_step_command(pool, vol, in_vol, tc->flags,
                                                  PROV_QEMU_IMG_STEP_ENCRYPT_CONVERT,
                                                  "/path/to/secretFile",
                                                  "/path/to/inputSecretFile", error)))
            return NULL;
        two = prov_test_argv_format(prov_command_get_argv(second));
        g_string_append(text, two);
    }
    return g_string_free(g_steal_pointer(&text), FALSE);
}

static void
test_case(gconstpointer data)
{
    const VolArgvCase *tc = data;
    g_autoptr(GError) err = NULL;
    g_autofree char *actual = build_argv_text(tc, &err);
    g_autofree char *rel = NULL;
    g_autofree char *expected_path = NULL;
    g_autofree char *expected = NULL;

    if (tc->should_fail) {
        if (actual) {
            g_test_message("'%s' should have failed, produced:\n%s", tc->name, actual);
            g_test_fail();
            return;
        }
        /* The failure must come from the command builder, not from parsing. */
        if (err->domain == PROV_XML_ERROR) {
            g_test_message("'%s': parse failed instead: %s", tc->name, err->message);
            g_test_fail();
            return;
        }
        g_test_message("'%s' failed as expected: %s", tc->name, err->message);
        passed++;
        return;
    }
    if (!actual) {
        g_test_message("'%s': %s", tc->name, err->message);
        g_test_fail();
        return;
    }
    rel = g_strdup_printf("storage/storagevolxml2argvdata/%s.argv", tc->name);
    expected_path = g_build_filename(PROV_CONFORMANCE_DIR, rel, NULL);
    expected = prov_test_read(expected_path);
    if (!expected) {
        g_test_message("'%s': cannot read '%s'", tc->name, expected_path);
        g_test_fail();
        return;
    }
    if (!g_str_equal(expected, actual)) {
        g_test_message("'%s' differs.\n--- expected\n%s--- actual\n%s", tc->name, expected,
                       actual);
        g_test_fail();
        return;
    }
    passed++;
}

int
main(int argc, char **argv)
{
    g_autofree char *dir = NULL;
    guint i;
    int rc;

    /* So that the summary below counts every case. */
    prov_test_init_keep_going(&argc, &argv);
    if (!(dir = prov_test_conformance_path("storage/storagevolxml2argvdata"))) {
        g_print("skipping: libvirt conformance data not found\n");
        return 77;
    }
    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *path = g_strdup_printf("/storage/vol-xml2argv/%s", cases[i].name);

        g_test_add_data_func(path, &cases[i], test_case);
    }
    rc = g_test_run();
    g_print("conformance: vol xml2argv %u/%u passed\n", passed,
            (guint)G_N_ELEMENTS(cases));
    return rc;
}
