/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* network_dnsmasq_proc.c: start, find, reload and stop self-daemonizing dnsmasq and radvd. */
#define G_LOG_DOMAIN "prov-net-daemon"

#include "network/network_dnsmasq_proc.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/error.h"
#include "util/fileutil.h"

/* How long to wait for a process to go away after SIGKILL. */
#define PROV_NET_DAEMON_KILL_WAIT_MS 2000

/* What readlink(/proc/<pid>/exe) appends once the binary was replaced or removed. */
#define PROV_NET_DAEMON_DELETED_SUFFIX " (deleted)"

static gint64
prov_net_daemon_now_ms(void)
{
    return g_get_monotonic_time() / 1000;
}

/**
 * prov_net_daemon_read_pidfile:
 * @pidfile: a pid file
 * @ret_pid: (out): the pid, 0 when the file does not exist
 * @error: return location for an error
 *
 * See network_dnsmasq_proc.h.
 */
bool
prov_net_daemon_read_pidfile(const char *pidfile, pid_t *ret_pid, GError **error)
{
    g_autofree char *data = NULL;
    gint64 pid;

    if (access(pidfile, F_OK) < 0 && errno == ENOENT) {
        *ret_pid = 0;
        return true;
    }
    /* "12345\n"; anything longer is not a pid file. */
    data = prov_file_read_all(pidfile, 64, NULL, error);
    if (!data)
        return false;
    g_strstrip(data);
    if (!g_ascii_string_to_signed(data, 10, 1, INT_MAX, &pid, NULL)) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_PARSE_FAILED,
                    "pid file '%s' does not hold a pid: '%s'", pidfile, data);
        return false;
    }
    *ret_pid = (pid_t)pid;
    return true;
}

/*
 * Is @pid gone for good: no such process, or a zombie (exit has closed its files,
 * so its sockets are free; a daemon's parent is init, which reaps it, not us)?
 * /proc/<pid>/stat: "1234 (dnsmasq) S 1 ...", the comm may itself hold ')'.
 */
static bool
prov_net_daemon_is_gone(pid_t pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/stat", (int)pid);
    g_autofree char *stat = NULL;
    const char *paren;

    stat = prov_file_read_all(path, 0, NULL, NULL);
    if (!stat)
        return true;
    paren = strrchr(stat, ')');
    if (!paren || paren[1] != ' ')
        return false;
    return paren[2] == 'Z' || paren[2] == 'X';
}

/* Does /proc/<pid>/exe name @binary (or what @binary resolves to)? */
static bool
prov_net_daemon_exe_matches(pid_t pid, const char *binary)
{
    g_autofree char *link = g_strdup_printf("/proc/%d/exe", (int)pid);
    g_autofree char *real = NULL;
    char exe[PATH_MAX + sizeof(PROV_NET_DAEMON_DELETED_SUFFIX)];
    ssize_t n;

    /* Fails for a zombie or an exiting process too: their memory map is gone. */
    n = readlink(link, exe, sizeof(exe) - 1);
    if (n < 0)
        return false;
    exe[n] = '\0';
    /* A package upgrade replaces the file under a running daemon: still the same program. */
    if (g_str_has_suffix(exe, PROV_NET_DAEMON_DELETED_SUFFIX))
        exe[n - strlen(PROV_NET_DAEMON_DELETED_SUFFIX)] = '\0';
    if (g_str_equal(exe, binary))
        return true;
    /* /sbin/dnsmasq on a merged-/usr system runs as /usr/sbin/dnsmasq. */
    real = realpath(binary, NULL);
    return real && g_str_equal(exe, real);
}

/**
 * prov_net_daemon_is_running:
 * @pid: a pid (<= 0 is never running)
 * @binary: the program it must run
 *
 * See network_dnsmasq_proc.h.
 */
bool
prov_net_daemon_is_running(pid_t pid, const char *binary)
{
    if (pid <= 0)
        return false;
    return prov_net_daemon_exe_matches(pid, binary) && !prov_net_daemon_is_gone(pid);
}

/**
 * prov_net_daemon_find:
 * @pidfile: the daemon's pid file
 * @binary: the program it must run
 *
 * Returns the pid of the running daemon, or 0 (no pid file, garbage in it, or a
 * pid that is not @binary any more).
 */
