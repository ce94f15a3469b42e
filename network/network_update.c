/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* network_update.c: net-update (libvirt's virNetworkDefUpdateSection) on a network definition. */
#define G_LOG_DOMAIN "prov-network-conf"

#include "network/network_conf.h"

#include <string.h>

#include "util/error.h"

static const char *const net_update_command_names[PROV_NET_UPDATE_LAST] = {
    "none", "modify", "delete", "add-last", "add-first",
};

static const char *const net_update_section_names[PROV_NET_SECTION_LAST] = {
    "none", "bridge", "domain", "ip", "ip-dhcp-host", "ip-dhcp-range", "forward",
    "forward-interface", "forward-pf", "portgroup", "dns-host", "dns-txt", "dns-srv",
};

const char *
prov_net_update_command_to_string(ProvNetUpdateCommand cmd)
{
    if ((int) cmd < 0 || cmd >= PROV_NET_UPDATE_LAST)
        return NULL;
    return net_update_command_names[cmd];
}

int
prov_net_update_command_from_string(const char *str)
{
    int i;

    if (!str)
        return -1;
    /* virsh accepts "add" for add-last. */
    if (g_str_equal(str, "add"))
        return PROV_NET_UPDATE_ADD_LAST;
    for (i = 0; i < PROV_NET_UPDATE_LAST; i++) {
        if (g_str_equal(net_update_command_names[i], str))
            return i;
    }
    return -1;
}

const char *
prov_net_update_section_to_string(ProvNetUpdateSection section)
{
    if ((int) section < 0 || section >= PROV_NET_SECTION_LAST)
        return NULL;
    return net_update_section_names[section];
}

int
prov_net_update_section_from_string(const char *str)
{
    int i;

    if (!str)
        return -1;
    for (i = 0; i < PROV_NET_SECTION_LAST; i++) {
        if (g_str_equal(net_update_section_names[i], str))
            return i;
    }
    return -1;
}

/* Inserts @item first or last as @command says (ADD_FIRST / ADD_LAST). */
static void
net_update_insert(GPtrArray *array, gpointer item, unsigned int command)
{
    if (command == PROV_NET_UPDATE_ADD_FIRST)
        g_ptr_array_insert(array, 0, item);
    else
        g_ptr_array_add(array, item);
}

/* Replaces element @i of @array (the old one is freed by the array). */
static void
net_update_replace(GPtrArray *array, guint i, gpointer item)
{
    g_ptr_array_insert(array, (gint) i, item);
    g_ptr_array_remove_index(array, i + 1);
}

static bool
net_update_is_add(unsigned int command)
{
    return command == PROV_NET_UPDATE_ADD_FIRST || command == PROV_NET_UPDATE_ADD_LAST;
}

static bool
net_update_no_modify(const ProvNetworkDef *def, unsigned int command, const char *what,
                     GError **error)
{
    if (command != PROV_NET_UPDATE_MODIFY)
        return true;
    g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_NO_SUPPORT,
                "network '%s': %s cannot be modified, only added or deleted", def->name, what);
    return false;
}

/*
 * The <ip> whose <dhcp> a host or range update changes: @parent_index among all <ip>s,
 * or (-1) the one that has DHCP, else the first IPv4, else the first IPv6 - libvirt's
 * virNetworkIPDefByIndex.
 */
static ProvNetIpDef *
net_update_ip(ProvNetworkDef *def, int parent_index, GError **error)
{
    guint i;

    if (parent_index >= 0) {
        if ((guint) parent_index >= def->ips->len) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_INVALID,
                        "network '%s': no <ip> element at index %d (it has %u)", def->name,
                        parent_index, def->ips->len);
            return NULL;
        }
        return g_ptr_array_index(def->ips, parent_index);
    }
    for (i = 0; i < def->ips->len; i++) {
        ProvNetIpDef *ip = g_ptr_array_index(def->ips, i);

        if (prov_net_ip_def_has_dhcp(ip))
            return ip;
    }
    for (i = 0; i < def->ips->len; i++) {
        ProvNetIpDef *ip = g_ptr_array_index(def->ips, i);

        if (ip->family == AF_INET)
            return ip;
    }
    if (def->ips->len > 0)
        return g_ptr_array_index(def->ips, 0);
    g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_INVALID,
                "network '%s': it has no <ip> element whose DHCP could be updated", def->name);
    return NULL;
}

