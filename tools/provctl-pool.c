/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* provctl-pool.c: provctl's storage pool commands (virsh pool-* names, arguments, output). */
#define G_LOG_DOMAIN "provctl"

#include <string.h>

#include "storage/backend.h"
#include "storage/storage_conf.h"
#include "tools/provctl-util.h"
#include "util/error.h"
#include "util/units.h"

/* virsh's pool state names (virshStoragePoolState). */
static const char *
pool_state_to_string(ProvPoolState state)
{
    switch (state) {
    case PROV_POOL_STATE_INACTIVE:
        return "inactive";
    case PROV_POOL_STATE_BUILDING:
        return "building";
    case PROV_POOL_STATE_RUNNING:
        return "running";
    case PROV_POOL_STATE_DEGRADED:
        return "degraded";
    case PROV_POOL_STATE_INACCESSIBLE:
        return "inaccessible";
    }
    return "unknown";
}

/* Sizes are only meaningful while the pool's storage is there (virsh's rule). */
static bool
pool_has_sizes(const ProvPoolInfo *info)
{
    return info->state == PROV_POOL_STATE_RUNNING || info->state == PROV_POOL_STATE_DEGRADED;
}

static const char *
yes_no(bool value)
{
    return value ? "yes" : "no";
}

/*
 * The JSON object of one pool, shared by pool-list and pool-info:
 * {"name": "images", "uuid": "...", "state": "running", "autostart": true,
 *  "persistent": true, "type": "dir", "capacity": 1, "allocation": 1, "available": 1}
 */
static void
pool_info_to_json(JsonBuilder *b, const ProvPoolInfo *info)
{
    const char *type = prov_pool_type_to_string(info->type);

    json_builder_begin_object(b);
    prov_ctl_json_add_string(b, "name", info->name);
    prov_ctl_json_add_string(b, "uuid", info->uuid);
    prov_ctl_json_add_string(b, "state", pool_state_to_string(info->state));
    json_builder_set_member_name(b, "autostart");
    json_builder_add_boolean_value(b, info->autostart);
    json_builder_set_member_name(b, "persistent");
    json_builder_add_boolean_value(b, info->persistent);
    prov_ctl_json_add_string(b, "type", type ? type : "unknown");
    prov_ctl_json_add_size(b, "capacity", info->capacity);
    prov_ctl_json_add_size(b, "allocation", info->allocation);
    prov_ctl_json_add_size(b, "available", info->available);
    json_builder_end_object(b);
}

/* virsh sorts listings case-insensitively (vshStrcasecmp). */
static gint
pool_info_compare(gconstpointer a, gconstpointer b)
{
    const ProvPoolInfo *pa = *(ProvPoolInfo *const *)a;
    const ProvPoolInfo *pb = *(ProvPoolInfo *const *)b;
    int rc = g_ascii_strcasecmp(pa->name, pb->name);

    return rc ? rc : g_strcmp0(pa->name, pb->name);
}

/* ---- options shared by several commands ----------------------------------- */

#define OPT_POOL(_help) \
    {.name = "pool", .type = PROV_CTL_OPT_STRING, .flags = PROV_CTL_OPT_REQUIRED, \
     .help = _help}

#define OPT_POOL_BUILD \
    {.name = "build", .type = PROV_CTL_OPT_BOOL, \
     .help = "build the pool (mkdir, mkfs, ...) before starting it"}, \
    {.name = "no-overwrite", .type = PROV_CTL_OPT_BOOL, \
     .help = "refuse to build over existing data"}, \
    {.name = "overwrite", .type = PROV_CTL_OPT_BOOL, .help = "build even over existing data"}

/* pool-define-as / pool-create-as, in virsh's order (it decides positional use:
 * `pool-define-as p1 dir --target /srv/p1` or `pool-define-as p1 dir - - - - /srv/p1`). */
#define OPTS_POOL_X_AS \
    {.name = "name", .type = PROV_CTL_OPT_STRING, .flags = PROV_CTL_OPT_REQUIRED, \
     .help = "pool name"}, \
    {.name = "type", .type = PROV_CTL_OPT_STRING, .flags = PROV_CTL_OPT_REQUIRED, \
     .help = "pool type: dir, fs, netfs, logical, iscsi, scsi, ..."}, \
    {.name = "print-xml", .type = PROV_CTL_OPT_BOOL, \
     .help = "only print the generated XML"}, \
    {.name = "source-host", .type = PROV_CTL_OPT_STRING, \
     .help = "source host (NFS server, iSCSI portal)"}, \
    {.name = "source-path", .type = PROV_CTL_OPT_STRING, \
     .help = "source directory (NFS export)"}, \
    {.name = "source-dev", .type = PROV_CTL_OPT_STRING, \
     .help = "source device path (or iSCSI target IQN)"}, \
    {.name = "source-name", .type = PROV_CTL_OPT_STRING, \
     .help = "source name (volume group name)"}, \
    {.name = "target", .type = PROV_CTL_OPT_STRING, \
     .help = "target path (mount point, directory)"}, \
    {.name = "source-format", .type = PROV_CTL_OPT_STRING, \
     .help = "source format (ext4, nfs, lvm2, ...)"}, \
    {.name = "auth-type", .type = PROV_CTL_OPT_STRING, \
     .help = "authentication type (chap, ceph)"}, \
    {.name = "auth-username", .type = PROV_CTL_OPT_STRING, \
     .help = "authentication user name"}, \
    {.name = "secret-usage", .type = PROV_CTL_OPT_STRING, \
     .help = "usage of the secret holding the password"}, \
    {.name = "secret-uuid", .type = PROV_CTL_OPT_STRING, \
     .help = "UUID of the secret holding the password"}, \
    {.name = "adapter-name", .type = PROV_CTL_OPT_STRING, \
     .help = "scsi_host adapter name (hostN)"}, \
    {.name = "adapter-wwnn", .type = PROV_CTL_OPT_STRING, \
     .help = "fc_host adapter WWNN"}, \
    {.name = "adapter-wwpn", .type = PROV_CTL_OPT_STRING, \
     .help = "fc_host adapter WWPN"}, \
    {.name = "adapter-parent", .type = PROV_CTL_OPT_STRING, \
     .help = "parent scsi_hostN of the vHBA"}, \
    {.name = "adapter-parent-wwnn", .type = PROV_CTL_OPT_STRING, \
     .help = "WWNN of the vHBA parent"}, \
    {.name = "adapter-parent-wwpn", .type = PROV_CTL_OPT_STRING, \
     .help = "WWPN of the vHBA parent"}, \
    {.name = "adapter-parent-fabric-wwn", .type = PROV_CTL_OPT_STRING, \
     .help = "fabric WWN of the vHBA parent"}, \
    {.name = "source-protocol-ver", .type = PROV_CTL_OPT_STRING, \
     .help = "NFS protocol version to mount with"}, \
    {.name = "source-initiator", .type = PROV_CTL_OPT_STRING, \
     .help = "iSCSI initiator IQN"}

