/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* network_live.c: bringing a none/nat/route/open network up and down on the host. */
#define G_LOG_DOMAIN "provd-network"

#include "config.h"
#include "network/network_live.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "network/leases.h"
#include "network/network_dnsmasq.h"
#include "network/network_dnsmasq_proc.h"
#include "network/network_driver.h"
#include "network/network_firewall.h"
#include "network/network_radvd.h"
#include "util/command.h"
#include "util/error.h"
#include "util/fileutil.h"
#include "util/netlink.h"
#include "util/sysctl.h"
#include "util/xml.h"

/* dnsmasq parses its config and binds in well under a second; radvd likewise. */
#define LIVE_DAEMON_START_TIMEOUT_MS (20 * 1000)

/* ---- status file ------------------------------------------------------------------- */

void
prov_network_status_free(ProvNetworkStatus *st)
{
    if (!st)
        return;
    prov_network_def_free(st->def);
    g_free(st->firewall);
    g_free(st);
}

/* Each non-empty line of @text, two spaces in: an element nested in <networkstatus>. */
static void
append_indented(GString *out, const char *text)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    guint i;

    for (i = 0; lines[i]; i++) {
        if (*lines[i])
            g_string_append_printf(out, "  %s\n", lines[i]);
    }
}

char *
prov_network_status_format(const ProvNetworkStatus *st)
{
    g_autoptr(GString) out = g_string_new("<networkstatus>\n");
    g_autofree char *def = prov_network_def_format(st->def, 0);
    g_autofree char *bridge = g_markup_escape_text(st->def->bridge ? st->def->bridge : "", -1);

    g_string_append_printf(out, "  <bridge name='%s' created='%s'/>\n", bridge,
                           st->bridge_created ? "yes" : "no");
    if (st->dnsmasq_pid > 0)
        g_string_append_printf(out, "  <dnsmasq pid='%d'/>\n", (int)st->dnsmasq_pid);
    if (st->radvd_pid > 0)
        g_string_append_printf(out, "  <radvd pid='%d'/>\n", (int)st->radvd_pid);
    if (st->firewall)
        append_indented(out, st->firewall);
    append_indented(out, def);
    g_string_append(out, "</networkstatus>\n");
    return g_string_free(g_steal_pointer(&out), FALSE);
}

static pid_t
parse_pid(const char *text)
{
    gint64 v;
    char *end = NULL;

    if (!text)
        return 0;
    v = g_ascii_strtoll(text, &end, 10);
    return (end && !*end && v > 0 && v < G_MAXINT) ? (pid_t)v : 0;
}

ProvNetworkStatus *
prov_network_status_parse_file(const char *path, GError **error)
{
    g_autoptr(ProvNetworkStatus) st = g_new0(ProvNetworkStatus, 1);
    g_autoptr(xmlXPathContext) ctxt = NULL;
    g_autoptr(xmlDoc) doc = NULL;
    g_autofree char *text = NULL;
    g_autofree char *created = NULL;
    g_autofree char *dnsmasq = NULL;
    g_autofree char *radvd = NULL;
    xmlNode *fw;

    if (!(text = prov_file_read_all(path, 16 * 1024 * 1024, NULL, error)) ||
        !(doc = prov_xml_parse(text, -1, path, "networkstatus", &ctxt, error)) ||
        !(st->def = prov_network_def_parse_embedded(text, "networkstatus", 0, error)))
        return NULL;
    created = prov_xpath_string("string(./bridge/@created)", ctxt);
    st->bridge_created = g_strcmp0(created, "yes") == 0;
    dnsmasq = prov_xpath_string("string(./dnsmasq/@pid)", ctxt);
    st->dnsmasq_pid = parse_pid(dnsmasq);
    radvd = prov_xpath_string("string(./radvd/@pid)", ctxt);
    st->radvd_pid = parse_pid(radvd);
    if ((fw = prov_xpath_node("./firewall", ctxt)))
        st->firewall = prov_xml_node_dump(doc, fw);
    return g_steal_pointer(&st);
}

/* ---- files ------------------------------------------------------------------------- */

static char *
data_file(const ProvNetworkLiveContext *ctx, const char *name, const char *suffix)
{
    return g_strdup_printf("%s/%s%s", ctx->data_dir, name, suffix);
}

