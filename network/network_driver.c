/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* network_driver.c: the network driver: network objects, lifecycle, persistence, ports. */
#define G_LOG_DOMAIN "provd-network"

#include "config.h"
#include "network/network_driver.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "network/network_live.h"
#include "network/network_port_conf.h"
#include "util/error.h"
#include "util/fileutil.h"
#include "util/netlink.h"
#include "util/statedir.h"

/*
 * Concurrency as in the storage driver: every API call takes the driver lock
 * (R/run/provd/network/locks/driver.lock), re-reads configs and status files under
 * it, acts, and persists before returning.  Network start/stop are short (well under
 * a second with dnsmasq), so they run under the driver lock too: two processes can
 * never pick the same bridge name or start one network twice.
 */

typedef struct {
    ProvNetworkDef *config;      /* persistent definition, NULL for transient networks */
    ProvNetworkStatus *status;   /* non-NULL while active */
    bool autostart;
} ProvNetworkObj;

struct _ProvNetworkDriver {
    GRecMutex lock;
    ProvStateDirs dirs;
    char *leases_helper;
    ProvNetFirewallBackendChoice firewall_backend;
    GPtrArray *networks;         /* of ProvNetworkObj*, sorted by name */
};

/* The bridge name template for networks that give none (libvirt's). */
#define NETWORK_BRIDGE_TEMPLATE "virbr%d"
#define NETWORK_BRIDGE_MAX_ID 256

static void
network_obj_free(ProvNetworkObj *obj)
{
    if (!obj)
        return;
    prov_network_def_free(obj->config);
    prov_network_status_free(obj->status);
    g_free(obj);
}

void
prov_network_info_free(ProvNetworkInfo *info)
{
    if (!info)
        return;
    g_free(info->name);
    g_free(info->bridge);
    g_free(info);
}

static const ProvNetworkDef *
obj_def(const ProvNetworkObj *obj)
{
    return obj->status ? obj->status->def : obj->config;
}

static const char *
obj_name(const ProvNetworkObj *obj)
{
    return obj_def(obj)->name;
}

static void
live_context(const ProvNetworkDriver *drv, ProvNetworkLiveContext *ctx)
{
    ctx->data_dir = drv->dirs.data_dir;
    ctx->leases_helper = drv->leases_helper;
    ctx->firewall_backend = drv->firewall_backend;
}

/* ---- loading ------------------------------------------------------------------------ */

static ProvNetworkObj *
find_network(ProvNetworkDriver *drv, const char *name_or_uuid)
{
    guint8 uuid[16];
    bool by_uuid = prov_net_uuid_parse(name_or_uuid, uuid);
    guint i;

    for (i = 0; i < drv->networks->len; i++) {
        ProvNetworkObj *obj = g_ptr_array_index(drv->networks, i);
        if (g_str_equal(obj_name(obj), name_or_uuid))
            return obj;
    }
    for (i = 0; by_uuid && i < drv->networks->len; i++) {
        ProvNetworkObj *obj = g_ptr_array_index(drv->networks, i);
        if (memcmp(obj_def(obj)->uuid, uuid, 16) == 0)
            return obj;
    }
    return NULL;
}

static ProvNetworkObj *
get_network(ProvNetworkDriver *drv, const char *name, GError **error)
{
    ProvNetworkObj *obj = find_network(drv, name);

    if (!obj)
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_NO_NETWORK, "network '%s' not found",
                    name);
    return obj;
}

static ProvNetworkObj *
get_active_network(ProvNetworkDriver *drv, const char *name, GError **error)
{
    ProvNetworkObj *obj = get_network(drv, name, error);

    if (obj && !obj->status) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_INVALID,
                    "network '%s' is not active", obj_name(obj));
        return NULL;
    }
    return obj;
}

static void
load_configs(ProvNetworkDriver *drv)
{
    g_autoptr(GPtrArray) names = prov_state_dirs_list_names(drv->dirs.config_dir);
    guint i;

    for (i = 0; i < names->len; i++) {
        const char *name = g_ptr_array_index(names, i);
        g_autofree char *path = prov_state_dirs_config_path(&drv->dirs, name);
        g_autoptr(GError) local = NULL;
        g_autoptr(ProvNetworkDef) def = prov_network_def_parse_file(path, 0, &local);
        ProvNetworkObj *obj;

        if (!def) {
            g_warning("network config '%s' is invalid: %s, ignoring", path, local->message);
            continue;
        }
        if (!g_str_equal(def->name, name)) {
            g_warning("network config '%s' defines network '%s', ignoring", path, def->name);
            continue;
        }
        obj = g_new0(ProvNetworkObj, 1);
        obj->config = g_steal_pointer(&def);
        obj->autostart = prov_state_dirs_get_autostart(&drv->dirs, name);
        g_ptr_array_add(drv->networks, obj);
    }
}

