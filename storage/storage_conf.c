/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* storage_conf.c: storage pool and volume XML model (libvirt's format): parse, validate, format. */
#define G_LOG_DOMAIN "prov-storage-conf"

#include "storage/storage_conf.h"

#include <errno.h>
#include <string.h>

#include "util/error.h"
#include "util/units.h"
#include "util/xml.h"

#define PROV_FS_NS_HREF "http://libvirt.org/schemas/storagepool/fs/1.0"
#define PROV_RBD_NS_HREF "http://libvirt.org/schemas/storagepool/rbd/1.0"

/* ---- enum string tables (one per enum, indexed by value) ---------------------- */

static const char *const prov_pool_type_names[PROV_POOL_LAST] = {
    "dir", "fs", "netfs", "logical", "disk", "iscsi", "iscsi-direct", "scsi", "mpath", "rbd",
    "sheepdog", "gluster", "zfs", "vstorage",
};

static const char *const prov_vol_type_names[PROV_VOL_LAST] = {
    "file", "block", "dir", "network", "netdir", "ploop",
};

static const char *const prov_file_format_names[PROV_FORMAT_LAST] = {
    "none", "raw", "dir", "bochs", "cloop", "dmg", "iso", "vpc", "vdi", "fat", "vhd", "ploop",
    "cow", "qcow", "qcow2", "qed", "vmdk", "luks",
};

static const char *const prov_fs_format_names[PROV_FS_LAST] = {
    "auto", "ext2", "ext3", "ext4", "ufs", "iso9660", "udf", "gfs", "gfs2", "vfat", "hfs+",
    "xfs", "ocfs2", "vmfs",
};

static const char *const prov_netfs_format_names[PROV_NETFS_LAST] = {
    "auto", "nfs", "glusterfs", "cifs",
};

static const char *const prov_logical_format_names[PROV_LOGICAL_LAST] = {
    "unknown", "lvm2",
};

static const char *const prov_disk_format_names[PROV_DISK_LAST] = {
    "unknown", "dos", "dvh", "gpt", "mac", "bsd", "pc98", "sun", "lvm2",
};

static const char *const prov_part_format_names[PROV_PART_LAST] = {
    "none", "linux", "fat16", "fat32", "linux-swap", "linux-lvm", "linux-raid", "extended",
};

/* Indexed by ProvAuthType. */
static const char *const prov_auth_type_names[] = { "none", "chap", "ceph" };

/* Indexed by ProvAdapterType. */
static const char *const prov_adapter_type_names[] = { "default", "scsi_host", "fc_host" };

/* <refresh><volume allocation=...>: indexed by ProvPoolDef.refresh_vol_allocation. */
static const char *const prov_refresh_alloc_names[] = { "default", "capacity" };

static const char *const prov_encryption_format_names[] = {
    "default", "qcow", "luks", "luks2", "luks-any",
};

static const char *const prov_encryption_engine_names[] = { "qemu", "librbd" };

static const char *
prov_enum_to_string(const char *const *table, int n, int value)
{
    if (value < 0 || value >= n)
        return NULL;
    return table[value];
}

static int
prov_enum_from_string(const char *const *table, int n, const char *str)
{
    int i;

    if (!str)
        return -1;
    for (i = 0; i < n; i++) {
        if (g_str_equal(table[i], str))
            return i;
    }
    return -1;
}

#define PROV_ENUM_IMPL(prefix, Type, table) \
    const char *prefix##_to_string(Type value) \
    { \
        return prov_enum_to_string(table, G_N_ELEMENTS(table), (int) value); \
    } \
    int prefix##_from_string(const char *str) \
    { \
        return prov_enum_from_string(table, G_N_ELEMENTS(table), str); \
    }

PROV_ENUM_IMPL(prov_pool_type, ProvPoolType, prov_pool_type_names)
PROV_ENUM_IMPL(prov_vol_type, ProvVolType, prov_vol_type_names)
PROV_ENUM_IMPL(prov_file_format, ProvFileFormat, prov_file_format_names)
PROV_ENUM_IMPL(prov_fs_format, ProvFsFormat, prov_fs_format_names)
PROV_ENUM_IMPL(prov_netfs_format, ProvNetfsFormat, prov_netfs_format_names)
PROV_ENUM_IMPL(prov_logical_format, ProvLogicalFormat, prov_logical_format_names)
PROV_ENUM_IMPL(prov_disk_format, ProvDiskFormat, prov_disk_format_names)
PROV_ENUM_IMPL(prov_part_format, ProvPartFormat, prov_part_format_names)

/* ---- per pool type options (libvirt's poolTypeInfo) ---------------------------- */

/* Which <source> children a pool type uses: parsed, required and formatted. */
enum {
    PROV_SRC_HOST = 1 << 0,
    PROV_SRC_DEVICE = 1 << 1,
    PROV_SRC_DIR = 1 << 2,
    PROV_SRC_ADAPTER = 1 << 3,
    PROV_SRC_NAME = 1 << 4,
    PROV_SRC_INITIATOR = 1 << 5,
    PROV_SRC_NETWORK = 1 << 6,   /* no local <target> */
};

/* Which volume <format> list a pool type uses. */
typedef enum {
    PROV_VOLFMT_NONE,          /* no <format> element at all */
    PROV_VOLFMT_FILE,          /* image formats, listed in the capabilities */
    PROV_VOLFMT_FILE_UNLISTED, /* image formats, but an empty list in capabilities (rbd) */
    PROV_VOLFMT_PARTITION,     /* disk pools: partition types */
} ProvVolFormatKind;

typedef enum {
    PROV_POOL_NS_NONE,
    PROV_POOL_NS_FS,     /* <fs:mount_opts> */
    PROV_POOL_NS_RBD,    /* <rbd:config_opts> */
} ProvPoolNamespace;

typedef struct {
    unsigned int flags;
    const char *const *formats;   /* source formats, NULL when there is no <format> */
    int n_formats;
    int default_format;
    ProvVolFormatKind vol_formats;
    ProvPoolNamespace ns;
} ProvPoolOptions;

static const ProvPoolOptions prov_pool_options[PROV_POOL_LAST] = {
    [PROV_POOL_DIR] = {
        .vol_formats = PROV_VOLFMT_FILE,
    },
    [PROV_POOL_FS] = {
        .flags = PROV_SRC_DEVICE,
        .formats = prov_fs_format_names,
        .n_formats = PROV_FS_LAST,
        .default_format = PROV_FS_AUTO,
        .vol_formats = PROV_VOLFMT_FILE,
        .ns = PROV_POOL_NS_FS,
    },
    [PROV_POOL_NETFS] = {
        .flags = PROV_SRC_HOST | PROV_SRC_DIR,
        .formats = prov_netfs_format_names,
        .n_formats = PROV_NETFS_LAST,
        .default_format = PROV_NETFS_AUTO,
        .vol_formats = PROV_VOLFMT_FILE,
        .ns = PROV_POOL_NS_FS,
    },
    [PROV_POOL_LOGICAL] = {
        .flags = PROV_SRC_NAME | PROV_SRC_DEVICE,
        .formats = prov_logical_format_names,
        .n_formats = PROV_LOGICAL_LAST,
        .default_format = PROV_LOGICAL_LVM2,
    },
    [PROV_POOL_DISK] = {
        .flags = PROV_SRC_DEVICE,
        .formats = prov_disk_format_names,
        .n_formats = PROV_DISK_LAST,
        .default_format = PROV_DISK_UNKNOWN,
        .vol_formats = PROV_VOLFMT_PARTITION,
    },
    [PROV_POOL_ISCSI] = {
        .flags = PROV_SRC_HOST | PROV_SRC_DEVICE | PROV_SRC_INITIATOR,
    },
    [PROV_POOL_ISCSI_DIRECT] = {
        .flags = PROV_SRC_HOST | PROV_SRC_DEVICE | PROV_SRC_NETWORK | PROV_SRC_INITIATOR,
    },
    [PROV_POOL_SCSI] = {
        .flags = PROV_SRC_ADAPTER,
    },
    [PROV_POOL_MPATH] = {
        .flags = 0,
    },
    [PROV_POOL_RBD] = {
        .flags = PROV_SRC_HOST | PROV_SRC_NETWORK | PROV_SRC_NAME,
        .vol_formats = PROV_VOLFMT_FILE_UNLISTED,
        .ns = PROV_POOL_NS_RBD,
    },
    [PROV_POOL_SHEEPDOG] = {
        .flags = PROV_SRC_HOST | PROV_SRC_NETWORK | PROV_SRC_NAME,
    },
    [PROV_POOL_GLUSTER] = {
        .flags = PROV_SRC_HOST | PROV_SRC_NETWORK | PROV_SRC_NAME | PROV_SRC_DIR,
        .vol_formats = PROV_VOLFMT_FILE,
    },
    [PROV_POOL_ZFS] = {
        .flags = PROV_SRC_NAME | PROV_SRC_DEVICE,
    },
    [PROV_POOL_VSTORAGE] = {
        .flags = PROV_SRC_NAME,
        .vol_formats = PROV_VOLFMT_FILE,
    },
};

const char *
prov_pool_format_to_string(ProvPoolType type, int format)
{
    const ProvPoolOptions *opts;

    if ((int) type < 0 || type >= PROV_POOL_LAST)
        return NULL;
    opts = &prov_pool_options[type];
    if (!opts->formats)
        return NULL;
    return prov_enum_to_string(opts->formats, opts->n_formats, format);
}

int
prov_pool_format_from_string(ProvPoolType type, const char *str)
{
    const ProvPoolOptions *opts;

    if ((int) type < 0 || type >= PROV_POOL_LAST)
        return -1;
    opts = &prov_pool_options[type];
    if (!opts->formats)
        return -1;
    return prov_enum_from_string(opts->formats, opts->n_formats, str);
}

int
prov_pool_format_default(ProvPoolType type)
{
    if ((int) type < 0 || type >= PROV_POOL_LAST || !prov_pool_options[type].formats)
        return -1;
    return prov_pool_options[type].default_format;
}

bool
prov_pool_type_has_target(ProvPoolType type)
{
    if ((int) type < 0 || type >= PROV_POOL_LAST)
        return false;
    return !(prov_pool_options[type].flags & PROV_SRC_NETWORK);
}

static ProvVolFormatKind
prov_vol_format_kind(ProvPoolType pool_type)
{
    if ((int) pool_type < 0 || pool_type >= PROV_POOL_LAST)
        return PROV_VOLFMT_NONE;
    return prov_pool_options[pool_type].vol_formats;
}

const char *
prov_vol_format_to_string(ProvPoolType pool_type, int format)
{
    switch (prov_vol_format_kind(pool_type)) {
    case PROV_VOLFMT_NONE:
        return NULL;
    case PROV_VOLFMT_FILE:
    case PROV_VOLFMT_FILE_UNLISTED:
        return prov_file_format_to_string(format);
    case PROV_VOLFMT_PARTITION:
        return prov_part_format_to_string(format);
    }
    return NULL;
}

int
prov_vol_format_from_string(ProvPoolType pool_type, const char *str)
{
    int fmt;

    switch (prov_vol_format_kind(pool_type)) {
    case PROV_VOLFMT_NONE:
        return -1;
    case PROV_VOLFMT_FILE:
    case PROV_VOLFMT_FILE_UNLISTED:
        /* 'none' is listed in the capabilities but, as in libvirt, not a format one
         * can ask for. */
        fmt = prov_file_format_from_string(str);
        return fmt == PROV_FORMAT_NONE ? -1 : fmt;
    case PROV_VOLFMT_PARTITION:
        return prov_part_format_from_string(str);
    }
    return -1;
}

int
prov_vol_format_default(ProvPoolType pool_type)
{
    switch (prov_vol_format_kind(pool_type)) {
    case PROV_VOLFMT_NONE:
        return -1;
    case PROV_VOLFMT_FILE:
    case PROV_VOLFMT_FILE_UNLISTED:
        return PROV_FORMAT_RAW;
    case PROV_VOLFMT_PARTITION:
        return PROV_PART_NONE;
    }
    return -1;
}

/* ---- UUIDs, names, paths --------------------------------------------------------- */

void
prov_uuid_format(const unsigned char uuid[16], char buf[37])
{
    static const char hex[] = "0123456789abcdef";
    char *p = buf;
    int i;

    for (i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *p++ = '-';
        *p++ = hex[uuid[i] >> 4];
        *p++ = hex[uuid[i] & 0xf];
    }
    *p = '\0';
}

/*
 * Accepts the two spellings libvirt's schema allows: 32 hex digits, or the 8-4-4-4-12
 * form; surrounding whitespace is ignored.
 */
bool
prov_uuid_parse(const char *str, unsigned char ret_uuid[16])
{
    unsigned char uuid[16];
    const char *p;
    const char *end;
    size_t len;
    bool dashed;
    int i;

    if (!str)
        return false;
    p = str;
    while (g_ascii_isspace(*p))
        p++;
    end = p + strlen(p);
    while (end > p && g_ascii_isspace(end[-1]))
        end--;
    len = end - p;
    if (len == 36)
        dashed = true;
    else if (len == 32)
        dashed = false;
    else
        return false;

    for (i = 0; i < 16; i++) {
        int hi;
        int lo;

        if (dashed && (i == 4 || i == 6 || i == 8 || i == 10)) {
            if (*p != '-')
                return false;
            p++;
        }
        hi = g_ascii_xdigit_value(p[0]);
        lo = g_ascii_xdigit_value(p[1]);
        if (hi < 0 || lo < 0)
            return false;
        uuid[i] = (unsigned char) ((hi << 4) | lo);
        p += 2;
    }
    memcpy(ret_uuid, uuid, 16);
    return true;
}

void
prov_uuid_generate(unsigned char ret_uuid[16])
{
    g_autofree char *str = g_uuid_string_random();

    if (!prov_uuid_parse(str, ret_uuid))
        g_error("GLib produced an unparsable UUID '%s'", str);
}

bool
prov_object_name_validate_len(const char *kind, const char *name, gssize len, GError **error)
{
    g_autofree char *copy = NULL;
    g_autofree char *shown = NULL;
    size_t n;
    size_t i;

    if (!name || len == 0 || (len < 0 && name[0] == '\0')) {
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_INVALID_ARG,
                    "%s name must not be empty", kind);
        return false;
    }
    n = len < 0 ? strlen(name) : (size_t) len;
    if (memchr(name, '\0', n)) {
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_INVALID_ARG,
                    "%s name '%s' must not contain NUL characters", kind, name);
        return false;
    }
    /* From here on @name is NUL-free for @n bytes; messages quote it with control
     * characters made visible. */
    copy = g_strndup(name, n);
    shown = g_strescape(copy, NULL);
    if (!g_utf8_validate(name, n, NULL)) {
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_INVALID_ARG,
                    "%s name '%s' is not valid UTF-8", kind, shown);
        return false;
    }
    if (n > 255) {
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_INVALID_ARG,
                    "%s name '%s' is too long (%zu bytes, maximum 255)", kind, shown, n);
        return false;
    }
    if (memchr(name, '/', n)) {
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_INVALID_ARG,
                    "%s name '%s' must not contain '/'", kind, shown);
        return false;
    }
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char) name[i];

        if (c < 0x20 || c == 0x7f) {
            g_set_error(error, PROV_XML_ERROR, PROV_ERR_INVALID_ARG,
                        "%s name '%s' must not contain control characters", kind, shown);
            return false;
        }
    }
    if ((n == 1 && name[0] == '.') || (n == 2 && name[0] == '.' && name[1] == '.')) {
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_INVALID_ARG,
                    "%s name '%s' is not allowed", kind, shown);
        return false;
    }
    if (name[0] == '-') {
        /* Names end up as arguments of external tools: a leading '-' reads as an option. */
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_INVALID_ARG,
                    "%s name '%s' must not start with '-'", kind, shown);
        return false;
    }
    return true;
}

