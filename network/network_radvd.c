/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* network_radvd.c: a network's radvd.conf (IPv6 router advertisements on its bridge). */
#define G_LOG_DOMAIN "prov-net-radvd"

#include "network/network_radvd.h"

#include <string.h>

#include "util/error.h"

/* SLAAC builds an address from a /64 prefix and a 64-bit interface id (RFC 4862). */
#define RADVD_SLAAC_PREFIX 64

bool
prov_radvd_needed(const ProvNetworkDef *def)
{
    return prov_network_def_is_l3(def) && prov_network_def_has_ipv6(def);
}

/* Made of digits and dots only: radvd's lexer reads it as a number, not a name. */
static bool
looks_numeric(const char *value)
{
    const char *p;

    for (p = value; *p; p++) {
        if (!g_ascii_isdigit(*p) && *p != '.')
            return false;
    }
    return true;
}

/*
 * radvd reads names as unquoted words.  Checked with radvd 2.19 --configtest:
 * "interface 123" and "DNSSL 10.5" are syntax errors, "interface x#y" is read as "x"
 * (a comment starts at '#'), '{' ';' '"' '/' end the word; "DNSSL x_y.example" is
 * refused.
 */
static bool
check_word(const ProvNetworkDef *def, const char *what, const char *value, bool underscore,
           GError **error)
{
    const char *p;
    bool ok = value[0] != '\0' && !looks_numeric(value);

    for (p = value; ok && *p; p++)
        ok = g_ascii_isalnum(*p) || *p == '-' || *p == '.' || (underscore && *p == '_');
    if (!ok) {
        g_autofree char *shown = g_strescape(value, NULL);

        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "network '%s': %s '%s' cannot be given to radvd (letters, digits, "
                    "'-', '.'%s, not only digits)",
                    def->name, what, shown, underscore ? ", '_'" : "");
        return false;
    }
    return true;
}

static bool
check_name(const ProvNetworkDef *def, GError **error)
{
    const char *p;

    for (p = def->name; *p; p++) {
        if ((guchar)*p < 0x20 || *p == 0x7f) {
            g_autofree char *shown = g_strescape(def->name, NULL);

            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                        "network name '%s' contains a control character (such as a "
                        "newline), which radvd's configuration cannot hold", shown);
            return false;
        }
    }
    return true;
}

/* One prefix block: the subnet of an IPv6 <ip>. */
static bool
append_prefix(GString *out, const ProvNetworkDef *def, const ProvNetIpDef *ip,
              GError **error)
{
    int prefix = prov_net_ip_def_prefix(ip);
    char addr[PROV_NET_ADDR_STRLEN];
    char net_str[PROV_NET_ADDR_STRLEN];
    ProvNetAddr net;
    bool dhcp = prov_net_ip_def_has_dhcp(ip);
    bool autonomous = !dhcp && prefix == RADVD_SLAAC_PREFIX;

    prov_net_addr_to_string(&ip->address, addr);
    if (prefix <= 0 || prefix > 128) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "network '%s': IPv6 address '%s' has no valid prefix", def->name, addr);
        return false;
    }
    prov_net_addr_mask(&ip->address, (unsigned int)prefix, &net);
    prov_net_addr_to_string(&net, net_str);
    if (!dhcp && prefix != RADVD_SLAAC_PREFIX) {
        g_debug("network '%s': prefix %s/%d is not a /64, guests cannot autoconfigure "
                "addresses in it", def->name, net_str, prefix);
        g_string_append_printf(out,
                               "    # SLAAC needs a /64: %s/%d is advertised on-link only,\n"
                               "    # guests need static or DHCPv6 addresses in it.\n",
                               net_str, prefix);
    }
    g_string_append_printf(out,
                           "    prefix %s/%d\n"
                           "    {\n"
                           "        AdvOnLink on;\n"
                           "        AdvAutonomous %s;\n"
                           "        AdvRouterAddr off;\n"
                           "    };\n",
                           net_str, prefix, autonomous ? "on" : "off");
    return true;
}

