/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netfs.c: the 'netfs' pool kind: an NFS, CIFS or GlusterFS export mounted at the target. */
#define G_LOG_DOMAIN "provd-backend-netfs"

#include "config.h"
#include "backends/backends.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "storage/volume_local.h"
#include "util/command.h"
#include "util/error.h"

/*
 * Time limits.  A network filesystem whose server is gone blocks whoever touches
 * it: an NFS "hard" mount (the default, and what guests' images need) retries for
 * ever, stat() and statvfs() of the mount hang, and so does a plain umount (measured
 * in the test VM: killed after 20 s).  So nothing here waits without a bound.
 */
#define NETFS_MOUNT_TIMEOUT_MS (30 * 1000)         /* mount.nfs itself retries for 2 min */
#define NETFS_UMOUNT_TIMEOUT_MS (30 * 1000)
#define NETFS_SHOWMOUNT_TIMEOUT_MS (30 * 1000)
#define NETFS_PROBE_TIMEOUT_MS (10 * 1000)         /* one statvfs: one RPC round trip */
#define NETFS_USAGE_TIMEOUT_MS (2 * 1000)          /* sizes for listings: optional */
#define NETFS_REFRESH_TIMEOUT_MS (10 * 60 * 1000)  /* a whole directory scan */

/* ---- the source ------------------------------------------------------------- */

static ProvNetfsFormat
netfs_format(const ProvPoolDef *def)
{
    return def->source.format < 0 ? PROV_NETFS_AUTO : (ProvNetfsFormat)def->source.format;
}

static const char *
netfs_host(const ProvPoolDef *def)
{
    const ProvPoolSourceHost *host;

    if (def->source.hosts->len != 1)
        return NULL;
    host = g_ptr_array_index(def->source.hosts, 0);
    return host->name;
}

/* For messages: "NFS server 'h' is not responding". */
static const char *
netfs_server_kind(const ProvPoolDef *def)
{
    switch (netfs_format(def)) {
    case PROV_NETFS_CIFS:
        return "CIFS";
    case PROV_NETFS_GLUSTERFS:
        return "GlusterFS";
    case PROV_NETFS_AUTO:
    case PROV_NETFS_NFS:
    case PROV_NETFS_LAST:
        break;
    }
    return "NFS";
}

/* A host name, IPv4 address or IPv6 address (bracketed or not), never an option. */
static bool
netfs_host_valid(const char *host)
{
    const char *p;

    if (!host || !*host || host[0] == '-')
        return false;
    for (p = host; *p; p++)
        if (!g_ascii_isalnum(*p) && !strchr(".-_:[]%", *p))
            return false;
    return true;
}

static bool
netfs_check_host(const char *who, const char *host, GError **error)
{
    if (netfs_host_valid(host))
        return true;
    g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                "%s: source host '%s' is not a host name or address", who, host);
    return false;
}

static bool
netfs_check_source(const ProvPoolDef *def, GError **error)
{
    g_autofree char *who = g_strdup_printf("storage pool '%s'", def->name);
    const char *host = netfs_host(def);
    const char *dir = def->source.dir;

    if (!host) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "storage pool '%s': a netfs pool needs exactly one source host",
                    def->name);
        return false;
    }
    if (!netfs_check_host(who, host, error))
        return false;
    if (!dir || !*dir) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "storage pool '%s': a netfs pool needs a source dir", def->name);
        return false;
    }
    if ((netfs_format(def) == PROV_NETFS_NFS || netfs_format(def) == PROV_NETFS_AUTO) &&
        !g_path_is_absolute(dir)) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "storage pool '%s': source dir '%s' of an NFS export is not an absolute "
                    "path", def->name, dir);
        return false;
    }
    if (!def->target_path || !g_path_is_absolute(def->target_path)) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "storage pool '%s': target path '%s' is not absolute", def->name,
                    def->target_path ? def->target_path : "");
        return false;
    }
    return true;
}

/**
 * prov_netfs_mount_source:
 * @def: a netfs pool
 *
 * What mount is given and /proc/self/mountinfo shows as the source:
 * "//host/share" for cifs (libvirt's XML gives the share without a slash,
 * 'samba_share'; a leading slash is accepted too), "host:/dir" for the others,
 * with an IPv6 address in brackets ("[fd00::1]:/dir") as mount.nfs needs it.
 * Returns a new string, or NULL when the pool has no single host or no dir.
 */
char *
prov_netfs_mount_source(const ProvPoolDef *def)
{
    const char *host = netfs_host(def);
    const char *dir = def->source.dir;

    if (!host || !dir)
        return NULL;
    if (netfs_format(def) == PROV_NETFS_CIFS) {
        while (*dir == '/')
            dir++;
        return g_strdup_printf("//%s/%s", host, dir);
    }
    if (strchr(host, ':') && host[0] != '[')
        return g_strdup_printf("[%s]:%s", host, dir);
    return g_strdup_printf("%s:%s", host, dir);
}