bool
prov_object_name_validate(const char *kind, const char *name, GError **error)
{
    return prov_object_name_validate_len(kind, name, -1, error);
}

char *
prov_path_sanitize(const char *path)
{
    const char *scheme;
    const char *cur = path;
    GString *clean;

    if (!path)
        return NULL;
    /* Two slashes may mean something else in a URI (RFC 3986): leave URIs alone. */
    scheme = strstr(path, "://");
    if (scheme && strcspn(path, "/") > (size_t) (scheme - path))
        return g_strdup(path);

    clean = g_string_sized_new(strlen(path));
    /* POSIX gives "//x" an implementation-defined meaning, "///x" is "/x". */
    if (cur[0] == '/' && cur[1] == '/' && cur[2] != '/') {
        g_string_append(clean, "//");
        cur += 2;
    }
    while (*cur) {
        if (*cur != '/') {
            g_string_append_c(clean, *cur++);
            continue;
        }
        while (*cur == '/')
            cur++;
        if (clean->len > 0 && *cur == '\0')
            break;
        g_string_append_c(clean, '/');
    }
    return g_string_free(clean, FALSE);
}

/* ---- constructors and destructors -------------------------------------------------- */

static void
prov_perms_init(ProvPerms *perms)
{
    perms->mode = (mode_t) -1;
    perms->uid = -1;
    perms->gid = -1;
    perms->label = NULL;
}

static void
prov_pool_source_host_free(gpointer data)
{
    ProvPoolSourceHost *host = data;

    if (!host)
        return;
    g_free(host->name);
    g_free(host);
}

static void
prov_pool_source_device_free(gpointer data)
{
    ProvPoolSourceDevice *dev = data;

    if (!dev)
        return;
    g_free(dev->path);
    if (dev->free_extents)
        g_array_unref(dev->free_extents);
    g_free(dev);
}

static void
prov_pool_source_adapter_clear(ProvPoolSourceAdapter *adapter)
{
    g_free(adapter->name);
    g_free(adapter->parent);
    g_free(adapter->parent_wwnn);
    g_free(adapter->parent_wwpn);
    g_free(adapter->parent_fabric_wwn);
    g_free(adapter->wwnn);
    g_free(adapter->wwpn);
    memset(adapter, 0, sizeof(*adapter));
}

static void
prov_pool_auth_clear(ProvPoolAuth *auth)
{
    g_free(auth->username);
    g_free(auth->secret_uuid);
    g_free(auth->secret_usage);
    g_free(auth->secret_type);
    memset(auth, 0, sizeof(*auth));
}

static void
prov_pool_source_init(ProvPoolSource *src)
{
    memset(src, 0, sizeof(*src));
    src->hosts = g_ptr_array_new_with_free_func(prov_pool_source_host_free);
    src->devices = g_ptr_array_new_with_free_func(prov_pool_source_device_free);
    src->format = -1;
}

/* Frees everything @src owns, leaving it unusable until prov_pool_source_init(). */
static void
prov_pool_source_dispose(ProvPoolSource *src)
{
    if (src->hosts)
        g_ptr_array_unref(src->hosts);
    if (src->devices)
        g_ptr_array_unref(src->devices);
    g_free(src->dir);
    prov_pool_source_adapter_clear(&src->adapter);
    g_free(src->name);
    g_free(src->initiator_iqn);
    prov_pool_auth_clear(&src->auth);
    g_free(src->protocol_ver);
    g_free(src->vendor);
    g_free(src->product);
    memset(src, 0, sizeof(*src));
}

void
prov_pool_source_clear(ProvPoolSource *src)
{
    if (!src)
        return;
    prov_pool_source_dispose(src);
    prov_pool_source_init(src);
}

ProvPoolSource *
prov_pool_source_new(void)
{
    ProvPoolSource *src = g_new0(ProvPoolSource, 1);

    prov_pool_source_init(src);
    return src;
}

void
prov_pool_source_free(ProvPoolSource *src)
{
    if (!src)
        return;
    prov_pool_source_dispose(src);
    g_free(src);
}

ProvPoolSourceHost *
prov_pool_source_add_host(ProvPoolSource *src, const char *name, int port)
{
    ProvPoolSourceHost *host = g_new0(ProvPoolSourceHost, 1);

    host->name = g_strdup(name);
    host->port = port;
    g_ptr_array_add(src->hosts, host);
    return host;
}

ProvPoolSourceDevice *
prov_pool_source_add_device(ProvPoolSource *src, const char *path)
{
    ProvPoolSourceDevice *dev = g_new0(ProvPoolSourceDevice, 1);

    dev->path = g_strdup(path);
    g_ptr_array_add(src->devices, dev);
    return dev;
}

static void
prov_xml_option_free(gpointer data)
{
    ProvXmlOption *opt = data;

    if (!opt)
        return;
    g_free(opt->name);
    g_free(opt->value);
    g_free(opt);
}

ProvPoolDef *
prov_pool_def_new(ProvPoolType type)
{
    ProvPoolDef *def = g_new0(ProvPoolDef, 1);

    def->type = type;
    prov_pool_source_init(&def->source);
    def->source.format = prov_pool_format_default(type);
    prov_perms_init(&def->target_perms);
    def->refresh_vol_allocation = -1;
    return def;
}

void
prov_pool_def_free(ProvPoolDef *def)
{
    if (!def)
        return;
    g_free(def->name);
    prov_pool_source_dispose(&def->source);
    g_free(def->target_path);
    g_free(def->target_perms.label);
    if (def->fs_mount_opts)
        g_ptr_array_unref(def->fs_mount_opts);
    if (def->rbd_config_opts)
        g_ptr_array_unref(def->rbd_config_opts);
    g_free(def);
}

static void
prov_vol_source_device_free(gpointer data)
{
    ProvVolSourceDevice *dev = data;

    if (!dev)
        return;
    g_free(dev->path);
    if (dev->extents)
        g_array_unref(dev->extents);
    g_free(dev);
}

static void
prov_timestamps_free(ProvTimestamps *ts)
{
    if (!ts)
        return;
    g_free(ts->atime);
    g_free(ts->mtime);
    g_free(ts->ctime);
    g_free(ts->btime);
    g_free(ts);
}

static void
prov_vol_encryption_free(ProvVolEncryption *enc)
{
    if (!enc)
        return;
    g_free(enc->format);
    g_free(enc->engine);
    g_free(enc->secret_type);
    g_free(enc->secret_uuid);
    g_free(enc->secret_usage);
    g_free(enc->cipher.name);
    g_free(enc->cipher.mode);
    g_free(enc->cipher.hash);
    g_free(enc->ivgen.name);
    g_free(enc->ivgen.hash);
    g_free(enc);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvVolEncryption, prov_vol_encryption_free)

ProvVolDef *
prov_vol_def_new(void)
{
    ProvVolDef *def = g_new0(ProvVolDef, 1);

    def->type = PROV_VOL_FILE;
    def->format = -1;
    prov_perms_init(&def->perms);
    def->backing.format = -1;
    prov_perms_init(&def->backing.perms);
    return def;
}

void
prov_vol_def_free(ProvVolDef *def)
{
    if (!def)
        return;
    g_free(def->name);
    g_free(def->key);
    if (def->source_devices)
        g_ptr_array_unref(def->source_devices);
    g_free(def->target_path);
    g_free(def->perms.label);
    prov_timestamps_free(def->timestamps);
    prov_vol_encryption_free(def->encryption);
    g_free(def->compat);
    g_free(def->backing.path);
    g_free(def->backing.perms.label);
    prov_timestamps_free(def->backing.timestamps);
    g_free(def);
}

