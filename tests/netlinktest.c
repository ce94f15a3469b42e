/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netlinktest.c: util/netlink.c and util/sysctl.c against the kernel, in a private netns. */
#include <dirent.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/command.h"
#include "util/error.h"
#include "util/netlink.h"
#include "util/sysctl.h"

/*
 * The program unshares a network namespace before any test runs: it starts with
 * only "lo", down, and everything made here dies with the process.  What the code
 * under test did is checked twice: through its own getters and through `ip -j`
 * (iproute2's JSON output), a reader that shares no code with it.  `ip` also makes the
 * devices and routes the product code never creates (veth pairs, "proto ra" routes).
 */
static const char *ip_path;

static const char *const ip_candidates[] = { "/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip",
                                             "/bin/ip" };

/* Runs `ip <args...>`, failing the test on error; returns its stdout. */
static char *
ip_run_v(const char *first, va_list ap)
{
    g_autoptr(ProvCommand) cmd = prov_command_new(ip_path);
    g_autoptr(GError) error = NULL;
    char *out = NULL;
    const char *arg;

    for (arg = first; arg; arg = va_arg(ap, const char *))
        prov_command_add_arg(cmd, arg);
    if (!prov_command_run(cmd, &out, NULL, &error))
        g_error("ip failed: %s", error->message);
    return out;
}

static void G_GNUC_NULL_TERMINATED
ip_run(const char *first, ...)
{
    g_autofree char *out = NULL;
    va_list ap;

    va_start(ap, first);
    out = ip_run_v(first, ap);
    va_end(ap);
}

/* `ip -j <args...>` parsed; the caller unrefs the parser, the root is an array. */
static JsonParser * G_GNUC_NULL_TERMINATED
ip_json(const char *first, ...)
{
    g_autofree char *out = NULL;
    g_autoptr(GError) error = NULL;
    JsonParser *parser = json_parser_new();
    va_list ap;

    va_start(ap, first);
    out = ip_run_v(first, ap);
    va_end(ap);
    g_assert_true(json_parser_load_from_data(parser, out, -1, &error));
    g_assert_no_error(error);
    g_assert_true(JSON_NODE_HOLDS_ARRAY(json_parser_get_root(parser)));
    return parser;
}

/* The one object `ip -j -d link show dev @name` prints. */
static JsonObject *
ip_link(JsonParser *parser)
{
    JsonArray *arr = json_node_get_array(json_parser_get_root(parser));

    g_assert_cmpuint(json_array_get_length(arr), ==, 1);
    return json_array_get_object_element(arr, 0);
}

static JsonObject *
ip_bridge_data(JsonParser *parser)
{
    JsonObject *link = ip_link(parser);
    JsonObject *info = json_object_get_object_member(link, "linkinfo");

    g_assert_nonnull(info);
    g_assert_cmpstr(json_object_get_string_member(info, "info_kind"), ==, "bridge");
    return json_object_get_object_member(info, "info_data");
}

static bool
ip_link_has_flag(JsonObject *link, const char *flag)
{
    JsonArray *flags = json_object_get_array_member(link, "flags");
    guint i;

    for (i = 0; i < json_array_get_length(flags); i++) {
        if (g_str_equal(json_array_get_string_element(flags, i), flag))
            return true;
    }
    return false;
}

/* The addr_info entry of @name for @local, or NULL. */
static JsonObject *
ip_addr_find(JsonParser *parser, const char *local)
{
    JsonObject *link = ip_link(parser);
    JsonArray *infos = json_object_get_array_member(link, "addr_info");
    guint i;

    for (i = 0; i < json_array_get_length(infos); i++) {
        JsonObject *a = json_array_get_object_element(infos, i);

        if (g_str_equal(json_object_get_string_member(a, "local"), local))
            return a;
    }
    return NULL;
}

/* The route `ip -j [-6] route show` lists with this "dst", or NULL. */
static JsonObject *
ip_route_find(JsonParser *parser, const char *dst)
{
    JsonArray *arr = json_node_get_array(json_parser_get_root(parser));
    guint i;

    for (i = 0; i < json_array_get_length(arr); i++) {
        JsonObject *r = json_array_get_object_element(arr, i);

        if (g_str_equal(json_object_get_string_member(r, "dst"), dst))
            return r;
    }
    return NULL;
}

static bool
netdev_exists(const char *name)
{
    g_autoptr(GError) error = NULL;
    bool exists = false;

    g_assert_true(prov_netdev_exists(name, &exists, &error));
    g_assert_no_error(error);
    return exists;
}

static void
bridge_create(const char *name, const char *mac, guint mtu)
{
    g_autoptr(GError) error = NULL;

    g_assert_true(prov_netdev_bridge_create(name, mac, mtu, &error));
    g_assert_no_error(error);
}

static void
netdev_delete(const char *name)
{
    g_autoptr(GError) error = NULL;

    g_assert_true(prov_netdev_delete(name, 0, &error));
    g_assert_no_error(error);
    g_assert_false(netdev_exists(name));
}

static void
netdev_up(const char *name)
{
    g_autoptr(GError) error = NULL;

    g_assert_true(prov_netdev_set_up(name, true, &error));
    g_assert_no_error(error);
}

/* Someone else's device: a veth pair @name / @name"p", both up (so @name has carrier). */
static void
make_veth(const char *name)
{
    g_autofree char *peer = g_strdup_printf("%sp", name);

    ip_run("link", "add", name, "type", "veth", "peer", "name", peer, NULL);
    ip_run("link", "set", name, "up", NULL);
    ip_run("link", "set", peer, "up", NULL);
}

static void
test_bridge_create(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonParser) parser = NULL;
    g_autofree char *mac = NULL;
    JsonObject *link;
    bool is_bridge = false;
    bool up = true;
    guint mtu = 0;
    int ifindex = 0;

    g_assert_false(netdev_exists("ptbr0"));
    bridge_create("ptbr0", "52:54:00:AB:cd:01", 1400);
    g_assert_true(netdev_exists("ptbr0"));

    g_assert_true(prov_netdev_is_bridge("ptbr0", &is_bridge, &error));
    g_assert_true(is_bridge);
    g_assert_true(prov_netdev_get_mac("ptbr0", &mac, &error));
    g_assert_cmpstr(mac, ==, "52:54:00:ab:cd:01");
    g_assert_true(prov_netdev_get_mtu("ptbr0", &mtu, &error));
    g_assert_cmpuint(mtu, ==, 1400);
    g_assert_true(prov_netdev_get_index("ptbr0", &ifindex, &error));
    g_assert_cmpint(ifindex, >, 1);
    g_assert_true(prov_netdev_is_up("ptbr0", &up, &error));
    g_assert_false(up);
    g_assert_no_error(error);

    /* The kernel's view through iproute2: the MAC was there from creation on. */
    parser = ip_json("-j", "-d", "link", "show", "dev", "ptbr0", NULL);
    link = ip_link(parser);
    g_assert_cmpstr(json_object_get_string_member(link, "address"), ==, "52:54:00:ab:cd:01");
    g_assert_cmpint(json_object_get_int_member(link, "mtu"), ==, 1400);
    g_assert_cmpint(json_object_get_int_member(link, "ifindex"), ==, ifindex);
    g_assert_cmpint(json_object_get_int_member(ip_bridge_data(parser), "stp_state"), ==, 0);
    g_assert_cmpint(json_object_get_int_member(ip_bridge_data(parser), "forward_delay"), ==,
                    1500);

    /* Without MAC and MTU: kernel defaults. */
    bridge_create("ptbr0b", NULL, 0);
    g_assert_true(prov_netdev_get_mtu("ptbr0b", &mtu, &error));
    g_assert_cmpuint(mtu, ==, 1500);

    netdev_delete("ptbr0");
    netdev_delete("ptbr0b");
}

