/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* network_dnsmasq.c: a network's dnsmasq configuration, DHCP hosts file and DNS hosts file. */
#define G_LOG_DOMAIN "prov-net-dnsmasq"

#include "network/network_dnsmasq.h"

#include <string.h>

#include "util/error.h"

/* ---- checks ------------------------------------------------------------------------- */

/*
 * What dnsmasq's conf reader (option.c read_file(), 2.90) does to a line, and so what a
 * value must not contain:
 *  - a newline ends the option; other control characters are kept or turned into
 *    spaces, never what the user meant: all refused;
 *  - '#' at the start or after white space starts a comment;
 *  - '"' starts a quoted part, in which \" \\ \t \n \e \b \r are escapes and the
 *    separators (',' ':' '.' ' ') lose their meaning; the quotes are removed;
 *  - white space is stripped at both ends and after the ',' of split arguments;
 *  - ',' separates arguments, and "tag:"/"net:" in front of some arguments are tags.
 */
static bool
char_is_control(char c)
{
    return (guchar)c < 0x20 || c == 0x7f;
}

static char *
value_display(const char *value)
{
    return g_strescape(value, NULL);
}

/* Free text: anything but control characters. */
static bool
check_text(const ProvNetworkDef *def, const char *what, const char *value, GError **error)
{
    const char *p;

    for (p = value; *p; p++) {
        if (char_is_control(*p)) {
            g_autofree char *shown = value_display(value);

            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                        "network '%s': %s '%s' contains a control character (such as a "
                        "newline), which dnsmasq's configuration cannot hold",
                        def->name, what, shown);
            return false;
        }
    }
    return true;
}

/*
 * A DNS name as dnsmasq takes it in an option or hosts file: letters, digits, '-', '.'
 * and (for host, TXT and SRV names, which dnsmasq accepts) '_'; at most 253 bytes.
 * libvirt's schema (dnsName) has the same rule without '_', but its parser does not
 * apply it, and a ',' or ' ' in a name would change what the option line means.
 */
static bool
check_dns_name(const ProvNetworkDef *def, const char *what, const char *value,
               bool underscore, GError **error)
{
    const char *p;
    bool ok = value[0] != '\0' && strlen(value) <= 253;

    for (p = value; ok && *p; p++) {
        ok = g_ascii_isalnum(*p) || *p == '-' || *p == '.' || (underscore && *p == '_');
    }
    if (!ok) {
        g_autofree char *shown = value_display(value);

        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "network '%s': %s '%s' is not a valid DNS name (letters, digits, '-', "
                    "'.'%s; at most 253 characters)",
                    def->name, what, shown, underscore ? " and '_'" : "");
        return false;
    }
    return true;
}

/* A token made of @allowed characters plus letters and digits (MACs, DUIDs, SRV
 * service and protocol names). */
static bool
check_token(const ProvNetworkDef *def, const char *what, const char *value,
            const char *allowed, GError **error)
{
    const char *p;
    bool ok = value[0] != '\0';

    for (p = value; ok && *p; p++)
        ok = g_ascii_isalnum(*p) || strchr(allowed, *p) != NULL;
    if (!ok) {
        g_autofree char *shown = value_display(value);

        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "network '%s': %s '%s' may only contain letters, digits and '%s'",
                    def->name, what, shown, allowed);
        return false;
    }
    return true;
}

/*
 * The bridge name goes into interface=, which takes a comma-separated list with '*'
 * wildcards: only what Linux interface names made by tools normally hold is accepted.
 */
static bool
check_bridge(const ProvNetworkDef *def, const char *bridge, GError **error)
{
    const char *p;
    bool ok = bridge[0] != '\0' && strlen(bridge) < 16;

    for (p = bridge; ok && *p; p++)
        ok = g_ascii_isalnum(*p) || *p == '-' || *p == '_' || *p == '.';
    if (!ok) {
        g_autofree char *shown = value_display(bridge);

        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "network '%s': bridge name '%s' cannot be given to dnsmasq (letters, "
                    "digits, '-', '_' and '.', at most 15 characters)",
                    def->name, shown);
        return false;
    }
    return true;
}