/*
 * A change of ranges or hosts that turns DHCP on or off for @ip changes dnsmasq's conf
 * (dhcp-range lines), not only its hosts file; for IPv6 it also flips radvd's
 * managed/other flags.
 */
static unsigned int
net_update_dhcp_toggle_reload(const ProvNetIpDef *ip, bool had_dhcp)
{
    unsigned int reload = 0;

    if (prov_net_ip_def_has_dhcp(ip) != had_dhcp) {
        reload |= PROV_NET_RELOAD_DNSMASQ_RESTART;
        if (ip->family == AF_INET6)
            reload |= PROV_NET_RELOAD_RADVD;
    }
    return reload;
}

static bool
net_host_matches_any(const ProvNetDhcpHost *a, const ProvNetDhcpHost *b)
{
    return (a->mac && b->mac && g_ascii_strcasecmp(a->mac, b->mac) == 0) ||
           (a->id && b->id && g_ascii_strcasecmp(a->id, b->id) == 0) ||
           (a->name && b->name && g_str_equal(a->name, b->name)) ||
           (prov_net_addr_is_set(&a->ip) && prov_net_addr_equal(&a->ip, &b->ip));
}

/* Every attribute the pattern @pat gives matches @h (a net-update delete). */
static bool
net_host_matches_all(const ProvNetDhcpHost *pat, const ProvNetDhcpHost *h)
{
    return (!pat->mac || (h->mac && g_ascii_strcasecmp(pat->mac, h->mac) == 0)) &&
           (!pat->id || (h->id && g_ascii_strcasecmp(pat->id, h->id) == 0)) &&
           (!pat->name || g_strcmp0(pat->name, h->name) == 0) &&
           (!prov_net_addr_is_set(&pat->ip) || prov_net_addr_equal(&pat->ip, &h->ip));
}

static char *
net_host_describe(const ProvNetDhcpHost *host)
{
    char ip[PROV_NET_ADDR_STRLEN];
    g_autoptr(GString) s = g_string_new("<host");

    if (host->mac)
        g_string_append_printf(s, " mac='%s'", host->mac);
    if (host->id)
        g_string_append_printf(s, " id='%s'", host->id);
    if (host->name)
        g_string_append_printf(s, " name='%s'", host->name);
    if (prov_net_addr_is_set(&host->ip))
        g_string_append_printf(s, " ip='%s'", prov_net_addr_to_string(&host->ip, ip));
    g_string_append(s, "/>");
    return g_string_free(g_steal_pointer(&s), FALSE);
}

static bool
net_update_dhcp_host(ProvNetworkDef *def, unsigned int command, int parent_index,
                     const char *xml, unsigned int *reload, GError **error)
{
    ProvNetIpDef *ip = net_update_ip(def, parent_index, error);
    g_autoptr(ProvNetDhcpHost) host = NULL;
    g_autofree char *desc = NULL;
    unsigned int toggled;
    bool had_dhcp;
    guint i;

    if (!ip)
        return false;
    had_dhcp = prov_net_ip_def_has_dhcp(ip);
    host = prov_net_dhcp_host_parse_string(def, ip, xml, command == PROV_NET_UPDATE_DELETE,
                                           error);
    if (!host)
        return false;
    desc = net_host_describe(host);

    if (command == PROV_NET_UPDATE_MODIFY) {
        /* The entry with this mac, id, ip or name gets the new attributes. */
        for (i = 0; i < ip->hosts->len; i++) {
            if (net_host_matches_any(host, g_ptr_array_index(ip->hosts, i)))
                break;
        }
        if (i == ip->hosts->len) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_INVALID,
                        "network '%s': no static host matches %s", def->name, desc);
            return false;
        }
        net_update_replace(ip->hosts, i, g_steal_pointer(&host));
    } else if (net_update_is_add(command)) {
        for (i = 0; i < ip->hosts->len; i++) {
            const ProvNetDhcpHost *h = g_ptr_array_index(ip->hosts, i);

            if (net_host_matches_any(host, h)) {
                g_autofree char *other = net_host_describe(h);

                g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_INVALID,
                            "network '%s': static host %s clashes with the existing %s",
                            def->name, desc, other);
                return false;
            }
        }
        net_update_insert(ip->hosts, g_steal_pointer(&host), command);
    } else {
        for (i = 0; i < ip->hosts->len; i++) {
            if (net_host_matches_all(host, g_ptr_array_index(ip->hosts, i)))
                break;
        }
        if (i == ip->hosts->len) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_INVALID,
                        "network '%s': no static host matches %s", def->name, desc);
            return false;
        }
        g_ptr_array_remove_index(ip->hosts, i);
    }
    /*
     * Hosts live in dnsmasq's dhcp-hostsfile, which a SIGHUP re-reads; unless DHCP was
     * switched on or off, which changes the conf itself.
     */
    toggled = net_update_dhcp_toggle_reload(ip, had_dhcp);
    *reload = PROV_NET_RELOAD_FIREWALL |
              (toggled ? toggled : (unsigned int) PROV_NET_RELOAD_DNSMASQ_HOSTS);
    return true;
}