static void
test_bridge_exists(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *mac = NULL;
    bool is_bridge = true;

    bridge_create("ptbr1", "52:54:00:00:00:11", 0);
    g_assert_false(prov_netdev_bridge_create("ptbr1", "52:54:00:00:00:12", 0, &error));
    g_assert_error(error, PROV_UTIL_ERROR, PROV_ERR_OPERATION_INVALID);
    g_assert_nonnull(strstr(error->message, "'ptbr1' already exists"));
    g_clear_error(&error);
    /* NLM_F_EXCL: the existing bridge was not modified. */
    g_assert_true(prov_netdev_get_mac("ptbr1", &mac, &error));
    g_assert_cmpstr(mac, ==, "52:54:00:00:00:11");

    /* Someone else's device of another kind under the name. */
    make_veth("ptveth1");
    g_assert_false(prov_netdev_bridge_create("ptveth1", NULL, 0, &error));
    g_assert_error(error, PROV_UTIL_ERROR, PROV_ERR_OPERATION_INVALID);
    g_assert_nonnull(strstr(error->message, "'ptveth1' already exists"));
    g_clear_error(&error);
    g_assert_true(prov_netdev_is_bridge("ptveth1", &is_bridge, &error));
    g_assert_false(is_bridge);

    netdev_delete("ptbr1");
    netdev_delete("ptveth1");
}

static void
check_stp_delay(const char *name, bool stp, guint delay_ms)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonParser) parser = NULL;
    JsonObject *data;
    bool got_stp = !stp;
    guint got_delay = G_MAXUINT;

    g_assert_true(prov_netdev_bridge_get_stp(name, &got_stp, &error));
    g_assert_no_error(error);
    g_assert_true(prov_netdev_bridge_get_forward_delay(name, &got_delay, &error));
    g_assert_cmpint(got_stp, ==, stp);
    g_assert_cmpuint(got_delay, ==, delay_ms);
    /* iproute2 prints the raw IFLA_BR_FORWARD_DELAY: centiseconds. */
    parser = ip_json("-j", "-d", "link", "show", "dev", name, NULL);
    data = ip_bridge_data(parser);
    g_assert_cmpint(json_object_get_int_member(data, "stp_state"), ==, stp ? 1 : 0);
    g_assert_cmpint(json_object_get_int_member(data, "forward_delay"), ==, delay_ms / 10);
}

static void
test_bridge_stp_delay(void)
{
    g_autoptr(GError) error = NULL;

    bridge_create("ptbr2", NULL, 0);
    check_stp_delay("ptbr2", false, 15000);

    /* STP off: any delay, 0 included. */
    g_assert_true(prov_netdev_bridge_set_forward_delay("ptbr2", 0, &error));
    check_stp_delay("ptbr2", false, 0);
    /* libvirt's default order (delay 0, then STP on): the kernel clamps to 2 s. */
    g_assert_true(prov_netdev_bridge_set_stp("ptbr2", true, &error));
    check_stp_delay("ptbr2", true, 2000);

    /* STP on: below 2 s or above 30 s is refused, with a message saying so. */
    g_assert_false(prov_netdev_bridge_set_forward_delay("ptbr2", 500, &error));
    g_assert_error(error, PROV_UTIL_ERROR, PROV_ERR_INVALID_ARG);
    g_assert_nonnull(strstr(error->message, "'ptbr2'"));
    g_assert_nonnull(strstr(error->message, "500 ms"));
    g_assert_nonnull(strstr(error->message, "2000 to 30000 ms"));
    g_clear_error(&error);
    g_assert_false(prov_netdev_bridge_set_forward_delay("ptbr2", 31000, &error));
    g_assert_error(error, PROV_UTIL_ERROR, PROV_ERR_INVALID_ARG);
    g_clear_error(&error);
    check_stp_delay("ptbr2", true, 2000);
    g_assert_true(prov_netdev_bridge_set_forward_delay("ptbr2", 4000, &error));
    check_stp_delay("ptbr2", true, 4000);
    /* Rounding to the kernel's 10 ms unit. */
    g_assert_true(prov_netdev_bridge_set_forward_delay("ptbr2", 4004, &error));
    check_stp_delay("ptbr2", true, 4000);

    /* The combined setter works from any state. */
    g_assert_true(prov_netdev_bridge_set_stp_delay("ptbr2", false, 0, &error));
    check_stp_delay("ptbr2", false, 0);
    g_assert_true(prov_netdev_bridge_set_stp_delay("ptbr2", true, 0, &error));
    check_stp_delay("ptbr2", true, 2000);
    g_assert_true(prov_netdev_bridge_set_stp_delay("ptbr2", true, 60000, &error));
    check_stp_delay("ptbr2", true, 30000);
    g_assert_true(prov_netdev_bridge_set_stp_delay("ptbr2", true, 7000, &error));
    check_stp_delay("ptbr2", true, 7000);
    g_assert_true(prov_netdev_bridge_set_stp_delay("ptbr2", false, 1000, &error));
    check_stp_delay("ptbr2", false, 1000);
    g_assert_no_error(error);

    /* On a device that is not a bridge, and on a missing one. */
    make_veth("ptveth2");
    g_assert_false(prov_netdev_bridge_set_stp("ptveth2", true, &error));
    g_assert_error(error, PROV_UTIL_ERROR, PROV_ERR_OPERATION_INVALID);
    g_assert_nonnull(strstr(error->message, "'ptveth2' is not a bridge"));
    g_clear_error(&error);
    g_assert_false(prov_netdev_bridge_get_forward_delay("ptveth2", &(guint){ 0 }, &error));
    g_assert_error(error, PROV_UTIL_ERROR, PROV_ERR_OPERATION_INVALID);
    g_assert_nonnull(strstr(error->message, "'ptveth2' is not a bridge"));
    g_clear_error(&error);
    g_assert_false(prov_netdev_bridge_set_forward_delay("ptnone", 0, &error));
    g_assert_error(error, PROV_UTIL_ERROR, PROV_ERR_INVALID_ARG);
    g_assert_nonnull(strstr(error->message, "'ptnone' does not exist"));
    g_clear_error(&error);
    g_assert_false(prov_netdev_bridge_get_stp("ptnone", &(bool){ false }, &error));
    g_assert_error(error, PROV_UTIL_ERROR, PROV_ERR_INVALID_ARG);
    g_clear_error(&error);

    netdev_delete("ptbr2");
    netdev_delete("ptveth2");
}