/* Flags of pool-create / pool-create-as / pool-start (--build, --[no-]overwrite). */
static ProvCtlExit
pool_create_flags(const ProvCtlCmd *cmd, unsigned int *ret_flags)
{
    unsigned int flags = 0;
    ProvCtlExit rc;

    if ((rc = prov_ctl_exclusive(cmd, "overwrite", "no-overwrite")) != PROV_CTL_EXIT_OK)
        return rc;
    if (prov_ctl_opt_bool(cmd, "build"))
        flags |= PROV_POOL_CREATE_WITH_BUILD;
    if (prov_ctl_opt_bool(cmd, "overwrite"))
        flags |= PROV_POOL_CREATE_WITH_BUILD_OVERWRITE;
    if (prov_ctl_opt_bool(cmd, "no-overwrite"))
        flags |= PROV_POOL_CREATE_WITH_BUILD_NO_OVERWRITE;
    *ret_flags = flags;
    return PROV_CTL_EXIT_OK;
}

/*
 * An optional pool-*-as value.  A lone "-" counts as not given, so the old
 * positional idiom `pool-define-as p1 dir - - - - /srv/p1` (skip source-host,
 * source-path, source-dev and source-name) works.
 */
static const char *
x_as_opt(const ProvCtlCmd *cmd, const char *name)
{
    const char *value = prov_ctl_opt_string(cmd, name);

    return value && g_str_equal(value, "-") ? NULL : value;
}

/*
 * The <pool> document of pool-define-as / pool-create-as, element for element
 * as virsh's virshBuildPoolXML writes it:
 *
 *   <pool type='dir'>
 *     <name>images</name>
 *     <target>
 *       <path>/srv/images</path>
 *     </target>
 *   </pool>
 */
