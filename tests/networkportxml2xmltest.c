/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* networkportxml2xmltest.c: <networkport> parse -> format against libvirt's data and schemas. */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "network/network_port_conf.h"
#include "tests/testutil.h"
#include "util/error.h"

/* testutil's oracle looks under storage/schemas; the network ones are in schemas/. */
#define NET_LIBVIRT_PORT_RNG "../../schemas/networkport.rng"

static char *network_dir;

/* libvirt's virnetworkportxml2xmltest: input == output for each. */
static const char *const port_cases[] = {
    "plug-none", "plug-bridge", "plug-bridge-basic", "plug-bridge-mactbl", "plug-direct",
    "plug-hostdev-pci", "plug-hostdev-pci-unmanaged", "plug-network", "plug-network-basic",
};

static char *
test_port_path(const char *name)
{
    g_autofree char *file = g_strconcat(name, ".xml", NULL);

    return g_build_filename(network_dir, "virnetworkportxml2xmldata", file, NULL);
}

static void
test_port_xml2xml(void)
{
    guint identical = 0;
    guint valid_libvirt = 0;
    guint valid_own = 0;
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(port_cases); i++) {
        g_autofree char *path = test_port_path(port_cases[i]);
        g_autofree char *in = prov_test_read_required(path);
        g_autofree char *out = NULL;
        g_autofree char *msg = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(ProvNetworkPortDef) def = NULL;
        g_autoptr(ProvNetworkPortDef) validated = NULL;

        def = prov_network_port_def_parse_string(in, 0, &error);
        if (!def) {
            g_test_message("%s: parse failed: %s", port_cases[i], error->message);
            g_test_fail();
            continue;
        }
        out = prov_network_port_def_format(def);
        if (g_str_equal(out, in))
            identical++;
        else
            g_test_message("%s: output differs\n--- expected\n%s--- got\n%s", port_cases[i],
                           in, out);
        if (prov_test_libvirt_schema_valid(NET_LIBVIRT_PORT_RNG, out, &msg))
            valid_libvirt++;
        else
            g_test_message("%s: %s", port_cases[i], msg);
        if (prov_test_own_schema_valid("networkport.rng", out, &msg))
            valid_own++;
        else
            g_test_message("%s: %s", port_cases[i], msg);
        validated = prov_network_port_def_parse_file(path, PROV_NETWORK_PORT_PARSE_VALIDATE,
                                                     &error);
        g_assert_no_error(error);
        g_assert_nonnull(validated);
    }
    g_test_message("conformance: network port xml2xml %u/%zu byte-identical, schema-valid "
                   "%u/%zu (libvirt's) %u/%zu (ours)", identical, G_N_ELEMENTS(port_cases),
                   valid_libvirt, G_N_ELEMENTS(port_cases), valid_own,
                   G_N_ELEMENTS(port_cases));
    printf("conformance: network port xml2xml %u/%zu byte-identical, schema-valid %u/%zu "
           "(libvirt's) %u/%zu (ours)\n", identical, G_N_ELEMENTS(port_cases), valid_libvirt,
           G_N_ELEMENTS(port_cases), valid_own, G_N_ELEMENTS(port_cases));
    g_assert_cmpuint(identical, ==, G_N_ELEMENTS(port_cases));
    g_assert_cmpuint(valid_libvirt, ==, G_N_ELEMENTS(port_cases));
    g_assert_cmpuint(valid_own, ==, G_N_ELEMENTS(port_cases));
}

static void
test_port_fields(void)
{
    g_autofree char *path = test_port_path("plug-network");
    g_autoptr(GError) error = NULL;
    g_autoptr(ProvNetworkPortDef) def = prov_network_port_def_parse_file(path, 0, &error);
    g_autoptr(ProvNetworkPortDef) copy = NULL;
    g_autofree char *a = NULL;
    g_autofree char *b = NULL;
    char buf[37];

    g_assert_no_error(error);
    prov_net_uuid_format(def->uuid, buf);
    g_assert_cmpstr(buf, ==, "5d744f21-ba4a-4d6e-bdb2-30a35ff3207d");
    g_assert_cmpstr(def->owner_name, ==, "memtest");
    g_assert_cmpstr(def->group, ==, "web1");
    g_assert_cmpuint(def->bandwidth->class_id, ==, 1729);
    g_assert_cmpuint(def->bandwidth->in->floor, ==, 2000);
    g_assert_cmpuint(def->bandwidth->out->burst, ==, 32768);
    g_assert_cmpuint(def->vlan.tags->len, ==, 2);
    g_assert_true(def->vlan.trunk);
    g_assert_true(def->isolated == PROV_NET_TRISTATE_YES);
    g_assert_true(def->plug_type == PROV_NET_PORT_PLUG_NETWORK);
    g_assert_cmpstr(def->plug_bridge, ==, "virbr0");

    copy = prov_network_port_def_copy(def, &error);
    g_assert_no_error(error);
    a = prov_network_port_def_format(def);
    b = prov_network_port_def_format(copy);
    g_assert_cmpstr(a, ==, b);
    g_assert_true(copy->owner_name != def->owner_name);

    g_clear_pointer(&def, prov_network_port_def_free);
    g_clear_pointer(&path, g_free);
    path = test_port_path("plug-hostdev-pci-unmanaged");
    def = prov_network_port_def_parse_file(path, 0, &error);
    g_assert_no_error(error);
    g_assert_true(def->plug_managed == PROV_NET_TRISTATE_NO);
    g_assert_cmpuint(def->plug_pci.domain, ==, 1);
    g_assert_cmpuint(def->plug_pci.function, ==, 4);
}

