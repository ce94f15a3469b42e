/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* network_port_conf.c: network port XML model (libvirt's <networkport>): parse, format. */
#define G_LOG_DOMAIN "prov-network-conf"

#include "network/network_port_conf.h"

#include <string.h>

#include "network/network_conf_xml.h"
#include "util/error.h"
#include "util/xml.h"

static const char *const net_port_plug_names[PROV_NET_PORT_PLUG_LAST] = {
    "none", "network", "bridge", "direct", "hostdev-pci",
};

/* macvtap modes, in the order of libvirt's virNetDevMacVLanMode. */
static const char *const net_port_direct_names[PROV_NET_PORT_DIRECT_LAST] = {
    "vepa", "private", "bridge", "passthrough",
};

static int
net_port_enum_from_string(const char *const *table, int n, const char *str)
{
    int i;

    if (!str)
        return -1;
    for (i = 0; i < n; i++) {
        if (g_str_equal(table[i], str))
            return i;
    }
    return -1;
}

const char *
prov_net_port_plug_type_to_string(ProvNetPortPlugType type)
{
    if ((int) type < 0 || type >= PROV_NET_PORT_PLUG_LAST)
        return NULL;
    return net_port_plug_names[type];
}

int
prov_net_port_plug_type_from_string(const char *str)
{
    return net_port_enum_from_string(net_port_plug_names, PROV_NET_PORT_PLUG_LAST, str);
}

const char *
prov_net_port_direct_mode_to_string(ProvNetPortDirectMode mode)
{
    if ((int) mode < 0 || mode >= PROV_NET_PORT_DIRECT_LAST)
        return NULL;
    return net_port_direct_names[mode];
}

int
prov_net_port_direct_mode_from_string(const char *str)
{
    return net_port_enum_from_string(net_port_direct_names, PROV_NET_PORT_DIRECT_LAST, str);
}

ProvNetworkPortDef *
prov_network_port_def_new(void)
{
    ProvNetworkPortDef *def = g_new0(ProvNetworkPortDef, 1);

    prov_net_vlan_init(&def->vlan);
    return def;
}

void
prov_network_port_def_free(ProvNetworkPortDef *def)
{
    if (!def)
        return;
    g_free(def->owner_name);
    g_free(def->group);
    prov_net_virtport_free(def->virtualport);
    prov_net_bandwidth_free(def->bandwidth);
    prov_net_vlan_clear(&def->vlan);
    g_free(def->plug_bridge);
    g_free(def->plug_dev);
    g_free(def->plug_driver_model);
    g_free(def);
}

/*
 * The shared element parsers report XML_ERROR; a port's caller (the RPC layer) expects
 * INVALID_NETWORK_PORT for anything wrong in the document, as libvirt reports it.
 */
static void
net_port_error_code(GError **error)
{
    if (error && *error && (*error)->domain == PROV_NETWORK_ERROR &&
        (*error)->code == PROV_ERR_XML_ERROR)
        (*error)->code = PROV_ERR_INVALID_NETWORK_PORT;
}

static bool
net_port_uuid(xmlNode *node, const char *who, const char *what, guint8 uuid[16],
              GError **error)
{
    g_autofree char *text = NULL;
    g_autofree char *shown = NULL;

    if (!node) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK_PORT,
                    "%s: missing %s", who, what);
        return false;
    }
    text = prov_xml_node_text(node);
    if (!prov_net_uuid_parse(text, uuid)) {
        shown = prov_net_xml_shown(text);
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK_PORT,
                    "%s: invalid %s '%s'", who, what, shown);
        return false;
    }
    return true;
}

static bool
net_port_name_ok(const char *s)
{
    const char *p;

    if (!s || !*s)
        return false;
    for (p = s; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("_.-:", *p))
            return false;
    }
    return true;
}