static void
test_link_settings(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonParser) parser = NULL;
    g_autoptr(JsonParser) parser2 = NULL;
    g_autofree char *mac = NULL;
    bool up = false;
    guint mtu = 0;

    bridge_create("ptbr3", NULL, 0);
    g_assert_true(prov_netdev_set_mtu("ptbr3", 1280, &error));
    g_assert_true(prov_netdev_set_mac("ptbr3", "52:54:00:12:34:56", &error));
    g_assert_true(prov_netdev_set_up("ptbr3", true, &error));
    g_assert_no_error(error);

    g_assert_true(prov_netdev_get_mtu("ptbr3", &mtu, &error));
    g_assert_cmpuint(mtu, ==, 1280);
    g_assert_true(prov_netdev_get_mac("ptbr3", &mac, &error));
    g_assert_cmpstr(mac, ==, "52:54:00:12:34:56");
    g_assert_true(prov_netdev_is_up("ptbr3", &up, &error));
    g_assert_true(up);
    parser = ip_json("-j", "-d", "link", "show", "dev", "ptbr3", NULL);
    g_assert_cmpint(json_object_get_int_member(ip_link(parser), "mtu"), ==, 1280);
    g_assert_cmpstr(json_object_get_string_member(ip_link(parser), "address"), ==,
                    "52:54:00:12:34:56");
    g_assert_true(ip_link_has_flag(ip_link(parser), "UP"));

    g_assert_true(prov_netdev_set_up("ptbr3", false, &error));
    g_assert_true(prov_netdev_is_up("ptbr3", &up, &error));
    g_assert_false(up);
    parser2 = ip_json("-j", "-d", "link", "show", "dev", "ptbr3", NULL);
    g_assert_false(ip_link_has_flag(ip_link(parser2), "UP"));

    /* What the kernel refuses comes back with the device and the value. */
    g_assert_false(prov_netdev_set_mtu("ptbr3", 70000, &error));
    g_assert_error(error, PROV_UTIL_ERROR, PROV_ERR_OPERATION_FAILED);
    g_assert_nonnull(strstr(error->message, "MTU 70000"));
    g_assert_nonnull(strstr(error->message, "'ptbr3'"));
    g_assert_nonnull(strstr(error->message, "Invalid argument"));
    g_clear_error(&error);
    g_assert_false(prov_netdev_set_mtu("ptnone", 1500, &error));
    g_assert_error(error, PROV_UTIL_ERROR, PROV_ERR_INVALID_ARG);
    g_assert_nonnull(strstr(error->message, "'ptnone' does not exist"));
    g_clear_error(&error);

    netdev_delete("ptbr3");
}

static void
test_link_delete(void)
{
    g_autoptr(GError) error = NULL;

    bridge_create("ptbr4", NULL, 0);
    g_assert_true(prov_netdev_delete("ptbr4", 0, &error));
    g_assert_no_error(error);
    g_assert_false(netdev_exists("ptbr4"));

    g_assert_false(prov_netdev_delete("ptbr4", 0, &error));
    g_assert_error(error, PROV_UTIL_ERROR, PROV_ERR_INVALID_ARG);
    g_assert_nonnull(strstr(error->message, "'ptbr4' does not exist"));
    g_clear_error(&error);
    g_assert_true(prov_netdev_delete("ptbr4", PROV_NETDEV_DELETE_MISSING_OK, &error));
    g_assert_no_error(error);
}

typedef struct {
    const char *what;
    bool (*call)(const char *arg, GError **error);
    const char *arg;
    int code;
    const char *message;
} BadInputCase;

static bool
call_create(const char *name, GError **error)
{
    return prov_netdev_bridge_create(name, NULL, 0, error);
}

static bool
call_create_mac(const char *mac, GError **error)
{
    return prov_netdev_bridge_create("ptbad", mac, 0, error);
}

static bool
call_add_address(const char *address, GError **error)
{
    return prov_netdev_add_address("lo", address, 24, 0, error);
}

static bool
call_add_v4_prefix33(const char *address, GError **error)
{
    return prov_netdev_add_address("lo", address, 33, 0, error);
}

static bool
call_add_route_hostbits(const char *dest, GError **error)
{
    return prov_netdev_add_route("lo", dest, 8, NULL, 0, error);
}

static bool
call_add_route_mixed(const char *gateway, GError **error)
{
    return prov_netdev_add_route("lo", "10.0.0.0", 8, gateway, 0, error);
}

static const BadInputCase bad_inputs[] = {
    { "empty name", call_create, "", PROV_ERR_INVALID_ARG, "invalid network device name ''" },
    { "long name", call_create, "a234567890123456", PROV_ERR_INVALID_ARG,
      "'a234567890123456'" },
    { "slash", call_create, "a/b", PROV_ERR_INVALID_ARG, "'a/b'" },
    { "colon", call_create, "a:b", PROV_ERR_INVALID_ARG, "'a:b'" },
    { "space", call_create, "a b", PROV_ERR_INVALID_ARG, "'a b'" },
    { "dotdot", call_create, "..", PROV_ERR_INVALID_ARG, "'..'" },
    { "bad mac", call_create_mac, "52:54:00:zz:00:01", PROV_ERR_INVALID_MAC,
      "invalid MAC address '52:54:00:zz:00:01'" },
    { "short mac", call_create_mac, "52:54:00:00:01", PROV_ERR_INVALID_MAC, "invalid MAC" },
    { "mac dashes", call_create_mac, "52-54-00-00-00-01", PROV_ERR_INVALID_MAC, "invalid MAC" },
    { "multicast mac", call_create_mac, "01:00:5e:00:00:01", PROV_ERR_INVALID_MAC,
      "multicast" },
    { "zero mac", call_create_mac, "00:00:00:00:00:00", PROV_ERR_INVALID_MAC, "all zeros" },
    { "bad ip", call_add_address, "300.1.1.1", PROV_ERR_INVALID_ARG,
      "invalid IP address '300.1.1.1'" },
    { "ip with prefix", call_add_address, "10.0.0.1/24", PROV_ERR_INVALID_ARG,
      "invalid IP address" },
    { "prefix 33", call_add_v4_prefix33, "10.0.0.1", PROV_ERR_INVALID_ARG,
      "invalid prefix 33" },
    { "host bits", call_add_route_hostbits, "10.1.0.0", PROV_ERR_INVALID_ARG,
      "'10.1.0.0/8' has host bits set" },
    { "mixed families", call_add_route_mixed, "2001:db8::1", PROV_ERR_INVALID_ARG,
      "different families" },
};