static ProvCtlExit
pool_build_xml(const ProvCtlCmd *cmd, char **ret_xml)
{
    const char *name = prov_ctl_opt_string(cmd, "name");
    const char *type = prov_ctl_opt_string(cmd, "type");
    const char *src_host = x_as_opt(cmd, "source-host");
    const char *src_path = x_as_opt(cmd, "source-path");
    const char *src_dev = x_as_opt(cmd, "source-dev");
    const char *src_name = x_as_opt(cmd, "source-name");
    const char *src_format = x_as_opt(cmd, "source-format");
    const char *target = x_as_opt(cmd, "target");
    const char *auth_type = x_as_opt(cmd, "auth-type");
    const char *auth_user = x_as_opt(cmd, "auth-username");
    const char *secret_usage = x_as_opt(cmd, "secret-usage");
    const char *secret_uuid = x_as_opt(cmd, "secret-uuid");
    const char *adapter_name = x_as_opt(cmd, "adapter-name");
    const char *wwnn = x_as_opt(cmd, "adapter-wwnn");
    const char *wwpn = x_as_opt(cmd, "adapter-wwpn");
    const char *parent = x_as_opt(cmd, "adapter-parent");
    const char *parent_wwnn = x_as_opt(cmd, "adapter-parent-wwnn");
    const char *parent_wwpn = x_as_opt(cmd, "adapter-parent-wwpn");
    const char *parent_fabric = x_as_opt(cmd, "adapter-parent-fabric-wwn");
    const char *proto_ver = x_as_opt(cmd, "source-protocol-ver");
    const char *initiator = x_as_opt(cmd, "source-initiator");
    bool has_auth;
    bool has_fc;
    GString *buf;
    ProvCtlExit rc;

    if ((rc = prov_ctl_exclusive(cmd, "secret-usage", "secret-uuid")) != PROV_CTL_EXIT_OK)
        return rc;
    /* virsh silently drops a half-given <auth> or fc_host adapter; we refuse it. */
    has_auth = auth_type && auth_user && (secret_usage || secret_uuid);
    if (!has_auth && (auth_type || auth_user || secret_usage || secret_uuid)) {
        prov_ctl_error("--auth-type, --auth-username and one of --secret-usage or "
                       "--secret-uuid must be given together");
        return PROV_CTL_EXIT_USAGE;
    }
    has_fc = wwnn && wwpn;
    if (!has_fc && (wwnn || wwpn || parent || parent_wwnn || parent_wwpn || parent_fabric)) {
        prov_ctl_error("an fc_host adapter needs both --adapter-wwnn and --adapter-wwpn");
        return PROV_CTL_EXIT_USAGE;
    }
    if (has_fc && adapter_name) {
        prov_ctl_error("Options --adapter-name and --adapter-wwnn/--adapter-wwpn are "
                       "mutually exclusive");
        return PROV_CTL_EXIT_USAGE;
    }
    if (!parent && (!parent_wwnn != !parent_wwpn)) {
        prov_ctl_error("--adapter-parent-wwnn and --adapter-parent-wwpn must be given together");
        return PROV_CTL_EXIT_USAGE;
    }

    buf = g_string_new(NULL);
    prov_ctl_xml_line(buf, 0, "<pool type='%s'>\n", type);
    prov_ctl_xml_line(buf, 2, "<name>%s</name>\n", name);
    if (src_host || src_path || src_dev || initiator || src_format || src_name || has_fc ||
        adapter_name || has_auth || proto_ver) {
        prov_ctl_xml_line(buf, 2, "<source>\n");
        if (src_host)
            prov_ctl_xml_line(buf, 4, "<host name='%s'/>\n", src_host);
        if (src_path)
            prov_ctl_xml_line(buf, 4, "<dir path='%s'/>\n", src_path);
        if (src_dev)
            prov_ctl_xml_line(buf, 4, "<device path='%s'/>\n", src_dev);
        if (initiator) {
            prov_ctl_xml_line(buf, 4, "<initiator>\n");
            prov_ctl_xml_line(buf, 6, "<iqn name='%s'/>\n", initiator);
            prov_ctl_xml_line(buf, 4, "</initiator>\n");
        }
        if (has_fc) {
            prov_ctl_xml_line(buf, 4, "<adapter type='fc_host'");
            if (parent)
                prov_ctl_xml_line(buf, 0, " parent='%s'", parent);
            else if (parent_wwnn && parent_wwpn)
                prov_ctl_xml_line(buf, 0, " parent_wwnn='%s' parent_wwpn='%s'",
                                  parent_wwnn, parent_wwpn);
            else if (parent_fabric)
                prov_ctl_xml_line(buf, 0, " parent_fabric_wwn='%s'", parent_fabric);
            prov_ctl_xml_line(buf, 0, " wwnn='%s' wwpn='%s'/>\n", wwnn, wwpn);
        } else if (adapter_name) {
            prov_ctl_xml_line(buf, 4, "<adapter type='scsi_host' name='%s'/>\n",
                              adapter_name);
        }
        if (has_auth) {
            prov_ctl_xml_line(buf, 4, "<auth type='%s' username='%s'>\n", auth_type,
                              auth_user);
            if (secret_usage)
                prov_ctl_xml_line(buf, 6, "<secret usage='%s'/>\n", secret_usage);
            else
                prov_ctl_xml_line(buf, 6, "<secret uuid='%s'/>\n", secret_uuid);
            prov_ctl_xml_line(buf, 4, "</auth>\n");
        }
        if (src_format)
            prov_ctl_xml_line(buf, 4, "<format type='%s'/>\n", src_format);
        if (src_name)
            prov_ctl_xml_line(buf, 4, "<name>%s</name>\n", src_name);
        if (proto_ver)
            prov_ctl_xml_line(buf, 4, "<protocol ver='%s'/>\n", proto_ver);
        prov_ctl_xml_line(buf, 2, "</source>\n");
    }
    if (target) {
        prov_ctl_xml_line(buf, 2, "<target>\n");
        prov_ctl_xml_line(buf, 4, "<path>%s</path>\n", target);
        prov_ctl_xml_line(buf, 2, "</target>\n");
    }
    prov_ctl_xml_line(buf, 0, "</pool>\n");

    *ret_xml = g_string_free(buf, FALSE);
    return PROV_CTL_EXIT_OK;
}

/* ---- handlers ------------------------------------------------------------- */

static ProvCtlExit
cmd_pool_autostart(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    const char *pool = prov_ctl_opt_string(cmd, "pool");
    bool autostart = !prov_ctl_opt_bool(cmd, "disable");
    g_autoptr(GError) err = NULL;
    ProvStorageDriver *drv;

    if (!(drv = prov_ctl_driver(ctl)))
        return PROV_CTL_EXIT_FAILED;
    if (!prov_storage_pool_set_autostart(drv, pool, autostart, &err)) {
        prov_ctl_pool_error(pool, err, autostart ? "failed to mark pool %s as autostarted"
                                                 : "failed to unmark pool %s as autostarted",
                            pool);
        return PROV_CTL_EXIT_FAILED;
    }
    if (autostart)
        prov_ctl_print_extra(ctl, "Pool %s marked as autostarted\n", pool);
    else
        prov_ctl_print_extra(ctl, "Pool %s unmarked as autostarted\n", pool);
    return PROV_CTL_EXIT_OK;
}

/* The driver's pool calls, in one shape so that one runner serves them all. */
typedef bool (*PoolActionFunc)(ProvStorageDriver *drv, const char *pool, unsigned int flags,
                               GError **error);

static bool
pool_destroy_action(ProvStorageDriver *drv, const char *pool, unsigned int flags,
                    GError **error)
{
    return prov_storage_pool_destroy(drv, pool, error);
}

static bool
pool_undefine_action(ProvStorageDriver *drv, const char *pool, unsigned int flags,
                     GError **error)
{
    return prov_storage_pool_undefine(drv, pool, error);
}

/*
 * POOL-taking lifecycle commands: "Pool images started" on success, virsh's
 * "Failed to start pool images" (or "failed to get pool 'x'") and the driver's
 * message on failure.  @verb and @done fill those messages.
 */