static bool
net_port_plug_parse(xmlNode *plug, ProvNetworkPortDef *def, const char *who, GError **error)
{
    g_autofree char *type = prov_xml_prop_string(plug, "type");
    g_autofree char *shown = prov_net_xml_shown(type);
    g_autofree char *mtm = NULL;
    g_autofree char *mode = NULL;
    xmlNode *node;
    int v;

    v = prov_net_port_plug_type_from_string(type);
    if (v <= 0) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK_PORT,
                    "%s: unknown <plug type='%s'> (expected network, bridge, direct or "
                    "hostdev-pci)", who, shown);
        return false;
    }
    def->plug_type = v;
    switch (def->plug_type) {
    case PROV_NET_PORT_PLUG_NETWORK:
    case PROV_NET_PORT_PLUG_BRIDGE:
        def->plug_bridge = prov_xml_prop_string(plug, "bridge");
        if (!net_port_name_ok(def->plug_bridge)) {
            g_autofree char *b = prov_net_xml_shown(def->plug_bridge);

            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK_PORT,
                        "%s: <plug type='%s'> needs a valid bridge='...' (got '%s')", who,
                        type, b);
            return false;
        }
        if ((mtm = prov_xml_prop_string(plug, "macTableManager"))) {
            v = prov_net_mac_table_manager_from_string(mtm);
            if (v <= 0) {
                g_autofree char *m = prov_net_xml_shown(mtm);

                g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK_PORT,
                            "%s: unknown macTableManager='%s' in <plug>", who, m);
                return false;
            }
            def->plug_mac_table_manager = v;
        }
        break;
    case PROV_NET_PORT_PLUG_DIRECT:
        def->plug_dev = prov_xml_prop_string(plug, "dev");
        if (!net_port_name_ok(def->plug_dev)) {
            g_autofree char *d = prov_net_xml_shown(def->plug_dev);

            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK_PORT,
                        "%s: <plug type='direct'> needs a valid dev='...' (got '%s')", who, d);
            return false;
        }
        mode = prov_xml_prop_string(plug, "mode");
        if ((v = prov_net_port_direct_mode_from_string(mode)) < 0) {
            g_autofree char *m = prov_net_xml_shown(mode);

            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK_PORT,
                        "%s: <plug type='direct'> needs mode= vepa, private, bridge or "
                        "passthrough (got '%s')", who, m);
            return false;
        }
        def->plug_direct_mode = v;
        break;
    case PROV_NET_PORT_PLUG_HOSTDEV_PCI:
        if (!prov_net_xml_attr_tristate(plug, "managed", who, &def->plug_managed, error))
            return false;
        if ((node = prov_xml_child(plug, NULL, "driver"))) {
            g_autofree char *name = prov_xml_prop_string(node, "name");

            if (name) {
                v = prov_net_forward_driver_name_from_string(name);
                if (v <= 0) {
                    g_autofree char *n = prov_net_xml_shown(name);

                    g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK_PORT,
                                "%s: unknown <driver name='%s'> in <plug>", who, n);
                    return false;
                }
                def->plug_driver_name = v;
            }
            def->plug_driver_model = prov_xml_prop_string(node, "model");
            if (def->plug_driver_model && !net_port_name_ok(def->plug_driver_model)) {
                g_autofree char *m = prov_net_xml_shown(def->plug_driver_model);

                g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK_PORT,
                            "%s: invalid <driver model='%s'> in <plug>", who, m);
                return false;
            }
        }
        if (!(node = prov_xml_child(plug, NULL, "address"))) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK_PORT,
                        "%s: <plug type='hostdev-pci'> needs a PCI <address/>", who);
            return false;
        }
        if (!prov_net_xml_pci_parse(node, who, &def->plug_pci, error))
            return false;
        break;
    case PROV_NET_PORT_PLUG_NONE:
    case PROV_NET_PORT_PLUG_LAST:
        break;
    }
    return true;
}

/* The optional elements: what allocation merged in, and how the NIC is plugged. */
static bool
net_port_parse_options(xmlNode *root, ProvNetworkPortDef *def, const char *who,
                       GError **error)
{
    xmlNode *node;

    if ((node = prov_xml_child(root, NULL, "virtualport")) &&
        !(def->virtualport = prov_net_xml_virtport_parse(node, false, who, error)))
        return false;
    if ((node = prov_xml_child(root, NULL, "bandwidth")) &&
        !prov_net_xml_bandwidth_parse(node, true, who, &def->bandwidth, error))
        return false;
    if ((node = prov_xml_child(root, NULL, "vlan")) &&
        !prov_net_xml_vlan_parse(node, who, &def->vlan, error))
        return false;
    if ((node = prov_xml_child(root, NULL, "port")) &&
        !prov_net_xml_attr_tristate(node, "isolated", who, &def->isolated, error))
        return false;
    if ((node = prov_xml_child(root, NULL, "rxfilters")) &&
        !prov_net_xml_attr_tristate(node, "trustGuest", who, &def->trust_guest_rx_filters,
                                    error))
        return false;
    if ((node = prov_xml_child(root, NULL, "plug")) &&
        !net_port_plug_parse(node, def, who, error))
        return false;
    return true;
}