bool
prov_radvd_conf_build(const ProvNetworkDef *def, const ProvRadvdConfOptions *opts,
                      char **ret_conf, GError **error)
{
    g_autoptr(GString) out = g_string_new(NULL);
    g_autoptr(GPtrArray) ipv6 = NULL;
    const char *bridge;
    guint min_interval;
    guint max_interval;
    bool dhcp6 = false;
    guint i;

    g_return_val_if_fail(def && opts && ret_conf, false);

    if (!prov_network_def_is_l3(def)) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_INVALID,
                    "network '%s': forward mode '%s' has no router advertisements",
                    def->name, prov_net_forward_mode_to_string(def->forward.mode));
        return false;
    }
    if (!check_name(def, error))
        return false;
    ipv6 = prov_network_def_ipv6_defs(def);
    if (ipv6->len == 0) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_INVALID,
                    "network '%s' has no IPv6 address to advertise", def->name);
        return false;
    }
    bridge = opts->bridge ? opts->bridge : def->bridge;
    if (!bridge) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_INVALID,
                    "network '%s' has no bridge name", def->name);
        return false;
    }
    if (!check_word(def, "bridge name", bridge, true, error))
        return false;

    max_interval = opts->max_interval ? opts->max_interval : PROV_RADVD_MAX_INTERVAL_DEFAULT;
    min_interval = opts->min_interval ? opts->min_interval : PROV_RADVD_MIN_INTERVAL_DEFAULT;
    if (!opts->min_interval && min_interval * 4 > max_interval * 3)
        min_interval = MAX(3, max_interval / 3);
    /* radvd's own limits (radvd.conf(5)); it refuses to start otherwise. */
    if (max_interval < 4 || max_interval > 1800 || min_interval < 3 ||
        min_interval * 4 > max_interval * 3) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "network '%s': router advertisement interval %u-%u s is not allowed "
                    "(4 <= max <= 1800, 3 <= min <= 0.75 * max)",
                    def->name, min_interval, max_interval);
        return false;
    }

    for (i = 0; i < ipv6->len; i++) {
        if (prov_net_ip_def_has_dhcp(g_ptr_array_index(ipv6, i)))
            dhcp6 = true;
    }

    g_string_append_printf(out,
                           "# radvd configuration of network '%s', generated by provd:\n"
                           "# changes to it are overwritten.\n"
                           "interface %s\n"
                           "{\n"
                           "    AdvSendAdvert on;\n"
                           "    IgnoreIfMissing on;\n"
                           "    MinRtrAdvInterval %u;\n"
                           "    MaxRtrAdvInterval %u;\n"
                           "    AdvManagedFlag %s;\n"
                           "    AdvOtherConfigFlag %s;\n",
                           def->name, bridge, min_interval, max_interval,
                           dhcp6 ? "on" : "off", dhcp6 ? "on" : "off");
    /* Isolated: advertise the subnet, but not the host as a router. */
    if (def->forward.mode == PROV_NET_FORWARD_NONE)
        g_string_append(out, "    AdvDefaultLifetime 0;\n");
    if (def->mtu > 0)
        g_string_append_printf(out, "    AdvLinkMTU %u;\n", def->mtu);

    for (i = 0; i < ipv6->len; i++) {
        if (!append_prefix(out, def, g_ptr_array_index(ipv6, i), error))
            return false;
    }

    if (prov_network_def_dns_enabled(def)) {
        const ProvNetIpDef *first = g_ptr_array_index(ipv6, 0);
        char addr[PROV_NET_ADDR_STRLEN];

        g_string_append_printf(out, "    RDNSS %s\n    {\n    };\n",
                               prov_net_addr_to_string(&first->address, addr));
        if (def->domain) {
            if (!check_word(def, "domain", def->domain, false, error))
                return false;
            g_string_append_printf(out, "    DNSSL %s\n    {\n    };\n", def->domain);
        }
    }
    g_string_append(out, "};\n");

    *ret_conf = g_string_free(g_steal_pointer(&out), FALSE);
    return true;
}