pid_t
prov_net_daemon_find(const char *pidfile, const char *binary)
{
    g_autoptr(GError) local_error = NULL;
    pid_t pid = 0;

    if (!prov_net_daemon_read_pidfile(pidfile, &pid, &local_error)) {
        g_debug("%s, ignoring", local_error->message);
        return 0;
    }
    return prov_net_daemon_is_running(pid, binary) ? pid : 0;
}

/*
 * A pidfd for @pid (Linux >= 5.3), or -1 when the kernel or a seccomp filter
 * refuses one; signals sent through it cannot reach a process that reused the pid.
 */
static int
prov_net_daemon_pidfd(pid_t pid)
{
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

/*
 * Sends @sig to @pid if it is running @binary.  Returns 1 when sent, 0 when the
 * process is not (or no longer) @binary, -errno on failure.  @ret_pidfd, when given,
 * receives the pidfd used (or -1) for waiting on the process afterwards.
 */
static int
prov_net_daemon_signal(pid_t pid, const char *binary, int sig, int *ret_pidfd)
{
    PROV_AUTOCLOSE int pidfd = -1;

    if (ret_pidfd)
        *ret_pidfd = -1;
    /* Pin the process first, then check what it runs: no window for a pid reuse. */
    pidfd = prov_net_daemon_pidfd(pid);
    if (pidfd < 0 && errno == ESRCH)
        return 0;
    if (!prov_net_daemon_is_running(pid, binary))
        return 0;
    if (pidfd >= 0) {
        if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
            return errno == ESRCH ? 0 : -errno;
    } else if (kill(pid, sig) < 0) {
        return errno == ESRCH ? 0 : -errno;
    }
    if (ret_pidfd)
        *ret_pidfd = prov_steal_fd(&pidfd);
    return 1;
}

/* Waits up to @timeout_ms for @pid to be gone; through @pidfd when there is one. */
static bool
prov_net_daemon_wait_gone(pid_t pid, int pidfd, guint timeout_ms)
{
    gint64 deadline = prov_net_daemon_now_ms() + timeout_ms;
    guint sleep_ms = 1;

    for (;;) {
        gint64 left = deadline - prov_net_daemon_now_ms();

        /* A pidfd turns readable when the process has exited (files closed). */
        if (pidfd >= 0) {
            struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
            int r = poll(&pfd, 1, (int)CLAMP(left, 0, G_MAXINT));

            if (r > 0)
                return true;
            if (r < 0 && errno == EINTR)
                continue;
            if (r == 0)
                return prov_net_daemon_is_gone(pid);
            pidfd = -1; /* poll failed: fall back to /proc */
            continue;
        }
        if (prov_net_daemon_is_gone(pid))
            return true;
        if (left <= 0)
            return false;
        g_usleep(MIN((gint64)sleep_ms, left) * 1000);
        sleep_ms = MIN(sleep_ms * 2, 20u);
    }
}

/**
 * prov_net_daemon_start:
 * @cmd: the daemon's command
 * @pidfile: the pid file the daemon writes
 * @ret_pid: (out): the daemon's pid
 * @error: return location for an error
 *
 * See network_dnsmasq_proc.h.
 */
bool
prov_net_daemon_start(ProvCommand *cmd, const char *pidfile, pid_t *ret_pid, GError **error)
{
    const char *binary = prov_command_get_argv(cmd)[0];
    g_autofree char *name = g_path_get_basename(binary);
    g_autoptr(GError) last_error = NULL;
    gint64 deadline;
    guint sleep_ms = 1;
    pid_t pid;

    pid = prov_net_daemon_find(pidfile, binary);
    if (pid > 0) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_INVALID,
                    "'%s' is already running with pid %d (pid file '%s')", name, (int)pid, pidfile);
        return false;
    }
    /* A stale pid file must not be taken for the new daemon's. */
    if (!prov_file_unlink_durable(pidfile, error))
        return false;

    /* The foreground process exits once the daemon is set up or has failed. */
    if (!prov_command_run(cmd, NULL, NULL, error))
        return false;

    deadline = prov_net_daemon_now_ms() + PROV_NET_DAEMON_PIDFILE_TIMEOUT_MS;
    for (;;) {
        g_clear_error(&last_error);
        pid = 0;
        /* An empty or short file may be one being written: retry until the deadline. */
        if (prov_net_daemon_read_pidfile(pidfile, &pid, &last_error) && pid > 0) {
            if (prov_net_daemon_is_running(pid, binary)) {
                g_debug("'%s' runs with pid %d", name, (int)pid);
                *ret_pid = pid;
                return true;
            }
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_FAILED,
                        "'%s' exited right after starting (pid %d, pid file '%s')", name, (int)pid,
                        pidfile);
            /* Nothing of a failed start stays behind. */
            if (unlink(pidfile) < 0 && errno != ENOENT)
                g_debug("cannot remove '%s': %s, ignoring", pidfile, g_strerror(errno));
            return false;
        }
        if (prov_net_daemon_now_ms() >= deadline)
            break;
        g_usleep(sleep_ms * 1000);
        sleep_ms = MIN(sleep_ms * 2, 50u);
    }
    if (last_error) {
        g_propagate_prefixed_error(error, g_steal_pointer(&last_error), "'%s' started but: ", name);
        return false;
    }
    g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_FAILED,
                "'%s' started but did not write its pid file '%s' within %u ms", name, pidfile,
                (guint)PROV_NET_DAEMON_PIDFILE_TIMEOUT_MS);
    return false;
}