void
prov_vol_def_add_extent(ProvVolDef *def, const char *device_path, guint64 start, guint64 end)
{
    ProvVolSourceDevice *dev = NULL;
    ProvExtent extent = { start, end };
    guint i;

    if (!def->source_devices)
        def->source_devices = g_ptr_array_new_with_free_func(prov_vol_source_device_free);
    for (i = 0; i < def->source_devices->len; i++) {
        ProvVolSourceDevice *d = g_ptr_array_index(def->source_devices, i);

        if (g_strcmp0(d->path, device_path) == 0) {
            dev = d;
            break;
        }
    }
    if (!dev) {
        dev = g_new0(ProvVolSourceDevice, 1);
        dev->path = g_strdup(device_path);
        dev->extents = g_array_new(FALSE, FALSE, sizeof(ProvExtent));
        g_ptr_array_add(def->source_devices, dev);
    }
    g_array_append_val(dev->extents, extent);
}

/* ---- shared parse helpers ------------------------------------------------------------ */

/* Adds the object to an error raised by a generic helper (util/xml.c, util/units.c). */
static void
prov_error_in(GError **error, const char *who)
{
    if (error && *error)
        g_prefix_error(error, "%s: ", who);
}

/* Owner / group: a decimal id; -1 and 4294967295 ((uid_t) -1) both mean "unset". */
static bool
prov_parse_id(const char *text, const char *what, gint64 *ret, const char *who, GError **error)
{
    g_autofree char *copy = g_strstrip(g_strdup(text ? text : ""));
    guint64 v = 0;
    char *end = NULL;

    if (g_str_equal(copy, "-1")) {
        *ret = -1;
        return true;
    }
    errno = 0;
    if (g_ascii_isdigit(copy[0]))
        v = g_ascii_strtoull(copy, &end, 10);
    if (!end || *end != '\0' || errno != 0 || v > G_MAXUINT32) {
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                    "%s: invalid %s '%s' in <permissions>: expected a numeric id", who, what,
                    copy);
        return false;
    }
    *ret = v == G_MAXUINT32 ? -1 : (gint64) v;
    return true;
}

static bool
prov_parse_perms(xmlXPathContext *ctxt, const char *xpath, ProvPerms *perms, const char *who,
                 GError **error)
{
    PROV_XPATH_NODE_AUTORESTORE(ctxt)
    g_autofree char *mode = NULL;
    g_autofree char *text = NULL;
    xmlNode *node = prov_xpath_node(xpath, ctxt);

    prov_perms_init(perms);
    if (!node)
        return true;
    ctxt->node = node;

    if ((mode = prov_xpath_string("string(./mode)", ctxt))) {
        g_autofree char *trimmed = g_strstrip(g_strdup(mode));
        size_t len = strlen(trimmed);
        guint64 v = 0;

        if (len == 0 || len > 12 || strspn(trimmed, "01234567") != len ||
            (v = g_ascii_strtoull(trimmed, NULL, 8)) > 0777) {
            g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                        "%s: invalid permissions mode '%s': expected octal, at most 0777",
                        who, trimmed);
            return false;
        }
        perms->mode = (mode_t) v;
    }
    if (prov_xpath_node("./owner", ctxt)) {
        text = prov_xpath_string("string(./owner)", ctxt);
        if (!prov_parse_id(text, "owner", &perms->uid, who, error))
            return false;
        g_clear_pointer(&text, g_free);
    }
    if (prov_xpath_node("./group", ctxt)) {
        text = prov_xpath_string("string(./group)", ctxt);
        if (!prov_parse_id(text, "group", &perms->gid, who, error))
            return false;
    }
    perms->label = prov_xpath_string("string(./label)", ctxt);
    return true;
}

/* A size element: decimal digits, then the unit (see util/units.h); max 2^63-1 bytes. */
static bool
prov_parse_scaled(const char *value, const char *unit, const char *what, guint64 *ret,
                  const char *who, GError **error)
{
    g_autofree char *trimmed = g_strstrip(g_strdup(value));
    g_autoptr(GError) local = NULL;
    guint64 v = 0;
    char *end = NULL;

    errno = 0;
    if (g_ascii_isdigit(trimmed[0]))
        v = g_ascii_strtoull(trimmed, &end, 10);
    if (end && *end == '\0' && errno == ERANGE) {
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_INVALID_ARG,
                    "%s: %s '%s' is too large (maximum %" G_GINT64_FORMAT " bytes)", who, what,
                    trimmed, G_MAXINT64);
        return false;
    }
    if (!end || *end != '\0' || errno != 0) {
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                    "%s: invalid %s '%s': expected a non-negative whole number", who, what,
                    trimmed);
        return false;
    }
    if (!prov_scale_by_unit(v, unit, G_MAXINT64, what, ret, &local)) {
        g_set_error(error, PROV_XML_ERROR, local->code, "%s: %s", who, local->message);
        return false;
    }
    return true;
}

/* Reads a secret UUID attribute and returns it in canonical spelling. */
static bool
prov_parse_uuid_string(const char *str, const char *what, char **ret, const char *who,
                       GError **error)
{
    unsigned char uuid[16];
    char buf[37];

    if (!prov_uuid_parse(str, uuid)) {
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR, "%s: invalid %s '%s'", who,
                    what, str);
        return false;
    }
    prov_uuid_format(uuid, buf);
    *ret = g_strdup(buf);
    return true;
}

/* WWNs are 16 hex digits, optionally written with a 0x prefix. */
static bool
prov_wwn_is_valid(const char *wwn)
{
    const char *p = wwn;
    size_t i;

    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        p += 2;
    for (i = 0; i < 16; i++) {
        if (!g_ascii_isxdigit(p[i]))
            return false;
    }
    return p[16] == '\0';
}

/* ---- pool parsing ---------------------------------------------------------------- */

static bool
prov_pool_adapter_parse(xmlXPathContext *ctxt, xmlNode *node, ProvPoolSourceAdapter *adapter,
                        const char *who, GError **error)
{
    PROV_XPATH_NODE_AUTORESTORE(ctxt)
    g_autofree char *type = prov_xml_prop_string(node, "type");
    g_autofree char *unique_id = NULL;
    guint64 unique_id_value = 0;
    xmlNode *addr;
    bool managed;
    int rc;

    ctxt->node = node;
    if (!type) {
        /* The original form <adapter name='host0'/>: it may not carry the newer
         * attributes, which only make sense with an explicit type. */
        g_autofree char *wwnn = prov_xml_prop_string(node, "wwnn");
        g_autofree char *wwpn = prov_xml_prop_string(node, "wwpn");
        g_autofree char *parent = prov_xml_prop_string(node, "parent");

        if (wwnn || wwpn || parent) {
            g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                        "%s: adapter 'wwnn', 'wwpn' and 'parent' require the adapter 'type'",
                        who);
            return false;
        }
        if (prov_xpath_node("./parentaddr", ctxt)) {
            g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                        "%s: adapter element <parentaddr> requires the adapter 'type'", who);
            return false;
        }
        adapter->name = prov_xml_prop_string(node, "name");
        if (adapter->name) {
            adapter->type = PROV_ADAPTER_SCSI_HOST;
            adapter->legacy = true;
        }
        return true;
    }

    if (g_str_equal(type, "scsi_host")) {
        adapter->type = PROV_ADAPTER_SCSI_HOST;
        adapter->name = prov_xml_prop_string(node, "name");
        if (!prov_xpath_node("./parentaddr", ctxt))
            return true;
        if (!(addr = prov_xpath_node("./parentaddr/address", ctxt))) {
            g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                        "%s: adapter <parentaddr> needs an <address> element", who);
            return false;
        }
        adapter->has_parentaddr = true;
        unique_id = prov_xpath_string("string(./parentaddr/@unique_id)", ctxt);
        if (!unique_id ||
            !g_ascii_string_to_unsigned(unique_id, 10, 0, G_MAXINT, &unique_id_value, NULL)) {
            g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                        "%s: missing or invalid adapter unique_id '%s'", who,
                        unique_id ? unique_id : "");
            return false;
        }
        adapter->unique_id = (unsigned int) unique_id_value;
        if (prov_xml_prop_uint(addr, "domain", 0, 0, &adapter->pci_domain, error) < 0 ||
            prov_xml_prop_uint(addr, "bus", 0, 0, &adapter->pci_bus, error) < 0 ||
            prov_xml_prop_uint(addr, "slot", 0, 0, &adapter->pci_slot, error) < 0 ||
            prov_xml_prop_uint(addr, "function", 0, 0, &adapter->pci_function, error) < 0) {
            prov_error_in(error, who);
            return false;
        }
        if (adapter->pci_domain > 0xffff || adapter->pci_bus > 0xff ||
            adapter->pci_slot > 0x1f || adapter->pci_function > 7) {
            g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                        "%s: adapter PCI address %x:%x:%x.%x is out of range", who,
                        adapter->pci_domain, adapter->pci_bus, adapter->pci_slot,
                        adapter->pci_function);
            return false;
        }
        return true;
    }

    if (g_str_equal(type, "fc_host")) {
        adapter->type = PROV_ADAPTER_FC_HOST;
        rc = prov_xml_prop_yes_no(node, "managed", 0, &managed, error);
        if (rc < 0) {
            prov_error_in(error, who);
            return false;
        }
        if (rc > 0)
            adapter->managed = managed ? PROV_TRISTATE_YES : PROV_TRISTATE_NO;
        adapter->parent = prov_xml_prop_string(node, "parent");
        adapter->parent_wwnn = prov_xml_prop_string(node, "parent_wwnn");
        adapter->parent_wwpn = prov_xml_prop_string(node, "parent_wwpn");
        adapter->parent_fabric_wwn = prov_xml_prop_string(node, "parent_fabric_wwn");
        adapter->wwnn = prov_xml_prop_string(node, "wwnn");
        adapter->wwpn = prov_xml_prop_string(node, "wwpn");
        return true;
    }

    g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_DETAIL, "%s: unknown adapter type '%s'",
                who, type);
    return false;
}

static bool
prov_pool_adapter_validate(const ProvPoolSourceAdapter *adapter, const char *who,
                           GError **error)
{
    const struct {
        const char *attr;
        const char *value;
    } wwns[] = {
        { "wwnn", adapter->wwnn },
        { "wwpn", adapter->wwpn },
        { "parent_wwnn", adapter->parent_wwnn },
        { "parent_wwpn", adapter->parent_wwpn },
        { "parent_fabric_wwn", adapter->parent_fabric_wwn },
    };
    size_t i;

    switch (adapter->type) {
    case PROV_ADAPTER_NONE:
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                    "%s: missing source <adapter> element", who);
        return false;
    case PROV_ADAPTER_SCSI_HOST:
        if (!adapter->name && !adapter->has_parentaddr) {
            g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                        "%s: a 'scsi_host' adapter needs either 'name' or <parentaddr>", who);
            return false;
        }
        if (adapter->name && adapter->has_parentaddr) {
            g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                        "%s: a 'scsi_host' adapter takes 'name' or <parentaddr>, not both",
                        who);
            return false;
        }
        return true;
    case PROV_ADAPTER_FC_HOST:
        if (!adapter->wwnn || !adapter->wwpn) {
            g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                        "%s: an 'fc_host' adapter needs both 'wwnn' and 'wwpn'", who);
            return false;
        }
        if (!adapter->parent_wwnn != !adapter->parent_wwpn) {
            g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                        "%s: adapter 'parent_wwnn' and 'parent_wwpn' must be given together",
                        who);
            return false;
        }
        for (i = 0; i < G_N_ELEMENTS(wwns); i++) {
            if (wwns[i].value && !prov_wwn_is_valid(wwns[i].value)) {
                g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                            "%s: malformed adapter %s '%s': expected 16 hex digits", who,
                            wwns[i].attr, wwns[i].value);
                return false;
            }
        }
        return true;
    }
    return true;
}