void
prov_network_live_remove_files(const ProvNetworkLiveContext *ctx, const char *name)
{
    static const char *const suffixes[] = {
        ".conf", ".hostsfile", ".addnhosts", ".pid", "-radvd.conf", "-radvd.pid",
    };
    g_autoptr(GError) local = NULL;
    guint i;

    for (i = 0; i < G_N_ELEMENTS(suffixes); i++) {
        g_autofree char *path = data_file(ctx, name, suffixes[i]);
        (void)unlink(path);
    }
    if (!prov_lease_store_delete(ctx->data_dir, name, &local))
        g_debug("%s, ignoring", local->message);
}

/* ---- the steps ---------------------------------------------------------------------- */

/*
 * A subnet the host already routes elsewhere (a VPN, another hypervisor's bridge) would
 * make our guests unreachable or steal that route: refused, naming the interface.
 * A wider route that merely contains the subnet (a 10.0.0.0/8 summary) is fine: the
 * bridge's more specific route wins, as it does for libvirt.
 */
static bool
check_route_collisions(const ProvNetworkDef *def, GError **error)
{
    guint i;

    for (i = 0; i < def->ips->len; i++) {
        const ProvNetIpDef *ip = g_ptr_array_index(def->ips, i);
        g_autofree char *ifname = NULL;
        g_autofree char *route = NULL;
        char addr[PROV_NET_ADDR_STRLEN];
        int prefix = prov_net_ip_def_prefix(ip);
        const char *slash;

        if (prefix < 0)
            continue;
        prov_net_addr_to_string(&ip->address, addr);
        if (!prov_route_find_overlap(addr, (guint)prefix, def->bridge, &ifname, &route, error))
            return false;
        if (!route || !(slash = strchr(route, '/')) || atoi(slash + 1) < prefix)
            continue;
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_FAILED,
                    "network '%s': subnet %s/%d collides with the route %s on interface "
                    "'%s'", def->name, addr, prefix, route, ifname ? ifname : "?");
        return false;
    }
    return true;
}

static bool
setup_bridge(const ProvNetworkDef *def, ProvNetworkStatus *st, GError **error)
{
    char mac[PROV_NET_MAC_STRLEN];
    bool v6 = prov_network_def_has_ipv6(def);

    prov_net_mac_format(def->mac, mac);
    if (!prov_netdev_bridge_create(def->bridge, def->mac_specified ? mac : NULL, def->mtu,
                                   error))
        return false;
    st->bridge_created = true;
    if (!prov_netdev_bridge_set_stp_delay(def->bridge, def->stp, (guint)def->delay * 1000,
                                          error))
        return false;
    /* Guests must not steer the host with their own router advertisements. */
    if (prov_sysctl_have_ipv6() &&
        (!prov_sysctl_set_ipv6_conf(def->bridge, PROV_SYSCTL_IPV6_DISABLE_IPV6, v6 ? 0 : 1,
                                    NULL, error) ||
         (v6 && (!prov_sysctl_set_ipv6_conf(def->bridge, PROV_SYSCTL_IPV6_ACCEPT_RA, 0, NULL,
                                            error) ||
                 !prov_sysctl_set_ipv6_conf(def->bridge, PROV_SYSCTL_IPV6_AUTOCONF, 0, NULL,
                                            error)))))
        return false;
    return true;
}

static bool
add_addresses_and_routes(const ProvNetworkDef *def, GError **error)
{
    guint i;

    for (i = 0; i < def->ips->len; i++) {
        const ProvNetIpDef *ip = g_ptr_array_index(def->ips, i);
        char addr[PROV_NET_ADDR_STRLEN];

        prov_net_addr_to_string(&ip->address, addr);
        if (!prov_netdev_add_address(def->bridge, addr, (guint)prov_net_ip_def_prefix(ip),
                                     PROV_NETDEV_ADDR_NODAD, error))
            return false;
    }
    if (!prov_netdev_set_up(def->bridge, true, error))
        return false;
    for (i = 0; i < def->routes->len; i++) {
        const ProvNetRoute *route = g_ptr_array_index(def->routes, i);
        char dest[PROV_NET_ADDR_STRLEN];
        char gw[PROV_NET_ADDR_STRLEN];

        prov_net_addr_to_string(&route->address, dest);
        prov_net_addr_to_string(&route->gateway, gw);
        if (!prov_netdev_add_route(def->bridge, dest, prov_net_route_prefix(route),
                                   *gw ? gw : NULL, route->metric ? route->metric : 1, error)) {
            g_prefix_error(error, "network '%s': static route %s/%u: ", def->name, dest,
                           prov_net_route_prefix(route));
            return false;
        }
    }
    return true;
}

