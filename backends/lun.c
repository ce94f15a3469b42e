/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lun.c: the LUNs of one SCSI host as volumes at stable /dev paths (iscsi and scsi pools). */
#define G_LOG_DOMAIN "provd-backend-lun"

#include "config.h"
#include "backends/lun.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libudev.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/command.h"
#include "util/error.h"
#include "util/fileutil.h"

/* scsi_id sends a few SCSI INQUIRY commands; a device that does not answer in this
 * time gets its path as key rather than stalling the refresh. */
#define LUN_SCSI_ID_TIMEOUT_MS (10 * 1000)
/* Polling for stable links: start short (udev usually is just behind), back off. */
#define LUN_POLL_FIRST_MS 20
#define LUN_POLL_MAX_MS 200
/* How long a new LUN may lack its block device (the sd driver binds asynchronously,
 * milliseconds after the scan in the test VM). */
#define LUN_BLOCK_WAIT_MS 2000
/* sysfs attribute files are one short line. */
#define LUN_ATTR_MAX 4096

/* SCSI peripheral device types (SPC-4 table 49) that make a volume. */
#define LUN_TYPE_DISK 0
#define LUN_TYPE_CDROM 5

typedef struct {
    guint host;
    guint bus;
    guint target;
    guint lun;
    char *addr;          /* "H:B:T:L" */
    char *devpath;       /* "<dev>/sdc"; NULL: no block device (yet) */
    guint64 size;
    char *path;          /* the volume path once found */
    struct stat st;      /* of @path */
} LunInfo;

static void
lun_info_free(LunInfo *lun)
{
    if (!lun)
        return;
    g_free(lun->addr);
    g_free(lun->devpath);
    g_free(lun->path);
    g_free(lun);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LunInfo, lun_info_free)

/* ---- small sysfs helpers --------------------------------------------------- */

/* Parses a whole decimal string into a guint (no sign, no spaces, no overflow). */
static bool
lun_parse_uint(const char *s, gsize len, guint *ret)
{
    guint64 v = 0;
    gsize i;

    if (len == 0 || len > 9)
        return false;
    for (i = 0; i < len; i++) {
        if (!g_ascii_isdigit(s[i]))
            return false;
        v = v * 10 + (guint64)(s[i] - '0');
    }
    *ret = (guint)v;
    return true;
}

/*
 * A LUN directory name is "H:B:T:L" (host, channel/bus, target id, LUN), e.g.
 * "2:0:0:1"; /sys/bus/scsi/devices also holds "host2" and "target2:0:0".
 */
static bool
lun_parse_addr(const char *name, guint ret_addr[4])
{
    g_auto(GStrv) parts = g_strsplit(name, ":", -1);
    guint i;

    if (g_strv_length(parts) != 4)
        return false;
    for (i = 0; i < 4; i++)
        if (!lun_parse_uint(parts[i], strlen(parts[i]), &ret_addr[i]))
            return false;
    return true;
}

/* One sysfs attribute without its trailing newline, or NULL. */
static char *
lun_read_attr(const char *path)
{
    g_autoptr(GError) local = NULL;
    char *text = prov_file_read_all(path, LUN_ATTR_MAX, NULL, &local);

    if (!text) {
        g_debug("cannot read '%s': %s", path, local->message);
        return NULL;
    }
    return g_strstrip(text);
}

static bool
lun_read_uint64(const char *path, guint64 *ret)
{
    g_autofree char *text = lun_read_attr(path);
    guint64 v;

    if (!text || !g_ascii_string_to_unsigned(text, 10, 0, G_MAXUINT64, &v, NULL))
        return false;
    *ret = v;
    return true;
}

/*
 * The block device of a LUN: the only entry of <lun>/block/ ("sdc", or "sr0" for a
 * CD-ROM).  Kernels before 2.6.26 had a "block:sdc" link in the LUN directory
 * instead; libvirt still accepts that, and so do we.
 */
static char *
lun_block_name(const char *lundir)
{
    g_autofree char *blockdir = g_build_filename(lundir, "block", NULL);
    g_autoptr(GDir) dir = g_dir_open(blockdir, 0, NULL);
    g_autofree char *best = NULL;
    const char *entry;

    if (dir) {
        while ((entry = g_dir_read_name(dir))) {
            if (!best || g_strcmp0(entry, best) < 0) {
                g_free(best);
                best = g_strdup(entry);
            }
        }
        return g_steal_pointer(&best);
    }
    dir = g_dir_open(lundir, 0, NULL);
    while (dir && (entry = g_dir_read_name(dir)))
        if (g_str_has_prefix(entry, "block:") && entry[6])
            return g_strdup(entry + 6);
    return NULL;
}

