/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* volume_local.c: volumes as files in a local directory (dir, fs and netfs pools). */
#define G_LOG_DOMAIN "prov-volume-local"

#include "config.h"
#include "storage/volume_local.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "storage/image_probe.h"
#include "storage/qcow2.h"
#include "util/error.h"
#include "util/fault.h"
#include "util/fileutil.h"

/* Data is moved in 1 MiB chunks; zero detection works on 4 KiB blocks. */
#define LOCAL_BUF_SIZE (1024 * 1024)
#define LOCAL_ZERO_BLOCK 4096
/* Progress is reported at most once per this many bytes (and at the end). */
#define LOCAL_PROGRESS_STEP (16 * 1024 * 1024)
/* qemu-img convert / preallocation / scrub of big images can take hours. */
#define LOCAL_LONG_TIMEOUT_MS (24u * 3600u * 1000u)
/* A refresh scans with a second thread from this many entries on (see refresh). */
#define LOCAL_PARALLEL_MIN_ENTRIES 2048
#define LOCAL_SCAN_THREADS 2
/* Name part kept in a temp file name, so prefix + name + suffix fits NAME_MAX. */
#define LOCAL_TEMP_NAME_MAX 200
#define LOCAL_TEMP_ATTEMPTS 16
/*
 * A temp file is a crash leftover when nobody holds its flock.  On network
 * filesystems flock is emulated with whole-file POSIX locks, which would block
 * qemu-img's own image locking, so there the lock is let go while qemu-img runs
 * (see local_temp_run) and a leftover must also be unwritten for this long.
 */
#define LOCAL_STALE_SECONDS 600
/* Filesystems whose flock is a whole-file POSIX lock (linux/magic.h lacks the CIFS ones). */
#define LOCAL_CIFS_MAGIC 0xff534d42
#define LOCAL_SMB2_MAGIC 0xfe534d42

/* How the refresh opens entries: never blocks on FIFOs, never becomes a tty. */
#define LOCAL_OPEN_FLAGS (O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)

/* ---- small helpers ---------------------------------------------------- */

static const char *
local_pool_type_name(const ProvStoragePool *pool)
{
    const char *name = prov_pool_type_to_string(pool->def->type);

    return name ? name : "dir";
}

/* Formats that are plain bytes for qemu-img (libvirt maps iso and block targets to raw). */
static int
local_normalized_format(const ProvVolDef *vol)
{
    if (vol->type == PROV_VOL_BLOCK || vol->format < 0 || vol->format == PROV_FORMAT_NONE ||
        vol->format == PROV_FORMAT_ISO)
        return PROV_FORMAT_RAW;
    return vol->format;
}

/* <allocation> absent means "as much as the capacity" (libvirt). */
static guint64
local_wanted_allocation(const ProvVolDef *vol)
{
    guint64 alloc = vol->has_allocation ? vol->allocation : vol->capacity;

    return MIN(alloc, vol->capacity);
}

/* Sizes in messages: "10G" when a unit divides the value, else bytes. */
static char *
local_size_string(guint64 bytes)
{
    static const char units[] = "KMGTPE";
    int i;

    if (bytes == 0)
        return g_strdup("0");
    for (i = 5; i >= 0; i--) {
        guint64 unit = G_GUINT64_CONSTANT(1) << (10 * (i + 1));

        if (bytes % unit == 0)
            return g_strdup_printf("%" G_GUINT64_FORMAT "%c", bytes / unit, units[i]);
    }
    return g_strdup_printf("%" G_GUINT64_FORMAT, bytes);
}

static bool
local_name_has_control_chars(const char *name)
{
    const unsigned char *p;

    for (p = (const unsigned char *)name; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return true;
    return false;
}

/* libvirt's timestamp text: seconds, then ".nnnnnnnnn" when there are nanoseconds. */
static char *
local_timespec_string(const struct timespec *ts)
{
    if (ts->tv_nsec)
        return g_strdup_printf("%lld.%09ld", (long long)ts->tv_sec, (long)ts->tv_nsec);
    return g_strdup_printf("%lld", (long long)ts->tv_sec);
}

static void
local_set_timestamps(ProvTimestamps **tsp, const struct stat *st)
{
    ProvTimestamps *ts = *tsp;

    if (!ts)
        ts = *tsp = g_new0(ProvTimestamps, 1);
    g_free(ts->atime);
    g_free(ts->mtime);
    g_free(ts->ctime);
    g_clear_pointer(&ts->btime, g_free);
    ts->atime = local_timespec_string(&st->st_atim);
    ts->mtime = local_timespec_string(&st->st_mtim);
    ts->ctime = local_timespec_string(&st->st_ctim);
}

static void
local_set_perms(ProvPerms *perms, const struct stat *st)
{
    perms->mode = st->st_mode & 07777;
    perms->uid = st->st_uid;
    perms->gid = st->st_gid;
}

static bool
local_write_all(int fd, const char *buf, gsize len, guint64 offset, bool positional)
{
    while (len > 0) {
        ssize_t n = positional ? pwrite(fd, buf, len, (off_t)offset) : write(fd, buf, len);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        buf += n;
        len -= n;
        offset += n;
    }
    return true;
}

static void
local_progress(const ProvProgress *progress, guint64 done, guint64 total, guint64 *last)
{
    if (done != total && done - *last < LOCAL_PROGRESS_STEP)
        return;
    *last = done;
    prov_progress_report(progress, done, total);
}

/* Write @len zero bytes at @offset (the fallback wherever fallocate is missing). */
static bool
local_write_zeros(int fd, guint64 offset, guint64 len, const ProvProgress *progress,
                  guint64 total, GError **error)
{
    g_autofree char *zeros = g_malloc0(LOCAL_BUF_SIZE);
    guint64 done = 0;
    guint64 last = 0;

    while (done < len) {
        gsize chunk = MIN((guint64)LOCAL_BUF_SIZE, len - done);

        if (!local_write_all(fd, zeros, chunk, offset + done, true))
            return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                        "cannot write zeros at offset %" G_GUINT64_FORMAT,
                                        offset + done);
        done += chunk;
        if (progress)
            local_progress(progress, offset + done, total, &last);
    }
    return true;
}

/* Allocate [offset, offset+len): fallocate, else writing zeros (libvirt's fallback). */
static bool
local_allocate(int fd, const char *volname, guint64 offset, guint64 len,
               const ProvProgress *progress, guint64 total, GError **error)
{
    g_autoptr(GError) local = NULL;

    if (len == 0)
        return true;
    if (fallocate(fd, 0, (off_t)offset, (off_t)len) == 0) {
        prov_progress_report(progress, offset + len, total);
        return true;
    }
    if (errno != EOPNOTSUPP && errno != ENOSYS)
        return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                    "storage volume '%s': cannot allocate %" G_GUINT64_FORMAT
                                    " bytes", volname, len);
    if (!local_write_zeros(fd, offset, len, progress, total, &local)) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_WRITE_FAILED, "storage volume '%s': %s",
                    volname, local->message);
        return false;
    }
    return true;
}

/* btrfs: copy-on-write fragments VM images badly; libvirt turns it off on request. */
static void
local_disable_cow(int fd)
{
    int attr = 0;

    if (ioctl(fd, FS_IOC_GETFLAGS, &attr) < 0)
        return;
    attr |= FS_NOCOW_FL;
    if (ioctl(fd, FS_IOC_SETFLAGS, &attr) < 0)
        g_debug("cannot set the no-copy-on-write attribute: %s, ignoring", g_strerror(errno));
}

static int
local_open_pool_dir(const ProvStoragePool *pool, GError **error)
{
    const char *target = pool->def->target_path;
    int fd;

    if (!target) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INTERNAL_ERROR,
                    "storage pool '%s' has no target path", pool->def->name);
        return -1;
    }
    fd = open(target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                             "storage pool '%s': cannot open target path '%s'",
                             pool->def->name, target);
    return fd;
}

static bool
local_fsync_dir(int dirfd, const ProvStoragePool *pool, GError **error)
{
    if (fsync(dirfd) < 0 && errno != EINVAL)
        return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                    "storage pool '%s': cannot sync directory '%s'",
                                    pool->def->name, pool->def->target_path);
    return true;
}

/* Is flock(2) on @fd's filesystem a whole-file POSIX lock (NFS, CIFS/SMB)? */
static bool
local_fs_lock_emulated(int fd)
{
    struct statfs sfs;

    if (fstatfs(fd, &sfs) < 0)
        return false;
    return sfs.f_type == NFS_SUPER_MAGIC || sfs.f_type == SMB_SUPER_MAGIC ||
        (guint32)sfs.f_type == LOCAL_CIFS_MAGIC || (guint32)sfs.f_type == LOCAL_SMB2_MAGIC;
}

/* Operations on an existing volume need its path (set by create or refresh). */
static bool
local_check_path(const ProvVolDef *vol, GError **error)
{
    if (vol->target_path)
        return true;
    g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INTERNAL_ERROR,
                "storage volume '%s' has no target path", vol->name);
    return false;
}

/* ---- probing one entry ------------------------------------------------- */

/* Format and perms of a backing file, best effort (as libvirt: failures are not fatal). */
static void
local_fill_backing(ProvVolBacking *backing, ProvFileFormat header_format)
{
    PROV_AUTOCLOSE int fd = -1;
    struct stat st;
    ProvImageInfo info = { 0 };
    g_autoptr(GError) local = NULL;

    backing->format = header_format != PROV_FORMAT_NONE ? (int)header_format : -1;
    fd = open(backing->path, LOCAL_OPEN_FLAGS);
    if (fd < 0 || fstat(fd, &st) < 0) {
        g_debug("backing store '%s' is not accessible: %s", backing->path, g_strerror(errno));
        if (backing->format < 0)
            backing->format = PROV_FORMAT_RAW;
        return;
    }
    local_set_perms(&backing->perms, &st);
    local_set_timestamps(&backing->timestamps, &st);
    if (backing->format >= 0)
        return;
    /* The header did not say: probe, and call it raw when that fails too (libvirt). */
    if (S_ISREG(st.st_mode) &&
        prov_image_probe_fd(fd, st.st_size, backing->path, &info, &local))
        backing->format = info.format == PROV_FORMAT_LUKS ? PROV_FORMAT_RAW : info.format;
    else
        backing->format = PROV_FORMAT_RAW;
    prov_image_info_clear(&info);
}

static void
local_vol_reset_probed(ProvVolDef *vol)
{
    g_clear_pointer(&vol->compat, g_free);
    g_clear_pointer(&vol->backing.path, g_free);
    if (vol->backing.timestamps) {
        g_free(vol->backing.timestamps->atime);
        g_free(vol->backing.timestamps->mtime);
        g_free(vol->backing.timestamps->ctime);
        g_free(vol->backing.timestamps->btime);
        g_clear_pointer(&vol->backing.timestamps, g_free);
    }
    vol->backing.format = -1;
    vol->backing.perms.mode = (mode_t)-1;
    vol->backing.perms.uid = -1;
    vol->backing.perms.gid = -1;
    vol->cluster_size = 0;
    vol->lazy_refcounts = false;
    vol->extended_l2 = false;
    vol->has_features = false;
}

/*
 * Fill type, format, sizes, perms, timestamps and backing store of @vol from the
 * open @fd (-1 for a regular file known to hold no data).  Never fails: an
 * unreadable or corrupt header makes the volume raw, with a warning, so one bad
 * file does not take the pool down (it does in libvirt).
 */