/* Bad ports: the expected error code and a piece of the message naming the value. */
static void
test_port_invalid(void)
{
#define PORT_HEAD "<networkport><uuid>5d744f21-ba4a-4d6e-bdb2-30a35ff3207d</uuid>" \
                  "<owner><name>vm1</name><uuid>d54df46f-1ab5-4a22-8618-4560ef5fac2c</uuid>" \
                  "</owner>"
    static const struct {
        const char *xml;
        int code;
        const char *msg;
    } cases[] = {
        { "<networkport><owner><name>a</name></owner></networkport>",
          PROV_ERR_INVALID_NETWORK_PORT, "missing <uuid>" },
        { "<networkport><uuid>not-a-uuid</uuid></networkport>",
          PROV_ERR_INVALID_NETWORK_PORT, "invalid <uuid> 'not-a-uuid'" },
        { "<networkport><uuid>5d744f21-ba4a-4d6e-bdb2-30a35ff3207d</uuid><mac "
          "address='52:54:00:7b:35:93'/></networkport>",
          PROV_ERR_INVALID_NETWORK_PORT, "missing <owner>" },
        { "<networkport><uuid>5d744f21-ba4a-4d6e-bdb2-30a35ff3207d</uuid><owner><name>x"
          "</name><uuid>zzz</uuid></owner></networkport>",
          PROV_ERR_INVALID_NETWORK_PORT, "invalid owner <uuid> 'zzz'" },
        { PORT_HEAD "</networkport>", PROV_ERR_INVALID_NETWORK_PORT, "missing <mac" },
        { PORT_HEAD "<mac address='52:54:00:7b:35'/></networkport>", PROV_ERR_INVALID_MAC,
          "'52:54:00:7b:35'" },
        { PORT_HEAD "<mac address='01:00:5e:00:00:01'/></networkport>", PROV_ERR_INVALID_MAC,
          "'01:00:5e:00:00:01' is a multicast" },
        { PORT_HEAD "<mac address='fe:54:00:7b:35:93'/></networkport>", PROV_ERR_INVALID_MAC,
          "'fe:54:00:7b:35:93' must not start with 'fe'" },
        { PORT_HEAD "<mac address='52:54:00:7b:35:93'/><plug type='tap'/></networkport>",
          PROV_ERR_INVALID_NETWORK_PORT, "<plug type='tap'>" },
        { PORT_HEAD "<mac address='52:54:00:7b:35:93'/><plug type='bridge'/></networkport>",
          PROV_ERR_INVALID_NETWORK_PORT, "needs a valid bridge" },
        { PORT_HEAD "<mac address='52:54:00:7b:35:93'/><plug type='direct' dev='eth0' "
          "mode='fast'/></networkport>", PROV_ERR_INVALID_NETWORK_PORT, "'fast'" },
        { PORT_HEAD "<mac address='52:54:00:7b:35:93'/><plug type='hostdev-pci'/>"
          "</networkport>", PROV_ERR_INVALID_NETWORK_PORT, "needs a PCI <address/>" },
        { PORT_HEAD "<mac address='52:54:00:7b:35:93'/><bandwidth><outbound average='1' "
          "floor='5'/></bandwidth></networkport>", PROV_ERR_CONFIG_UNSUPPORTED, "floor='5'" },
        { PORT_HEAD "<mac address='52:54:00:7b:35:93'/><vlan><tag id='4096'/></vlan>"
          "</networkport>", PROV_ERR_INVALID_NETWORK_PORT, "id='4096'" },
        { PORT_HEAD "<mac address='52:54:00:7b:35:93'/><rxfilters trustGuest='maybe'/>"
          "</networkport>", PROV_ERR_INVALID_NETWORK_PORT, "trustGuest='maybe'" },
        { "<port/>", PROV_ERR_XML_ERROR, "networkport" },
    };
#undef PORT_HEAD
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(ProvNetworkPortDef) def = NULL;

        def = prov_network_port_def_parse_string(cases[i].xml, 0, &error);
        if (def || !error) {
            g_test_message("case %zu accepted: %s", i, cases[i].xml);
            g_test_fail();
            continue;
        }
        g_test_message("case %zu: %s", i, error->message);
        g_assert_cmpint(error->code, ==, cases[i].code);
        g_assert_nonnull(strstr(error->message, cases[i].msg));
    }
}

static void
test_port_enums(void)
{
    int t;

    for (t = 0; t < PROV_NET_PORT_PLUG_LAST; t++)
        g_assert_cmpint(prov_net_port_plug_type_from_string(prov_net_port_plug_type_to_string(t)),
                        ==, t);
    for (t = 0; t < PROV_NET_PORT_DIRECT_LAST; t++)
        g_assert_cmpint(prov_net_port_direct_mode_from_string(
                            prov_net_port_direct_mode_to_string(t)), ==, t);
    g_assert_cmpstr(prov_net_port_plug_type_to_string(PROV_NET_PORT_PLUG_HOSTDEV_PCI), ==,
                    "hostdev-pci");
    g_assert_null(prov_net_port_plug_type_to_string(PROV_NET_PORT_PLUG_LAST));
    g_assert_cmpint(prov_net_port_direct_mode_from_string("x"), ==, -1);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    network_dir = prov_test_conformance_dir_or_skip("network");

    g_test_add_func("/network/port/xml2xml", test_port_xml2xml);
    g_test_add_func("/network/port/fields", test_port_fields);
    g_test_add_func("/network/port/invalid", test_port_invalid);
    g_test_add_func("/network/port/enums", test_port_enums);
    return g_test_run();
}