static bool
prov_pool_auth_parse(xmlNode *node, ProvPoolAuth *auth, const char *who, GError **error)
{
    g_autofree char *type = prov_xml_prop_string(node, "type");
    g_autofree char *uuid = NULL;
    xmlNode *secret;
    int t;

    if (!type) {
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "%s: missing auth type", who);
        return false;
    }
    t = prov_enum_from_string(prov_auth_type_names, G_N_ELEMENTS(prov_auth_type_names), type);
    if (t <= PROV_AUTH_NONE) {
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "%s: unknown auth type '%s'", who, type);
        return false;
    }
    auth->type = t;
    if (!(auth->username = prov_xml_prop_string(node, "username"))) {
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                    "%s: missing 'username' in <auth>", who);
        return false;
    }
    if (!(secret = prov_xml_child(node, NULL, "secret"))) {
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                    "%s: missing <secret> element in <auth>", who);
        return false;
    }
    auth->secret_type = prov_xml_prop_string(secret, "type");
    uuid = prov_xml_prop_string(secret, "uuid");
    auth->secret_usage = prov_xml_prop_string(secret, "usage");
    if (!uuid == !auth->secret_usage) {
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                    "%s: <auth><secret> needs exactly one of 'uuid' and 'usage'", who);
        return false;
    }
    if (uuid && !prov_parse_uuid_string(uuid, "auth secret UUID", &auth->secret_uuid, who,
                                        error))
        return false;
    return true;
}

static bool
prov_pool_source_parse(xmlXPathContext *ctxt, xmlNode *node, ProvPoolType type,
                       ProvPoolSource *src, const char *who, GError **error)
{
    PROV_XPATH_NODE_AUTORESTORE(ctxt)
    const ProvPoolOptions *opts = &prov_pool_options[type];
    g_autofree xmlNode **nodes = NULL;
    g_autofree char *format = NULL;
    g_autofree char *dir = NULL;
    xmlNode *child;
    guint n;
    guint i;

    ctxt->node = node;
    src->name = prov_xpath_string("string(./name)", ctxt);
    if (type == PROV_POOL_RBD && !src->name) {
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                    "%s: element <source><name> is mandatory for 'rbd' pools", who);
        return false;
    }

    if (opts->formats) {
        format = prov_xpath_string("string(./format/@type)", ctxt);
        if (!format) {
            src->format = opts->default_format;
        } else if ((src->format = prov_enum_from_string(opts->formats, opts->n_formats,
                                                        format)) < 0) {
            g_set_error(error, PROV_XML_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                        "%s: unknown source format type '%s' for a '%s' pool", who, format,
                        prov_pool_type_names[type]);
            return false;
        }
    }

    n = prov_xpath_nodes("./host", ctxt, &nodes);
    for (i = 0; i < n; i++) {
        g_autofree char *name = prov_xml_prop_string(nodes[i], "name");
        int port = 0;

        if (!name) {
            g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                        "%s: missing 'name' in source <host>", who);
            return false;
        }
        if (prov_xml_prop_int(nodes[i], "port", 0, &port, error) < 0) {
            prov_error_in(error, who);
            return false;
        }
        if (port < -1 || port > 65535) {
            g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                        "%s: invalid port '%d' of host '%s'", who, port, name);
            return false;
        }
        prov_pool_source_add_host(src, name, port < 0 ? 0 : port);
    }
    g_clear_pointer(&nodes, g_free);

    src->initiator_iqn = prov_xpath_string("string(./initiator/iqn/@name)", ctxt);

    n = prov_xpath_nodes("./device", ctxt, &nodes);
    for (i = 0; i < n; i++) {
        g_autofree char *path = prov_xml_prop_string(nodes[i], "path");
        ProvPoolSourceDevice *dev;
        bool sep;
        int rc;

        if (!path || !path[0]) {
            g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                        "%s: missing 'path' in source <device>", who);
            return false;
        }
        dev = prov_pool_source_add_device(src, path);
        if ((rc = prov_xml_prop_yes_no(nodes[i], "part_separator", 0, &sep, error)) < 0) {
            prov_error_in(error, who);
            return false;
        }
        if (rc > 0)
            dev->part_separator = sep ? PROV_TRISTATE_YES : PROV_TRISTATE_NO;
        /* <freeExtent> children are output only (disk pools): not read. */
    }

    if ((dir = prov_xpath_string("string(./dir/@path)", ctxt)))
        src->dir = prov_path_sanitize(dir);
    if (!src->dir && type == PROV_POOL_GLUSTER)
        src->dir = g_strdup("/");

    if ((child = prov_xpath_node("./adapter", ctxt)) &&
        !prov_pool_adapter_parse(ctxt, child, &src->adapter, who, error))
        return false;

    if ((child = prov_xpath_node("./auth", ctxt)) &&
        !prov_pool_auth_parse(child, &src->auth, who, error))
        return false;

    if ((src->protocol_ver = prov_xpath_string("string(./protocol/@ver)", ctxt))) {
        if (type != PROV_POOL_NETFS ||
            (src->format != PROV_NETFS_NFS && src->format != PROV_NETFS_AUTO)) {
            g_set_error(error, PROV_XML_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                        "%s: <protocol ver='%s'> needs a netfs pool of format nfs or auto",
                        who, src->protocol_ver);
            return false;
        }
        if (strchr(src->protocol_ver, ',')) {
            g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_DETAIL,
                        "%s: protocol ver '%s' must not contain ','", who, src->protocol_ver);
            return false;
        }
    }

    src->vendor = prov_xpath_string("string(./vendor/@name)", ctxt);
    src->product = prov_xpath_string("string(./product/@name)", ctxt);
    return true;
}

/* <fs:mount_opts>/<rbd:config_opts>: NULL when absent or empty, as libvirt keeps it. */
static bool
prov_pool_ns_parse(xmlNode *root, const char *href, const char *container, bool with_value,
                   GPtrArray **ret, const char *who, GError **error)
{
    g_autoptr(GPtrArray) opts = NULL;
    xmlNode *node = prov_xml_child(root, href, container);
    xmlNode *child;

    if (!node)
        return true;
    for (child = node->children; child; child = child->next) {
        ProvXmlOption *opt;

        if (child->type != XML_ELEMENT_NODE || !child->ns || !child->ns->href ||
            !g_str_equal((const char *) child->ns->href, href) ||
            !g_str_equal((const char *) child->name, "option"))
            continue;
        opt = g_new0(ProvXmlOption, 1);
        if (!opts)
            opts = g_ptr_array_new_with_free_func(prov_xml_option_free);
        g_ptr_array_add(opts, opt);
        opt->name = prov_xml_prop_string(child, "name");
        if (!opt->name || !opt->name[0]) {
            g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                        "%s: missing 'name' in <%s> option", who, container);
            return false;
        }
        if (with_value && !(opt->value = prov_xml_prop_string(child, "value"))) {
            g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                        "%s: missing 'value' in <%s> option '%s'", who, container, opt->name);
            return false;
        }
    }
    *ret = g_steal_pointer(&opts);
    return true;
}

/* Parses the <pool> element at ctxt->node. */
static ProvPoolDef *
prov_pool_def_parse_node(xmlXPathContext *ctxt, GError **error)
{
    g_autoptr(ProvPoolDef) def = NULL;
    g_autofree char *type_str = prov_xml_prop_string(ctxt->node, "type");
    g_autofree char *label = NULL;
    g_autofree char *who = NULL;
    g_autofree char *uuid = NULL;
    g_autofree char *target_path = NULL;
    g_autofree char *refresh = NULL;
    const ProvPoolOptions *opts;
    xmlNode *root = ctxt->node;
    xmlNode *node;
    int type;
    int rc;
    bool cow;

    if (!type_str) {
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                    "storage pool: missing 'type' attribute of <pool>");
        return NULL;
    }
    if ((type = prov_pool_type_from_string(type_str)) < 0) {
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "unknown storage pool type '%s'", type_str);
        return NULL;
    }
    def = prov_pool_def_new(type);
    opts = &prov_pool_options[type];

    /* Name every error after the pool, even before its name is validated. */
    label = prov_xpath_string("string(./name)", ctxt);
    if (!label)
        label = prov_xpath_string("string(./source/name)", ctxt);
    who = label ? g_strdup_printf("storage pool '%s'", label) : g_strdup("storage pool");

    if ((node = prov_xpath_node("./source", ctxt)) &&
        !prov_pool_source_parse(ctxt, node, type, &def->source, who, error))
        return NULL;

    def->name = prov_xpath_string("string(./name)", ctxt);
    if (!def->name && (opts->flags & PROV_SRC_NAME))
        def->name = g_strdup(def->source.name);
    if (!def->name) {
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                    "%s: missing <name> element", who);
        return NULL;
    }
    if (!prov_object_name_validate("storage pool", def->name, error))
        return NULL;

    if ((uuid = prov_xpath_string("string(./uuid)", ctxt))) {
        if (!prov_uuid_parse(uuid, def->uuid)) {
            g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR, "%s: invalid UUID '%s'",
                        who, uuid);
            return NULL;
        }
    } else {
        prov_uuid_generate(def->uuid);
    }

    rc = prov_xml_prop_yes_no(prov_xpath_node("./features/cow", ctxt), "state", 0, &cow,
                              error);
    if (rc < 0) {
        prov_error_in(error, who);
        return NULL;
    }
    if (rc > 0) {
        if (type != PROV_POOL_FS && type != PROV_POOL_DIR) {
            g_set_error(error, PROV_XML_ERROR, PROV_ERR_NO_SUPPORT,
                        "%s: the cow feature is only available for 'fs' and 'dir' pools",
                        who);
            return NULL;
        }
        def->cow = cow ? PROV_TRISTATE_YES : PROV_TRISTATE_NO;
    }

    if ((opts->flags & PROV_SRC_HOST) && def->source.hosts->len == 0) {
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                    "%s: missing source <host> element", who);
        return NULL;
    }
    if ((opts->flags & PROV_SRC_DIR) && !def->source.dir) {
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                    "%s: missing source <dir path='...'/> element", who);
        return NULL;
    }
    if ((opts->flags & PROV_SRC_NAME) && !def->source.name)
        def->source.name = g_strdup(def->name);
    if ((opts->flags & PROV_SRC_ADAPTER) &&
        !prov_pool_adapter_validate(&def->source.adapter, who, error))
        return NULL;
    /* Where the device is the only way to name the storage (fs, disk) it is required. */
    if (opts->flags == PROV_SRC_DEVICE && def->source.devices->len == 0) {
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                    "%s: missing source <device path='...'/> element", who);
        return NULL;
    }

    if (!(opts->flags & PROV_SRC_NETWORK)) {
        /* A volume group and a zpool live at fixed places: any given path is ignored. */
        if (type == PROV_POOL_LOGICAL) {
            target_path = g_strdup_printf("/dev/%s", def->source.name);
        } else if (type == PROV_POOL_ZFS) {
            target_path = g_strdup_printf("/dev/zvol/%s", def->source.name);
        } else if (!(target_path = prov_xpath_string("string(./target/path)", ctxt))) {
            g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                        "%s: missing <target><path> element", who);
            return NULL;
        }
        def->target_path = prov_path_sanitize(target_path);
        if (!prov_parse_perms(ctxt, "./target/permissions", &def->target_perms, who, error))
            return NULL;
    }

    if (type == PROV_POOL_ISCSI_DIRECT && !def->source.initiator_iqn) {
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "%s: missing <initiator><iqn name='...'/></initiator> (iscsi-direct pools)",
                    who);
        return NULL;
    }
    /* libvirt only finds these at pool start; refusing them at define is kinder. */
    if (def->source.auth.type != PROV_AUTH_NONE) {
        ProvAuthType wanted = PROV_AUTH_NONE;

        if (type == PROV_POOL_ISCSI || type == PROV_POOL_ISCSI_DIRECT)
            wanted = PROV_AUTH_CHAP;
        else if (type == PROV_POOL_RBD)
            wanted = PROV_AUTH_CEPH;
        if (wanted != PROV_AUTH_NONE && def->source.auth.type != wanted) {
            g_set_error(error, PROV_XML_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                        "%s: auth type '%s' is not supported by '%s' pools (use '%s')", who,
                        prov_auth_type_names[def->source.auth.type], prov_pool_type_names[type],
                        prov_auth_type_names[wanted]);
            return NULL;
        }
    }

    if ((refresh = prov_xpath_string("string(./refresh/volume/@allocation)", ctxt))) {
        def->refresh_vol_allocation =
            prov_enum_from_string(prov_refresh_alloc_names,
                                  G_N_ELEMENTS(prov_refresh_alloc_names), refresh);
        if (def->refresh_vol_allocation < 0) {
            g_set_error(error, PROV_XML_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                        "%s: unknown volume refresh allocation '%s'", who, refresh);
            return NULL;
        }
    }

    if (opts->ns == PROV_POOL_NS_FS &&
        !prov_pool_ns_parse(root, PROV_FS_NS_HREF, "mount_opts", false, &def->fs_mount_opts,
                            who, error))
        return NULL;
    if (opts->ns == PROV_POOL_NS_RBD &&
        !prov_pool_ns_parse(root, PROV_RBD_NS_HREF, "config_opts", true,
                            &def->rbd_config_opts, who, error))
        return NULL;

    return g_steal_pointer(&def);
}