static void
local_vol_fill(const char *pool_dir, const char *pool_name, ProvVolDef *vol, int fd,
               const struct stat *st)
{
    ProvImageInfo info = { 0 };
    g_autoptr(GError) local = NULL;

    local_vol_reset_probed(vol);
    local_set_perms(&vol->perms, st);
    local_set_timestamps(&vol->timestamps, st);
    vol->has_capacity = vol->has_allocation = vol->has_physical = true;

    if (S_ISDIR(st->st_mode)) {
        vol->type = PROV_VOL_DIR;
        vol->format = PROV_FORMAT_DIR;
        vol->capacity = vol->physical = st->st_size;
        vol->allocation = (guint64)st->st_blocks * 512;
        return;
    }
    if (S_ISBLK(st->st_mode)) {
        off_t end = lseek(fd, 0, SEEK_END);

        vol->type = PROV_VOL_BLOCK;
        vol->format = PROV_FORMAT_RAW;
        vol->capacity = vol->allocation = vol->physical = end > 0 ? (guint64)end : 0;
        return;
    }

    vol->type = PROV_VOL_FILE;
    vol->physical = st->st_size;
    vol->allocation = (guint64)st->st_blocks * 512;
    if (fd < 0) {
        /* No data at all (see local_scan_entry): raw. */
        vol->format = PROV_FORMAT_RAW;
        vol->capacity = st->st_size;
        return;
    }
    if (!prov_image_probe_fd(fd, st->st_size, vol->name, &info, &local)) {
        g_warning("storage pool '%s': volume '%s': %s; reporting it as raw, ignoring",
                  pool_name, vol->name, local->message);
        vol->format = PROV_FORMAT_RAW;
        vol->capacity = st->st_size;
        return;
    }
    vol->capacity = info.virtual_size;
    vol->format = info.format;
    if (info.format == PROV_FORMAT_LUKS || info.encrypted) {
        /* libvirt shows a LUKS container as raw + <encryption format='luks'/>. */
        if (!vol->encryption) {
            vol->encryption = g_new0(ProvVolEncryption, 1);
            /* The probe does not tell AES from LUKS in qcow2; AES is legacy. */
            vol->encryption->format =
                g_strdup(info.format == PROV_FORMAT_QCOW ? "qcow" : "luks");
        }
        if (info.format == PROV_FORMAT_LUKS)
            vol->format = PROV_FORMAT_RAW;
    }
    if (info.format == PROV_FORMAT_QCOW2) {
        vol->compat = g_strdup(info.compat);
        vol->cluster_size = info.cluster_size;
        vol->lazy_refcounts = info.lazy_refcounts;
        vol->extended_l2 = info.extended_l2;
        vol->has_features = info.compat && !g_str_equal(info.compat, "0.10");
    }
    if (info.backing_path) {
        /* QEMU resolves a relative backing name against the image's directory. */
        vol->backing.path = g_canonicalize_filename(info.backing_path, pool_dir);
        local_fill_backing(&vol->backing, info.backing_format);
    }
    prov_image_info_clear(&info);
}

/* ---- pool refresh ------------------------------------------------------- */

typedef struct {
    char *name;
    unsigned char d_type;
} LocalEntry;

static void
local_entry_free(LocalEntry *ent)
{
    if (!ent)
        return;
    g_free(ent->name);
    g_free(ent);
}

static gint
local_entry_cmp(gconstpointer a, gconstpointer b)
{
    const LocalEntry *ea = *(const LocalEntry *const *)a;
    const LocalEntry *eb = *(const LocalEntry *const *)b;

    return g_strcmp0(ea->name, eb->name);
}

typedef struct {
    int dirfd;
    const char *pool_name;
    const char *target;
    char *real_target;          /* realpath of the target + "/" */
    bool lock_emulated;         /* see LOCAL_STALE_SECONDS */
} LocalScan;

/*
 * Does the symlink we just opened lead to a file inside the pool directory?
 * /proc/self/fd names what was really opened, so a link swapped between the
 * check and the open cannot fool it.
 */
static bool
local_fd_inside_pool(const LocalScan *scan, int fd, const char *name)
{
    char procpath[64];
    char buf[PATH_MAX + 1];
    ssize_t n;

    g_snprintf(procpath, sizeof(procpath), "/proc/self/fd/%d", fd);
    n = readlink(procpath, buf, sizeof(buf) - 1);
    if (n < 0) {
        /* No /proc: resolve the link by name and make sure it is the file we hold. */
        g_autofree char *full = g_build_filename(scan->target, name, NULL);
        g_autofree char *real = realpath(full, NULL);
        struct stat st_fd;
        struct stat st_real;

        if (!real || fstat(fd, &st_fd) < 0 || stat(real, &st_real) < 0 ||
            st_fd.st_dev != st_real.st_dev || st_fd.st_ino != st_real.st_ino)
            return false;
        return g_str_has_prefix(real, scan->real_target);
    }
    buf[n] = '\0';
    return g_str_has_prefix(buf, scan->real_target);
}

/* Files this small may keep their data in the inode (ext4 inline_data) with no block. */
#define LOCAL_INLINE_DATA_MAX 4096

static ProvVolDef *
local_scan_new_vol(const LocalScan *scan, const LocalEntry *ent, int fd, const struct stat *st)
{
    ProvVolDef *vol = prov_vol_def_new();

    vol->name = g_strdup(ent->name);
    vol->target_path = g_build_filename(scan->target, ent->name, NULL);
    vol->key = g_strdup(vol->target_path);
    local_vol_fill(scan->target, scan->pool_name, vol, fd, st);
    return vol;
}

static ProvVolDef *
local_scan_entry(const LocalScan *scan, const LocalEntry *ent)
{
    PROV_AUTOCLOSE int fd = -1;
    g_autoptr(ProvVolDef) vol = NULL;
    struct stat st;
    bool symlink = false;

    /* Known not to be volumes from the directory entry alone: no open, no stat. */
    if (ent->d_type == DT_FIFO || ent->d_type == DT_SOCK || ent->d_type == DT_CHR)
        return NULL;

    /*
     * Fast path for plain files, the bulk of any pool: one fstatat.  A file
     * with no allocated block past the first (st_blocks == 0, larger than any
     * inline data can be) reads as zeros, so it has no header: a sparse raw
     * volume, known without opening it.  Others are opened without following
     * links; the stat we have stays valid for what we read.
     */
    if ((ent->d_type == DT_REG || ent->d_type == DT_UNKNOWN) &&
        fstatat(scan->dirfd, ent->name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISREG(st.st_mode)) {
        if (st.st_blocks == 0 && st.st_size > LOCAL_INLINE_DATA_MAX)
            return local_scan_new_vol(scan, ent, -1, &st);
        fd = openat(scan->dirfd, ent->name, LOCAL_OPEN_FLAGS | O_NOFOLLOW);
        if (fd >= 0)
            return local_scan_new_vol(scan, ent, fd, &st);
    }

    fd = openat(scan->dirfd, ent->name, LOCAL_OPEN_FLAGS | O_NOFOLLOW);
    if (fd < 0 && errno == ELOOP) {
        symlink = true;
        fd = openat(scan->dirfd, ent->name, LOCAL_OPEN_FLAGS);
    }
    if (fd < 0) {
        if (errno == ENOENT || errno == ENXIO || errno == ELOOP)
            g_debug("storage pool '%s': skipping '%s': %s", scan->pool_name, ent->name,
                    g_strerror(errno));
        else
            g_warning("storage pool '%s': cannot open '%s': %s, ignoring", scan->pool_name,
                      ent->name, g_strerror(errno));
        return NULL;
    }
    if (symlink && !local_fd_inside_pool(scan, fd, ent->name)) {
        g_debug("storage pool '%s': skipping '%s': symbolic link to outside the pool",
                scan->pool_name, ent->name);
        return NULL;
    }
    if (fstat(fd, &st) < 0) {
        g_warning("storage pool '%s': cannot stat '%s': %s, ignoring", scan->pool_name,
                  ent->name, g_strerror(errno));
        return NULL;
    }
    if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode) && !S_ISBLK(st.st_mode))
        return NULL;

    return local_scan_new_vol(scan, ent, fd, &st);
}

typedef struct {
    const LocalScan *scan;
    GPtrArray *entries;
    ProvVolDef **results;
    guint start;
    guint end;
} LocalScanSlice;

static gpointer
local_scan_slice(gpointer data)
{
    LocalScanSlice *slice = data;
    guint i;

    for (i = slice->start; i < slice->end; i++)
        slice->results[i] = local_scan_entry(slice->scan, slice->entries->pdata[i]);
    return NULL;
}

/*
 * A temp file whose creator is gone (its flock is free) is removed.  The creator
 * takes the lock right after creating the file and re-checks st_nlink, so a file
 * removed here in that instant is noticed and the creator retries.
 */
static void
local_remove_stale_temp(const LocalScan *scan, const LocalEntry *ent)
{
    PROV_AUTOCLOSE int fd = -1;
    struct stat st_fd;
    struct stat st_name;

    fd = openat(scan->dirfd, ent->name, LOCAL_OPEN_FLAGS | O_NOFOLLOW);
    if (fd < 0 || fstat(fd, &st_fd) < 0)
        return;
    if (scan->lock_emulated && time(NULL) - st_fd.st_mtime < LOCAL_STALE_SECONDS) {
        g_debug("storage pool '%s': '%s' was written recently, keeping it", scan->pool_name,
                ent->name);
        return;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        g_debug("storage pool '%s': '%s' is being written, skipping", scan->pool_name,
                ent->name);
        return;
    }
    if (fstatat(scan->dirfd, ent->name, &st_name, AT_SYMLINK_NOFOLLOW) < 0 ||
        st_fd.st_dev != st_name.st_dev || st_fd.st_ino != st_name.st_ino)
        return;
    if (unlinkat(scan->dirfd, ent->name, S_ISDIR(st_fd.st_mode) ? AT_REMOVEDIR : 0) < 0)
        g_debug("storage pool '%s': cannot remove stale '%s': %s, ignoring", scan->pool_name,
                ent->name, g_strerror(errno));
    else
        g_debug("storage pool '%s': removed stale temporary file '%s'", scan->pool_name,
                ent->name);
}

static GPtrArray *
local_list_entries(const ProvStoragePool *pool, const LocalScan *scan, GError **error)
{
    g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func(
        (GDestroyNotify)local_entry_free);
    PROV_AUTOCLOSE int fd = dup(scan->dirfd);
    DIR *dir = NULL;
    struct dirent *de;

    if (fd < 0 || !(dir = fdopendir(fd))) {
        prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                             "storage pool '%s': cannot read directory '%s'",
                             pool->def->name, scan->target);
        return NULL;
    }
    prov_steal_fd(&fd);
    for (errno = 0; (de = readdir(dir)); errno = 0) {
        LocalEntry *ent;

        if (g_str_equal(de->d_name, ".") || g_str_equal(de->d_name, ".."))
            continue;
        if (local_name_has_control_chars(de->d_name)) {
            g_autofree char *shown = g_strescape(de->d_name, NULL);

            g_warning("storage pool '%s': skipping '%s': name contains control characters, "
                      "ignoring", pool->def->name, shown);
            continue;
        }
        ent = g_new0(LocalEntry, 1);
        ent->name = g_strdup(de->d_name);
        ent->d_type = de->d_type;
        if (g_str_has_prefix(ent->name, PROV_LOCAL_TEMP_PREFIX)) {
            local_remove_stale_temp(scan, ent);
            local_entry_free(ent);
            continue;
        }
        g_ptr_array_add(entries, ent);
    }
    if (errno) {
        int saved = errno;

        closedir(dir);
        prov_error_set_errno(error, PROV_STORAGE_ERROR, saved,
                             "storage pool '%s': cannot read directory '%s'",
                             pool->def->name, scan->target);
        return NULL;
    }
    closedir(dir);
    g_ptr_array_sort(entries, local_entry_cmp);
    return g_steal_pointer(&entries);
}

/* libvirt's numbers: available is f_bfree (not f_bavail), allocation the rest. */
static void
local_set_usage(ProvPoolDef *def, const struct statvfs *sv)
{
    def->capacity = (guint64)sv->f_frsize * sv->f_blocks;
    def->available = (guint64)sv->f_frsize * sv->f_bfree;
    def->allocation = def->capacity - def->available;
}

