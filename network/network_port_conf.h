/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* network_port_conf.h: network port XML model (libvirt's <networkport>): parse, format. */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "network/network_conf.h"

/*
 * A network port is what a hypervisor asks the network for when it plugs a guest NIC
 * in: the port names its owner (the guest), MAC, portgroup, and after allocation carries
 * the merged bandwidth / vlan / virtualport and how to plug the NIC (<plug>).  Sample:
 *
 *   <networkport>
 *     <uuid>5d744f21-ba4a-4d6e-bdb2-30a35ff3207d</uuid>
 *     <owner><name>memtest</name><uuid>d54df46f-...</uuid></owner>
 *     <group>web1</group>
 *     <mac address='52:54:00:7b:35:93'/>
 *     <plug type='network' bridge='virbr0'/>
 *   </networkport>
 */

/* <plug type=...>; NONE = no <plug> (not allocated yet). */
typedef enum {
    PROV_NET_PORT_PLUG_NONE,
    PROV_NET_PORT_PLUG_NETWORK,
    PROV_NET_PORT_PLUG_BRIDGE,
    PROV_NET_PORT_PLUG_DIRECT,
    PROV_NET_PORT_PLUG_HOSTDEV_PCI,
    PROV_NET_PORT_PLUG_LAST
} ProvNetPortPlugType;
const char *prov_net_port_plug_type_to_string(ProvNetPortPlugType type);
int prov_net_port_plug_type_from_string(const char *str);

/* <plug type='direct' mode=...>: the macvtap mode. */
typedef enum {
    PROV_NET_PORT_DIRECT_VEPA,
    PROV_NET_PORT_DIRECT_PRIVATE,
    PROV_NET_PORT_DIRECT_BRIDGE,
    PROV_NET_PORT_DIRECT_PASSTHROUGH,
    PROV_NET_PORT_DIRECT_LAST
} ProvNetPortDirectMode;
const char *prov_net_port_direct_mode_to_string(ProvNetPortDirectMode mode);
int prov_net_port_direct_mode_from_string(const char *str);

typedef struct {
    guint8 uuid[16];
    char *owner_name;
    guint8 owner_uuid[16];
    char *group;                 /* portgroup name, NULL = none given */
    guint8 mac[6];
    ProvNetVirtPort *virtualport;    /* NULL = none */
    ProvNetBandwidth *bandwidth;     /* NULL = none; class_id is the tc class */
    ProvNetVlan vlan;                /* tags empty = none */
    ProvNetTristate isolated;        /* <port isolated=> */
    ProvNetTristate trust_guest_rx_filters;  /* <rxfilters trustGuest=> */

    ProvNetPortPlugType plug_type;
    /* network / bridge */
    char *plug_bridge;
    ProvNetMacTableManager plug_mac_table_manager;
    /* direct */
    char *plug_dev;
    ProvNetPortDirectMode plug_direct_mode;
    /* hostdev-pci */
    ProvNetTristate plug_managed;
    ProvNetForwardDriverName plug_driver_name;
    char *plug_driver_model;
    ProvNetPciAddr plug_pci;
} ProvNetworkPortDef;

ProvNetworkPortDef *prov_network_port_def_new(void);
void prov_network_port_def_free(ProvNetworkPortDef *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvNetworkPortDef, prov_network_port_def_free)

typedef enum {
    PROV_NETWORK_PORT_PARSE_VALIDATE = 1 << 0,  /* also validate against networkport.rng */
} ProvNetworkPortParseFlags;

/**
 * prov_network_port_def_parse_string:
 * @xml: a <networkport> document
 * @flags: ProvNetworkPortParseFlags
 *
 * Requires <uuid>, <owner> (name and uuid) and a unicast <mac> whose first byte is not
 * 0xfe (the host side of a tap uses that).  Errors are PROV_NETWORK_ERROR /
 * PROV_ERR_INVALID_NETWORK_PORT (INVALID_MAC for the MAC), naming the port and value.
 * Returns the port (caller frees) or NULL.
 */
ProvNetworkPortDef *prov_network_port_def_parse_string(const char *xml, unsigned int flags,
                                                       GError **error);
ProvNetworkPortDef *prov_network_port_def_parse_file(const char *path, unsigned int flags,
                                                     GError **error);

/* Formats the port as libvirt does.  Caller frees. */
char *prov_network_port_def_format(const ProvNetworkPortDef *def);

/* Deep copy (format + parse). */
ProvNetworkPortDef *prov_network_port_def_copy(const ProvNetworkPortDef *def, GError **error);