/* Bytes of block device @devname: its "size" attribute counts 512-byte sectors
 * whatever the logical block size.  0 (with a debug note) when unreadable: a CD-ROM
 * drive without a disc has no size either. */
static guint64
lun_size(const ProvLunScanOptions *opts, const char *lundir, const char *devname)
{
    g_autofree char *path1 = g_build_filename(opts->sysfs, "block", devname, "size", NULL);
    g_autofree char *path2 = g_build_filename(lundir, "block", devname, "size", NULL);
    guint64 sectors = 0;

    if (!lun_read_uint64(path1, &sectors) && !lun_read_uint64(path2, &sectors))
        g_debug("size of '%s' unknown, using 0", devname);
    return sectors > G_MAXUINT64 / 512 ? G_MAXUINT64 : sectors * 512;
}

static gint
lun_compare(gconstpointer a, gconstpointer b)
{
    const LunInfo *x = *(LunInfo *const *)a;
    const LunInfo *y = *(LunInfo *const *)b;

    if (x->bus != y->bus)
        return x->bus < y->bus ? -1 : 1;
    if (x->target != y->target)
        return x->target < y->target ? -1 : 1;
    if (x->lun != y->lun)
        return x->lun < y->lun ? -1 : 1;
    return 0;
}

static bool
lun_host_exists(const ProvLunScanOptions *opts, guint host, GError **error)
{
    g_autofree char *path = g_strdup_printf("%s/class/scsi_host/host%u", opts->sysfs, host);

    if (g_file_test(path, G_FILE_TEST_EXISTS))
        return true;
    g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_FAILED,
                "SCSI host 'host%u' does not exist", host);
    return false;
}

/*
 * The LUNs of @host with a volume-making type, in (bus, target, lun) order.  Read from
 * <sysfs>/bus/scsi/devices/H:B:T:L/{type,block/sdX} and <sysfs>/block/sdX/size.
 */
static GPtrArray *
lun_list(const ProvLunScanOptions *opts, guint host, GError **error)
{
    g_autofree char *devices = g_build_filename(opts->sysfs, "bus", "scsi", "devices", NULL);
    g_autoptr(GPtrArray) luns = g_ptr_array_new_with_free_func((GDestroyNotify)lun_info_free);
    g_autoptr(GError) local = NULL;
    g_autoptr(GDir) dir = NULL;
    const char *entry;

    if (!lun_host_exists(opts, host, error))
        return NULL;
    if (!(dir = g_dir_open(devices, 0, &local))) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_FAILED,
                    "cannot list the LUNs of SCSI host 'host%u': %s", host, local->message);
        return NULL;
    }
    while ((entry = g_dir_read_name(dir))) {
        g_autofree char *lundir = NULL;
        g_autofree char *typepath = NULL;
        g_autofree char *typetext = NULL;
        g_autofree char *devname = NULL;
        g_autoptr(LunInfo) lun = NULL;
        guint addr[4];
        guint type;

        if (!lun_parse_addr(entry, addr) || addr[0] != host)
            continue;
        lundir = g_build_filename(devices, entry, NULL);
        typepath = g_build_filename(lundir, "type", NULL);
        typetext = lun_read_attr(typepath);
        if (!typetext || !lun_parse_uint(typetext, strlen(typetext), &type)) {
            /* Removed between readdir and now, or not a device at all. */
            g_debug("LUN %s has no readable type, skipping", entry);
            continue;
        }
        if (type != LUN_TYPE_DISK && type != LUN_TYPE_CDROM) {
            g_debug("LUN %s has SCSI device type %u (neither disk nor CD-ROM), skipping",
                    entry, type);
            continue;
        }
        lun = g_new0(LunInfo, 1);
        lun->host = addr[0];
        lun->bus = addr[1];
        lun->target = addr[2];
        lun->lun = addr[3];
        lun->addr = g_strdup(entry);
        if ((devname = lun_block_name(lundir))) {
            lun->devpath = g_build_filename(opts->dev, devname, NULL);
            lun->size = lun_size(opts, lundir, devname);
        }
        g_ptr_array_add(luns, g_steal_pointer(&lun));
    }
    g_ptr_array_sort(luns, lun_compare);
    return g_steal_pointer(&luns);
}