static void
load_status(ProvNetworkDriver *drv)
{
    g_autoptr(GPtrArray) names = prov_state_dirs_list_names(drv->dirs.state_dir);
    guint i;

    for (i = 0; i < names->len; i++) {
        const char *name = g_ptr_array_index(names, i);
        g_autofree char *path = prov_state_dirs_status_path(&drv->dirs, name);
        g_autoptr(GError) local = NULL;
        g_autoptr(ProvNetworkStatus) st = prov_network_status_parse_file(path, &local);
        ProvNetworkObj *obj;

        if (!st || !g_str_equal(st->def->name, name)) {
            g_warning("network status '%s' is unreadable%s%s, ignoring", path,
                      local ? ": " : "", local ? local->message : "");
            continue;
        }
        if (!(obj = find_network(drv, name))) {
            obj = g_new0(ProvNetworkObj, 1);
            g_ptr_array_add(drv->networks, obj);
        }
        obj->status = g_steal_pointer(&st);
    }
}

static int
network_obj_compare(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(obj_name(*(ProvNetworkObj *const *)a),
                     obj_name(*(ProvNetworkObj *const *)b));
}

static char *
ports_dir(ProvNetworkDriver *drv, const char *name)
{
    return g_build_filename(drv->dirs.state_dir, name, "ports", NULL);
}

static void
remove_ports(ProvNetworkDriver *drv, const char *name)
{
    g_autofree char *dir = ports_dir(drv, name);
    g_autofree char *parent = g_path_get_dirname(dir);
    g_autoptr(GPtrArray) uuids = prov_state_dirs_list_names(dir);
    guint i;

    for (i = 0; i < uuids->len; i++) {
        g_autofree char *path = g_strdup_printf("%s/%s.xml", dir,
                                                (char *)g_ptr_array_index(uuids, i));
        (void)unlink(path);
    }
    (void)rmdir(dir);
    (void)rmdir(parent);
}

/* The network is no longer active: forget its status and ports, drop it if transient. */
static void
mark_inactive(ProvNetworkDriver *drv, ProvNetworkObj *obj)
{
    g_autofree char *name = g_strdup(obj_name(obj));
    g_autofree char *path = prov_state_dirs_status_path(&drv->dirs, name);
    g_autoptr(GError) local = NULL;

    if (!prov_file_unlink_durable(path, &local))
        g_warning("%s, ignoring", local->message);
    remove_ports(drv, name);
    g_clear_pointer(&obj->status, prov_network_status_free);
    if (!obj->config)
        g_ptr_array_remove(drv->networks, obj);
}

/*
 * A network whose bridge vanished behind our back (`ip link del virbr0`) is cleaned up
 * as a destroy would (dnsmasq and radvd stopped, firewall rules removed) and becomes
 * inactive, as libvirt does when it finds such a network at start-up.
 */
static void
recheck_active(ProvNetworkDriver *drv)
{
    ProvNetworkLiveContext ctx;
    guint i = 0;

    live_context(drv, &ctx);
    while (i < drv->networks->len) {
        ProvNetworkObj *obj = g_ptr_array_index(drv->networks, i);
        g_autoptr(GError) local = NULL;
        guint len = drv->networks->len;

        i++;
        if (!obj->status || prov_network_live_is_alive(obj->status))
            continue;
        g_debug("network '%s': bridge '%s' is gone, cleaning up", obj_name(obj),
                obj->status->def->bridge);
        if (!prov_network_live_stop(&ctx, obj->status, &local))
            g_warning("network '%s': %s, ignoring", obj_name(obj), local->message);
        mark_inactive(drv, obj);
        if (drv->networks->len < len)
            i--;
    }
}

static void
reload(ProvNetworkDriver *drv)
{
    g_ptr_array_set_size(drv->networks, 0);
    load_configs(drv);
    load_status(drv);
    g_ptr_array_sort(drv->networks, network_obj_compare);
    recheck_active(drv);
}

/* Serialises threads and takes the driver lock; state is fresh from disk afterwards. */
typedef struct {
    ProvNetworkDriver *drv;
    ProvFileLock *lock;
} NetGuard;

static bool
guard_enter(NetGuard *guard, ProvNetworkDriver *drv, GError **error)
{
    g_rec_mutex_lock(&drv->lock);
    if (!(guard->lock = prov_state_dirs_lock_driver(&drv->dirs, error))) {
        g_rec_mutex_unlock(&drv->lock);
        return false;
    }
    guard->drv = drv;
    reload(drv);
    return true;
}

