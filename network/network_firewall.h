/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* network_firewall.h: a virtual network's firewall rules (nftables or iptables), exactly undone. */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "util/firewall.h"

/*
 * The firewall of one L3 virtual network, generated from a plain description
 * (ProvNetFirewallSpec) that the driver fills from the network definition.
 *
 * What the rules mean, per forward mode (libvirt's meaning, see docs and the golden
 * files in tests/networkfirewalldata/):
 * - every mode but open: forwarded traffic from or to the bridge is rejected unless
 *   the mode allows it; guest <-> guest on the same bridge is accepted;
 * - nat: the subnet may go out (through forward_dev only, when given), only
 *   established/related traffic comes back, and it is masqueraded (tcp/udp source
 *   ports 1024-65535 or the XML's range; SNAT to the nat address range when given);
 *   broadcast and 224.0.0.0/24 (ff02::/16) are never masqueraded.  IPv6 subnets are
 *   masqueraded only with nat_ipv6, else routed;
 * - route: the subnet is forwarded both ways, no conntrack condition;
 * - isolated: nothing is forwarded;
 * - open: no rules at all.
 * IPv6 rules exist only when the network has IPv6 (spec->ipv6 or an IPv6 subnet).
 *
 * nftables (default): everything of ours lives in the table `inet provd`:
 *   chain forward     { type filter hook forward priority filter; policy accept;
 *                       oifname vmap @guest_in; iifname vmap @guest_out }
 *   chain postrouting { type nat hook postrouting priority srcnat; policy accept;
 *                       ip saddr vmap @nat_v4; ip6 saddr vmap @nat_v6 }
 *   per network: chains net_<id>_in / _out / _nat and one element per map.
 * Starting or stopping a network adds or deletes its chains and map elements only:
 * no rule handles inside our table, no rebuild of other networks' rules.  The table
 * is deleted with the last network's rules.  It has no input/output chains: an
 * accept in a policy-accept chain of our own changes nothing under nftables, and
 * libvirt rejects nothing there either; the host services (DHCP, DNS, TFTP, DHCPv6,
 * neighbour discovery, RA) only need accepting where something could drop them,
 * which is the foreign chains below.
 *
 * Under nftables a packet must be accepted by every base chain on its hook, so a
 * foreign base chain that may drop (Docker's iptables-nft `ip filter FORWARD` with
 * policy drop, a host `inet filter input` with policy drop, firewalld's reject)
 * would still drop our guests' traffic.  Into each such chain we insert narrow
 * accepts for our bridge (commented "provd:<bridge>", in the subset of nft syntax
 * that iptables-nft can still list), recorded by handle and deleted by handle.
 * Nothing else of other tables is ever changed.
 *
 * iptables (option): per network chains PROV_<id>_{INP,OUT,FWI,FWO} (filter) and
 * PROV_<id>_PRT (nat), dispatched from shared chains PROV_INP, PROV_OUT, PROV_FWI,
 * PROV_FWO, PROV_PRT that are jumped to from position 1 of INPUT, OUTPUT, FORWARD
 * (PROV_FWI before PROV_FWO) and POSTROUTING.  One iptables-restore --noflush per
 * table.
 *
 * <id> is the bridge name when it is made of [A-Za-z0-9_] only, else a sanitized
 * prefix plus 8 hex digits of its SHA-256 (at most 19 characters, so iptables chain
 * names stay within 28).
 */

typedef enum {
    PROV_NET_FIREWALL_MODE_NAT,
    PROV_NET_FIREWALL_MODE_ROUTE,
    PROV_NET_FIREWALL_MODE_OPEN,
    PROV_NET_FIREWALL_MODE_ISOLATED,
    PROV_NET_FIREWALL_MODE_LAST
} ProvNetFirewallMode;

const char *prov_net_firewall_mode_to_string(ProvNetFirewallMode mode);
int prov_net_firewall_mode_from_string(const char *str);

typedef struct {
    int family;          /* AF_INET or AF_INET6 */
    char *address;       /* any address of the subnet, e.g. the bridge's "192.168.122.1" */
    unsigned int prefix; /* 1-32 / 1-128 */
} ProvNetFirewallSubnet;

typedef struct {
    char *name;           /* network name, for messages */
    char *bridge;         /* required; [A-Za-z0-9_.-], at most 15 characters */
    ProvNetFirewallMode mode;
    GPtrArray *subnets;   /* ProvNetFirewallSubnet, one per <ip> */
    char *forward_dev;    /* <forward dev=...>, or NULL */
    char *nat_addr_start; /* <nat><address start end>, IPv4, or NULL */
    char *nat_addr_end;   /* NULL = same as start */
    unsigned int nat_port_start; /* <nat><port>; 0 = 1024 */
    unsigned int nat_port_end;   /* 0 = 65535 */
    bool nat_ipv6;        /* <nat ipv6='yes'> */
    bool ipv6;            /* <network ipv6='yes'>; an IPv6 subnet implies it */
    bool dhcp_v4;         /* dnsmasq serves DHCPv4 on the bridge */
    bool dhcp_v6;         /* ... DHCPv6 */
    bool dns;             /* ... DNS */
    bool tftp;            /* ... TFTP */
    bool ra;              /* radvd (or dnsmasq) sends router advertisements */
} ProvNetFirewallSpec;