/*
 * The sd (or sr) driver binds a new LUN asynchronously: right after a login or scan the
 * LUN is in sysfs but its block/ directory may not be yet.  True once it has one.
 */
static bool
lun_fill_block(const ProvLunScanOptions *opts, LunInfo *lun)
{
    g_autofree char *lundir = NULL;
    g_autofree char *devname = NULL;

    if (lun->devpath)
        return true;
    lundir = g_build_filename(opts->sysfs, "bus", "scsi", "devices", lun->addr, NULL);
    if (!(devname = lun_block_name(lundir)))
        return false;
    lun->devpath = g_build_filename(opts->dev, devname, NULL);
    lun->size = lun_size(opts, lundir, devname);
    return true;
}

/* ---- stable paths ------------------------------------------------------------ */

/*
 * What makes two paths "the same device": the device number for device nodes (the
 * /dev/disk/by-* links of udev point at the node; a copy of the node elsewhere
 * counts too), and the inode otherwise (test fixtures use plain files).
 */
static char *
lun_identity(const struct stat *st)
{
    if (S_ISBLK(st->st_mode))
        return g_strdup_printf("b%ju", (uintmax_t)st->st_rdev);
    return g_strdup_printf("i%ju:%ju", (uintmax_t)st->st_dev, (uintmax_t)st->st_ino);
}

/*
 * Reads @dir afresh: identity -> the lexically first entry name resolving to it
 * (several links per device are normal in by-id: scsi-..., wwn-0x...).  A missing
 * directory is empty: udev creates /dev/disk/by-path with the first link.
 */
static GHashTable *
lun_dir_map(const char *dir, GError **error)
{
    g_autoptr(GHashTable) map = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_autoptr(GError) local = NULL;
    g_autoptr(GDir) d = g_dir_open(dir, 0, &local);
    const char *entry;

    if (!d) {
        if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            return g_steal_pointer(&map);
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_FAILED,
                    "cannot read target path '%s': %s", dir, local->message);
        return NULL;
    }
    while ((entry = g_dir_read_name(d))) {
        g_autofree char *full = g_build_filename(dir, entry, NULL);
        g_autofree char *id = NULL;
        const char *have;
        struct stat st;

        if (stat(full, &st) < 0)
            continue;   /* a dangling link: its device is gone */
        id = lun_identity(&st);
        have = g_hash_table_lookup(map, id);
        if (!have || g_strcmp0(entry, have) < 0)
            g_hash_table_insert(map, g_steal_pointer(&id), g_strdup(entry));
    }
    return g_steal_pointer(&map);
}

/* Is @target_dir the device directory itself (volumes get raw sdX names)? */
static bool
lun_target_is_raw(const char *target_dir, const char *dev)
{
    g_autofree char *a = g_strdup(target_dir);
    g_autofree char *b = g_strdup(dev);
    gsize la = strlen(a);
    gsize lb = strlen(b);

    while (la > 1 && a[la - 1] == '/')
        a[--la] = '\0';
    while (lb > 1 && b[lb - 1] == '/')
        b[--lb] = '\0';
    return g_str_equal(a, b);
}

/**
 * prov_lun_stable_path:
 * @target_dir: e.g. "/dev/disk/by-path"
 * @devpath: e.g. "/dev/sdb"
 *
 * The entry of @target_dir that is the same device as @devpath: same st_rdev for
 * block devices, same inode otherwise.  The directory is read once, now.
 * Returns a new string (the lexically first match), @devpath itself when
 * @target_dir is "/dev", or NULL when nothing matches or @devpath does not exist.
 */
char *
prov_lun_stable_path(const char *target_dir, const char *devpath)
{
    g_autoptr(GHashTable) map = NULL;
    g_autoptr(GError) local = NULL;
    g_autofree char *id = NULL;
    const char *entry;
    struct stat st;

    if (lun_target_is_raw(target_dir, "/dev"))
        return g_strdup(devpath);
    if (stat(devpath, &st) < 0)
        return NULL;
    if (!(map = lun_dir_map(target_dir, &local))) {
        g_debug("%s", local->message);
        return NULL;
    }
    id = lun_identity(&st);
    entry = g_hash_table_lookup(map, id);
    return entry ? g_build_filename(target_dir, entry, NULL) : NULL;
}

