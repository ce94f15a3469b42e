/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* iscsi.c: the iscsi pool kind: one target at one portal, logged in with open-iscsi iscsiadm. */
#define G_LOG_DOMAIN "provd-backend-iscsi"

#include "config.h"
#include "backends/iscsi.h"
#include "backends/backends.h"

#include <errno.h>
#include <fcntl.h>
#include <scsi/sg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "storage/secret.h"
#include "storage/volume_local.h"
#include "util/command.h"
#include "util/error.h"
#include "util/fileutil.h"

#define PROV_ISCSI_DEFAULT_PORT 3260

/*
 * Time limits.  iscsiadm itself never gives up on a portal that does not answer
 * (a login retries initial_login_retry_max=8 times login_timeout=15 s: two minutes),
 * so every node we log in with gets PROV_ISCSI_NODE_LOGIN_* (about 10 s in all), and
 * the runner's limits below are only the safety net above that.  Sendtargets
 * discovery runs in iscsiadm itself: killing it at the limit leaves nothing behind.
 */
#define PROV_ISCSI_TIMEOUT_MS (30 * 1000)
#define PROV_ISCSI_LOGIN_TIMEOUT_MS (60 * 1000)
#define PROV_ISCSI_DISCOVERY_TIMEOUT_MS (20 * 1000)
#define PROV_ISCSI_RESCAN_TIMEOUT_MS (60 * 1000)
#define PROV_ISCSI_NODE_LOGIN_TIMEOUT "5"
#define PROV_ISCSI_NODE_LOGIN_ATTEMPTS "2"

/* TEST UNIT READY of a LUN that may be gone; a live one answers in milliseconds. */
#define PROV_ISCSI_TUR_TIMEOUT_MS 5000
/* Bound for the kernel's first scan of a new session (a target without LUNs never
 * shows one: the start goes on after this). */
#define PROV_ISCSI_FIRST_SCAN_WAIT_MS 5000

/* iscsiadm's AUTH_STR_MAX_LEN is 256 with the NUL. */
#define PROV_ISCSI_CHAP_MAX 255
/* RFC 3720: an iSCSI name is at most 223 bytes. */
#define PROV_ISCSI_NAME_MAX 223

/* open-iscsi's exit statuses (include/iscsi_err.h) that the code below acts on. */
enum {
    PROV_ISCSI_ERR_SESS_EXISTS = 15,
    PROV_ISCSI_ERR_FATAL_LOGIN = 19,
    PROV_ISCSI_ERR_NO_OBJS_FOUND = 21,
};

static const ProvLunScanOptions prov_iscsi_default_scan = PROV_LUN_SCAN_OPTIONS_DEFAULT;
static const ProvLunScanOptions *prov_iscsi_scan = &prov_iscsi_default_scan;

void
prov_iscsi_set_scan_options(const ProvLunScanOptions *opts)
{
    prov_iscsi_scan = opts ? opts : &prov_iscsi_default_scan;
}

/* ---- exit statuses ---------------------------------------------------------------- */

/* Indexed by status; worded for "login ... failed: <text>". */
static const char *const prov_iscsi_errors[] = {
    [0] = "success",
    [1] = "iscsiadm failed",
    [2] = "session not found",
    [3] = "out of memory",
    [4] = "transport error (the portal cannot be reached)",
    [5] = "login failed",
    [6] = "cannot access the iSCSI node database",
    [7] = "invalid argument",
    [8] = "connection timed out (the portal does not answer)",
    [9] = "internal iscsid error",
    [10] = "logout failed",
    [11] = "iSCSI PDU timed out (the portal does not answer)",
    [12] = "iSCSI transport module not loaded (modprobe iscsi_tcp)",
    [13] = "permission denied",
    [14] = "operation not supported by the transport",
    [15] = "a session already exists",
    [16] = "invalid request to iscsid",
    [17] = "iSNS service not supported",
    [18] = "communication with iscsid failed",
    [19] = "the target refused the login (unknown target, or this initiator is not allowed)",
    [20] = "cannot connect to iscsid (is it running?)",
    [21] = "no records or sessions found",
    [22] = "cannot find the object in sysfs",
    [23] = "iSCSI host not found",
    [24] = "authorization failure (CHAP)",
    [25] = "iSNS query failed",
    [26] = "iSNS registration failed",
    [27] = "operation not supported",
    [28] = "device or resource busy",
    [29] = "temporary failure, try again",
    [30] = "unknown discovery type",
    [31] = "child process terminated",
};

const char *
prov_iscsi_strerror(int status)
{
    if (status < 0 || status >= (int)G_N_ELEMENTS(prov_iscsi_errors))
        return "unknown iscsiadm error";
    return prov_iscsi_errors[status];
}

/* ---- output parsers --------------------------------------------------------------- */

void
prov_iscsi_portal_target_free(ProvIscsiPortalTarget *pt)
{
    if (!pt)
        return;
    g_free(pt->address);
    g_free(pt->target);
    g_free(pt);
}

static bool
parse_int(const char *s, int min, int max, int *ret)
{
    gint64 v;

    if (!g_ascii_string_to_signed(s, 10, min, max, &v, NULL))
        return false;
    *ret = (int)v;
    return true;
}

/*
 * "127.0.0.1:3260,1", "[fe80::1]:3260,1", "[localhost]:3260,1" (a host name is
 * shown in brackets in sessions) -> address, port, tpgt.
 */
static bool
parse_portal(const char *portal, ProvIscsiPortalTarget *pt)
{
    g_autofree char *copy = g_strdup(portal);
    char *comma = strrchr(copy, ',');
    char *colon;
    char *addr = copy;

    if (!comma || !parse_int(comma + 1, -1, G_MAXINT, &pt->tpgt))
        return false;
    *comma = '\0';
    if (!(colon = strrchr(copy, ':')) || !parse_int(colon + 1, 0, 65535, &pt->port))
        return false;
    *colon = '\0';
    if (addr[0] == '[') {
        gsize len = strlen(addr);

        if (len < 2 || addr[len - 1] != ']')
            return false;
        addr[len - 1] = '\0';
        addr++;
    }
    if (!*addr)
        return false;
    pt->address = g_strdup(addr);
    return true;
}