/* ---- is it mounted? ------------------------------------------------------------ */

/**
 * prov_netfs_find_mount:
 * @mountinfo: the text of /proc/self/mountinfo
 * @mount_point: canonical mount point
 * @source: prov_netfs_mount_source() of the pool
 * @ret_other: (out) (optional): when @source is not mounted there, the source of
 *   what is (the topmost mount), or NULL
 *
 * A network source has no device number to compare (fs pools compare those), so
 * the pool is recognised by mount point and source string, e.g.
 *   36 29 0:33 / /mnt/a rw,nosuid,nodev,noexec,relatime - nfs 127.0.0.1:/srv/export rw,...
 * Returns whether @source is mounted on @mount_point.
 */
bool
prov_netfs_find_mount(const char *mountinfo, const char *mount_point, const char *source,
                      char **ret_other)
{
    g_autoptr(GPtrArray) entries = prov_mountinfo_parse(mountinfo);
    const char *other = NULL;
    guint i;

    if (ret_other)
        *ret_other = NULL;
    for (i = 0; i < entries->len; i++) {
        const ProvMountEntry *entry = g_ptr_array_index(entries, i);

        if (!g_str_equal(entry->mount_point, mount_point))
            continue;
        if (g_str_equal(entry->source, source))
            return true;
        other = entry->source;
    }
    if (ret_other && other)
        *ret_other = g_strdup(other);
    return false;
}

/*
 * The target as /proc/self/mountinfo shows it, worked out without touching the
 * target itself: when a dead server's export is mounted there, stat() of it can
 * hang, while its parent is a local directory.  NULL when the parent is missing.
 */
static char *
netfs_mount_point(const ProvPoolDef *def)
{
    g_autofree char *parent = g_path_get_dirname(def->target_path);
    g_autofree char *base = g_path_get_basename(def->target_path);
    g_autofree char *real = realpath(parent, NULL);

    if (!real)
        return NULL;
    return g_build_filename(real, base, NULL);
}

typedef struct {
    char *mount_point;   /* canonical; NULL when the target's parent does not exist */
    char *source;        /* prov_netfs_mount_source() */
    bool mounted;        /* @source is mounted on @mount_point */
    char *other;         /* else the source of whatever is mounted there, or NULL */
} NetfsState;

static void
netfs_state_clear(NetfsState *st)
{
    g_clear_pointer(&st->mount_point, g_free);
    g_clear_pointer(&st->source, g_free);
    g_clear_pointer(&st->other, g_free);
    st->mounted = false;
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(NetfsState, netfs_state_clear)

/* Reads mountinfo only: safe (and quick) whatever state the server is in. */
static bool
netfs_state_read(const ProvPoolDef *def, NetfsState *st, GError **error)
{
    g_autofree char *info = NULL;

    netfs_state_clear(st);
    if (!netfs_check_source(def, error))
        return false;
    st->source = prov_netfs_mount_source(def);
    if (!(st->mount_point = netfs_mount_point(def)))
        return true;
    if (!g_file_get_contents("/proc/self/mountinfo", &info, NULL, error))
        return false;
    st->mounted = prov_netfs_find_mount(info, st->mount_point, st->source, &st->other);
    return true;
}

static bool
netfs_require_mounted(const ProvPoolDef *def, const NetfsState *st, GError **error)
{
    if (st->mounted)
        return true;
    g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_INVALID,
                "storage pool '%s': '%s' is not mounted on '%s'", def->name, st->source,
                def->target_path);
    return false;
}

/* ---- waiting with a bound ---------------------------------------------------- */

/*
 * A syscall on a mount whose server is gone sleeps in the kernel until the server
 * answers; no signal but SIGKILL ends it, and no timeout can be set on it.  So the
 * calls that touch the mount run in a helper thread, and the caller waits for it
 * with a time limit.  A thread that misses the limit is abandoned: it keeps its own
 * copy of everything it uses, frees it if it ever returns (the server came back),
 * and otherwise dies with the process (the kernel's NFS waits are killable, so a
 * one-shot provctl exits normally; a long-running daemon keeps one blocked thread
 * per abandoned call until the server answers).  While one is stuck on a mount,
 * later probes of that mount fail at once instead of piling up more threads.
 */
typedef struct {
    gint refs;                /* the waiter's and the thread's */
    GMutex lock;
    GCond cond;
    bool done;
    bool abandoned;           /* the waiter gave up: @data is the job's to free */
    bool ok;
    GError *error;
    ProvBoundedFunc func;
    gpointer data;
    GDestroyNotify data_free;
    char *key;
} NetfsJob;