/*
 * Finds the volume path of every LUN in @luns.  One bounded wait for the whole
 * refresh (libvirt waits up to 10 s per LUN, re-reading a directory stream it never
 * rewinds, so a link that appears late is never seen): each round reads the target
 * directory afresh and maps every LUN still unresolved; rounds repeat with a short
 * back-off until all are found or @opts->link_wait_ms is used up.
 */
static bool
lun_resolve_paths(const char *target_dir, const ProvLunScanOptions *opts, guint wait_ms,
                  GPtrArray *luns, guint *ret_unresolved, GError **error)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)wait_ms * 1000;
    guint delay_ms = LUN_POLL_FIRST_MS;
    guint rounds = 0;
    guint i;

    bool raw = lun_target_is_raw(target_dir, opts->dev);
    gint64 block_deadline = g_get_monotonic_time() +
                            (gint64)MIN(wait_ms, LUN_BLOCK_WAIT_MS) * 1000;

    for (;;) {
        g_autoptr(GHashTable) map = raw ? g_hash_table_new(g_str_hash, g_str_equal)
                                        : lun_dir_map(target_dir, error);
        guint unresolved = 0;
        gint64 left_us;

        if (!map)
            return false;
        rounds++;
        for (i = 0; i < luns->len; i++) {
            LunInfo *lun = g_ptr_array_index(luns, i);
            g_autofree char *id = NULL;
            const char *entry;
            struct stat st;

            if (lun->path)
                continue;
            if (!lun_fill_block(opts, lun)) {
                /* Waited for briefly only: a disk the sd driver never binds (no sd_mod)
                 * must not cost every refresh the whole link wait. */
                if (g_get_monotonic_time() < block_deadline)
                    unresolved++;
                continue;
            }
            if (raw) {
                if (stat(lun->devpath, &lun->st) == 0)
                    lun->path = g_strdup(lun->devpath);
                else
                    unresolved++;
                continue;
            }
            if (stat(lun->devpath, &st) < 0 || !(id = lun_identity(&st)) ||
                !(entry = g_hash_table_lookup(map, id))) {
                unresolved++;
                continue;
            }
            lun->path = g_build_filename(target_dir, entry, NULL);
            if (stat(lun->path, &lun->st) < 0)
                lun->st = st;
        }
        left_us = deadline - g_get_monotonic_time();
        *ret_unresolved = unresolved;
        if (unresolved == 0 || left_us <= 0)
            break;
        g_usleep(MIN((gint64)delay_ms * 1000, left_us));
        delay_ms = MIN(delay_ms * 2, LUN_POLL_MAX_MS);
    }
    g_debug("stable paths in '%s' resolved in %u round(s)", target_dir, rounds);
    return true;
}

/* ---- keys ---------------------------------------------------------------------- */

/**
 * prov_lun_scsi_id_command:
 * @devpath: the LUN's device node, e.g. "/dev/sdc"
 *
 * `/lib/udev/scsi_id --whitelisted --replace-whitespace --device=/dev/sdc`: prints the
 * device's page 0x83 identifier (the WWID udev's by-id/scsi-* links and multipath use),
 * one line, e.g. "33333333000001770" for a scsi_debug LUN (NAA type 3, see
 * tests/lundata/scsi_debug.scsi_id).  Exit 1 and no output when the device has none.
 * Returns a new command.
 */
ProvCommand *
prov_lun_scsi_id_command(const char *devpath)
{
    ProvCommand *cmd = prov_command_new_args(SCSI_ID, "--whitelisted", "--replace-whitespace",
                                             NULL);

    prov_command_add_arg_format(cmd, "--device=%s", devpath);
    prov_command_set_timeout(cmd, LUN_SCSI_ID_TIMEOUT_MS);
    return cmd;
}

typedef struct udev LunUdev;
typedef struct udev_device LunUdevDevice;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LunUdev, udev_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LunUdevDevice, udev_device_unref)