/*
 * Every line must fit dnsmasq's read buffer (PROV_DNSMASQ_MAX_LINE), else the rest of
 * it would be read as another option.
 */
static bool
check_lines(const ProvNetworkDef *def, const char *what, const char *text, GError **error)
{
    const char *line = text;

    while (*line) {
        const char *end = strchr(line, '\n');
        gsize len = end ? (gsize)(end - line) : strlen(line);

        if (len > PROV_DNSMASQ_MAX_LINE) {
            g_autofree char *start = g_strndup(line, 40);

            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                        "network '%s': %s line '%s...' is %" G_GSIZE_FORMAT " bytes long, "
                        "more than the %d dnsmasq reads as one line",
                        def->name, what, start, len, PROV_DNSMASQ_MAX_LINE);
            return false;
        }
        if (!end)
            break;
        line = end + 1;
    }
    return true;
}

/* ---- writing values ----------------------------------------------------------------- */

/*
 * Appends free text (already checked by check_text) so that dnsmasq reads back exactly
 * @value: as is when it holds nothing dnsmasq interprets (the usual case, and what
 * libvirt writes), else in double quotes.  A TXT value 'a, "b" #c' becomes
 * "a, \"b\" #c": one string, not two strings and a comment.
 */
static void
append_text(GString *out, const char *value)
{
    gsize len = strlen(value);
    const char *p;

    if (len == 0 ||
        (!strpbrk(value, "\",#:\\") && !g_ascii_isspace(value[0]) &&
         !g_ascii_isspace(value[len - 1]))) {
        g_string_append(out, value);
        return;
    }
    g_string_append_c(out, '"');
    for (p = value; *p; p++) {
        if (*p == '"' || *p == '\\')
            g_string_append_c(out, '\\');
        g_string_append_c(out, *p);
    }
    g_string_append_c(out, '"');
}

static void
append_addr(GString *out, const ProvNetAddr *addr)
{
    char buf[PROV_NET_ADDR_STRLEN];

    g_string_append(out, prov_net_addr_to_string(addr, buf));
}

/* dnsmasq's lease time: Ns, Nm, Nh or infinite (libvirt's format); NULL = default. */
static char *
lease_time(const ProvNetDhcpLease *lease)
{
    char unit = 'm';

    if (!lease)
        return NULL;
    if (lease->expiry == 0)
        return g_strdup("infinite");
    switch (lease->unit) {
    case PROV_NET_LEASE_SECONDS:
        unit = 's';
        break;
    case PROV_NET_LEASE_MINUTES:
        unit = 'm';
        break;
    case PROV_NET_LEASE_HOURS:
        unit = 'h';
        break;
    case PROV_NET_LEASE_LAST:
        break;
    }
    return g_strdup_printf("%" G_GUINT64_FORMAT "%c", lease->expiry, unit);
}

char *
prov_dnsmasq_hostsfile_path(const char *config_dir, const char *name)
{
    return g_strdup_printf("%s/%s.hostsfile", config_dir, name);
}

char *
prov_dnsmasq_addnhosts_path(const char *config_dir, const char *name)
{
    return g_strdup_printf("%s/%s.addnhosts", config_dir, name);
}

/* ---- pieces of the conf ------------------------------------------------------------- */

typedef struct {
    const ProvNetworkDef *def;
    const ProvDnsmasqConfOptions *opts;
    const char *bridge;
    bool want_dns;
    GString *conf;
    GString *hosts;      /* dhcp-hostsfile lines */
} DnsmasqBuild;