static ProvCtlExit
pool_action(ProvCtl *ctl, const ProvCtlCmd *cmd, PoolActionFunc action, unsigned int flags,
            const char *verb, const char *done)
{
    const char *pool = prov_ctl_opt_string(cmd, "pool");
    g_autoptr(GError) err = NULL;
    ProvStorageDriver *drv;

    if (!(drv = prov_ctl_driver(ctl)))
        return PROV_CTL_EXIT_FAILED;
    if (!action(drv, pool, flags, &err)) {
        prov_ctl_pool_error(pool, err, "Failed to %s pool %s", verb, pool);
        return PROV_CTL_EXIT_FAILED;
    }
    prov_ctl_print_extra(ctl, "Pool %s %s\n", pool, done);
    return PROV_CTL_EXIT_OK;
}

static ProvCtlExit
cmd_pool_build(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    unsigned int flags = 0;
    ProvCtlExit rc;

    if ((rc = prov_ctl_exclusive(cmd, "overwrite", "no-overwrite")) != PROV_CTL_EXIT_OK)
        return rc;
    if (prov_ctl_opt_bool(cmd, "no-overwrite"))
        flags |= PROV_POOL_BUILD_NO_OVERWRITE;
    if (prov_ctl_opt_bool(cmd, "overwrite"))
        flags |= PROV_POOL_BUILD_OVERWRITE;
    return pool_action(ctl, cmd, prov_storage_pool_build, flags, "build", "built");
}

static ProvCtlExit
cmd_pool_delete(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    return pool_action(ctl, cmd, prov_storage_pool_delete, 0, "delete", "deleted");
}

static ProvCtlExit
cmd_pool_destroy(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    return pool_action(ctl, cmd, pool_destroy_action, 0, "destroy", "destroyed");
}

static ProvCtlExit
cmd_pool_refresh(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    return pool_action(ctl, cmd, prov_storage_pool_refresh, 0, "refresh", "refreshed");
}

static ProvCtlExit
cmd_pool_start(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    unsigned int flags;
    ProvCtlExit rc;

    if ((rc = pool_create_flags(cmd, &flags)) != PROV_CTL_EXIT_OK)
        return rc;
    return pool_action(ctl, cmd, prov_storage_pool_start, flags, "start", "started");
}

static ProvCtlExit
cmd_pool_undefine(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    return pool_action(ctl, cmd, pool_undefine_action, 0, "undefine", "has been undefined");
}

static ProvCtlExit
cmd_pool_capabilities(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *caps = NULL;
    ProvStorageDriver *drv;

    if (!(drv = prov_ctl_driver(ctl)))
        return PROV_CTL_EXIT_FAILED;
    if (!(caps = prov_storage_pool_capabilities(drv, &err))) {
        prov_ctl_error("failed to get storage pool capabilities");
        prov_ctl_error_detail(err);
        return PROV_CTL_EXIT_FAILED;
    }
    prov_ctl_print_document(ctl, caps);
    return PROV_CTL_EXIT_OK;
}

/*
 * Defines a persistent pool or (@create) starts a transient one from @xml, with
 * virsh's messages: "Pool p1 defined from p1.xml" when the XML came from
 * @file, "Pool p1 defined" when it was built from the arguments.
 */
static ProvCtlExit
pool_submit(ProvCtl *ctl, const char *xml, bool create, unsigned int flags, const char *file,
            const char *name_arg)
{
    const char *verb = create ? "create" : "define";
    const char *done = create ? "created" : "defined";
    g_autoptr(GError) err = NULL;
    g_autofree char *name = NULL;
    ProvStorageDriver *drv;
    bool ok;

    if (!(drv = prov_ctl_driver(ctl)))
        return PROV_CTL_EXIT_FAILED;
    if (create)
        ok = prov_storage_pool_create(drv, xml, flags, &name, &err);
    else
        ok = prov_storage_pool_define(drv, xml, flags, &name, &err);
    if (!ok) {
        if (file)
            prov_ctl_error("Failed to %s pool from %s", verb, file);
        else
            prov_ctl_error("Failed to %s pool %s", verb, name_arg);
        prov_ctl_error_detail(err);
        return PROV_CTL_EXIT_FAILED;
    }
    if (file)
        prov_ctl_print_extra(ctl, "Pool %s %s from %s\n", name, done, file);
    else
        prov_ctl_print_extra(ctl, "Pool %s %s\n", name_arg, done);
    return PROV_CTL_EXIT_OK;
}

/* pool-define / pool-create: the <pool> document is in FILE. */
static ProvCtlExit
pool_from_file(ProvCtl *ctl, const ProvCtlCmd *cmd, bool create)
{
    const char *file = prov_ctl_opt_string(cmd, "file");
    g_autofree char *xml = NULL;
    unsigned int flags = 0;
    ProvCtlExit rc;

    if (create && (rc = pool_create_flags(cmd, &flags)) != PROV_CTL_EXIT_OK)
        return rc;
    if (!(xml = prov_ctl_read_file(file)))
        return PROV_CTL_EXIT_FAILED;
    return pool_submit(ctl, xml, create, flags, file, NULL);
}

/* pool-define-as / pool-create-as: the document is built from the arguments. */
static ProvCtlExit
pool_from_args(ProvCtl *ctl, const ProvCtlCmd *cmd, bool create)
{
    g_autofree char *xml = NULL;
    unsigned int flags = 0;
    ProvCtlExit rc;

    if (create && (rc = pool_create_flags(cmd, &flags)) != PROV_CTL_EXIT_OK)
        return rc;
    if ((rc = pool_build_xml(cmd, &xml)) != PROV_CTL_EXIT_OK)
        return rc;
    if (prov_ctl_opt_bool(cmd, "print-xml")) {
        prov_ctl_print(ctl, "%s", xml);
        return PROV_CTL_EXIT_OK;
    }
    return pool_submit(ctl, xml, create, flags, NULL, prov_ctl_opt_string(cmd, "name"));
}

static ProvCtlExit
cmd_pool_create(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    return pool_from_file(ctl, cmd, true);
}

static ProvCtlExit
cmd_pool_create_as(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    return pool_from_args(ctl, cmd, true);
}