static ProvPoolDef *
prov_pool_def_parse_doc(xmlDoc *doc, xmlXPathContext *ctxt, unsigned int flags,
                        GError **error)
{
    if (flags & ~PROV_POOL_PARSE_VALIDATE) {
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_INVALID_ARG,
                    "unsupported storage pool parse flags 0x%x", flags);
        return NULL;
    }
    if (flags & PROV_POOL_PARSE_VALIDATE) {
        g_autofree char *rng = prov_xml_schema_path("storagepool.rng");

        if (!prov_xml_validate_rng(doc, rng, error))
            return NULL;
    }
    return prov_pool_def_parse_node(ctxt, error);
}

ProvPoolDef *
prov_pool_def_parse_string(const char *xml, unsigned int flags, GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlXPathContext) ctxt = NULL;

    doc = prov_xml_parse(xml, -1, "storage pool definition", "pool", &ctxt, error);
    if (!doc)
        return NULL;
    return prov_pool_def_parse_doc(doc, ctxt, flags, error);
}

ProvPoolDef *
prov_pool_def_parse_file(const char *path, unsigned int flags, GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlXPathContext) ctxt = NULL;

    doc = prov_xml_parse_file(path, "pool", &ctxt, error);
    if (!doc)
        return NULL;
    return prov_pool_def_parse_doc(doc, ctxt, flags, error);
}

/* ---- pool formatting --------------------------------------------------------------- */

static void
prov_perms_format(ProvXmlBuf *buf, const ProvPerms *perms)
{
    if (perms->mode == (mode_t) -1 && perms->uid == -1 && perms->gid == -1 && !perms->label)
        return;
    prov_xml_buf_add(buf, "<permissions>\n");
    prov_xml_buf_adjust_indent(buf, 2);
    /* libvirt prints "0%o", so mode 0 reads "00" and 0700 reads "0700". */
    if (perms->mode != (mode_t) -1)
        prov_xml_buf_add(buf, "<mode>0%o</mode>\n", (unsigned int) perms->mode);
    if (perms->uid != -1)
        prov_xml_buf_add(buf, "<owner>%" G_GINT64_FORMAT "</owner>\n", perms->uid);
    if (perms->gid != -1)
        prov_xml_buf_add(buf, "<group>%" G_GINT64_FORMAT "</group>\n", perms->gid);
    prov_xml_buf_escape(buf, "<label>%s</label>\n", perms->label);
    prov_xml_buf_adjust_indent(buf, -2);
    prov_xml_buf_add(buf, "</permissions>\n");
}

static void
prov_pool_adapter_format(ProvXmlBuf *buf, const ProvPoolSourceAdapter *adapter)
{
    if (adapter->type == PROV_ADAPTER_SCSI_HOST) {
        if (adapter->name) {
            prov_xml_buf_escape(buf, "<adapter type='scsi_host' name='%s'/>\n", adapter->name);
            return;
        }
        prov_xml_buf_add(buf, "<adapter type='scsi_host'>\n");
        prov_xml_buf_adjust_indent(buf, 2);
        prov_xml_buf_add(buf, "<parentaddr unique_id='%u'>\n", adapter->unique_id);
        prov_xml_buf_adjust_indent(buf, 2);
        prov_xml_buf_add(buf,
                         "<address domain='0x%04x' bus='0x%02x' slot='0x%02x' function='0x%x'/>\n",
                         adapter->pci_domain, adapter->pci_bus, adapter->pci_slot,
                         adapter->pci_function);
        prov_xml_buf_adjust_indent(buf, -2);
        prov_xml_buf_add(buf, "</parentaddr>\n");
        prov_xml_buf_adjust_indent(buf, -2);
        prov_xml_buf_add(buf, "</adapter>\n");
        return;
    }
    if (adapter->type == PROV_ADAPTER_FC_HOST) {
        prov_xml_buf_add(buf, "<adapter type='%s'", prov_adapter_type_names[adapter->type]);
        prov_xml_buf_escape(buf, " parent='%s'", adapter->parent);
        prov_xml_buf_escape(buf, " parent_wwnn='%s'", adapter->parent_wwnn);
        prov_xml_buf_escape(buf, " parent_wwpn='%s'", adapter->parent_wwpn);
        prov_xml_buf_escape(buf, " parent_fabric_wwn='%s'", adapter->parent_fabric_wwn);
        if (adapter->managed != PROV_TRISTATE_ABSENT)
            prov_xml_buf_add(buf, " managed='%s'",
                             adapter->managed == PROV_TRISTATE_YES ? "yes" : "no");
        prov_xml_buf_escape(buf, " wwnn='%s'", adapter->wwnn);
        prov_xml_buf_escape(buf, " wwpn='%s'", adapter->wwpn);
        prov_xml_buf_add(buf, "/>\n");
    }
}

static void
prov_pool_auth_format(ProvXmlBuf *buf, const ProvPoolAuth *auth)
{
    if (auth->type == PROV_AUTH_NONE)
        return;
    prov_xml_buf_add(buf, "<auth type='%s'", prov_auth_type_names[auth->type]);
    prov_xml_buf_escape(buf, " username='%s'", auth->username);
    prov_xml_buf_add(buf, ">\n");
    prov_xml_buf_adjust_indent(buf, 2);
    prov_xml_buf_add(buf, "<secret");
    prov_xml_buf_escape(buf, " type='%s'", auth->secret_type);
    prov_xml_buf_escape(buf, " uuid='%s'", auth->secret_uuid);
    prov_xml_buf_escape(buf, " usage='%s'", auth->secret_usage);
    prov_xml_buf_add(buf, "/>\n");
    prov_xml_buf_adjust_indent(buf, -2);
    prov_xml_buf_add(buf, "</auth>\n");
}

/* Children in libvirt's fixed order: host device dir adapter name initiator format auth
 * protocol vendor product; each only where the pool type uses it. */
static void
prov_pool_source_format(ProvXmlBuf *buf, ProvPoolType type, const ProvPoolSource *src)
{
    const ProvPoolOptions *opts = &prov_pool_options[type];
    guint i;
    guint j;

    prov_xml_buf_add(buf, "<source>\n");
    prov_xml_buf_adjust_indent(buf, 2);

    for (i = 0; (opts->flags & PROV_SRC_HOST) && src->hosts && i < src->hosts->len; i++) {
        const ProvPoolSourceHost *host = g_ptr_array_index(src->hosts, i);

        prov_xml_buf_escape(buf, "<host name='%s'", host->name);
        if (host->port > 0)
            prov_xml_buf_add(buf, " port='%d'", host->port);
        prov_xml_buf_add(buf, "/>\n");
    }

    for (i = 0; (opts->flags & PROV_SRC_DEVICE) && src->devices && i < src->devices->len;
         i++) {
        const ProvPoolSourceDevice *dev = g_ptr_array_index(src->devices, i);

        prov_xml_buf_escape(buf, "<device path='%s'", dev->path);
        if (dev->part_separator != PROV_TRISTATE_ABSENT)
            prov_xml_buf_add(buf, " part_separator='%s'",
                             dev->part_separator == PROV_TRISTATE_YES ? "yes" : "no");
        if (!dev->free_extents || dev->free_extents->len == 0) {
            prov_xml_buf_add(buf, "/>\n");
            continue;
        }
        prov_xml_buf_add(buf, ">\n");
        prov_xml_buf_adjust_indent(buf, 2);
        for (j = 0; j < dev->free_extents->len; j++) {
            const ProvExtent *ext = &g_array_index(dev->free_extents, ProvExtent, j);

            prov_xml_buf_add(buf, "<freeExtent start='%" G_GUINT64_FORMAT "' end='%"
                             G_GUINT64_FORMAT "'/>\n", ext->start, ext->end);
        }
        prov_xml_buf_adjust_indent(buf, -2);
        prov_xml_buf_add(buf, "</device>\n");
    }

    if (opts->flags & PROV_SRC_DIR)
        prov_xml_buf_escape(buf, "<dir path='%s'/>\n", src->dir);
    if (opts->flags & PROV_SRC_ADAPTER)
        prov_pool_adapter_format(buf, &src->adapter);
    if (opts->flags & PROV_SRC_NAME)
        prov_xml_buf_escape(buf, "<name>%s</name>\n", src->name);
    if ((opts->flags & PROV_SRC_INITIATOR) && src->initiator_iqn) {
        prov_xml_buf_add(buf, "<initiator>\n");
        prov_xml_buf_adjust_indent(buf, 2);
        prov_xml_buf_escape(buf, "<iqn name='%s'/>\n", src->initiator_iqn);
        prov_xml_buf_adjust_indent(buf, -2);
        prov_xml_buf_add(buf, "</initiator>\n");
    }
    if (opts->formats) {
        const char *name = prov_enum_to_string(opts->formats, opts->n_formats, src->format);

        /* A def built in code may leave the format unset: print the type's default. */
        if (!name)
            name = opts->formats[opts->default_format];
        prov_xml_buf_add(buf, "<format type='%s'/>\n", name);
    }
    prov_pool_auth_format(buf, &src->auth);
    prov_xml_buf_escape(buf, "<protocol ver='%s'/>\n", src->protocol_ver);
    prov_xml_buf_escape(buf, "<vendor name='%s'/>\n", src->vendor);
    prov_xml_buf_escape(buf, "<product name='%s'/>\n", src->product);

    prov_xml_buf_adjust_indent(buf, -2);
    prov_xml_buf_add(buf, "</source>\n");
}

static bool
prov_options_present(const GPtrArray *opts)
{
    return opts && opts->len > 0;
}

