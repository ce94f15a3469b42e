/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* network_dnsmasq_proc.h: start, find, reload and stop self-daemonizing dnsmasq and radvd. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

#include "util/command.h"

/*
 * dnsmasq and radvd daemonize themselves: the process we start checks its
 * configuration, binds its sockets, forks the daemon, which writes the pid file,
 * and exits 0, or non-zero with the reason on stderr ("dnsmasq: failed to create
 * listening socket for 192.168.122.1: Address already in use").  So a start is
 * "run to completion through util/command.h, then read the pid file".  Measured
 * with dnsmasq 2.90 and radvd 2.19 (Debian 12): the foreground process exits 6-25 ms
 * after exec, the pid file is already written by then, and the daemon has put its
 * stdin/stdout/stderr on /dev/null, so it holds none of our pipes.
 *
 * A pid alone is not trusted: a daemon counts as running only while
 * /proc/<pid>/exe is the expected binary (" (deleted)" after a package upgrade
 * still counts), so a recycled pid is never signalled.
 */

/* How long prov_net_daemon_start() waits for the pid file after the fork. */
#define PROV_NET_DAEMON_PIDFILE_TIMEOUT_MS 5000
/* Default grace between SIGTERM and SIGKILL in prov_net_daemon_stop(). */
#define PROV_NET_DAEMON_STOP_TIMEOUT_MS 5000

/**
 * prov_net_daemon_start:
 * @cmd: the daemon's command (argv[0], an absolute path, is the binary checked later);
 *   its timeout bounds the foreground part of the start
 * @pidfile: the pid file the daemon writes (dnsmasq: pid-file= in its conf; radvd:
 *   --pidfile)
 * @ret_pid: (out): the daemon's pid
 * @error: return location for an error
 *
 * Refuses (PROV_ERR_OPERATION_INVALID) when @pidfile names a live process of the same
 * binary, removes a stale @pidfile, runs @cmd, then waits up to
 * PROV_NET_DAEMON_PIDFILE_TIMEOUT_MS for @pidfile to name a live process of the
 * binary.  A daemon that exited at once is an error (PROV_ERR_OPERATION_FAILED);
 * a failed foreground run carries the program's stderr.  Under the runner's dry
 * run nothing starts, so this fails once the pid-file wait is over: tests of
 * callers stub the start rather than dry-run it.
 */
bool prov_net_daemon_start(ProvCommand *cmd, const char *pidfile, pid_t *ret_pid, GError **error);

/**
 * prov_net_daemon_read_pidfile:
 * @pidfile: a pid file ("1234\n")
 * @ret_pid: (out): the pid, 0 when the file does not exist
 * @error: return location for an error
 *
 * Returns false (PROV_ERR_PARSE_FAILED or a system error) for an unreadable file or
 * one that does not hold a positive pid.
 */
bool prov_net_daemon_read_pidfile(const char *pidfile, pid_t *ret_pid, GError **error);

/* Is @pid alive (not a zombie) and running @binary?  See above for " (deleted)". */
bool prov_net_daemon_is_running(pid_t pid, const char *binary);

/* The pid in @pidfile when it is a running @binary, else 0 (missing or stale file). */
pid_t prov_net_daemon_find(const char *pidfile, const char *binary);

/**
 * prov_net_daemon_reload:
 * @pid: the daemon
 * @binary: what it must be running
 * @error: return location for an error
 *
 * Sends SIGHUP (dnsmasq re-reads its dhcp-hostsfile and addn-hosts files, not its
 * conf; radvd re-reads its conf).  Returns false (PROV_ERR_OPERATION_FAILED) when
 * @pid is not a running @binary.
 */
bool prov_net_daemon_reload(pid_t pid, const char *binary, GError **error);

/**
 * prov_net_daemon_stop:
 * @pidfile: the daemon's pid file (removed in the end: dnsmasq, once it has dropped
 *   to user nobody, cannot remove its own)
 * @pid: the daemon's pid, or 0 to read it from @pidfile
 * @binary: what the daemon must be running; another process is never signalled
 * @timeout_ms: how long to wait after SIGTERM before SIGKILL
 * @error: return location for an error
 *
 * SIGTERM, wait until the process is gone (a zombie counts as gone: its sockets are
 * closed by then, which /proc/<pid>/exe disappearing does not yet guarantee), else
 * SIGKILL and wait again.  A daemon that is not running is success.  Returns false
 * only when the process survives SIGKILL (PROV_ERR_OPERATION_TIMEOUT) or the pid
 * file cannot be removed.
 */
bool prov_net_daemon_stop(const char *pidfile, pid_t pid, const char *binary, guint timeout_ms,
                          GError **error);
