/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* storage_conf.h: storage pool and volume XML model (libvirt's format): parse, validate, format. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Pool types, in libvirt's enum order (capabilities list them in this order). */
typedef enum {
    PROV_POOL_DIR,
    PROV_POOL_FS,
    PROV_POOL_NETFS,
    PROV_POOL_LOGICAL,
    PROV_POOL_DISK,
    PROV_POOL_ISCSI,
    PROV_POOL_ISCSI_DIRECT,
    PROV_POOL_SCSI,
    PROV_POOL_MPATH,
    PROV_POOL_RBD,
    PROV_POOL_SHEEPDOG,
    PROV_POOL_GLUSTER,
    PROV_POOL_ZFS,
    PROV_POOL_VSTORAGE,
    PROV_POOL_LAST
} ProvPoolType;

const char *prov_pool_type_to_string(ProvPoolType type);
/* Returns the type or -1. */
int prov_pool_type_from_string(const char *str);

/* Volume types (<volume type='...'>). */
typedef enum {
    PROV_VOL_FILE,
    PROV_VOL_BLOCK,
    PROV_VOL_DIR,
    PROV_VOL_NETWORK,
    PROV_VOL_NETDIR,
    PROV_VOL_PLOOP,
    PROV_VOL_LAST
} ProvVolType;

const char *prov_vol_type_to_string(ProvVolType type);
int prov_vol_type_from_string(const char *str);

/* File image formats (vol <format> in dir/fs/netfs/gluster/vstorage pools), libvirt order. */
typedef enum {
    PROV_FORMAT_NONE,
    PROV_FORMAT_RAW,
    PROV_FORMAT_DIR,
    PROV_FORMAT_BOCHS,
    PROV_FORMAT_CLOOP,
    PROV_FORMAT_DMG,
    PROV_FORMAT_ISO,
    PROV_FORMAT_VPC,
    PROV_FORMAT_VDI,
    PROV_FORMAT_FAT,
    PROV_FORMAT_VHD,
    PROV_FORMAT_PLOOP,
    PROV_FORMAT_COW,
    PROV_FORMAT_QCOW,
    PROV_FORMAT_QCOW2,
    PROV_FORMAT_QED,
    PROV_FORMAT_VMDK,
    PROV_FORMAT_LUKS,        /* probe result for a raw LUKS container */
    PROV_FORMAT_LAST
} ProvFileFormat;

const char *prov_file_format_to_string(ProvFileFormat fmt);
int prov_file_format_from_string(const char *str);

/* Source formats of fs pools. */
typedef enum {
    PROV_FS_AUTO, PROV_FS_EXT2, PROV_FS_EXT3, PROV_FS_EXT4, PROV_FS_UFS, PROV_FS_ISO9660,
    PROV_FS_UDF, PROV_FS_GFS, PROV_FS_GFS2, PROV_FS_VFAT, PROV_FS_HFSPLUS, PROV_FS_XFS,
    PROV_FS_OCFS2, PROV_FS_VMFS, PROV_FS_LAST
} ProvFsFormat;
const char *prov_fs_format_to_string(ProvFsFormat fmt);
int prov_fs_format_from_string(const char *str);

/* Tri-state for optional booleans (yes / no / absent). */
typedef enum {
    PROV_TRISTATE_ABSENT = 0,
    PROV_TRISTATE_YES,
    PROV_TRISTATE_NO,
} ProvTristate;

/* <permissions>: every field optional; (mode_t)-1, (gint64)-1 and NULL mean "unset". */
typedef struct {
    mode_t mode;          /* (mode_t)-1 = unset */
    gint64 uid;           /* -1 = unset */
    gint64 gid;           /* -1 = unset */
    char *label;
} ProvPerms;

typedef struct {
    char *name;
    int port;             /* 0 = not given */
} ProvPoolSourceHost;

typedef struct {
    guint64 start;
    guint64 end;
} ProvExtent;

typedef struct {
    char *path;
    ProvTristate part_separator;
    GArray *free_extents;  /* of ProvExtent; output only (disk pools); may be NULL */
} ProvPoolSourceDevice;

typedef enum {
    PROV_ADAPTER_NONE = 0,
    PROV_ADAPTER_SCSI_HOST,
    PROV_ADAPTER_FC_HOST,
} ProvAdapterType;

typedef struct {
    ProvAdapterType type;
    bool legacy;              /* <adapter name='host0'/> without type */
    /* scsi_host */
    char *name;               /* hostN */
    bool has_parentaddr;
    unsigned int unique_id;
    unsigned int pci_domain, pci_bus, pci_slot, pci_function;
    /* fc_host */
    char *parent;
    char *parent_wwnn;
    char *parent_wwpn;
    char *parent_fabric_wwn;
    ProvTristate managed;
    char *wwnn;
    char *wwpn;
} ProvPoolSourceAdapter;

typedef enum {
    PROV_AUTH_NONE = 0,
    PROV_AUTH_CHAP,
    PROV_AUTH_CEPH,
} ProvAuthType;

typedef struct {
    ProvAuthType type;
    char *username;
    char *secret_uuid;        /* exactly one of uuid / usage is set */
    char *secret_usage;
    char *secret_type;        /* optional type attribute of <secret>, kept */
} ProvPoolAuth;

typedef struct {
    GPtrArray *hosts;         /* of ProvPoolSourceHost*, never NULL */
    GPtrArray *devices;       /* of ProvPoolSourceDevice*, never NULL */
    char *dir;
    ProvPoolSourceAdapter adapter;
    char *name;
    char *initiator_iqn;
    int format;               /* type-specific enum value, -1 = absent */
    ProvPoolAuth auth;
    char *protocol_ver;
    char *vendor;
    char *product;
} ProvPoolSource;

typedef struct {
    char *name;
    char *value;              /* NULL for fs:mount_opts */
} ProvXmlOption;

typedef struct {
    ProvPoolType type;
    char *name;
    unsigned char uuid[16];
    guint64 capacity;         /* output only: 0 when parsed */
    guint64 allocation;
    guint64 available;
    ProvTristate cow;         /* <features><cow state=/> */
    ProvPoolSource source;
    char *target_path;        /* sanitized; NULL where the type has no target */
    ProvPerms target_perms;
    int refresh_vol_allocation;   /* rbd <refresh>: -1 absent, 0 default, 1 capacity */
    GPtrArray *fs_mount_opts;     /* of ProvXmlOption*, NULL if absent */
    GPtrArray *rbd_config_opts;   /* of ProvXmlOption*, NULL if absent */
} ProvPoolDef;

ProvPoolDef *prov_pool_def_new(ProvPoolType type);
void prov_pool_def_free(ProvPoolDef *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvPoolDef, prov_pool_def_free)

/* Flags for pool parsing. */
typedef enum {
    PROV_POOL_PARSE_VALIDATE = 1 << 0,   /* also validate against xml-schemas/storagepool.rng */
} ProvPoolParseFlags;

/**
 * prov_pool_def_parse_string:
 * @xml: the document (no DTD, no entity expansion, no network access)
 * @flags: ProvPoolParseFlags
 *
 * Parses and validates a <pool> document.  Errors are PROV_XML_ERROR with codes
 * PROV_ERR_XML_ERROR (malformed, with line number), PROV_ERR_XML_DETAIL or
 * PROV_ERR_CONFIG_UNSUPPORTED, and name what is wrong and the offending value.
 * Returns a new definition the caller owns, or NULL.
 */
ProvPoolDef *prov_pool_def_parse_string(const char *xml, unsigned int flags, GError **error);
ProvPoolDef *prov_pool_def_parse_file(const char *path, unsigned int flags, GError **error);

/* Deterministic libvirt-style output: 2-space indent, single quotes, unit='bytes'. */
char *prov_pool_def_format(const ProvPoolDef *def);

/* Deep copy (via format + parse of the internal form; never fails for a valid def). */
ProvPoolDef *prov_pool_def_copy(const ProvPoolDef *def);

/* Live status file: <poolstate>pool XML</poolstate>, as libvirt writes to /run. */
char *prov_pool_status_format(const ProvPoolDef *def);
ProvPoolDef *prov_pool_status_parse_file(const char *path, GError **error);

/*
 * <source> documents for find-storage-pool-sources: the input spec (root <source>)
 * and the output list (<sources><source>...</source>...</sources>).
 */
ProvPoolSource *prov_pool_source_parse_string(ProvPoolType type, const char *xml,
                                              GError **error);
char *prov_pool_source_list_format(ProvPoolType type, GPtrArray *sources);
void prov_pool_source_free(ProvPoolSource *src);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvPoolSource, prov_pool_source_free)
void prov_pool_source_clear(ProvPoolSource *src);