/* Open the pool directory and fill @scan; returns the dir fd (owned by the caller). */
static int
local_scan_begin(const ProvStoragePool *pool, LocalScan *scan, struct stat *ret_st,
                 struct statvfs *ret_sv, GError **error)
{
    PROV_AUTOCLOSE int dirfd = -1;
    g_autofree char *real = NULL;

    if ((dirfd = local_open_pool_dir(pool, error)) < 0)
        return -1;
    if (fstat(dirfd, ret_st) < 0 || fstatvfs(dirfd, ret_sv) < 0) {
        prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                             "storage pool '%s': cannot stat target path '%s'",
                             pool->def->name, pool->def->target_path);
        return -1;
    }
    if (!(real = realpath(pool->def->target_path, NULL))) {
        prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                             "storage pool '%s': cannot resolve target path '%s'",
                             pool->def->name, pool->def->target_path);
        return -1;
    }
    scan->dirfd = dirfd;
    scan->pool_name = pool->def->name;
    scan->target = pool->def->target_path;
    scan->real_target = g_str_equal(real, "/") ? g_strdup("/") : g_strconcat(real, "/", NULL);
    scan->lock_emulated = local_fs_lock_emulated(dirfd);
    return prov_steal_fd(&dirfd);
}

/* Entries of the directory that are never volumes, whatever they hold. */
static bool
local_name_is_candidate(const char *name)
{
    return !g_str_equal(name, ".") && !g_str_equal(name, "..") && !strchr(name, '/') &&
           *name && !local_name_has_control_chars(name) &&
           !g_str_has_prefix(name, PROV_LOCAL_TEMP_PREFIX);
}

/**
 * prov_local_vol_lookup:
 * @name: volume name as listed (any bytes but '/' and control characters)
 * @ret_vol: (out): the probed volume, or NULL when there is none by that name
 *
 * One volume without reading the whole directory, by exactly the rules of a
 * refresh: our temp files, FIFOs, sockets, dangling links and links leading out
 * of the pool are "no such volume".
 */
bool
prov_local_vol_lookup(ProvStoragePool *pool, const char *name, ProvVolDef **ret_vol,
                      GError **error)
{
    PROV_AUTOCLOSE int dirfd = -1;
    LocalScan scan = { 0 };
    LocalEntry ent = { .name = (char *)name, .d_type = DT_UNKNOWN };
    struct statvfs sv;
    struct stat st;

    *ret_vol = NULL;
    if (!local_name_is_candidate(name))
        return true;
    if ((dirfd = local_scan_begin(pool, &scan, &st, &sv, error)) < 0)
        return false;
    *ret_vol = local_scan_entry(&scan, &ent);
    g_free(scan.real_target);
    return true;
}

/* Cheap pool usage: one statvfs of the target. */
bool
prov_local_pool_usage(ProvStoragePool *pool, GError **error)
{
    struct statvfs sv;

    if (statvfs(pool->def->target_path, &sv) < 0)
        return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                    "storage pool '%s': cannot statvfs '%s'",
                                    pool->def->name, pool->def->target_path);
    local_set_usage(pool->def, &sv);
    return true;
}

/**
 * prov_local_pool_refresh:
 * @pool: the pool; pool->vols is replaced on success
 *
 * One readdir, then per entry one openat + fstat + header pread (symlinks are
 * followed only to files inside the pool).  Volumes come out sorted by name.
 * Large directories are scanned by two threads.  Returns false with @error set
 * when the directory itself cannot be read.
 */
bool
prov_local_pool_refresh(ProvStoragePool *pool, GError **error)
{
    PROV_AUTOCLOSE int dirfd = -1;
    g_autoptr(GPtrArray) entries = NULL;
    g_autofree ProvVolDef **results = NULL;
    LocalScan scan = { 0 };
    LocalScanSlice slices[LOCAL_SCAN_THREADS];
    GThread *threads[LOCAL_SCAN_THREADS] = { NULL };
    struct statvfs sv;
    struct stat st;
    guint nthreads = 1;
    guint i;

    if ((dirfd = local_scan_begin(pool, &scan, &st, &sv, error)) < 0)
        return false;
    if (!(entries = local_list_entries(pool, &scan, error))) {
        g_free(scan.real_target);
        return false;
    }

    /*
     * Per entry the work is a few syscalls and a small parse, nearly all of it
     * kernel time that scales with cores: on 20,000 files (2 cores, warm cache)
     * one thread took ~330 ms and two ~185 ms.
     */
    results = g_new0(ProvVolDef *, entries->len + 1);
    if (entries->len >= LOCAL_PARALLEL_MIN_ENTRIES)
        nthreads = LOCAL_SCAN_THREADS;
    for (i = 0; i < nthreads; i++) {
        slices[i].scan = &scan;
        slices[i].entries = entries;
        slices[i].results = results;
        slices[i].start = entries->len * i / nthreads;
        slices[i].end = entries->len * (i + 1) / nthreads;
    }
    for (i = 1; i < nthreads; i++)
        threads[i] = g_thread_new("prov-refresh", local_scan_slice, &slices[i]);
    local_scan_slice(&slices[0]);
    for (i = 1; i < nthreads; i++)
        g_thread_join(threads[i]);
    g_free(scan.real_target);

    if (!pool->vols)
        pool->vols = g_ptr_array_new_with_free_func((GDestroyNotify)prov_vol_def_free);
    g_ptr_array_set_size(pool->vols, 0);
    for (i = 0; i < entries->len; i++)
        if (results[i])
            g_ptr_array_add(pool->vols, results[i]);

    local_set_usage(pool->def, &sv);
    local_set_perms(&pool->def->target_perms, &st);
    return true;
}

/**
 * prov_local_vol_refresh:
 * @vol: volume with target_path set; its probed fields are rewritten
 *
 * Re-stat and re-probe one volume.  PROV_ERR_NO_STORAGE_VOL when the file is gone.
 */
bool
prov_local_vol_refresh(ProvStoragePool *pool, ProvVolDef *vol, GError **error)
{
    PROV_AUTOCLOSE int fd = -1;
    struct stat st;

    if (!local_check_path(vol, error))
        return false;
    fd = open(vol->target_path, LOCAL_OPEN_FLAGS);
    if (fd < 0 && errno == ENOENT) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_NO_STORAGE_VOL,
                    "storage volume '%s': '%s' no longer exists", vol->name, vol->target_path);
        return false;
    }
    if (fd < 0 || fstat(fd, &st) < 0)
        return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                    "storage volume '%s': cannot open '%s'", vol->name,
                                    vol->target_path);
    if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode) && !S_ISBLK(st.st_mode)) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INVALID_STORAGE_VOL,
                    "storage volume '%s': '%s' is neither a file, a directory nor a block "
                    "device", vol->name, vol->target_path);
        return false;
    }
    local_vol_fill(pool->def->target_path, pool->def->name, vol, fd, &st);
    return true;
}

/* ---- qemu-img command lines ------------------------------------------- */

/* QEMU option values: a comma is written as two commas. */
static void
local_append_escaped(GString *buf, const char *value)
{
    const char *p;

    for (p = value; *p; p++) {
        if (*p == ',')
            g_string_append_c(buf, ',');
        g_string_append_c(buf, *p);
    }
}

static bool
local_enc_is_luks(const ProvVolEncryption *enc)
{
    return enc && g_strcmp0(enc->format, "luks") == 0;
}

static bool
local_add_secret_object(ProvCommand *cmd, const ProvVolDef *vol, const char *secret_path,
                        const char *alias, GError **error)
{
    g_autoptr(GString) obj = NULL;

    if (!secret_path) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INTERNAL_ERROR,
                    "storage volume '%s': the path to the secret data file is required",
                    vol->name);
        return false;
    }
    obj = g_string_new(NULL);
    g_string_append_printf(obj, "secret,id=%s,file=", alias);
    local_append_escaped(obj, secret_path);
    prov_command_add_args(cmd, "--object", obj->str, NULL);
    return true;
}

static bool
local_check_encryption(int fmt, const ProvVolDef *vol, GError **error)
{
    const ProvVolEncryption *enc = vol->encryption;

    if (fmt == PROV_FORMAT_QCOW || fmt == PROV_FORMAT_QCOW2) {
        if (!enc->format || g_str_equal(enc->format, "default") ||
            g_str_equal(enc->format, "qcow")) {
            g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                        "storage volume '%s': creation of qcow2 encrypted image is not "
                        "supported", vol->name);
            return false;
        }
        if (fmt == PROV_FORMAT_QCOW || !local_enc_is_luks(enc)) {
            g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                        "storage volume '%s': encryption format '%s' is not supported with "
                        "format '%s'", vol->name, enc->format, prov_file_format_to_string(fmt));
            return false;
        }
    } else if (fmt != PROV_FORMAT_RAW) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "storage volume '%s': encryption is not supported with format '%s'",
                    vol->name, prov_file_format_to_string(fmt));
        return false;
    }
    if (!enc->secret_uuid && !enc->secret_usage) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_XML_DETAIL,
                    "storage volume '%s': luks encryption needs a <secret>", vol->name);
        return false;
    }
    return true;
}

/* The -o list, in libvirt's order. */
static bool
local_qemu_img_options(const ProvVolDef *vol, int fmt, const char *backing_path,
                       const char *backing_fmt, const char *alias, bool preallocate,
                       GString *opts, GError **error)
{
    const ProvVolEncryption *enc = vol->encryption;
    const char *pfx = fmt == PROV_FORMAT_QCOW2 ? "encrypt." : "";
    bool v2 = g_strcmp0(vol->compat, "0.10") == 0;

    if (backing_path)
        g_string_append_printf(opts, "backing_fmt=%s,", backing_fmt);
    if (enc && (fmt == PROV_FORMAT_RAW || fmt == PROV_FORMAT_QCOW2)) {
        if (fmt == PROV_FORMAT_QCOW2)
            g_string_append(opts, "encrypt.format=luks,");
        g_string_append_printf(opts, "%skey-secret=%s,", pfx, alias);
        if (enc->has_cipher && enc->cipher.name) {
            g_string_append_printf(opts, "%scipher-alg=", pfx);
            local_append_escaped(opts, enc->cipher.name);
            g_string_append_printf(opts, "-%u,", enc->cipher.size);
            if (enc->cipher.mode) {
                g_string_append_printf(opts, "%scipher-mode=", pfx);
                local_append_escaped(opts, enc->cipher.mode);
                g_string_append_c(opts, ',');
            }
            if (enc->cipher.hash) {
                g_string_append_printf(opts, "%shash-alg=", pfx);
                local_append_escaped(opts, enc->cipher.hash);
                g_string_append_c(opts, ',');
            }
        }
        if (enc->has_ivgen && enc->ivgen.name) {
            g_string_append_printf(opts, "%sivgen-alg=", pfx);
            local_append_escaped(opts, enc->ivgen.name);
            g_string_append_c(opts, ',');
            if (enc->ivgen.hash) {
                g_string_append_printf(opts, "%sivgen-hash-alg=", pfx);
                local_append_escaped(opts, enc->ivgen.hash);
                g_string_append_c(opts, ',');
            }
        }
    }
    if (preallocate)
        g_string_append(opts, vol->capacity > local_wanted_allocation(vol) ?
                        "preallocation=metadata," : "preallocation=falloc,");
    if (vol->nocow)
        g_string_append(opts, "nocow=on,");
    if (vol->compat)
        g_string_append_printf(opts, "compat=%s,", vol->compat);
    else if (fmt == PROV_FORMAT_QCOW2)
        g_string_append(opts, "compat=1.1,");
    if (vol->cluster_size)
        g_string_append_printf(opts, "cluster_size=%" G_GUINT64_FORMAT ",", vol->cluster_size);
    if (fmt == PROV_FORMAT_QCOW2 && vol->lazy_refcounts) {
        if (v2) {
            g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                        "storage volume '%s': lazy_refcounts not supported with compat "
                        "level 0.10", vol->name);
            return false;
        }
        g_string_append(opts, "lazy_refcounts,");
    }
    if (fmt == PROV_FORMAT_QCOW2 && vol->extended_l2) {
        if (v2) {
            g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                        "storage volume '%s': extended_l2 not supported with compat "
                        "level 0.10", vol->name);
            return false;
        }
        g_string_append(opts, "extended_l2=on,");
    }
    if (opts->len)
        g_string_truncate(opts, opts->len - 1);
    return true;
}