/* ip_forward (v4) and all/forwarding (v6) for nat/route/open; never turned off again,
 * as other networks and the host may rely on them (libvirt does the same). */
static bool
enable_forwarding(const ProvNetworkDef *def, GError **error)
{
    if (def->forward.mode == PROV_NET_FORWARD_NONE)
        return true;
    if (prov_network_def_has_ipv4(def) && !prov_sysctl_set_ipv4_forwarding(true, NULL, error))
        return false;
    if (prov_network_def_has_ipv6(def)) {
        /* Passes when forwarding is on already: nothing would change for the host. */
        if (!prov_ipv6_check_forwarding_safe(error)) {
            g_prefix_error(error, "network '%s': ", def->name);
            return false;
        }
        if (!prov_sysctl_set_ipv6_forwarding(true, NULL, error))
            return false;
    }
    return true;
}

/* ---- daemons ------------------------------------------------------------------------ */

/* "192.168.122.1/24 fd00::1/64": the lease script records prefixes with the leases. */
static char *
subnets_text(const ProvNetworkDef *def)
{
    g_autoptr(GString) out = g_string_new(NULL);
    guint i;

    for (i = 0; i < def->ips->len; i++) {
        const ProvNetIpDef *ip = g_ptr_array_index(def->ips, i);
        char addr[PROV_NET_ADDR_STRLEN];

        g_string_append_printf(out, "%s%s/%d", out->len ? " " : "",
                               prov_net_addr_to_string(&ip->address, addr),
                               prov_net_ip_def_prefix(ip));
    }
    return g_string_free(g_steal_pointer(&out), FALSE);
}

static bool
write_dnsmasq_files(const ProvNetworkLiveContext *ctx, const ProvNetworkDef *def,
                    GError **error)
{
    g_autofree char *conf_path = data_file(ctx, def->name, ".conf");
    g_autofree char *hosts_path = data_file(ctx, def->name, ".hostsfile");
    g_autofree char *addn_path = data_file(ctx, def->name, ".addnhosts");
    g_autofree char *pid_path = data_file(ctx, def->name, ".pid");
    g_autofree char *conf = NULL;
    g_autofree char *hosts = NULL;
    g_autofree char *addn = NULL;
    ProvDnsmasqConfOptions opts = { 0 };

    opts.bridge = def->bridge;
    opts.config_dir = ctx->data_dir;
    opts.pid_file = pid_path;
    opts.dhcp_script = ctx->leases_helper;
    opts.ra = false;
    opts.header_tool = "provctl net-edit";
    if (!prov_dnsmasq_conf_build(def, &opts, &conf, &hosts, &addn, error))
        return false;
    /* dnsmasq reads its conf as root before dropping privileges; 0600 keeps the
     * network's names and options private.  The hosts files are re-read after SIGHUP by
     * the unprivileged daemon, so they are world-readable (names and addresses only). */
    return prov_file_write_atomic(conf_path, conf, strlen(conf), 0600, error) &&
           prov_file_write_atomic(hosts_path, hosts ? hosts : "", hosts ? strlen(hosts) : 0,
                                  0644, error) &&
           prov_file_write_atomic(addn_path, addn ? addn : "", addn ? strlen(addn) : 0, 0644,
                                  error);
}

static bool
start_dnsmasq(const ProvNetworkLiveContext *ctx, ProvNetworkStatus *st, GError **error)
{
    const ProvNetworkDef *def = st->def;
    g_autofree char *conf_path = data_file(ctx, def->name, ".conf");
    g_autofree char *pid_path = data_file(ctx, def->name, ".pid");
    g_autofree char *subnets = subnets_text(def);
    g_autoptr(ProvCommand) cmd = NULL;

    if (!prov_network_def_dnsmasq_needed(def))
        return true;
    if (!write_dnsmasq_files(ctx, def, error))
        return false;
    cmd = prov_command_new(DNSMASQ);
    prov_command_add_arg_format(cmd, "--conf-file=%s", conf_path);
    if (ctx->leases_helper)
        prov_lease_script_add_env(cmd, ctx->data_dir, def->name, subnets);
    prov_command_set_timeout(cmd, LIVE_DAEMON_START_TIMEOUT_MS);
    if (!prov_net_daemon_start(cmd, pid_path, &st->dnsmasq_pid, error)) {
        g_prefix_error(error, "network '%s': cannot start dnsmasq: ", def->name);
        return false;
    }
    return true;
}