GPtrArray *
prov_iscsi_parse_sessions(const char *output)
{
    GPtrArray *sessions = g_ptr_array_new_with_free_func(
        (GDestroyNotify)prov_iscsi_portal_target_free);
    g_auto(GStrv) lines = g_strsplit(output ? output : "", "\n", -1);
    guint i;

    for (i = 0; lines[i]; i++) {
        g_auto(GStrv) f = g_strsplit_set(g_strstrip(lines[i]), " \t", -1);
        g_autoptr(GPtrArray) words = g_ptr_array_new();
        g_autoptr(ProvIscsiPortalTarget) pt = g_new0(ProvIscsiPortalTarget, 1);
        const char *sid;
        int v;
        guint j;

        for (j = 0; f[j]; j++)
            if (*f[j])
                g_ptr_array_add(words, f[j]);
        /* transport: [sid] portal,tpgt target [(non-flash)] */
        if (words->len < 4 || !g_str_has_suffix(g_ptr_array_index(words, 0), ":"))
            continue;
        sid = g_ptr_array_index(words, 1);
        if (sid[0] != '[' || !g_str_has_suffix(sid, "]"))
            continue;
        {
            g_autofree char *num = g_strndup(sid + 1, strlen(sid) - 2);

            if (!parse_int(num, 1, G_MAXINT, &v))
                continue;
        }
        pt->sid = (guint)v;
        if (!parse_portal(g_ptr_array_index(words, 2), pt))
            continue;
        pt->target = g_strdup(g_ptr_array_index(words, 3));
        g_ptr_array_add(sessions, g_steal_pointer(&pt));
    }
    return sessions;
}

GPtrArray *
prov_iscsi_parse_sendtargets(const char *output)
{
    GPtrArray *targets = g_ptr_array_new_with_free_func(
        (GDestroyNotify)prov_iscsi_portal_target_free);
    g_auto(GStrv) lines = g_strsplit(output ? output : "", "\n", -1);
    guint i;

    for (i = 0; lines[i]; i++) {
        g_autoptr(ProvIscsiPortalTarget) pt = g_new0(ProvIscsiPortalTarget, 1);
        char *line = g_strstrip(lines[i]);
        char *space = strpbrk(line, " \t");
        const char *target;

        if (!space)
            continue;
        *space = '\0';
        target = g_strstrip(space + 1);
        if (!*target || strpbrk(target, " \t") || !parse_portal(line, pt))
            continue;
        pt->target = g_strdup(target);
        g_ptr_array_add(targets, g_steal_pointer(&pt));
    }
    return targets;
}

char *
prov_iscsi_parse_ifaces(const char *output, const char *initiator_iqn)
{
    g_auto(GStrv) lines = g_strsplit(output ? output : "", "\n", -1);
    guint i;

    for (i = 0; lines[i]; i++) {
        char *line = g_strstrip(lines[i]);
        char *space = strpbrk(line, " \t");
        g_auto(GStrv) fields = NULL;

        if (!space)
            continue;
        *space = '\0';
        fields = g_strsplit(g_strstrip(space + 1), ",", -1);
        if (g_strv_length(fields) >= 5 && g_str_equal(fields[4], initiator_iqn))
            return g_strdup(line);
    }
    return NULL;
}

char *
prov_iscsi_iface_name(const char *initiator_iqn)
{
    g_autofree char *sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, initiator_iqn, -1);

    return g_strdup_printf("provd-iface-%.8s", sum);
}

/* ---- sysfs ------------------------------------------------------------------------ */

static char *
read_attr(const char *path)
{
    g_autofree char *text = NULL;

    if (!g_file_get_contents(path, &text, NULL, NULL))
        return NULL;
    return g_strdup(g_strstrip(text));
}

/* A sysfs attribute is written in place, with one write(): no temp file and rename. */
static bool
write_attr(const char *path, const char *value)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
    gsize len = strlen(value);
    ssize_t n;
    int saved;

    if (fd < 0)
        return false;
    do {
        n = write(fd, value, len);
    } while (n < 0 && errno == EINTR);
    saved = n < 0 ? errno : EIO;
    close(fd);
    if (n >= 0 && (gsize)n == len)
        return true;
    errno = saved;
    return false;
}

static char *
read_attr_at(const char *dir, const char *name)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);

    return read_attr(path);
}

/* The first connection of session @sid: <sysfs>/class/iscsi_connection/connection<sid>:<cid>. */
static char *
session_connection(const char *sysfs, guint sid)
{
    g_autofree char *classdir = g_build_filename(sysfs, "class", "iscsi_connection", NULL);
    g_autofree char *prefix = g_strdup_printf("connection%u:", sid);
    g_autoptr(GDir) dir = g_dir_open(classdir, 0, NULL);
    g_autofree char *best = NULL;
    const char *entry;

    while (dir && (entry = g_dir_read_name(dir))) {
        if (g_str_has_prefix(entry, prefix) && (!best || g_strcmp0(entry, best) < 0)) {
            g_free(best);
            best = g_strdup(entry);
        }
    }
    return best ? g_build_filename(classdir, best, NULL) : NULL;
}

/*
 * What `iscsiadm -m session` prints, read where it reads it (captured in
 * tests/iscsidata/sysfs):
 *   class/iscsi_session/session1/{targetname,tpgt}       iqn...., 1
 *   class/iscsi_connection/connection1:0/persistent_address  127.0.0.1 (or the host
 *       name or IPv6 address given at login: "localhost", "::1")
 *   class/iscsi_connection/connection1:0/persistent_port     3260
 * A session without a connection yet (logging in) or any more (logging out) is left out.
 */
GPtrArray *
prov_iscsi_sysfs_sessions(const char *sysfs)
{
    GPtrArray *sessions = g_ptr_array_new_with_free_func(
        (GDestroyNotify)prov_iscsi_portal_target_free);
    g_autofree char *classdir = g_build_filename(sysfs, "class", "iscsi_session", NULL);
    g_autoptr(GDir) dir = g_dir_open(classdir, 0, NULL);
    const char *entry;

    while (dir && (entry = g_dir_read_name(dir))) {
        g_autoptr(ProvIscsiPortalTarget) pt = g_new0(ProvIscsiPortalTarget, 1);
        g_autofree char *sessdir = NULL;
        g_autofree char *conndir = NULL;
        g_autofree char *port = NULL;
        g_autofree char *tpgt = NULL;
        int sid;

        if (!g_str_has_prefix(entry, "session") || !parse_int(entry + 7, 1, G_MAXINT, &sid))
            continue;
        pt->sid = (guint)sid;
        sessdir = g_build_filename(classdir, entry, NULL);
        pt->target = read_attr_at(sessdir, "targetname");
        tpgt = read_attr_at(sessdir, "tpgt");
        if (!tpgt || !parse_int(tpgt, -1, G_MAXINT, &pt->tpgt))
            pt->tpgt = -1;
        if (!(conndir = session_connection(sysfs, pt->sid)))
            continue;
        pt->address = read_attr_at(conndir, "persistent_address");
        port = read_attr_at(conndir, "persistent_port");
        if (!pt->address || !*pt->address) {
            g_free(pt->address);
            g_free(port);
            pt->address = read_attr_at(conndir, "address");
            port = read_attr_at(conndir, "port");
        }
        if (!pt->target || !*pt->target || !pt->address || !*pt->address || !port ||
            !parse_int(port, 0, 65535, &pt->port))
            continue;
        g_ptr_array_add(sessions, g_steal_pointer(&pt));
    }
    return sessions;
}