static ProvCtlExit
cmd_pool_define(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    return pool_from_file(ctl, cmd, false);
}

static ProvCtlExit
cmd_pool_define_as(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    return pool_from_args(ctl, cmd, false);
}

static ProvCtlExit
cmd_pool_dumpxml(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    const char *pool = prov_ctl_opt_string(cmd, "pool");
    unsigned int flags = prov_ctl_opt_bool(cmd, "inactive") ? PROV_POOL_XML_INACTIVE : 0;
    g_autoptr(GError) err = NULL;
    g_autofree char *xml = NULL;
    ProvStorageDriver *drv;

    if (!(drv = prov_ctl_driver(ctl)))
        return PROV_CTL_EXIT_FAILED;
    if (!(xml = prov_storage_pool_get_xml(drv, pool, flags, &err))) {
        prov_ctl_pool_error(pool, err, "Failed to get the XML of pool %s", pool);
        return PROV_CTL_EXIT_FAILED;
    }
    prov_ctl_print_document(ctl, xml);
    return PROV_CTL_EXIT_OK;
}

static ProvCtlExit
find_pool_sources(ProvCtl *ctl, const char *type, const char *spec)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *sources = NULL;
    ProvStorageDriver *drv;

    if (!(drv = prov_ctl_driver(ctl)))
        return PROV_CTL_EXIT_FAILED;
    if (!(sources = prov_storage_find_pool_sources(drv, type, spec, 0, &err))) {
        prov_ctl_error("Failed to find any %s pool sources", type);
        prov_ctl_error_detail(err);
        return PROV_CTL_EXIT_FAILED;
    }
    prov_ctl_print_document(ctl, sources);
    return PROV_CTL_EXIT_OK;
}

static ProvCtlExit
cmd_find_pool_sources(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    const char *type = prov_ctl_opt_string(cmd, "type");
    const char *spec_file = prov_ctl_opt_string(cmd, "srcSpec");
    g_autofree char *spec = NULL;

    if (spec_file && !(spec = prov_ctl_read_file(spec_file)))
        return PROV_CTL_EXIT_FAILED;
    return find_pool_sources(ctl, type, spec);
}

/*
 * The source spec virsh's find-storage-pool-sources-as sends:
 *
 *   <source>
 *     <host name='192.168.122.2' port='3260'/>
 *     <initiator>
 *       <iqn name='iqn.2024-01.org.example:host1'/>
 *     </initiator>
 *   </source>
 *
 * Without a host there is no spec at all (port and initiator are ignored).
 */
static ProvCtlExit
cmd_find_pool_sources_as(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    const char *type = prov_ctl_opt_string(cmd, "type");
    const char *host = prov_ctl_opt_string(cmd, "host");
    const char *port = prov_ctl_opt_string(cmd, "port");
    const char *initiator = prov_ctl_opt_string(cmd, "initiator");
    g_autofree char *spec = NULL;

    if (host) {
        GString *buf = g_string_new(NULL);

        prov_ctl_xml_line(buf, 0, "<source>\n");
        prov_ctl_xml_line(buf, 2, "<host name='%s'", host);
        if (port)
            prov_ctl_xml_line(buf, 0, " port='%s'", port);
        prov_ctl_xml_line(buf, 0, "/>\n");
        if (initiator) {
            prov_ctl_xml_line(buf, 2, "<initiator>\n");
            prov_ctl_xml_line(buf, 4, "<iqn name='%s'/>\n", initiator);
            prov_ctl_xml_line(buf, 2, "</initiator>\n");
        }
        prov_ctl_xml_line(buf, 0, "</source>\n");
        spec = g_string_free(buf, FALSE);
    }
    return find_pool_sources(ctl, type, spec);
}

static ProvCtlExit
cmd_pool_info(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    const char *pool = prov_ctl_opt_string(cmd, "pool");
    bool bytes = prov_ctl_opt_bool(cmd, "bytes");
    g_autoptr(GError) err = NULL;
    g_autoptr(ProvPoolInfo) info = NULL;
    ProvStorageDriver *drv;

    if (!(drv = prov_ctl_driver(ctl)))
        return PROV_CTL_EXIT_FAILED;
    if (!(info = prov_storage_pool_get_info(drv, pool, &err))) {
        prov_ctl_pool_error(pool, err, "Could not retrieve pool information of %s", pool);
        return PROV_CTL_EXIT_FAILED;
    }

    if (ctl->json) {
        g_autoptr(JsonBuilder) b = json_builder_new();

        pool_info_to_json(b, info);
        prov_ctl_json_print(b);
        return PROV_CTL_EXIT_OK;
    }

    /* Labels padded to 15 columns plus a blank, as virsh's "%-15s %s". */
    prov_ctl_print(ctl, "%-15s %s\n", "Name:", info->name);
    prov_ctl_print(ctl, "%-15s %s\n", "UUID:", info->uuid);
    prov_ctl_print(ctl, "%-15s %s\n", "State:", pool_state_to_string(info->state));
    prov_ctl_print(ctl, "%-15s %s\n", "Persistent:", yes_no(info->persistent));
    prov_ctl_print(ctl, "%-15s %s\n", "Autostart:", yes_no(info->autostart));
    if (pool_has_sizes(info)) {
        if (bytes) {
            prov_ctl_print(ctl, "%-15s %" G_GUINT64_FORMAT "\n", "Capacity:", info->capacity);
            prov_ctl_print(ctl, "%-15s %" G_GUINT64_FORMAT "\n", "Allocation:",
                           info->allocation);
            prov_ctl_print(ctl, "%-15s %" G_GUINT64_FORMAT "\n", "Available:",
                           info->available);
        } else {
            g_autofree char *cap = prov_format_size_human(info->capacity);
            g_autofree char *alloc = prov_format_size_human(info->allocation);
            g_autofree char *avail = prov_format_size_human(info->available);

            prov_ctl_print(ctl, "%-15s %s\n", "Capacity:", cap);
            prov_ctl_print(ctl, "%-15s %s\n", "Allocation:", alloc);
            prov_ctl_print(ctl, "%-15s %s\n", "Available:", avail);
        }
    }
    return PROV_CTL_EXIT_OK;
}

