/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fileutil.h: atomic file replacement, fd helpers and advisory file locks. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>
#include <unistd.h>

/* An fd that closes itself at the end of scope (GLib 2.74 lacks g_autofd). */
void prov_close_fdp(int *fdp);
#define PROV_AUTOCLOSE __attribute__((cleanup(prov_close_fdp)))

/* Take ownership of *fdp, leaving -1 behind (systemd TAKE_FD). */
static inline int
prov_steal_fd(int *fdp)
{
    int fd = *fdp;
    *fdp = -1;
    return fd;
}

/**
 * prov_file_write_atomic:
 * @path: absolute destination path
 * @data: bytes to write
 * @len: number of bytes
 * @mode: permission bits of the new file
 *
 * Writes to a temporary file in the same directory, fsyncs it, renames it over @path
 * and fsyncs the directory, so a crash leaves either the old or the new content.
 * Returns false with @error set on failure; the temporary file is removed then.
 */
bool prov_file_write_atomic(const char *path, const char *data, gsize len, mode_t mode,
                            GError **error);

/* Removes @path and fsyncs its directory; a missing file is not an error. */
bool prov_file_unlink_durable(const char *path, GError **error);

/* mkdir -p with @mode for the created components. */
bool prov_mkdir_p(const char *path, mode_t mode, GError **error);

/* Read a whole file (NULL with error set on failure). */
char *prov_file_read_all(const char *path, gsize max_len, gsize *ret_len, GError **error);

typedef struct _ProvFileLock ProvFileLock;

typedef enum {
    PROV_LOCK_SHARED = 1 << 0,     /* LOCK_SH instead of LOCK_EX */
    PROV_LOCK_NONBLOCK = 1 << 1,   /* fail with PROV_ERR_RESOURCE_BUSY instead of waiting */
} ProvLockFlags;

/**
 * prov_file_lock_acquire:
 * @path: lock file (created 0600 if missing, parent directories too)
 * @flags: ProvLockFlags
 * @what: description of the locked object for the message, e.g. "volume 'v1'"
 *
 * flock(2)-based advisory lock.  Locks are per open file description, so two
 * acquisitions in the same process conflict exactly as two processes do; the
 * daemon's threads and separate provctl processes share one mechanism.
 * Returns the lock, or NULL with PROV_ERR_RESOURCE_BUSY ("<what> is busy") when
 * PROV_LOCK_NONBLOCK is set and the lock is held elsewhere.
 */
ProvFileLock *prov_file_lock_acquire(const char *path, unsigned int flags, const char *what,
                                     GError **error);

/* Is a lock on @path currently held by anyone (tested without blocking)? */
bool prov_file_lock_is_held(const char *path);

void prov_file_lock_release(ProvFileLock *lock);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvFileLock, prov_file_lock_release)