static void
test_bad_input(gconstpointer data)
{
    const BadInputCase *c = data;
    g_autoptr(GError) error = NULL;

    g_assert_false(c->call(c->arg, &error));
    g_assert_error(error, PROV_UTIL_ERROR, c->code);
    if (!strstr(error->message, c->message))
        g_error("%s: message '%s' lacks '%s'", c->what, error->message, c->message);
    g_assert_false(netdev_exists("ptbad"));
}

static ProvNetdevAddr *
find_addr(GPtrArray *addrs, const char *address)
{
    guint i;

    for (i = 0; i < addrs->len; i++) {
        ProvNetdevAddr *a = g_ptr_array_index(addrs, i);

        if (g_str_equal(a->address, address))
            return a;
    }
    return NULL;
}

static void
test_address_ipv4(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) addrs = NULL;
    g_autoptr(GPtrArray) addrs2 = NULL;
    g_autoptr(JsonParser) parser = NULL;
    g_autoptr(JsonParser) parser2 = NULL;
    JsonObject *a;
    ProvNetdevAddr *got;

    bridge_create("ptbr5", NULL, 0);
    g_assert_true(prov_netdev_add_address("ptbr5", "192.168.150.1", 24, 0, &error));
    g_assert_true(prov_netdev_add_address("ptbr5", "10.9.8.1", 31, 0, &error));
    g_assert_no_error(error);

    g_assert_true(prov_netdev_list_addresses("ptbr5", &addrs, &error));
    got = find_addr(addrs, "192.168.150.1");
    g_assert_nonnull(got);
    g_assert_cmpint(got->family, ==, AF_INET);
    g_assert_cmpuint(got->prefix, ==, 24);
    g_assert_cmpstr(got->broadcast, ==, "192.168.150.255");
    got = find_addr(addrs, "10.9.8.1");
    g_assert_nonnull(got);
    g_assert_null(got->broadcast);

    parser = ip_json("-j", "addr", "show", "dev", "ptbr5", NULL);
    a = ip_addr_find(parser, "192.168.150.1");
    g_assert_nonnull(a);
    g_assert_cmpint(json_object_get_int_member(a, "prefixlen"), ==, 24);
    g_assert_cmpstr(json_object_get_string_member(a, "broadcast"), ==, "192.168.150.255");
    a = ip_addr_find(parser, "10.9.8.1");
    g_assert_nonnull(a);
    g_assert_false(json_object_has_member(a, "broadcast"));

    /* The same address again is refused, naming it and the device. */
    g_assert_false(prov_netdev_add_address("ptbr5", "192.168.150.1", 24, 0, &error));
    g_assert_error(error, PROV_UTIL_ERROR, PROV_ERR_OPERATION_INVALID);
    g_assert_nonnull(strstr(error->message, "'192.168.150.1/24'"));
    g_assert_nonnull(strstr(error->message, "'ptbr5'"));
    g_clear_error(&error);

    g_assert_true(prov_netdev_del_address("ptbr5", "192.168.150.1", 24, &error));
    g_assert_no_error(error);
    g_assert_true(prov_netdev_list_addresses("ptbr5", &addrs2, &error));
    g_assert_null(find_addr(addrs2, "192.168.150.1"));
    g_assert_nonnull(find_addr(addrs2, "10.9.8.1"));
    parser2 = ip_json("-j", "addr", "show", "dev", "ptbr5", NULL);
    g_assert_null(ip_addr_find(parser2, "192.168.150.1"));

    g_assert_false(prov_netdev_del_address("ptbr5", "192.168.150.1", 24, &error));
    g_assert_error(error, PROV_UTIL_ERROR, PROV_ERR_INVALID_ARG);
    g_assert_nonnull(strstr(error->message, "it is not there"));
    g_clear_error(&error);
    g_assert_false(prov_netdev_add_address("ptnone", "192.168.151.1", 24, 0, &error));
    g_assert_error(error, PROV_UTIL_ERROR, PROV_ERR_INVALID_ARG);
    g_assert_nonnull(strstr(error->message, "'ptnone' does not exist"));
    g_clear_error(&error);

    netdev_delete("ptbr5");
}

static void
test_address_ipv6(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) addrs = NULL;
    g_autoptr(JsonParser) parser = NULL;
    g_autoptr(JsonParser) parser2 = NULL;
    ProvNetdevAddr *got;
    JsonObject *a;

    /* STP on and no port: no carrier, so DAD cannot run and stays pending. */
    bridge_create("ptbr6", NULL, 0);
    g_assert_true(prov_netdev_bridge_set_stp("ptbr6", true, &error));
    netdev_up("ptbr6");
    g_assert_true(prov_netdev_add_address("ptbr6", "2001:db8:150::1", 64,
                                          PROV_NETDEV_ADDR_NODAD, &error));
    g_assert_true(prov_netdev_add_address("ptbr6", "2001:db8:151::1", 64, 0, &error));
    g_assert_no_error(error);

    g_assert_true(prov_netdev_list_addresses("ptbr6", &addrs, &error));
    got = find_addr(addrs, "2001:db8:150::1");
    g_assert_nonnull(got);
    g_assert_cmpint(got->family, ==, AF_INET6);
    g_assert_cmpuint(got->prefix, ==, 64);
    g_assert_null(got->broadcast);
    g_assert_true(got->flags & IFA_F_NODAD);
    g_assert_false(got->flags & IFA_F_TENTATIVE);
    got = find_addr(addrs, "2001:db8:151::1");
    g_assert_nonnull(got);
    g_assert_true(got->flags & IFA_F_TENTATIVE);

    parser = ip_json("-j", "addr", "show", "dev", "ptbr6", NULL);
    a = ip_addr_find(parser, "2001:db8:150::1");
    g_assert_nonnull(a);
    g_assert_true(json_object_get_boolean_member_with_default(a, "nodad", false));
    g_assert_false(json_object_get_boolean_member_with_default(a, "tentative", false));
    a = ip_addr_find(parser, "2001:db8:151::1");
    g_assert_nonnull(a);
    g_assert_true(json_object_get_boolean_member_with_default(a, "tentative", false));

    g_assert_false(prov_netdev_wait_ipv6_dad("ptbr6", 200, &error));
    g_assert_error(error, PROV_UTIL_ERROR, PROV_ERR_OPERATION_TIMEOUT);
    g_assert_nonnull(strstr(error->message, "'2001:db8:151::1'"));
    g_clear_error(&error);

    /*
     * A fresh bridge brought up with STP off has carrier even without ports (6.x), so
     * DAD runs and completes within about 2 s.  (Turning STP off on ptbr6 would not do:
     * the kernel leaves the carrier off until a port joins.)
     */
    bridge_create("ptbr6b", NULL, 0);
    netdev_up("ptbr6b");
    g_assert_true(prov_netdev_add_address("ptbr6b", "2001:db8:152::1", 64, 0, &error));
    g_assert_true(prov_netdev_wait_ipv6_dad("ptbr6b", 10000, &error));
    g_assert_no_error(error);
    parser2 = ip_json("-j", "addr", "show", "dev", "ptbr6b", NULL);
    a = ip_addr_find(parser2, "2001:db8:152::1");
    g_assert_nonnull(a);
    g_assert_false(json_object_get_boolean_member_with_default(a, "tentative", false));

    g_assert_true(prov_netdev_del_address("ptbr6", "2001:db8:150::1", 64, &error));
    g_assert_no_error(error);
    netdev_delete("ptbr6");
    netdev_delete("ptbr6b");
}