/* "host5" -> 5 */
static bool
parse_host_name(const char *name, guint *ret_host)
{
    int v;

    if (!g_str_has_prefix(name, "host") || !parse_int(name + 4, 0, G_MAXINT, &v))
        return false;
    *ret_host = (guint)v;
    return true;
}

/*
 * The kernel's layout (captured in tests/iscsidata/sysfs):
 *   /sys/class/iscsi_session/session1/device -> ../../../session1
 *   which resolves to /sys/devices/platform/host2/session1, holding target2:0:0/...
 */
bool
prov_iscsi_session_host(const char *sysfs, guint sid, guint *ret_host, GError **error)
{
    g_autofree char *link = g_strdup_printf("%s/class/iscsi_session/session%u/device", sysfs,
                                            sid);
    g_autofree char *resolved = realpath(link, NULL);
    g_autoptr(GDir) dir = NULL;
    const char *entry;

    if (resolved) {
        g_autofree char *parent = g_path_get_dirname(resolved);
        g_autofree char *base = g_path_get_basename(parent);

        if (parse_host_name(base, ret_host))
            return true;
    }
    if ((dir = g_dir_open(link, 0, NULL))) {
        while ((entry = g_dir_read_name(dir))) {
            unsigned int h, b, t;
            char end;

            if (sscanf(entry, "target%u:%u:%u%c", &h, &b, &t, &end) == 3) {
                *ret_host = h;
                return true;
            }
        }
    }
    g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_FAILED,
                "cannot find the SCSI host of iSCSI session %u in '%s'", sid, link);
    return false;
}

/*
 * Sense data tgt returns for TEST UNIT READY of a LUN it no longer has (sg_turs -vv in
 * the test VM): "70 00 05 00 00 00 00 0a 00 00 00 00 25 00 ..." -- fixed format,
 * key 5 (ILLEGAL REQUEST) in byte 2, ASC 0x25 (LOGICAL UNIT NOT SUPPORTED) in byte 12.
 */
bool
prov_iscsi_sense_lun_gone(const guint8 *sense, gsize len)
{
    guint8 key;
    guint8 asc;

    if (len < 3)
        return false;
    switch (sense[0] & 0x7f) {
    case 0x70:
    case 0x71:
        if (len < 13)
            return false;
        key = sense[2] & 0x0f;
        asc = sense[12];
        break;
    case 0x72:
    case 0x73:
        key = sense[1] & 0x0f;
        asc = sense[2];
        break;
    default:
        return false;
    }
    /* ILLEGAL REQUEST, LOGICAL UNIT NOT SUPPORTED */
    return key == 0x05 && asc == 0x25;
}

/* TEST UNIT READY through SG_IO: does the target still have this LUN? */
static bool
lun_is_gone(const char *devpath)
{
    PROV_AUTOCLOSE int fd = open(devpath, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    guint8 cdb[6] = { 0 };
    guint8 sense[32] = { 0 };
    sg_io_hdr_t io;

    if (fd < 0)
        return false;
    memset(&io, 0, sizeof(io));
    io.interface_id = 'S';
    io.dxfer_direction = SG_DXFER_NONE;
    io.cmd_len = sizeof(cdb);
    io.cmdp = cdb;
    io.mx_sb_len = sizeof(sense);
    io.sbp = sense;
    io.timeout = PROV_ISCSI_TUR_TIMEOUT_MS;
    if (ioctl(fd, SG_IO, &io) < 0)
        return false;
    if ((io.info & SG_INFO_OK_MASK) == SG_INFO_OK || io.sb_len_wr == 0)
        return false;
    return prov_iscsi_sense_lun_gone(sense, io.sb_len_wr);
}

/*
 * A LUN the target dropped stays in the kernel: `iscsiadm -R` only rescans the
 * size of existing devices (it drops to 0) and adds new ones; the kernel says "LUN
 * assignments on this target have changed. The Linux SCSI layer does not
 * automatically remap LUN assignments."  So disk LUNs of a logged-in session that
 * answer TEST UNIT READY with LOGICAL UNIT NOT SUPPORTED are deleted from the SCSI
 * layer, as `rescan-scsi-bus.sh -r` does.  Nothing is probed on a session in
 * recovery or a device that is not running: I/O to those would block.  The LUN
 * scan then reports the volume as gone.
 */
static void
prune_gone_luns(const char *pool, const char *target, const ProvLunScanOptions *opts, guint sid,
                guint host)
{
    g_autofree char *state_path = g_strdup_printf("%s/class/iscsi_session/session%u/state",
                                                  opts->sysfs, sid);
    g_autofree char *state = read_attr(state_path);
    g_autofree char *devdir = g_strdup_printf("%s/bus/scsi/devices", opts->sysfs);
    g_autoptr(GDir) dir = NULL;
    const char *entry;

    if (g_strcmp0(state, "LOGGED_IN") != 0 || !(dir = g_dir_open(devdir, 0, NULL)))
        return;
    while ((entry = g_dir_read_name(dir))) {
        g_autofree char *lundir = g_build_filename(devdir, entry, NULL);
        g_autofree char *type_path = g_build_filename(lundir, "type", NULL);
        g_autofree char *dstate_path = g_build_filename(lundir, "state", NULL);
        g_autofree char *block_path = g_build_filename(lundir, "block", NULL);
        g_autofree char *delete_path = g_build_filename(lundir, "delete", NULL);
        g_autofree char *type = NULL;
        g_autofree char *dstate = NULL;
        g_autofree char *devpath = NULL;
        g_autoptr(GDir) block = NULL;
        const char *blockname;
        unsigned int h, b, t, l;
        char end;

        if (sscanf(entry, "%u:%u:%u:%u%c", &h, &b, &t, &l, &end) != 4 || h != host)
            continue;
        type = read_attr(type_path);
        dstate = read_attr(dstate_path);
        if (g_strcmp0(type, "0") != 0 || g_strcmp0(dstate, "running") != 0)
            continue;
        if (!(block = g_dir_open(block_path, 0, NULL)) || !(blockname = g_dir_read_name(block)))
            continue;
        devpath = g_build_filename(opts->dev, blockname, NULL);
        if (!lun_is_gone(devpath))
            continue;
        if (!write_attr(delete_path, "1")) {
            g_warning("storage pool '%s': target '%s' no longer has LUN %u, but its device "
                      "'%s' cannot be removed: %s, ignoring", pool, target, l, devpath,
                      g_strerror(errno));
            continue;
        }
        g_debug("storage pool '%s': LUN %s is gone from target '%s', removed '%s'", pool,
                entry, target, devpath);
    }
}

/* ---- the pool's source ------------------------------------------------------------ */

/* What a pool's <source> says, checked: one portal and one target. */
typedef struct {
    char *who;                /* "storage pool 'p'" or "iscsi source discovery", for messages */
    char *address;            /* host name or address without brackets */
    int port;
    char *portal;             /* "127.0.0.1:3260", "[fe80::1]:3260" as iscsiadm takes it */
    const char *target;
    const char *initiator;    /* NULL: the host's default initiator name */
} IscsiSource;

static void
iscsi_source_clear(IscsiSource *src)
{
    g_clear_pointer(&src->who, g_free);
    g_clear_pointer(&src->address, g_free);
    g_clear_pointer(&src->portal, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(IscsiSource, iscsi_source_clear)

/*
 * iSCSI names ("iqn.2004-04.fedora:fedora13:iscsi.kvmguests", "eui.02004567A425678D")
 * and portal hosts go on iscsiadm's command line and into its record file names:
 * only the characters they are made of, and never a leading '-'.
 */
static bool
name_is_valid(const char *s, const char *extra, gsize max)
{
    const char *p;

    if (!s || !*s || strlen(s) > max || !g_ascii_isalnum(s[0]))
        return false;
    for (p = s; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr(".:-_", *p) && !strchr(extra, *p))
            return false;
    }
    return true;
}

static char *
format_portal(const char *address, int port)
{
    if (strchr(address, ':'))
        return g_strdup_printf("[%s]:%d", address, port);
    return g_strdup_printf("%s:%d", address, port);
}

/* "[fe80::1]" -> "fe80::1"; NULL when the name is not a plausible host. */
static char *
host_address(const char *name)
{
    g_autofree char *addr = NULL;
    gsize len = name ? strlen(name) : 0;

    if (!name)
        return NULL;
    if (len > 2 && name[0] == '[' && name[len - 1] == ']')
        addr = g_strndup(name + 1, len - 2);
    else
        addr = g_strdup(name);
    /* '%' for IPv6 zones (fe80::1%eth0); "::1" starts with a colon, and the
     * colon-prefixed form is still never an option. */
    if (addr[0] == ':' ? !name_is_valid(addr + strspn(addr, ":"), "%", 255)
                       : !name_is_valid(addr, "%", 255))
        return NULL;
    return g_steal_pointer(&addr);
}

/* @pool: the pool's name, NULL for discovery. */
static bool
iscsi_source_init(const char *pool, const ProvPoolSource *source, IscsiSource *src,
                  GError **error)
{
    const ProvPoolSourceHost *host;

    src->who = pool ? g_strdup_printf("storage pool '%s'", pool)
                    : g_strdup("iscsi source discovery");
    if (source->hosts->len != 1) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "%s: needs exactly one source host (<host name='...'/>), not %u", src->who,
                    source->hosts->len);
        return false;
    }
    host = g_ptr_array_index(source->hosts, 0);
    if (!(src->address = host_address(host->name))) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "%s: '%s' is not a valid host name or address", src->who,
                    host->name ? host->name : "");
        return false;
    }
    src->port = host->port > 0 ? host->port : PROV_ISCSI_DEFAULT_PORT;
    src->portal = format_portal(src->address, src->port);
    return true;
}