static void
guard_leave(NetGuard *guard)
{
    if (!guard->drv)
        return;
    g_clear_pointer(&guard->lock, prov_file_lock_release);
    g_rec_mutex_unlock(&guard->drv->lock);
    guard->drv = NULL;
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(NetGuard, guard_leave)

#define ENTER(drv, error, failret) \
    g_auto(NetGuard) guard = { 0 }; \
    if (!guard_enter(&guard, (drv), (error))) \
        return failret

#define CHECK_FLAGS(flags, allowed, error, failret) \
    do { \
        if ((flags) & ~(unsigned int)(allowed)) { \
            g_set_error((error), PROV_NETWORK_ERROR, PROV_ERR_INVALID_ARG, \
                        "unsupported flags (0x%x) in function %s", \
                        (flags) & ~(unsigned int)(allowed), G_STRFUNC); \
            return failret; \
        } \
    } while (0)

ProvNetworkDriver *
prov_network_driver_open(const char *root, GError **error)
{
    g_autoptr(ProvNetworkDriver) drv = g_new0(ProvNetworkDriver, 1);
    const char *backend = g_getenv("PROVD_FIREWALL_BACKEND");
    NetGuard guard = { 0 };

    g_rec_mutex_init(&drv->lock);
    drv->networks = g_ptr_array_new_with_free_func((GDestroyNotify)network_obj_free);
    drv->firewall_backend = g_strcmp0(backend, "iptables") == 0 ? PROV_NET_FIREWALL_IPTABLES
                                                                  : PROV_NET_FIREWALL_NFTABLES;
#ifdef PROV_LEASES_HELPER
    drv->leases_helper = g_strdup(PROV_LEASES_HELPER);
#endif
    if (g_getenv("PROVD_LEASES_HELPER")) {
        g_free(drv->leases_helper);
        drv->leases_helper = g_strdup(g_getenv("PROVD_LEASES_HELPER"));
    }
    if (!prov_state_dirs_init(&drv->dirs, root, "network", error))
        return NULL;
    if (!guard_enter(&guard, drv, error))
        return NULL;
    guard_leave(&guard);
    return g_steal_pointer(&drv);
}

void
prov_network_driver_free(ProvNetworkDriver *drv)
{
    if (!drv)
        return;
    if (drv->networks)
        g_ptr_array_unref(drv->networks);
    prov_state_dirs_clear(&drv->dirs);
    g_free(drv->leases_helper);
    g_rec_mutex_clear(&drv->lock);
    g_free(drv);
}

void
prov_network_driver_set_firewall_backend(ProvNetworkDriver *drv,
                                         ProvNetFirewallBackendChoice backend)
{
    drv->firewall_backend = backend;
}

/* ---- definitions ---------------------------------------------------------------- */

static bool
write_config(ProvNetworkDriver *drv, const ProvNetworkDef *def, GError **error)
{
    g_autofree char *path = prov_state_dirs_config_path(&drv->dirs, def->name);
    g_autofree char *xml = prov_network_def_format(def, PROV_NETWORK_FORMAT_INACTIVE);

    return prov_file_write_atomic(path, xml, strlen(xml), 0600, error);
}

static bool
write_status(ProvNetworkDriver *drv, const ProvNetworkStatus *st, GError **error)
{
    g_autofree char *path = prov_state_dirs_status_path(&drv->dirs, st->def->name);
    g_autofree char *xml = prov_network_status_format(st);

    return prov_file_write_atomic(path, xml, strlen(xml), 0600, error);
}

/* A name the filesystem and our status files can carry (libvirt only refuses '\n'). */
static bool
check_name(const char *name, GError **error)
{
    const char *p;

    if (!*name || g_str_equal(name, ".") || g_str_equal(name, "..") || name[0] == '-' ||
        strlen(name) > 255)
        goto bad;
    for (p = name; *p; p++) {
        if (*p == '/' || (guchar)*p < 0x20 || *p == 0x7f)
            goto bad;
    }
    return true;

bad:
    g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_XML_ERROR,
                "network name '%s' is invalid: it must be 1 to 255 bytes without '/' or "
                "control characters, not '.' or '..', and not start with '-'", name);
    return false;
}

/* Whether @bridge (a concrete name, not a template) is another network's. */
static const ProvNetworkObj *
bridge_owner(ProvNetworkDriver *drv, const char *bridge, const ProvNetworkObj *except)
{
    guint i;

    for (i = 0; i < drv->networks->len; i++) {
        const ProvNetworkObj *obj = g_ptr_array_index(drv->networks, i);
        const ProvNetworkDef *defs[2] = { obj->config, obj->status ? obj->status->def : NULL };
        guint j;

        if (obj == except)
            continue;
        for (j = 0; j < 2; j++) {
            if (defs[j] && g_strcmp0(defs[j]->bridge, bridge) == 0)
                return obj;
        }
    }
    return NULL;
}

static bool
bridge_is_template(const char *bridge)
{
    return bridge && strstr(bridge, "%d") != NULL;
}

/*
 * The checks define and create share: a name and uuid that identify one network, and
 * a bridge name no other network claims.  *@ret_obj is the existing object of that
 * name, if any.
 */
static bool
check_new_def(ProvNetworkDriver *drv, const ProvNetworkDef *def, ProvNetworkObj **ret_obj,
              GError **error)
{
    ProvNetworkObj *same = find_network(drv, def->name);
    const ProvNetworkObj *other;
    char uuidstr[37];
    guint i;

    if (!check_name(def->name, error))
        return false;
    for (i = 0; i < drv->networks->len; i++) {
        const ProvNetworkObj *obj = g_ptr_array_index(drv->networks, i);

        if (obj == same || memcmp(obj_def(obj)->uuid, def->uuid, 16) != 0)
            continue;
        prov_net_uuid_format(def->uuid, uuidstr);
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_NETWORK_EXIST,
                    "network '%s' already exists with uuid %s", obj_name(obj), uuidstr);
        return false;
    }
    if (same && memcmp(obj_def(same)->uuid, def->uuid, 16) != 0) {
        prov_net_uuid_format(obj_def(same)->uuid, uuidstr);
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_NETWORK_EXIST,
                    "network '%s' already exists with uuid %s", def->name, uuidstr);
        return false;
    }
    if (def->bridge && !bridge_is_template(def->bridge) &&
        (other = bridge_owner(drv, def->bridge, same))) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_FAILED,
                    "network '%s': bridge name '%s' already in use by network '%s'",
                    def->name, def->bridge, obj_name(other));
        return false;
    }
    *ret_obj = same;
    return true;
}