static ProvRoute *
find_route(GPtrArray *routes, const char *dest, guint prefix, const char *ifname)
{
    guint i;

    for (i = 0; i < routes->len; i++) {
        ProvRoute *r = g_ptr_array_index(routes, i);

        if (g_str_equal(r->dest, dest) && r->prefix == prefix &&
            g_strcmp0(r->ifname, ifname) == 0 && r->table == RT_TABLE_MAIN)
            return r;
    }
    return NULL;
}

static void
test_routes(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) routes = NULL;
    g_autoptr(GPtrArray) routes2 = NULL;
    g_autoptr(JsonParser) v4 = NULL;
    g_autoptr(JsonParser) v6 = NULL;
    g_autoptr(JsonParser) v4after = NULL;
    ProvRoute *r;
    JsonObject *o;

    bridge_create("ptbr7", NULL, 0);
    netdev_up("ptbr7");
    g_assert_true(prov_netdev_add_address("ptbr7", "192.168.160.1", 24, 0, &error));
    g_assert_true(prov_netdev_add_address("ptbr7", "2001:db8:160::1", 64,
                                          PROV_NETDEV_ADDR_NODAD, &error));
    g_assert_true(prov_netdev_add_route("ptbr7", "10.20.0.0", 16, "192.168.160.254", 7,
                                        &error));
    g_assert_true(prov_netdev_add_route("ptbr7", "2001:db8:9::", 48, "2001:db8:160::fe", 9,
                                        &error));
    g_assert_true(prov_netdev_add_route("ptbr7", "10.30.0.0", 16, NULL, 0, &error));
    g_assert_no_error(error);

    g_assert_true(prov_route_list(AF_UNSPEC, &routes, &error));
    r = find_route(routes, "10.20.0.0", 16, "ptbr7");
    g_assert_nonnull(r);
    g_assert_cmpstr(r->gateway, ==, "192.168.160.254");
    g_assert_cmpuint(r->metric, ==, 7);
    g_assert_cmpuint(r->protocol, ==, RTPROT_STATIC);
    g_assert_cmpuint(r->type, ==, RTN_UNICAST);
    r = find_route(routes, "2001:db8:9::", 48, "ptbr7");
    g_assert_nonnull(r);
    g_assert_cmpint(r->family, ==, AF_INET6);
    g_assert_cmpstr(r->gateway, ==, "2001:db8:160::fe");
    g_assert_cmpuint(r->metric, ==, 9);
    r = find_route(routes, "10.30.0.0", 16, "ptbr7");
    g_assert_nonnull(r);
    g_assert_null(r->gateway);
    /* The kernel's own prefix route for the address. */
    r = find_route(routes, "192.168.160.0", 24, "ptbr7");
    g_assert_nonnull(r);
    g_assert_cmpuint(r->protocol, ==, RTPROT_KERNEL);

    v4 = ip_json("-j", "route", "show", NULL);
    o = ip_route_find(v4, "10.20.0.0/16");
    g_assert_nonnull(o);
    g_assert_cmpstr(json_object_get_string_member(o, "gateway"), ==, "192.168.160.254");
    g_assert_cmpstr(json_object_get_string_member(o, "dev"), ==, "ptbr7");
    g_assert_cmpstr(json_object_get_string_member(o, "protocol"), ==, "static");
    g_assert_cmpint(json_object_get_int_member(o, "metric"), ==, 7);
    o = ip_route_find(v4, "10.30.0.0/16");
    g_assert_nonnull(o);
    g_assert_cmpstr(json_object_get_string_member(o, "scope"), ==, "link");
    v6 = ip_json("-j", "-6", "route", "show", NULL);
    o = ip_route_find(v6, "2001:db8:9::/48");
    g_assert_nonnull(o);
    g_assert_cmpstr(json_object_get_string_member(o, "gateway"), ==, "2001:db8:160::fe");
    g_assert_cmpint(json_object_get_int_member(o, "metric"), ==, 9);

    g_assert_false(prov_netdev_add_route("ptbr7", "10.20.0.0", 16, "192.168.160.254", 7,
                                         &error));
    g_assert_error(error, PROV_UTIL_ERROR, PROV_ERR_OPERATION_INVALID);
    g_assert_nonnull(strstr(error->message, "'10.20.0.0/16'"));
    g_clear_error(&error);
    /* A gateway the kernel cannot reach from the device. */
    g_assert_false(prov_netdev_add_route("ptbr7", "10.40.0.0", 16, "172.16.0.1", 1, &error));
    g_assert_error(error, PROV_UTIL_ERROR, PROV_ERR_OPERATION_FAILED);
    g_assert_nonnull(strstr(error->message, "'172.16.0.1'"));
    g_assert_nonnull(strstr(error->message, "'ptbr7'"));
    /* The kernel's errno, which libnl alone reports as "Unspecific failure". */
    g_assert_nonnull(strstr(error->message, "Network is unreachable"));
    g_clear_error(&error);

    g_assert_true(prov_netdev_del_route("ptbr7", "10.20.0.0", 16, "192.168.160.254", 7,
                                        &error));
    g_assert_true(prov_netdev_del_route("ptbr7", "2001:db8:9::", 48, "2001:db8:160::fe", 9,
                                        &error));
    g_assert_no_error(error);
    g_assert_true(prov_route_list(AF_UNSPEC, &routes2, &error));
    g_assert_null(find_route(routes2, "10.20.0.0", 16, "ptbr7"));
    g_assert_null(find_route(routes2, "2001:db8:9::", 48, "ptbr7"));
    g_assert_nonnull(find_route(routes2, "10.30.0.0", 16, "ptbr7"));
    v4after = ip_json("-j", "route", "show", NULL);
    g_assert_null(ip_route_find(v4after, "10.20.0.0/16"));

    g_assert_false(prov_netdev_del_route("ptbr7", "10.20.0.0", 16, "192.168.160.254", 7,
                                         &error));
    g_assert_error(error, PROV_UTIL_ERROR, PROV_ERR_INVALID_ARG);
    g_assert_nonnull(strstr(error->message, "it is not there"));
    g_clear_error(&error);

    netdev_delete("ptbr7");
}

