/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fileutil.c: atomic file replacement, durable unlink, mkdir -p, whole-file reads, flock locks. */
#define G_LOG_DOMAIN "prov-fileutil"

#include "util/fileutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "util/error.h"

struct _ProvFileLock {
    int fd;
    char *path;
};

/**
 * prov_close_fdp:
 * @fdp: pointer to an fd, or to -1
 *
 * Closes *@fdp if it is open and sets it to -1, keeping errno (for cleanup paths).
 */
void
prov_close_fdp(int *fdp)
{
    int saved_errno = errno;

    if (*fdp >= 0) {
        /* Linux always releases the fd, even on EINTR: never retry close(). */
        close(*fdp);
        *fdp = -1;
    }
    errno = saved_errno;
}

/* Writes all of @data, retrying short writes and EINTR. Returns 0 or -errno. */
static int
prov_write_all(int fd, const char *data, gsize len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        data += n;
        len -= n;
    }
    return 0;
}

/* fsync()s directory @dir so that a rename or unlink in it is durable. Returns 0 or -errno. */
static int
prov_fsync_dir(const char *dir)
{
    PROV_AUTOCLOSE int fd = -1;

    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    if (fsync(fd) < 0)
        return -errno;
    return 0;
}

/**
 * prov_file_write_atomic:
 * @path: destination path
 * @data: bytes to write
 * @len: number of bytes
 * @mode: permission bits of the new file (applied exactly, whatever the umask)
 * @error: return location for an error
 *
 * Writes "<dir>/.<name>.XXXXXX", fsyncs it, renames it over @path and fsyncs the
 * directory, so a crash leaves either the old or the new content.  Returns false
 * with @error set (PROV_ERR_SYSTEM_ERROR) on failure, with the temporary file removed.
 */
bool
prov_file_write_atomic(const char *path, const char *data, gsize len, mode_t mode, GError **error)
{
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *base = g_path_get_basename(path);
    g_autofree char *tmp = g_strdup_printf("%s/.%s.XXXXXX", dir, base);
    PROV_AUTOCLOSE int fd = -1;
    int r;

    fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, mode & 07777);
    if (fd < 0)
        return prov_error_set_errno(error, PROV_UTIL_ERROR, errno,
                                    "cannot create a temporary file for '%s'", path);

    /* The umask must not weaken or widen what the caller asked for. */
    if (fchmod(fd, mode & 07777) < 0) {
        r = -errno;
        goto error;
    }
    r = prov_write_all(fd, data, len);
    if (r < 0)
        goto error;
    if (fsync(fd) < 0) {
        r = -errno;
        goto error;
    }
    /* close() may report a delayed write error on some file systems (NFS). */
    r = close(prov_steal_fd(&fd));
    if (r < 0) {
        r = -errno;
        goto error;
    }
    if (rename(tmp, path) < 0) {
        r = -errno;
        goto error;
    }
    r = prov_fsync_dir(dir);
    if (r < 0)
        return prov_error_set_errno(error, PROV_UTIL_ERROR, -r,
                                    "cannot sync directory '%s' after writing '%s'", dir, path);
    return true;

error:
    prov_close_fdp(&fd);
    unlink(tmp);
    return prov_error_set_errno(error, PROV_UTIL_ERROR, -r, "cannot write '%s'", path);
}

/**
 * prov_file_unlink_durable:
 * @path: file to remove
 * @error: return location for an error
 *
 * Removes @path and fsyncs its directory.  A missing file is not an error.
 */
bool
prov_file_unlink_durable(const char *path, GError **error)
{
    g_autofree char *dir = g_path_get_dirname(path);
    int r;

    if (unlink(path) < 0) {
        if (errno == ENOENT)
            return true;
        return prov_error_set_errno(error, PROV_UTIL_ERROR, errno, "cannot remove '%s'", path);
    }
    r = prov_fsync_dir(dir);
    if (r < 0)
        return prov_error_set_errno(error, PROV_UTIL_ERROR, -r,
                                    "cannot sync directory '%s' after removing '%s'", dir, path);
    return true;
}

/**
 * prov_mkdir_p:
 * @path: directory to create with its missing parents
 * @mode: mode of the created components (subject to the umask)
 * @error: return location for an error
 *
 * An existing directory is success; an existing non-directory is an error.
 */
bool
prov_mkdir_p(const char *path, mode_t mode, GError **error)
{
    if (g_mkdir_with_parents(path, mode) < 0)
        return prov_error_set_errno(error, PROV_UTIL_ERROR, errno, "cannot create directory '%s'",
                                    path);
    return true;
}

/**
 * prov_file_read_all:
 * @path: file to read
 * @max_len: refuse files longer than this many bytes (0 = no limit)
 * @ret_len: (out) (optional): number of bytes read, without the added NUL
 * @error: return location for an error
 *
 * Returns the whole content plus a terminating NUL (caller frees), or NULL with
 * @error set: PROV_ERR_SYSTEM_ERROR for I/O errors, PROV_ERR_READ_FAILED when the
 * file is longer than @max_len.
 */
