/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* leases.h: a network's DHCP lease store, kept by dnsmasq's lease script (provd-leases). */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "util/command.h"

/*
 * dnsmasq runs with --leasefile-ro and --dhcp-script=provd-leases, so it keeps no
 * lease file itself: the script records every add/old/del in one JSON file per
 * NETWORK (not per bridge, which libvirt does and which broke its users), and at
 * dnsmasq's start-up prints them back ("init") so leases survive a restart.
 *
 * The store is <dir>/<network>.leases.json, replaced atomically under a flock on
 * <dir>/<network>.leases.lock.  Every write drops the entries whose expiry has
 * passed (libvirt's helper never did, so stale leases piled up).  A missing file is
 * an empty store, never an error (another libvirt complaint).  Sample:
 *
 *   {
 *     "network": "default",
 *     "server-duid": "00:01:00:01:2c:5e:11:22:52:54:00:aa:bb:cc",
 *     "leases": [
 *       { "family": "ipv4", "ip-address": "192.168.122.10", "prefix": 24,
 *         "mac-address": "52:54:00:00:00:01", "hostname": "web",
 *         "client-id": "01:52:54:00:00:00:01", "expiry-time": 1717171717 },
 *       { "family": "ipv6", "ip-address": "fd00::10", "prefix": 64,
 *         "mac-address": "52:54:00:00:00:01", "client-id": "00:03:00:01:52:54:00:00:00:01",
 *         "iaid": "1", "server-duid": "00:01:00:01:2c:5e:11:22:52:54:00:aa:bb:cc",
 *         "expiry-time": 0 }
 *     ]
 *   }
 *
 * The lease script learns where the store is from its environment: dnsmasq runs it
 * with dnsmasq's own environment plus DNSMASQ_* variables (dnsmasq(8), --dhcp-script:
 * "The environment is inherited from the invoker of dnsmasq"; checked with 2.90), so
 * the driver adds the variables below to dnsmasq's command (prov_lease_script_add_env).
 */
#define PROV_LEASES_ENV_DIR "PROV_LEASES_DIR"
#define PROV_LEASES_ENV_NETWORK "PROV_LEASES_NETWORK"
/* Optional: the network's subnets, "192.168.122.1/24 fd00::1/64", to record prefixes. */
#define PROV_LEASES_ENV_SUBNETS "PROV_LEASES_SUBNETS"

typedef enum {
    PROV_LEASE_FAMILY_IPV4,
    PROV_LEASE_FAMILY_IPV6,
    PROV_LEASE_FAMILY_LAST
} ProvLeaseFamily;

const char *prov_lease_family_to_string(ProvLeaseFamily family);
/* -1 for an unknown name. */
int prov_lease_family_from_string(const char *name);

typedef struct {
    ProvLeaseFamily family;
    char *ip;          /* canonical text form */
    int prefix;        /* -1 when unknown */
    char *mac;         /* lowercase; NULL when unknown (an IPv6 client dnsmasq saw no MAC of) */
    char *hostname;    /* NULL: none */
    char *client_id;   /* IPv4: the client identifier (option 61); IPv6: the client's DUID */
    char *iaid;        /* IPv6 only: decimal IAID, "T" in front for a temporary address */
    char *server_duid; /* IPv6 only: dnsmasq's own DUID */
    gint64 expiry;     /* epoch seconds; 0 = never expires */
} ProvLease;

ProvLease *prov_lease_new(void);
ProvLease *prov_lease_copy(const ProvLease *lease);
void prov_lease_free(ProvLease *lease);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvLease, prov_lease_free)

/* Is @lease expired at @now (epoch seconds)?  An expiry of 0 never expires. */
bool prov_lease_is_expired(const ProvLease *lease, gint64 now);

/*
 * Checks what the store requires: a valid IP of the lease's family, MAC and ids
 * made of hex digits with ':' or '-', a hostname of DNS characters, an IPv4 lease
 * with a MAC, an IPv6 lease with a client DUID and an IAID.  The checks keep a
 * client-chosen string from breaking the "init" lines dnsmasq parses.
 */