static bool
net_update_dhcp_range(ProvNetworkDef *def, unsigned int command, int parent_index,
                      const char *xml, unsigned int *reload, GError **error)
{
    ProvNetIpDef *ip = net_update_ip(def, parent_index, error);
    g_autoptr(ProvNetDhcpRange) range = NULL;
    char s[PROV_NET_ADDR_STRLEN];
    char e[PROV_NET_ADDR_STRLEN];
    bool had_dhcp;
    guint i;

    if (!ip || !net_update_no_modify(def, command, "DHCP ranges", error))
        return false;
    had_dhcp = prov_net_ip_def_has_dhcp(ip);
    if (!(range = prov_net_dhcp_range_parse_string(def, ip, xml, error)))
        return false;
    prov_net_addr_to_string(&range->start, s);
    prov_net_addr_to_string(&range->end, e);
    for (i = 0; i < ip->ranges->len; i++) {
        const ProvNetDhcpRange *r = g_ptr_array_index(ip->ranges, i);

        if (prov_net_addr_equal(&r->start, &range->start) &&
            prov_net_addr_equal(&r->end, &range->end))
            break;
    }
    if (net_update_is_add(command)) {
        if (i < ip->ranges->len) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_INVALID,
                        "network '%s': DHCP range '%s' - '%s' already exists", def->name, s, e);
            return false;
        }
        net_update_insert(ip->ranges, g_steal_pointer(&range), command);
    } else {
        if (i == ip->ranges->len) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_INVALID,
                        "network '%s': no DHCP range '%s' - '%s' to delete", def->name, s, e);
            return false;
        }
        g_ptr_array_remove_index(ip->ranges, i);
    }
    /* dhcp-range lines are in dnsmasq's conf, which it cannot re-read: restart. */
    *reload = PROV_NET_RELOAD_DNSMASQ_RESTART | PROV_NET_RELOAD_FIREWALL |
              net_update_dhcp_toggle_reload(ip, had_dhcp);
    return true;
}

static bool
net_update_forward_interface(ProvNetworkDef *def, unsigned int command, const char *xml,
                             unsigned int *reload, GError **error)
{
    g_autoptr(ProvNetForwardIf) fif = NULL;
    guint i;

    if (!net_update_no_modify(def, command, "forward interfaces", error))
        return false;
    if (!(fif = prov_net_forward_if_parse_string(def, xml, error)))
        return false;
    for (i = 0; i < def->forward.ifs->len; i++) {
        const ProvNetForwardIf *f = g_ptr_array_index(def->forward.ifs, i);

        if (f->type == PROV_NET_FORWARD_IF_NETDEV && g_str_equal(f->dev, fif->dev))
            break;
    }
    if (net_update_is_add(command)) {
        if (i < def->forward.ifs->len) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_INVALID,
                        "network '%s': forward interface '%s' is already listed", def->name,
                        fif->dev);
            return false;
        }
        fif->connections = 0;
        net_update_insert(def->forward.ifs, g_steal_pointer(&fif), command);
    } else {
        const ProvNetForwardIf *f;

        if (i == def->forward.ifs->len) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_INVALID,
                        "network '%s': no forward interface '%s' to delete", def->name,
                        fif->dev);
            return false;
        }
        f = g_ptr_array_index(def->forward.ifs, i);
        if (f->connections > 0) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_INVALID,
                        "network '%s': forward interface '%s' is in use by %u guest "
                        "interface(s)", def->name, f->dev, f->connections);
            return false;
        }
        g_ptr_array_remove_index(def->forward.ifs, i);
    }
    *reload = PROV_NET_RELOAD_FIREWALL;
    return true;
}