static bool
write_radvd_conf(const ProvNetworkLiveContext *ctx, const ProvNetworkDef *def, GError **error)
{
    g_autofree char *path = data_file(ctx, def->name, "-radvd.conf");
    g_autofree char *conf = NULL;
    ProvRadvdConfOptions opts = { 0 };

    opts.bridge = def->bridge;
    if (!prov_radvd_conf_build(def, &opts, &conf, error))
        return false;
    return prov_file_write_atomic(path, conf, strlen(conf), 0644, error);
}

static bool
start_radvd(const ProvNetworkLiveContext *ctx, ProvNetworkStatus *st, GError **error)
{
    const ProvNetworkDef *def = st->def;
    g_autofree char *conf_path = data_file(ctx, def->name, "-radvd.conf");
    g_autofree char *pid_path = data_file(ctx, def->name, "-radvd.pid");
    g_autoptr(ProvCommand) cmd = NULL;

    if (!prov_radvd_needed(def))
        return true;
    if (!write_radvd_conf(ctx, def, error))
        return false;
    cmd = prov_command_new_args(RADVD, "--config", conf_path, "--pidfile", pid_path, NULL);
    prov_command_set_timeout(cmd, LIVE_DAEMON_START_TIMEOUT_MS);
    if (!prov_net_daemon_start(cmd, pid_path, &st->radvd_pid, error)) {
        g_prefix_error(error, "network '%s': cannot start radvd: ", def->name);
        return false;
    }
    return true;
}

static bool
stop_daemon(const ProvNetworkLiveContext *ctx, const char *name, const char *suffix,
            pid_t *pid, const char *binary, GError **error)
{
    g_autofree char *pid_path = data_file(ctx, name, suffix);

    /* Only what this network started: a rolled-back start must not stop a daemon that
     * someone else runs with the same pid file (prov_net_daemon_stop reads the file
     * when given no pid). */
    if (*pid == 0)
        return true;
    if (!prov_net_daemon_stop(pid_path, *pid, binary, PROV_NET_DAEMON_STOP_TIMEOUT_MS, error))
        return false;
    *pid = 0;
    return true;
}

/* ---- firewall -------------------------------------------------------------------------- */

/* The firewall's view of a network; NULL for the forward modes provd does not firewall. */
static ProvNetFirewallSpec *
firewall_spec(const ProvNetworkDef *def)
{
    g_autoptr(ProvNetFirewallSpec) spec = NULL;
    ProvNetFirewallMode mode = PROV_NET_FIREWALL_MODE_ISOLATED;
    const char *dev = prov_network_def_forward_dev(def);
    bool served = prov_network_def_dnsmasq_needed(def);
    guint i;

    switch (def->forward.mode) {
    case PROV_NET_FORWARD_NONE:
        mode = PROV_NET_FIREWALL_MODE_ISOLATED;
        break;
    case PROV_NET_FORWARD_NAT:
        mode = PROV_NET_FIREWALL_MODE_NAT;
        break;
    case PROV_NET_FORWARD_ROUTE:
        mode = PROV_NET_FIREWALL_MODE_ROUTE;
        break;
    case PROV_NET_FORWARD_OPEN:
        mode = PROV_NET_FIREWALL_MODE_OPEN;
        break;
    case PROV_NET_FORWARD_BRIDGE:
    case PROV_NET_FORWARD_PRIVATE:
    case PROV_NET_FORWARD_VEPA:
    case PROV_NET_FORWARD_PASSTHROUGH:
    case PROV_NET_FORWARD_HOSTDEV:
    case PROV_NET_FORWARD_LAST:
        return NULL;
    }
    spec = prov_net_firewall_spec_new(def->name, def->bridge, mode);
    for (i = 0; i < def->ips->len; i++) {
        const ProvNetIpDef *ip = g_ptr_array_index(def->ips, i);
        char addr[PROV_NET_ADDR_STRLEN];

        prov_net_firewall_spec_add_subnet(spec, ip->family,
                                          prov_net_addr_to_string(&ip->address, addr),
                                          (unsigned int)prov_net_ip_def_prefix(ip));
    }
    spec->forward_dev = g_strdup(dev);
    spec->nat_addr_start = prov_net_addr_format(&def->forward.nat_addr_start);
    spec->nat_addr_end = prov_net_addr_format(&def->forward.nat_addr_end);
    spec->nat_port_start = def->forward.nat_port_start;
    spec->nat_port_end = def->forward.nat_port_end;
    spec->nat_ipv6 = def->forward.nat_ipv6 == PROV_NET_TRISTATE_YES;
    spec->ipv6 = def->ipv6_nogw || prov_network_def_has_ipv6(def);
    spec->dhcp_v4 = served && prov_network_def_dhcp_ip(def, AF_INET) != NULL;
    spec->dhcp_v6 = served && prov_network_def_dhcp_ip(def, AF_INET6) != NULL;
    spec->dns = served && prov_network_def_dns_enabled(def);
    spec->tftp = served && prov_network_def_tftp_enabled(def);
    spec->ra = prov_radvd_needed(def);
    return g_steal_pointer(&spec);
}