static ProvNetworkDef *
parse_new_def(const char *xml, unsigned int flags, GError **error)
{
    g_autoptr(ProvNetworkDef) def = prov_network_def_parse_string(xml, 0, error);

    if (!def || !prov_network_def_validate(def, error))
        return NULL;
    return g_steal_pointer(&def);
}

bool
prov_network_define(ProvNetworkDriver *drv, const char *xml, unsigned int flags,
                    char **ret_name, GError **error)
{
    g_autoptr(ProvNetworkDef) def = NULL;
    ProvNetworkObj *obj = NULL;

    CHECK_FLAGS(flags, 0, error, false);
    ENTER(drv, error, false);
    if (!(def = parse_new_def(xml, flags, error)) || !check_new_def(drv, def, &obj, error) ||
        !write_config(drv, def, error))
        return false;
    if (ret_name)
        *ret_name = g_strdup(def->name);
    return true;
}

bool
prov_network_undefine(ProvNetworkDriver *drv, const char *name, GError **error)
{
    g_autofree char *path = NULL;
    ProvNetworkLiveContext ctx;
    ProvNetworkObj *obj;

    ENTER(drv, error, false);
    if (!(obj = get_network(drv, name, error)))
        return false;
    if (!obj->config) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_INVALID,
                    "network '%s' is transient: it cannot be undefined", obj_name(obj));
        return false;
    }
    path = prov_state_dirs_config_path(&drv->dirs, obj_name(obj));
    if (!prov_state_dirs_set_autostart(&drv->dirs, obj_name(obj), false, "network", error) ||
        !prov_file_unlink_durable(path, error))
        return false;
    /* An active network goes on running as a transient one, as in libvirt. */
    if (!obj->status) {
        live_context(drv, &ctx);
        prov_network_live_remove_files(&ctx, obj_name(obj));
    }
    return true;
}

/* ---- start and stop ---------------------------------------------------------------- */

/* The first free name from @tmpl ("virbr%d"): no network claims it, no device has it. */
static char *
pick_bridge_name(ProvNetworkDriver *drv, const char *tmpl, const ProvNetworkObj *self,
                 GError **error)
{
    int id;

    for (id = 0; id <= NETWORK_BRIDGE_MAX_ID; id++) {
        g_autofree char *name = NULL;
        bool exists = false;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        name = g_strdup_printf(tmpl, id);
#pragma GCC diagnostic pop
        if (bridge_owner(drv, name, self))
            continue;
        if (!prov_netdev_exists(name, &exists, error))
            return NULL;
        if (!exists)
            return g_steal_pointer(&name);
    }
    g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INTERNAL_ERROR,
                "no free bridge name for template '%s'", tmpl);
    return NULL;
}

/* Active networks whose subnets overlap @def's: refused, naming both. */
static bool
check_overlaps(ProvNetworkDriver *drv, const ProvNetworkDef *def, const ProvNetworkObj *self,
               GError **error)
{
    guint i;

    for (i = 0; i < drv->networks->len; i++) {
        const ProvNetworkObj *obj = g_ptr_array_index(drv->networks, i);
        g_autofree char *desc = NULL;

        if (obj == self || !obj->status)
            continue;
        if (prov_network_def_ip_overlaps(def, obj->status->def, &desc)) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_FAILED,
                        "network '%s': subnet %s of active network '%s'", def->name, desc,
                        obj_name(obj));
            return false;
        }
    }
    return true;
}

/*
 * The live definition: a copy of @def with its bridge name chosen (template or none)
 * and checked free (an existing device of that name belongs to someone else).
 */