static bool
net_update_portgroup(ProvNetworkDef *def, unsigned int command, const char *xml,
                     unsigned int *reload, GError **error)
{
    g_autoptr(ProvNetPortGroup) pg = NULL;
    gint found = -1;
    gint found_default = -1;
    guint i;

    if (!(pg = prov_net_portgroup_parse_string(def, xml, error)))
        return false;
    for (i = 0; i < def->portgroups->len; i++) {
        const ProvNetPortGroup *p = g_ptr_array_index(def->portgroups, i);

        if (g_str_equal(p->name, pg->name))
            found = (gint) i;
        if (p->is_default)
            found_default = (gint) i;
    }
    if (net_update_is_add(command) && found >= 0) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_INVALID,
                    "network '%s': portgroup '%s' already exists", def->name, pg->name);
        return false;
    }
    if (!net_update_is_add(command) && found < 0) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_INVALID,
                    "network '%s': no portgroup named '%s'", def->name, pg->name);
        return false;
    }
    if (command != PROV_NET_UPDATE_DELETE && pg->is_default && found_default >= 0 &&
        found_default != found) {
        const ProvNetPortGroup *d = g_ptr_array_index(def->portgroups, found_default);

        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_INVALID,
                    "network '%s': portgroup '%s' cannot be the default, '%s' already is",
                    def->name, pg->name, d->name);
        return false;
    }
    if (command == PROV_NET_UPDATE_MODIFY)
        net_update_replace(def->portgroups, (guint) found, g_steal_pointer(&pg));
    else if (net_update_is_add(command))
        net_update_insert(def->portgroups, g_steal_pointer(&pg), command);
    else
        g_ptr_array_remove_index(def->portgroups, (guint) found);
    /* Portgroups only matter to ports plugged in later. */
    *reload = PROV_NET_RELOAD_NONE;
    return true;
}

static bool
net_dns_host_shares_name(const ProvNetDnsHost *a, const ProvNetDnsHost *b)
{
    guint i;
    guint j;

    for (i = 0; i < a->hostnames->len; i++) {
        for (j = 0; j < b->hostnames->len; j++) {
            if (g_str_equal(g_ptr_array_index(a->hostnames, i),
                            g_ptr_array_index(b->hostnames, j)))
                return true;
        }
    }
    return false;
}