/* "driver=qcow2,file.filename=/p[,encrypt.key-secret=alias]" for --image-opts. */
static char *
local_image_opts(const char *driver, const char *path, int fmt, const char *alias)
{
    g_autoptr(GString) s = g_string_new(NULL);

    g_string_append_printf(s, "driver=%s,file.filename=", driver);
    local_append_escaped(s, path);
    if (alias)
        g_string_append_printf(s, ",%skey-secret=%s",
                               fmt == PROV_FORMAT_QCOW2 ? "encrypt." : "", alias);
    return g_string_free(g_steal_pointer(&s), FALSE);
}

static ProvCommand *
local_qemu_img_command(const ProvPoolDef *pool, const ProvVolDef *vol, const char *out_path,
                       const ProvVolDef *input, unsigned int flags, ProvQemuImgStep step,
                       const char *secret_path, const char *input_secret_path,
                       GError **error)
{
    int fmt = local_normalized_format(vol);
    int in_fmt = input ? local_normalized_format(input) : -1;
    const char *type = prov_file_format_to_string(fmt);
    const char *in_fmt_str = input ? prov_file_format_to_string(in_fmt) : NULL;
    const char *in_type = in_fmt_str;
    const ProvVolEncryption *enc = vol->encryption;
    const ProvVolEncryption *inenc = input ? input->encryption : NULL;
    bool preallocate = flags & PROV_VOL_CREATE_PREALLOC_METADATA;
    bool features = vol->has_features || vol->lazy_refcounts || vol->extended_l2;
    const char *backing_path = NULL;
    const char *backing_fmt = NULL;
    guint64 size_k = vol->capacity / 1024 + (vol->capacity % 1024 ? 1 : 0);
    g_autofree char *alias = NULL;
    g_autofree char *in_alias = NULL;
    g_autoptr(ProvCommand) cmd = NULL;
    g_autoptr(GString) opts = g_string_new(NULL);

    if (!type || (input && !in_fmt_str)) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INTERNAL_ERROR,
                    "storage volume '%s': unknown format %d", vol->name, input ? in_fmt : fmt);
        return NULL;
    }
    if (step != PROV_QEMU_IMG_STEP_ONLY && !input) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INTERNAL_ERROR,
                    "storage volume '%s': a two-step convert needs an input volume",
                    vol->name);
        return NULL;
    }
    if (preallocate && fmt != PROV_FORMAT_QCOW2) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_UNSUPPORTED,
                    "storage volume '%s': metadata preallocation only available with qcow2",
                    vol->name);
        return NULL;
    }
    if (vol->compat && fmt != PROV_FORMAT_QCOW2) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "storage volume '%s': compatibility option only available with qcow2",
                    vol->name);
        return NULL;
    }
    if (features && fmt != PROV_FORMAT_QCOW2) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "storage volume '%s': format features only available with qcow2",
                    vol->name);
        return NULL;
    }
    if (fmt == PROV_FORMAT_RAW && enc) {
        if (!local_enc_is_luks(enc)) {
            g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                        "storage volume '%s': only luks encryption is supported for raw "
                        "files", vol->name);
            return NULL;
        }
        type = "luks";
    }
    if (input) {
        if (!input->target_path) {
            g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INTERNAL_ERROR,
                        "storage volume '%s': missing input volume target path", input->name);
            return NULL;
        }
        if (in_fmt == PROV_FORMAT_RAW && local_enc_is_luks(inenc))
            in_type = "luks";
    }
    if (vol->backing.path) {
        g_autofree char *abs = NULL;
        int bfmt = vol->backing.format >= 0 ? vol->backing.format :
            prov_vol_format_default(pool->type);

        if (fmt == PROV_FORMAT_RAW) {
            g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INVALID_ARG,
                        "storage volume '%s': cannot set backing store for raw volume",
                        vol->name);
            return NULL;
        }
        if (preallocate) {
            g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INVALID_ARG,
                        "storage volume '%s': metadata preallocation conflicts with backing "
                        "store", vol->name);
            return NULL;
        }
        if (input && input->backing.path &&
            !g_str_equal(input->backing.path, vol->backing.path)) {
            g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INTERNAL_ERROR,
                        "storage volume '%s': a different backing store cannot be specified",
                        vol->name);
            return NULL;
        }
        if (!(backing_fmt = prov_file_format_to_string(bfmt < 0 ? PROV_FORMAT_RAW : bfmt))) {
            g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INTERNAL_ERROR,
                        "storage volume '%s': unknown backing store format %d", vol->name,
                        bfmt);
            return NULL;
        }
        abs = g_canonicalize_filename(vol->backing.path, pool->target_path);
        if (access(abs, R_OK) < 0) {
            prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                 "storage volume '%s': inaccessible backing store volume '%s'",
                                 vol->name, vol->backing.path);
            return NULL;
        }
        backing_path = vol->backing.path;
    }
    if (enc && !local_check_encryption(fmt, vol, error))
        return NULL;

    /* A convert (and the create before a two-step convert) ignores the backing store. */
    if (input)
        backing_path = NULL;

    cmd = prov_command_new(QEMU_IMG);
    if (input && step == PROV_QEMU_IMG_STEP_ONLY)
        prov_command_add_args(cmd, "convert", "-f", in_fmt_str, "-O", type, NULL);
    else if (step == PROV_QEMU_IMG_STEP_ENCRYPT_CONVERT)
        prov_command_add_args(cmd, "convert", "--image-opts", "-n", "--target-image-opts",
                              NULL);
    else
        prov_command_add_args(cmd, "create", "-f", type, NULL);
    if (backing_path)
        prov_command_add_args(cmd, "-b", backing_path, NULL);
    if (enc) {
        alias = g_strdup_printf("%s_encrypt0", vol->name);
        if (!local_add_secret_object(cmd, vol, secret_path, alias, error))
            return NULL;
    }
    if (inenc && step == PROV_QEMU_IMG_STEP_ENCRYPT_CONVERT) {
        in_alias = g_strdup_printf("%s_encrypt0", input->name);
        if (!local_add_secret_object(cmd, input, input_secret_path, in_alias, error))
            return NULL;
    }

    if (step == PROV_QEMU_IMG_STEP_ENCRYPT_CONVERT) {
        g_autofree char *src = local_image_opts(in_type, input->target_path, in_fmt, in_alias);
        g_autofree char *dst = local_image_opts(type, out_path, fmt, alias);

        prov_command_add_args(cmd, src, dst, NULL);
        return g_steal_pointer(&cmd);
    }
    if (!local_qemu_img_options(vol, fmt, backing_path, backing_fmt, alias, preallocate, opts,
                                error))
        return NULL;
    if (opts->len)
        prov_command_add_args(cmd, "-o", opts->str, NULL);
    if (input && step == PROV_QEMU_IMG_STEP_ONLY) {
        prov_command_add_args(cmd, input->target_path, out_path, NULL);
        return g_steal_pointer(&cmd);
    }
    prov_command_add_arg(cmd, out_path);
    /* qemu-img takes the size from the backing file when none is given. */
    if (size_k || !backing_path)
        prov_command_add_arg_format(cmd, "%" G_GUINT64_FORMAT "K", size_k);
    return g_steal_pointer(&cmd);
}

/**
 * prov_qemu_img_needs_two_steps:
 *
 * True when converting @input into @vol involves encryption on either side:
 * libvirt then creates the target first and converts into it with --image-opts.
 */
bool
prov_qemu_img_needs_two_steps(const ProvVolDef *vol, const ProvVolDef *input)
{
    return input && (vol->encryption || input->encryption);
}

ProvCommand *
prov_qemu_img_step_command(const ProvPoolDef *pool, const ProvVolDef *vol,
                           const ProvVolDef *input, unsigned int flags, ProvQemuImgStep step,
                           const char *secret_path, const char *input_secret_path,
                           GError **error)
{
    return local_qemu_img_command(pool, vol, vol->target_path, input, flags, step,
                                  secret_path, input_secret_path, error);
}

ProvCommand *
prov_qemu_img_create_command(const ProvPoolDef *pool, const ProvVolDef *vol,
                             const ProvVolDef *input, unsigned int flags,
                             const char *secret_path, const char *input_secret_path,
                             GError **error)
{
    ProvQemuImgStep step = prov_qemu_img_needs_two_steps(vol, input) ?
        PROV_QEMU_IMG_STEP_ENCRYPT_CREATE : PROV_QEMU_IMG_STEP_ONLY;

    return prov_qemu_img_step_command(pool, vol, input, flags, step, secret_path,
                                      input_secret_path, error);
}

static bool
local_run_long(ProvCommand *cmd, GError **error)
{
    prov_command_set_timeout(cmd, LOCAL_LONG_TIMEOUT_MS);
    return prov_command_run(cmd, NULL, NULL, error);
}

/* ---- define step ------------------------------------------------------- */

static bool
local_cluster_size_valid(guint64 size)
{
    return size >= 512 && size <= 2 * 1024 * 1024 && (size & (size - 1)) == 0;
}

/* Probe @path (relative to the pool dir) for its format and virtual size. */
static bool
local_probe_path(const char *path, const char *volname, ProvImageInfo *info, GError **error)
{
    PROV_AUTOCLOSE int fd = open(path, LOCAL_OPEN_FLAGS);
    struct stat st;

    if (fd < 0 || fstat(fd, &st) < 0)
        return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                    "storage volume '%s': cannot open '%s'", volname, path);
    if (S_ISBLK(st.st_mode)) {
        off_t end = lseek(fd, 0, SEEK_END);

        info->format = PROV_FORMAT_RAW;
        info->virtual_size = end > 0 ? (guint64)end : 0;
        return true;
    }
    return prov_image_probe_fd(fd, st.st_size, path, info, error);
}

/**
 * prov_local_vol_create:
 *
 * The define step: checks the name and the options the way libvirt does, sets
 * target_path = key = "<target>/<name>", the type from the format (raw by default)
 * and, for a backing store whose format is not given, the probed format (so a
 * qcow2 base is never recorded as raw).  Allocates nothing.
 */