static bool
build_header(DnsmasqBuild *b, GError **error)
{
    const char *tool = b->opts->header_tool ? b->opts->header_tool : "provctl net-edit";
    const char *program = b->opts->header_program ? b->opts->header_program : "provd";
    const char *p;

    /* The name is in a comment line and in file names: a newline would end the
     * comment and start an option. */
    for (p = b->def->name; *p; p++) {
        if (char_is_control(*p)) {
            g_autofree char *shown = value_display(b->def->name);

            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                        "network name '%s' contains a control character (such as a "
                        "newline), which dnsmasq's configuration cannot hold", shown);
            return false;
        }
    }
    if (!check_text(b->def, "header tool", tool, error) ||
        !check_text(b->def, "header program", program, error))
        return false;
    g_string_append_printf(b->conf,
                           "##WARNING:  THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE "
                           "LIKELY TO BE\n"
                           "##OVERWRITTEN AND LOST.  Changes to this configuration should be "
                           "made using:\n"
                           "##    %s %s\n"
                           "## or other application using the %s API.\n"
                           "##\n"
                           "## dnsmasq conf file created by %s\n",
                           tool, b->def->name, program, program);
    return true;
}

/* server= lines: "server=ADDR", "server=/DOMAIN/ADDR", "server=/DOMAIN/#" (not
 * forwarded); no-resolv once a forwarder takes every other name. */
static bool
build_forwarders(DnsmasqBuild *b, GError **error)
{
    bool no_resolv = false;
    guint i;

    for (i = 0; i < b->def->dns.forwarders->len; i++) {
        const ProvNetDnsForwarder *fwd = g_ptr_array_index(b->def->dns.forwarders, i);

        g_string_append(b->conf, "server=");
        if (fwd->domain) {
            if (!check_dns_name(b->def, "DNS forwarder domain", fwd->domain, true, error))
                return false;
            g_string_append_printf(b->conf, "/%s/", fwd->domain);
        }
        if (prov_net_addr_is_set(&fwd->addr)) {
            append_addr(b->conf, &fwd->addr);
            if (!fwd->domain)
                no_resolv = true;
        } else {
            g_string_append_c(b->conf, '#');
        }
        g_string_append_c(b->conf, '\n');
    }
    if (no_resolv)
        g_string_append(b->conf, "no-resolv\n");
    return true;
}

static bool
build_domain(DnsmasqBuild *b, GError **error)
{
    const ProvNetworkDef *def = b->def;
    guint i;

    if (def->domain) {
        if (!check_dns_name(def, "domain", def->domain, false, error))
            return false;
        if (def->domain_local_only == PROV_NET_TRISTATE_YES)
            g_string_append_printf(b->conf, "local=/%s/\n", def->domain);
        g_string_append_printf(b->conf, "domain=%s\nexpand-hosts\n", def->domain);
    }
    if (!b->want_dns)
        return true;
    /* localPtr: answer reverse lookups of the subnet locally, never upstream. */
    for (i = 0; i < def->ips->len; i++) {
        const ProvNetIpDef *ip = g_ptr_array_index(def->ips, i);
        g_autofree char *zone = NULL;

        if (ip->local_ptr != PROV_NET_TRISTATE_YES)
            continue;
        if (!prov_net_ip_def_ptr_zone(ip, &zone, error))
            return false;
        g_string_append_printf(b->conf, "local=/%s/\n", zone);
    }
    /* forwardPlainNames='no': names without a dot are never sent upstream. */
    if (def->dns.forward_plain_names == PROV_NET_TRISTATE_NO)
        g_string_append(b->conf, "domain-needed\nlocal=//\n");
    return true;
}

