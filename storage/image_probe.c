/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* image_probe.c: recognise disk image formats from their headers (qcow2, qed, vmdk, vdi, ...). */
#define G_LOG_DOMAIN "prov-image-probe"

#include "storage/image_probe.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "util/error.h"

/* One read covers every header we parse; footers take one more small read. */
#define PROBE_HEADER_SIZE (64 * 1024)
#define PROBE_QUICK_SIZE 4096
#define PROBE_FOOTER_SIZE 512

/* QEMU caps backing file names at 1023 bytes and backing format names at 15. */
#define PROBE_MAX_BACKING_NAME 1023
#define PROBE_MAX_BACKING_FORMAT 15

typedef struct {
    int fd;
    const char *name;
    guint64 file_size;
    const guint8 *buf; /* the first @len bytes of the file */
    gsize len;
} ProbeCtx;

static guint16
get_be16(const guint8 *p)
{
    return (guint16)p[0] << 8 | p[1];
}

static guint32
get_be32(const guint8 *p)
{
    return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3];
}

static guint64
get_be64(const guint8 *p)
{
    return (guint64)get_be32(p) << 32 | get_be32(p + 4);
}

static guint32
get_le32(const guint8 *p)
{
    return (guint32)p[3] << 24 | (guint32)p[2] << 16 | (guint32)p[1] << 8 | p[0];
}

static guint64
get_le64(const guint8 *p)
{
    return (guint64)get_le32(p + 4) << 32 | get_le32(p);
}

static bool
has_bytes_at(const ProbeCtx *ctx, gsize offset, const void *magic, gsize magic_len)
{
    return ctx->len >= offset + magic_len && memcmp(ctx->buf + offset, magic, magic_len) == 0;
}

/* pread() of exactly @len bytes; returns the number read (short at end of file) or -errno. */
static gssize
probe_pread(int fd, void *buf, gsize len, guint64 offset)
{
    gsize done = 0;

    while (done < len) {
        ssize_t n = pread(fd, (guint8 *)buf + done, len - done, offset + done);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            break;
        done += n;
    }
    return done;
}

static bool
probe_fail(const ProbeCtx *ctx, GError **error, const char *format, const char *what)
{
    g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_STORAGE_PROBE_FAILED,
                "image '%s': %s header is corrupt: %s", ctx->name, format, what);
    return false;
}

static bool
probe_truncated(const ProbeCtx *ctx, GError **error, const char *format)
{
    g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_STORAGE_PROBE_FAILED,
                "image '%s': %s header is truncated (file has %" G_GUINT64_FORMAT " bytes)",
                ctx->name, format, ctx->file_size);
    return false;
}

/*
 * Reads the backing file name stored at @offset (@len bytes, at most 1023) into
 * a new string, from the header buffer or with one small pread beyond it.
 */
static bool
probe_backing_name(const ProbeCtx *ctx, const char *format, guint64 offset, guint64 len,
                   char **ret_name, GError **error)
{
    g_autofree char *name = NULL;

    if (len == 0 || len > PROBE_MAX_BACKING_NAME)
        return probe_fail(ctx, error, format, "backing file name length out of range");
    if (offset > ctx->file_size || len > ctx->file_size - offset)
        return probe_truncated(ctx, error, format);
    if (offset + len <= ctx->len) {
        name = g_strndup((const char *)ctx->buf + offset, len);
    } else {
        char tmp[PROBE_MAX_BACKING_NAME];
        gssize n = probe_pread(ctx->fd, tmp, len, offset);

        if (n < 0)
            return prov_error_set_errno(error, PROV_STORAGE_ERROR, -n,
                                        "image '%s': cannot read the backing file name", ctx->name);
        if ((guint64)n != len)
            return probe_truncated(ctx, error, format);
        name = g_strndup(tmp, len);
    }
    *ret_name = g_steal_pointer(&name);
    return true;
}

/* A format name as QEMU writes it ("qcow2", "raw", ...); unknown names count as unstated. */
static ProvFileFormat
probe_format_from_name(const char *name)
{
    int fmt = prov_file_format_from_string(name);

    if (fmt <= PROV_FORMAT_NONE) {
        g_debug("unknown backing format '%s', leaving it to probing", name);
        return PROV_FORMAT_NONE;
    }
    return fmt;
}