/* --type dir,fs,... as ProvListPoolsFlags type bits. */
static ProvCtlExit
pool_list_type_flags(const char *types, unsigned int *flags)
{
    g_auto(GStrv) names = g_strsplit(types, ",", -1);
    gsize i;

    for (i = 0; names[i]; i++) {
        int type = prov_pool_type_from_string(names[i]);

        if (type < 0) {
            prov_ctl_error("Invalid pool type '%s'", names[i]);
            return PROV_CTL_EXIT_USAGE;
        }
        *flags |= PROV_LIST_POOLS_TYPE(type);
    }
    return PROV_CTL_EXIT_OK;
}

static void
pool_list_print_table(ProvCtl *ctl, GPtrArray *pools, bool details)
{
    g_autoptr(ProvCtlTable) table = NULL;
    guint i;

    if (details)
        table = prov_ctl_table_new("Name", "State", "Autostart", "Persistent", "Capacity",
                                   "Allocation", "Available", NULL);
    else
        table = prov_ctl_table_new("Name", "State", "Autostart", NULL);

    for (i = 0; i < pools->len; i++) {
        const ProvPoolInfo *info = g_ptr_array_index(pools, i);

        if (!details) {
            /* Without --details virsh shows only active/inactive. */
            prov_ctl_table_add_row(table, info->name, info->active ? "active" : "inactive",
                                   yes_no(info->autostart), NULL);
        } else if (pool_has_sizes(info)) {
            g_autofree char *cap = prov_format_size_human(info->capacity);
            g_autofree char *alloc = prov_format_size_human(info->allocation);
            g_autofree char *avail = prov_format_size_human(info->available);

            prov_ctl_table_add_row(table, info->name, pool_state_to_string(info->state),
                                   yes_no(info->autostart), yes_no(info->persistent),
                                   cap, alloc, avail, NULL);
        } else {
            prov_ctl_table_add_row(table, info->name, pool_state_to_string(info->state),
                                   yes_no(info->autostart), yes_no(info->persistent),
                                   "-", "-", "-", NULL);
        }
    }
    prov_ctl_table_print(ctl, table);
}

static ProvCtlExit
cmd_pool_list(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    const char *types = prov_ctl_opt_string(cmd, "type");
    bool details = prov_ctl_opt_bool(cmd, "details");
    bool want_uuid = prov_ctl_opt_bool(cmd, "uuid");
    bool want_name = prov_ctl_opt_bool(cmd, "name");
    unsigned int flags = PROV_LIST_POOLS_ACTIVE;
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) pools = NULL;
    ProvStorageDriver *drv;
    ProvCtlExit rc;
    guint i;

    if ((rc = prov_ctl_exclusive(cmd, "all", "inactive")) != PROV_CTL_EXIT_OK ||
        (rc = prov_ctl_exclusive(cmd, "details", "uuid")) != PROV_CTL_EXIT_OK ||
        (rc = prov_ctl_exclusive(cmd, "details", "name")) != PROV_CTL_EXIT_OK)
        return rc;

    /* Active pools unless told otherwise, as virsh. */
    if (prov_ctl_opt_bool(cmd, "inactive"))
        flags = PROV_LIST_POOLS_INACTIVE;
    if (prov_ctl_opt_bool(cmd, "all"))
        flags = PROV_LIST_POOLS_ACTIVE | PROV_LIST_POOLS_INACTIVE;
    if (prov_ctl_opt_bool(cmd, "autostart"))
        flags |= PROV_LIST_POOLS_AUTOSTART;
    if (prov_ctl_opt_bool(cmd, "no-autostart"))
        flags |= PROV_LIST_POOLS_NO_AUTOSTART;
    if (prov_ctl_opt_bool(cmd, "persistent"))
        flags |= PROV_LIST_POOLS_PERSISTENT;
    if (prov_ctl_opt_bool(cmd, "transient"))
        flags |= PROV_LIST_POOLS_TRANSIENT;
    if (types && (rc = pool_list_type_flags(types, &flags)) != PROV_CTL_EXIT_OK)
        return rc;

    if (!(drv = prov_ctl_driver(ctl)))
        return PROV_CTL_EXIT_FAILED;
    if (!(pools = prov_storage_pool_list(drv, flags, &err))) {
        prov_ctl_error("Failed to list pools");
        prov_ctl_error_detail(err);
        return PROV_CTL_EXIT_FAILED;
    }
    g_ptr_array_sort(pools, pool_info_compare);

    if (ctl->json) {
        g_autoptr(JsonBuilder) b = json_builder_new();

        json_builder_begin_array(b);
        for (i = 0; i < pools->len; i++)
            pool_info_to_json(b, g_ptr_array_index(pools, i));
        json_builder_end_array(b);
        prov_ctl_json_print(b);
        return PROV_CTL_EXIT_OK;
    }

    if (!details && (want_uuid || want_name)) {
        /* virsh pads these columns ("%-36s" and "%-20s"); scripts trim them. */
        for (i = 0; i < pools->len; i++) {
            const ProvPoolInfo *info = g_ptr_array_index(pools, i);

            if (want_uuid)
                prov_ctl_print(ctl, "%-36s%c", info->uuid, want_name ? ' ' : '\n');
            if (want_name)
                prov_ctl_print(ctl, "%-20s\n", info->name);
        }
        return PROV_CTL_EXIT_OK;
    }

    pool_list_print_table(ctl, pools, details);
    return PROV_CTL_EXIT_OK;
}