bool
prov_local_vol_create(ProvStoragePool *pool, ProvVolDef *vol, GError **error)
{
    const char *target = pool->def->target_path;
    g_autofree char *path = NULL;
    struct stat st;
    bool v2;

    if (!prov_object_name_validate("storage volume", vol->name, error))
        return false;
    if (g_str_has_prefix(vol->name, PROV_LOCAL_TEMP_PREFIX)) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INVALID_ARG,
                    "storage volume name '%s' must not start with '%s' (reserved for "
                    "volumes being created)", vol->name, PROV_LOCAL_TEMP_PREFIX);
        return false;
    }
    if (!target) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INTERNAL_ERROR,
                    "storage pool '%s' has no target path", pool->def->name);
        return false;
    }
    if (vol->format < 0 || vol->format == PROV_FORMAT_NONE)
        vol->format = PROV_FORMAT_RAW;
    if (vol->format == PROV_FORMAT_PLOOP) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_NO_SUPPORT,
                    "storage volume '%s': format 'ploop' is not supported", vol->name);
        return false;
    }

    path = g_build_filename(target, vol->name, NULL);
    if (lstat(path, &st) == 0) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_STORAGE_VOL_EXIST,
                    "storage volume '%s' already exists", vol->name);
        return false;
    }
    if (errno != ENOENT)
        return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                    "storage volume '%s': cannot check '%s'", vol->name, path);

    v2 = g_strcmp0(vol->compat, "0.10") == 0;
    if (vol->format != PROV_FORMAT_QCOW2) {
        if (vol->compat) {
            g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                        "storage volume '%s': compatibility option only available with qcow2",
                        vol->name);
            return false;
        }
        if (vol->has_features || vol->lazy_refcounts || vol->extended_l2) {
            g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                        "storage volume '%s': format features only available with qcow2",
                        vol->name);
            return false;
        }
    } else {
        if (vol->compat && !v2 && !g_str_equal(vol->compat, "1.1")) {
            g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                        "storage volume '%s': unsupported qcow2 compat level '%s' (use 0.10 "
                        "or 1.1)", vol->name, vol->compat);
            return false;
        }
        if (v2 && (vol->lazy_refcounts || vol->extended_l2)) {
            g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                        "storage volume '%s': %s not supported with compat level 0.10",
                        vol->name, vol->lazy_refcounts ? "lazy_refcounts" : "extended_l2");
            return false;
        }
    }
    if (vol->cluster_size &&
        (!local_cluster_size_valid(vol->cluster_size) ||
         (vol->format != PROV_FORMAT_QCOW2 && vol->format != PROV_FORMAT_QED))) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "storage volume '%s': cluster size %" G_GUINT64_FORMAT " is invalid for "
                    "format '%s'", vol->name, vol->cluster_size,
                    prov_file_format_to_string(vol->format));
        return false;
    }
    if (vol->encryption) {
        if (vol->format == PROV_FORMAT_QCOW2 || vol->format == PROV_FORMAT_QCOW)
            if (!local_check_encryption(vol->format, vol, error))
                return false;
        /* Creating a LUKS volume needs the secret's value, and provd has no secret store. */
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "storage volume '%s': creating encrypted volumes is not supported",
                    vol->name);
        return false;
    }
    if (vol->backing.path) {
        g_autofree char *abs = NULL;

        if (vol->format == PROV_FORMAT_RAW || vol->format == PROV_FORMAT_ISO ||
            vol->format == PROV_FORMAT_DIR) {
            g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INVALID_ARG,
                        "storage volume '%s': cannot set backing store for %s volume",
                        vol->name, prov_file_format_to_string(vol->format));
            return false;
        }
        abs = g_canonicalize_filename(vol->backing.path, target);
        if (access(abs, R_OK) < 0)
            return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                        "storage volume '%s': inaccessible backing store "
                                        "volume '%s'", vol->name, vol->backing.path);
        if (vol->backing.format < 0 || vol->backing.format == PROV_FORMAT_NONE) {
            ProvImageInfo info = { 0 };
            g_autoptr(GError) local = NULL;

            if (local_probe_path(abs, vol->name, &info, &local))
                vol->backing.format =
                    info.format == PROV_FORMAT_LUKS ? PROV_FORMAT_RAW : info.format;
            else
                vol->backing.format = PROV_FORMAT_RAW;
            prov_image_info_clear(&info);
        }
    }

    g_free(vol->target_path);
    g_free(vol->key);
    vol->target_path = g_steal_pointer(&path);
    vol->key = g_strdup(vol->target_path);
    vol->type = vol->format == PROV_FORMAT_DIR ? PROV_VOL_DIR : PROV_VOL_FILE;
    return true;
}

/* ---- temp file + publish ------------------------------------------------ */

typedef struct {
    const ProvStoragePool *pool;
    const char *volname;
    int dirfd;
    int fd;              /* the temp file or directory, flocked by us */
    char *name;          /* its name in the pool dir, NULL once published */
    char *path;
    bool is_dir;
    bool lock_emulated;  /* NFS/CIFS: flock would conflict with qemu-img's locks */
} LocalTemp;

static void
local_temp_clear(LocalTemp *tmp)
{
    if (tmp->name) {
        if (unlinkat(tmp->dirfd, tmp->name, tmp->is_dir ? AT_REMOVEDIR : 0) < 0 &&
            errno != ENOENT)
            g_debug("cannot remove '%s': %s, ignoring", tmp->path, g_strerror(errno));
    }
    prov_close_fdp(&tmp->fd);
    prov_close_fdp(&tmp->dirfd);
    g_clear_pointer(&tmp->name, g_free);
    g_clear_pointer(&tmp->path, g_free);
}

/*
 * Create "<dir>/.provd-tmp-<name>.<random>" with O_EXCL and hold an flock on it
 * while we work.  A refresh that finds such a file unlocked removes it as the
 * leftover of a crash; if that happens between our create and our flock, the
 * link count is 0 when we get the lock, and we start over with a new name.
 */
static bool
local_temp_create(const ProvStoragePool *pool, const ProvVolDef *vol, bool is_dir,
                  LocalTemp *tmp, GError **error)
{
    mode_t mode = vol->perms.mode != (mode_t)-1 ? (vol->perms.mode & 07777) :
        (is_dir ? 0700 : 0600);
    g_autofree char *short_name = g_strndup(vol->name, LOCAL_TEMP_NAME_MAX);
    struct stat st;
    int attempt;

    tmp->pool = pool;
    tmp->volname = vol->name;
    tmp->is_dir = is_dir;
    tmp->fd = -1;
    if ((tmp->dirfd = local_open_pool_dir(pool, error)) < 0)
        return false;
    tmp->lock_emulated = local_fs_lock_emulated(tmp->dirfd);

    for (attempt = 0; attempt < LOCAL_TEMP_ATTEMPTS; attempt++) {
        g_autofree char *name = g_strdup_printf("%s%s.%08x", PROV_LOCAL_TEMP_PREFIX,
                                                short_name, g_random_int());

        if (is_dir) {
            if (mkdirat(tmp->dirfd, name, 0700) < 0) {
                if (errno == EEXIST)
                    continue;
                goto error;
            }
            tmp->name = g_steal_pointer(&name);
            tmp->fd = openat(tmp->dirfd, tmp->name,
                             O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        } else {
            tmp->fd = openat(tmp->dirfd, name,
                             O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
            if (tmp->fd < 0 && errno == EEXIST)
                continue;
            if (tmp->fd >= 0)
                tmp->name = g_steal_pointer(&name);
        }
        if (tmp->fd < 0 || flock(tmp->fd, LOCK_EX) < 0 || fstat(tmp->fd, &st) < 0)
            goto error;
        if (st.st_nlink > 0)
            break;
        /* Removed as stale by a refresh before we held the lock: try another name. */
        prov_close_fdp(&tmp->fd);
        g_clear_pointer(&tmp->name, g_free);
    }
    if (!tmp->name) {
        errno = EEXIST;
        goto error;
    }

    tmp->path = g_build_filename(pool->def->target_path, tmp->name, NULL);
    if (fchmod(tmp->fd, mode) < 0) {
        prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                             "storage volume '%s': cannot set mode %04o", vol->name,
                             (unsigned int)mode);
        local_temp_clear(tmp);
        return false;
    }
    if ((vol->perms.uid >= 0 || vol->perms.gid >= 0) &&
        fchown(tmp->fd, vol->perms.uid >= 0 ? (uid_t)vol->perms.uid : (uid_t)-1,
               vol->perms.gid >= 0 ? (gid_t)vol->perms.gid : (gid_t)-1) < 0) {
        prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                             "storage volume '%s': cannot set owner %" G_GINT64_FORMAT ":%"
                             G_GINT64_FORMAT, vol->name, vol->perms.uid, vol->perms.gid);
        local_temp_clear(tmp);
        return false;
    }
    return true;

error:
    prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                         "storage volume '%s': cannot create a temporary file in '%s'",
                         vol->name, pool->def->target_path);
    local_temp_clear(tmp);
    return false;
}

/* fsync, then rename into place without replacing anything, then fsync the directory. */
static bool
local_temp_publish(LocalTemp *tmp, GError **error)
{
    const char *final = tmp->volname;
    struct stat st;
    int rc;

    if (fsync(tmp->fd) < 0)
        return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                    "storage volume '%s': cannot sync '%s'", final, tmp->path);
    prov_fault_point("vol-create:before-publish");

    rc = renameat2(tmp->dirfd, tmp->name, tmp->dirfd, final, RENAME_NOREPLACE);
    if (rc < 0 && (errno == EINVAL || errno == ENOSYS)) {
        /* The filesystem lacks RENAME_NOREPLACE: link(2) also refuses an existing name. */
        if (!tmp->is_dir) {
            rc = linkat(tmp->dirfd, tmp->name, tmp->dirfd, final, 0);
            if (rc == 0 && unlinkat(tmp->dirfd, tmp->name, 0) < 0)
                g_debug("cannot remove '%s': %s, ignoring", tmp->path, g_strerror(errno));
        } else if (fstatat(tmp->dirfd, final, &st, AT_SYMLINK_NOFOLLOW) == 0) {
            errno = EEXIST;
        } else {
            rc = renameat(tmp->dirfd, tmp->name, tmp->dirfd, final);
        }
    }
    if (rc < 0) {
        if (errno == EEXIST || errno == ENOTEMPTY) {
            g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_STORAGE_VOL_EXIST,
                        "storage volume '%s' already exists", final);
            return false;
        }
        return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                    "storage volume '%s': cannot rename '%s' into place",
                                    final, tmp->path);
    }
    g_clear_pointer(&tmp->name, g_free);
    if (!local_fsync_dir(tmp->dirfd, tmp->pool, error))
        return false;
    prov_fault_point("vol-create:published");
    return true;
}

/* Run qemu-img on the temp file (see LOCAL_STALE_SECONDS for the lock dance). */
static bool
local_temp_run(LocalTemp *tmp, ProvCommand *cmd, GError **error)
{
    bool ok;

    if (tmp->lock_emulated)
        flock(tmp->fd, LOCK_UN);
    ok = local_run_long(cmd, error);
    if (tmp->lock_emulated && flock(tmp->fd, LOCK_EX) < 0 && ok)
        return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                    "storage volume '%s': cannot lock '%s'", tmp->volname,
                                    tmp->path);
    return ok;
}

/* ---- build -------------------------------------------------------------- */

static bool
local_build_raw(ProvVolDef *vol, int fd, const ProvProgress *progress, GError **error)
{
    guint64 alloc = local_wanted_allocation(vol);

    if (vol->nocow)
        local_disable_cow(fd);
    if (ftruncate(fd, (off_t)vol->capacity) < 0)
        return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                    "storage volume '%s': cannot set the size to %"
                                    G_GUINT64_FORMAT, vol->name, vol->capacity);
    prov_progress_report(progress, 0, alloc);
    return local_allocate(fd, vol->name, 0, alloc, progress, alloc, error);
}

static bool
local_build_qcow2_native(const ProvStoragePool *pool, ProvVolDef *vol, int fd, GError **error)
{
    ProvQcow2Options opts = { 0 };

    opts.capacity = vol->capacity;
    opts.cluster_size = vol->cluster_size;
    opts.compat_v2 = g_strcmp0(vol->compat, "0.10") == 0;
    opts.lazy_refcounts = vol->lazy_refcounts;
    opts.backing_path = vol->backing.path;
    if (vol->backing.path) {
        int bfmt = vol->backing.format >= 0 ? vol->backing.format : PROV_FORMAT_RAW;

        opts.backing_format = prov_file_format_to_string(bfmt);
        if (opts.capacity == 0) {
            /* Like qemu-img: no size given means the backing file's size. */
            g_autofree char *abs = g_canonicalize_filename(vol->backing.path,
                                                           pool->def->target_path);
            ProvImageInfo info = { 0 };

            if (!local_probe_path(abs, vol->name, &info, error))
                return false;
            opts.capacity = vol->capacity = info.virtual_size;
            prov_image_info_clear(&info);
        }
    }
    if (vol->nocow)
        local_disable_cow(fd);
    return prov_qcow2_write_empty(fd, &opts, error);
}

