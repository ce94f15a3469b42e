/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* qcow2.c: write empty qcow2 images natively, laid out as `qemu-img create -f qcow2` does. */
#define G_LOG_DOMAIN "prov-qcow2"

#include "storage/qcow2.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/error.h"

/*
 * The qcow2 format (QEMU docs/interop/qcow2.txt), big-endian throughout.
 * Header, version 2 fields (72 bytes):
 *     0 magic "QFI\xfb"            4 version (2 or 3)
 *     8 backing_file_offset (u64) 16 backing_file_size (u32)
 *    20 cluster_bits (u32)        24 size in bytes (u64)
 *    32 crypt_method (u32)        36 l1_size in entries (u32)
 *    40 l1_table_offset (u64)     48 refcount_table_offset (u64)
 *    56 refcount_table_clusters   60 nb_snapshots (u32)
 *    64 snapshots_offset (u64)
 * Version 3 adds:
 *    72 incompatible_features     80 compatible_features (bit 0: lazy refcounts)
 *    88 autoclear_features        96 refcount_order (u32, 4 = 16-bit refcounts)
 *   100 header_length (u32)      104 compression_type (u8, 0 = zlib), padded to 112
 * Header extensions follow at header_length (72 for v2): u32 type, u32 length,
 * data padded to 8 bytes, ended by type 0.  The backing file name (not
 * NUL-terminated, at most 1023 bytes) follows the extensions, inside cluster 0.
 *
 * `qemu-img create -f qcow2 img 10G` (QEMU 7.2, 64 KiB clusters) lays out:
 *     cluster 0  header + extensions       0x00000
 *     cluster 1  refcount table -> 0x20000 0x10000
 *     cluster 2  refcount block: 1 1 1 1   0x20000
 *     cluster 3  L1 table, 20 entries      0x30000  (file ends at 0x300a0)
 * which this writer reproduces; with small clusters more refcount blocks and L1
 * clusters follow in the same order.
 */

#define QCOW2_MAGIC 0x514649fbU
#define QCOW2_V2_HEADER_LENGTH 72
#define QCOW2_V3_HEADER_LENGTH 112
#define QCOW2_EXT_END 0x00000000U
#define QCOW2_EXT_BACKING_FORMAT 0xe2792acaU
#define QCOW2_EXT_FEATURE_TABLE 0x6803f857U
#define QCOW2_COMPAT_LAZY_REFCOUNTS (1ULL << 0)
#define QCOW2_REFCOUNT_ORDER 4
#define QCOW2_MIN_CLUSTER_BITS 9
#define QCOW2_MAX_CLUSTER_BITS 21
#define QCOW2_DEFAULT_CLUSTER_SIZE 65536
/* QEMU refuses L1 tables above 32 MiB ("The image size is too large"). */
#define QCOW2_MAX_L1_BYTES (32 * 1024 * 1024)
/* QEMU's limit on the backing file name, and on the backing format name (buffer of 16). */
#define QCOW2_MAX_BACKING_NAME 1023
#define QCOW2_MAX_BACKING_FORMAT 15
/*
 * QEMU 7.2 writes the (purely informative) feature name table only with clusters
 * of 8 KiB or more; smaller images carry no table.  Do the same.
 */
#define QCOW2_FEATURE_TABLE_MIN_CLUSTER 8192

/* One feature name table entry: u8 type, u8 bit, 46 bytes of NUL-padded name. */
typedef struct {
    guint8 type; /* 0 incompatible, 1 compatible, 2 autoclear */
    guint8 bit;
    const char *name;
} ProvQcow2FeatureName;

#define QCOW2_FEATURE_ENTRY_SIZE 48

/* The names QEMU 7.2 records, in its order. */
static const ProvQcow2FeatureName prov_qcow2_feature_names[] = {
    /* clang-format off */
    { 0, 0, "dirty bit" },
    { 0, 1, "corrupt bit" },
    { 0, 2, "external data file" },
    { 0, 3, "compression type" },
    { 0, 4, "extended L2 entries" },
    { 1, 0, "lazy refcounts" },
    { 2, 0, "bitmaps" },
    { 2, 1, "raw external data" },
    /* clang-format on */
};

static void
prov_put_be16(guint8 *p, guint16 v)
{
    p[0] = v >> 8;
    p[1] = v;
}