/* key (a mount point) -> number of abandoned jobs still blocked on it */
static GMutex netfs_stuck_lock;
static GHashTable *netfs_stuck;

static void
netfs_stuck_update(const char *key, bool add)
{
    guint n;

    g_mutex_lock(&netfs_stuck_lock);
    if (!netfs_stuck)
        netfs_stuck = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    n = GPOINTER_TO_UINT(g_hash_table_lookup(netfs_stuck, key));
    n = add ? n + 1 : n - 1;
    if (n == 0)
        g_hash_table_remove(netfs_stuck, key);
    else
        g_hash_table_insert(netfs_stuck, g_strdup(key), GUINT_TO_POINTER(n));
    g_mutex_unlock(&netfs_stuck_lock);
}

/**
 * prov_netfs_is_stuck:
 * @key: what prov_netfs_run_bounded() was given
 *
 * Returns whether a call on @key missed its time limit and has not returned yet.
 */
bool
prov_netfs_is_stuck(const char *key)
{
    bool stuck;

    g_mutex_lock(&netfs_stuck_lock);
    stuck = netfs_stuck && g_hash_table_contains(netfs_stuck, key);
    g_mutex_unlock(&netfs_stuck_lock);
    return stuck;
}

static void
netfs_job_unref(NetfsJob *job)
{
    if (!g_atomic_int_dec_and_test(&job->refs))
        return;
    if (job->abandoned && job->data_free && job->data)
        job->data_free(job->data);
    g_clear_error(&job->error);
    g_mutex_clear(&job->lock);
    g_cond_clear(&job->cond);
    g_free(job->key);
    g_free(job);
}

static gpointer
netfs_job_thread(gpointer opaque)
{
    NetfsJob *job = opaque;
    GError *local = NULL;
    bool ok = job->func(job->data, &local);
    bool abandoned;

    g_mutex_lock(&job->lock);
    job->ok = ok;
    job->error = local;
    job->done = true;
    abandoned = job->abandoned;
    g_cond_signal(&job->cond);
    g_mutex_unlock(&job->lock);
    if (abandoned) {
        g_debug("'%s' answered after its call had been given up", job->key);
        netfs_stuck_update(job->key, false);
    }
    netfs_job_unref(job);
    return NULL;
}

/**
 * prov_netfs_run_bounded:
 * @key: what the call blocks on (the mount point), for prov_netfs_is_stuck()
 * @func: the call; runs in a new thread
 * @data: @func's argument
 * @data_free: frees @data if the call is abandoned
 * @timeout_ms: how long to wait
 * @ret_timed_out: (out): whether the time ran out
 *
 * Runs @func(@data) in a helper thread and waits at most @timeout_ms for it.
 * When it returns in time, its result and error are returned and @data is still
 * the caller's.  When it does not, *@ret_timed_out is set, false is returned
 * WITHOUT an error (the caller knows what did not answer and says so), and
 * @data belongs to the abandoned call, which frees it if it ever returns.
 */
bool
prov_netfs_run_bounded(const char *key, ProvBoundedFunc func, gpointer data,
                       GDestroyNotify data_free, guint timeout_ms, bool *ret_timed_out,
                       GError **error)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * G_TIME_SPAN_MILLISECOND;
    NetfsJob *job = g_new0(NetfsJob, 1);
    GError *local = NULL;
    GThread *thread;
    bool ok;

    *ret_timed_out = false;
    job->refs = 2;
    g_mutex_init(&job->lock);
    g_cond_init(&job->cond);
    job->func = func;
    job->data = data;
    job->data_free = data_free;
    job->key = g_strdup(key);
    if (!(thread = g_thread_try_new("prov-netfs", netfs_job_thread, job, &local))) {
        job->refs = 1;
        netfs_job_unref(job);
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INTERNAL_ERROR,
                    "cannot start a thread to access '%s': %s", key, local->message);
        g_error_free(local);
        return false;
    }
    /* Never joined: an abandoned thread must be able to end on its own. */
    g_thread_unref(thread);

    g_mutex_lock(&job->lock);
    while (!job->done && g_cond_wait_until(&job->cond, &job->lock, deadline))
        ;
    if (!job->done) {
        job->abandoned = true;
        netfs_stuck_update(key, true);
        g_mutex_unlock(&job->lock);
        netfs_job_unref(job);
        *ret_timed_out = true;
        return false;
    }
    g_mutex_unlock(&job->lock);
    ok = job->ok;
    if (!ok)
        g_propagate_error(error, g_steal_pointer(&job->error));
    netfs_job_unref(job);
    return ok;
}