char *
prov_file_read_all(const char *path, gsize max_len, gsize *ret_len, GError **error)
{
    PROV_AUTOCLOSE int fd = -1;
    g_autoptr(GByteArray) buf = NULL;
    struct stat st;
    gsize chunk;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        prov_error_set_errno(error, PROV_UTIL_ERROR, errno, "cannot open '%s'", path);
        return NULL;
    }
    if (fstat(fd, &st) < 0) {
        prov_error_set_errno(error, PROV_UTIL_ERROR, errno, "cannot stat '%s'", path);
        return NULL;
    }

    /* st_size is only a hint: /proc and /sys files report 0 or 4096. */
    chunk = st.st_size > 0 ? (gsize)st.st_size + 1 : 4096;
    if (max_len > 0)
        chunk = MIN(chunk, max_len + 1);
    buf = g_byte_array_sized_new(chunk + 1);
    for (;;) {
        gsize old_len = buf->len;
        ssize_t n;

        g_byte_array_set_size(buf, old_len + chunk);
        n = read(fd, buf->data + old_len, chunk);
        if (n < 0 && errno == EINTR) {
            g_byte_array_set_size(buf, old_len);
            continue;
        }
        if (n < 0) {
            prov_error_set_errno(error, PROV_UTIL_ERROR, errno, "cannot read '%s'", path);
            return NULL;
        }
        g_byte_array_set_size(buf, old_len + n);
        if (n == 0)
            break;
        if (max_len > 0 && buf->len > max_len) {
            g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_READ_FAILED,
                        "file '%s' is larger than %" G_GSIZE_FORMAT " bytes", path, max_len);
            return NULL;
        }
        chunk = MAX(chunk, (gsize)4096);
    }
    if (ret_len)
        *ret_len = buf->len;
    g_byte_array_append(buf, (const guint8 *)"", 1);
    return (char *)g_byte_array_free(g_steal_pointer(&buf), FALSE);
}

/**
 * prov_file_lock_acquire:
 * @path: lock file (created 0600 if missing, parent directories 0755)
 * @flags: ProvLockFlags
 * @what: (nullable): the locked object for the message, e.g. "volume 'v1'"
 * @error: return location for an error
 *
 * Takes a flock(2) lock on a new open file description of @path, so it conflicts
 * with other acquisitions in this process exactly as with other processes.
 * Returns the lock (release with prov_file_lock_release()), or NULL with @error set:
 * PROV_ERR_RESOURCE_BUSY "<what> is busy" when PROV_LOCK_NONBLOCK is given and the
 * lock is held elsewhere.
 */
ProvFileLock *
prov_file_lock_acquire(const char *path, unsigned int flags, const char *what, GError **error)
{
    g_autofree char *dir = g_path_get_dirname(path);
    PROV_AUTOCLOSE int fd = -1;
    ProvFileLock *lock;
    int op;

    g_return_val_if_fail((flags & ~(PROV_LOCK_SHARED | PROV_LOCK_NONBLOCK)) == 0, NULL);

    if (!prov_mkdir_p(dir, 0755, error))
        return NULL;
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
    if (fd < 0) {
        prov_error_set_errno(error, PROV_UTIL_ERROR, errno, "cannot open lock file '%s'", path);
        return NULL;
    }

    op = (flags & PROV_LOCK_SHARED) ? LOCK_SH : LOCK_EX;
    if (flags & PROV_LOCK_NONBLOCK)
        op |= LOCK_NB;
    while (flock(fd, op) < 0) {
        if (errno == EINTR)
            continue;
        if (errno == EWOULDBLOCK) {
            if (what)
                g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_RESOURCE_BUSY, "%s is busy", what);
            else
                g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_RESOURCE_BUSY,
                            "lock file '%s' is busy", path);
            return NULL;
        }
        prov_error_set_errno(error, PROV_UTIL_ERROR, errno, "cannot lock '%s'", path);
        return NULL;
    }
    g_debug("locked '%s' (%s)", path, (flags & PROV_LOCK_SHARED) ? "shared" : "exclusive");

    lock = g_new0(ProvFileLock, 1);
    lock->fd = prov_steal_fd(&fd);
    lock->path = g_strdup(path);
    return lock;
}

/**
 * prov_file_lock_is_held:
 * @path: lock file
 *
 * Returns whether any open file description (in this process or another) holds
 * a lock on @path, shared or exclusive.  A missing file is not locked.
 */
bool
prov_file_lock_is_held(const char *path)
{
    PROV_AUTOCLOSE int fd = -1;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return false;
    /* An exclusive probe conflicts with both kinds; drop it at once if it succeeds. */
    while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        if (errno != EINTR)
            return errno == EWOULDBLOCK;
    }
    flock(fd, LOCK_UN);
    return false;
}

/**
 * prov_file_lock_release:
 * @lock: (nullable): the lock
 *
 * Releases the lock and frees @lock.  The lock file stays: removing it would let a
 * waiter lock an unlinked inode while a newcomer locks a fresh one.
 */
void
prov_file_lock_release(ProvFileLock *lock)
{
    if (!lock)
        return;
    g_debug("unlocking '%s'", lock->path);
    prov_close_fdp(&lock->fd);
    g_free(lock->path);
    g_free(lock);
}