/*
 * qcow2 (QEMU docs/interop/qcow2.txt), big-endian.  Offsets used here:
 *   0 "QFI\xfb"  4 version  8 backing_file_offset(64)  16 backing_file_size(32)
 *  20 cluster_bits  24 size(64)  32 crypt_method (0 none, 1 AES, 2 LUKS)
 *  v3: 72 incompatible features (bit 4: extended L2)  80 compatible (bit 0: lazy
 *  refcounts)  100 header_length.  Extensions from header_length (72 for v2):
 *  u32 type, u32 length, data padded to 8; 0xe2792aca is the backing format.
 */
#define QCOW2_EXT_END 0x00000000U
#define QCOW2_EXT_BACKING_FORMAT 0xe2792acaU
#define QCOW2_INCOMPAT_EXTL2 (1ULL << 4)
#define QCOW2_COMPAT_LAZY_REFCOUNTS (1ULL << 0)

static bool
probe_qcow2(const ProbeCtx *ctx, guint32 version, ProvImageInfo *info, GError **error)
{
    guint32 header_len = version == 2 ? 72 : 104;
    guint64 backing_offset;
    guint32 backing_len;
    guint32 cluster_bits;
    guint64 cluster_size;
    gsize ext_end;
    gsize pos;

    if (ctx->len < header_len)
        return probe_truncated(ctx, error, "qcow2");
    if (version >= 3) {
        header_len = get_be32(ctx->buf + 100);
        if (header_len < 104)
            return probe_fail(ctx, error, "qcow2", "header length below 104");
        if (ctx->len < header_len && ctx->file_size < header_len)
            return probe_truncated(ctx, error, "qcow2");
    }
    cluster_bits = get_be32(ctx->buf + 20);
    if (cluster_bits < 9 || cluster_bits > 21)
        return probe_fail(ctx, error, "qcow2", "cluster size out of range");
    cluster_size = 1ULL << cluster_bits;
    if (header_len > cluster_size)
        return probe_fail(ctx, error, "qcow2", "header longer than a cluster");

    info->format = PROV_FORMAT_QCOW2;
    info->virtual_size = get_be64(ctx->buf + 24);
    info->cluster_size = cluster_size;
    info->encrypted = get_be32(ctx->buf + 32) != 0;
    info->compat = g_strdup(version == 2 ? "0.10" : "1.1");
    if (version >= 3) {
        info->extended_l2 = (get_be64(ctx->buf + 72) & QCOW2_INCOMPAT_EXTL2) != 0;
        info->lazy_refcounts = (get_be64(ctx->buf + 80) & QCOW2_COMPAT_LAZY_REFCOUNTS) != 0;
    }

    /* Extensions live in cluster 0; beyond our buffer (2 MiB clusters) they are skipped. */
    ext_end = MIN(cluster_size, ctx->len);
    pos = header_len;
    while (pos + 8 <= ext_end) {
        guint32 type = get_be32(ctx->buf + pos);
        guint32 len = get_be32(ctx->buf + pos + 4);

        if (type == QCOW2_EXT_END)
            break;
        if (len > cluster_size - pos - 8)
            return probe_fail(ctx, error, "qcow2", "header extension too large");
        if (pos + 8 + len > ext_end)
            break;
        if (type == QCOW2_EXT_BACKING_FORMAT) {
            g_autofree char *fmt = NULL;

            if (len == 0 || len > PROBE_MAX_BACKING_FORMAT)
                return probe_fail(ctx, error, "qcow2", "backing format name too long");
            fmt = g_strndup((const char *)ctx->buf + pos + 8, len);
            info->backing_format = probe_format_from_name(fmt);
        }
        pos += 8 + (((gsize)len + 7) & ~(gsize)7);
    }

    backing_offset = get_be64(ctx->buf + 8);
    backing_len = get_be32(ctx->buf + 16);
    if (backing_offset != 0) {
        if (backing_offset > cluster_size)
            return probe_fail(ctx, error, "qcow2", "backing file name outside cluster 0");
        if (!probe_backing_name(ctx, "qcow2", backing_offset, backing_len, &info->backing_path,
                                error))
            return false;
    }
    return true;
}