static bool
build_process(DnsmasqBuild *b, GError **error)
{
    const ProvDnsmasqConfOptions *opts = b->opts;

    if (opts->pid_file) {
        if (!check_text(b->def, "pid file", opts->pid_file, error))
            return false;
        g_string_append(b->conf, "pid-file=");
        append_text(b->conf, opts->pid_file);
        g_string_append_c(b->conf, '\n');
    }
    if (opts->dhcp_script) {
        /* The lease script keeps the leases (network/leases.h): dnsmasq keeps no lease
         * file and asks the script for them ("init") when it starts. */
        if (!check_text(b->def, "DHCP script", opts->dhcp_script, error))
            return false;
        g_string_append(b->conf, "dhcp-script=");
        append_text(b->conf, opts->dhcp_script);
        g_string_append(b->conf, "\nleasefile-ro\n");
    }
    /*
     * dnsmasq always listens on lo unless told otherwise.  bind-dynamic with interface=
     * and no listen-address answers only what arrives on the bridge (libvirt's fix for
     * CVE-2012-3411) and lets the host run its own dnsmasq on other interfaces.
     */
    g_string_append_printf(b->conf, "except-interface=lo\nbind-dynamic\ninterface=%s\n",
                           b->bridge);
    /*
     * Isolated network: an empty router option so guests get no default route that
     * cannot work, and no forwarding to the host's resolvers (a channel out).  An RA
     * always implies a default route through its sender: lifetime 0 withdraws it.
     */
    if (b->def->forward.mode == PROV_NET_FORWARD_NONE) {
        g_string_append(b->conf, "dhcp-option=3\nno-resolv\n");
        if (opts->ra)
            g_string_append(b->conf, "ra-param=*,0,0\n");
    }
    return true;
}

static bool
build_records(DnsmasqBuild *b, GError **error)
{
    const ProvNetDns *dns = &b->def->dns;
    guint i;

    for (i = 0; i < dns->txts->len; i++) {
        const ProvNetDnsTxt *txt = g_ptr_array_index(dns->txts, i);
        const char *value = txt->value ? txt->value : "";

        if (!check_dns_name(b->def, "TXT record name", txt->name, true, error) ||
            !check_text(b->def, "TXT record value", value, error))
            return false;
        g_string_append_printf(b->conf, "txt-record=%s,", txt->name);
        append_text(b->conf, value);
        g_string_append_c(b->conf, '\n');
    }
    for (i = 0; i < dns->srvs->len; i++) {
        const ProvNetDnsSrv *srv = g_ptr_array_index(dns->srvs, i);

        if (!check_token(b->def, "SRV service", srv->service, "_+/*-", error) ||
            !check_token(b->def, "SRV protocol", srv->protocol, "_+/-", error) ||
            (srv->domain &&
             !check_dns_name(b->def, "SRV domain", srv->domain, true, error)))
            return false;
        /* RFC 2782: service and protocol carry a leading underscore. */
        g_string_append_printf(b->conf, "srv-host=_%s._%s", srv->service, srv->protocol);
        if (srv->domain)
            g_string_append_printf(b->conf, ".%s", srv->domain);
        /*
         * No target, or ".", means "no such service here" (RFC 2782): port, priority
         * and weight do not matter then.  The three are positional, so a later one
         * given fills in the earlier ones with dnsmasq's defaults (port 1, 0).
         */
        if (srv->target && !g_str_equal(srv->target, ".")) {
            if (!check_dns_name(b->def, "SRV target", srv->target, true, error))
                return false;
            g_string_append_printf(b->conf, ",%s", srv->target);
            if (srv->port || srv->priority || srv->weight)
                g_string_append_printf(b->conf, ",%u", srv->port ? srv->port : 1);
            if (srv->priority || srv->weight)
                g_string_append_printf(b->conf, ",%u", srv->priority);
            if (srv->weight)
                g_string_append_printf(b->conf, ",%u", srv->weight);
        }
        g_string_append_c(b->conf, '\n');
    }
    return true;
}

static bool
build_tftp(DnsmasqBuild *b, GError **error)
{
    bool enabled = false;
    guint i;

    for (i = 0; i < b->def->ips->len; i++) {
        const ProvNetIpDef *ip = g_ptr_array_index(b->def->ips, i);

        if (ip->family != AF_INET || !ip->tftp_root)
            continue;
        if (!check_text(b->def, "TFTP root", ip->tftp_root, error))
            return false;
        if (!enabled)
            g_string_append(b->conf, "enable-tftp\n");
        enabled = true;
        g_string_append(b->conf, "tftp-root=");
        append_text(b->conf, ip->tftp_root);
        g_string_append_c(b->conf, '\n');
    }
    return true;
}