typedef struct {
    const char *address;
    guint prefix;
    const char *exclude;
    const char *collision;      /* expected ifname of an identical route, NULL for none */
    const char *overlap;        /* expected ifname of an overlapping route */
    const char *overlap_route;  /* and that route */
} CollisionCase;

static const CollisionCase collision_cases[] = {
    { "192.168.77.0", 24, NULL, "ptveth7", "ptveth7", "192.168.77.0/24" },
    /* Host bits of the subnet address are ignored. */
    { "192.168.77.1", 24, NULL, "ptveth7", "ptveth7", "192.168.77.0/24" },
    { "192.168.77.0", 24, "ptveth7", NULL, NULL, NULL },
    { "192.168.78.0", 24, NULL, NULL, NULL, NULL },
    /* A larger subnet holding the route, a smaller one inside it. */
    { "192.168.0.0", 16, NULL, NULL, "ptveth7", "192.168.77.0/24" },
    { "192.168.77.128", 25, NULL, NULL, "ptveth7", "192.168.77.0/24" },
    /* The default route on ptveth7 does not count as an overlap. */
    { "10.0.0.0", 8, NULL, NULL, NULL, NULL },
    /* A static route on the other device. */
    { "172.20.1.0", 24, NULL, NULL, "ptveth8", "172.20.0.0/16" },
    { "172.20.0.0", 16, NULL, "ptveth8", "ptveth8", "172.20.0.0/16" },
    /* IPv6, which libvirt does not check. */
    { "2001:db8:77::", 64, NULL, "ptveth7", "ptveth7", "2001:db8:77::/64" },
    { "2001:db8:77::1", 64, NULL, "ptveth7", "ptveth7", "2001:db8:77::/64" },
    { "2001:db8::", 32, NULL, NULL, "ptveth7", "2001:db8:77::/64" },
    { "2001:db8:77:0:8000::", 65, NULL, NULL, "ptveth7", "2001:db8:77::/64" },
    { "2001:db8:78::", 64, NULL, NULL, NULL, NULL },
    { "2001:db8:77::", 64, "ptveth7", NULL, NULL, NULL },
};

static void
test_route_collision(void)
{
    g_autoptr(GError) error = NULL;
    gsize i;

    /* Someone else's interfaces and routes, made with iproute2. */
    make_veth("ptveth7");
    make_veth("ptveth8");
    ip_run("addr", "add", "192.168.77.1/24", "dev", "ptveth7", NULL);
    ip_run("addr", "add", "2001:db8:77::1/64", "dev", "ptveth7", "nodad", NULL);
    ip_run("route", "add", "default", "via", "192.168.77.254", "dev", "ptveth7", NULL);
    ip_run("route", "add", "172.20.0.0/16", "dev", "ptveth8", NULL);

    for (i = 0; i < G_N_ELEMENTS(collision_cases); i++) {
        const CollisionCase *c = &collision_cases[i];
        g_autofree char *ifname = NULL;
        g_autofree char *oifname = NULL;
        g_autofree char *oroute = NULL;

        g_test_message("subnet %s/%u excluding %s", c->address, c->prefix,
                       c->exclude ? c->exclude : "nothing");
        g_assert_true(prov_route_find_collision(c->address, c->prefix, c->exclude, &ifname,
                                                &error));
        g_assert_no_error(error);
        g_assert_cmpstr(ifname, ==, c->collision);
        g_assert_true(prov_route_find_overlap(c->address, c->prefix, c->exclude, &oifname,
                                              &oroute, &error));
        g_assert_no_error(error);
        g_assert_cmpstr(oifname, ==, c->overlap);
        g_assert_cmpstr(oroute, ==, c->overlap_route);
    }

    g_assert_false(prov_route_find_collision("192.168.77.0", 33, NULL, &(char *){ NULL },
                                             &error));
    g_assert_error(error, PROV_UTIL_ERROR, PROV_ERR_INVALID_ARG);
    g_clear_error(&error);

    netdev_delete("ptveth7");
    netdev_delete("ptveth8");
}

static void
test_ipv6_forwarding_check(void)
{
    g_autoptr(GError) error = NULL;
    int previous = -1;

    make_veth("ptveth9");

    /* No RA route anywhere: safe. */
    g_assert_true(prov_ipv6_check_forwarding_safe(&error));
    g_assert_no_error(error);

    /* A route as the kernel records one learned from an RA, accept_ra=1 (the default). */
    g_assert_true(prov_sysctl_set_ipv6_conf("ptveth9", PROV_SYSCTL_IPV6_ACCEPT_RA, 1,
                                            &previous, &error));
    ip_run("-6", "route", "add", "2001:db8:1::/64", "dev", "ptveth9", "proto", "ra", NULL);
    g_assert_false(prov_ipv6_check_forwarding_safe(&error));
    g_assert_error(error, PROV_UTIL_ERROR, PROV_ERR_OPERATION_INVALID);
    g_assert_nonnull(strstr(error->message, "'ptveth9' (accept_ra=1)"));
    g_assert_nonnull(strstr(error->message, "accept_ra=2"));
    g_assert_nonnull(strstr(error->message, "statically"));
    g_clear_error(&error);

    /* Forwarding already on: enabling it again changes nothing, so nothing to refuse. */
    g_assert_true(prov_sysctl_set_ipv6_forwarding(true, &previous, &error));
    g_assert_cmpint(previous, ==, 0);
    g_assert_true(prov_ipv6_check_forwarding_safe(&error));
    g_assert_no_error(error);
    g_assert_true(prov_sysctl_set_ipv6_forwarding(false, NULL, &error));
    g_assert_true(prov_sysctl_set_ipv6_conf("ptveth9", PROV_SYSCTL_IPV6_ACCEPT_RA, 1, NULL,
                                            &error));
    g_assert_false(prov_ipv6_check_forwarding_safe(&error));
    g_assert_error(error, PROV_UTIL_ERROR, PROV_ERR_OPERATION_INVALID);
    g_clear_error(&error);

    /* accept_ra=0 does not keep the kernel from purging RA routes either. */
    g_assert_true(prov_sysctl_set_ipv6_conf("ptveth9", PROV_SYSCTL_IPV6_ACCEPT_RA, 0, NULL,
                                            &error));
    g_assert_false(prov_ipv6_check_forwarding_safe(&error));
    g_assert_nonnull(strstr(error->message, "'ptveth9' (accept_ra=0)"));
    g_clear_error(&error);

    /* accept_ra=2 keeps honouring RAs with forwarding on: allowed. */
    g_assert_true(prov_sysctl_set_ipv6_conf("ptveth9", PROV_SYSCTL_IPV6_ACCEPT_RA, 2, NULL,
                                            &error));
    g_assert_true(prov_ipv6_check_forwarding_safe(&error));
    g_assert_no_error(error);

    /* Two offending interfaces are both named. */
    make_veth("ptveth10");
    ip_run("-6", "route", "add", "2001:db8:2::/64", "dev", "ptveth10", "proto", "ra", NULL);
    g_assert_true(prov_sysctl_set_ipv6_conf("ptveth9", PROV_SYSCTL_IPV6_ACCEPT_RA, 1, NULL,
                                            &error));
    g_assert_false(prov_ipv6_check_forwarding_safe(&error));
    g_assert_nonnull(strstr(error->message, "'ptveth9' (accept_ra=1)"));
    g_assert_nonnull(strstr(error->message, "'ptveth10' (accept_ra=1)"));
    g_clear_error(&error);

    netdev_delete("ptveth9");
    netdev_delete("ptveth10");
    g_assert_true(prov_ipv6_check_forwarding_safe(&error));
    g_assert_no_error(error);
}