/* ---- is the server answering? --------------------------------------------------- */

typedef struct {
    char *pool_name;
    char *source;
    char *path;
    bool check_write;
    int write_errno;          /* access(W_OK) result when check_write: 0 or errno */
} NetfsProbe;

static void
netfs_probe_free(NetfsProbe *probe)
{
    g_free(probe->pool_name);
    g_free(probe->source);
    g_free(probe->path);
    g_free(probe);
}

/* statvfs is answered by the server (NFS FSSTAT), never from a client cache. */
static bool
netfs_probe_work(gpointer data, GError **error)
{
    NetfsProbe *probe = data;
    struct statvfs sv;

    /* The server answered, with an error: EACCES or ESTALE once it has withdrawn the
     * export (`exportfs -u`), measured in the test VM. */
    if (statvfs(probe->path, &sv) < 0)
        return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                    "storage pool '%s': cannot use '%s' mounted on '%s' (has "
                                    "the server withdrawn the export?)", probe->pool_name,
                                    probe->source, probe->path);
    /* On NFS access() asks the server, which applies its root_squash mapping. */
    if (probe->check_write && access(probe->path, W_OK) < 0)
        probe->write_errno = errno;
    return true;
}

static void
netfs_set_not_responding(const ProvPoolDef *def, const char *mount_point, guint timeout_ms,
                         GError **error)
{
    if (timeout_ms)
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_TIMEOUT,
                    "storage pool '%s': %s server '%s' is not responding (no answer about "
                    "'%s' within %u s)", def->name, netfs_server_kind(def), netfs_host(def),
                    mount_point, timeout_ms / 1000);
    else
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_TIMEOUT,
                    "storage pool '%s': %s server '%s' is not responding (an earlier call "
                    "on '%s' is still waiting for it)", def->name, netfs_server_kind(def),
                    netfs_host(def), mount_point);
}

/*
 * One statvfs of the mount, waiting at most @timeout_ms.  PROV_ERR_OPERATION_TIMEOUT
 * when the server does not answer; an errno error when it answers with a failure
 * (ESTALE or EACCES after the export was withdrawn).
 */
static bool
netfs_probe(const ProvPoolDef *def, const NetfsState *st, guint timeout_ms,
            bool check_write, int *ret_write_errno, GError **error)
{
    NetfsProbe *probe;
    bool timed_out;
    bool ok;

    if (prov_netfs_is_stuck(st->mount_point)) {
        netfs_set_not_responding(def, st->mount_point, 0, error);
        return false;
    }
    probe = g_new0(NetfsProbe, 1);
    probe->pool_name = g_strdup(def->name);
    probe->source = g_strdup(st->source);
    probe->path = g_strdup(st->mount_point);
    probe->check_write = check_write;
    ok = prov_netfs_run_bounded(st->mount_point, netfs_probe_work, probe,
                                (GDestroyNotify)netfs_probe_free, timeout_ms, &timed_out,
                                error);
    if (timed_out) {
        netfs_set_not_responding(def, st->mount_point, timeout_ms, error);
        return false;
    }
    if (ok && ret_write_errno)
        *ret_write_errno = probe->write_errno;
    netfs_probe_free(probe);
    return ok;
}

/* Mounted, and its server answers within @timeout_ms: volumes may be touched. */
static bool
netfs_ready(ProvStoragePool *pool, guint timeout_ms, GError **error)
{
    g_auto(NetfsState) st = { 0 };

    return netfs_state_read(pool->def, &st, error) &&
           netfs_require_mounted(pool->def, &st, error) &&
           netfs_probe(pool->def, &st, timeout_ms, false, NULL, error);
}

/* ---- the pool ------------------------------------------------------------------- */

static bool
netfs_check_pool(ProvStoragePool *pool, bool *ret_active, GError **error)
{
    g_auto(NetfsState) st = { 0 };

    *ret_active = false;
    if (!netfs_state_read(pool->def, &st, error))
        return false;
    *ret_active = st.mounted;
    return true;
}

static bool
netfs_check_unmounted(const ProvPoolDef *def, const NetfsState *st, GError **error)
{
    if (!st->mounted && !st->other)
        return true;
    g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_INVALID,
                "storage pool '%s': target path '%s' has '%s' mounted on it", def->name,
                def->target_path, st->mounted ? st->source : st->other);
    return false;
}