/* Format a UUID as 36 characters + NUL into @buf. */
void prov_uuid_format(const unsigned char uuid[16], char buf[37]);
bool prov_uuid_parse(const char *str, unsigned char ret_uuid[16]);
void prov_uuid_generate(unsigned char ret_uuid[16]);

/**
 * prov_object_name_validate:
 * @kind: "storage pool", "storage volume", ...
 * @name: the name
 *
 * Refuses empty names, names longer than 255 bytes, names containing '/', NUL,
 * control characters (newline, ...), names '.' and '..', and a leading '-'.
 * Message: "storage pool name 'a/b' must not contain '/'".
 */
bool prov_object_name_validate(const char *kind, const char *name, GError **error);

/* ---- volumes ---------------------------------------------------------- */

typedef struct {
    char *path;
    GArray *extents;          /* of ProvExtent */
} ProvVolSourceDevice;

typedef struct {
    char *name;
    guint size;               /* 0 = absent */
    char *mode;
    char *hash;
} ProvCipher;

typedef struct {
    char *name;
    char *hash;
} ProvIvgen;

typedef struct {
    char *format;             /* default qcow luks luks2 luks-any */
    char *engine;             /* NULL, qemu, librbd */
    char *secret_type;        /* "passphrase" */
    char *secret_uuid;
    char *secret_usage;
    bool has_cipher;
    ProvCipher cipher;
    bool has_ivgen;
    ProvIvgen ivgen;
} ProvVolEncryption;