static void
prov_put_be32(guint8 *p, guint32 v)
{
    p[0] = v >> 24;
    p[1] = v >> 16;
    p[2] = v >> 8;
    p[3] = v;
}

static void
prov_put_be64(guint8 *p, guint64 v)
{
    prov_put_be32(p, v >> 32);
    prov_put_be32(p + 4, v);
}

static gsize
prov_qcow2_ext_size(gsize data_len)
{
    return 8 + ((data_len + 7) & ~(gsize)7);
}

/* Appends one header extension at *@pos of @buf (zero-filled, large enough). */
static void
prov_qcow2_put_ext(guint8 *buf, gsize *pos, guint32 type, const void *data, gsize len)
{
    prov_put_be32(buf + *pos, type);
    prov_put_be32(buf + *pos + 4, len);
    if (len > 0)
        memcpy(buf + *pos + 8, data, len);
    *pos += prov_qcow2_ext_size(len);
}

static bool
prov_pwrite_all(int fd, const void *data, gsize len, guint64 offset, GError **error)
{
    const guint8 *p = data;

    while (len > 0) {
        ssize_t n = pwrite(fd, p, len, offset);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                        "cannot write qcow2 metadata at offset %" G_GUINT64_FORMAT,
                                        offset);
        p += n;
        len -= n;
        offset += n;
    }
    return true;
}

static guint64
prov_div_round_up(guint64 a, guint64 b)
{
    return a / b + (a % b != 0);
}

static bool
prov_qcow2_check_options(const ProvQcow2Options *opts, guint64 cluster_size, GError **error)
{
    if (cluster_size < (1U << QCOW2_MIN_CLUSTER_BITS) ||
        cluster_size > (1U << QCOW2_MAX_CLUSTER_BITS) || (cluster_size & (cluster_size - 1))) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INVALID_ARG,
                    "qcow2 cluster size '%" G_GUINT64_FORMAT
                    "' must be a power of two between 512 and 2097152",
                    cluster_size);
        return false;
    }
    if (opts->compat_v2 && opts->lazy_refcounts) {
        g_set_error_literal(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                            "lazy_refcounts requires compat 1.1");
        return false;
    }
    if (opts->capacity > (guint64)G_MAXINT64 - 511) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INVALID_ARG,
                    "qcow2 capacity '%" G_GUINT64_FORMAT "' is too large", opts->capacity);
        return false;
    }
    if (opts->backing_path &&
        (!*opts->backing_path || strlen(opts->backing_path) > QCOW2_MAX_BACKING_NAME)) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INVALID_ARG,
                    "qcow2 backing file name '%s' must have 1 to %d bytes", opts->backing_path,
                    QCOW2_MAX_BACKING_NAME);
        return false;
    }
    if (opts->backing_format && !opts->backing_path) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INVALID_ARG,
                    "qcow2 backing format '%s' given without a backing file", opts->backing_format);
        return false;
    }
    if (opts->backing_format &&
        (!*opts->backing_format || strlen(opts->backing_format) > QCOW2_MAX_BACKING_FORMAT)) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INVALID_ARG,
                    "qcow2 backing format '%s' must have 1 to %d bytes", opts->backing_format,
                    QCOW2_MAX_BACKING_FORMAT);
        return false;
    }
    return true;
}

/*
 * Fills cluster 0 (header, extensions, backing name) into @buf of @buf_len bytes.
 * Returns the number of bytes used, or 0 with @error set when they do not fit.
 */