/* Build = the mount point (libvirt's netfs build is a mkdir too). */
static bool
netfs_build_pool(ProvStoragePool *pool, unsigned int flags, GError **error)
{
    g_auto(NetfsState) st = { 0 };

    if (flags & (PROV_POOL_BUILD_OVERWRITE | PROV_POOL_BUILD_NO_OVERWRITE)) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_ARGUMENT_UNSUPPORTED,
                    "storage pool '%s': --overwrite and --no-overwrite apply to pools with a "
                    "source device, not to netfs pools", pool->def->name);
        return false;
    }
    if (!netfs_state_read(pool->def, &st, error) || !netfs_check_unmounted(pool->def, &st, error))
        return false;
    return prov_dir_pool_build(pool, flags, error);
}

static bool
netfs_delete_pool(ProvStoragePool *pool, unsigned int flags, GError **error)
{
    g_auto(NetfsState) st = { 0 };

    if (!netfs_state_read(pool->def, &st, error) || !netfs_check_unmounted(pool->def, &st, error))
        return false;
    return prov_dir_pool_delete(pool, flags, error);
}

static bool
netfs_start_pool(ProvStoragePool *pool, GError **error)
{
    const ProvPoolDef *def = pool->def;
    g_auto(NetfsState) st = { 0 };
    g_auto(NetfsState) after = { 0 };
    g_autoptr(ProvCommand) cmd = NULL;
    g_autoptr(GError) local = NULL;

    if (!netfs_state_read(def, &st, error))
        return false;
    if (st.mounted)
        return true;
    if (!netfs_check_unmounted(def, &st, error) || !prov_dir_pool_check_target(pool, error))
        return false;
    cmd = prov_fs_mount_command(def);
    prov_command_set_timeout(cmd, NETFS_MOUNT_TIMEOUT_MS);
    if (!prov_command_run(cmd, NULL, NULL, &local)) {
        if (g_error_matches(local, PROV_COMMAND_ERROR, PROV_ERR_OPERATION_TIMEOUT))
            g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_TIMEOUT,
                        "storage pool '%s': cannot mount '%s' on '%s': %s server '%s' did not "
                        "answer within %d s", def->name, st.source, def->target_path,
                        netfs_server_kind(def), netfs_host(def), NETFS_MOUNT_TIMEOUT_MS / 1000);
        else
            g_set_error(error, PROV_STORAGE_ERROR, prov_error_code(local),
                        "storage pool '%s': cannot mount '%s' on '%s': %s", def->name,
                        st.source, def->target_path, local->message);
        return false;
    }

    /* check_pool recognises the pool by what mountinfo shows: make sure it will. */
    if (!netfs_state_read(def, &after, error))
        return false;
    if (after.mounted)
        return true;
    if (after.other) {
        g_autoptr(ProvCommand) undo = prov_command_new_args(UMOUNT, after.mount_point, NULL);
        g_autoptr(GError) undo_err = NULL;

        prov_command_set_timeout(undo, NETFS_UMOUNT_TIMEOUT_MS);
        if (!prov_command_run(undo, NULL, NULL, &undo_err))
            g_warning("storage pool '%s': %s, ignoring", def->name, undo_err->message);
    }
    g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_FAILED,
                "storage pool '%s': mount of '%s' on '%s' succeeded, but /proc/self/mountinfo "
                "shows '%s' there", def->name, st.source, def->target_path,
                after.other ? after.other : "nothing");
    return false;
}

/*
 * umount(8) of a mount whose server is gone hangs (it syncs and asks the server),
 * so stop detaches such a mount lazily: `umount -l` takes it out of the namespace
 * at once and the kernel lets go of it when its last user does.  Not `-f`: that
 * would abort the I/O of processes (guests) still waiting on the server with EIO,
 * where a lazy detach lets them carry on if the server comes back.
 */
static bool
netfs_detach_lazily(const ProvPoolDef *def, const NetfsState *st, const char *why,
                    GError **error)
{
    g_autoptr(ProvCommand) cmd = prov_command_new_args(UMOUNT, "-l", st->mount_point, NULL);
    g_autoptr(GError) local = NULL;

    prov_command_set_timeout(cmd, NETFS_UMOUNT_TIMEOUT_MS);
    if (!prov_command_run(cmd, NULL, NULL, &local)) {
        g_set_error(error, PROV_STORAGE_ERROR, prov_error_code(local),
                    "%s; detaching '%s' lazily failed too: %s", why, st->mount_point,
                    local->message);
        return false;
    }
    g_warning("%s; detached '%s' lazily (umount -l): I/O still pending on it waits for the "
              "server", why, st->mount_point);
    return true;
}

/*
 * Stop: a plain umount when the server answers (a busy mount is an error then, as
 * in libvirt), a lazy detach when it does not or when umount hung.
 */