/* A spec with no subnets and every flag off; @name and @bridge are copied. */
ProvNetFirewallSpec *prov_net_firewall_spec_new(const char *name, const char *bridge,
                                                ProvNetFirewallMode mode);
/* Appends a subnet (@address copied). */
void prov_net_firewall_spec_add_subnet(ProvNetFirewallSpec *spec, int family,
                                       const char *address, unsigned int prefix);
void prov_net_firewall_spec_free(ProvNetFirewallSpec *spec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvNetFirewallSpec, prov_net_firewall_spec_free)

typedef enum {
    PROV_NET_FIREWALL_ITEM_CHAIN,   /* a chain of ours */
    PROV_NET_FIREWALL_ITEM_ELEMENT, /* nftables: a map element in table inet provd */
    PROV_NET_FIREWALL_ITEM_RULE,    /* nftables: a rule in a foreign chain, by handle;
                                       iptables: a dispatch rule in a shared chain, by spec */
} ProvNetFirewallItemKind;

typedef struct {
    ProvNetFirewallItemKind kind;
    char *family;   /* nftables: "inet", "ip", "ip6"; iptables: "ipv4", "ipv6" */
    char *table;
    char *chain;    /* CHAIN: its name; RULE: the chain holding it; ELEMENT: the map */
    char *key;      /* ELEMENT: the key; RULE (iptables): the rule spec */
    guint64 handle; /* RULE (nftables) */
} ProvNetFirewallItem;

/*
 * What one apply added: the driver keeps it in the network's status file
 * (prov_net_firewall_record_format) and gives it back to remove, also after a
 * restart of provd.  Shared pieces (the table inet provd with its base chains and
 * maps; the iptables PROV_* shared chains and their jumps) are not listed: the
 * removal of the last network that uses them deletes them.
 */
typedef struct {
    ProvFirewallBackend backend;
    char *bridge;
    GPtrArray *items; /* ProvNetFirewallItem */
} ProvNetFirewallRecord;

void prov_net_firewall_record_free(ProvNetFirewallRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvNetFirewallRecord, prov_net_firewall_record_free)

/**
 * prov_net_firewall_apply:
 * @spec: the network's firewall description
 * @backend: nftables or iptables
 * @previous: (nullable): the record of an earlier apply for this network (read from
 *   the status file after a restart), or NULL
 * @ret_record: (out): what is now in place, caller frees
 *
 * Installs the network's rules, idempotently: what an earlier apply of the same
 * bridge left (found in the ruleset by name and comment, plus whatever @previous
 * lists) is replaced, never duplicated.  With nftables all of it is one atomic
 * transaction.  With iptables each table is one iptables-restore; when a later table
 * fails, the tables already changed are undone.  When @previous used the other
 * backend it is removed first.  Errors name the network and carry the tool's or
 * libnftables' message.
 */
bool prov_net_firewall_apply(const ProvNetFirewallSpec *spec, ProvFirewallBackend backend,
                             const ProvNetFirewallRecord *previous,
                             ProvNetFirewallRecord **ret_record, GError **error);

/**
 * prov_net_firewall_remove:
 * @record: what prov_net_firewall_apply() returned (possibly parsed back from XML)
 *
 * Deletes exactly what @record lists, skipping what is already gone (a reboot, a
 * flushed ruleset), plus any foreign rule still carrying this bridge's comment.  When
 * no other network's rules remain, the shared table/chains go too.  Foreign rules
 * are only deleted when the rule at the recorded handle still carries our comment.
 */
bool prov_net_firewall_remove(const ProvNetFirewallRecord *record, GError **error);

/*
 * The record as an XML element, for the status file:
 *   <firewall backend='nftables' bridge='virbr0'>
 *     <chain family='inet' table='provd' name='net_virbr0_in'/>
 *     <element family='inet' table='provd' map='guest_in' key='virbr0'/>
 *     <rule family='ip' table='filter' chain='FORWARD' handle='7'/>
 *   </firewall>
 * iptables records hold <chain family='ipv4' table='filter' name='PROV_virbr0_FWI'/>
 * and <rule family='ipv4' table='filter' chain='PROV_FWI'
 * spec='-o virbr0 -j PROV_virbr0_FWI'/>.  Ends with a newline.  Caller frees.
 */
char *prov_net_firewall_record_format(const ProvNetFirewallRecord *record);

/*
 * Parses a <firewall> element (the text above).  Every name, key and spec is checked
 * against the characters provd generates, so a tampered status file cannot inject
 * commands into the removal.
 */
ProvNetFirewallRecord *prov_net_firewall_record_parse(const char *xml, GError **error);

/* Same, from the <firewall> element of a document the caller parsed (an xmlNode *). */
struct _xmlNode;
ProvNetFirewallRecord *prov_net_firewall_record_parse_node(struct _xmlNode *node,
                                                           GError **error);