/*
 * pool-name takes only a UUID and pool-uuid only a name, as in virsh; the
 * driver accepts either, so check which one matched.  Prints the other one.
 */
static ProvCtlExit
pool_translate(ProvCtl *ctl, const ProvCtlCmd *cmd, bool by_uuid)
{
    const char *arg = prov_ctl_opt_string(cmd, "pool");
    g_autoptr(GError) err = NULL;
    g_autoptr(ProvPoolInfo) info = NULL;
    ProvStorageDriver *drv;

    if (!(drv = prov_ctl_driver(ctl)))
        return PROV_CTL_EXIT_FAILED;
    info = prov_storage_pool_get_info(drv, arg, &err);
    if (info && (by_uuid ? g_ascii_strcasecmp(info->uuid, arg) != 0
                         : !g_str_equal(info->name, arg))) {
        g_clear_pointer(&info, prov_pool_info_free);
        g_set_error(&err, PROV_STORAGE_ERROR, PROV_ERR_NO_STORAGE_POOL,
                    "no storage pool with matching %s '%s'", by_uuid ? "uuid" : "name", arg);
    }
    if (!info) {
        prov_ctl_error("failed to get pool '%s'", arg);
        prov_ctl_error_detail(err);
        return PROV_CTL_EXIT_FAILED;
    }
    prov_ctl_print(ctl, "%s\n", by_uuid ? info->name : info->uuid);
    return PROV_CTL_EXIT_OK;
}

static ProvCtlExit
cmd_pool_name(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    return pool_translate(ctl, cmd, true);
}

static ProvCtlExit
cmd_pool_uuid(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    return pool_translate(ctl, cmd, false);
}

/* ---- option tables -------------------------------------------------------- */

static const ProvCtlOptDef opts_find_pool_sources_as[] = {
    {.name = "type", .type = PROV_CTL_OPT_STRING, .flags = PROV_CTL_OPT_REQUIRED,
     .help = "pool type to look for"},
    {.name = "host", .type = PROV_CTL_OPT_STRING, .help = "host to ask (NFS server, iSCSI portal)"},
    {.name = "port", .type = PROV_CTL_OPT_STRING, .help = "port on that host"},
    {.name = "initiator", .type = PROV_CTL_OPT_STRING,
     .help = "iSCSI initiator IQN to ask with"},
    {.name = NULL}
};

static const ProvCtlOptDef opts_find_pool_sources[] = {
    {.name = "type", .type = PROV_CTL_OPT_STRING, .flags = PROV_CTL_OPT_REQUIRED,
     .help = "pool type to look for"},
    {.name = "srcSpec", .type = PROV_CTL_OPT_STRING,
     .help = "file with a <source> document narrowing the search"},
    {.name = NULL}
};

static const ProvCtlOptDef opts_pool_autostart[] = {
    OPT_POOL("pool name or UUID"),
    {.name = "disable", .type = PROV_CTL_OPT_BOOL, .help = "stop starting the pool at boot"},
    {.name = NULL}
};

static const ProvCtlOptDef opts_pool_build[] = {
    OPT_POOL("pool name or UUID"),
    {.name = "no-overwrite", .type = PROV_CTL_OPT_BOOL,
     .help = "refuse to build over existing data"},
    {.name = "overwrite", .type = PROV_CTL_OPT_BOOL, .help = "build even over existing data"},
    {.name = NULL}
};

static const ProvCtlOptDef opts_none[] = {
    {.name = NULL}
};

static const ProvCtlOptDef opts_pool_create[] = {
    {.name = "file", .type = PROV_CTL_OPT_STRING, .flags = PROV_CTL_OPT_REQUIRED,
     .help = "file with a <pool> XML document"},
    OPT_POOL_BUILD,
    {.name = NULL}
};

static const ProvCtlOptDef opts_pool_create_as[] = {
    OPTS_POOL_X_AS,
    OPT_POOL_BUILD,
    {.name = NULL}
};

static const ProvCtlOptDef opts_pool_define[] = {
    {.name = "file", .type = PROV_CTL_OPT_STRING, .flags = PROV_CTL_OPT_REQUIRED,
     .help = "file with a <pool> XML document"},
    {.name = NULL}
};

static const ProvCtlOptDef opts_pool_define_as[] = {
    OPTS_POOL_X_AS,
    {.name = NULL}
};

static const ProvCtlOptDef opts_pool_only[] = {
    OPT_POOL("pool name or UUID"),
    {.name = NULL}
};

static const ProvCtlOptDef opts_pool_dumpxml[] = {
    OPT_POOL("pool name or UUID"),
    {.name = "inactive", .type = PROV_CTL_OPT_BOOL,
     .help = "the persistent definition, not the live one"},
    {.name = NULL}
};

static const ProvCtlOptDef opts_pool_info[] = {
    OPT_POOL("pool name or UUID"),
    {.name = "bytes", .type = PROV_CTL_OPT_BOOL,
     .help = "sizes in bytes instead of KiB/MiB/GiB"},
    {.name = NULL}
};

static const ProvCtlOptDef opts_pool_list[] = {
    {.name = "inactive", .type = PROV_CTL_OPT_BOOL, .help = "only inactive pools"},
    {.name = "all", .type = PROV_CTL_OPT_BOOL, .help = "active and inactive pools"},
    {.name = "transient", .type = PROV_CTL_OPT_BOOL, .help = "only transient pools"},
    {.name = "persistent", .type = PROV_CTL_OPT_BOOL, .help = "only persistent pools"},
    {.name = "autostart", .type = PROV_CTL_OPT_BOOL,
     .help = "only pools started at boot"},
    {.name = "no-autostart", .type = PROV_CTL_OPT_BOOL,
     .help = "only pools not started at boot"},
    {.name = "type", .type = PROV_CTL_OPT_STRING,
     .help = "only pools of these types (comma separated)"},
    {.name = "details", .type = PROV_CTL_OPT_BOOL,
     .help = "add persistence and sizes"},
    {.name = "uuid", .type = PROV_CTL_OPT_BOOL, .help = "print only the UUIDs"},
    {.name = "name", .type = PROV_CTL_OPT_BOOL, .help = "print only the names"},
    {.name = NULL}
};