static bool
netfs_stop_pool(ProvStoragePool *pool, GError **error)
{
    const ProvPoolDef *def = pool->def;
    g_auto(NetfsState) st = { 0 };
    g_autoptr(ProvCommand) cmd = NULL;
    g_autoptr(GError) local = NULL;

    if (!netfs_state_read(def, &st, error))
        return false;
    if (!st.mounted)
        return true;
    if (!netfs_probe(def, &st, NETFS_PROBE_TIMEOUT_MS, false, NULL, &local) &&
        g_error_matches(local, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_TIMEOUT))
        return netfs_detach_lazily(def, &st, local->message, error);
    g_clear_error(&local);

    cmd = prov_command_new_args(UMOUNT, st.mount_point, NULL);
    prov_command_set_timeout(cmd, NETFS_UMOUNT_TIMEOUT_MS);
    if (prov_command_run(cmd, NULL, NULL, &local))
        return true;
    if (g_error_matches(local, PROV_COMMAND_ERROR, PROV_ERR_OPERATION_TIMEOUT)) {
        g_autofree char *why = g_strdup_printf("storage pool '%s': unmounting '%s' hung (%s)",
                                               def->name, st.mount_point, local->message);
        return netfs_detach_lazily(def, &st, why, error);
    }
    g_set_error(error, PROV_STORAGE_ERROR, prov_error_code(local),
                "storage pool '%s': cannot unmount '%s': %s", def->name, st.mount_point,
                local->message);
    return false;
}

/* The copy of the pool a bounded refresh works on (it may outlive the caller's). */
static void
netfs_scan_free(ProvStoragePool *copy)
{
    prov_pool_def_free(copy->def);
    if (copy->vols)
        g_ptr_array_unref(copy->vols);
    g_free(copy->state_dir);
    g_free(copy->root);
    g_free(copy);
}

static bool
netfs_scan_work(gpointer data, GError **error)
{
    return prov_local_pool_refresh(data, error);
}

/*
 * Refresh = the dir pool's directory scan, once the server has answered a probe,
 * and itself with a (longer) time limit in case the server dies halfway through.
 */
static bool
netfs_refresh_pool(ProvStoragePool *pool, GError **error)
{
    ProvPoolDef *def = pool->def;
    g_auto(NetfsState) st = { 0 };
    ProvStoragePool *copy;
    ProvPerms perms;
    bool timed_out;

    if (!netfs_state_read(def, &st, error) || !netfs_require_mounted(def, &st, error) ||
        !netfs_probe(def, &st, NETFS_PROBE_TIMEOUT_MS, false, NULL, error))
        return false;

    copy = g_new0(ProvStoragePool, 1);
    copy->def = prov_pool_def_copy(def);
    copy->vols = g_ptr_array_new_with_free_func((GDestroyNotify)prov_vol_def_free);
    copy->state_dir = g_strdup(pool->state_dir);
    copy->root = g_strdup(pool->root);
    if (!prov_netfs_run_bounded(st.mount_point, netfs_scan_work, copy,
                                (GDestroyNotify)netfs_scan_free, NETFS_REFRESH_TIMEOUT_MS,
                                &timed_out, error)) {
        if (timed_out)
            g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_TIMEOUT,
                        "storage pool '%s': reading '%s' took longer than %d s (is %s server "
                        "'%s' responding?)", def->name, st.mount_point,
                        NETFS_REFRESH_TIMEOUT_MS / 1000, netfs_server_kind(def),
                        netfs_host(def));
        else
            netfs_scan_free(copy);
        return false;
    }

    if (!pool->vols)
        pool->vols = g_ptr_array_new_with_free_func((GDestroyNotify)prov_vol_def_free);
    g_ptr_array_set_size(pool->vols, 0);
    g_ptr_array_extend_and_steal(pool->vols, g_steal_pointer(&copy->vols));
    def->capacity = copy->def->capacity;
    def->allocation = copy->def->allocation;
    def->available = copy->def->available;
    perms = def->target_perms;
    def->target_perms = copy->def->target_perms;
    copy->def->target_perms = perms;
    netfs_scan_free(copy);
    return true;
}

/* ---- find-storage-pool-sources ----------------------------------------------------- */

/**
 * prov_netfs_showmount_command:
 * @host: the NFS server (already checked to be a host name or address)
 *
 * `showmount --no-headers --exports -- HOST`: libvirt's command, with "--".
 * Returns a new command.
 */
ProvCommand *
prov_netfs_showmount_command(const char *host)
{
    return prov_command_new_args(SHOWMOUNT, "--no-headers", "--exports", "--", host, NULL);
}