static ProvNetworkDef *
prepare_live_def(ProvNetworkDriver *drv, const ProvNetworkDef *def, const ProvNetworkObj *self,
                 GError **error)
{
    g_autoptr(ProvNetworkDef) live = prov_network_def_copy(def, error);
    const ProvNetworkObj *other;
    bool exists = false;

    if (!live || !prov_network_def_validate(live, error))
        return NULL;
    if (!prov_network_def_is_l3(live)) {
        if (live->forward.mode == PROV_NET_FORWARD_BRIDGE && live->bridge) {
            if (!prov_netdev_exists(live->bridge, &exists, error))
                return NULL;
            if (!exists) {
                g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_FAILED,
                            "network '%s': bridge '%s' does not exist", live->name,
                            live->bridge);
                return NULL;
            }
            return g_steal_pointer(&live);
        }
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "network '%s': forward mode '%s' is not supported yet", live->name,
                    prov_net_forward_mode_to_string(live->forward.mode));
        return NULL;
    }
    if (!check_overlaps(drv, live, self, error))
        return NULL;
    if (!live->bridge || bridge_is_template(live->bridge)) {
        g_autofree char *name = pick_bridge_name(drv, live->bridge ? live->bridge
                                                                   : NETWORK_BRIDGE_TEMPLATE,
                                                 self, error);
        if (!name)
            return NULL;
        g_free(live->bridge);
        live->bridge = g_steal_pointer(&name);
    } else if ((other = bridge_owner(drv, live->bridge, self)) && other->status) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_FAILED,
                    "network '%s': bridge name '%s' already in use by network '%s'",
                    live->name, live->bridge, obj_name(other));
        return NULL;
    } else {
        if (!prov_netdev_check_name(live->bridge, error) ||
            !prov_netdev_exists(live->bridge, &exists, error))
            return NULL;
        if (exists) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_FAILED,
                        "network '%s': bridge name '%s' is already in use by a device "
                        "provd did not create", live->name, live->bridge);
            return NULL;
        }
    }
    return g_steal_pointer(&live);
}

static bool
do_start(ProvNetworkDriver *drv, ProvNetworkObj *obj, const ProvNetworkDef *def,
         GError **error)
{
    g_autoptr(ProvNetworkDef) live = NULL;
    g_autoptr(ProvNetworkStatus) st = NULL;
    g_autoptr(GError) local = NULL;
    ProvNetworkLiveContext ctx;

    if (obj && obj->status) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_INVALID,
                    "network '%s' is already active", def->name);
        return false;
    }
    if (!(live = prepare_live_def(drv, def, obj, error)))
        return false;
    live_context(drv, &ctx);
    if (prov_network_def_is_l3(live)) {
        if (!prov_network_live_start(&ctx, live, &st, error))
            return false;
    } else {
        st = g_new0(ProvNetworkStatus, 1);
        st->def = g_steal_pointer(&live);
    }
    if (!write_status(drv, st, error)) {
        if (!prov_network_live_stop(&ctx, st, &local))
            g_warning("network '%s': %s, ignoring", def->name, local->message);
        return false;
    }
    return true;
}

bool
prov_network_start(ProvNetworkDriver *drv, const char *name, GError **error)
{
    ProvNetworkObj *obj;

    ENTER(drv, error, false);
    if (!(obj = get_network(drv, name, error)))
        return false;
    return do_start(drv, obj, obj->config, error);
}

bool
prov_network_create(ProvNetworkDriver *drv, const char *xml, unsigned int flags,
                    char **ret_name, GError **error)
{
    g_autoptr(ProvNetworkDef) def = NULL;
    ProvNetworkObj *obj = NULL;

    CHECK_FLAGS(flags, 0, error, false);
    ENTER(drv, error, false);
    if (!(def = parse_new_def(xml, flags, error)) || !check_new_def(drv, def, &obj, error) ||
        !do_start(drv, obj, def, error))
        return false;
    if (ret_name)
        *ret_name = g_strdup(def->name);
    return true;
}

bool
prov_network_destroy(ProvNetworkDriver *drv, const char *name, GError **error)
{
    ProvNetworkLiveContext ctx;
    ProvNetworkObj *obj;
    bool ok;

    ENTER(drv, error, false);
    if (!(obj = get_active_network(drv, name, error)))
        return false;
    live_context(drv, &ctx);
    /* Whatever could be undone is: the network is inactive afterwards either way. */
    ok = !prov_network_def_is_l3(obj->status->def) ||
         prov_network_live_stop(&ctx, obj->status, error);
    mark_inactive(drv, obj);
    return ok;
}

bool
prov_network_set_autostart(ProvNetworkDriver *drv, const char *name, bool autostart,
                           GError **error)
{
    g_autofree char *what = NULL;
    ProvNetworkObj *obj;

    ENTER(drv, error, false);
    if (!(obj = get_network(drv, name, error)))
        return false;
    if (!obj->config) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_INVALID,
                    "network '%s' is transient: it cannot be autostarted", obj_name(obj));
        return false;
    }
    what = g_strdup_printf("network '%s'", obj_name(obj));
    return prov_state_dirs_set_autostart(&drv->dirs, obj_name(obj), autostart, what, error);
}

bool
prov_network_driver_autostart(ProvNetworkDriver *drv, GError **error)
{
    g_autoptr(GString) failures = g_string_new(NULL);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    guint i;

    {
        ENTER(drv, error, false);
        for (i = 0; i < drv->networks->len; i++) {
            ProvNetworkObj *obj = g_ptr_array_index(drv->networks, i);
            if (obj->autostart && !obj->status)
                g_ptr_array_add(names, g_strdup(obj_name(obj)));
        }
    }
    for (i = 0; i < names->len; i++) {
        g_autoptr(GError) local = NULL;

        if (!prov_network_start(drv, g_ptr_array_index(names, i), &local) &&
            !g_error_matches(local, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_INVALID))
            g_string_append_printf(failures, "%s%s", failures->len ? "\n" : "",
                                   local->message);
    }
    if (failures->len) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_FAILED, "%s",
                    failures->str);
        return false;
    }
    return true;
}