static bool
net_update_dns_host(ProvNetworkDef *def, unsigned int command, const char *xml,
                    unsigned int *reload, GError **error)
{
    g_autoptr(ProvNetDnsHost) host = NULL;
    GPtrArray *hosts = def->dns.hosts;
    char ip[PROV_NET_ADDR_STRLEN];
    guint found_count = 0;
    guint found = 0;
    guint i;

    host = prov_net_dns_host_parse_string(def, xml, command == PROV_NET_UPDATE_DELETE, error);
    if (!host)
        return false;
    prov_net_addr_to_string(&host->ip, ip);
    /*
     * Adding and modifying go by IP (several IPs may share a name, which is a normal
     * configuration); a delete pattern may name the IP or any of the host names.
     */
    for (i = 0; i < hosts->len; i++) {
        const ProvNetDnsHost *h = g_ptr_array_index(hosts, i);
        bool match = prov_net_addr_is_set(&host->ip) && prov_net_addr_equal(&host->ip, &h->ip);

        if (command == PROV_NET_UPDATE_DELETE && !match)
            match = net_dns_host_shares_name(host, h);
        if (match) {
            found = i;
            found_count++;
        }
    }
    if (net_update_is_add(command)) {
        if (found_count > 0) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_INVALID,
                        "network '%s': there is already a DNS host record for IP '%s'",
                        def->name, ip);
            return false;
        }
        net_update_insert(hosts, g_steal_pointer(&host), command);
    } else if (found_count == 0) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_INVALID,
                    "network '%s': no DNS host record matches%s%s%s", def->name,
                    ip[0] ? " IP '" : " the given host names", ip, ip[0] ? "'" : "");
        return false;
    } else if (found_count > 1) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_INVALID,
                    "network '%s': %u DNS host records match; give the IP to pick one",
                    def->name, found_count);
        return false;
    } else if (command == PROV_NET_UPDATE_MODIFY) {
        net_update_replace(hosts, found, g_steal_pointer(&host));
    } else {
        g_ptr_array_remove_index(hosts, found);
    }
    /* DNS hosts live in dnsmasq's addn-hosts file: a SIGHUP re-reads it. */
    *reload = PROV_NET_RELOAD_DNSMASQ_HOSTS;
    return true;
}

static bool
net_update_dns_txt(ProvNetworkDef *def, unsigned int command, const char *xml,
                   unsigned int *reload, GError **error)
{
    g_autoptr(ProvNetDnsTxt) txt = NULL;
    GPtrArray *txts = def->dns.txts;
    guint i;

    txt = prov_net_dns_txt_parse_string(def, xml, command == PROV_NET_UPDATE_DELETE, error);
    if (!txt)
        return false;
    for (i = 0; i < txts->len; i++) {
        const ProvNetDnsTxt *t = g_ptr_array_index(txts, i);

        if (g_str_equal(t->name, txt->name))
            break;
    }
    if (net_update_is_add(command)) {
        if (i < txts->len) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_INVALID,
                        "network '%s': there is already a DNS TXT record named '%s'",
                        def->name, txt->name);
            return false;
        }
        net_update_insert(txts, g_steal_pointer(&txt), command);
    } else if (i == txts->len) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_INVALID,
                    "network '%s': no DNS TXT record named '%s'", def->name, txt->name);
        return false;
    } else if (command == PROV_NET_UPDATE_MODIFY) {
        net_update_replace(txts, i, g_steal_pointer(&txt));
    } else {
        g_ptr_array_remove_index(txts, i);
    }
    /* txt-record= lines are in dnsmasq's conf: restart. */
    *reload = PROV_NET_RELOAD_DNSMASQ_RESTART;
    return true;
}

/* Every field the pattern @pat gives matches @s. */
static bool
net_srv_matches(const ProvNetDnsSrv *pat, const ProvNetDnsSrv *s)
{
    return (!pat->domain || g_strcmp0(pat->domain, s->domain) == 0) &&
           (!pat->service || g_strcmp0(pat->service, s->service) == 0) &&
           (!pat->protocol || g_strcmp0(pat->protocol, s->protocol) == 0) &&
           (!pat->target || g_strcmp0(pat->target, s->target) == 0);
}

static bool
net_update_dns_srv(ProvNetworkDef *def, unsigned int command, const char *xml,
                   unsigned int *reload, GError **error)
{
    g_autoptr(ProvNetDnsSrv) srv = NULL;
    GPtrArray *srvs = def->dns.srvs;
    guint found_count = 0;
    guint found = 0;
    guint i;

    if (!net_update_no_modify(def, command, "DNS SRV records", error))
        return false;
    srv = prov_net_dns_srv_parse_string(def, xml, command == PROV_NET_UPDATE_DELETE, error);
    if (!srv)
        return false;
    for (i = 0; i < srvs->len; i++) {
        if (net_srv_matches(srv, g_ptr_array_index(srvs, i))) {
            found = i;
            found_count++;
        }
    }
    if (net_update_is_add(command)) {
        if (found_count > 0) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_INVALID,
                        "network '%s': a DNS SRV record for service '%s' (%s) matching all "
                        "given fields already exists", def->name, srv->service,
                        srv->protocol);
            return false;
        }
        net_update_insert(srvs, g_steal_pointer(&srv), command);
    } else if (found_count == 0) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_INVALID,
                    "network '%s': no DNS SRV record matches service '%s' protocol '%s'",
                    def->name, srv->service ? srv->service : "*",
                    srv->protocol ? srv->protocol : "*");
        return false;
    } else if (found_count > 1) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_INVALID,
                    "network '%s': %u DNS SRV records match service '%s' protocol '%s'; give "
                    "more fields to pick one", def->name, found_count,
                    srv->service ? srv->service : "*", srv->protocol ? srv->protocol : "*");
        return false;
    } else {
        g_ptr_array_remove_index(srvs, found);
    }
    /* srv-host= lines are in dnsmasq's conf: restart. */
    *reload = PROV_NET_RELOAD_DNSMASQ_RESTART;
    return true;
}

