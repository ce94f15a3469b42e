/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* network_conf_xml.h: libxml2-level pieces shared by the network and network port models. */
#pragma once

/*
 * Private to network_conf.c and network_port_conf.c (the two model files that may
 * touch libxml2): the parsers and formatters of elements both documents carry
 * (<vlan>, <bandwidth>, <virtualport>, PCI <address>).  Messages name @who
 * ("network 'default'", "network port '5d744f21-...'").
 */
#include <glib.h>
#include <stdbool.h>
#include <libxml/tree.h>

#include "network/network_conf.h"
#include "util/xml.h"

/* An empty vlan (tags allocated) / release of its tags. */
void prov_net_vlan_init(ProvNetVlan *vlan);
void prov_net_vlan_clear(ProvNetVlan *vlan);

/* @value with control characters escaped, for messages.  Caller frees. */
char *prov_net_xml_shown(const char *value);

/* yes/no attribute; absent leaves *@ret ABSENT.  False with PROV_NETWORK_ERROR. */
bool prov_net_xml_attr_tristate(xmlNode *node, const char *attr, const char *who,
                                ProvNetTristate *ret, GError **error);
/* <vlan trunk=><tag id= nativeMode=/>+</vlan> into @vlan (initialised, empty). */
bool prov_net_xml_vlan_parse(xmlNode *node, const char *who, ProvNetVlan *vlan, GError **error);
/* <bandwidth>; *@ret is NULL for an empty one.  @allow_floor: inbound floor= allowed. */
bool prov_net_xml_bandwidth_parse(xmlNode *node, bool allow_floor, const char *who,
                                  ProvNetBandwidth **ret, GError **error);
/* <virtualport>; @require_type refuses one without type=. */
ProvNetVirtPort *prov_net_xml_virtport_parse(xmlNode *node, bool require_type, const char *who,
                                             GError **error);
/* domain/bus/slot/function attributes (0x.. hex or decimal; absent ones are 0). */
bool prov_net_xml_pci_parse(xmlNode *node, const char *who, ProvNetPciAddr *pci,
                            GError **error);

/* Formatters in libvirt's style; nothing is written for an empty vlan / NULL element. */
void prov_net_xml_format_vlan(ProvXmlBuf *buf, const ProvNetVlan *vlan);
void prov_net_xml_format_bandwidth(ProvXmlBuf *buf, const ProvNetBandwidth *bw);
void prov_net_xml_format_virtport(ProvXmlBuf *buf, const ProvNetVirtPort *vport);
/* "<address [type='pci'] domain=... function='0x.'" without the closing "/>". */
void prov_net_xml_format_pci(ProvXmlBuf *buf, const ProvNetPciAddr *pci, bool with_type);