static gsize
prov_qcow2_build_header(const ProvQcow2Options *opts, guint cluster_bits, guint64 size,
                        guint32 l1_size, guint64 l1_offset, guint64 reftable_offset,
                        guint32 reftable_clusters, guint8 *buf, gsize buf_len, GError **error)
{
    guint64 cluster_size = 1ULL << cluster_bits;
    gsize header_len = opts->compat_v2 ? QCOW2_V2_HEADER_LENGTH : QCOW2_V3_HEADER_LENGTH;
    bool feature_table = !opts->compat_v2 && cluster_size >= QCOW2_FEATURE_TABLE_MIN_CLUSTER;
    gsize backing_len = opts->backing_path ? strlen(opts->backing_path) : 0;
    gsize format_len = opts->backing_format ? strlen(opts->backing_format) : 0;
    gsize needed = header_len + 8 + backing_len;
    gsize pos;
    gsize i;

    if (opts->backing_format)
        needed += prov_qcow2_ext_size(format_len);
    if (feature_table)
        needed +=
            prov_qcow2_ext_size(G_N_ELEMENTS(prov_qcow2_feature_names) * QCOW2_FEATURE_ENTRY_SIZE);
    if (needed > cluster_size || needed > buf_len) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INVALID_ARG,
                    "qcow2 backing file name '%s' does not fit in a %" G_GUINT64_FORMAT
                    "-byte cluster",
                    opts->backing_path ? opts->backing_path : "", cluster_size);
        return 0;
    }

    memset(buf, 0, needed);
    prov_put_be32(buf + 0, QCOW2_MAGIC);
    prov_put_be32(buf + 4, opts->compat_v2 ? 2 : 3);
    prov_put_be32(buf + 20, cluster_bits);
    prov_put_be64(buf + 24, size);
    prov_put_be32(buf + 32, 0); /* no (legacy AES) encryption */
    prov_put_be32(buf + 36, l1_size);
    prov_put_be64(buf + 40, l1_offset);
    prov_put_be64(buf + 48, reftable_offset);
    prov_put_be32(buf + 56, reftable_clusters);
    if (!opts->compat_v2) {
        prov_put_be64(buf + 80, opts->lazy_refcounts ? QCOW2_COMPAT_LAZY_REFCOUNTS : 0);
        prov_put_be32(buf + 96, QCOW2_REFCOUNT_ORDER);
        prov_put_be32(buf + 100, header_len);
    }

    pos = header_len;
    if (opts->backing_format)
        prov_qcow2_put_ext(buf, &pos, QCOW2_EXT_BACKING_FORMAT, opts->backing_format, format_len);
    if (feature_table) {
        guint8 table[G_N_ELEMENTS(prov_qcow2_feature_names) * QCOW2_FEATURE_ENTRY_SIZE];

        memset(table, 0, sizeof(table));
        for (i = 0; i < G_N_ELEMENTS(prov_qcow2_feature_names); i++) {
            guint8 *entry = table + i * QCOW2_FEATURE_ENTRY_SIZE;

            entry[0] = prov_qcow2_feature_names[i].type;
            entry[1] = prov_qcow2_feature_names[i].bit;
            memcpy(entry + 2, prov_qcow2_feature_names[i].name,
                   strlen(prov_qcow2_feature_names[i].name));
        }
        prov_qcow2_put_ext(buf, &pos, QCOW2_EXT_FEATURE_TABLE, table, sizeof(table));
    }
    prov_qcow2_put_ext(buf, &pos, QCOW2_EXT_END, NULL, 0);

    if (opts->backing_path) {
        prov_put_be64(buf + 8, pos);
        prov_put_be32(buf + 16, backing_len);
        memcpy(buf + pos, opts->backing_path, backing_len);
        pos += backing_len;
    }
    return pos;
}

/**
 * prov_qcow2_write_empty:
 * @fd: an empty regular file open for writing
 * @opts: image options; the capacity is rounded up to a multiple of 512 as QEMU does
 * @error: return location for an error
 *
 * Writes the metadata of an image without data clusters: header cluster, refcount
 * table, refcount blocks, then the L1 table (all entries zero, left as a hole).
 * Every metadata cluster gets refcount 1, so `qemu-img check` finds neither leaks
 * nor errors.  Does not fsync: durability is the caller's choice.  Returns false
 * with @error set on invalid options (naming the bad value) or I/O errors.
 */