/* One dhcp-hostsfile line (a dhcp-host= argument). */
static bool
build_host_line(DnsmasqBuild *b, const ProvNetIpDef *ip, const ProvNetDhcpHost *host,
                GError **error)
{
    const ProvNetworkDef *def = b->def;
    g_autofree char *lease = lease_time(host->lease);
    char addr[PROV_NET_ADDR_STRLEN];

    prov_net_addr_to_string(&host->ip, addr);
    if ((host->mac && !check_token(def, "DHCP host MAC", host->mac, ":", error)) ||
        (host->id && !check_token(def, "DHCP host id", host->id, ":", error)) ||
        (host->name && !check_dns_name(def, "DHCP host name", host->name, true, error)))
        return false;
    if (ip->family == AF_INET6) {
        /* IPv6: [id:DUID,][NAME,][ADDR]; a MAC cannot identify a DHCPv6 client. */
        if (!host->id && !host->name) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                        "network '%s': IPv6 DHCP host '%s' needs an id or a name",
                        def->name, addr);
            return false;
        }
        if (host->id)
            g_string_append_printf(b->hosts, "id:%s,", host->id);
        if (host->name)
            g_string_append_printf(b->hosts, "%s,", host->name);
        g_string_append_printf(b->hosts, "[%s]", addr);
    } else if (host->mac) {
        g_string_append_printf(b->hosts, "%s,%s", host->mac, addr);
        if (host->name)
            g_string_append_printf(b->hosts, ",%s", host->name);
    } else if (host->name) {
        g_string_append_printf(b->hosts, "%s,%s", host->name, addr);
    } else {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "network '%s': DHCP host '%s' needs a MAC address or a name",
                    def->name, addr);
        return false;
    }
    if (lease)
        g_string_append_printf(b->hosts, ",%s", lease);
    g_string_append_c(b->hosts, '\n');
    return true;
}

/*
 * The DHCP part of one <ip>: its ranges (or a "static" range when it only has hosts,
 * which is what makes dnsmasq serve dhcp-host entries), its hosts file lines, and for
 * IPv4 the options that make dnsmasq the authority of the subnet and the boot file.
 */
static bool
build_dhcp_ip(DnsmasqBuild *b, const ProvNetIpDef *ip, guint64 *lease_max, GError **error)
{
    const ProvNetworkDef *def = b->def;
    int prefix = prov_net_ip_def_prefix(ip);
    char addr[PROV_NET_ADDR_STRLEN];
    char netmask_str[PROV_NET_ADDR_STRLEN];
    ProvNetAddr netmask;
    guint i;

    prov_net_addr_to_string(&ip->address, addr);
    if (prefix < 0) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "network '%s': address '%s' has no valid prefix", def->name, addr);
        return false;
    }
    prov_net_prefix_to_netmask(ip->family, (unsigned int)prefix, &netmask);
    prov_net_addr_to_string(&netmask, netmask_str);
    for (i = 0; i < ip->ranges->len; i++) {
        const ProvNetDhcpRange *range = g_ptr_array_index(ip->ranges, i);
        g_autofree char *lease = lease_time(range->lease);
        gint64 size = prov_net_range_size(&range->start, &range->end);

        g_string_append(b->conf, "dhcp-range=");
        append_addr(b->conf, &range->start);
        g_string_append_c(b->conf, ',');
        append_addr(b->conf, &range->end);
        /* dnsmasq wants a netmask for IPv4 and a prefix length for IPv6. */
        if (ip->family == AF_INET6)
            g_string_append_printf(b->conf, ",%d", prefix);
        else
            g_string_append_printf(b->conf, ",%s", netmask_str);
        if (lease)
            g_string_append_printf(b->conf, ",%s", lease);
        g_string_append_c(b->conf, '\n');
        if (size > 0)
            *lease_max += (guint64)size;
    }
    if (ip->ranges->len == 0 && ip->hosts->len > 0) {
        g_string_append_printf(b->conf, "dhcp-range=%s,static", addr);
        if (ip->family == AF_INET6)
            g_string_append_printf(b->conf, ",%d", prefix);
        g_string_append_c(b->conf, '\n');
    }
    for (i = 0; i < ip->hosts->len; i++) {
        if (!build_host_line(b, ip, g_ptr_array_index(ip->hosts, i), error))
            return false;
    }
    if (ip->family != AF_INET)
        return true;
    g_string_append(b->conf, "dhcp-no-override\ndhcp-authoritative\n");
    if (ip->bootp_file) {
        if (!check_text(def, "boot file", ip->bootp_file, error))
            return false;
        g_string_append(b->conf, "dhcp-boot=");
        append_text(b->conf, ip->bootp_file);
        if (prov_net_addr_is_set(&ip->bootp_server)) {
            g_string_append(b->conf, ",,");
            append_addr(b->conf, &ip->bootp_server);
        }
        g_string_append_c(b->conf, '\n');
    }
    return true;
}