bool
prov_network_driver_recover(ProvNetworkDriver *drv, GError **error)
{
    g_autoptr(GString) failures = g_string_new(NULL);
    g_autoptr(GError) local = NULL;
    ProvNetworkLiveContext ctx;
    guint i;

    {
        ENTER(drv, error, false);
        live_context(drv, &ctx);
        for (i = 0; i < drv->networks->len; i++) {
            ProvNetworkObj *obj = g_ptr_array_index(drv->networks, i);
            g_autoptr(GError) one = NULL;

            if (!obj->status || !prov_network_def_is_l3(obj->status->def))
                continue;
            if (!prov_network_live_recover(&ctx, obj->status, &one) ||
                !write_status(drv, obj->status, &one))
                g_string_append_printf(failures, "%s%s", failures->len ? "\n" : "",
                                       one->message);
        }
    }
    if (!prov_network_driver_autostart(drv, &local))
        g_string_append_printf(failures, "%s%s", failures->len ? "\n" : "", local->message);
    if (failures->len) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_FAILED, "%s",
                    failures->str);
        return false;
    }
    return true;
}

/* ---- queries ---------------------------------------------------------------------- */

static ProvNetworkInfo *
info_new(const ProvNetworkObj *obj)
{
    ProvNetworkInfo *info = g_new0(ProvNetworkInfo, 1);
    const ProvNetworkDef *def = obj_def(obj);

    info->name = g_strdup(def->name);
    prov_net_uuid_format(def->uuid, info->uuid);
    info->bridge = g_strdup(def->bridge);
    info->mode = def->forward.mode;
    info->active = obj->status != NULL;
    info->persistent = obj->config != NULL;
    info->autostart = obj->autostart;
    return info;
}

static bool
info_matches(const ProvNetworkInfo *info, unsigned int flags)
{
    if ((flags & (PROV_LIST_NETWORKS_ACTIVE | PROV_LIST_NETWORKS_INACTIVE)) &&
        !((flags & PROV_LIST_NETWORKS_ACTIVE && info->active) ||
          (flags & PROV_LIST_NETWORKS_INACTIVE && !info->active)))
        return false;
    if ((flags & (PROV_LIST_NETWORKS_PERSISTENT | PROV_LIST_NETWORKS_TRANSIENT)) &&
        !((flags & PROV_LIST_NETWORKS_PERSISTENT && info->persistent) ||
          (flags & PROV_LIST_NETWORKS_TRANSIENT && !info->persistent)))
        return false;
    if ((flags & (PROV_LIST_NETWORKS_AUTOSTART | PROV_LIST_NETWORKS_NO_AUTOSTART)) &&
        !((flags & PROV_LIST_NETWORKS_AUTOSTART && info->autostart) ||
          (flags & PROV_LIST_NETWORKS_NO_AUTOSTART && !info->autostart)))
        return false;
    return true;
}

GPtrArray *
prov_network_list(ProvNetworkDriver *drv, unsigned int flags, GError **error)
{
    g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func(
        (GDestroyNotify)prov_network_info_free);
    guint i;

    CHECK_FLAGS(flags, 0x3f, error, NULL);
    ENTER(drv, error, NULL);
    for (i = 0; i < drv->networks->len; i++) {
        ProvNetworkInfo *info = info_new(g_ptr_array_index(drv->networks, i));

        if (info_matches(info, flags))
            g_ptr_array_add(list, info);
        else
            prov_network_info_free(info);
    }
    return g_steal_pointer(&list);
}

ProvNetworkInfo *
prov_network_get_info(ProvNetworkDriver *drv, const char *name, GError **error)
{
    ProvNetworkObj *obj;

    ENTER(drv, error, NULL);
    if (!(obj = get_network(drv, name, error)))
        return NULL;
    return info_new(obj);
}

char *
prov_network_get_xml(ProvNetworkDriver *drv, const char *name, unsigned int flags,
                     GError **error)
{
    const ProvNetworkDef *def;
    ProvNetworkObj *obj;

    CHECK_FLAGS(flags, PROV_NETWORK_XML_INACTIVE, error, NULL);
    ENTER(drv, error, NULL);
    if (!(obj = get_network(drv, name, error)))
        return NULL;
    def = (flags & PROV_NETWORK_XML_INACTIVE) && obj->config ? obj->config : obj_def(obj);
    return prov_network_def_format(def, (flags & PROV_NETWORK_XML_INACTIVE)
                                            ? PROV_NETWORK_FORMAT_INACTIVE : 0);
}

GPtrArray *
prov_network_get_dhcp_leases(ProvNetworkDriver *drv, const char *name, const char *mac,
                             GError **error)
{
    g_autoptr(GPtrArray) leases = NULL;
    ProvNetworkObj *obj;
    guint i = 0;

    ENTER(drv, error, NULL);
    if (!(obj = get_active_network(drv, name, error)))
        return NULL;
    if (!(leases = prov_lease_store_list(drv->dirs.data_dir, obj_name(obj),
                                         g_get_real_time() / G_USEC_PER_SEC, error)))
        return NULL;
    while (mac && i < leases->len) {
        const ProvLease *lease = g_ptr_array_index(leases, i);

        if (lease->mac && g_ascii_strcasecmp(lease->mac, mac) == 0)
            i++;
        else
            g_ptr_array_remove_index(leases, i);
    }
    return g_steal_pointer(&leases);
}