static const ProvCtlOptDef opts_pool_name[] = {
    OPT_POOL("pool UUID"),
    {.name = NULL}
};

static const ProvCtlOptDef opts_pool_uuid[] = {
    OPT_POOL("pool name"),
    {.name = NULL}
};

static const ProvCtlOptDef opts_pool_start[] = {
    OPT_POOL("pool name or UUID"),
    OPT_POOL_BUILD,
    {.name = NULL}
};

/* Sorted by name, as virsh lists them. */
const ProvCtlCmdDef prov_ctl_pool_cmds[] = {
    {.name = "find-storage-pool-sources-as",
     .handler = cmd_find_pool_sources_as,
     .opts = opts_find_pool_sources_as,
     .help = "find pool sources from a host and port",
     .desc = "Ask a host (NFS server, iSCSI portal) which pool sources it offers; "
             "prints a <sources> XML document."},
    {.name = "find-storage-pool-sources",
     .handler = cmd_find_pool_sources,
     .opts = opts_find_pool_sources,
     .help = "find pool sources from a <source> XML file",
     .desc = "Look for pool sources of a type (volume groups, NFS exports, iSCSI "
             "targets); prints a <sources> XML document."},
    {.name = "pool-autostart",
     .handler = cmd_pool_autostart,
     .opts = opts_pool_autostart,
     .help = "mark a pool to start at boot",
     .desc = "Mark (or with --disable unmark) a persistent pool to be started at "
             "boot by provctl autostart."},
    {.name = "pool-build",
     .handler = cmd_pool_build,
     .opts = opts_pool_build,
     .help = "build a pool",
     .desc = "Create the storage under a pool: make the directory, the file "
             "system, the volume group."},
    {.name = "pool-capabilities",
     .handler = cmd_pool_capabilities,
     .opts = opts_none,
     .help = "which pool types are supported",
     .desc = "Print the <storagepoolCapabilities> XML document listing every "
             "pool type and whether it is supported."},
    {.name = "pool-create-as",
     .handler = cmd_pool_create_as,
     .opts = opts_pool_create_as,
     .help = "create and start a transient pool from arguments",
     .desc = "Build a <pool> document from the arguments and start it as a transient pool."},
    {.name = "pool-create",
     .handler = cmd_pool_create,
     .opts = opts_pool_create,
     .help = "create and start a transient pool from an XML file",
     .desc = "Start a transient pool from a <pool> document; it is forgotten when stopped."},
    {.name = "pool-define-as",
     .handler = cmd_pool_define_as,
     .opts = opts_pool_define_as,
     .help = "define a persistent pool from arguments",
     .desc = "Build a <pool> document from the arguments and define it (without starting it)."},
    {.name = "pool-define",
     .handler = cmd_pool_define,
     .opts = opts_pool_define,
     .help = "define (or redefine) a persistent pool from an XML file",
     .desc = "Define a persistent pool from a <pool> document, or replace the definition "
             "of an existing one; the pool is not started."},
    {.name = "pool-delete",
     .handler = cmd_pool_delete,
     .opts = opts_pool_only,
     .help = "delete the storage of an inactive pool",
     .desc = "Remove what pool-build created (rmdir, vgremove); the definition stays."},
    {.name = "pool-destroy",
     .handler = cmd_pool_destroy,
     .opts = opts_pool_only,
     .help = "stop a pool",
     .desc = "Stop an active pool (unmount, log out); the data in it is left alone."},
    {.name = "pool-dumpxml",
     .handler = cmd_pool_dumpxml,
     .opts = opts_pool_dumpxml,
     .help = "print the XML of a pool",
     .desc = "Print the pool's <pool> document with its current sizes."},
    {.name = "pool-info",
     .handler = cmd_pool_info,
     .opts = opts_pool_info,
     .help = "print pool information",
     .desc = "Print name, UUID, state, persistence, autostart and sizes of a pool.",
     .flags = PROV_CTL_CMD_JSON},
    {.name = "pool-list",
     .handler = cmd_pool_list,
     .opts = opts_pool_list,
     .help = "list pools",
     .desc = "List the active pools, or with --all and --inactive the others too.",
     .flags = PROV_CTL_CMD_JSON},
    {.name = "pool-name",
     .handler = cmd_pool_name,
     .opts = opts_pool_name,
     .help = "print the name of the pool with a UUID",
     .desc = ""},
    {.name = "pool-refresh",
     .handler = cmd_pool_refresh,
     .opts = opts_pool_only,
     .help = "rescan the volumes of a pool",
     .desc = "Re-read the volumes and sizes of an active pool."},
    {.name = "pool-start",
     .handler = cmd_pool_start,
     .opts = opts_pool_start,
     .help = "start an inactive pool",
     .desc = "Start a defined pool (mount, log in, activate), building it first with --build."},
    {.name = "pool-undefine",
     .handler = cmd_pool_undefine,
     .opts = opts_pool_only,
     .help = "remove the definition of a pool",
     .desc = "Forget the definition of an inactive persistent pool; its storage is "
             "left alone."},
    {.name = "pool-uuid",
     .handler = cmd_pool_uuid,
     .opts = opts_pool_uuid,
     .help = "print the UUID of the pool with a name",
     .desc = ""},
    {.name = NULL}
};