/*
 * udev ran scsi_id for the disk already: 60-persistent-storage.rules imports
 * `scsi_id --export --whitelisted -d $devnode` and sets ID_BUS=scsi with it, and the
 * exported ID_SERIAL is the line `scsi_id --whitelisted --replace-whitespace` prints
 * (tests/vm/vmtest_iscsi.py checks the two agree on every LUN).  Reading it from udev's
 * database saves one scsi_id process per LUN (about 90 ms each in the test VM).  Any
 * other origin of ID_SERIAL (ata_id on SATA disks, for one) is not that format: NULL,
 * and the caller runs scsi_id itself.
 */
static char *
lun_udev_key(struct udev *udev, const LunInfo *lun)
{
    g_autoptr(LunUdevDevice) dev = NULL;
    const char *serial;

    if (!udev || !S_ISBLK(lun->st.st_mode) ||
        !(dev = udev_device_new_from_devnum(udev, 'b', lun->st.st_rdev)) ||
        g_strcmp0(udev_device_get_property_value(dev, "ID_BUS"), "scsi") != 0 ||
        !(serial = udev_device_get_property_value(dev, "ID_SERIAL")) || !*serial)
        return NULL;
    return g_strdup(serial);
}

/* The key of a LUN: its SCSI identifier, or (no identifier, no scsi_id) the volume path,
 * which is what libvirt falls back to as well. */
static char *
lun_key(struct udev *udev, const LunInfo *lun)
{
    g_autoptr(ProvCommand) cmd = NULL;
    g_autoptr(GError) local = NULL;
    g_autofree char *out = NULL;
    char *nl;
    int status;

    if ((out = lun_udev_key(udev, lun)))
        return g_steal_pointer(&out);
    cmd = prov_lun_scsi_id_command(lun->devpath);
    if (!prov_command_run(cmd, &out, &status, &local)) {
        g_debug("LUN %s: %s; using the path as key", lun->addr, local->message);
        return g_strdup(lun->path);
    }
    if ((nl = strchr(out, '\n')))
        *nl = '\0';
    g_strstrip(out);
    if (status != 0 || !*out) {
        g_debug("LUN %s: scsi_id found no identifier (exit %d); using the path as key",
                lun->addr, status);
        return g_strdup(lun->path);
    }
    return g_steal_pointer(&out);
}

/* ---- the scan ---------------------------------------------------------------------- */

/* `udevadm settle` once, bounded: a busy udev would otherwise hold us 120 s (its
 * default).  Failure or timeout is not fatal (always true: a condition in a chain). */
static bool
lun_udev_settle(const ProvLunScanOptions *opts)
{
    g_autoptr(ProvCommand) cmd = NULL;
    g_autoptr(GError) local = NULL;
    guint seconds;

    seconds = (opts->udev_wait_ms + 999) / 1000;
    cmd = prov_command_new_args(UDEVADM, "settle", NULL);
    prov_command_add_arg_format(cmd, "--timeout=%u", seconds);
    prov_command_set_timeout(cmd, seconds * 1000 + 5000);
    if (!prov_command_run(cmd, NULL, NULL, &local))
        g_debug("udevadm settle: %s, ignoring", local->message);
    return true;
}

/*
 * The driver's record of what the last refresh found (docs/architecture.md:
 * run/provd/storage/NAME.vols), to tell LUNs that went away since.  NULL if none.
 */
static GPtrArray *
lun_previous_vols(const ProvStoragePool *pool)
{
    g_autofree char *path = NULL;
    g_autoptr(GError) local = NULL;
    GPtrArray *vols;

    if (!pool->state_dir)
        return NULL;
    path = g_strdup_printf("%s/%s.vols", pool->state_dir, pool->def->name);
    if (!g_file_test(path, G_FILE_TEST_EXISTS))
        return NULL;
    if (!(vols = prov_vol_list_parse_file(pool->def, path, &local)))
        g_debug("previous volume record unreadable: %s, ignoring", local->message);
    return vols;
}

static ProvVolDef *
lun_vol_new(const LunInfo *lun, char *key)
{
    ProvVolDef *vol = prov_vol_def_new();

    vol->name = g_strdup_printf("unit:%u:%u:%u", lun->bus, lun->target, lun->lun);
    vol->key = key;
    vol->type = PROV_VOL_BLOCK;
    vol->capacity = lun->size;
    vol->allocation = lun->size;
    vol->target_path = g_strdup(lun->path);
    vol->perms.mode = lun->st.st_mode & 07777;
    vol->perms.uid = lun->st.st_uid;
    vol->perms.gid = lun->st.st_gid;
    return vol;
}