/* (Re-)applies the rules; an earlier record of this network is replaced, not doubled. */
static bool
add_firewall(const ProvNetworkLiveContext *ctx, ProvNetworkStatus *st, GError **error)
{
    g_autoptr(ProvNetFirewallSpec) spec = firewall_spec(st->def);
    g_autoptr(ProvNetFirewallRecord) previous = NULL;
    g_autoptr(ProvNetFirewallRecord) record = NULL;
    ProvFirewallBackend backend = ctx->firewall_backend == PROV_NET_FIREWALL_IPTABLES
                                      ? PROV_FIREWALL_BACKEND_IPTABLES
                                      : PROV_FIREWALL_BACKEND_NFTABLES;

    if (!spec)
        return true;
    if (st->firewall && !(previous = prov_net_firewall_record_parse(st->firewall, error)))
        return false;
    if (!prov_net_firewall_apply(spec, backend, previous, &record, error))
        return false;
    g_free(st->firewall);
    st->firewall = prov_net_firewall_record_format(record);
    g_strchomp(st->firewall);
    return true;
}

static bool
remove_firewall(ProvNetworkStatus *st, GError **error)
{
    g_autoptr(ProvNetFirewallRecord) record = NULL;

    if (!st->firewall)
        return true;
    if (!(record = prov_net_firewall_record_parse(st->firewall, error)) ||
        !prov_net_firewall_remove(record, error))
        return false;
    g_clear_pointer(&st->firewall, g_free);
    return true;
}

/* ---- start / stop ---------------------------------------------------------------------- */

bool
prov_network_live_start(const ProvNetworkLiveContext *ctx, const ProvNetworkDef *def,
                        ProvNetworkStatus **ret_status, GError **error)
{
    g_autoptr(ProvNetworkStatus) st = g_new0(ProvNetworkStatus, 1);
    g_autoptr(GError) local = NULL;

    if (!(st->def = prov_network_def_copy(def, error)))
        return false;
    if (!check_route_collisions(def, error))
        return false;
    if (!prov_mkdir_p(ctx->data_dir, 0755, error))
        return false;
    if (setup_bridge(def, st, error) && add_addresses_and_routes(def, error) &&
        enable_forwarding(def, error) && add_firewall(ctx, st, error) &&
        start_dnsmasq(ctx, st, error) && start_radvd(ctx, st, error)) {
        *ret_status = g_steal_pointer(&st);
        return true;
    }
    /* Undo what was done, newest first; the first error is the one reported. */
    if (!prov_network_live_stop(ctx, st, &local))
        g_warning("network '%s': rollback: %s, ignoring", def->name, local->message);
    return false;
}