/**
 * prov_net_daemon_reload:
 * @pid: the daemon
 * @binary: what it must be running
 * @error: return location for an error
 *
 * See network_dnsmasq_proc.h.
 */
bool
prov_net_daemon_reload(pid_t pid, const char *binary, GError **error)
{
    g_autofree char *name = g_path_get_basename(binary);
    int r = pid > 0 ? prov_net_daemon_signal(pid, binary, SIGHUP, NULL) : 0;

    if (r < 0)
        return prov_error_set_errno(error, PROV_NETWORK_ERROR, -r,
                                    "cannot send SIGHUP to '%s' (pid %d)", name, (int)pid);
    if (r == 0) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_FAILED,
                    "'%s' (pid %d) is not running", name, (int)pid);
        return false;
    }
    return true;
}

/**
 * prov_net_daemon_stop:
 * @pidfile: the daemon's pid file
 * @pid: the daemon's pid, or 0 to read it from @pidfile
 * @binary: what the daemon must be running
 * @timeout_ms: grace after SIGTERM
 * @error: return location for an error
 *
 * See network_dnsmasq_proc.h.
 */
bool
prov_net_daemon_stop(const char *pidfile, pid_t pid, const char *binary, guint timeout_ms,
                     GError **error)
{
    g_autofree char *name = g_path_get_basename(binary);
    PROV_AUTOCLOSE int pidfd = -1;
    int r;

    if (pid <= 0)
        pid = prov_net_daemon_find(pidfile, binary);
    if (pid > 0) {
        r = prov_net_daemon_signal(pid, binary, SIGTERM, &pidfd);
        if (r < 0)
            return prov_error_set_errno(error, PROV_NETWORK_ERROR, -r,
                                        "cannot send SIGTERM to '%s' (pid %d)", name, (int)pid);
        if (r > 0 && !prov_net_daemon_wait_gone(pid, pidfd, timeout_ms)) {
            g_debug("'%s' (pid %d) ignored SIGTERM for %u ms, sending SIGKILL", name, (int)pid,
                    timeout_ms);
            if (pidfd >= 0)
                r = syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
            else
                r = kill(pid, SIGKILL);
            if (r < 0 && errno != ESRCH)
                return prov_error_set_errno(error, PROV_NETWORK_ERROR, errno,
                                            "cannot send SIGKILL to '%s' (pid %d)", name, (int)pid);
            if (!prov_net_daemon_wait_gone(pid, pidfd, PROV_NET_DAEMON_KILL_WAIT_MS)) {
                g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_TIMEOUT,
                            "'%s' (pid %d) is still running after SIGKILL", name, (int)pid);
                return false;
            }
        }
    }
    return prov_file_unlink_durable(pidfile, error);
}