/* The target too, for everything but discovery. */
static bool
iscsi_pool_source_init(const ProvPoolDef *def, IscsiSource *src, GError **error)
{
    const ProvPoolSourceDevice *dev;

    if (!iscsi_source_init(def->name, &def->source, src, error))
        return false;
    if (def->source.devices->len != 1) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "%s: needs exactly one target (<device path='iqn...'/>), not %u", src->who,
                    def->source.devices->len);
        return false;
    }
    dev = g_ptr_array_index(def->source.devices, 0);
    if (!name_is_valid(dev->path, "", PROV_ISCSI_NAME_MAX)) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "storage pool '%s': '%s' is not a valid iSCSI target name", def->name,
                    dev->path ? dev->path : "");
        return false;
    }
    src->target = dev->path;
    src->initiator = def->source.initiator_iqn;
    if (src->initiator && !name_is_valid(src->initiator, "", PROV_ISCSI_NAME_MAX)) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "storage pool '%s': '%s' is not a valid iSCSI initiator name", def->name,
                    src->initiator);
        return false;
    }
    return true;
}

/* ---- running iscsiadm ------------------------------------------------------------- */

/* Runs @cmd with a limit; false only when it could not run or timed out. */
static bool
iscsiadm_run(ProvCommand *cmd, guint timeout_ms, char **ret_stdout, int *ret_status,
             GError **error)
{
    prov_command_set_timeout(cmd, timeout_ms);
    return prov_command_run(cmd, ret_stdout, ret_status, error);
}

/* `iscsiadm -m node -T <target> -p <portal> [-I <iface>]`, the start of every node command. */
static ProvCommand *
node_command(const IscsiSource *src, const char *iface)
{
    ProvCommand *cmd = prov_command_new_args(ISCSIADM, "-m", "node", "-T", src->target, "-p",
                                             src->portal, NULL);

    if (iface)
        prov_command_add_args(cmd, "-I", iface, NULL);
    return cmd;
}

static bool
iscsi_sessions(const IscsiSource *src, GPtrArray **ret_sessions, GError **error)
{
    g_autoptr(ProvCommand) cmd = prov_command_new_args(ISCSIADM, "-m", "session", NULL);
    g_autofree char *out = NULL;
    int status;

    if (!iscsiadm_run(cmd, PROV_ISCSI_TIMEOUT_MS, &out, &status, error)) {
        g_prefix_error(error, "%s: cannot list iSCSI sessions: ", src->who);
        return false;
    }
    /* 21: "iscsiadm: No active sessions." */
    if (status != 0 && status != PROV_ISCSI_ERR_NO_OBJS_FOUND) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_FAILED,
                    "%s: cannot list iSCSI sessions: %s (iscsiadm exit %d)",
                    src->who, prov_iscsi_strerror(status), status);
        return false;
    }
    *ret_sessions = prov_iscsi_parse_sessions(status == 0 ? out : "");
    return true;
}

/*
 * The session of our target at our portal.  libvirt compares the target only, so a
 * pool would adopt a session to the same target through another portal (another
 * path, another array controller); we want ours.  Host names compare as written:
 * iscsiadm keeps the name given with -p (the session shows "[myhost]:3260,1").
 */
static bool
session_matches(const IscsiSource *src, const ProvIscsiPortalTarget *s)
{
    return g_str_equal(s->target, src->target) && s->port == src->port &&
           g_ascii_strcasecmp(s->address, src->address) == 0;
}

static bool
find_session(const IscsiSource *src, guint *ret_sid, GError **error)
{
    g_autoptr(GPtrArray) sessions = NULL;
    guint i;

    *ret_sid = 0;
    if (!iscsi_sessions(src, &sessions, error))
        return false;
    for (i = 0; i < sessions->len; i++) {
        const ProvIscsiPortalTarget *s = g_ptr_array_index(sessions, i);

        if (session_matches(src, s)) {
            *ret_sid = s->sid;
            break;
        }
    }
    return true;
}