static ProvNetworkPortDef *
net_port_parse_node(xmlNode *root, GError **error)
{
    g_autoptr(ProvNetworkPortDef) def = prov_network_port_def_new();
    xmlNode *uuid_node = prov_xml_child(root, NULL, "uuid");
    xmlNode *owner = prov_xml_child(root, NULL, "owner");
    g_autofree char *uuid_text = uuid_node ? prov_xml_node_text(uuid_node) : NULL;
    g_autofree char *uuid_shown = prov_net_xml_shown(uuid_text);
    g_autofree char *who = NULL;
    g_autofree char *mac = NULL;
    g_autofree char *mac_shown = NULL;
    xmlNode *node;

    who = uuid_text ? g_strdup_printf("network port '%s'", g_strstrip(uuid_shown))
                    : g_strdup("network port");
    if (!net_port_uuid(uuid_node, who, "<uuid>", def->uuid, error))
        return NULL;
    if (!owner) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK_PORT,
                    "%s: missing <owner> (the guest the port belongs to)", who);
        return NULL;
    }
    if (!(node = prov_xml_child(owner, NULL, "name")) ||
        !(def->owner_name = prov_xml_node_text(node))[0]) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK_PORT,
                    "%s: missing owner <name>", who);
        return NULL;
    }
    if (!net_port_uuid(prov_xml_child(owner, NULL, "uuid"), who, "owner <uuid>",
                       def->owner_uuid, error))
        return NULL;
    if ((node = prov_xml_child(root, NULL, "group"))) {
        def->group = prov_xml_node_text(node);
        if (!net_port_name_ok(def->group)) {
            g_autofree char *g = prov_net_xml_shown(def->group);

            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK_PORT,
                        "%s: invalid portgroup name '%s' in <group>", who, g);
            return NULL;
        }
    }

    node = prov_xml_child(root, NULL, "mac");
    if (!node || !(mac = prov_xml_prop_string(node, "address"))) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK_PORT,
                    "%s: missing <mac address='...'/>", who);
        return NULL;
    }
    mac_shown = prov_net_xml_shown(mac);
    if (!prov_net_mac_parse(mac, def->mac)) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_MAC,
                    "%s: invalid MAC address '%s'", who, mac_shown);
        return NULL;
    }
    if (prov_net_mac_is_multicast(def->mac)) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_MAC,
                    "%s: MAC address '%s' is a multicast address, expected unicast", who,
                    mac_shown);
        return NULL;
    }
    if (def->mac[0] == 0xfe) {
        /* The host side of a tap device takes fe:..., so the guest must not. */
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_MAC,
                    "%s: MAC address '%s' must not start with 'fe' (reserved for the host "
                    "side of the tap device)", who, mac_shown);
        return NULL;
    }

    if (!net_port_parse_options(root, def, who, error)) {
        net_port_error_code(error);
        return NULL;
    }
    return g_steal_pointer(&def);
}

static ProvNetworkPortDef *
net_port_parse_doc(xmlDoc *doc, unsigned int flags, GError **error)
{
    if (flags & ~PROV_NETWORK_PORT_PARSE_VALIDATE) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_ARG,
                    "unsupported network port parse flags 0x%x", flags);
        return NULL;
    }
    if (flags & PROV_NETWORK_PORT_PARSE_VALIDATE) {
        g_autofree char *rng = prov_xml_schema_path("networkport.rng");

        if (!prov_xml_validate_rng(doc, rng, error))
            return NULL;
    }
    return net_port_parse_node(xmlDocGetRootElement(doc), error);
}

ProvNetworkPortDef *
prov_network_port_def_parse_string(const char *xml, unsigned int flags, GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;

    doc = prov_xml_parse(xml, -1, "network port definition", "networkport", NULL, error);
    if (!doc)
        return NULL;
    return net_port_parse_doc(doc, flags, error);
}

ProvNetworkPortDef *
prov_network_port_def_parse_file(const char *path, unsigned int flags, GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;

    doc = prov_xml_parse_file(path, "networkport", NULL, error);
    if (!doc)
        return NULL;
    return net_port_parse_doc(doc, flags, error);
}