/* ---- net-update --------------------------------------------------------------------- */

bool
prov_network_update(ProvNetworkDriver *drv, const char *name, unsigned int command,
                    unsigned int section, int parent_index, const char *xml,
                    unsigned int flags, GError **error)
{
    g_autoptr(ProvNetworkDef) newconfig = NULL;
    g_autoptr(ProvNetworkDef) newlive = NULL;
    ProvNetworkLiveContext ctx;
    ProvNetworkObj *obj;
    unsigned int reload = 0;
    bool live;
    bool config;

    CHECK_FLAGS(flags, PROV_NETWORK_UPDATE_AFFECT_LIVE | PROV_NETWORK_UPDATE_AFFECT_CONFIG,
                error, false);
    ENTER(drv, error, false);
    if (!(obj = get_network(drv, name, error)))
        return false;
    /* Neither flag: "current", the live network when active, else the config. */
    live = (flags & PROV_NETWORK_UPDATE_AFFECT_LIVE) || (!flags && obj->status);
    config = (flags & PROV_NETWORK_UPDATE_AFFECT_CONFIG) || (!flags && !obj->status);
    if (live && !obj->status) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_INVALID,
                    "network '%s' is not active: cannot update it live", obj_name(obj));
        return false;
    }
    if (config && !obj->config) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_OPERATION_INVALID,
                    "network '%s' is transient: it has no persistent config to update",
                    obj_name(obj));
        return false;
    }
    /* Both changes are made and checked before either is applied. */
    if (config && (!(newconfig = prov_network_def_copy(obj->config, error)) ||
                   !prov_network_def_update_section(newconfig, command, section, parent_index,
                                                    xml, 0, NULL, error)))
        return false;
    if (live && (!(newlive = prov_network_def_copy(obj->status->def, error)) ||
                 !prov_network_def_update_section(newlive, command, section, parent_index,
                                                  xml, 0, &reload, error)))
        return false;
    if (live) {
        live_context(drv, &ctx);
        if (prov_network_def_is_l3(newlive) &&
            !prov_network_live_reload(&ctx, obj->status, newlive, reload, error))
            return false;
        if (!prov_network_def_is_l3(newlive)) {
            prov_network_def_free(obj->status->def);
            obj->status->def = g_steal_pointer(&newlive);
        }
        if (!write_status(drv, obj->status, error))
            return false;
    }
    return !config || write_config(drv, newconfig, error);
}

/* ---- network ports ------------------------------------------------------------------ */

static char *
port_path(ProvNetworkDriver *drv, const char *network, const char *uuid)
{
    g_autofree char *dir = ports_dir(drv, network);

    return g_strdup_printf("%s/%s.xml", dir, uuid);
}

/* The ports of @network, parsed (GPtrArray of ProvNetworkPortDef). */
static GPtrArray *
load_ports(ProvNetworkDriver *drv, const char *network)
{
    g_autofree char *dir = ports_dir(drv, network);
    g_autoptr(GPtrArray) names = prov_state_dirs_list_names(dir);
    GPtrArray *ports = g_ptr_array_new_with_free_func(
        (GDestroyNotify)prov_network_port_def_free);
    guint i;

    for (i = 0; i < names->len; i++) {
        g_autofree char *path = port_path(drv, network, g_ptr_array_index(names, i));
        g_autoptr(GError) local = NULL;
        ProvNetworkPortDef *port = prov_network_port_def_parse_file(path, 0, &local);

        if (port)
            g_ptr_array_add(ports, port);
        else
            g_warning("network port '%s' is unreadable: %s, ignoring", path, local->message);
    }
    return ports;
}

/*
 * What allocating a port means for the networks provd starts: the plug is the
 * network's bridge, the portgroup (named, else the default one) supplies bandwidth and
 * VLAN the port does not set itself, and MACs are unique on the network.
 */