/* The interface record carrying @src->initiator, NULL in *ret_iface when there is none. */
static bool
iface_find(const IscsiSource *src, char **ret_iface, GError **error)
{
    g_autoptr(ProvCommand) cmd = prov_command_new_args(ISCSIADM, "-m", "iface", NULL);
    g_autofree char *out = NULL;
    int status;

    *ret_iface = NULL;
    if (!iscsiadm_run(cmd, PROV_ISCSI_TIMEOUT_MS, &out, &status, error)) {
        g_prefix_error(error, "%s: cannot list iSCSI interfaces: ", src->who);
        return false;
    }
    if (status != 0 && status != PROV_ISCSI_ERR_NO_OBJS_FOUND) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_FAILED,
                    "%s: cannot list iSCSI interfaces: %s (iscsiadm exit %d)",
                    src->who, prov_iscsi_strerror(status), status);
        return false;
    }
    *ret_iface = prov_iscsi_parse_ifaces(status == 0 ? out : "", src->initiator);
    return true;
}

/*
 * The initiator name is a property of an iscsiadm interface record, not of a
 * login: find one with it, or make one ("provd-iface-<hash>", so the next start
 * finds the same).  Like libvirt, the record is left in place afterwards.
 */
static bool
iface_ensure(const IscsiSource *src, char **ret_iface, GError **error)
{
    g_autofree char *iface = NULL;
    g_autoptr(ProvCommand) create = NULL;
    g_autoptr(ProvCommand) update = NULL;
    int status;

    if (!iface_find(src, &iface, error))
        return false;
    if (iface) {
        *ret_iface = g_steal_pointer(&iface);
        return true;
    }
    iface = prov_iscsi_iface_name(src->initiator);
    create = prov_command_new_args(ISCSIADM, "-m", "iface", "-I", iface, "-o", "new", NULL);
    /* A record of that name with another initiator name is re-pointed by the update. */
    if (!iscsiadm_run(create, PROV_ISCSI_TIMEOUT_MS, NULL, &status, error))
        return false;
    update = prov_command_new_args(ISCSIADM, "-m", "iface", "-I", iface, "-o", "update", "-n",
                                   "iface.initiatorname", "-v", src->initiator, NULL);
    if (!iscsiadm_run(update, PROV_ISCSI_TIMEOUT_MS, NULL, &status, error))
        return false;
    if (status != 0) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_FAILED,
                    "%s: cannot create iSCSI interface '%s' for initiator "
                    "'%s': %s (iscsiadm exit %d)", src->who, iface, src->initiator,
                    prov_iscsi_strerror(status), status);
        return false;
    }
    *ret_iface = g_steal_pointer(&iface);
    return true;
}

static bool
node_exists(const IscsiSource *src, const char *iface, bool *ret_exists, GError **error)
{
    g_autoptr(ProvCommand) cmd = node_command(src, iface);
    int status;

    if (!iscsiadm_run(cmd, PROV_ISCSI_TIMEOUT_MS, NULL, &status, error))
        return false;
    if (status != 0 && status != PROV_ISCSI_ERR_NO_OBJS_FOUND) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_FAILED,
                    "%s: cannot read the iSCSI node record of target '%s' at "
                    "'%s': %s (iscsiadm exit %d)", src->who, src->target, src->portal,
                    prov_iscsi_strerror(status), status);
        return false;
    }
    *ret_exists = status == 0;
    return true;
}

/* `-o new`, `-o delete`: the record of our target at our portal. */
static bool
node_op(const IscsiSource *src, const char *iface, const char *op, GError **error)
{
    g_autoptr(ProvCommand) cmd = node_command(src, iface);
    int status;

    prov_command_add_args(cmd, "-o", op, NULL);
    if (!iscsiadm_run(cmd, PROV_ISCSI_TIMEOUT_MS, NULL, &status, error))
        return false;
    /* Deleting what is already gone is done. */
    if (status == 0 || (status == PROV_ISCSI_ERR_NO_OBJS_FOUND && g_str_equal(op, "delete")))
        return true;
    g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_FAILED,
                "%s: cannot %s the iSCSI node record of target '%s' at '%s': "
                "%s (iscsiadm exit %d)", src->who, g_str_equal(op, "new") ? "add" : op,
                src->target, src->portal, prov_iscsi_strerror(status), status);
    return false;
}

/* ---- the record of node records we added ------------------------------------------ */

/*
 * A node record we created is ours to delete at stop; one the administrator made
 * (discovery, or by hand) is not.  Start and stop may run in different processes,
 * and a host restart wipes /run while the record in /etc/iscsi stays, so the fact
 * lives in <root>/var/lib/provd/iscsi/<pool>.node: "target\nportal\niface\n".
 */
static char *
marker_path(const ProvStoragePool *pool)
{
    return g_strdup_printf("%s%s/iscsi/%s.node", pool->root ? pool->root : "", PROV_DATA_DIR,
                           pool->def->name);
}

static bool
marker_write(const ProvStoragePool *pool, const IscsiSource *src, const char *iface,
             GError **error)
{
    g_autofree char *path = marker_path(pool);
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *text = g_strdup_printf("%s\n%s\n%s\n", src->target, src->portal,
                                            iface ? iface : "");

    return prov_mkdir_p(dir, 0755, error) &&
           prov_file_write_atomic(path, text, strlen(text), 0644, error);
}

/* The node record the marker names, if it is the one of @src. */
static bool
marker_matches(const ProvStoragePool *pool, const IscsiSource *src, char **ret_iface)
{
    g_autofree char *path = marker_path(pool);
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;

    if (!g_file_get_contents(path, &text, NULL, NULL))
        return false;
    lines = g_strsplit(text, "\n", -1);
    if (g_strv_length(lines) < 3 || !g_str_equal(lines[0], src->target) ||
        !g_str_equal(lines[1], src->portal))
        return false;
    *ret_iface = *lines[2] ? g_strdup(lines[2]) : NULL;
    return true;
}

static void
marker_remove(const ProvStoragePool *pool)
{
    g_autofree char *path = marker_path(pool);
    g_autoptr(GError) local = NULL;

    if (!prov_file_unlink_durable(path, &local))
        g_warning("%s, ignoring", local->message);
}

/* ---- CHAP ------------------------------------------------------------------------- */

static bool
chap_text_is_valid(const guint8 *s, gsize len)
{
    gsize i;

    if (len == 0 || len > PROV_ISCSI_CHAP_MAX)
        return false;
    /* iscsiadm stores "name = value" lines: a newline would start another setting. */
    for (i = 0; i < len; i++) {
        if (s[i] < 0x20 || s[i] == 0x7f)
            return false;
    }
    return true;
}