static void
net_port_format_plug(ProvXmlBuf *buf, const ProvNetworkPortDef *def)
{
    if (def->plug_type == PROV_NET_PORT_PLUG_NONE || def->plug_type >= PROV_NET_PORT_PLUG_LAST)
        return;
    prov_xml_buf_add(buf, "<plug type='%s'", net_port_plug_names[def->plug_type]);
    switch (def->plug_type) {
    case PROV_NET_PORT_PLUG_NETWORK:
    case PROV_NET_PORT_PLUG_BRIDGE:
        prov_xml_buf_escape(buf, " bridge='%s'", def->plug_bridge);
        if (def->plug_mac_table_manager != PROV_NET_MAC_TABLE_DEFAULT)
            prov_xml_buf_add(buf, " macTableManager='%s'",
                             prov_net_mac_table_manager_to_string(def->plug_mac_table_manager));
        prov_xml_buf_add(buf, "/>\n");
        break;
    case PROV_NET_PORT_PLUG_DIRECT:
        prov_xml_buf_escape(buf, " dev='%s'", def->plug_dev);
        prov_xml_buf_add(buf, " mode='%s'/>\n", net_port_direct_names[def->plug_direct_mode]);
        break;
    case PROV_NET_PORT_PLUG_HOSTDEV_PCI:
        if (def->plug_managed != PROV_NET_TRISTATE_ABSENT)
            prov_xml_buf_add(buf, " managed='%s'",
                             def->plug_managed == PROV_NET_TRISTATE_YES ? "yes" : "no");
        prov_xml_buf_add(buf, ">\n");
        prov_xml_buf_adjust_indent(buf, 2);
        if (def->plug_driver_name != PROV_NET_FORWARD_DRIVER_DEFAULT ||
            def->plug_driver_model) {
            prov_xml_buf_add(buf, "<driver");
            if (def->plug_driver_name != PROV_NET_FORWARD_DRIVER_DEFAULT)
                prov_xml_buf_add(buf, " name='%s'",
                                 prov_net_forward_driver_name_to_string(def->plug_driver_name));
            prov_xml_buf_escape(buf, " model='%s'", def->plug_driver_model);
            prov_xml_buf_add(buf, "/>\n");
        }
        prov_net_xml_format_pci(buf, &def->plug_pci, false);
        prov_xml_buf_add(buf, "/>\n");
        prov_xml_buf_adjust_indent(buf, -2);
        prov_xml_buf_add(buf, "</plug>\n");
        break;
    case PROV_NET_PORT_PLUG_NONE:
    case PROV_NET_PORT_PLUG_LAST:
        break;
    }
}

char *
prov_network_port_def_format(const ProvNetworkPortDef *def)
{
    g_auto(ProvXmlBuf) buf = { NULL, 0 };
    char uuid[37];
    char mac[PROV_NET_MAC_STRLEN];

    g_return_val_if_fail(def != NULL, NULL);
    prov_xml_buf_init(&buf);
    prov_xml_buf_add(&buf, "<networkport>\n");
    prov_xml_buf_adjust_indent(&buf, 2);
    prov_net_uuid_format(def->uuid, uuid);
    prov_xml_buf_add(&buf, "<uuid>%s</uuid>\n", uuid);
    prov_xml_buf_add(&buf, "<owner>\n");
    prov_xml_buf_adjust_indent(&buf, 2);
    prov_xml_buf_escape(&buf, "<name>%s</name>\n", def->owner_name);
    prov_net_uuid_format(def->owner_uuid, uuid);
    prov_xml_buf_add(&buf, "<uuid>%s</uuid>\n", uuid);
    prov_xml_buf_adjust_indent(&buf, -2);
    prov_xml_buf_add(&buf, "</owner>\n");
    prov_xml_buf_escape(&buf, "<group>%s</group>\n", def->group);
    prov_xml_buf_add(&buf, "<mac address='%s'/>\n", prov_net_mac_format(def->mac, mac));
    prov_net_xml_format_virtport(&buf, def->virtualport);
    prov_net_xml_format_bandwidth(&buf, def->bandwidth);
    prov_net_xml_format_vlan(&buf, &def->vlan);
    if (def->isolated != PROV_NET_TRISTATE_ABSENT)
        prov_xml_buf_add(&buf, "<port isolated='%s'/>\n",
                         def->isolated == PROV_NET_TRISTATE_YES ? "yes" : "no");
    if (def->trust_guest_rx_filters != PROV_NET_TRISTATE_ABSENT)
        prov_xml_buf_add(&buf, "<rxfilters trustGuest='%s'/>\n",
                         def->trust_guest_rx_filters == PROV_NET_TRISTATE_YES ? "yes" : "no");
    net_port_format_plug(&buf, def);
    prov_xml_buf_adjust_indent(&buf, -2);
    prov_xml_buf_add(&buf, "</networkport>\n");
    return prov_xml_buf_steal(&buf);
}

ProvNetworkPortDef *
prov_network_port_def_copy(const ProvNetworkPortDef *def, GError **error)
{
    g_autofree char *xml = prov_network_port_def_format(def);

    return prov_network_port_def_parse_string(xml, 0, error);
}