bool
prov_lun_scan_host(ProvStoragePool *pool, const ProvLunScanOptions *opts, guint host,
                   GPtrArray **ret_missing, GError **error)
{
    g_autoptr(GPtrArray) missing = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) luns = NULL;
    g_autoptr(GPtrArray) previous = NULL;
    g_autoptr(GHashTable) keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    const char *target_dir = pool->def->target_path;
    guint64 total = 0;
    g_autoptr(LunUdev) udev = opts->udev_db ? udev_new() : NULL;
    guint unresolved = 0;
    guint i;

    if (!target_dir) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "storage pool '%s' has no target path", pool->def->name);
        return false;
    }
    /*
     * The LUN list comes from sysfs, complete once the kernel's scan has returned; only
     * the links need udev.  Waiting for exactly those links beats `udevadm settle`,
     * which also waits for every other event in udev's queue (the partition probes and
     * scsi_generic nodes of all new LUNs: 0.3-0.5 s more for 8 iSCSI LUNs in the test
     * VM).  Settle once only when links are still missing after that wait.
     */
    if (!(luns = lun_list(opts, host, error)) ||
        !lun_resolve_paths(target_dir, opts, opts->link_wait_ms, luns, &unresolved, error) ||
        (unresolved > 0 && opts->udev_wait_ms > 0 && lun_udev_settle(opts) &&
         !lun_resolve_paths(target_dir, opts, 0, luns, &unresolved, error))) {
        g_prefix_error(error, "storage pool '%s': ", pool->def->name);
        return false;
    }
    previous = lun_previous_vols(pool);

    for (i = 0; i < pool->vols->len; i++) {
        const ProvVolDef *vol = g_ptr_array_index(pool->vols, i);
        if (vol->key)
            g_hash_table_insert(keys, g_strdup(vol->key), g_strdup(vol->name));
    }
    for (i = 0; i < luns->len; i++) {
        LunInfo *lun = g_ptr_array_index(luns, i);
        g_autofree char *name = g_strdup_printf("unit:%u:%u:%u", lun->bus, lun->target,
                                                lun->lun);
        g_autofree char *key = NULL;
        const char *other;

        g_hash_table_add(seen, g_strdup(name));
        if (!lun->devpath) {
            g_ptr_array_add(missing, g_strdup_printf("LUN %s has no block device", lun->addr));
            continue;
        }
        if (!lun->path) {
            if (!g_file_test(lun->devpath, G_FILE_TEST_EXISTS))
                g_ptr_array_add(missing, g_strdup_printf("LUN %s has no device node '%s'",
                                                         lun->addr, lun->devpath));
            else
                g_ptr_array_add(missing, g_strdup_printf("LUN %s ('%s') has no link in '%s'",
                                                         lun->addr, lun->devpath, target_dir));
            continue;
        }
        key = lun_key(udev, lun);
        /* The same identifier twice is one LUN seen over two paths (multipath) or a
         * target that does not make its serials unique: keep the first, report the
         * second, and go on (libvirt's refresh fails as a whole here). */
        if ((other = g_hash_table_lookup(keys, key))) {
            g_ptr_array_add(missing,
                            g_strdup_printf("LUN %s ('%s') has the same key '%s' as volume "
                                            "'%s'", lun->addr, lun->path, key, other));
            continue;
        }
        g_hash_table_insert(keys, g_strdup(key), g_strdup(name));
        g_ptr_array_add(pool->vols, lun_vol_new(lun, g_steal_pointer(&key)));
    }

    for (i = 0; previous && i < previous->len; i++) {
        const ProvVolDef *old = g_ptr_array_index(previous, i);

        if (!old->name || g_hash_table_contains(seen, old->name))
            continue;
        g_ptr_array_add(missing,
                        g_strdup_printf("volume '%s' ('%s') is gone since the last refresh",
                                        old->name, old->target_path ? old->target_path : ""));
    }

    for (i = 0; i < pool->vols->len; i++) {
        const ProvVolDef *vol = g_ptr_array_index(pool->vols, i);
        total = total > G_MAXUINT64 - vol->capacity ? G_MAXUINT64 : total + vol->capacity;
    }
    pool->def->capacity = total;
    pool->def->allocation = total;
    pool->def->available = 0;
    if (ret_missing)
        *ret_missing = g_steal_pointer(&missing);
    return true;
}