static void
prov_pool_def_format_buf(ProvXmlBuf *buf, const ProvPoolDef *def)
{
    const ProvPoolOptions *opts = &prov_pool_options[def->type];
    bool fs_ns = opts->ns == PROV_POOL_NS_FS && prov_options_present(def->fs_mount_opts);
    bool rbd_ns = opts->ns == PROV_POOL_NS_RBD && prov_options_present(def->rbd_config_opts);
    char uuid[37];
    guint i;

    prov_xml_buf_add(buf, "<pool type='%s'", prov_pool_type_names[def->type]);
    if (fs_ns)
        prov_xml_buf_add(buf, " xmlns:fs='%s'", PROV_FS_NS_HREF);
    if (rbd_ns)
        prov_xml_buf_add(buf, " xmlns:rbd='%s'", PROV_RBD_NS_HREF);
    prov_xml_buf_add(buf, ">\n");
    prov_xml_buf_adjust_indent(buf, 2);

    prov_xml_buf_escape(buf, "<name>%s</name>\n", def->name);
    prov_uuid_format(def->uuid, uuid);
    prov_xml_buf_add(buf, "<uuid>%s</uuid>\n", uuid);
    prov_xml_buf_add(buf, "<capacity unit='bytes'>%" G_GUINT64_FORMAT "</capacity>\n",
                     def->capacity);
    prov_xml_buf_add(buf, "<allocation unit='bytes'>%" G_GUINT64_FORMAT "</allocation>\n",
                     def->allocation);
    prov_xml_buf_add(buf, "<available unit='bytes'>%" G_GUINT64_FORMAT "</available>\n",
                     def->available);

    if (def->cow != PROV_TRISTATE_ABSENT) {
        prov_xml_buf_add(buf, "<features>\n");
        prov_xml_buf_adjust_indent(buf, 2);
        prov_xml_buf_add(buf, "<cow state='%s'/>\n",
                         def->cow == PROV_TRISTATE_YES ? "yes" : "no");
        prov_xml_buf_adjust_indent(buf, -2);
        prov_xml_buf_add(buf, "</features>\n");
    }

    prov_pool_source_format(buf, def->type, &def->source);

    if (!(opts->flags & PROV_SRC_NETWORK)) {
        prov_xml_buf_add(buf, "<target>\n");
        prov_xml_buf_adjust_indent(buf, 2);
        prov_xml_buf_escape(buf, "<path>%s</path>\n", def->target_path);
        prov_perms_format(buf, &def->target_perms);
        prov_xml_buf_adjust_indent(buf, -2);
        prov_xml_buf_add(buf, "</target>\n");
    }

    if (def->refresh_vol_allocation >= 0 &&
        def->refresh_vol_allocation < (int) G_N_ELEMENTS(prov_refresh_alloc_names)) {
        prov_xml_buf_add(buf, "<refresh>\n");
        prov_xml_buf_adjust_indent(buf, 2);
        prov_xml_buf_add(buf, "<volume allocation='%s'/>\n",
                         prov_refresh_alloc_names[def->refresh_vol_allocation]);
        prov_xml_buf_adjust_indent(buf, -2);
        prov_xml_buf_add(buf, "</refresh>\n");
    }

    if (fs_ns) {
        prov_xml_buf_add(buf, "<fs:mount_opts>\n");
        prov_xml_buf_adjust_indent(buf, 2);
        for (i = 0; i < def->fs_mount_opts->len; i++) {
            const ProvXmlOption *opt = g_ptr_array_index(def->fs_mount_opts, i);

            prov_xml_buf_escape(buf, "<fs:option name='%s'/>\n", opt->name);
        }
        prov_xml_buf_adjust_indent(buf, -2);
        prov_xml_buf_add(buf, "</fs:mount_opts>\n");
    }
    if (rbd_ns) {
        prov_xml_buf_add(buf, "<rbd:config_opts>\n");
        prov_xml_buf_adjust_indent(buf, 2);
        for (i = 0; i < def->rbd_config_opts->len; i++) {
            const ProvXmlOption *opt = g_ptr_array_index(def->rbd_config_opts, i);

            prov_xml_buf_escape(buf, "<rbd:option name='%s'", opt->name);
            prov_xml_buf_escape(buf, " value='%s'", opt->value ? opt->value : "");
            prov_xml_buf_add(buf, "/>\n");
        }
        prov_xml_buf_adjust_indent(buf, -2);
        prov_xml_buf_add(buf, "</rbd:config_opts>\n");
    }

    prov_xml_buf_adjust_indent(buf, -2);
    prov_xml_buf_add(buf, "</pool>\n");
}

char *
prov_pool_def_format(const ProvPoolDef *def)
{
    g_auto(ProvXmlBuf) buf = { NULL, 0 };

    g_return_val_if_fail(def != NULL, NULL);
    g_return_val_if_fail((int) def->type >= 0 && def->type < PROV_POOL_LAST, NULL);
    prov_xml_buf_init(&buf);
    prov_pool_def_format_buf(&buf, def);
    return prov_xml_buf_steal(&buf);
}

/* ---- status, copy, discovery documents, capabilities --------------------------------- */

char *
prov_pool_status_format(const ProvPoolDef *def)
{
    g_auto(ProvXmlBuf) buf = { NULL, 0 };

    g_return_val_if_fail(def != NULL, NULL);
    g_return_val_if_fail((int) def->type >= 0 && def->type < PROV_POOL_LAST, NULL);
    prov_xml_buf_init(&buf);
    prov_xml_buf_add(&buf, "<poolstate>\n");
    prov_xml_buf_adjust_indent(&buf, 2);
    prov_pool_def_format_buf(&buf, def);
    prov_xml_buf_adjust_indent(&buf, -2);
    prov_xml_buf_add(&buf, "</poolstate>\n");
    return prov_xml_buf_steal(&buf);
}

static ProvPoolDef *
prov_pool_status_parse_doc(xmlDoc *doc, xmlXPathContext *ctxt, const char *what,
                           GError **error)
{
    static const struct {
        const char *name;
        size_t offset;
    } sizes[] = {
        { "capacity", G_STRUCT_OFFSET(ProvPoolDef, capacity) },
        { "allocation", G_STRUCT_OFFSET(ProvPoolDef, allocation) },
        { "available", G_STRUCT_OFFSET(ProvPoolDef, available) },
    };
    xmlNode *pool = prov_xml_child(ctxt->node, NULL, "pool");
    ProvPoolDef *def;
    guint i;

    if (!pool) {
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                    "%s: missing <pool> element in <poolstate>", what);
        return NULL;
    }
    ctxt->node = pool;
    def = prov_pool_def_parse_node(ctxt, error);
    /* Unlike a definition, a status records the sizes the last refresh measured. */
    for (i = 0; def && i < G_N_ELEMENTS(sizes); i++) {
        xmlNode *node = prov_xml_child(pool, NULL, sizes[i].name);
        g_autofree char *text = node ? (char *)xmlNodeGetContent(node) : NULL;

        if (text)
            *(guint64 *)((char *)def + sizes[i].offset) = g_ascii_strtoull(text, NULL, 10);
    }
    return def;
}

ProvPoolDef *
prov_pool_status_parse_string(const char *xml, GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlXPathContext) ctxt = NULL;

    doc = prov_xml_parse(xml, -1, "storage pool status", "poolstate", &ctxt, error);
    if (!doc)
        return NULL;
    return prov_pool_status_parse_doc(doc, ctxt, "storage pool status", error);
}

ProvPoolDef *
prov_pool_status_parse_file(const char *path, GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlXPathContext) ctxt = NULL;

    doc = prov_xml_parse_file(path, "poolstate", &ctxt, error);
    if (!doc)
        return NULL;
    return prov_pool_status_parse_doc(doc, ctxt, path, error);
}

static void
prov_perms_copy(ProvPerms *dst, const ProvPerms *src)
{
    *dst = *src;
    dst->label = g_strdup(src->label);
}

static GPtrArray *
prov_xml_options_copy(const GPtrArray *opts)
{
    GPtrArray *copy;
    guint i;

    if (!opts)
        return NULL;
    copy = g_ptr_array_new_full(opts->len, prov_xml_option_free);
    for (i = 0; i < opts->len; i++) {
        const ProvXmlOption *opt = g_ptr_array_index(opts, i);
        ProvXmlOption *dup = g_new0(ProvXmlOption, 1);

        dup->name = g_strdup(opt->name);
        dup->value = g_strdup(opt->value);
        g_ptr_array_add(copy, dup);
    }
    return copy;
}

static void
prov_pool_source_copy(ProvPoolSource *dst, const ProvPoolSource *src)
{
    const ProvPoolSourceAdapter *a = &src->adapter;
    guint i;

    prov_pool_source_init(dst);
    for (i = 0; src->hosts && i < src->hosts->len; i++) {
        const ProvPoolSourceHost *host = g_ptr_array_index(src->hosts, i);

        prov_pool_source_add_host(dst, host->name, host->port);
    }
    for (i = 0; src->devices && i < src->devices->len; i++) {
        const ProvPoolSourceDevice *dev = g_ptr_array_index(src->devices, i);
        ProvPoolSourceDevice *dup = prov_pool_source_add_device(dst, dev->path);

        dup->part_separator = dev->part_separator;
        if (dev->free_extents)
            dup->free_extents = g_array_copy(dev->free_extents);
    }
    dst->dir = g_strdup(src->dir);
    dst->adapter = *a;
    dst->adapter.name = g_strdup(a->name);
    dst->adapter.parent = g_strdup(a->parent);
    dst->adapter.parent_wwnn = g_strdup(a->parent_wwnn);
    dst->adapter.parent_wwpn = g_strdup(a->parent_wwpn);
    dst->adapter.parent_fabric_wwn = g_strdup(a->parent_fabric_wwn);
    dst->adapter.wwnn = g_strdup(a->wwnn);
    dst->adapter.wwpn = g_strdup(a->wwpn);
    dst->name = g_strdup(src->name);
    dst->initiator_iqn = g_strdup(src->initiator_iqn);
    dst->format = src->format;
    dst->auth.type = src->auth.type;
    dst->auth.username = g_strdup(src->auth.username);
    dst->auth.secret_uuid = g_strdup(src->auth.secret_uuid);
    dst->auth.secret_usage = g_strdup(src->auth.secret_usage);
    dst->auth.secret_type = g_strdup(src->auth.secret_type);
    dst->protocol_ver = g_strdup(src->protocol_ver);
    dst->vendor = g_strdup(src->vendor);
    dst->product = g_strdup(src->product);
}

/* A field-by-field deep copy: unlike format + parse it keeps the live sizes and extents. */
ProvPoolDef *
prov_pool_def_copy(const ProvPoolDef *def)
{
    ProvPoolDef *copy;

    g_return_val_if_fail(def != NULL, NULL);
    copy = g_new0(ProvPoolDef, 1);
    copy->type = def->type;
    copy->name = g_strdup(def->name);
    memcpy(copy->uuid, def->uuid, sizeof(copy->uuid));
    copy->capacity = def->capacity;
    copy->allocation = def->allocation;
    copy->available = def->available;
    copy->cow = def->cow;
    prov_pool_source_copy(&copy->source, &def->source);
    copy->target_path = g_strdup(def->target_path);
    prov_perms_copy(&copy->target_perms, &def->target_perms);
    copy->refresh_vol_allocation = def->refresh_vol_allocation;
    copy->fs_mount_opts = prov_xml_options_copy(def->fs_mount_opts);
    copy->rbd_config_opts = prov_xml_options_copy(def->rbd_config_opts);
    return copy;
}

ProvPoolSource *
prov_pool_source_parse_string(ProvPoolType type, const char *xml, GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlXPathContext) ctxt = NULL;
    g_autoptr(ProvPoolSource) src = NULL;
    g_autofree char *who = NULL;

    if ((int) type < 0 || type >= PROV_POOL_LAST) {
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_INVALID_ARG,
                    "unknown storage pool type %d", (int) type);
        return NULL;
    }
    doc = prov_xml_parse(xml, -1, "storage pool source specification", "source", &ctxt,
                         error);
    if (!doc)
        return NULL;
    who = g_strdup_printf("'%s' storage pool source specification",
                          prov_pool_type_names[type]);
    src = prov_pool_source_new();
    if (!prov_pool_source_parse(ctxt, ctxt->node, type, src, who, error))
        return NULL;
    return g_steal_pointer(&src);
}

char *
prov_pool_source_list_format(ProvPoolType type, GPtrArray *sources)
{
    g_auto(ProvXmlBuf) buf = { NULL, 0 };
    guint i;

    g_return_val_if_fail((int) type >= 0 && type < PROV_POOL_LAST, NULL);
    prov_xml_buf_init(&buf);
    prov_xml_buf_add(&buf, "<sources>\n");
    prov_xml_buf_adjust_indent(&buf, 2);
    for (i = 0; sources && i < sources->len; i++)
        prov_pool_source_format(&buf, type, g_ptr_array_index(sources, i));
    prov_xml_buf_adjust_indent(&buf, -2);
    prov_xml_buf_add(&buf, "</sources>\n");
    return prov_xml_buf_steal(&buf);
}