/**
 * prov_netfs_showmount_parse:
 * @output: stdout of `showmount --exports` (with or without --no-headers)
 *
 * showmount (nfs-utils) prints one export per line: the path, padded with blanks,
 * then the clients it is exported to, comma-separated ("*" for everyone):
 *   Export list for 127.0.0.1:
 *   /srv/with space *
 *   /srv/export     localhost
 * (captured in the test VM: tests/netfsdata/).  A path may hold blanks, a client
 * list never does, so the path is everything before the last run of blanks.  The
 * header line and anything not starting with '/' are skipped.
 * Returns a new array of the export paths (strings), in the server's order.
 */
GPtrArray *
prov_netfs_showmount_parse(const char *output)
{
    GPtrArray *dirs = g_ptr_array_new_with_free_func(g_free);
    g_auto(GStrv) lines = g_strsplit(output, "\n", -1);
    guint i;

    for (i = 0; lines[i]; i++) {
        char *line = g_strchomp(lines[i]);
        char *end;

        if (line[0] != '/')
            continue;
        end = line + strlen(line);
        while (end > line && end[-1] != ' ' && end[-1] != '\t')
            end--;
        if (end == line) {
            /* No client list at all: the whole line is the path. */
            g_ptr_array_add(dirs, g_strdup(line));
            continue;
        }
        while (end > line && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        if (end > line)
            g_ptr_array_add(dirs, g_strndup(line, end - line));
    }
    return dirs;
}

/*
 * Input: <source><host name='nfs.example.com'/></source> (a port is ignored, as by
 * libvirt).  Output: one <source> per export, with format nfs.  libvirt also asks
 * the `gluster` CLI for volumes when it is installed; provd does not.
 */
static char *
netfs_find_pool_sources(const char *srcspec, unsigned int flags, GError **error)
{
    g_autoptr(ProvPoolSource) spec = NULL;
    g_autoptr(ProvCommand) cmd = NULL;
    g_autoptr(GPtrArray) dirs = NULL;
    g_autoptr(GPtrArray) sources = NULL;
    g_autofree char *out = NULL;
    const ProvPoolSourceHost *host;
    guint i;

    if (flags) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INVALID_ARG,
                    "unsupported flags (0x%x) for netfs pool sources", flags);
        return NULL;
    }
    if (!srcspec) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INVALID_ARG,
                    "finding netfs pool sources needs the server: "
                    "<source><host name='...'/></source>");
        return NULL;
    }
    if (!(spec = prov_pool_source_parse_string(PROV_POOL_NETFS, srcspec, error)))
        return NULL;
    if (spec->hosts->len != 1) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INVALID_ARG,
                    "finding netfs pool sources needs exactly one host, not %u",
                    spec->hosts->len);
        return NULL;
    }
    host = g_ptr_array_index(spec->hosts, 0);
    if (!netfs_check_host("netfs pool sources", host->name, error))
        return NULL;

    cmd = prov_netfs_showmount_command(host->name);
    prov_command_set_timeout(cmd, NETFS_SHOWMOUNT_TIMEOUT_MS);
    if (!prov_command_run(cmd, &out, NULL, error)) {
        g_prefix_error(error, "cannot list the exports of NFS server '%s': ", host->name);
        return NULL;
    }
    dirs = prov_netfs_showmount_parse(out);
    sources = g_ptr_array_new_with_free_func((GDestroyNotify)prov_pool_source_free);
    for (i = 0; i < dirs->len; i++) {
        ProvPoolSource *src = prov_pool_source_new();

        prov_pool_source_add_host(src, host->name, 0);
        src->dir = g_strdup(g_ptr_array_index(dirs, i));
        src->format = PROV_NETFS_NFS;
        g_ptr_array_add(sources, src);
    }
    return prov_pool_source_list_format(PROV_POOL_NETFS, sources);
}

/* ---- volumes: the dir pool's, once the server has answered ------------------------- */

/*
 * Root creating files on an export with root_squash (the NFS default) is mapped to
 * an anonymous user and gets EACCES: say so instead of a bare "Permission denied".
 * libvirt creates as the target directory's owner instead; provd does not.
 */
static void
netfs_explain_denied(ProvStoragePool *pool, const ProvVolDef *vol, GError **error)
{
    const ProvPoolDef *def = pool->def;
    g_auto(NetfsState) st = { 0 };
    g_autoptr(GError) local = NULL;
    int write_errno = 0;

    if (!error || !*error)
        return;
    if (!netfs_state_read(def, &st, &local) || !st.mounted ||
        !netfs_probe(def, &st, NETFS_PROBE_TIMEOUT_MS, true, &write_errno, &local))
        return;
    if (write_errno != EACCES && write_errno != EPERM)
        return;
    g_clear_error(error);
    g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_DENIED,
                "storage pool '%s': cannot create volume '%s': %s server '%s' refuses root "
                "write access to '%s' (an export with root_squash maps root to an anonymous "
                "user); export it with no_root_squash, or make the exported directory "
                "writable by that user", def->name, vol->name, netfs_server_kind(def),
                netfs_host(def), st.source);
}