/* The pool's <auth type='chap' username=...><secret uuid|usage/></auth> password. */
static ProvSecretValue *
chap_password(const ProvStoragePool *pool, GError **error)
{
    const ProvPoolAuth *auth = &pool->def->source.auth;
    const char *root = pool->root ? pool->root : "";
    g_autoptr(ProvSecretDef) secret = NULL;
    g_autoptr(ProvSecretValue) value = NULL;
    g_autoptr(GError) local = NULL;
    unsigned char uuid[16];
    char uuidstr[37];

    if (auth->secret_uuid) {
        if (!prov_uuid_parse(auth->secret_uuid, uuid)) {
            g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                        "storage pool '%s': malformed CHAP secret uuid '%s'", pool->def->name,
                        auth->secret_uuid);
            return NULL;
        }
    } else {
        secret = prov_secret_lookup_by_usage(root, PROV_SECRET_USAGE_ISCSI, auth->secret_usage,
                                             &local);
        if (!secret) {
            g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_NO_SECRET,
                        "storage pool '%s': no iscsi secret with usage '%s' for the CHAP "
                        "password (define it with secret-define, then secret-set-value)",
                        pool->def->name, auth->secret_usage);
            return NULL;
        }
        memcpy(uuid, secret->uuid, 16);
    }
    prov_uuid_format(uuid, uuidstr);
    if (!(value = prov_secret_get_value(root, uuid, PROV_SECRET_VALUE_INTERNAL, &local))) {
        g_set_error(error, PROV_STORAGE_ERROR, prov_error_code(local),
                    "storage pool '%s': cannot get the CHAP password: %s", pool->def->name,
                    local->message);
        return NULL;
    }
    if (!chap_text_is_valid(value->data, value->len) ||
        memchr(value->data, '\0', value->len)) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "storage pool '%s': the value of secret '%s' is not usable as a CHAP "
                    "password: it must be 1 to %d characters without control characters "
                    "(a trailing newline?)", pool->def->name, uuidstr, PROV_ISCSI_CHAP_MAX);
        return NULL;
    }
    return g_steal_pointer(&value);
}

/* ---- the backend ------------------------------------------------------------------ */

/*
 * The driver asks this of every active pool on every call, and refresh needs the
 * session's sysfs entries anyway, so both read the kernel's session list in-process
 * (what `iscsiadm -m session` reads) instead of running a tool: microseconds instead
 * of a fork and exec each time.  Start and stop, which change sessions, ask iscsiadm.
 */
static guint
find_session_sysfs(const IscsiSource *src, const char *sysfs)
{
    g_autoptr(GPtrArray) sessions = prov_iscsi_sysfs_sessions(sysfs);
    guint i;

    for (i = 0; i < sessions->len; i++) {
        const ProvIscsiPortalTarget *s = g_ptr_array_index(sessions, i);

        if (session_matches(src, s))
            return s->sid;
    }
    return 0;
}

static bool
iscsi_check_pool(ProvStoragePool *pool, bool *ret_active, GError **error)
{
    g_auto(IscsiSource) src = { 0 };
    g_autoptr(GError) local = NULL;

    *ret_active = false;
    if (!iscsi_pool_source_init(pool->def, &src, &local)) {
        g_debug("%s", local->message);
        return true;
    }
    *ret_active = find_session_sysfs(&src, prov_iscsi_scan->sysfs) > 0;
    return true;
}

/*
 * Status 19 covers both "no such target" and "not allowed"; a sendtargets discovery
 * at the same portal tells them apart (a target whose ACL leaves us out is usually
 * not listed either, so "offers no target" can mean that too).  Returns NULL when
 * the discovery fails.
 */
static char *
explain_refused_login(const IscsiSource *src, const char *iface)
{
    g_autoptr(ProvCommand) cmd = prov_command_new_args(ISCSIADM, "-m", "discovery", "-t",
                                                       "sendtargets", "-p", src->portal, "-o",
                                                       "nonpersistent", NULL);
    g_autoptr(GPtrArray) targets = NULL;
    g_autoptr(GString) offered = g_string_new(NULL);
    g_autoptr(GError) local = NULL;
    g_autofree char *out = NULL;
    int status;
    guint i;

    if (iface)
        prov_command_add_args(cmd, "-I", iface, NULL);
    if (!iscsiadm_run(cmd, PROV_ISCSI_DISCOVERY_TIMEOUT_MS, &out, &status, &local) ||
        (status != 0 && status != PROV_ISCSI_ERR_NO_OBJS_FOUND))
        return NULL;
    targets = prov_iscsi_parse_sendtargets(status == 0 ? out : "");
    for (i = 0; i < targets->len; i++) {
        const ProvIscsiPortalTarget *t = g_ptr_array_index(targets, i);

        if (g_str_equal(t->target, src->target))
            return g_strdup("the target refused the login (it exists at this portal: is "
                            "this initiator allowed?)");
        g_string_append_printf(offered, "%s'%s'", offered->len ? ", " : "", t->target);
    }
    if (!offered->len)
        return g_strdup_printf("the portal offers no target named '%s' (it offers none)",
                               src->target);
    return g_strdup_printf("the portal offers no target named '%s' (it offers %s)",
                           src->target, offered->str);
}

static bool
login_failed(const IscsiSource *src, const char *iface, int status, GError **error)
{
    g_autofree char *why = NULL;

    if (status == PROV_ISCSI_ERR_FATAL_LOGIN)
        why = explain_refused_login(src, iface);
    g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_FAILED,
                "%s: login to target '%s' at '%s' failed: %s (iscsiadm exit %d)",
                src->who, src->target, src->portal, why ? why : prov_iscsi_strerror(status),
                status);
    return false;
}

/* Set up the node record (login time limits, CHAP) and log in. */
static bool
iscsi_login(ProvStoragePool *pool, const IscsiSource *src, const char *iface,
            const ProvSecretValue *password, GError **error)
{
    const ProvPoolAuth *auth = &pool->def->source.auth;
    g_autoptr(ProvCommand) update = node_command(src, iface);
    g_autoptr(ProvCommand) login = NULL;
    int status;

    /* One update sets them all: iscsiadm takes several -n/-v pairs (2.0.874 on). */
    prov_command_add_args(update, "-o", "update",
                          "-n", "node.conn[0].timeo.login_timeout",
                          "-v", PROV_ISCSI_NODE_LOGIN_TIMEOUT,
                          "-n", "node.session.initial_login_retry_max",
                          "-v", PROV_ISCSI_NODE_LOGIN_ATTEMPTS, NULL);
    /*
     * iscsiadm takes the password only on its command line, where `ps` can see it
     * for the few milliseconds the update runs (libvirt does the same); it is
     * never in our logs or errors (prov_command_add_arg_secret).
     */
    if (password) {
        prov_command_add_args(update, "-n", "node.session.auth.authmethod", "-v", "CHAP",
                              "-n", "node.session.auth.username", "-v", auth->username,
                              "-n", "node.session.auth.password", "-v", NULL);
        prov_command_add_arg_secret(update, (const char *)password->data);
    }
    if (!iscsiadm_run(update, PROV_ISCSI_TIMEOUT_MS, NULL, &status, error))
        return false;
    if (status != 0) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_FAILED,
                    "%s: cannot update the iSCSI node record of target '%s' at '%s': %s "
                    "(iscsiadm exit %d)", src->who, src->target, src->portal,
                    prov_iscsi_strerror(status), status);
        return false;
    }

    login = node_command(src, iface);
    prov_command_add_arg(login, "--login");
    if (!iscsiadm_run(login, PROV_ISCSI_LOGIN_TIMEOUT_MS, NULL, &status, error)) {
        g_prefix_error(error, "%s: login to target '%s' at '%s' failed: ",
                       src->who, src->target, src->portal);
        return false;
    }
    /* 15: someone logged in meanwhile, which is what we wanted. */
    if (status != 0 && status != PROV_ISCSI_ERR_SESS_EXISTS)
        return login_failed(src, iface, status, error);
    return true;
}