/*
 * qcow version 1, big-endian: 0 "QFI\xfb"  4 version 1  8 backing_file_offset(64)
 * 16 backing_file_size(32)  20 mtime  24 size(64)  32 cluster_bits(8)  33 l2_bits(8)
 * 36 crypt_method(32)  40 l1_table_offset(64): 48 bytes.
 */
static bool
probe_qcow1(const ProbeCtx *ctx, ProvImageInfo *info, GError **error)
{
    guint64 backing_offset;

    if (ctx->len < 48)
        return probe_truncated(ctx, error, "qcow");
    info->format = PROV_FORMAT_QCOW;
    info->virtual_size = get_be64(ctx->buf + 24);
    info->encrypted = get_be32(ctx->buf + 36) != 0;
    backing_offset = get_be64(ctx->buf + 8);
    if (backing_offset != 0 &&
        !probe_backing_name(ctx, "qcow", backing_offset, get_be32(ctx->buf + 16),
                            &info->backing_path, error))
        return false;
    return true;
}

/*
 * QED (QEMU docs/interop/qed_spec.txt), little-endian: 0 "QED\0"  4 cluster_size
 * 8 table_size  12 header_size  16 features (bit 0: has backing file, bit 2: backing
 * is raw, do not probe)  48 image_size(64)  56 backing_filename_offset(32)
 * 60 backing_filename_size(32): 64 bytes.
 */
#define QED_F_BACKING_FILE (1ULL << 0)
#define QED_F_BACKING_FORMAT_NO_PROBE (1ULL << 2)

static bool
probe_qed(const ProbeCtx *ctx, ProvImageInfo *info, GError **error)
{
    guint64 features;

    if (ctx->len < 64)
        return probe_truncated(ctx, error, "qed");
    info->format = PROV_FORMAT_QED;
    info->virtual_size = get_le64(ctx->buf + 48);
    features = get_le64(ctx->buf + 16);
    if (features & QED_F_BACKING_FILE) {
        if (!probe_backing_name(ctx, "qed", get_le32(ctx->buf + 56), get_le32(ctx->buf + 60),
                                &info->backing_path, error))
            return false;
        if (features & QED_F_BACKING_FORMAT_NO_PROBE)
            info->backing_format = PROV_FORMAT_RAW;
    }
    return true;
}

/*
 * VMDK sparse extent (VMware "Virtual Disk Format 1.1"), little-endian:
 *   0 "KDMV"  4 version  8 flags  12 capacity (sectors, 64)  20 grainSize
 *  28 descriptorOffset (sectors, 64)  36 descriptorSize (sectors, 64)
 * The embedded text descriptor names a snapshot's parent, e.g.
 *   parentFileNameHint="base.vmdk"
 */
static bool
probe_vmdk(const ProbeCtx *ctx, ProvImageInfo *info, GError **error)
{
    static const char hint[] = "parentFileNameHint=\"";
    guint64 desc_offset;
    guint64 desc_size;

    if (ctx->len < 44)
        return probe_truncated(ctx, error, "vmdk");
    info->format = PROV_FORMAT_VMDK;
    info->virtual_size = get_le64(ctx->buf + 12) * 512;

    desc_offset = get_le64(ctx->buf + 28) * 512;
    desc_size = get_le64(ctx->buf + 36) * 512;
    if (desc_offset > 0 && desc_offset < ctx->len) {
        const char *desc = (const char *)ctx->buf + desc_offset;
        gsize desc_len = MIN(desc_size, ctx->len - desc_offset);
        const char *start = memmem(desc, desc_len, hint, strlen(hint));

        if (start) {
            const char *name = start + strlen(hint);
            const char *end = memchr(name, '"', desc + desc_len - name);

            if (end && end > name)
                info->backing_path = g_strndup(name, end - name);
        }
    }
    return true;
}