static void
line_free(gpointer line)
{
    g_string_free(line, TRUE);
}

/* addn-hosts: "ADDR<TAB>NAME<TAB>NAME..." per address, names of equal addresses merged. */
static bool
build_addnhosts(DnsmasqBuild *b, GString *out, GError **error)
{
    g_autoptr(GPtrArray) addrs = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(line_free);
    guint i;
    guint j;

    for (i = 0; i < b->def->dns.hosts->len; i++) {
        const ProvNetDnsHost *host = g_ptr_array_index(b->def->dns.hosts, i);
        g_autofree char *addr = prov_net_addr_format(&host->ip);
        GString *line = NULL;

        if (!addr)
            continue;
        for (j = 0; j < addrs->len && !line; j++) {
            if (g_str_equal(g_ptr_array_index(addrs, j), addr))
                line = g_ptr_array_index(lines, j);
        }
        if (!line) {
            line = g_string_new(addr);
            g_ptr_array_add(addrs, g_steal_pointer(&addr));
            g_ptr_array_add(lines, line);
        }
        for (j = 0; j < host->hostnames->len; j++) {
            const char *name = g_ptr_array_index(host->hostnames, j);

            if (!check_dns_name(b->def, "DNS host name", name, true, error))
                return false;
            g_string_append_printf(line, "\t%s", name);
        }
    }
    for (i = 0; i < lines->len; i++) {
        GString *line = g_ptr_array_index(lines, i);

        g_string_append_len(out, line->str, line->len);
        g_string_append_c(out, '\n');
    }
    return true;
}

static void
append_file_option(GString *conf, const char *option, const char *path)
{
    g_string_append_printf(conf, "%s=", option);
    append_text(conf, path);
    g_string_append_c(conf, '\n');
}

/* ---- the whole file ----------------------------------------------------------------- */