static bool logout_session(const IscsiSource *src, guint sid, GError **error);

/*
 * After a login the kernel's first scan of the session runs asynchronously (iscsid
 * starts it once the login is reported), and a scan we start ourselves before the
 * session is scannable finds nothing.  So the start waits, bounded, until the session's
 * target shows up under <sysfs>/class/iscsi_session/sessionN/device/targetH:B:T; the
 * refresh's own rescan then finds every LUN.  (`udevadm settle` used to hide this.)
 */
static void
wait_first_scan(const char *sysfs, guint sid)
{
    g_autofree char *dir = g_strdup_printf("%s/class/iscsi_session/session%u/device", sysfs,
                                           sid);
    gint64 deadline = g_get_monotonic_time() + PROV_ISCSI_FIRST_SCAN_WAIT_MS * 1000;
    gulong delay_us = 10 * 1000;

    if (sid == 0)
        return;
    for (;;) {
        g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
        const char *entry;

        while (d && (entry = g_dir_read_name(d))) {
            if (g_str_has_prefix(entry, "target"))
                return;
        }
        if (g_get_monotonic_time() >= deadline) {
            g_debug("iSCSI session %u: no target scanned after %d ms, going on", sid,
                    PROV_ISCSI_FIRST_SCAN_WAIT_MS);
            return;
        }
        g_usleep(delay_us);
        delay_us = MIN(delay_us * 2, 200 * 1000);
    }
}

static bool
iscsi_start_pool(ProvStoragePool *pool, GError **error)
{
    g_auto(IscsiSource) src = { 0 };
    g_autoptr(ProvSecretValue) password = NULL;
    g_autofree char *iface = NULL;
    g_autoptr(GError) local = NULL;
    ProvPoolSourceHost *host;
    bool exists = false;
    bool created = false;
    guint sid;

    if (!iscsi_pool_source_init(pool->def, &src, error) ||
        !prov_lun_check_target(pool->def, error))
        return false;
    /* As libvirt: the live definition shows the port in use. */
    host = g_ptr_array_index(pool->def->source.hosts, 0);
    if (host->port <= 0)
        host->port = src.port;

    if (!find_session(&src, &sid, error))
        return false;
    if (sid > 0)
        return true;

    /* Everything that can be checked is, before any record changes. */
    if (pool->def->source.auth.type == PROV_AUTH_CHAP) {
        const char *user = pool->def->source.auth.username;

        if (!user || !chap_text_is_valid((const guint8 *)user, strlen(user))) {
            g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                        "storage pool '%s': CHAP user name '%s' must be 1 to %d characters "
                        "without control characters", pool->def->name, user ? user : "",
                        PROV_ISCSI_CHAP_MAX);
            return false;
        }
        if (!(password = chap_password(pool, error)))
            return false;
    } else if (pool->def->source.auth.type != PROV_AUTH_NONE) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "storage pool '%s': iscsi pools only support CHAP authentication",
                    pool->def->name);
        return false;
    }
    if (src.initiator && !iface_ensure(&src, &iface, error))
        return false;

    if (!node_exists(&src, iface, &exists, error))
        return false;
    if (!exists) {
        /* The marker first: a crash right after `-o new` must not orphan the record. */
        if (!marker_write(pool, &src, iface, error))
            return false;
        if (!node_op(&src, iface, "new", error)) {
            marker_remove(pool);
            return false;
        }
        created = true;
    }

    /* A successful login has made the session: iscsiadm waits for it.  The refresh
     * that follows finds it (and its LUNs), or the driver stops the pool again. */
    if (iscsi_login(pool, &src, iface, password, error)) {
        wait_first_scan(prov_iscsi_scan->sysfs, find_session_sysfs(&src, prov_iscsi_scan->sysfs));
        return true;
    }

    /* Leave things as they were: no session half set up, no record of ours. */
    if (!find_session(&src, &sid, &local) || (sid > 0 && !logout_session(&src, sid, &local)))
        g_debug("%s, ignoring", local->message);
    if (created) {
        g_clear_error(&local);
        if (node_op(&src, iface, "delete", &local))
            marker_remove(pool);
        else
            g_warning("%s, ignoring", local->message);
    }
    return false;
}

static bool
logout_session(const IscsiSource *src, guint sid, GError **error)
{
    g_autoptr(ProvCommand) cmd = prov_command_new_args(ISCSIADM, "-m", "session", "-r", NULL);
    int status;

    prov_command_add_arg_format(cmd, "%u", sid);
    prov_command_add_arg(cmd, "--logout");
    if (!iscsiadm_run(cmd, PROV_ISCSI_TIMEOUT_MS, NULL, &status, error)) {
        g_prefix_error(error, "%s: logout from target '%s' at '%s' failed: ",
                       src->who, src->target, src->portal);
        return false;
    }
    /* 21: the session ended meanwhile. */
    if (status != 0 && status != PROV_ISCSI_ERR_NO_OBJS_FOUND) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_FAILED,
                    "%s: logout from target '%s' at '%s' failed: %s "
                    "(iscsiadm exit %d)", src->who, src->target, src->portal,
                    prov_iscsi_strerror(status), status);
        return false;
    }
    return true;
}

/*
 * Logout by session id, so exactly the session(s) matched by target and portal end,
 * whichever interface record they were made through; then the node record goes if
 * we added it.
 */