bool
prov_network_live_stop(const ProvNetworkLiveContext *ctx, ProvNetworkStatus *st,
                       GError **error)
{
    const ProvNetworkDef *def = st->def;
    g_autoptr(GError) first = NULL;
    g_autoptr(GError) local = NULL;

#define KEEP_FIRST() \
    do { \
        if (local && !first) \
            first = g_steal_pointer(&local); \
        g_clear_error(&local); \
    } while (0)

    if (!stop_daemon(ctx, def->name, "-radvd.pid", &st->radvd_pid, RADVD, &local))
        KEEP_FIRST();
    if (!stop_daemon(ctx, def->name, ".pid", &st->dnsmasq_pid, DNSMASQ, &local))
        KEEP_FIRST();
    if (!remove_firewall(st, &local))
        KEEP_FIRST();
    /* Addresses, routes and the bridge's own sysctls go with the bridge. */
    if (st->bridge_created) {
        if (prov_netdev_delete(def->bridge, PROV_NETDEV_DELETE_MISSING_OK, &local))
            st->bridge_created = false;
        else
            KEEP_FIRST();
    }
#undef KEEP_FIRST
    if (first) {
        g_propagate_prefixed_error(error, g_steal_pointer(&first), "network '%s': ",
                                   def->name);
        return false;
    }
    return true;
}

bool
prov_network_live_is_alive(const ProvNetworkStatus *st)
{
    g_autoptr(GError) local = NULL;
    bool exists = true;

    if (!st->def->bridge || !prov_network_def_is_l3(st->def))
        return true;
    if (!prov_netdev_exists(st->def->bridge, &exists, &local)) {
        g_debug("%s, assuming the network is alive", local->message);
        return true;
    }
    return exists;
}

bool
prov_network_live_recover(const ProvNetworkLiveContext *ctx, ProvNetworkStatus *st,
                          GError **error)
{
    g_autofree char *dns_pid = data_file(ctx, st->def->name, ".pid");
    g_autofree char *ra_pid = data_file(ctx, st->def->name, "-radvd.pid");

    /* Re-applying replaces what the old record names, in one transaction. */
    if (!add_firewall(ctx, st, error))
        return false;
    if (st->dnsmasq_pid > 0 && !prov_net_daemon_is_running(st->dnsmasq_pid, DNSMASQ))
        st->dnsmasq_pid = prov_net_daemon_find(dns_pid, DNSMASQ);
    if (st->dnsmasq_pid == 0 && !start_dnsmasq(ctx, st, error))
        return false;
    if (st->radvd_pid > 0 && !prov_net_daemon_is_running(st->radvd_pid, RADVD))
        st->radvd_pid = prov_net_daemon_find(ra_pid, RADVD);
    if (st->radvd_pid == 0 && !start_radvd(ctx, st, error))
        return false;
    return true;
}

bool
prov_network_live_reload(const ProvNetworkLiveContext *ctx, ProvNetworkStatus *st,
                         const ProvNetworkDef *newdef, unsigned int reload, GError **error)
{
    g_autoptr(ProvNetworkDef) copy = prov_network_def_copy(newdef, error);
    g_autoptr(ProvNetworkDef) old = NULL;

    if (!copy)
        return false;
    old = st->def;
    st->def = g_steal_pointer(&copy);
    if ((reload & PROV_NET_RELOAD_FIREWALL) &&
        (!remove_firewall(st, error) || !add_firewall(ctx, st, error)))
        goto fail;
    if (reload & PROV_NET_RELOAD_DNSMASQ_RESTART) {
        if (!stop_daemon(ctx, st->def->name, ".pid", &st->dnsmasq_pid, DNSMASQ, error) ||
            !start_dnsmasq(ctx, st, error))
            goto fail;
    } else if (reload & PROV_NET_RELOAD_DNSMASQ_HOSTS) {
        /* dnsmasq re-reads dhcp-hostsfile and addn-hosts on SIGHUP, not its conf. */
        if (!write_dnsmasq_files(ctx, st->def, error) ||
            (st->dnsmasq_pid > 0 &&
             !prov_net_daemon_reload(st->dnsmasq_pid, DNSMASQ, error)))
            goto fail;
        if (st->dnsmasq_pid == 0 && !start_dnsmasq(ctx, st, error))
            goto fail;
    }
    if (reload & PROV_NET_RELOAD_RADVD) {
        if (!write_radvd_conf(ctx, st->def, error) ||
            (st->radvd_pid > 0 && !prov_net_daemon_reload(st->radvd_pid, RADVD, error)))
            goto fail;
    }
    return true;

fail:
    prov_network_def_free(st->def);
    st->def = g_steal_pointer(&old);
    return false;
}