/* Everything the native writers do not cover goes through qemu-img create. */
static bool
local_build_qemu_img(const ProvStoragePool *pool, ProvVolDef *vol, LocalTemp *tmp,
                     unsigned int flags, GError **error)
{
    g_autoptr(ProvCommand) cmd = NULL;

    if (!(cmd = local_qemu_img_command(pool->def, vol, tmp->path, NULL, flags,
                                       PROV_QEMU_IMG_STEP_ONLY, NULL, NULL, error)))
        return false;
    return local_temp_run(tmp, cmd, error);
}

/**
 * prov_local_vol_build:
 *
 * Writes the volume under a temporary name (flocked), fsyncs it and renames it
 * into place with RENAME_NOREPLACE, so a crash leaves no half-made volume and of
 * two concurrent builds of one name exactly one succeeds (the other gets
 * PROV_ERR_STORAGE_VOL_EXIST).  raw and plain qcow2 are written natively; other
 * formats, qcow2 preallocation and extended L2 run qemu-img create.
 */
bool
prov_local_vol_build(ProvStoragePool *pool, ProvVolDef *vol, unsigned int flags,
                     const ProvProgress *progress, GError **error)
{
    LocalTemp tmp = { .dirfd = -1, .fd = -1 };
    int fmt = local_normalized_format(vol);
    bool ok;

    /*
     * A raw image has no metadata to preallocate; libvirt refuses the flag, but
     * `vol-create-as ... raw1.img 1G --prealloc-metadata` plainly asks for a
     * ready-to-use file, which raw already is (allocated as <allocation> says).
     */
    if (fmt == PROV_FORMAT_RAW)
        flags &= ~PROV_VOL_CREATE_PREALLOC_METADATA;
    if ((flags & PROV_VOL_CREATE_PREALLOC_METADATA) && fmt != PROV_FORMAT_QCOW2) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_UNSUPPORTED,
                    "storage volume '%s': metadata preallocation only available with qcow2",
                    vol->name);
        return false;
    }
    if (vol->encryption) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "storage volume '%s': creating encrypted volumes is not supported",
                    vol->name);
        return false;
    }
    if (fmt == PROV_FORMAT_RAW && vol->backing.path) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INVALID_ARG,
                    "storage volume '%s': cannot set backing store for raw volume",
                    vol->name);
        return false;
    }

    if (!local_temp_create(pool, vol, fmt == PROV_FORMAT_DIR, &tmp, error))
        return false;
    prov_fault_point("vol-create:building");
    if (fmt == PROV_FORMAT_DIR)
        ok = true;
    else if (fmt == PROV_FORMAT_RAW)
        ok = local_build_raw(vol, tmp.fd, progress, error);
    else if (fmt == PROV_FORMAT_QCOW2 && !(flags & PROV_VOL_CREATE_PREALLOC_METADATA) &&
             !vol->extended_l2)
        ok = local_build_qcow2_native(pool, vol, tmp.fd, error);
    else
        ok = local_build_qemu_img(pool, vol, &tmp, flags, error);
    ok = ok && local_temp_publish(&tmp, error);
    local_temp_clear(&tmp);
    return ok;
}

/* ---- copying data ------------------------------------------------------ */

/*
 * One copy loop for clone, upload and download.  Positional sides use
 * pread/pwrite at their offset; sequential sides (pipes, sockets) use
 * read/write.  With keep_holes, holes of a seekable source (SEEK_DATA) and,
 * with detect_zeros, all-zero 4 KiB blocks become holes in a seekable
 * destination: skipped, or punched where the destination already had data.
 */
typedef struct {
    const char *what;           /* "storage volume 'x'" for messages */
    int src_fd;
    bool src_pos;
    bool src_seek_data;
    guint64 src_off;
    int dst_fd;
    bool dst_pos;
    bool dst_punch;             /* punch zero runs below dst_size (else write zeros) */
    guint64 dst_off;
    guint64 dst_size;
    guint64 length;
    bool until_eof;
    bool keep_holes;
    bool detect_zeros;
    bool use_cfr;
    const ProvProgress *progress;
    guint64 total;
    /* state */
    guint64 done;
    guint64 last_report;
    char *zeros;
} LocalCopy;

static bool
local_copy_write(LocalCopy *c, const char *buf, gsize len, GError **error)
{
    if (!local_write_all(c->dst_fd, buf, len, c->dst_off + c->done, c->dst_pos))
        return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno, "%s: write failed",
                                    c->what);
    return true;
}

/* @len bytes of zeros at the current position. */
static bool
local_copy_zero_run(LocalCopy *c, guint64 len, GError **error)
{
    guint64 pos = c->dst_off + c->done;
    guint64 written = 0;

    if (c->keep_holes && c->dst_pos) {
        if (pos < c->dst_size && c->dst_punch) {
            guint64 plen = MIN(len, c->dst_size - pos);

            if (fallocate(c->dst_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)pos,
                          (off_t)plen) == 0)
                return true;
            if (errno != EOPNOTSUPP && errno != ENOSYS)
                return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                            "%s: cannot punch a hole", c->what);
            /* No hole punching here: the old bytes must still become zeros. */
            len = plen;
        } else {
            return true;
        }
    }
    if (!c->zeros)
        c->zeros = g_malloc0(LOCAL_BUF_SIZE);
    while (written < len) {
        gsize chunk = MIN((guint64)LOCAL_BUF_SIZE, len - written);

        if (!local_write_all(c->dst_fd, c->zeros, chunk, pos + written, c->dst_pos))
            return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno, "%s: write failed",
                                        c->what);
        written += chunk;
    }
    return true;
}

static bool
local_block_is_zero(const char *p, gsize len)
{
    static const char zero[LOCAL_ZERO_BLOCK];

    return memcmp(p, zero, len) == 0;
}

/* Write @len bytes of @buf (advancing c->done), turning runs of zero blocks into holes. */
static bool
local_copy_chunk(LocalCopy *c, const char *buf, gsize len, GError **error)
{
    gsize off = 0;

    if (!c->detect_zeros) {
        if (!local_copy_write(c, buf, len, error))
            return false;
        c->done += len;
        return true;
    }
    while (off < len) {
        gsize start = off;
        bool zero = local_block_is_zero(buf + off, MIN((gsize)LOCAL_ZERO_BLOCK, len - off));

        while (off < len) {
            gsize blk = MIN((gsize)LOCAL_ZERO_BLOCK, len - off);

            if (local_block_is_zero(buf + off, blk) != zero)
                break;
            off += blk;
        }
        if (zero) {
            if (!local_copy_zero_run(c, off - start, error))
                return false;
        } else if (!local_copy_write(c, buf + start, off - start, error)) {
            return false;
        }
        c->done += off - start;
    }
    return true;
}

static bool
local_copy_run(LocalCopy *c, GError **error)
{
    g_autofree char *buf = g_malloc(LOCAL_BUF_SIZE);
    bool ok = false;

    c->done = 0;
    c->last_report = 0;
    prov_progress_report(c->progress, 0, c->total);
    while (c->until_eof || c->done < c->length) {
        guint64 want = c->until_eof ? LOCAL_BUF_SIZE :
            MIN((guint64)LOCAL_BUF_SIZE, c->length - c->done);
        guint64 pos = c->src_off + c->done;
        ssize_t n;

        if (c->keep_holes && c->src_seek_data && c->src_pos && !c->until_eof) {
            guint64 end = c->src_off + c->length;
            off_t data = lseek(c->src_fd, (off_t)pos, SEEK_DATA);
            off_t hole;

            if (data < 0 && errno == ENXIO) {
                data = (off_t)end;
            } else if (data < 0) {
                /* No SEEK_DATA on this filesystem: read everything. */
                c->src_seek_data = false;
                continue;
            }
            if ((guint64)data > pos) {
                guint64 hole_len = MIN((guint64)data, end) - pos;

                if (!local_copy_zero_run(c, hole_len, error))
                    goto out;
                c->done += hole_len;
                local_progress(c->progress, c->done, c->total, &c->last_report);
                continue;
            }
            hole = lseek(c->src_fd, (off_t)pos, SEEK_HOLE);
            if (hole > (off_t)pos)
                want = MIN(want, (guint64)hole - pos);
        }
        if (c->use_cfr && !c->detect_zeros && c->src_pos && c->dst_pos) {
            loff_t soff = (loff_t)pos;
            loff_t doff = (loff_t)(c->dst_off + c->done);

            n = copy_file_range(c->src_fd, &soff, c->dst_fd, &doff, want, 0);
            if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS ||
                          errno == EOPNOTSUPP || errno == EBADF)) {
                c->use_cfr = false;
                continue;
            }
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                prov_error_set_errno(error, PROV_STORAGE_ERROR, errno, "%s: copy failed",
                                     c->what);
                goto out;
            }
            if (n == 0)
                break;
            c->done += n;
            local_progress(c->progress, c->done, c->total, &c->last_report);
            continue;
        }
        n = c->src_pos ? pread(c->src_fd, buf, want, (off_t)pos) : read(c->src_fd, buf, want);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            prov_error_set_errno(error, PROV_STORAGE_ERROR, errno, "%s: read failed",
                                 c->what);
            goto out;
        }
        if (n == 0)
            break;
        if (!local_copy_chunk(c, buf, n, error))
            goto out;
        local_progress(c->progress, c->done, c->total, &c->last_report);
    }

    /* Holes skipped at the end of a regular file still have to count as its size. */
    if (c->dst_pos) {
        struct stat st;
        guint64 end = c->dst_off + c->done;

        if (fstat(c->dst_fd, &st) == 0 && S_ISREG(st.st_mode) && (guint64)st.st_size < end &&
            ftruncate(c->dst_fd, (off_t)end) < 0) {
            prov_error_set_errno(error, PROV_STORAGE_ERROR, errno, "%s: cannot extend",
                                 c->what);
            goto out;
        }
    }
    if (c->total != c->done || c->until_eof)
        prov_progress_report(c->progress, c->done, c->until_eof ? c->done : c->total);
    ok = true;
out:
    g_clear_pointer(&c->zeros, g_free);
    return ok;
}

bool
prov_local_copy_sparse(const char *what, int src_fd, int dst_fd, guint64 length,
                       bool dst_zeroed, const ProvProgress *progress, GError **error)
{
    LocalCopy copy = { 0 };
    struct stat st;

    copy.what = what;
    copy.src_fd = src_fd;
    copy.src_pos = true;
    copy.src_seek_data = fstat(src_fd, &st) == 0 && S_ISREG(st.st_mode);
    copy.dst_fd = dst_fd;
    copy.dst_pos = true;
    /* Zero runs below dst_size are punched; with dst_punch off they are skipped. */
    copy.dst_punch = !dst_zeroed;
    copy.dst_size = length;
    copy.length = length;
    copy.keep_holes = true;
    copy.detect_zeros = true;
    copy.progress = progress;
    copy.total = length;
    return local_copy_run(&copy, error);
}

/* ---- clone ---------------------------------------------------------------- */