static int
sysctl_int(const char *path)
{
    g_autoptr(GError) error = NULL;
    int value = -100;

    g_assert_true(prov_sysctl_read_int(path, &value, &error));
    g_assert_no_error(error);
    return value;
}

static void
test_sysctl(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *previous = NULL;
    g_autofree char *text = NULL;
    int prev = -100;

    /* A fresh namespace starts with forwarding off. */
    g_assert_cmpint(sysctl_int("net/ipv4/ip_forward"), ==, 0);
    g_assert_true(prov_sysctl_set_ipv4_forwarding(true, &prev, &error));
    g_assert_cmpint(prev, ==, 0);
    g_assert_cmpint(sysctl_int("net/ipv4/ip_forward"), ==, 1);
    g_assert_true(prov_sysctl_set_ipv4_forwarding(true, &prev, &error));
    g_assert_cmpint(prev, ==, 1);
    g_assert_true(prov_sysctl_set_ipv4_forwarding(false, &prev, &error));
    g_assert_cmpint(prev, ==, 1);
    g_assert_cmpint(sysctl_int("net/ipv4/ip_forward"), ==, 0);

    g_assert_true(prov_sysctl_set_ipv6_forwarding(true, &prev, &error));
    g_assert_cmpint(prev, ==, 0);
    g_assert_cmpint(sysctl_int("net/ipv6/conf/all/forwarding"), ==, 1);
    /* The kernel copies all/forwarding to every interface. */
    g_assert_cmpint(sysctl_int("net/ipv6/conf/lo/forwarding"), ==, 1);
    g_assert_true(prov_sysctl_set_ipv6_forwarding(false, &prev, &error));
    g_assert_cmpint(prev, ==, 1);
    g_assert_cmpint(sysctl_int("net/ipv6/conf/all/forwarding"), ==, 0);
    g_assert_no_error(error);

    /* What the network driver sets on its bridge. */
    bridge_create("ptbr8", NULL, 0);
    netdev_up("ptbr8");
    g_assert_true(prov_sysctl_set_ipv6_conf("ptbr8", PROV_SYSCTL_IPV6_ACCEPT_RA, 0, &prev,
                                            &error));
    g_assert_cmpint(prev, ==, 1);
    g_assert_true(prov_sysctl_set_ipv6_conf("ptbr8", PROV_SYSCTL_IPV6_AUTOCONF, 0, &prev,
                                            &error));
    g_assert_cmpint(prev, ==, 1);
    g_assert_no_error(error);
    g_assert_cmpint(sysctl_int("net/ipv6/conf/ptbr8/accept_ra"), ==, 0);
    g_assert_cmpint(sysctl_int("net/ipv6/conf/ptbr8/autoconf"), ==, 0);
    g_assert_true(prov_sysctl_get_ipv6_conf("ptbr8", PROV_SYSCTL_IPV6_ACCEPT_RA, &prev,
                                            &error));
    g_assert_cmpint(prev, ==, 0);

    /* disable_ipv6=1 really takes the IPv6 addresses away. */
    g_assert_true(prov_netdev_add_address("ptbr8", "2001:db8:88::1", 64,
                                          PROV_NETDEV_ADDR_NODAD, &error));
    g_assert_true(prov_sysctl_set_ipv6_conf("ptbr8", PROV_SYSCTL_IPV6_DISABLE_IPV6, 1, &prev,
                                            &error));
    g_assert_cmpint(prev, ==, 0);
    g_assert_no_error(error);
    {
        g_autoptr(GPtrArray) addrs = NULL;

        g_assert_true(prov_netdev_list_addresses("ptbr8", &addrs, &error));
        g_assert_null(find_addr(addrs, "2001:db8:88::1"));
    }

    /* Generic read/write and their refusals. */
    g_assert_true(prov_sysctl_write("net/ipv6/conf/ptbr8/accept_ra", "2", &previous,
                                    &error));
    g_assert_cmpstr(previous, ==, "0");
    g_assert_true(prov_sysctl_read("net/ipv6/conf/ptbr8/accept_ra", &text, &error));
    g_assert_cmpstr(text, ==, "2");
    g_assert_false(prov_sysctl_write("net/ipv4/ip_forward", "2x", NULL, &error));
    g_assert_error(error, PROV_UTIL_ERROR, PROV_ERR_SYSTEM_ERROR);
    g_assert_nonnull(strstr(error->message, "'net/ipv4/ip_forward'"));
    g_clear_error(&error);
    g_assert_false(prov_sysctl_read("/proc/sys/net/ipv4/ip_forward", &text, &error));
    g_assert_error(error, PROV_UTIL_ERROR, PROV_ERR_INVALID_ARG);
    g_clear_error(&error);
    g_assert_false(prov_sysctl_read("net/../../etc/passwd", &text, &error));
    g_assert_error(error, PROV_UTIL_ERROR, PROV_ERR_INVALID_ARG);
    g_clear_error(&error);
    g_assert_false(prov_sysctl_set_ipv6_conf("../x", PROV_SYSCTL_IPV6_AUTOCONF, 0, NULL,
                                             &error));
    g_assert_error(error, PROV_UTIL_ERROR, PROV_ERR_INVALID_ARG);
    g_clear_error(&error);
    /* A missing interface is an error while the kernel has IPv6. */
    g_assert_false(prov_sysctl_set_ipv6_conf("ptnone", PROV_SYSCTL_IPV6_AUTOCONF, 0, NULL,
                                             &error));
    g_assert_error(error, PROV_UTIL_ERROR, PROV_ERR_SYSTEM_ERROR);
    g_assert_nonnull(strstr(error->message, "net/ipv6/conf/ptnone/autoconf"));
    g_clear_error(&error);

    netdev_delete("ptbr8");
}