bool
prov_dnsmasq_conf_build(const ProvNetworkDef *def, const ProvDnsmasqConfOptions *opts,
                        char **ret_conf, char **ret_hostsfile, char **ret_addnhosts,
                        GError **error)
{
    g_autoptr(GString) conf = g_string_new(NULL);
    g_autoptr(GString) hosts = g_string_new(NULL);
    g_autoptr(GString) addnhosts = g_string_new(NULL);
    const ProvNetIpDef *ipv4_dhcp;
    const ProvNetIpDef *ipv6_dhcp;
    DnsmasqBuild b = { 0 };
    guint64 lease_max = 0;
    guint i;

    g_return_val_if_fail(def && opts && opts->config_dir && ret_conf, false);

    if (!prov_network_def_is_l3(def)) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_INVALID,
                    "network '%s': forward mode '%s' has no dnsmasq", def->name,
                    prov_net_forward_mode_to_string(def->forward.mode));
        return false;
    }
    b.def = def;
    b.opts = opts;
    b.bridge = opts->bridge ? opts->bridge : def->bridge;
    b.want_dns = prov_network_def_dns_enabled(def);
    b.conf = conf;
    b.hosts = hosts;
    if (!b.bridge) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_INVALID,
                    "network '%s' has no bridge name", def->name);
        return false;
    }
    if (!build_header(&b, error) || !check_bridge(def, b.bridge, error) ||
        !check_text(def, "configuration directory", opts->config_dir, error))
        return false;

    g_string_append(conf, "strict-order\n");
    /* DNS off: port 0 makes dnsmasq a DHCP/TFTP server only. */
    if (!b.want_dns)
        g_string_append(conf, "port=0\n");
    if (b.want_dns && !build_forwarders(&b, error))
        return false;
    if (!build_domain(&b, error) || !build_process(&b, error))
        return false;
    if (b.want_dns && !build_records(&b, error))
        return false;
    if (!build_tftp(&b, error))
        return false;

    /* IPv4 first, then IPv6; at most one <ip> of each family has DHCP. */
    ipv4_dhcp = prov_network_def_dhcp_ip(def, AF_INET);
    ipv6_dhcp = prov_network_def_dhcp_ip(def, AF_INET6);
    if (ipv4_dhcp && !build_dhcp_ip(&b, ipv4_dhcp, &lease_max, error))
        return false;
    if (ipv6_dhcp && !build_dhcp_ip(&b, ipv6_dhcp, &lease_max, error))
        return false;
    if (lease_max > 0)
        g_string_append_printf(conf, "dhcp-lease-max=%" G_GUINT64_FORMAT "\n", lease_max);
    /* The hosts file is named even when empty: net-update adds hosts with a SIGHUP. */
    if (ipv4_dhcp || ipv6_dhcp) {
        g_autofree char *path = prov_dnsmasq_hostsfile_path(opts->config_dir, def->name);

        append_file_option(conf, "dhcp-hostsfile", path);
    }
    if (b.want_dns) {
        g_autofree char *path = prov_dnsmasq_addnhosts_path(opts->config_dir, def->name);

        if (!build_addnhosts(&b, addnhosts, error))
            return false;
        append_file_option(conf, "addn-hosts", path);
    }
    if (def->mtu > 0)
        g_string_append_printf(conf, "dhcp-option=option:mtu,%u\n", def->mtu);

    /*
     * Router advertisements by dnsmasq (libvirt; provd uses radvd): stateful when an
     * IPv6 <ip> has DHCP, else SLAAC on every IPv6 subnet.  dnsmasq cannot do both on
     * one interface; libvirt only warns about the mix.
     */
    if (opts->ra) {
        if (ipv6_dhcp) {
            g_string_append(conf, "enable-ra\n");
        } else {
            for (i = 0; i < def->ips->len; i++) {
                const ProvNetIpDef *ip = g_ptr_array_index(def->ips, i);

                if (ip->family != AF_INET6 || prov_net_ip_def_has_dhcp(ip))
                    continue;
                g_string_append(conf, "dhcp-range=");
                append_addr(conf, &ip->address);
                g_string_append(conf, ",ra-only\n");
            }
        }
    }

    /* <dnsmasq:options>: the user's own lines, verbatim, last. */
    for (i = 0; i < def->dnsmasq_options->len; i++) {
        const char *option = g_ptr_array_index(def->dnsmasq_options, i);

        if (!check_text(def, "dnsmasq option", option, error))
            return false;
        g_string_append_printf(conf, "%s\n", option);
    }

    if (!check_lines(def, "dnsmasq configuration", conf->str, error) ||
        !check_lines(def, "DHCP hosts file", hosts->str, error) ||
        !check_lines(def, "DNS hosts file", addnhosts->str, error))
        return false;

    *ret_conf = g_string_free(g_steal_pointer(&conf), FALSE);
    if (ret_hostsfile)
        *ret_hostsfile = ipv4_dhcp || ipv6_dhcp ?
            g_string_free(g_steal_pointer(&hosts), FALSE) : NULL;
    if (ret_addnhosts)
        *ret_addnhosts = b.want_dns ? g_string_free(g_steal_pointer(&addnhosts), FALSE) : NULL;
    return true;
}