static bool
local_clone_raw(const ProvStoragePool *pool, ProvVolDef *vol, const ProvVolDef *src,
                unsigned int flags, const ProvProgress *progress, GError **error)
{
    LocalTemp tmp = { .dirfd = -1, .fd = -1 };
    PROV_AUTOCLOSE int sfd = -1;
    g_autofree char *what = g_strdup_printf("storage volume '%s'", vol->name);
    LocalCopy copy = { 0 };
    struct stat st;
    guint64 src_size;
    bool sparse;
    bool cloned = false;
    bool ok = false;

    sfd = open(src->target_path, O_RDONLY | O_NOCTTY | O_CLOEXEC);
    if (sfd < 0 || fstat(sfd, &st) < 0)
        return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                    "storage volume '%s': cannot open source '%s'", vol->name,
                                    src->target_path);
    if (S_ISBLK(st.st_mode)) {
        off_t end = lseek(sfd, 0, SEEK_END);

        src_size = end > 0 ? (guint64)end : 0;
    } else if (S_ISREG(st.st_mode)) {
        src_size = st.st_size;
    } else {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INVALID_STORAGE_VOL,
                    "storage volume '%s': source '%s' is not a file or block device",
                    vol->name, src->target_path);
        return false;
    }
    if (vol->capacity < src_size)
        vol->capacity = src_size;
    vol->has_capacity = true;
    sparse = vol->has_allocation && vol->allocation < vol->capacity;

    if (!local_temp_create(pool, vol, false, &tmp, error))
        return false;
    if (vol->nocow)
        local_disable_cow(tmp.fd);
    prov_fault_point("vol-create:building");

    /* A reflink shares the extents: instant and no extra space.  libvirt only
     * tries it on request; it is safe, so we always try and fall back quietly. */
    if (S_ISREG(st.st_mode)) {
        if (ioctl(tmp.fd, FICLONE, sfd) == 0) {
            cloned = true;
            prov_progress_report(progress, src_size, src_size);
        } else if (flags & PROV_VOL_CREATE_REFLINK) {
            prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                 "storage volume '%s': reflink not supported on this "
                                 "filesystem", vol->name);
            goto out;
        }
    } else if (flags & PROV_VOL_CREATE_REFLINK) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_UNSUPPORTED,
                    "storage volume '%s': reflink needs a file as source", vol->name);
        goto out;
    }

    if (!cloned) {
        if (ftruncate(tmp.fd, (off_t)vol->capacity) < 0) {
            prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                 "storage volume '%s': cannot set the size", vol->name);
            goto out;
        }
        copy.what = what;
        copy.src_fd = sfd;
        copy.src_pos = true;
        copy.src_seek_data = S_ISREG(st.st_mode);
        copy.dst_fd = tmp.fd;
        copy.dst_pos = true;
        copy.length = src_size;
        copy.keep_holes = true;
        copy.detect_zeros = sparse;
        copy.use_cfr = !sparse;
        copy.progress = progress;
        copy.total = src_size;
        if (!local_copy_run(&copy, error))
            goto out;
    }
    if (ftruncate(tmp.fd, (off_t)vol->capacity) < 0) {
        prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                             "storage volume '%s': cannot set the size", vol->name);
        goto out;
    }
    /* Fully allocated on request; fallocate only fills holes, never touches data. */
    if (!sparse && local_wanted_allocation(vol) > 0 &&
        fallocate(tmp.fd, 0, 0, (off_t)local_wanted_allocation(vol)) < 0 &&
        errno != EOPNOTSUPP && errno != ENOSYS) {
        prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                             "storage volume '%s': cannot allocate", vol->name);
        goto out;
    }
    ok = local_temp_publish(&tmp, error);
out:
    local_temp_clear(&tmp);
    return ok;
}

static bool
local_clone_convert(const ProvStoragePool *pool, ProvVolDef *vol, const ProvVolDef *src,
                    unsigned int flags, const ProvProgress *progress, GError **error)
{
    LocalTemp tmp = { .dirfd = -1, .fd = -1 };
    g_autoptr(ProvCommand) cmd = NULL;
    ProvImageInfo info = { 0 };
    int fmt = local_normalized_format(vol);
    bool ok = false;

    if (!local_probe_path(src->target_path, vol->name, &info, error))
        return false;
    if (vol->capacity < info.virtual_size)
        vol->capacity = info.virtual_size;
    vol->has_capacity = true;

    if (!local_temp_create(pool, vol, false, &tmp, error))
        goto out;
    prov_fault_point("vol-create:building");
    if (!(cmd = local_qemu_img_command(pool->def, vol, tmp.path, src, flags,
                                       PROV_QEMU_IMG_STEP_ONLY, NULL, NULL, error)))
        goto out;
    prov_progress_report(progress, 0, info.virtual_size);
    if (!local_temp_run(&tmp, cmd, error))
        goto out;
    /* qemu-img convert makes the target as big as the source: grow to the request. */
    if (vol->capacity > info.virtual_size) {
        if (fmt == PROV_FORMAT_RAW) {
            if (ftruncate(tmp.fd, (off_t)vol->capacity) < 0) {
                prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                     "storage volume '%s': cannot set the size", vol->name);
                goto out;
            }
        } else {
            g_autoptr(ProvCommand) resize = prov_command_new_args(QEMU_IMG, "resize", "-f",
                                                                  prov_file_format_to_string(fmt),
                                                                  tmp.path, NULL);

            prov_command_add_arg_format(resize, "%" G_GUINT64_FORMAT,
                                        (vol->capacity + 511) / 512 * 512);
            if (!local_temp_run(&tmp, resize, error))
                goto out;
        }
    }
    prov_progress_report(progress, info.virtual_size, info.virtual_size);
    ok = local_temp_publish(&tmp, error);
out:
    prov_image_info_clear(&info);
    local_temp_clear(&tmp);
    return ok;
}

/**
 * prov_local_vol_build_from:
 *
 * Clone @src into @vol (defined by prov_local_vol_create).  raw to raw is copied
 * natively: a reflink where the filesystem can, else only the data extents of the
 * source (holes stay holes; zero blocks become holes too when the new volume is
 * sparse, i.e. its allocation is below its capacity).  Other combinations run
 * `qemu-img convert`.  The capacity becomes max(requested, source).  Published
 * like a build: temp file, fsync, rename without replace.
 */
bool
prov_local_vol_build_from(ProvStoragePool *pool, ProvVolDef *vol, const ProvVolDef *src,
                          unsigned int flags, const ProvProgress *progress, GError **error)
{
    int fmt = local_normalized_format(vol);
    int src_fmt = local_normalized_format(src);

    if (!local_check_path(vol, error))
        return false;
    if (vol->encryption || src->encryption) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "storage volume '%s': cloning encrypted volumes is not supported",
                    vol->name);
        return false;
    }
    if (!src->target_path) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INTERNAL_ERROR,
                    "storage volume '%s': source volume '%s' has no path", vol->name,
                    src->name);
        return false;
    }
    if (fmt == PROV_FORMAT_DIR || src_fmt == PROV_FORMAT_DIR || src->type == PROV_VOL_DIR) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_NO_SUPPORT,
                    "storage volume '%s': cloning directories is not supported", vol->name);
        return false;
    }
    /*
     * A raw image has no metadata to preallocate; libvirt refuses the flag, but
     * `vol-create-as ... raw1.img 1G --prealloc-metadata` plainly asks for a
     * ready-to-use file, which raw already is (allocated as <allocation> says).
     */
    if (fmt == PROV_FORMAT_RAW)
        flags &= ~PROV_VOL_CREATE_PREALLOC_METADATA;
    if ((flags & PROV_VOL_CREATE_PREALLOC_METADATA) && fmt != PROV_FORMAT_QCOW2) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_UNSUPPORTED,
                    "storage volume '%s': metadata preallocation only available with qcow2",
                    vol->name);
        return false;
    }
    if (fmt == PROV_FORMAT_RAW && src_fmt == PROV_FORMAT_RAW)
        return local_clone_raw(pool, vol, src, flags, progress, error);
    if (flags & PROV_VOL_CREATE_REFLINK) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_UNSUPPORTED,
                    "storage volume '%s': reflink is only possible between raw volumes",
                    vol->name);
        return false;
    }
    return local_clone_convert(pool, vol, src, flags, progress, error);
}

/* ---- delete -------------------------------------------------------------- */

bool
prov_local_vol_delete(ProvStoragePool *pool, ProvVolDef *vol, unsigned int flags,
                      GError **error)
{
    g_autofree char *dir = NULL;
    PROV_AUTOCLOSE int dirfd = -1;
    bool is_dir = vol->type == PROV_VOL_DIR || vol->format == PROV_FORMAT_DIR;

    if (!local_check_path(vol, error))
        return false;
    if (flags & PROV_VOL_DELETE_WITH_SNAPSHOTS) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_NO_SUPPORT,
                    "storage volume '%s': deleting with snapshots is not supported for pool "
                    "type '%s'", vol->name, local_pool_type_name(pool));
        return false;
    }
    if (flags & PROV_VOL_DELETE_ZEROED) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_NO_SUPPORT,
                    "storage volume '%s': deleting with zeroing is not supported for pool "
                    "type '%s' (wipe the volume first)", vol->name, local_pool_type_name(pool));
        return false;
    }
    if (vol->type == PROV_VOL_NETWORK || vol->type == PROV_VOL_NETDIR ||
        vol->type == PROV_VOL_PLOOP) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_NO_SUPPORT,
                    "storage volume '%s': removing %s volumes is not supported", vol->name,
                    prov_vol_type_to_string(vol->type));
        return false;
    }
    if ((is_dir ? rmdir(vol->target_path) : unlink(vol->target_path)) < 0 && errno != ENOENT)
        return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                    "storage volume '%s': cannot remove '%s'", vol->name,
                                    vol->target_path);
    dir = g_path_get_dirname(vol->target_path);
    dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd >= 0)
        return local_fsync_dir(dirfd, pool, error);
    return true;
}

/* ---- resize -------------------------------------------------------------- */

bool
prov_local_vol_resize(ProvStoragePool *pool, ProvVolDef *vol, guint64 capacity,
                      unsigned int flags, GError **error)
{
    int fmt = local_normalized_format(vol);
    bool raw = fmt == PROV_FORMAT_RAW && !vol->encryption;
    PROV_AUTOCLOSE int fd = -1;
    ProvImageInfo info = { 0 };
    struct stat st;
    guint64 current;

    if (!local_check_path(vol, error))
        return false;
    if (vol->type == PROV_VOL_DIR || fmt == PROV_FORMAT_DIR) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_NO_SUPPORT,
                    "storage volume '%s': directories cannot be resized", vol->name);
        return false;
    }
    if ((flags & PROV_VOL_RESIZE_ALLOCATE) && !raw) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_UNSUPPORTED,
                    "storage volume '%s': preallocation on resize is only supported for raw "
                    "volumes", vol->name);
        return false;
    }
    if (vol->encryption) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "storage volume '%s': resizing encrypted volumes is not supported",
                    vol->name);
        return false;
    }

    fd = open(vol->target_path, (raw ? O_RDWR : O_RDONLY) | O_NOCTTY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) < 0)
        return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                    "storage volume '%s': cannot open '%s'", vol->name,
                                    vol->target_path);
    if (raw) {
        current = st.st_size;
    } else {
        if (!prov_image_probe_fd(fd, st.st_size, vol->name, &info, error))
            return false;
        current = info.virtual_size;
        prov_image_info_clear(&info);
    }

    if (capacity < current) {
        guint64 alloc = (guint64)st.st_blocks * 512;

        if (!(flags & PROV_VOL_RESIZE_SHRINK)) {
            g_autofree char *from = local_size_string(current);
            g_autofree char *to = local_size_string(capacity);

            g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INVALID_ARG,
                        "storage volume '%s': cannot shrink from %s to %s without --shrink",
                        vol->name, from, to);
            return false;
        }
        if (capacity < alloc && raw) {
            g_autofree char *to = local_size_string(capacity);
            g_autofree char *allocated = local_size_string(alloc);

            g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INVALID_ARG,
                        "storage volume '%s': cannot shrink to %s, below the existing "
                        "allocation of %s", vol->name, to, allocated);
            return false;
        }
    }

    if (raw) {
        if (S_ISBLK(st.st_mode)) {
            g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_NO_SUPPORT,
                        "storage volume '%s': block devices cannot be resized", vol->name);
            return false;
        }
        if (ftruncate(fd, (off_t)capacity) < 0)
            return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                        "storage volume '%s': cannot resize to %"
                                        G_GUINT64_FORMAT, vol->name, capacity);
        if ((flags & PROV_VOL_RESIZE_ALLOCATE) && capacity > current &&
            !local_allocate(fd, vol->name, current, capacity - current, NULL, capacity, error))
            return false;
        if (fsync(fd) < 0)
            return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                        "storage volume '%s': cannot sync", vol->name);
    } else {
        /* `qemu-img resize [--shrink] -f FMT PATH BYTES`, bytes rounded up to a sector. */
        g_autoptr(ProvCommand) cmd = prov_command_new_args(QEMU_IMG, "resize", NULL);

        if (capacity < current)
            prov_command_add_arg(cmd, "--shrink");
        /* The format we probed, so qemu-img does not guess (libvirt lets it guess). */
        prov_command_add_args(cmd, "-f", prov_file_format_to_string(fmt), vol->target_path,
                              NULL);
        prov_command_add_arg_format(cmd, "%" G_GUINT64_FORMAT, (capacity + 511) / 512 * 512);
        if (!local_run_long(cmd, error))
            return false;
    }
    vol->capacity = capacity;
    return true;
}

