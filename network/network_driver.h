/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* network_driver.h: the network driver: network objects, lifecycle, persistence, ports. */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "network/leases.h"
#include "network/network_conf.h"

/*
 * The driver owns a state root (util/statedir.h, kind "network") and is hosted by the
 * daemon or by `provctl` in-process for one command; the truth is on disk, re-read
 * under the driver lock on every call, as in the storage driver.
 *
 *   R/etc/provd/network/NAME.xml           persistent definitions (+ autostart/)
 *   R/run/provd/network/NAME.xml           <networkstatus>: live def, what start did
 *                                          (bridge, pids, firewall record)
 *   R/run/provd/network/NAME/ports/U.xml   network ports
 *   R/var/lib/provd/network/NAME.*         dnsmasq/radvd configs, hosts files, pid
 *                                          files, the lease store
 *
 * Only none/nat/route/open networks are started by provd itself (it owns their bridge);
 * the other forward modes are defined, listed and formatted but refused at start.
 */
typedef struct _ProvNetworkDriver ProvNetworkDriver;

/* Which firewall backend start uses (status records the one that was used). */
typedef enum {
    PROV_NET_FIREWALL_NFTABLES,
    PROV_NET_FIREWALL_IPTABLES,
    PROV_NET_FIREWALL_LAST
} ProvNetFirewallBackendChoice;

/**
 * prov_network_driver_open:
 * @root: state root, or NULL for the system locations
 *
 * Loads configs and status; a network whose status says active but whose bridge is
 * gone is cleaned up (its dnsmasq/radvd stopped, its firewall rules removed) and
 * marked inactive.  Daemons are not restarted here: see prov_network_driver_recover().
 * The firewall backend is nftables unless PROVD_FIREWALL_BACKEND=iptables is set in
 * the environment (or prov_network_driver_set_firewall_backend() says otherwise).
 */
ProvNetworkDriver *prov_network_driver_open(const char *root, GError **error);
void prov_network_driver_free(ProvNetworkDriver *drv);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvNetworkDriver, prov_network_driver_free)

void prov_network_driver_set_firewall_backend(ProvNetworkDriver *drv,
                                              ProvNetFirewallBackendChoice backend);

/*
 * What the hosting process does when it starts (boot, daemon start): for every active
 * network, dnsmasq and radvd are checked by pid and binary and restarted with the
 * current config when dead, the firewall rules are re-applied idempotently; then the
 * autostart networks are started.  Failures are collected (one line per network).
 */
bool prov_network_driver_recover(ProvNetworkDriver *drv, GError **error);
bool prov_network_driver_autostart(ProvNetworkDriver *drv, GError **error);

/* libvirt's virConnectListAllNetworks flags. */
typedef enum {
    PROV_LIST_NETWORKS_INACTIVE = 1 << 0,
    PROV_LIST_NETWORKS_ACTIVE = 1 << 1,
    PROV_LIST_NETWORKS_PERSISTENT = 1 << 2,
    PROV_LIST_NETWORKS_TRANSIENT = 1 << 3,
    PROV_LIST_NETWORKS_AUTOSTART = 1 << 4,
    PROV_LIST_NETWORKS_NO_AUTOSTART = 1 << 5,
} ProvListNetworksFlags;

typedef struct {
    char *name;
    char uuid[37];
    char *bridge;            /* the live bridge when active, else the configured name */
    ProvNetForwardMode mode;
    bool active;
    bool persistent;
    bool autostart;
} ProvNetworkInfo;

void prov_network_info_free(ProvNetworkInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvNetworkInfo, prov_network_info_free)

/* Networks matching @flags (0 = all), sorted by name: a GPtrArray of ProvNetworkInfo. */
GPtrArray *prov_network_list(ProvNetworkDriver *drv, unsigned int flags, GError **error);

/* Defines (or redefines) a persistent network; the name goes to *@ret_name. */
bool prov_network_define(ProvNetworkDriver *drv, const char *xml, unsigned int flags,
                         char **ret_name, GError **error);
/* Starts a transient network from @xml (net-create). */
bool prov_network_create(ProvNetworkDriver *drv, const char *xml, unsigned int flags,
                         char **ret_name, GError **error);
bool prov_network_undefine(ProvNetworkDriver *drv, const char *name, GError **error);
bool prov_network_start(ProvNetworkDriver *drv, const char *name, GError **error);
bool prov_network_destroy(ProvNetworkDriver *drv, const char *name, GError **error);
bool prov_network_set_autostart(ProvNetworkDriver *drv, const char *name, bool autostart,
                                GError **error);
ProvNetworkInfo *prov_network_get_info(ProvNetworkDriver *drv, const char *name,
                                       GError **error);

typedef enum {
    PROV_NETWORK_XML_INACTIVE = 1 << 0,   /* the persistent definition */
} ProvNetworkXmlFlags;
char *prov_network_get_xml(ProvNetworkDriver *drv, const char *name, unsigned int flags,
                           GError **error);

/* The unexpired DHCP leases (v4 and v6) of an active network, optionally of one MAC:
 * a GPtrArray of ProvLease (network/leases.h). */
GPtrArray *prov_network_get_dhcp_leases(ProvNetworkDriver *drv, const char *name,
                                        const char *mac, GError **error);

/* libvirt's virNetworkUpdateFlags. */
typedef enum {
    PROV_NETWORK_UPDATE_AFFECT_LIVE = 1 << 0,
    PROV_NETWORK_UPDATE_AFFECT_CONFIG = 1 << 1,
} ProvNetworkUpdateFlags;

/* net-update: see prov_network_def_update_section(); a live change takes effect at
 * once (dnsmasq hosts reloaded by SIGHUP, or restarted; firewall re-applied). */
bool prov_network_update(ProvNetworkDriver *drv, const char *name, unsigned int command,
                         unsigned int section, int parent_index, const char *xml,
                         unsigned int flags, GError **error);

/* ---- network ports ------------------------------------------------------------------ */

/* Creates a port on an active network from <networkport> XML; its uuid to *@ret_uuid. */
bool prov_network_port_create(ProvNetworkDriver *drv, const char *network, const char *xml,
                              unsigned int flags, char **ret_uuid, GError **error);
bool prov_network_port_delete(ProvNetworkDriver *drv, const char *network, const char *uuid,
                              GError **error);
/* The ports' uuids, sorted (GPtrArray of char*). */
GPtrArray *prov_network_port_list(ProvNetworkDriver *drv, const char *network,
                                  GError **error);
char *prov_network_port_get_xml(ProvNetworkDriver *drv, const char *network,
                                const char *uuid, GError **error);