static bool
port_allocate(const ProvNetworkDef *net, GPtrArray *ports, ProvNetworkPortDef *port,
              GError **error)
{
    const ProvNetPortGroup *group = prov_network_def_find_portgroup(net, port->group);
    char uuidstr[37];
    char macstr[PROV_NET_MAC_STRLEN];
    guint i;

    prov_net_uuid_format(port->uuid, uuidstr);
    if (port->group && !group) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_NETWORK_PORT,
                    "network '%s': port %s asks for portgroup '%s', which does not exist",
                    net->name, uuidstr, port->group);
        return false;
    }
    for (i = 0; i < ports->len; i++) {
        const ProvNetworkPortDef *other = g_ptr_array_index(ports, i);
        char otherstr[37];

        prov_net_uuid_format(other->uuid, otherstr);
        if (memcmp(other->uuid, port->uuid, 16) == 0) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_NETWORK_PORT_EXIST,
                        "network '%s': port %s already exists", net->name, uuidstr);
            return false;
        }
        if (memcmp(other->mac, port->mac, 6) == 0) {
            g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_NETWORK_PORT_EXIST,
                        "network '%s': MAC address %s is already used by port %s",
                        net->name, prov_net_mac_format(port->mac, macstr), otherstr);
            return false;
        }
    }
    if (group && !port->bandwidth && group->bandwidth) {
        ProvNetBandwidth *bw = g_new0(ProvNetBandwidth, 1);

        if (group->bandwidth->in)
            bw->in = g_memdup2(group->bandwidth->in, sizeof(*bw->in));
        if (group->bandwidth->out)
            bw->out = g_memdup2(group->bandwidth->out, sizeof(*bw->out));
        port->bandwidth = bw;
    }
    if (group && port->vlan.tags->len == 0 && group->vlan.tags->len > 0) {
        g_array_append_vals(port->vlan.tags, group->vlan.tags->data, group->vlan.tags->len);
        port->vlan.trunk = group->vlan.trunk;
        port->vlan.native_mode = group->vlan.native_mode;
        port->vlan.native_tag = group->vlan.native_tag;
    }
    if (port->plug_type == PROV_NET_PORT_PLUG_NONE) {
        if (net->forward.mode == PROV_NET_FORWARD_BRIDGE)
            port->plug_type = PROV_NET_PORT_PLUG_BRIDGE;
        else
            port->plug_type = PROV_NET_PORT_PLUG_NETWORK;
        g_free(port->plug_bridge);
        port->plug_bridge = g_strdup(net->bridge);
        port->plug_mac_table_manager = net->mac_table_manager;
    }
    return true;
}

bool
prov_network_port_create(ProvNetworkDriver *drv, const char *network, const char *xml,
                         unsigned int flags, char **ret_uuid, GError **error)
{
    g_autoptr(ProvNetworkPortDef) port = NULL;
    g_autoptr(GPtrArray) ports = NULL;
    g_autofree char *dir = NULL;
    g_autofree char *path = NULL;
    g_autofree char *text = NULL;
    char uuidstr[37];
    ProvNetworkObj *obj;

    CHECK_FLAGS(flags, 0, error, false);
    ENTER(drv, error, false);
    if (!(obj = get_active_network(drv, network, error)) ||
        !(port = prov_network_port_def_parse_string(xml, 0, error)))
        return false;
    ports = load_ports(drv, obj_name(obj));
    if (!port_allocate(obj->status->def, ports, port, error))
        return false;
    prov_net_uuid_format(port->uuid, uuidstr);
    dir = ports_dir(drv, obj_name(obj));
    path = port_path(drv, obj_name(obj), uuidstr);
    text = prov_network_port_def_format(port);
    if (!prov_mkdir_p(dir, 0700, error) ||
        !prov_file_write_atomic(path, text, strlen(text), 0600, error))
        return false;
    if (ret_uuid)
        *ret_uuid = g_strdup(uuidstr);
    return true;
}

static bool
find_port_path(ProvNetworkDriver *drv, const char *network, const char *uuid,
               char **ret_path, GError **error)
{
    g_autofree char *path = NULL;
    guint8 bin[16];
    char canon[37];
    ProvNetworkObj *obj;

    if (!(obj = get_active_network(drv, network, error)))
        return false;
    if (!prov_net_uuid_parse(uuid, bin)) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_INVALID_ARG,
                    "'%s' is not a valid network port uuid", uuid);
        return false;
    }
    prov_net_uuid_format(bin, canon);
    path = port_path(drv, obj_name(obj), canon);
    if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
        g_set_error(error, PROV_NETWORK_ERROR, PROV_ERR_NO_NETWORK_PORT,
                    "network '%s' has no port %s", obj_name(obj), canon);
        return false;
    }
    *ret_path = g_steal_pointer(&path);
    return true;
}

bool
prov_network_port_delete(ProvNetworkDriver *drv, const char *network, const char *uuid,
                         GError **error)
{
    g_autofree char *path = NULL;

    ENTER(drv, error, false);
    return find_port_path(drv, network, uuid, &path, error) &&
           prov_file_unlink_durable(path, error);
}

GPtrArray *
prov_network_port_list(ProvNetworkDriver *drv, const char *network, GError **error)
{
    g_autofree char *dir = NULL;
    ProvNetworkObj *obj;

    ENTER(drv, error, NULL);
    if (!(obj = get_active_network(drv, network, error)))
        return NULL;
    dir = ports_dir(drv, obj_name(obj));
    return prov_state_dirs_list_names(dir);
}

char *
prov_network_port_get_xml(ProvNetworkDriver *drv, const char *network, const char *uuid,
                          GError **error)
{
    g_autoptr(ProvNetworkPortDef) port = NULL;
    g_autofree char *path = NULL;

    ENTER(drv, error, NULL);
    if (!find_port_path(drv, network, uuid, &path, error) ||
        !(port = prov_network_port_def_parse_file(path, 0, error)))
        return NULL;
    return prov_network_port_def_format(port);
}