/* ---- wipe ------------------------------------------------------------- */

static bool
local_wipe_zero(ProvVolDef *vol, int fd, const struct stat *st, guint64 size,
                const ProvProgress *progress, GError **error)
{
    prov_progress_report(progress, 0, size);
    if (S_ISREG(st->st_mode)) {
        /* A sparse file: drop every block at once (libvirt does the same). */
        if ((guint64)st->st_blocks * 512 < size) {
            if (ftruncate(fd, 0) < 0 || ftruncate(fd, (off_t)size) < 0)
                return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                            "storage volume '%s': cannot truncate", vol->name);
            prov_progress_report(progress, size, size);
            return true;
        }
        /* Fully allocated: zero in place and keep the allocation. */
        if (size == 0 || fallocate(fd, FALLOC_FL_ZERO_RANGE, 0, (off_t)size) == 0) {
            prov_progress_report(progress, size, size);
            return true;
        }
        if (errno != EOPNOTSUPP && errno != ENOSYS)
            return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                        "storage volume '%s': cannot zero", vol->name);
    }
    return local_write_zeros(fd, 0, size, progress, size, error);
}

static bool
local_wipe_random(ProvVolDef *vol, int fd, guint64 size, const ProvProgress *progress,
                  GError **error)
{
    g_autofree char *buf = g_malloc(LOCAL_BUF_SIZE);
    guint64 done = 0;
    guint64 last = 0;

    prov_progress_report(progress, 0, size);
    while (done < size) {
        gsize chunk = MIN((guint64)LOCAL_BUF_SIZE, size - done);
        gsize got = 0;

        while (got < chunk) {
            ssize_t n = getrandom(buf + got, chunk - got, 0);

            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                            "storage volume '%s': no random data", vol->name);
            got += n;
        }
        if (!local_write_all(fd, buf, chunk, done, true))
            return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                        "storage volume '%s': write failed", vol->name);
        done += chunk;
        local_progress(progress, done, size, &last);
    }
    return true;
}

/**
 * prov_local_vol_wipe:
 *
 * zero and random are done natively; the other patterns run
 * `scrub -f -p <alg> <path>`; trim is not supported on files.  The content of
 * any format is overwritten (a wiped qcow2 is no longer a qcow2, as in libvirt).
 */
bool
prov_local_vol_wipe(ProvStoragePool *pool, ProvVolDef *vol, ProvWipeAlgorithm algorithm,
                    unsigned int flags, const ProvProgress *progress, GError **error)
{
    const char *alg = prov_wipe_algorithm_to_string(algorithm);
    PROV_AUTOCLOSE int fd = -1;
    struct stat st;
    guint64 size;

    if (!local_check_path(vol, error))
        return false;
    if (!alg) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INVALID_ARG,
                    "storage volume '%s': unknown wipe algorithm %d", vol->name,
                    (int)algorithm);
        return false;
    }
    if (algorithm == PROV_WIPE_TRIM) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_NO_SUPPORT,
                    "storage volume '%s': wipe algorithm 'trim' is not supported for pool "
                    "type '%s'", vol->name, local_pool_type_name(pool));
        return false;
    }
    if (vol->type == PROV_VOL_DIR || vol->format == PROV_FORMAT_DIR) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_NO_SUPPORT,
                    "storage volume '%s': directories cannot be wiped", vol->name);
        return false;
    }
    if (algorithm != PROV_WIPE_ZERO && algorithm != PROV_WIPE_RANDOM) {
        g_autoptr(ProvCommand) cmd = prov_command_new_args(SCRUB, "-f", "-p", alg,
                                                           vol->target_path, NULL);

        prov_progress_report(progress, 0, 0);
        return local_run_long(cmd, error);
    }

    fd = open(vol->target_path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) < 0)
        return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                    "storage volume '%s': cannot open '%s'", vol->name,
                                    vol->target_path);
    if (S_ISBLK(st.st_mode)) {
        off_t end = lseek(fd, 0, SEEK_END);

        size = end > 0 ? (guint64)end : 0;
    } else {
        size = st.st_size;
    }
    if (algorithm == PROV_WIPE_ZERO) {
        if (!local_wipe_zero(vol, fd, &st, size, progress, error))
            return false;
    } else if (!local_wipe_random(vol, fd, size, progress, error)) {
        return false;
    }
    if (fdatasync(fd) < 0)
        return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                    "storage volume '%s': cannot sync", vol->name);
    return true;
}

/* ---- upload / download ----------------------------------------------------- */

/* One end of an upload or download. */
typedef struct {
    int fd;
    bool pos;       /* seekable: pread/pwrite from off; else read/write in sequence */
    bool file;      /* a regular file: SEEK_DATA finds its holes, st_size is its end */
    guint64 off;
    guint64 size;   /* what it holds now (as a destination: punch, don't write, below it) */
} LocalEnd;

static guint64
local_fd_size(int fd, const struct stat *st)
{
    off_t end;

    if (!S_ISBLK(st->st_mode))
        return st->st_size;
    end = lseek(fd, 0, SEEK_END);
    return end > 0 ? (guint64)end : 0;
}

/* The volume's end, opened with @oflags (O_WRONLY to upload, O_RDONLY to download), at
 * @offset.  Returns its fd (also in @ret_end), which the caller closes, or -1. */
static int
local_end_volume(ProvVolDef *vol, int oflags, guint64 offset, LocalEnd *ret_end,
                 GError **error)
{
    PROV_AUTOCLOSE int vfd = -1;
    struct stat st;

    if (!local_check_path(vol, error))
        return -1;
    vfd = open(vol->target_path, oflags | O_NOCTTY | O_CLOEXEC);
    if (vfd < 0 || fstat(vfd, &st) < 0) {
        prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                             "storage volume '%s': cannot open '%s'", vol->name,
                             vol->target_path);
        return -1;
    }
    ret_end->fd = vfd;
    ret_end->pos = true;
    ret_end->file = S_ISREG(st.st_mode);
    ret_end->off = offset;
    ret_end->size = local_fd_size(vfd, &st);
    return prov_steal_fd(&vfd);
}

/* The caller's end: positional when @fd is a seekable file or block device, from its
 * current offset (which measuring a block device's size leaves where it was). */
static void
local_end_caller(int fd, LocalEnd *ret_end)
{
    struct stat st;
    off_t cur;

    memset(ret_end, 0, sizeof(*ret_end));
    ret_end->fd = fd;
    if (fstat(fd, &st) < 0 || (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)))
        return;
    if ((cur = lseek(fd, 0, SEEK_CUR)) < 0)
        return;
    ret_end->pos = true;
    ret_end->file = S_ISREG(st.st_mode);
    ret_end->off = cur;
    ret_end->size = local_fd_size(fd, &st);
    if (lseek(fd, cur, SEEK_SET) < 0)
        g_debug("cannot restore the offset of fd %d: %s, ignoring", fd, g_strerror(errno));
}

/* Copies @length bytes from @src to @dst (until @src's EOF with @until_eof); the bytes
 * copied in @ret_done.  PROV_VOL_STREAM_SPARSE keeps holes and zero blocks as holes. */
static bool
local_end_copy(const ProvVolDef *vol, const LocalEnd *src, const LocalEnd *dst,
               guint64 length, bool until_eof, unsigned int flags,
               const ProvProgress *progress, guint64 *ret_done, GError **error)
{
    g_autofree char *what = g_strdup_printf("storage volume '%s'", vol->name);
    LocalCopy copy = { 0 };

    copy.what = what;
    copy.src_fd = src->fd;
    copy.src_pos = src->pos;
    copy.src_seek_data = src->pos && src->file;
    copy.src_off = src->off;
    copy.dst_fd = dst->fd;
    copy.dst_pos = dst->pos;
    copy.dst_punch = true;
    copy.dst_off = dst->off;
    copy.dst_size = dst->size;
    copy.length = length;
    copy.until_eof = until_eof;
    copy.keep_holes = copy.detect_zeros = flags & PROV_VOL_STREAM_SPARSE;
    copy.progress = progress;
    copy.total = length;
    if (!local_copy_run(&copy, error))
        return false;
    *ret_done = copy.done;
    return true;
}

/**
 * prov_local_vol_upload:
 *
 * Writes @length bytes (0 = until EOF) read from @fd into the volume at @offset.
 * The volume is opened O_WRONLY without O_CREAT.  With PROV_VOL_STREAM_SPARSE,
 * zero blocks and holes of @fd become holes in the volume.
 */
bool
prov_local_vol_upload(ProvStoragePool *pool, ProvVolDef *vol, int fd, guint64 offset,
                      guint64 length, unsigned int flags, const ProvProgress *progress,
                      GError **error)
{
    PROV_AUTOCLOSE int vfd = -1;
    LocalEnd src;
    LocalEnd dst;
    guint64 done;

    if ((vfd = local_end_volume(vol, O_WRONLY, offset, &dst, error)) < 0)
        return false;
    local_end_caller(fd, &src);
    if (src.pos && src.file) {
        /* A file source ends at its end: never pad the volume with invented zeros. */
        guint64 avail = src.size > src.off ? src.size - src.off : 0;

        length = length ? MIN(length, avail) : avail;
    }
    if (!local_end_copy(vol, &src, &dst, length, length == 0 && !(src.pos && src.file), flags,
                        progress, &done, error))
        return false;
    if (src.pos && lseek(fd, (off_t)(src.off + done), SEEK_SET) < 0)
        g_debug("cannot move the input offset: %s, ignoring", g_strerror(errno));
    if (fsync(vfd) < 0)
        return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                    "storage volume '%s': cannot sync", vol->name);
    return true;
}

/**
 * prov_local_vol_download:
 *
 * Writes @length bytes (0 = to the end) of the volume from @offset to @fd.  With
 * PROV_VOL_STREAM_SPARSE and a regular file as @fd, holes and zero blocks are
 * recreated as holes (lseek past them, ftruncate at the end); a pipe gets zeros.
 */
bool
prov_local_vol_download(ProvStoragePool *pool, ProvVolDef *vol, int fd, guint64 offset,
                        guint64 length, unsigned int flags, const ProvProgress *progress,
                        GError **error)
{
    PROV_AUTOCLOSE int vfd = -1;
    LocalEnd src;
    LocalEnd dst;
    guint64 done;

    if ((vfd = local_end_volume(vol, O_RDONLY, offset, &src, error)) < 0)
        return false;
    if (offset > src.size) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INVALID_ARG,
                    "storage volume '%s': offset %" G_GUINT64_FORMAT " is beyond the end (%"
                    G_GUINT64_FORMAT ")", vol->name, offset, src.size);
        return false;
    }
    if (length == 0 || length > src.size - offset)
        length = src.size - offset;
    local_end_caller(fd, &dst);
    if (!local_end_copy(vol, &src, &dst, length, false, flags, progress, &done, error))
        return false;
    if (dst.pos && lseek(fd, (off_t)(dst.off + done), SEEK_SET) < 0)
        return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                    "storage volume '%s': cannot seek the output", vol->name);
    return true;
}