bool prov_lease_validate(const ProvLease *lease, GError **error);

/* "<dir>/<network>.leases.json", or NULL with PROV_ERR_INVALID_ARG for a name that
 * cannot be a file name (empty, "/" in it, starting with "."). */
char *prov_lease_store_path(const char *dir, const char *network, GError **error);

/**
 * prov_lease_store_list:
 * Returns the entries of @network that have not expired at @now (a GPtrArray of
 * ProvLease, caller unrefs; empty when there is no store file yet), or NULL with
 * @error set when the file cannot be read or parsed.  Reads without the lock: the
 * file is only ever replaced by rename.
 */
GPtrArray *prov_lease_store_list(const char *dir, const char *network, gint64 now, GError **error);

/**
 * prov_lease_store_add:
 * Records @lease (dnsmasq's "add" and "old"): it replaces the entry with the same
 * IP, and also the entry of the same client in the same family (IPv4: same MAC;
 * IPv6: same DUID and IAID), which a lost "del" would otherwise leave behind.  What
 * @lease lacks (MAC, client id, server DUID, prefix) is kept from the entry of the
 * same IP it replaces: dnsmasq's "old" events at start-up carry no DNSMASQ_MAC for
 * IPv6.  Expired entries are dropped.  Creates @dir if needed.
 */
bool prov_lease_store_add(const char *dir, const char *network, const ProvLease *lease, gint64 now,
                          GError **error);

/* Drops the entry for @ip (dnsmasq's "del"), and expired ones; a missing entry is fine. */
bool prov_lease_store_remove(const char *dir, const char *network, const char *ip, gint64 now,
                             GError **error);

/* Removes the store and its lock file (the network is undefined); missing is fine. */
bool prov_lease_store_delete(const char *dir, const char *network, GError **error);

/**
 * prov_lease_store_format_init:
 * Returns the unexpired leases in dnsmasq's lease-file format, what "init" prints
 * (caller frees; "" for an empty store):
 *
 *   duid 00:01:00:01:2c:5e:11:22:52:54:00:aa:bb:cc
 *   1717171717 52:54:00:00:00:01 192.168.122.10 web 01:52:54:00:00:00:01
 *   0 1 fd00::10 * 00:03:00:01:52:54:00:00:00:01
 *
 * IPv4: <expiry> <mac> <ip> <hostname|*> <client-id|*>; IPv6: <expiry> <iaid> <ip>
 * <hostname|*> <client-duid>; the "duid" line (dnsmasq's server DUID) keeps the
 * server's identity stable across restarts, so DHCPv6 clients keep their leases.
 */
char *prov_lease_store_format_init(const char *dir, const char *network, gint64 now,
                                   GError **error);

/**
 * prov_lease_script_run:
 * @argv: the script's arguments as dnsmasq passes them, argv[0] included:
 *   "init" | "add"|"old"|"del" <mac (IPv4) | client DUID (IPv6)> <ip> [hostname],
 *   other actions ("tftp", "arp-add", ...) are ignored as dnsmasq(8) asks
 * @envp: the script's environment (DNSMASQ_* and PROV_LEASES_*), as from g_get_environ()
 * @now: the current time in epoch seconds
 * @ret_output: (out): what to print on stdout (the init lines, else ""), caller frees
 *
 * The whole lease-script protocol, so the tool is a thin main() and tests need no
 * exec.  Returns false with @error set for a bad call or a store failure.
 */
bool prov_lease_script_run(const char *const *argv, const char *const *envp, gint64 now,
                           char **ret_output, GError **error);

/* Adds the variables the lease script needs to dnsmasq's command; @subnets may be NULL. */
void prov_lease_script_add_env(ProvCommand *cmd, const char *dir, const char *network,
                               const char *subnets);