/*
 * VDI (VirtualBox), little-endian: a text banner, signature 0xbeda107f at 64,
 * version at 68, and in the v1.1 header the disk size (64) at 368.
 */
static bool
probe_vdi(const ProbeCtx *ctx, ProvImageInfo *info, GError **error)
{
    if (ctx->len < 376)
        return probe_truncated(ctx, error, "vdi");
    info->format = PROV_FORMAT_VDI;
    info->virtual_size = get_le64(ctx->buf + 368);
    return true;
}

/*
 * VHD/VPC footer (Microsoft VHD spec), big-endian, 512 bytes: 0 "conectix"
 * 40 original size  48 current size (what QEMU reports).  Fixed disks have it only
 * at the end of the file, dynamic ones also at offset 0.
 */
static void
probe_vpc(const guint8 *footer, ProvImageInfo *info)
{
    info->format = PROV_FORMAT_VPC;
    info->virtual_size = get_be64(footer + 48);
}

/*
 * LUKS (cryptsetup on-disk format), big-endian: 0 "LUKS\xba\xbe" 6 version.
 * LUKS1: payload offset in 512-byte sectors at 104.  LUKS2: the JSON metadata
 * from 4096 holds the data segment, e.g.
 *   "segments":{"0":{"type":"crypt","offset":"16777216","size":"dynamic",...
 * The guest sees the file minus the header.
 */
static bool
probe_luks(const ProbeCtx *ctx, ProvImageInfo *info, GError **error)
{
    guint64 payload = 0;
    guint16 version;

    if (ctx->len < 108)
        return probe_truncated(ctx, error, "luks");
    version = get_be16(ctx->buf + 6);
    if (version == 1) {
        payload = (guint64)get_be32(ctx->buf + 104) * 512;
    } else if (version == 2) {
        /* The binary header's size (at 8) bounds the JSON area after it. */
        const char *json = (const char *)ctx->buf + 4096;
        guint64 end = MIN(get_be64(ctx->buf + 8), (guint64)ctx->len);
        gsize json_len = end > 4096 ? end - 4096 : 0;
        const char *segments = memmem(json, json_len, "\"segments\"", 10);
        const char *offset = NULL;

        if (segments)
            offset = memmem(segments, json + json_len - segments, "\"offset\":\"", 10);
        if (!offset)
            return probe_fail(ctx, error, "luks", "no data segment in the LUKS2 metadata");
        payload = g_ascii_strtoull(offset + strlen("\"offset\":\""), NULL, 10);
    } else {
        return probe_fail(ctx, error, "luks", "unknown LUKS version");
    }
    info->format = PROV_FORMAT_LUKS;
    info->encrypted = true;
    info->virtual_size = ctx->file_size > payload ? ctx->file_size - payload : 0;
    return true;
}

/*
 * Bochs growing image, little-endian: 0 "Bochs Virtual HD Image" (32 bytes)
 * 32 type "Redolog"  48 subtype  64 version (0x00010000 v1, 0x00020000 v2)
 * 68 header size; disk size (64) at 84 in v1, at 88 in v2 (after a timestamp).
 */
static bool
probe_bochs(const ProbeCtx *ctx, ProvImageInfo *info, GError **error)
{
    guint32 version;

    if (ctx->len < 96)
        return probe_truncated(ctx, error, "bochs");
    version = get_le32(ctx->buf + 64);
    info->format = PROV_FORMAT_BOCHS;
    info->virtual_size = get_le64(ctx->buf + (version == 0x00010000 ? 84 : 88));
    return true;
}

/*
 * cloop (compressed loop): a 128-byte shell preamble, then big-endian block size
 * and number of blocks at 128 and 132.
 */
static bool
probe_cloop(const ProbeCtx *ctx, ProvImageInfo *info, GError **error)
{
    if (ctx->len < 136)
        return probe_truncated(ctx, error, "cloop");
    info->format = PROV_FORMAT_CLOOP;
    info->virtual_size = (guint64)get_be32(ctx->buf + 128) * get_be32(ctx->buf + 132);
    return true;
}