typedef struct {
    char *atime, *mtime, *ctime, *btime;   /* "seconds.nanoseconds", output only */
} ProvTimestamps;

typedef struct {
    char *path;
    int format;               /* vol format of the pool type, -1 = absent */
    ProvPerms perms;
    ProvTimestamps *timestamps;
} ProvVolBacking;

typedef struct {
    char *name;
    char *key;
    ProvVolType type;
    bool has_type;            /* type attribute given on input */
    guint64 capacity;
    bool has_capacity;
    guint64 allocation;
    bool has_allocation;      /* absent on input => equals capacity */
    guint64 physical;
    bool has_physical;
    GPtrArray *source_devices;   /* of ProvVolSourceDevice*, output only, may be NULL */
    char *target_path;
    int format;               /* file format (ProvFileFormat) or disk partition format;
                                 -1 = absent */
    ProvPerms perms;
    ProvTimestamps *timestamps;
    ProvVolEncryption *encryption;
    char *compat;
    bool nocow;
    guint64 cluster_size;     /* 0 = absent */
    bool lazy_refcounts;
    bool extended_l2;
    bool has_features;
    ProvVolBacking backing;   /* backing.path NULL = none */
} ProvVolDef;

ProvVolDef *prov_vol_def_new(void);
void prov_vol_def_free(ProvVolDef *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvVolDef, prov_vol_def_free)

typedef enum {
    PROV_VOL_PARSE_NO_CAPACITY = 1 << 0,   /* capacity optional (create-from) */
    PROV_VOL_PARSE_VALIDATE = 1 << 1,      /* also validate against storagevol.rng */
} ProvVolParseFlags;

/**
 * prov_vol_def_parse_string:
 * @pool: the pool the volume belongs to (decides the allowed <format> values)
 * @xml: the <volume> document
 *
 * Parses as libvirt does: key/target path/timestamps/source are not taken from input
 * on create (the caller overwrites them), units are normalised to bytes, capacity
 * must be > 0 and < 2^63 unless allowed otherwise.  Returns a new def or NULL.
 */
ProvVolDef *prov_vol_def_parse_string(const ProvPoolDef *pool, const char *xml,
                                      unsigned int flags, GError **error);
char *prov_vol_def_format(const ProvPoolDef *pool, const ProvVolDef *def);

/* Format name for a vol <format> value in the context of @pool's type (NULL if none). */
const char *prov_vol_format_to_string(ProvPoolType pool_type, int format);
/* Parse a vol format name for @pool_type; returns -1 when unknown for that type. */
int prov_vol_format_from_string(ProvPoolType pool_type, const char *str);
/* Default vol format for a pool type (raw for file pools), -1 if the type has no <format>. */
int prov_vol_format_default(ProvPoolType pool_type);