/* ---- rescan and target check --------------------------------------------------- */

/* Writes @value into the sysfs attribute @path; the kernel acts inside write(). */
static int
lun_write_attr(const char *path, const char *value)
{
    PROV_AUTOCLOSE int fd = open(path, O_WRONLY | O_TRUNC | O_NOCTTY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0)
        return -errno;
    do {
        n = write(fd, value, strlen(value));
    } while (n < 0 && errno == EINTR);
    return n < 0 ? -errno : 0;
}

bool
prov_lun_rescan_host(const ProvLunScanOptions *opts, guint host, GError **error)
{
    g_autofree char *path = g_strdup_printf("%s/class/scsi_host/host%u/scan", opts->sysfs, host);
    /* "channel target lun", each "-" for all: what rescan-scsi-bus and libvirt write.
     * The kernel probes synchronously inside write(). */
    int r = lun_write_attr(path, "- - -");

    if (r == -ENOENT) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_FAILED,
                    "SCSI host 'host%u' does not exist", host);
        return false;
    }
    if (r < 0)
        return prov_error_set_errno(error, PROV_STORAGE_ERROR, -r,
                                    "cannot rescan SCSI host 'host%u' ('%s')", host, path);
    return true;
}

void
prov_lun_rescan_devices(const ProvLunScanOptions *opts, guint host)
{
    g_autofree char *devices = g_build_filename(opts->sysfs, "bus", "scsi", "devices", NULL);
    g_autoptr(GDir) dir = g_dir_open(devices, 0, NULL);
    const char *entry;

    while (dir && (entry = g_dir_read_name(dir))) {
        g_autofree char *path = NULL;
        guint addr[4];
        int r;

        if (!lun_parse_addr(entry, addr) || addr[0] != host)
            continue;
        path = g_build_filename(devices, entry, "rescan", NULL);
        if ((r = lun_write_attr(path, "1")) < 0)
            g_debug("LUN %s: cannot rescan: %s, ignoring", entry, g_strerror(-r));
    }
}

bool
prov_lun_check_target(const ProvPoolDef *def, GError **error)
{
    const char *path = def->target_path;
    g_auto(GStrv) parts = NULL;
    guint i;

    if (!path || (!g_str_equal(path, "/dev") && !g_str_has_prefix(path, "/dev/"))) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "storage pool '%s': target path '%s' is not under /dev", def->name,
                    path ? path : "");
        return false;
    }
    /* "/dev/../tmp" is not under /dev either. */
    parts = g_strsplit(path, "/", -1);
    for (i = 0; parts[i]; i++) {
        if (g_str_equal(parts[i], "..") || g_str_equal(parts[i], ".")) {
            g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                        "storage pool '%s': target path '%s' is not under /dev", def->name,
                        path);
            return false;
        }
    }
    return true;
}

/**
 * prov_lun_pool_usage:
 *
 * The pool's capacity and allocation as the sum of the LUNs the last refresh
 * found (the driver's record), available 0: a LUN pool has no free space of its
 * own.  Listing and info calls do not rescan hardware, and a reloaded status
 * file carries no sizes, so this is where pool-info gets them.  No record (not
 * refreshed yet) leaves the def unchanged.
 */
bool
prov_lun_pool_usage(ProvStoragePool *pool, GError **error)
{
    g_autoptr(GPtrArray) vols = lun_previous_vols(pool);
    guint64 total = 0;
    guint i;

    if (!vols)
        return true;
    for (i = 0; i < vols->len; i++) {
        const ProvVolDef *vol = g_ptr_array_index(vols, i);
        total = total > G_MAXUINT64 - vol->capacity ? G_MAXUINT64 : total + vol->capacity;
    }
    pool->def->capacity = total;
    pool->def->allocation = total;
    pool->def->available = 0;
    return true;
}

void
prov_lun_report_missing(const ProvStoragePool *pool, GPtrArray *missing)
{
    guint i;

    for (i = 0; missing && i < missing->len; i++)
        g_warning("storage pool '%s': %s", pool->def->name,
                  (const char *)g_ptr_array_index(missing, i));
}
