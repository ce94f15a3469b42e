/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* network_dnsmasq.h: a network's dnsmasq configuration, DHCP hosts file and DNS hosts file. */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "network/network_conf.h"

/*
 * One dnsmasq per none/nat/route/open network, started as
 *   dnsmasq --conf-file=<dir>/<name>.conf
 * with everything else in that file, in libvirt's order (its networkxml2confdata test
 * data is our conformance oracle).  A sample for a NAT network with DHCPv4 and a
 * SLAAC IPv6 subnet, as provd writes it (RAs come from radvd, see network_radvd.h):
 *
 *   ##WARNING:  THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE
 *   ##OVERWRITTEN AND LOST.  Changes to this configuration should be made using:
 *   ##    provctl net-edit default
 *   ## or other application using the provd API.
 *   ##
 *   ## dnsmasq conf file created by provd
 *   strict-order
 *   pid-file=/var/lib/provd/network/default.pid
 *   dhcp-script=/usr/libexec/provd/provd-leases
 *   leasefile-ro
 *   except-interface=lo
 *   bind-dynamic
 *   interface=virbr0
 *   dhcp-range=192.168.122.2,192.168.122.254,255.255.255.0
 *   dhcp-no-override
 *   dhcp-authoritative
 *   dhcp-lease-max=253
 *   dhcp-hostsfile=/var/lib/provd/network/default.hostsfile
 *   addn-hosts=/var/lib/provd/network/default.addnhosts
 *
 * The DHCP hosts file (dhcp-hostsfile=, one dhcp-host= argument per line) and the
 * DNS hosts file (addn-hosts=, /etc/hosts syntax) are separate because dnsmasq
 * re-reads them on SIGHUP but never re-reads its conf (it has dropped root by then),
 * so net-update of static hosts needs no restart:
 *
 *   52:54:00:00:00:01,192.168.122.10,web          IPv4: mac,ip[,name][,lease]
 *   web2,192.168.122.11                           IPv4: name,ip
 *   id:0:3:0:1:52:54:0:0:0:1,db,[fd00::10]        IPv6: [id:duid,][name,][ip]
 *
 *   192.168.122.1	gateway	host                   one line per IP, names merged
 *
 * Safety: values from the XML end up in a line-based file, so every value is checked
 * before it is written.  Names (domains, host names, TXT/SRV names) must be DNS
 * names; free text (TXT values, paths, TFTP root, boot file) is written as is when
 * dnsmasq takes it literally, else in double quotes with \" and \\ escaped, which
 * dnsmasq's conf reader undoes; a control character (a newline would start a second
 * option) or a line longer than dnsmasq reads at once (PROV_DNSMASQ_MAX_LINE: the rest
 * would be read as a new line) is refused with PROV_ERR_CONFIG_UNSUPPORTED, naming the
 * network and the value.
 */

/*
 * dnsmasq reads its conf and hosts files with fgets() into a MAXDNAME (1025) byte
 * buffer: a line of more than 1024 bytes is cut and the rest parsed as a line of its
 * own.  Checked with dnsmasq 2.90: 1024 bytes pass, 1030 give "bad option at line 2".
 */
#define PROV_DNSMASQ_MAX_LINE 1024

typedef struct {
    /* The live bridge name (may differ from def->bridge, e.g. a virbr%d template);
     * NULL = def->bridge. */
    const char *bridge;
    /* Directory of <name>.hostsfile and <name>.addnhosts. */
    const char *config_dir;
    /* pid-file= line (dnsmasq writes it itself); NULL = none (libvirt's tests). */
    const char *pid_file;
    /* Lease script: NULL = none; else dhcp-script=<it> and leasefile-ro (the script
     * keeps the leases, see network/leases.h; it finds its store through the
     * environment of dnsmasq, prov_lease_script_add_env()). */
    const char *dhcp_script;
    /* dnsmasq sends router advertisements itself (libvirt: enable-ra, ra-only ranges,
     * ra-param for isolated networks).  provd runs radvd instead and passes false. */
    bool ra;
    /* The header's "Changes ... should be made using:" tool; NULL = "provctl net-edit". */
    const char *header_tool;
    /* The header's program name ("created by ..."); NULL = "provd". */
    const char *header_program;
} ProvDnsmasqConfOptions;

/**
 * prov_dnsmasq_conf_build:
 * @def: a none/nat/route/open network
 * @opts: see ProvDnsmasqConfOptions; config_dir is required
 * @ret_conf: (out): the dnsmasq configuration, caller frees
 * @ret_hostsfile: (out) (optional): the DHCP hosts file, "" when there are no static
 *   hosts; NULL when no <ip> has DHCP (then the conf has no dhcp-hostsfile= line).
 *   Written (even empty) when set, so hosts can be added later.  Caller frees.
 * @ret_addnhosts: (out) (optional): the DNS hosts file (DNS <host> records), "" when
 *   there are none; NULL when DNS is disabled (no addn-hosts= line).  Caller frees.
 * @error: return location for an error
 *
 * Returns false with PROV_NETWORK_ERROR set: CONFIG_UNSUPPORTED for a value dnsmasq's
 * files cannot hold (see above) or a localPtr the prefix does not allow,
 * OPERATION_INVALID for a network without a bridge name or of another forward mode.
 * The out values are written only on success.
 */
bool prov_dnsmasq_conf_build(const ProvNetworkDef *def, const ProvDnsmasqConfOptions *opts,
                             char **ret_conf, char **ret_hostsfile, char **ret_addnhosts,
                             GError **error);

/* "<config_dir>/<name>.hostsfile" and "<config_dir>/<name>.addnhosts": the paths the
 * conf names.  Caller frees. */
char *prov_dnsmasq_hostsfile_path(const char *config_dir, const char *name);
char *prov_dnsmasq_addnhosts_path(const char *config_dir, const char *name);
