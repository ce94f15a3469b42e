/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* network_live.h: bringing a none/nat/route/open network up and down on the host. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

#include "network/network_conf.h"

/*
 * What a running network consists of, as recorded in its status file
 * (R/run/provd/network/NAME.xml) so that any later process can stop exactly it:
 *
 *   <networkstatus>
 *     <bridge name='virbr0' created='yes'/>
 *     <dnsmasq pid='1234'/>
 *     <radvd pid='1240'/>
 *     <firewall backend='nftables'>...what was added, see network_firewall.h...</firewall>
 *     <network>...the live definition...</network>
 *   </networkstatus>
 */
typedef struct {
    ProvNetworkDef *def;     /* live definition: bridge name resolved, MAC set */
    bool bridge_created;     /* we made the bridge (always, for L3 networks we started) */
    pid_t dnsmasq_pid;       /* 0 = none */
    pid_t radvd_pid;         /* 0 = none */
    char *firewall;          /* the firewall record (XML element), NULL = none added */
} ProvNetworkStatus;

void prov_network_status_free(ProvNetworkStatus *st);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvNetworkStatus, prov_network_status_free)

char *prov_network_status_format(const ProvNetworkStatus *st);
ProvNetworkStatus *prov_network_status_parse_file(const char *path, GError **error);

/* Where a network's files live and which tools/backends it uses. */
typedef struct {
    const char *data_dir;        /* R/var/lib/provd/network: confs, pid files, leases */
    const char *leases_helper;   /* absolute path of provd-leases, NULL = no lease store */
    int firewall_backend;        /* ProvNetFirewallBackendChoice */
} ProvNetworkLiveContext;

/*
 * Starts @def (a validated none/nat/route/open network whose bridge name is final) in a
 * safe order, undoing every step done so far when one fails: route collision check,
 * bridge (netlink, with the network's MAC), MTU, STP and delay, IPv6 sysctls on the
 * bridge, addresses, link up, static routes, forwarding sysctls (refused when a host
 * interface learns routes from RAs with accept_ra=1), firewall, dnsmasq, radvd.
 * On success *@ret_status describes all of it (the caller writes it to disk).
 */
bool prov_network_live_start(const ProvNetworkLiveContext *ctx, const ProvNetworkDef *def,
                             ProvNetworkStatus **ret_status, GError **error);

/*
 * Stops what @st records, in reverse order, and goes on past failures (a bridge deleted
 * behind our back must not keep the firewall rules or dnsmasq alive).  Returns false
 * with the first problem in @error, after doing all it could.
 */
bool prov_network_live_stop(const ProvNetworkLiveContext *ctx, ProvNetworkStatus *st,
                            GError **error);

/* Is the network still there (its bridge exists)? */
bool prov_network_live_is_alive(const ProvNetworkStatus *st);

/*
 * After a restart of the hosting process: dnsmasq and radvd are kept when their pid
 * runs the right binary, else restarted with the current config; the firewall rules are
 * re-applied idempotently.  Updates @st (the caller saves it).
 */
bool prov_network_live_recover(const ProvNetworkLiveContext *ctx, ProvNetworkStatus *st,
                               GError **error);

/*
 * Applies a changed live definition (net-update) per @reload (ProvNetReloadFlags):
 * rewrites the hosts files and sends SIGHUP, or restarts dnsmasq; re-applies the
 * firewall; rewrites radvd's conf and sends SIGHUP.  @st->def is replaced by a copy of
 * @newdef on success.
 */
bool prov_network_live_reload(const ProvNetworkLiveContext *ctx, ProvNetworkStatus *st,
                              const ProvNetworkDef *newdef, unsigned int reload,
                              GError **error);

/* Removes the network's generated files and lease store (undefine). */
void prov_network_live_remove_files(const ProvNetworkLiveContext *ctx, const char *name);