static bool
iscsi_stop_pool(ProvStoragePool *pool, GError **error)
{
    g_auto(IscsiSource) src = { 0 };
    g_autoptr(GError) local = NULL;
    g_autofree char *iface = NULL;
    guint sid;
    guint rounds = 0;

    if (!iscsi_pool_source_init(pool->def, &src, &local)) {
        /* Such a pool cannot have been started. */
        g_debug("%s", local->message);
        return true;
    }
    /* node.session.nr_sessions may have made several; each round ends one. */
    for (;;) {
        if (!find_session(&src, &sid, error))
            return false;
        if (sid == 0)
            break;
        if (++rounds > 16) {
            g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_FAILED,
                        "storage pool '%s': session %u to target '%s' at '%s' does not end",
                        pool->def->name, sid, src.target, src.portal);
            return false;
        }
        if (!logout_session(&src, sid, error))
            return false;
    }
    if (marker_matches(pool, &src, &iface)) {
        if (!node_op(&src, iface, "delete", error))
            return false;
        marker_remove(pool);
    }
    return true;
}

static bool
iscsi_refresh_pool(ProvStoragePool *pool, GError **error)
{
    const ProvLunScanOptions *opts = prov_iscsi_scan;
    g_auto(IscsiSource) src = { 0 };
    g_autoptr(GPtrArray) missing = NULL;
    guint sid;
    guint host;

    if (!iscsi_pool_source_init(pool->def, &src, error))
        return false;
    if ((sid = find_session_sysfs(&src, opts->sysfs)) == 0) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_INVALID,
                    "storage pool '%s': there is no iSCSI session to target '%s' at '%s' "
                    "(logged out behind provd's back?)", pool->def->name, src.target,
                    src.portal);
        return false;
    }
    /*
     * New LUNs appear, and the size of existing ones is re-read: what `iscsiadm -m
     * session -r SID -R` does (a rescan of each device, then a scan of the host), done
     * here in-process, which saves the iscsiadm run (0.4-0.7 s in the test VM).
     */
    if (!prov_iscsi_session_host(opts->sysfs, sid, &host, error)) {
        g_prefix_error(error, "storage pool '%s': ", pool->def->name);
        return false;
    }
    prov_lun_rescan_devices(opts, host);
    if (!prov_lun_rescan_host(opts, host, error)) {
        g_prefix_error(error, "storage pool '%s': cannot rescan iSCSI session %u: ",
                       pool->def->name, sid);
        return false;
    }
    prune_gone_luns(pool->def->name, src.target, opts, sid, host);
    if (!prov_lun_scan_host(pool, opts, host, &missing, error))
        return false;
    prov_lun_report_missing(pool, missing);
    return true;
}

/*
 * find-storage-pool-sources: `iscsiadm -m discovery -t sendtargets -p PORTAL -o
 * nonpersistent [-I IFACE]` (nonpersistent: no node records are written).  The spec
 * is <source><host name='H' [port='P']/>[<initiator><iqn name='I'/></initiator>]</source>;
 * with an initiator name, an interface record carrying it must exist (as in libvirt:
 * discovery does not create one).
 */
static char *
iscsi_find_pool_sources(const char *srcspec, unsigned int flags, GError **error)
{
    g_autoptr(ProvPoolSource) spec = NULL;
    g_auto(IscsiSource) src = { 0 };
    g_autoptr(ProvCommand) cmd = NULL;
    g_autoptr(GPtrArray) targets = NULL;
    g_autoptr(GPtrArray) sources = NULL;
    g_autoptr(GHashTable) seen = NULL;
    g_autofree char *iface = NULL;
    g_autofree char *out = NULL;
    const char *name;
    int status;
    guint i;

    if (flags) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INVALID_ARG,
                    "unsupported flags (0x%x) for iscsi source discovery", flags);
        return NULL;
    }
    if (!srcspec) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INVALID_ARG,
                    "iscsi source discovery needs a portal: <source><host name='...'/></source>"
                    " (find-storage-pool-sources-as iscsi HOST [PORT])");
        return NULL;
    }
    if (!(spec = prov_pool_source_parse_string(PROV_POOL_ISCSI, srcspec, error)))
        return NULL;
    if (!iscsi_source_init(NULL, spec, &src, error))
        return NULL;
    name = ((ProvPoolSourceHost *)g_ptr_array_index(spec->hosts, 0))->name;
    src.initiator = spec->initiator_iqn;
    if (src.initiator) {
        if (!name_is_valid(src.initiator, "", PROV_ISCSI_NAME_MAX)) {
            g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INVALID_ARG,
                        "'%s' is not a valid iSCSI initiator name", src.initiator);
            return NULL;
        }
        if (!iface_find(&src, &iface, error))
            return NULL;
        if (!iface) {
            g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_FAILED,
                        "no iSCSI interface record has initiator name '%s' (starting a pool "
                        "with that <initiator> creates one)", src.initiator);
            return NULL;
        }
    }

    cmd = prov_command_new_args(ISCSIADM, "-m", "discovery", "-t", "sendtargets", "-p",
                                src.portal, "-o", "nonpersistent", NULL);
    if (iface)
        prov_command_add_args(cmd, "-I", iface, NULL);
    if (!iscsiadm_run(cmd, PROV_ISCSI_DISCOVERY_TIMEOUT_MS, &out, &status, error)) {
        g_prefix_error(error, "cannot discover iSCSI targets at '%s': ", src.portal);
        return NULL;
    }
    if (status != 0 && status != PROV_ISCSI_ERR_NO_OBJS_FOUND) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_FAILED,
                    "cannot discover iSCSI targets at '%s': %s (iscsiadm exit %d)", src.portal,
                    prov_iscsi_strerror(status), status);
        return NULL;
    }

    /* A target reachable through several portals is listed once per portal. */
    targets = prov_iscsi_parse_sendtargets(status == 0 ? out : "");
    sources = g_ptr_array_new_with_free_func((GDestroyNotify)prov_pool_source_free);
    seen = g_hash_table_new(g_str_hash, g_str_equal);
    for (i = 0; i < targets->len; i++) {
        const ProvIscsiPortalTarget *t = g_ptr_array_index(targets, i);
        ProvPoolSource *s;

        if (!g_hash_table_add(seen, t->target))
            continue;
        s = prov_pool_source_new();
        prov_pool_source_add_host(s, name, src.port);
        prov_pool_source_add_device(s, t->target);
        s->initiator_iqn = g_strdup(src.initiator);
        g_ptr_array_add(sources, s);
    }
    return prov_pool_source_list_format(PROV_POOL_ISCSI, sources);
}

/* Volumes are the target's LUNs: nothing to create, delete or resize here. */
const ProvStorageBackend prov_backend_iscsi = {
    .type = PROV_POOL_ISCSI,
    .cache_volumes = true,
    .check_pool = iscsi_check_pool,
    .start_pool = iscsi_start_pool,
    .refresh_pool = iscsi_refresh_pool,
    .stop_pool = iscsi_stop_pool,
    .find_pool_sources = iscsi_find_pool_sources,
    .pool_usage = prov_lun_pool_usage,
    .upload_vol = prov_local_vol_upload,
    .download_vol = prov_local_vol_download,
    .wipe_vol = prov_local_vol_wipe,
};