/* Before any volume operation. */
static bool
netfs_vol_ready(ProvStoragePool *pool, GError **error)
{
    return netfs_ready(pool, NETFS_PROBE_TIMEOUT_MS, error);
}

/* Listings ask every active pool for its sizes: a dead server must not make them slow. */
static bool
netfs_pool_usage(ProvStoragePool *pool, GError **error)
{
    return netfs_ready(pool, NETFS_USAGE_TIMEOUT_MS, error) &&
           prov_local_pool_usage(pool, error);
}

static bool
netfs_vol_lookup(ProvStoragePool *pool, const char *name, ProvVolDef **ret_vol,
                 GError **error)
{
    *ret_vol = NULL;
    return netfs_vol_ready(pool, error) && prov_local_vol_lookup(pool, name, ret_vol, error);
}

static bool
netfs_vol_create(ProvStoragePool *pool, ProvVolDef *vol, GError **error)
{
    return netfs_vol_ready(pool, error) && prov_local_vol_create(pool, vol, error);
}

static bool
netfs_vol_build(ProvStoragePool *pool, ProvVolDef *vol, unsigned int flags,
                const ProvProgress *progress, GError **error)
{
    if (!netfs_vol_ready(pool, error))
        return false;
    if (prov_local_vol_build(pool, vol, flags, progress, error))
        return true;
    netfs_explain_denied(pool, vol, error);
    return false;
}

static bool
netfs_vol_build_from(ProvStoragePool *pool, ProvVolDef *vol, const ProvVolDef *src,
                     unsigned int flags, const ProvProgress *progress, GError **error)
{
    if (!netfs_vol_ready(pool, error))
        return false;
    if (prov_local_vol_build_from(pool, vol, src, flags, progress, error))
        return true;
    netfs_explain_denied(pool, vol, error);
    return false;
}

static bool
netfs_vol_refresh(ProvStoragePool *pool, ProvVolDef *vol, GError **error)
{
    return netfs_vol_ready(pool, error) && prov_local_vol_refresh(pool, vol, error);
}

static bool
netfs_vol_delete(ProvStoragePool *pool, ProvVolDef *vol, unsigned int flags, GError **error)
{
    return netfs_vol_ready(pool, error) && prov_local_vol_delete(pool, vol, flags, error);
}

static bool
netfs_vol_resize(ProvStoragePool *pool, ProvVolDef *vol, guint64 capacity, unsigned int flags,
                 GError **error)
{
    return netfs_vol_ready(pool, error) && prov_local_vol_resize(pool, vol, capacity, flags, error);
}

static bool
netfs_vol_upload(ProvStoragePool *pool, ProvVolDef *vol, int fd, guint64 offset,
                 guint64 length, unsigned int flags, const ProvProgress *progress,
                 GError **error)
{
    return netfs_vol_ready(pool, error) &&
           prov_local_vol_upload(pool, vol, fd, offset, length, flags, progress, error);
}

static bool
netfs_vol_download(ProvStoragePool *pool, ProvVolDef *vol, int fd, guint64 offset,
                   guint64 length, unsigned int flags, const ProvProgress *progress,
                   GError **error)
{
    return netfs_vol_ready(pool, error) &&
           prov_local_vol_download(pool, vol, fd, offset, length, flags, progress, error);
}

static bool
netfs_vol_wipe(ProvStoragePool *pool, ProvVolDef *vol, ProvWipeAlgorithm algorithm,
               unsigned int flags, const ProvProgress *progress, GError **error)
{
    return netfs_vol_ready(pool, error) &&
           prov_local_vol_wipe(pool, vol, algorithm, flags, progress, error);
}

const ProvStorageBackend prov_backend_netfs = {
    .type = PROV_POOL_NETFS,
    .check_pool = netfs_check_pool,
    .build_pool = netfs_build_pool,
    .start_pool = netfs_start_pool,
    .refresh_pool = netfs_refresh_pool,
    .stop_pool = netfs_stop_pool,
    .delete_pool = netfs_delete_pool,
    .find_pool_sources = netfs_find_pool_sources,
    .pool_usage = netfs_pool_usage,
    .lookup_vol = netfs_vol_lookup,
    .create_vol = netfs_vol_create,
    .build_vol = netfs_vol_build,
    .build_vol_from = netfs_vol_build_from,
    .refresh_vol = netfs_vol_refresh,
    .delete_vol = netfs_vol_delete,
    .resize_vol = netfs_vol_resize,
    .upload_vol = netfs_vol_upload,
    .download_vol = netfs_vol_download,
    .wipe_vol = netfs_vol_wipe,
};