/* Apple UDIF trailer ("koly" block), the last 512 bytes, big-endian: sector count at 492. */
static void
probe_dmg(const guint8 *trailer, ProvImageInfo *info)
{
    info->format = PROV_FORMAT_DMG;
    info->virtual_size = get_be64(trailer + 492) * 512;
}

static const char qcow_magic[] = { 'Q', 'F', 'I', (char)0xfb };
static const char qed_magic[] = { 'Q', 'E', 'D', 0 };
static const char vmdk_magic[] = "KDMV";
static const char vpc_magic[] = "conectix";
static const char luks_magic[] = { 'L', 'U', 'K', 'S', (char)0xba, (char)0xbe };
static const char bochs_magic[] = "Bochs Virtual HD Image";
static const char cloop_magic[] = "#!/bin/sh\n#V2.0 Format\nmodprobe cloop file=";
static const char iso_magic[] = "CD001";
static const char dmg_magic[] = "koly";
static const guint8 vdi_signature[] = { 0x7f, 0x10, 0xda, 0xbe }; /* 0xbeda107f LE */

/* Header magics, checked in this order; the footer formats come after. */
static bool
probe_headers(const ProbeCtx *ctx, ProvImageInfo *info, bool *ret_found, GError **error)
{
    *ret_found = true;
    if (has_bytes_at(ctx, 0, qcow_magic, 4)) {
        guint32 version;

        if (ctx->len < 8)
            return probe_truncated(ctx, error, "qcow2");
        version = get_be32(ctx->buf + 4);
        if (version == 1)
            return probe_qcow1(ctx, info, error);
        if (version == 2 || version == 3)
            return probe_qcow2(ctx, version, info, error);
        return probe_fail(ctx, error, "qcow2", "unsupported version");
    }
    if (has_bytes_at(ctx, 0, qed_magic, 4))
        return probe_qed(ctx, info, error);
    if (has_bytes_at(ctx, 0, vmdk_magic, 4))
        return probe_vmdk(ctx, info, error);
    if (has_bytes_at(ctx, 64, vdi_signature, 4))
        return probe_vdi(ctx, info, error);
    if (has_bytes_at(ctx, 0, vpc_magic, 8)) {
        if (ctx->len < 56)
            return probe_truncated(ctx, error, "vpc");
        probe_vpc(ctx->buf, info);
        return true;
    }
    if (has_bytes_at(ctx, 0, luks_magic, 6))
        return probe_luks(ctx, info, error);
    if (has_bytes_at(ctx, 0, bochs_magic, strlen(bochs_magic)))
        return probe_bochs(ctx, info, error);
    if (has_bytes_at(ctx, 0, cloop_magic, strlen(cloop_magic)))
        return probe_cloop(ctx, info, error);
    /* ISO 9660: the primary volume descriptor at sector 16 (2048-byte sectors) + 1. */
    if (has_bytes_at(ctx, 32769, iso_magic, 5)) {
        info->format = PROV_FORMAT_ISO;
        info->virtual_size = ctx->file_size;
        return true;
    }
    *ret_found = false;
    return true;
}

/* vpc (fixed disks) and dmg keep their signature in the last 512 bytes. */
static bool
probe_footers(const ProbeCtx *ctx, ProvImageInfo *info, bool *ret_found, GError **error)
{
    guint8 tmp[PROBE_FOOTER_SIZE];
    const guint8 *footer;
    gssize n;

    *ret_found = false;
    if (ctx->file_size < PROBE_FOOTER_SIZE)
        return true;
    if (ctx->file_size <= ctx->len) {
        footer = ctx->buf + ctx->file_size - PROBE_FOOTER_SIZE;
    } else {
        n = probe_pread(ctx->fd, tmp, sizeof(tmp), ctx->file_size - PROBE_FOOTER_SIZE);
        if (n < 0)
            return prov_error_set_errno(error, PROV_STORAGE_ERROR, -n,
                                        "image '%s': cannot read the last 512 bytes", ctx->name);
        if (n != PROBE_FOOTER_SIZE)
            return true;
        footer = tmp;
    }
    if (memcmp(footer, vpc_magic, 8) == 0) {
        probe_vpc(footer, info);
        *ret_found = true;
    } else if (memcmp(footer, dmg_magic, 4) == 0) {
        probe_dmg(footer, info);
        *ret_found = true;
    }
    return true;
}