/* <storagepoolCapabilities> document listing every type; @supported[type] says which. */
char *prov_pool_capabilities_format(const bool supported[PROV_POOL_LAST]);

/* ---- additions by the model owner (appended; nothing above changed) ---------- */

/* Source formats of netfs, logical and disk pools (ProvPoolSource.format values). */
typedef enum {
    PROV_NETFS_AUTO,
    PROV_NETFS_NFS,
    PROV_NETFS_GLUSTERFS,
    PROV_NETFS_CIFS,
    PROV_NETFS_LAST
} ProvNetfsFormat;
const char *prov_netfs_format_to_string(ProvNetfsFormat fmt);
int prov_netfs_format_from_string(const char *str);

typedef enum {
    PROV_LOGICAL_UNKNOWN,     /* accepted for back-compat, as libvirt does */
    PROV_LOGICAL_LVM2,
    PROV_LOGICAL_LAST
} ProvLogicalFormat;
const char *prov_logical_format_to_string(ProvLogicalFormat fmt);
int prov_logical_format_from_string(const char *str);

/* Partition table types of disk pools. */
typedef enum {
    PROV_DISK_UNKNOWN,
    PROV_DISK_DOS,
    PROV_DISK_DVH,
    PROV_DISK_GPT,
    PROV_DISK_MAC,
    PROV_DISK_BSD,
    PROV_DISK_PC98,
    PROV_DISK_SUN,
    PROV_DISK_LVM2,
    PROV_DISK_LAST
} ProvDiskFormat;
const char *prov_disk_format_to_string(ProvDiskFormat fmt);
int prov_disk_format_from_string(const char *str);

/* Partition formats of disk-pool volumes (ProvVolDef.format in a disk pool). */
typedef enum {
    PROV_PART_NONE,
    PROV_PART_LINUX,
    PROV_PART_FAT16,
    PROV_PART_FAT32,
    PROV_PART_LINUX_SWAP,
    PROV_PART_LINUX_LVM,
    PROV_PART_LINUX_RAID,
    PROV_PART_EXTENDED,
    PROV_PART_LAST
} ProvPartFormat;
const char *prov_part_format_to_string(ProvPartFormat fmt);
int prov_part_format_from_string(const char *str);

/* Pool <source><format> of @type: name (NULL if the type has none / unknown value). */
const char *prov_pool_format_to_string(ProvPoolType type, int format);
/* -1 when unknown for @type or when @type has no source format. */
int prov_pool_format_from_string(ProvPoolType type, const char *str);
/* Default source format of @type, -1 when the type has no <format>. */
int prov_pool_format_default(ProvPoolType type);

/* False for rbd, sheepdog, gluster and iscsi-direct, which have no <target>. */
bool prov_pool_type_has_target(ProvPoolType type);

/*
 * Constructors for code that builds sources (find-storage-pool-sources results):
 * prov_pool_source_new() returns an empty source whose arrays exist and format is -1;
 * the add helpers append a copy of @name/@path and return the new element (owned by @src).
 */
ProvPoolSource *prov_pool_source_new(void);
ProvPoolSourceHost *prov_pool_source_add_host(ProvPoolSource *src, const char *name, int port);
ProvPoolSourceDevice *prov_pool_source_add_device(ProvPoolSource *src, const char *path);

/* Appends one extent on @device_path to a volume's (output-only) <source>. */
void prov_vol_def_add_extent(ProvVolDef *def, const char *device_path, guint64 start,
                             guint64 end);

/* prov_object_name_validate() for a name of known length, so embedded NULs are caught. */
bool prov_object_name_validate_len(const char *kind, const char *name, gssize len,
                                   GError **error);

/* Parses a <poolstate> document held in memory. */
ProvPoolDef *prov_pool_status_parse_string(const char *xml, GError **error);

/*
 * libvirt's path clean-up: "///var//lib/x//" -> "/var/lib/x"; a leading "//" (and only
 * exactly two) is kept as POSIX allows; URIs ("gluster://h/v") are left alone.
 */
char *prov_path_sanitize(const char *path);

/*
 * A pool's volumes as one document (<volumes><volume>...</volume>...</volumes>), for
 * the driver's record of what the last refresh found.  Parsing keeps key and path.
 */
char *prov_vol_list_format(const ProvPoolDef *pool, GPtrArray *vols);
GPtrArray *prov_vol_list_parse_file(const ProvPoolDef *pool, const char *path, GError **error);