bool
prov_qcow2_write_empty(int fd, const ProvQcow2Options *opts, GError **error)
{
    guint64 cluster_size = opts->cluster_size ? opts->cluster_size : QCOW2_DEFAULT_CLUSTER_SIZE;
    /* Largest cluster 0: v3 header, backing format, feature table, end, backing name. */
    guint8 header[QCOW2_V3_HEADER_LENGTH + (8 + 16) + (8 + 8 * QCOW2_FEATURE_ENTRY_SIZE) + 8 +
                  QCOW2_MAX_BACKING_NAME];
    g_autofree guint8 *reftable = NULL;
    g_autofree guint8 *refcounts = NULL;
    guint cluster_bits;
    guint64 size;
    guint64 l1_size;
    guint64 l1_clusters;
    guint64 l1_offset;
    guint64 refs_per_block;
    guint64 nb_refblocks = 1;
    guint64 reftable_clusters = 1;
    guint64 total_clusters;
    guint64 file_end;
    gsize header_used;
    struct stat st;
    guint64 i;

    G_STATIC_ASSERT(G_N_ELEMENTS(prov_qcow2_feature_names) == 8);

    if (!prov_qcow2_check_options(opts, cluster_size, error))
        return false;
    if (fstat(fd, &st) < 0)
        return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                    "cannot stat the new qcow2 image");
    if (!S_ISREG(st.st_mode) || st.st_size != 0) {
        g_set_error_literal(error, PROV_STORAGE_ERROR, PROV_ERR_INTERNAL_ERROR,
                            "a qcow2 image can only be written into an empty regular file");
        return false;
    }

    cluster_bits = g_bit_nth_lsf(cluster_size, -1);
    size = (opts->capacity + 511) & ~(guint64)511;

    /* Each L1 entry maps one L2 table: cluster_size / 8 entries of one cluster each. */
    l1_size = prov_div_round_up(size, cluster_size * (cluster_size / 8));
    if (l1_size * 8 > QCOW2_MAX_L1_BYTES) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INVALID_ARG,
                    "qcow2 capacity '%" G_GUINT64_FORMAT
                    "' is too large for cluster size '%" G_GUINT64_FORMAT "'",
                    opts->capacity, cluster_size);
        return false;
    }
    l1_clusters = prov_div_round_up(l1_size * 8, cluster_size);

    /*
     * The refcount blocks must count themselves and the table pointing at them:
     * iterate until the numbers of blocks and table clusters stop growing.
     */
    refs_per_block = cluster_size / 2;
    for (;;) {
        guint64 want_blocks;
        guint64 want_table;

        total_clusters = 1 + reftable_clusters + nb_refblocks + l1_clusters;
        want_blocks = prov_div_round_up(total_clusters, refs_per_block);
        want_table = prov_div_round_up(want_blocks * 8, cluster_size);
        if (want_blocks == nb_refblocks && want_table == reftable_clusters)
            break;
        nb_refblocks = want_blocks;
        reftable_clusters = want_table;
    }
    l1_offset = l1_size > 0 ? (1 + reftable_clusters + nb_refblocks) * cluster_size : 0;

    header_used =
        prov_qcow2_build_header(opts, cluster_bits, size, l1_size, l1_offset, cluster_size,
                                reftable_clusters, header, sizeof(header), error);
    if (header_used == 0)
        return false;

    reftable = g_malloc0(nb_refblocks * 8);
    for (i = 0; i < nb_refblocks; i++)
        prov_put_be64(reftable + i * 8, (1 + reftable_clusters + i) * cluster_size);

    /* The blocks are contiguous, so the entries of clusters 0..n-1 are one run. */
    refcounts = g_malloc(total_clusters * 2);
    for (i = 0; i < total_clusters; i++)
        prov_put_be16(refcounts + i * 2, 1);

    if (!prov_pwrite_all(fd, header, header_used, 0, error) ||
        !prov_pwrite_all(fd, reftable, nb_refblocks * 8, cluster_size, error) ||
        !prov_pwrite_all(fd, refcounts, total_clusters * 2, (1 + reftable_clusters) * cluster_size,
                         error))
        return false;

    /* As QEMU: the file ends after the L1 entries, or after the last refcount block. */
    if (l1_size > 0)
        file_end = l1_offset + l1_size * 8;
    else
        file_end = (1 + reftable_clusters + nb_refblocks) * cluster_size;
    if (ftruncate(fd, file_end) < 0)
        return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                    "cannot extend the qcow2 image to %" G_GUINT64_FORMAT " bytes",
                                    file_end);

    g_debug("wrote qcow2 v%d: size %" G_GUINT64_FORMAT ", cluster %" G_GUINT64_FORMAT
            ", l1 %" G_GUINT64_FORMAT " entries at %" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
            " refcount blocks",
            opts->compat_v2 ? 2 : 3, size, cluster_size, l1_size, l1_offset, nb_refblocks);
    return true;
}