/*
 * Does @buf hold a whole qcow2 header with its extension list (up to the end
 * marker)?  Then nothing past @len is needed but the backing file name, which
 * probe_backing_name() reads on its own.
 */
static bool
probe_qcow2_complete(const guint8 *buf, gsize len)
{
    guint32 version;
    gsize pos;

    if (len < 104 || memcmp(buf, qcow_magic, 4) != 0)
        return false;
    version = get_be32(buf + 4);
    if (version == 2)
        pos = 72;
    else if (version == 3)
        pos = get_be32(buf + 100);
    else
        return false;
    while (pos + 8 <= len) {
        guint32 type = get_be32(buf + pos);
        guint32 ext_len = get_be32(buf + pos + 4);

        if (type == QCOW2_EXT_END)
            return true;
        if (ext_len > len)
            return false;
        pos += 8 + (((gsize)ext_len + 7) & ~(gsize)7);
    }
    return false;
}

/**
 * prov_image_info_clear:
 * @info: probe result to reset (may be zero-filled or filled by a probe)
 *
 * Frees the strings of @info and zeroes it.
 */
void
prov_image_info_clear(ProvImageInfo *info)
{
    if (!info)
        return;
    g_free(info->backing_path);
    g_free(info->compat);
    memset(info, 0, sizeof(*info));
}

/**
 * prov_image_probe_fd:
 * @fd: open image (read with pread, the file offset is untouched)
 * @file_size: st_size of the file
 * @name: file name for messages
 * @ret_info: (out): the result, written only on success; clear it with
 *   prov_image_info_clear()
 * @error: return location for an error
 *
 * Reads the first 64 KiB (and, for footer formats, the last 512 bytes) and decodes
 * the header.  The file name plays no part.  Returns false with @error set when a
 * recognised header is truncated or corrupt (PROV_ERR_STORAGE_PROBE_FAILED) or the
 * file cannot be read (PROV_ERR_SYSTEM_ERROR).
 */
bool
prov_image_probe_fd(int fd, guint64 file_size, const char *name, ProvImageInfo *ret_info,
                    GError **error)
{
    g_autofree guint8 *buf = NULL;
    ProvImageInfo info = { 0 };
    ProbeCtx ctx = { .fd = fd, .name = name, .file_size = file_size };
    gsize want = MIN(file_size, (guint64)PROBE_HEADER_SIZE);
    bool found = false;
    gssize n;

    /*
     * Most images in a pool are qcow2, whose header and extensions fit in the
     * first 4 KiB: read that much first and only go on to 64 KiB (ISO's volume
     * descriptor at 32 KiB, VMDK descriptors, LUKS2 JSON) when it is not enough.
     * Copying 64 KiB per file is most of a 20,000-volume refresh otherwise.
     */
    buf = g_malloc(MAX(want, (gsize)1));
    n = probe_pread(fd, buf, MIN(want, (gsize)PROBE_QUICK_SIZE), 0);
    if (n >= 0 && (gsize)n < want && !probe_qcow2_complete(buf, n))
        n = probe_pread(fd, buf, want, 0);
    if (n < 0)
        return prov_error_set_errno(error, PROV_STORAGE_ERROR, -n,
                                    "image '%s': cannot read the header", name);
    ctx.buf = buf;
    ctx.len = n;

    info.backing_format = PROV_FORMAT_NONE;
    if (!probe_headers(&ctx, &info, &found, error) ||
        (!found && !probe_footers(&ctx, &info, &found, error))) {
        prov_image_info_clear(&info);
        return false;
    }
    if (!found) {
        info.format = PROV_FORMAT_RAW;
        info.virtual_size = file_size;
    }
    g_debug("image '%s': format %s, virtual size %" G_GUINT64_FORMAT "%s%s", name,
            prov_file_format_to_string(info.format), info.virtual_size,
            info.backing_path ? ", backing " : "", info.backing_path ? info.backing_path : "");
    *ret_info = info;
    return true;
}
