/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* provctl-net.c: the network commands (virsh's net-* and net-port-* commands). */
#include "config.h"

#include <string.h>

#include "network/leases.h"
#include "network/network_driver.h"
#include "tools/provctl-util.h"

/* virsh's two-line error: the context, then the driver's message. */
static void
net_error(const GError *err, const char *fmt, const char *name)
{
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    prov_ctl_error(fmt, name);
#pragma GCC diagnostic pop
    prov_ctl_error_detail(err);
}

static ProvNetworkDriver *
net_driver(ProvCtl *ctl)
{
    return prov_ctl_network_driver(ctl);
}

/* ---- define / create / start / destroy / undefine / autostart ---------------------- */

typedef bool (*NetCreateFunc)(ProvNetworkDriver *drv, const char *xml, unsigned int flags,
                              char **ret_name, GError **error);

static ProvCtlExit
net_from_file(ProvCtl *ctl, const ProvCtlCmd *cmd, NetCreateFunc func, const char *done)
{
    const char *file = prov_ctl_opt_string(cmd, "file");
    g_autofree char *xml = prov_ctl_read_file(file);
    g_autofree char *name = NULL;
    g_autoptr(GError) err = NULL;
    ProvNetworkDriver *drv;

    if (!xml || !(drv = net_driver(ctl)))
        return PROV_CTL_EXIT_FAILED;
    if (!func(drv, xml, 0, &name, &err)) {
        net_error(err, func == prov_network_define ? "Failed to define network from %s"
                                                   : "Failed to create network from %s",
                  file);
        return PROV_CTL_EXIT_FAILED;
    }
    prov_ctl_print_extra(ctl, "Network %s %s from %s\n", name, done, file);
    return PROV_CTL_EXIT_OK;
}

static ProvCtlExit
cmd_net_define(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    return net_from_file(ctl, cmd, prov_network_define, "defined");
}

static ProvCtlExit
cmd_net_create(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    return net_from_file(ctl, cmd, prov_network_create, "created");
}

/* The driver's one-network actions, in one shape so one runner serves them all. */
typedef struct {
    bool (*func)(ProvNetworkDriver *drv, const char *name, GError **error);
    const char *failed;      /* "Failed to start network %s" */
    const char *done;        /* "Network %s started" */
} NetAction;

static const NetAction net_start_action = {
    prov_network_start, "Failed to start network %s", "Network %s started\n"
};
static const NetAction net_destroy_action = {
    prov_network_destroy, "Failed to destroy network %s", "Network %s destroyed\n"
};
static const NetAction net_undefine_action = {
    prov_network_undefine, "Failed to undefine network %s", "Network %s has been undefined\n"
};

static ProvCtlExit
net_run_action(ProvCtl *ctl, const ProvCtlCmd *cmd, const NetAction *action)
{
    const char *name = prov_ctl_opt_string(cmd, "network");
    g_autoptr(GError) err = NULL;
    ProvNetworkDriver *drv;

    if (!(drv = net_driver(ctl)))
        return PROV_CTL_EXIT_FAILED;
    if (!action->func(drv, name, &err)) {
        net_error(err, action->failed, name);
        return PROV_CTL_EXIT_FAILED;
    }
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    prov_ctl_print_extra(ctl, action->done, name);
#pragma GCC diagnostic pop
    return PROV_CTL_EXIT_OK;
}

static ProvCtlExit
cmd_net_start(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    return net_run_action(ctl, cmd, &net_start_action);
}

static ProvCtlExit
cmd_net_destroy(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    return net_run_action(ctl, cmd, &net_destroy_action);
}

static ProvCtlExit
cmd_net_undefine(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    return net_run_action(ctl, cmd, &net_undefine_action);
}

static ProvCtlExit
cmd_net_autostart(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    const char *name = prov_ctl_opt_string(cmd, "network");
    bool autostart = !prov_ctl_opt_bool(cmd, "disable");
    g_autoptr(GError) err = NULL;
    ProvNetworkDriver *drv;

    if (!(drv = net_driver(ctl)))
        return PROV_CTL_EXIT_FAILED;
    if (!prov_network_set_autostart(drv, name, autostart, &err)) {
        net_error(err, autostart ? "failed to mark network %s as autostarted"
                                 : "failed to unmark network %s as autostarted", name);
        return PROV_CTL_EXIT_FAILED;
    }
    prov_ctl_print_extra(ctl, autostart ? "Network %s marked as autostarted\n"
                                        : "Network %s unmarked as autostarted\n", name);
    return PROV_CTL_EXIT_OK;
}

/* ---- queries --------------------------------------------------------------------- */

static void
net_info_to_json(JsonBuilder *b, const ProvNetworkInfo *info)
{
    json_builder_begin_object(b);
    prov_ctl_json_add_string(b, "name", info->name);
    prov_ctl_json_add_string(b, "uuid", info->uuid);
    json_builder_set_member_name(b, "active");
    json_builder_add_boolean_value(b, info->active);
    json_builder_set_member_name(b, "persistent");
    json_builder_add_boolean_value(b, info->persistent);
    json_builder_set_member_name(b, "autostart");
    json_builder_add_boolean_value(b, info->autostart);
    prov_ctl_json_add_string(b, "bridge", info->bridge);
    prov_ctl_json_add_string(b, "forward", info->mode == PROV_NET_FORWARD_NONE
                                               ? "none"
                                               : prov_net_forward_mode_to_string(info->mode));
    json_builder_end_object(b);
}

static const char *
yes_no(bool v)
{
    return v ? "yes" : "no";
}

static ProvCtlExit
cmd_net_list(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    static const struct {
        const char *opt;
        unsigned int flag;
    } filters[] = {
        { "autostart", PROV_LIST_NETWORKS_AUTOSTART },
        { "no-autostart", PROV_LIST_NETWORKS_NO_AUTOSTART },
        { "persistent", PROV_LIST_NETWORKS_PERSISTENT },
        { "transient", PROV_LIST_NETWORKS_TRANSIENT },
    };
    bool want_uuid = prov_ctl_opt_bool(cmd, "uuid");
    bool want_name = prov_ctl_opt_bool(cmd, "name");
    unsigned int flags = PROV_LIST_NETWORKS_ACTIVE;
    g_autoptr(GPtrArray) nets = NULL;
    g_autoptr(GError) err = NULL;
    ProvNetworkDriver *drv;
    ProvCtlExit rc;
    guint i;

    if ((rc = prov_ctl_exclusive(cmd, "all", "inactive")) != PROV_CTL_EXIT_OK)
        return rc;
    /* Active networks unless told otherwise, as virsh. */
    if (prov_ctl_opt_bool(cmd, "inactive"))
        flags = PROV_LIST_NETWORKS_INACTIVE;
    if (prov_ctl_opt_bool(cmd, "all"))
        flags = PROV_LIST_NETWORKS_ACTIVE | PROV_LIST_NETWORKS_INACTIVE;
    for (i = 0; i < G_N_ELEMENTS(filters); i++) {
        if (prov_ctl_opt_bool(cmd, filters[i].opt))
            flags |= filters[i].flag;
    }
    if (!(drv = net_driver(ctl)))
        return PROV_CTL_EXIT_FAILED;
    if (!(nets = prov_network_list(drv, flags, &err))) {
        prov_ctl_error("Failed to list networks");
        prov_ctl_error_detail(err);
        return PROV_CTL_EXIT_FAILED;
    }
    if (ctl->json) {
        g_autoptr(JsonBuilder) b = json_builder_new();

        json_builder_begin_array(b);
        for (i = 0; i < nets->len; i++)
            net_info_to_json(b, g_ptr_array_index(nets, i));
        json_builder_end_array(b);
        prov_ctl_json_print(b);
        return PROV_CTL_EXIT_OK;
    }
    if (want_uuid || want_name) {
        for (i = 0; i < nets->len; i++) {
            const ProvNetworkInfo *info = g_ptr_array_index(nets, i);

            if (want_uuid && want_name)
                prov_ctl_print(ctl, "%s  %s\n", info->uuid, info->name);
            else
                prov_ctl_print(ctl, "%s\n", want_uuid ? info->uuid : info->name);
        }
        return PROV_CTL_EXIT_OK;
    }
    {
        g_autoptr(ProvCtlTable) table = prov_ctl_table_new("Name", "State", "Autostart",
                                                           "Persistent", NULL);

        for (i = 0; i < nets->len; i++) {
            const ProvNetworkInfo *info = g_ptr_array_index(nets, i);

            prov_ctl_table_add_row(table, info->name, info->active ? "active" : "inactive",
                                   yes_no(info->autostart), yes_no(info->persistent), NULL);
        }
        prov_ctl_table_print(ctl, table);
    }
    return PROV_CTL_EXIT_OK;
}

static ProvNetworkInfo *
net_get_info(ProvCtl *ctl, const char *name)
{
    g_autoptr(GError) err = NULL;
    ProvNetworkDriver *drv = net_driver(ctl);
    ProvNetworkInfo *info;

    if (!drv)
        return NULL;
    if (!(info = prov_network_get_info(drv, name, &err)))
        net_error(err, "failed to get network '%s'", name);
    return info;
}

static ProvCtlExit
cmd_net_info(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    g_autoptr(ProvNetworkInfo) info = net_get_info(ctl, prov_ctl_opt_string(cmd, "network"));

    if (!info)
        return PROV_CTL_EXIT_FAILED;
    if (ctl->json) {
        g_autoptr(JsonBuilder) b = json_builder_new();

        net_info_to_json(b, info);
        prov_ctl_json_print(b);
        return PROV_CTL_EXIT_OK;
    }
    prov_ctl_print(ctl, "%-15s %s\n", "Name:", info->name);
    prov_ctl_print(ctl, "%-15s %s\n", "UUID:", info->uuid);
    prov_ctl_print(ctl, "%-15s %s\n", "Active:", yes_no(info->active));
    prov_ctl_print(ctl, "%-15s %s\n", "Persistent:", yes_no(info->persistent));
    prov_ctl_print(ctl, "%-15s %s\n", "Autostart:", yes_no(info->autostart));
    prov_ctl_print(ctl, "%-15s %s\n", "Bridge:", info->bridge ? info->bridge : "");
    return PROV_CTL_EXIT_OK;
}

static ProvCtlExit
cmd_net_uuid(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    g_autoptr(ProvNetworkInfo) info = net_get_info(ctl, prov_ctl_opt_string(cmd, "network"));

    if (!info)
        return PROV_CTL_EXIT_FAILED;
    prov_ctl_print(ctl, "%s\n", info->uuid);
    return PROV_CTL_EXIT_OK;
}

static ProvCtlExit
cmd_net_name(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    g_autoptr(ProvNetworkInfo) info = net_get_info(ctl, prov_ctl_opt_string(cmd, "network"));

    if (!info)
        return PROV_CTL_EXIT_FAILED;
    prov_ctl_print(ctl, "%s\n", info->name);
    return PROV_CTL_EXIT_OK;
}

static ProvCtlExit
cmd_net_dumpxml(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    const char *name = prov_ctl_opt_string(cmd, "network");
    unsigned int flags = prov_ctl_opt_bool(cmd, "inactive") ? PROV_NETWORK_XML_INACTIVE : 0;
    g_autoptr(GError) err = NULL;
    g_autofree char *xml = NULL;
    ProvNetworkDriver *drv;

    if (!(drv = net_driver(ctl)))
        return PROV_CTL_EXIT_FAILED;
    if (!(xml = prov_network_get_xml(drv, name, flags, &err))) {
        net_error(err, "failed to get network '%s'", name);
        return PROV_CTL_EXIT_FAILED;
    }
    prov_ctl_print_document(ctl, xml);
    return PROV_CTL_EXIT_OK;
}

/* "2026-11-22 07:00:00" in local time, as virsh prints expiry times; 0 = never. */
static char *
lease_expiry_text(gint64 expiry)
{
    g_autoptr(GDateTime) dt = NULL;

    if (expiry == 0)
        return g_strdup("never");
    if (!(dt = g_date_time_new_from_unix_local(expiry)))
        return g_strdup("?");
    return g_date_time_format(dt, "%Y-%m-%d %H:%M:%S");
}

static ProvCtlExit
cmd_net_dhcp_leases(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    const char *name = prov_ctl_opt_string(cmd, "network");
    const char *mac = prov_ctl_opt_string(cmd, "mac");
    g_autoptr(ProvCtlTable) table = NULL;
    g_autoptr(GPtrArray) leases = NULL;
    g_autoptr(GError) err = NULL;
    ProvNetworkDriver *drv;
    guint i;

    if (!(drv = net_driver(ctl)))
        return PROV_CTL_EXIT_FAILED;
    if (!(leases = prov_network_get_dhcp_leases(drv, name, mac, &err))) {
        net_error(err, "Failed to get leases info for %s", name);
        return PROV_CTL_EXIT_FAILED;
    }
    if (ctl->json) {
        g_autoptr(JsonBuilder) b = json_builder_new();

        json_builder_begin_array(b);
        for (i = 0; i < leases->len; i++) {
            const ProvLease *l = g_ptr_array_index(leases, i);

            json_builder_begin_object(b);
            json_builder_set_member_name(b, "expiry-time");
            json_builder_add_int_value(b, l->expiry);
            prov_ctl_json_add_string(b, "mac", l->mac);
            prov_ctl_json_add_string(b, "protocol", prov_lease_family_to_string(l->family));
            prov_ctl_json_add_string(b, "ip", l->ip);
            json_builder_set_member_name(b, "prefix");
            json_builder_add_int_value(b, l->prefix);
            prov_ctl_json_add_string(b, "hostname", l->hostname);
            prov_ctl_json_add_string(b, "client-id", l->client_id);
            json_builder_end_object(b);
        }
        json_builder_end_array(b);
        prov_ctl_json_print(b);
        return PROV_CTL_EXIT_OK;
    }
    table = prov_ctl_table_new("Expiry Time", "MAC address", "Protocol", "IP address",
                               "Hostname", "Client ID or DUID", NULL);
    for (i = 0; i < leases->len; i++) {
        const ProvLease *l = g_ptr_array_index(leases, i);
        g_autofree char *expiry = lease_expiry_text(l->expiry);
        g_autofree char *ip = l->prefix >= 0 ? g_strdup_printf("%s/%d", l->ip, l->prefix)
                                             : g_strdup(l->ip);

        prov_ctl_table_add_row(table, expiry, l->mac ? l->mac : "-",
                               prov_lease_family_to_string(l->family), ip,
                               l->hostname ? l->hostname : "-",
                               l->client_id ? l->client_id : "-", NULL);
    }
    prov_ctl_table_print(ctl, table);
    return PROV_CTL_EXIT_OK;
}

/* ---- net-update ------------------------------------------------------------------ */

static ProvCtlExit
cmd_net_update(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    const char *name = prov_ctl_opt_string(cmd, "network");
    const char *command = prov_ctl_opt_string(cmd, "command");
    const char *section = prov_ctl_opt_string(cmd, "section");
    const char *xmlarg = prov_ctl_opt_string(cmd, "xml");
    const char *index = prov_ctl_opt_string(cmd, "parent-index");
    bool live = prov_ctl_opt_bool(cmd, "live");
    bool config = prov_ctl_opt_bool(cmd, "config");
    g_autofree char *xml = NULL;
    g_autoptr(GError) err = NULL;
    ProvNetworkDriver *drv;
    unsigned int flags = 0;
    gint64 parent = -1;
    int cmdval;
    int secval;
    ProvCtlExit rc;

    if ((rc = prov_ctl_exclusive(cmd, "current", "live")) != PROV_CTL_EXIT_OK ||
        (rc = prov_ctl_exclusive(cmd, "current", "config")) != PROV_CTL_EXIT_OK)
        return rc;
    if ((cmdval = prov_net_update_command_from_string(command)) <= 0) {
        prov_ctl_error("command '%s' doesn't match any known net-update command "
                       "(add, add-first, add-last, delete, modify)", command);
        return PROV_CTL_EXIT_USAGE;
    }
    if ((secval = prov_net_update_section_from_string(section)) <= 0) {
        prov_ctl_error("section '%s' doesn't match any known net-update section", section);
        return PROV_CTL_EXIT_USAGE;
    }
    if (index && !g_ascii_string_to_signed(index, 10, 0, G_MAXINT, &parent, NULL)) {
        prov_ctl_error("parent-index '%s' is not a number", index);
        return PROV_CTL_EXIT_USAGE;
    }
    /* As virsh: the argument is the XML itself when it starts with '<', else a file. */
    if (xmlarg[0] == '<')
        xml = g_strdup(xmlarg);
    else if (!(xml = prov_ctl_read_file(xmlarg)))
        return PROV_CTL_EXIT_FAILED;
    if (live)
        flags |= PROV_NETWORK_UPDATE_AFFECT_LIVE;
    if (config)
        flags |= PROV_NETWORK_UPDATE_AFFECT_CONFIG;
    if (!(drv = net_driver(ctl)))
        return PROV_CTL_EXIT_FAILED;
    if (!prov_network_update(drv, name, (unsigned int)cmdval, (unsigned int)secval,
                             (int)parent, xml, flags, &err)) {
        net_error(err, "Failed to update network %s", name);
        return PROV_CTL_EXIT_FAILED;
    }
    if (live && config)
        prov_ctl_print_extra(ctl, "Updated network %s persistent config and live state\n",
                             name);
    else if (live)
        prov_ctl_print_extra(ctl, "Updated network %s live state\n", name);
    else if (config)
        prov_ctl_print_extra(ctl, "Updated network %s persistent config\n", name);
    else
        prov_ctl_print_extra(ctl, "Updated network %s\n", name);
    return PROV_CTL_EXIT_OK;
}

/* ---- network ports ---------------------------------------------------------------- */

static ProvCtlExit
cmd_net_port_create(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    const char *name = prov_ctl_opt_string(cmd, "network");
    const char *file = prov_ctl_opt_string(cmd, "file");
    g_autofree char *xml = prov_ctl_read_file(file);
    g_autofree char *uuid = NULL;
    g_autoptr(GError) err = NULL;
    ProvNetworkDriver *drv;

    if (!xml || !(drv = net_driver(ctl)))
        return PROV_CTL_EXIT_FAILED;
    if (!prov_network_port_create(drv, name, xml, 0, &uuid, &err)) {
        net_error(err, "Failed to create network port from %s", file);
        return PROV_CTL_EXIT_FAILED;
    }
    prov_ctl_print_extra(ctl, "Network port %s created from %s\n", uuid, file);
    return PROV_CTL_EXIT_OK;
}

static ProvCtlExit
cmd_net_port_delete(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    const char *name = prov_ctl_opt_string(cmd, "network");
    const char *port = prov_ctl_opt_string(cmd, "port");
    g_autoptr(GError) err = NULL;
    ProvNetworkDriver *drv;

    if (!(drv = net_driver(ctl)))
        return PROV_CTL_EXIT_FAILED;
    if (!prov_network_port_delete(drv, name, port, &err)) {
        net_error(err, "Failed to delete network port %s", port);
        return PROV_CTL_EXIT_FAILED;
    }
    prov_ctl_print_extra(ctl, "Network port %s deleted\n", port);
    return PROV_CTL_EXIT_OK;
}

static ProvCtlExit
cmd_net_port_list(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    const char *name = prov_ctl_opt_string(cmd, "network");
    g_autoptr(GPtrArray) ports = NULL;
    g_autoptr(GError) err = NULL;
    ProvNetworkDriver *drv;
    guint i;

    if (!(drv = net_driver(ctl)))
        return PROV_CTL_EXIT_FAILED;
    if (!(ports = prov_network_port_list(drv, name, &err))) {
        net_error(err, "Failed to list network ports of %s", name);
        return PROV_CTL_EXIT_FAILED;
    }
    if (ctl->json) {
        g_autoptr(JsonBuilder) b = json_builder_new();

        json_builder_begin_array(b);
        for (i = 0; i < ports->len; i++)
            json_builder_add_string_value(b, g_ptr_array_index(ports, i));
        json_builder_end_array(b);
        prov_ctl_json_print(b);
        return PROV_CTL_EXIT_OK;
    }
    {
        g_autoptr(ProvCtlTable) table = prov_ctl_table_new("UUID", NULL);

        for (i = 0; i < ports->len; i++)
            prov_ctl_table_add_row(table, g_ptr_array_index(ports, i), NULL);
        prov_ctl_table_print(ctl, table);
    }
    return PROV_CTL_EXIT_OK;
}

static ProvCtlExit
cmd_net_port_dumpxml(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    const char *name = prov_ctl_opt_string(cmd, "network");
    const char *port = prov_ctl_opt_string(cmd, "port");
    g_autoptr(GError) err = NULL;
    g_autofree char *xml = NULL;
    ProvNetworkDriver *drv;

    if (!(drv = net_driver(ctl)))
        return PROV_CTL_EXIT_FAILED;
    if (!(xml = prov_network_port_get_xml(drv, name, port, &err))) {
        net_error(err, "failed to get network port '%s'", port);
        return PROV_CTL_EXIT_FAILED;
    }
    prov_ctl_print_document(ctl, xml);
    return PROV_CTL_EXIT_OK;
}

/* ---- the table --------------------------------------------------------------------- */

#define OPT_NETWORK \
    {.name = "network", .type = PROV_CTL_OPT_STRING, .flags = PROV_CTL_OPT_REQUIRED, \
     .help = "network name or uuid"}

static const ProvCtlOptDef opts_net_file[] = {
    {.name = "file", .type = PROV_CTL_OPT_STRING, .flags = PROV_CTL_OPT_REQUIRED,
     .help = "file containing an XML network description"},
    {.name = NULL}
};

static const ProvCtlOptDef opts_net[] = {
    OPT_NETWORK,
    {.name = NULL}
};

static const ProvCtlOptDef opts_net_autostart[] = {
    OPT_NETWORK,
    {.name = "disable", .type = PROV_CTL_OPT_BOOL, .help = "disable autostarting"},
    {.name = NULL}
};

static const ProvCtlOptDef opts_net_list[] = {
    {.name = "inactive", .type = PROV_CTL_OPT_BOOL, .help = "list inactive networks"},
    {.name = "all", .type = PROV_CTL_OPT_BOOL, .help = "list inactive & active networks"},
    {.name = "persistent", .type = PROV_CTL_OPT_BOOL, .help = "list persistent networks"},
    {.name = "transient", .type = PROV_CTL_OPT_BOOL, .help = "list transient networks"},
    {.name = "autostart", .type = PROV_CTL_OPT_BOOL,
     .help = "list networks with autostart enabled"},
    {.name = "no-autostart", .type = PROV_CTL_OPT_BOOL,
     .help = "list networks with autostart disabled"},
    {.name = "uuid", .type = PROV_CTL_OPT_BOOL, .help = "list uuid's only"},
    {.name = "name", .type = PROV_CTL_OPT_BOOL, .help = "list network names only"},
    {.name = NULL}
};

static const ProvCtlOptDef opts_net_dumpxml[] = {
    OPT_NETWORK,
    {.name = "inactive", .type = PROV_CTL_OPT_BOOL,
     .help = "show the persistent definition, not the running one"},
    {.name = NULL}
};

static const ProvCtlOptDef opts_net_leases[] = {
    OPT_NETWORK,
    {.name = "mac", .type = PROV_CTL_OPT_STRING, .flags = PROV_CTL_OPT_NAMED,
     .help = "MAC address"},
    {.name = NULL}
};

static const ProvCtlOptDef opts_net_update[] = {
    OPT_NETWORK,
    {.name = "command", .type = PROV_CTL_OPT_STRING, .flags = PROV_CTL_OPT_REQUIRED,
     .help = "type of update (add-first, add-last (add), delete, or modify)"},
    {.name = "section", .type = PROV_CTL_OPT_STRING, .flags = PROV_CTL_OPT_REQUIRED,
     .help = "which section of network configuration to update"},
    {.name = "xml", .type = PROV_CTL_OPT_STRING, .flags = PROV_CTL_OPT_REQUIRED,
     .help = "name of file containing xml (or, if it starts with '<', the complete text "
             "of the xml element) to add/modify, or to be matched for search"},
    {.name = "parent-index", .type = PROV_CTL_OPT_STRING, .flags = PROV_CTL_OPT_NAMED,
     .help = "which parent object to search through"},
    {.name = "config", .type = PROV_CTL_OPT_BOOL, .help = "affect next network startup"},
    {.name = "live", .type = PROV_CTL_OPT_BOOL, .help = "affect running network"},
    {.name = "current", .type = PROV_CTL_OPT_BOOL, .help = "affect current state of network"},
    {.name = NULL}
};

static const ProvCtlOptDef opts_net_port_create[] = {
    OPT_NETWORK,
    {.name = "file", .type = PROV_CTL_OPT_STRING, .flags = PROV_CTL_OPT_REQUIRED,
     .help = "file containing an XML network port description"},
    {.name = NULL}
};

static const ProvCtlOptDef opts_net_port[] = {
    OPT_NETWORK,
    {.name = "port", .type = PROV_CTL_OPT_STRING, .flags = PROV_CTL_OPT_REQUIRED,
     .help = "port UUID"},
    {.name = NULL}
};

const ProvCtlCmdDef prov_ctl_net_cmds[] = {
    {.name = "net-autostart", .handler = cmd_net_autostart, .opts = opts_net_autostart,
     .help = "autostart a network",
     .desc = "Mark (or with --disable unmark) a persistent network to be started at boot "
             "by provctl autostart."},
    {.name = "net-create", .handler = cmd_net_create, .opts = opts_net_file,
     .help = "create a network from an XML file",
     .desc = "Create and start a transient network; it is forgotten when destroyed."},
    {.name = "net-define", .handler = cmd_net_define, .opts = opts_net_file,
     .help = "define an inactive persistent virtual network or modify an existing "
             "persistent one from an XML file",
     .desc = "Define (or redefine) a persistent network without starting it."},
    {.name = "net-destroy", .handler = cmd_net_destroy, .opts = opts_net,
     .help = "destroy (stop) a network",
     .desc = "Stop a network: its dnsmasq and radvd, firewall rules, addresses, routes and "
             "bridge are removed."},
    {.name = "net-dhcp-leases", .handler = cmd_net_dhcp_leases, .opts = opts_net_leases,
     .help = "print lease info for a given network",
     .desc = "The current DHCPv4 and DHCPv6 leases of an active network.",
     .flags = PROV_CTL_CMD_JSON},
    {.name = "net-dumpxml", .handler = cmd_net_dumpxml, .opts = opts_net_dumpxml,
     .help = "network information in XML",
     .desc = "Print the network's XML: the running definition of an active network, or "
             "with --inactive the persistent one."},
    {.name = "net-info", .handler = cmd_net_info, .opts = opts_net,
     .help = "network information", .desc = "Basic information about a network.",
     .flags = PROV_CTL_CMD_JSON},
    {.name = "net-list", .handler = cmd_net_list, .opts = opts_net_list,
     .help = "list networks", .desc = "List the active (or all) networks.",
     .flags = PROV_CTL_CMD_JSON},
    {.name = "net-name", .handler = cmd_net_name, .opts = opts_net,
     .help = "convert a network UUID to network name", .desc = "Print the network's name."},
    {.name = "net-port-create", .handler = cmd_net_port_create, .opts = opts_net_port_create,
     .help = "create a network port from an XML file",
     .desc = "Create a port on an active network (what a hypervisor does to plug a guest "
             "NIC in)."},
    {.name = "net-port-delete", .handler = cmd_net_port_delete, .opts = opts_net_port,
     .help = "delete the specified network port", .desc = "Delete a network port."},
    {.name = "net-port-dumpxml", .handler = cmd_net_port_dumpxml, .opts = opts_net_port,
     .help = "network port information in XML", .desc = "Print a network port's XML."},
    {.name = "net-port-list", .handler = cmd_net_port_list, .opts = opts_net,
     .help = "list network ports", .desc = "List the ports of an active network.",
     .flags = PROV_CTL_CMD_JSON},
    {.name = "net-start", .handler = cmd_net_start, .opts = opts_net,
     .help = "start a (previously defined) inactive network",
     .desc = "Start a persistent network: bridge, addresses, routes, firewall, dnsmasq "
             "and radvd, in that order, undone step by step when one fails."},
    {.name = "net-undefine", .handler = cmd_net_undefine, .opts = opts_net,
     .help = "undefine a persistent network",
     .desc = "Remove a network's persistent definition; an active network goes on as a "
             "transient one until destroyed."},
    {.name = "net-update", .handler = cmd_net_update, .opts = opts_net_update,
     .help = "update parts of an existing network's configuration",
     .desc = "Add, delete or modify one element (ip-dhcp-host, ip-dhcp-range, dns-host, "
             "dns-txt, dns-srv, portgroup, forward-interface) of a network, live, in the "
             "config, or both."},
    {.name = "net-uuid", .handler = cmd_net_uuid, .opts = opts_net,
     .help = "convert a network name to network UUID", .desc = "Print the network's UUID."},
    {.name = NULL}
};