static void
prov_caps_format_enum(ProvXmlBuf *buf, const char *element, const char *enum_name,
                      const char *default_name, const char *const *names, int n)
{
    int i;

    prov_xml_buf_add(buf, "<%s>\n", element);
    prov_xml_buf_adjust_indent(buf, 2);
    prov_xml_buf_add(buf, "<defaultFormat type='%s'/>\n", default_name);
    prov_xml_buf_add(buf, "<enum name='%s'>\n", enum_name);
    prov_xml_buf_adjust_indent(buf, 2);
    for (i = 0; i < n; i++)
        prov_xml_buf_add(buf, "<value>%s</value>\n", names[i]);
    prov_xml_buf_adjust_indent(buf, -2);
    prov_xml_buf_add(buf, "</enum>\n");
    prov_xml_buf_adjust_indent(buf, -2);
    prov_xml_buf_add(buf, "</%s>\n", element);
}

char *
prov_pool_capabilities_format(const bool supported[PROV_POOL_LAST])
{
    g_auto(ProvXmlBuf) buf = { NULL, 0 };
    int type;

    prov_xml_buf_init(&buf);
    prov_xml_buf_add(&buf, "<storagepoolCapabilities>\n");
    prov_xml_buf_adjust_indent(&buf, 2);
    for (type = 0; type < PROV_POOL_LAST; type++) {
        const ProvPoolOptions *opts = &prov_pool_options[type];

        prov_xml_buf_add(&buf, "<pool type='%s' supported='%s'>\n", prov_pool_type_names[type],
                         supported && supported[type] ? "yes" : "no");
        prov_xml_buf_adjust_indent(&buf, 2);
        if (opts->formats)
            prov_caps_format_enum(&buf, "poolOptions", "sourceFormatType",
                                  opts->formats[opts->default_format], opts->formats,
                                  opts->n_formats);
        switch (opts->vol_formats) {
        case PROV_VOLFMT_NONE:
            break;
        case PROV_VOLFMT_FILE:
            /* The probe-only 'luks' is not offered. */
            prov_caps_format_enum(&buf, "volOptions", "targetFormatType",
                                  prov_file_format_names[PROV_FORMAT_RAW],
                                  prov_file_format_names, PROV_FORMAT_LUKS);
            break;
        case PROV_VOLFMT_FILE_UNLISTED:
            prov_caps_format_enum(&buf, "volOptions", "targetFormatType",
                                  prov_file_format_names[PROV_FORMAT_RAW],
                                  prov_file_format_names, 0);
            break;
        case PROV_VOLFMT_PARTITION:
            prov_caps_format_enum(&buf, "volOptions", "targetFormatType",
                                  prov_part_format_names[PROV_PART_NONE],
                                  prov_part_format_names, PROV_PART_LAST);
            break;
        }
        prov_xml_buf_adjust_indent(&buf, -2);
        prov_xml_buf_add(&buf, "</pool>\n");
    }
    prov_xml_buf_adjust_indent(&buf, -2);
    prov_xml_buf_add(&buf, "</storagepoolCapabilities>\n");
    return prov_xml_buf_steal(&buf);
}

/* ---- volumes ------------------------------------------------------------------------ */

static bool
prov_vol_encryption_parse(xmlXPathContext *ctxt, xmlNode *node, ProvVolEncryption **ret,
                          const char *who, GError **error)
{
    PROV_XPATH_NODE_AUTORESTORE(ctxt)
    g_autoptr(ProvVolEncryption) enc = g_new0(ProvVolEncryption, 1);
    g_autofree xmlNode **secrets = NULL;
    g_autofree char *uuid = NULL;
    g_autofree char *size = NULL;
    xmlNode *child;
    guint n;

    ctxt->node = node;
    enc->format = prov_xml_prop_string(node, "format");
    if (!enc->format ||
        prov_enum_from_string(prov_encryption_format_names,
                              G_N_ELEMENTS(prov_encryption_format_names), enc->format) < 0) {
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                    "%s: unknown encryption format '%s'", who,
                    enc->format ? enc->format : "");
        return false;
    }
    enc->engine = prov_xml_prop_string(node, "engine");
    if (enc->engine &&
        prov_enum_from_string(prov_encryption_engine_names,
                              G_N_ELEMENTS(prov_encryption_engine_names), enc->engine) < 0) {
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                    "%s: unknown encryption engine '%s'", who, enc->engine);
        return false;
    }

    n = prov_xpath_nodes("./secret", ctxt, &secrets);
    if (n > 1) {
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "%s: only one <secret> per <encryption> is supported", who);
        return false;
    }
    if (n == 1) {
        enc->secret_type = prov_xml_prop_string(secrets[0], "type");
        if (g_strcmp0(enc->secret_type, "passphrase") != 0) {
            g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                        "%s: unknown encryption secret type '%s'", who,
                        enc->secret_type ? enc->secret_type : "");
            return false;
        }
        uuid = prov_xml_prop_string(secrets[0], "uuid");
        enc->secret_usage = prov_xml_prop_string(secrets[0], "usage");
        if (!uuid == !enc->secret_usage) {
            g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                        "%s: encryption <secret> needs exactly one of 'uuid' and 'usage'", who);
            return false;
        }
        if (uuid && !prov_parse_uuid_string(uuid, "encryption secret UUID", &enc->secret_uuid,
                                            who, error))
            return false;
    }

    if ((child = prov_xml_child(node, NULL, "cipher"))) {
        guint64 v = 0;

        enc->has_cipher = true;
        enc->cipher.name = prov_xml_prop_string(child, "name");
        size = prov_xml_prop_string(child, "size");
        if (!enc->cipher.name || !size ||
            !g_ascii_string_to_unsigned(size, 10, 1, G_MAXUINT, &v, NULL)) {
            g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                        "%s: encryption <cipher> needs a 'name' and a positive 'size' (got '%s')",
                        who, size ? size : "");
            return false;
        }
        enc->cipher.size = (guint) v;
        enc->cipher.mode = prov_xml_prop_string(child, "mode");
        enc->cipher.hash = prov_xml_prop_string(child, "hash");
    }
    if ((child = prov_xml_child(node, NULL, "ivgen"))) {
        enc->has_ivgen = true;
        if (!(enc->ivgen.name = prov_xml_prop_string(child, "name"))) {
            g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                        "%s: encryption <ivgen> needs a 'name'", who);
            return false;
        }
        enc->ivgen.hash = prov_xml_prop_string(child, "hash");
    }
    *ret = g_steal_pointer(&enc);
    return true;
}

/* Reads a volume <format type=...> for @pool_type into @ret (default when absent). */
static bool
prov_vol_format_parse(xmlXPathContext *ctxt, const char *xpath, ProvPoolType pool_type,
                      int *ret, const char *who, GError **error)
{
    g_autofree char *format = NULL;

    if (prov_vol_format_kind(pool_type) == PROV_VOLFMT_NONE) {
        *ret = -1;
        return true;
    }
    if (!(format = prov_xpath_string(xpath, ctxt))) {
        *ret = prov_vol_format_default(pool_type);
        return true;
    }
    if ((*ret = prov_vol_format_from_string(pool_type, format)) < 0) {
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "%s: unknown volume format type '%s' for a '%s' pool", who, format,
                    prov_pool_type_names[pool_type]);
        return false;
    }
    return true;
}

static bool
prov_vol_compat_is_valid(const char *compat)
{
    const char *dot = strchr(compat, '.');
    size_t major = dot ? (size_t) (dot - compat) : 0;

    return major > 0 && strspn(compat, "0123456789") == major && dot[1] != '\0' &&
           strspn(dot + 1, "0123456789") == strlen(dot + 1);
}

/*
 * Pool types whose backend creates a volume in one step without a "build" (libvirt's
 * logical, disk and zfs backends): there a capacity is what gets allocated, so 0 is
 * refused; file pools may create empty images.
 */
static bool
prov_pool_type_needs_capacity(ProvPoolType type)
{
    return type == PROV_POOL_LOGICAL || type == PROV_POOL_DISK || type == PROV_POOL_ZFS;
}

static ProvVolDef *
prov_vol_def_parse_node(const ProvPoolDef *pool, xmlXPathContext *ctxt, unsigned int flags,
                        GError **error)
{
    g_autoptr(ProvVolDef) def = prov_vol_def_new();
    g_autofree char *who = NULL;
    g_autofree char *type = NULL;
    g_autofree char *value = NULL;
    g_autofree char *unit = NULL;
    g_autofree xmlNode **features = NULL;
    xmlNode *node;
    guint n;
    guint i;

    if (!(def->name = prov_xpath_string("string(./name)", ctxt))) {
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                    "storage volume: missing <name> element");
        return NULL;
    }
    if (!prov_object_name_validate("storage volume", def->name, error))
        return NULL;
    who = g_strdup_printf("storage volume '%s'", def->name);

    /* Key and target path are the backend's to decide at creation; they are kept here
     * so that a formatted volume reads back the same (the driver overwrites them). */
    def->key = prov_xpath_string("string(./key)", ctxt);

    if ((type = prov_xml_prop_string(ctxt->node, "type"))) {
        int t = prov_vol_type_from_string(type);

        if (t < 0) {
            g_set_error(error, PROV_XML_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                        "%s: unknown volume type '%s'", who, type);
            return NULL;
        }
        def->type = t;
        def->has_type = true;
    }

    if ((def->backing.path = prov_xpath_string("string(./backingStore/path)", ctxt))) {
        if (!prov_vol_format_parse(ctxt, "string(./backingStore/format/@type)", pool->type,
                                   &def->backing.format, who, error))
            return NULL;
        if (!prov_parse_perms(ctxt, "./backingStore/permissions", &def->backing.perms, who,
                              error))
            return NULL;
    }

    if ((value = prov_xpath_string("string(./capacity)", ctxt))) {
        unit = prov_xpath_string("string(./capacity/@unit)", ctxt);
        if (!prov_parse_scaled(value, unit, "capacity", &def->capacity, who, error))
            return NULL;
        def->has_capacity = true;
    } else if (!(flags & PROV_VOL_PARSE_NO_CAPACITY) && !def->backing.path) {
        /* Without a capacity only a backing image can say how large the volume is. */
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                    "%s: missing <capacity> element", who);
        return NULL;
    }
    if (def->capacity == 0 && !(flags & PROV_VOL_PARSE_NO_CAPACITY) &&
        prov_pool_type_needs_capacity(pool->type)) {
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                    "%s: capacity must be larger than 0 in a '%s' pool", who,
                    prov_pool_type_names[pool->type]);
        return NULL;
    }
    g_clear_pointer(&value, g_free);
    g_clear_pointer(&unit, g_free);

    if ((value = prov_xpath_string("string(./allocation)", ctxt))) {
        unit = prov_xpath_string("string(./allocation/@unit)", ctxt);
        if (!prov_parse_scaled(value, unit, "allocation", &def->allocation, who, error))
            return NULL;
        def->has_allocation = true;
    } else {
        def->allocation = def->capacity;
    }
    g_clear_pointer(&value, g_free);
    g_clear_pointer(&unit, g_free);

    def->target_path = prov_xpath_string("string(./target/path)", ctxt);
    if (!prov_vol_format_parse(ctxt, "string(./target/format/@type)", pool->type, &def->format,
                               who, error))
        return NULL;
    if (!prov_parse_perms(ctxt, "./target/permissions", &def->perms, who, error))
        return NULL;

    if ((node = prov_xpath_node("./target/encryption", ctxt)) &&
        !prov_vol_encryption_parse(ctxt, node, &def->encryption, who, error))
        return NULL;

    if ((def->compat = prov_xpath_string("string(./target/compat)", ctxt)) &&
        !prov_vol_compat_is_valid(def->compat)) {
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                    "%s: invalid compat '%s': expected a version such as '1.1'", who,
                    def->compat);
        return NULL;
    }

    def->nocow = prov_xpath_node("./target/nocow", ctxt) != NULL;

    if ((value = prov_xpath_string("string(./target/clusterSize)", ctxt))) {
        unit = prov_xpath_string("string(./target/clusterSize/@unit)", ctxt);
        if (!prov_parse_scaled(value, unit, "cluster size", &def->cluster_size, who, error))
            return NULL;
    }

    if (prov_xpath_node("./target/features", ctxt)) {
        def->has_features = true;
        /* Features need qcow2 v3, which qemu calls compat 1.1. */
        if (!def->compat)
            def->compat = g_strdup("1.1");
        n = prov_xpath_nodes("./target/features/*", ctxt, &features);
        for (i = 0; i < n; i++) {
            const char *name = prov_xml_node_name(features[i]);

            if (g_str_equal(name, "lazy_refcounts")) {
                def->lazy_refcounts = true;
            } else if (g_str_equal(name, "extended_l2")) {
                def->extended_l2 = true;
            } else {
                g_set_error(error, PROV_XML_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                            "%s: unsupported volume feature '%s'", who, name);
                return NULL;
            }
        }
    }

    /* <source> extents, <timestamps> and <physical> are output only: not read. */
    return g_steal_pointer(&def);
}