/* A /proc/sys lookalike without net/ipv6: a kernel booted with ipv6.disable=1. */
static void
test_sysctl_no_ipv6(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *root = g_dir_make_tmp("netlinktest-XXXXXX", &error);
    g_autofree char *v4dir = NULL;
    g_autofree char *fwd = NULL;
    g_autofree char *content = NULL;
    int prev = -100;

    g_assert_no_error(error);
    v4dir = g_build_filename(root, "net", "ipv4", NULL);
    g_assert_cmpint(g_mkdir_with_parents(v4dir, 0700), ==, 0);
    fwd = g_build_filename(v4dir, "ip_forward", NULL);
    g_assert_true(g_file_set_contents(fwd, "0\n", -1, &error));
    prov_sysctl_set_root_for_testing(root);

    g_assert_false(prov_sysctl_have_ipv6());
    g_assert_true(prov_sysctl_set_ipv4_forwarding(true, &prev, &error));
    g_assert_cmpint(prev, ==, 0);
    g_assert_true(g_file_get_contents(fwd, &content, NULL, &error));
    g_assert_cmpstr(content, ==, "1");

    /* Turning IPv6 things off is tolerated, turning them on is refused. */
    g_assert_true(prov_sysctl_set_ipv6_conf("virbr9", PROV_SYSCTL_IPV6_DISABLE_IPV6, 1, &prev,
                                            &error));
    g_assert_cmpint(prev, ==, -1);
    g_assert_true(prov_sysctl_set_ipv6_conf("virbr9", PROV_SYSCTL_IPV6_ACCEPT_RA, 0, &prev,
                                            &error));
    g_assert_true(prov_sysctl_set_ipv6_conf("virbr9", PROV_SYSCTL_IPV6_AUTOCONF, 0, &prev,
                                            &error));
    g_assert_true(prov_sysctl_set_ipv6_forwarding(false, &prev, &error));
    g_assert_cmpint(prev, ==, -1);
    g_assert_no_error(error);
    g_assert_true(prov_ipv6_check_forwarding_safe(&error));
    g_assert_no_error(error);
    g_assert_false(prov_sysctl_set_ipv6_conf("virbr9", PROV_SYSCTL_IPV6_DISABLE_IPV6, 0, NULL,
                                             &error));
    g_assert_error(error, PROV_UTIL_ERROR, PROV_ERR_NO_SUPPORT);
    g_assert_nonnull(strstr(error->message, "'virbr9'"));
    g_clear_error(&error);
    g_assert_false(prov_sysctl_set_ipv6_forwarding(true, NULL, &error));
    g_assert_error(error, PROV_UTIL_ERROR, PROV_ERR_NO_SUPPORT);
    g_clear_error(&error);

    prov_sysctl_set_root_for_testing(NULL);
    g_assert_true(prov_sysctl_have_ipv6());
    g_assert_cmpint(g_unlink(fwd), ==, 0);
    g_assert_cmpint(g_rmdir(v4dir), ==, 0);
    v4dir[strlen(v4dir) - strlen("/ipv4")] = '\0';
    g_assert_cmpint(g_rmdir(v4dir), ==, 0);
    g_assert_cmpint(g_rmdir(root), ==, 0);
}

static guint
count_open_fds(void)
{
    DIR *dir = opendir("/proc/self/fd");
    struct dirent *entry;
    guint n = 0;

    g_assert_nonnull(dir);
    while ((entry = readdir(dir))) {
        if (entry->d_name[0] != '.')
            n++;
    }
    closedir(dir);
    return n;
}

/* Every call closes its socket, on success and on failure alike. */
static void
test_no_fd_leak(void)
{
    g_autoptr(GError) error = NULL;
    guint before = count_open_fds();
    guint i;

    for (i = 0; i < 20; i++) {
        g_autoptr(GPtrArray) routes = NULL;
        g_autofree char *ifname = NULL;
        bool stp;

        bridge_create("ptbr9", "52:54:00:00:00:99", 0);
        g_assert_false(prov_netdev_bridge_create("ptbr9", NULL, 0, &error));
        g_clear_error(&error);
        g_assert_true(prov_netdev_bridge_set_stp_delay("ptbr9", true, 0, &error));
        g_assert_true(prov_netdev_bridge_get_stp("ptbr9", &stp, &error));
        g_assert_true(prov_netdev_add_address("ptbr9", "10.99.0.1", 24, 0, &error));
        g_assert_true(prov_route_list(AF_UNSPEC, &routes, &error));
        g_assert_true(prov_route_find_overlap("10.99.0.0", 16, NULL, &ifname, NULL, &error));
        g_assert_no_error(error);
        netdev_delete("ptbr9");
        g_assert_false(prov_netdev_bridge_get_stp("ptbr9", &stp, &error));
        g_clear_error(&error);
    }
    g_assert_cmpuint(count_open_fds(), ==, before);
}

int
main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    gsize i;

    g_test_init(&argc, &argv, NULL);
    if (geteuid() != 0) {
        printf("SKIP: netlinktest needs root to make a private network namespace\n");
        return 77;
    }
    /* Before any thread exists: the namespace is per thread, children inherit it. */
    if (unshare(CLONE_NEWNET) < 0) {
        printf("SKIP: unshare(CLONE_NEWNET) failed: %s\n", g_strerror(errno));
        return 77;
    }
    for (i = 0; i < G_N_ELEMENTS(ip_candidates) && !ip_path; i++) {
        if (g_file_test(ip_candidates[i], G_FILE_TEST_IS_EXECUTABLE))
            ip_path = ip_candidates[i];
    }
    if (!ip_path) {
        printf("SKIP: iproute2's ip (the independent checker) is not installed\n");
        return 77;
    }
    if (!prov_netdev_set_up("lo", true, &error))
        g_error("cannot bring lo up in the new namespace: %s", error->message);

    g_test_add_func("/netlink/bridge/create", test_bridge_create);
    g_test_add_func("/netlink/bridge/exists", test_bridge_exists);
    g_test_add_func("/netlink/bridge/stp-delay", test_bridge_stp_delay);
    g_test_add_func("/netlink/link/settings", test_link_settings);
    g_test_add_func("/netlink/link/delete", test_link_delete);
    for (i = 0; i < G_N_ELEMENTS(bad_inputs); i++) {
        g_autofree char *path = g_strdup_printf("/netlink/bad-input/%s", bad_inputs[i].what);

        g_strdelimit(path + strlen("/netlink/bad-input/"), " ", '-');
        g_test_add_data_func(path, &bad_inputs[i], test_bad_input);
    }
    g_test_add_func("/netlink/address/ipv4", test_address_ipv4);
    g_test_add_func("/netlink/address/ipv6", test_address_ipv6);
    g_test_add_func("/netlink/route/add-del", test_routes);
    g_test_add_func("/netlink/route/collision", test_route_collision);
    g_test_add_func("/netlink/ipv6/forwarding-check", test_ipv6_forwarding_check);
    g_test_add_func("/netlink/sysctl/real", test_sysctl);
    g_test_add_func("/netlink/sysctl/no-ipv6", test_sysctl_no_ipv6);
    g_test_add_func("/netlink/fd-leak", test_no_fd_leak);
    return g_test_run();
}