/*
 * The change is made on a copy, which must pass the parse-time rules as a whole (a
 * definition we could not load again is never written); only then does it replace
 * @def, so a failure leaves @def as it was.
 */
bool
prov_network_def_update_section(ProvNetworkDef *def, unsigned int command,
                                 unsigned int section, int parent_index, const char *xml,
                                 unsigned int flags, unsigned int *ret_reload, GError **error)
{
    g_autoptr(ProvNetworkDef) copy = NULL;
    ProvNetworkDef tmp;
    unsigned int reload = PROV_NET_RELOAD_NONE;
    bool ok = false;

    if (flags != 0) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_ARG,
                    "network '%s': unsupported update flags 0x%x", def->name, flags);
        return false;
    }
    if (command < PROV_NET_UPDATE_MODIFY || command >= PROV_NET_UPDATE_LAST) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_ARG,
                    "network '%s': unknown update command %u", def->name, command);
        return false;
    }
    if (!xml) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_ARG,
                    "network '%s': no XML element given to update", def->name);
        return false;
    }
    if (section >= PROV_NET_SECTION_LAST) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_ARG,
                    "network '%s': unknown update section %u", def->name, section);
        return false;
    }
    if (!(copy = prov_network_def_copy(def, error)))
        return false;

    switch ((ProvNetUpdateSection) section) {
    case PROV_NET_SECTION_IP_DHCP_HOST:
        ok = net_update_dhcp_host(copy, command, parent_index, xml, &reload, error);
        break;
    case PROV_NET_SECTION_IP_DHCP_RANGE:
        ok = net_update_dhcp_range(copy, command, parent_index, xml, &reload, error);
        break;
    case PROV_NET_SECTION_FORWARD_INTERFACE:
        ok = net_update_forward_interface(copy, command, xml, &reload, error);
        break;
    case PROV_NET_SECTION_PORTGROUP:
        ok = net_update_portgroup(copy, command, xml, &reload, error);
        break;
    case PROV_NET_SECTION_DNS_HOST:
        ok = net_update_dns_host(copy, command, xml, &reload, error);
        break;
    case PROV_NET_SECTION_DNS_TXT:
        ok = net_update_dns_txt(copy, command, xml, &reload, error);
        break;
    case PROV_NET_SECTION_DNS_SRV:
        ok = net_update_dns_srv(copy, command, xml, &reload, error);
        break;
    case PROV_NET_SECTION_NONE:
    case PROV_NET_SECTION_BRIDGE:
    case PROV_NET_SECTION_DOMAIN:
    case PROV_NET_SECTION_IP:
    case PROV_NET_SECTION_FORWARD:
    case PROV_NET_SECTION_FORWARD_PF:
    case PROV_NET_SECTION_LAST:
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_NO_SUPPORT,
                    "network '%s': the '%s' section cannot be updated (supported: "
                    "ip-dhcp-host, ip-dhcp-range, forward-interface, portgroup, dns-host, "
                    "dns-txt, dns-srv)", def->name, net_update_section_names[section]);
        return false;
    }
    if (!ok || !prov_network_def_check(copy, error))
        return false;

    tmp = *def;
    *def = *copy;
    *copy = tmp;
    if (ret_reload)
        *ret_reload = reload;
    return true;
}