ProvVolDef *
prov_vol_def_parse_string(const ProvPoolDef *pool, const char *xml, unsigned int flags,
                          GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlXPathContext) ctxt = NULL;

    g_return_val_if_fail(pool != NULL, NULL);
    if (flags & ~(PROV_VOL_PARSE_NO_CAPACITY | PROV_VOL_PARSE_VALIDATE)) {
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_INVALID_ARG,
                    "unsupported storage volume parse flags 0x%x", flags);
        return NULL;
    }
    if ((int) pool->type < 0 || pool->type >= PROV_POOL_LAST) {
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_INVALID_ARG,
                    "unknown storage pool type %d", (int) pool->type);
        return NULL;
    }
    doc = prov_xml_parse(xml, -1, "storage volume definition", "volume", &ctxt, error);
    if (!doc)
        return NULL;
    if (flags & PROV_VOL_PARSE_VALIDATE) {
        g_autofree char *rng = prov_xml_schema_path("storagevol.rng");

        if (!prov_xml_validate_rng(doc, rng, error))
            return NULL;
    }
    return prov_vol_def_parse_node(pool, ctxt, flags, error);
}

static void
prov_timestamps_format(ProvXmlBuf *buf, const ProvTimestamps *ts)
{
    if (!ts)
        return;
    prov_xml_buf_add(buf, "<timestamps>\n");
    prov_xml_buf_adjust_indent(buf, 2);
    prov_xml_buf_escape(buf, "<atime>%s</atime>\n", ts->atime);
    prov_xml_buf_escape(buf, "<mtime>%s</mtime>\n", ts->mtime);
    prov_xml_buf_escape(buf, "<ctime>%s</ctime>\n", ts->ctime);
    prov_xml_buf_escape(buf, "<btime>%s</btime>\n", ts->btime);
    prov_xml_buf_adjust_indent(buf, -2);
    prov_xml_buf_add(buf, "</timestamps>\n");
}

static void
prov_vol_encryption_format(ProvXmlBuf *buf, const ProvVolEncryption *enc)
{
    bool has_secret = enc->secret_uuid || enc->secret_usage;

    prov_xml_buf_escape(buf, "<encryption format='%s'", enc->format);
    prov_xml_buf_escape(buf, " engine='%s'", enc->engine);
    if (!has_secret && !enc->has_cipher && !enc->has_ivgen) {
        prov_xml_buf_add(buf, "/>\n");
        return;
    }
    prov_xml_buf_add(buf, ">\n");
    prov_xml_buf_adjust_indent(buf, 2);
    if (has_secret) {
        prov_xml_buf_escape(buf, "<secret type='%s'",
                            enc->secret_type ? enc->secret_type : "passphrase");
        prov_xml_buf_escape(buf, " uuid='%s'", enc->secret_uuid);
        prov_xml_buf_escape(buf, " usage='%s'", enc->secret_usage);
        prov_xml_buf_add(buf, "/>\n");
    }
    if (enc->has_cipher) {
        prov_xml_buf_escape(buf, "<cipher name='%s'", enc->cipher.name);
        prov_xml_buf_add(buf, " size='%u'", enc->cipher.size);
        prov_xml_buf_escape(buf, " mode='%s'", enc->cipher.mode);
        prov_xml_buf_escape(buf, " hash='%s'", enc->cipher.hash);
        prov_xml_buf_add(buf, "/>\n");
    }
    if (enc->has_ivgen) {
        prov_xml_buf_escape(buf, "<ivgen name='%s'", enc->ivgen.name);
        prov_xml_buf_escape(buf, " hash='%s'", enc->ivgen.hash);
        prov_xml_buf_add(buf, "/>\n");
    }
    prov_xml_buf_adjust_indent(buf, -2);
    prov_xml_buf_add(buf, "</encryption>\n");
}

char *
prov_vol_def_format(const ProvPoolDef *pool, const ProvVolDef *def)
{
    g_auto(ProvXmlBuf) buf = { NULL, 0 };
    const char *format;
    guint i;
    guint j;

    g_return_val_if_fail(pool != NULL && def != NULL, NULL);
    g_return_val_if_fail((int) def->type >= 0 && def->type < PROV_VOL_LAST, NULL);
    prov_xml_buf_init(&buf);

    prov_xml_buf_add(&buf, "<volume type='%s'>\n", prov_vol_type_names[def->type]);
    prov_xml_buf_adjust_indent(&buf, 2);
    prov_xml_buf_escape(&buf, "<name>%s</name>\n", def->name);
    prov_xml_buf_escape(&buf, "<key>%s</key>\n", def->key);

    if (def->source_devices && def->source_devices->len > 0) {
        prov_xml_buf_add(&buf, "<source>\n");
        prov_xml_buf_adjust_indent(&buf, 2);
        for (i = 0; i < def->source_devices->len; i++) {
            const ProvVolSourceDevice *dev = g_ptr_array_index(def->source_devices, i);

            prov_xml_buf_escape(&buf, "<device path='%s'", dev->path);
            if (!dev->extents || dev->extents->len == 0) {
                prov_xml_buf_add(&buf, "/>\n");
                continue;
            }
            prov_xml_buf_add(&buf, ">\n");
            prov_xml_buf_adjust_indent(&buf, 2);
            for (j = 0; j < dev->extents->len; j++) {
                const ProvExtent *ext = &g_array_index(dev->extents, ProvExtent, j);

                prov_xml_buf_add(&buf, "<extent start='%" G_GUINT64_FORMAT "' end='%"
                                 G_GUINT64_FORMAT "'/>\n", ext->start, ext->end);
            }
            prov_xml_buf_adjust_indent(&buf, -2);
            prov_xml_buf_add(&buf, "</device>\n");
        }
        prov_xml_buf_adjust_indent(&buf, -2);
        prov_xml_buf_add(&buf, "</source>\n");
    }

    prov_xml_buf_add(&buf, "<capacity unit='bytes'>%" G_GUINT64_FORMAT "</capacity>\n",
                     def->capacity);
    prov_xml_buf_add(&buf, "<allocation unit='bytes'>%" G_GUINT64_FORMAT "</allocation>\n",
                     def->allocation);
    if (def->has_physical || def->physical > 0)
        prov_xml_buf_add(&buf, "<physical unit='bytes'>%" G_GUINT64_FORMAT "</physical>\n",
                         def->physical);

    prov_xml_buf_add(&buf, "<target>\n");
    prov_xml_buf_adjust_indent(&buf, 2);
    prov_xml_buf_escape(&buf, "<path>%s</path>\n", def->target_path);
    if ((format = prov_vol_format_to_string(pool->type, def->format)))
        prov_xml_buf_add(&buf, "<format type='%s'/>\n", format);
    prov_perms_format(&buf, &def->perms);
    prov_timestamps_format(&buf, def->timestamps);
    if (def->encryption)
        prov_vol_encryption_format(&buf, def->encryption);
    prov_xml_buf_escape(&buf, "<compat>%s</compat>\n", def->compat);
    if (def->cluster_size > 0)
        prov_xml_buf_add(&buf, "<clusterSize unit='B'>%" G_GUINT64_FORMAT "</clusterSize>\n",
                         def->cluster_size);
    /* libvirt reads <nocow/> but never prints it; printing it keeps a round trip exact. */
    if (def->nocow)
        prov_xml_buf_add(&buf, "<nocow/>\n");
    if (def->has_features || def->lazy_refcounts || def->extended_l2) {
        if (!def->lazy_refcounts && !def->extended_l2) {
            prov_xml_buf_add(&buf, "<features/>\n");
        } else {
            prov_xml_buf_add(&buf, "<features>\n");
            prov_xml_buf_adjust_indent(&buf, 2);
            if (def->lazy_refcounts)
                prov_xml_buf_add(&buf, "<lazy_refcounts/>\n");
            if (def->extended_l2)
                prov_xml_buf_add(&buf, "<extended_l2/>\n");
            prov_xml_buf_adjust_indent(&buf, -2);
            prov_xml_buf_add(&buf, "</features>\n");
        }
    }
    prov_xml_buf_adjust_indent(&buf, -2);
    prov_xml_buf_add(&buf, "</target>\n");

    if (def->backing.path) {
        prov_xml_buf_add(&buf, "<backingStore>\n");
        prov_xml_buf_adjust_indent(&buf, 2);
        prov_xml_buf_escape(&buf, "<path>%s</path>\n", def->backing.path);
        if ((format = prov_vol_format_to_string(pool->type, def->backing.format)))
            prov_xml_buf_add(&buf, "<format type='%s'/>\n", format);
        prov_perms_format(&buf, &def->backing.perms);
        prov_timestamps_format(&buf, def->backing.timestamps);
        prov_xml_buf_adjust_indent(&buf, -2);
        prov_xml_buf_add(&buf, "</backingStore>\n");
    }

    prov_xml_buf_adjust_indent(&buf, -2);
    prov_xml_buf_add(&buf, "</volume>\n");
    return prov_xml_buf_steal(&buf);
}

char *
prov_vol_list_format(const ProvPoolDef *pool, GPtrArray *vols)
{
    GString *out = g_string_new("<volumes>\n");
    guint i;

    for (i = 0; vols && i < vols->len; i++) {
        g_autofree char *xml = prov_vol_def_format(pool, g_ptr_array_index(vols, i));
        g_string_append(out, xml);
    }
    g_string_append(out, "</volumes>\n");
    return g_string_free(out, FALSE);
}

GPtrArray *
prov_vol_list_parse_file(const ProvPoolDef *pool, const char *path, GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlXPathContext) ctxt = NULL;
    g_autoptr(GPtrArray) vols = NULL;
    xmlNode *top;
    xmlNode *node;

    if (!(doc = prov_xml_parse_file(path, "volumes", &ctxt, error)))
        return NULL;
    vols = g_ptr_array_new_with_free_func((GDestroyNotify)prov_vol_def_free);
    top = ctxt->node;
    for (node = top->children; node; node = node->next) {
        ProvVolDef *def;

        if (node->type != XML_ELEMENT_NODE || !xmlStrEqual(node->name, BAD_CAST "volume"))
            continue;
        ctxt->node = node;
        if (!(def = prov_vol_def_parse_node(pool, ctxt, PROV_VOL_PARSE_NO_CAPACITY, error)))
            return NULL;
        g_ptr_array_add(vols, def);
    }
    return g_steal_pointer(&vols);
}
