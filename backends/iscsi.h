/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* iscsi.h: the 'iscsi' pool kind's parsers and helpers, exposed for the tests. */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "backends/lun.h"
#include "storage/backend.h"

/*
 * One portal + target pair: a line of `iscsiadm -m session` (sid > 0) or of
 * `iscsiadm -m discovery -t sendtargets` (sid 0).  @address is without the
 * brackets iscsiadm puts around IPv6 literals and host names.
 */
typedef struct {
    guint sid;
    char *address;
    int port;
    int tpgt;
    char *target;
} ProvIscsiPortalTarget;

void prov_iscsi_portal_target_free(ProvIscsiPortalTarget *pt);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvIscsiPortalTarget, prov_iscsi_portal_target_free)

/**
 * prov_iscsi_parse_sessions:
 * @output: stdout of `iscsiadm -m session`, e.g.
 *   "tcp: [1] 127.0.0.1:3260,1 iqn.2004-04.fedora:fedora13:iscsi.kvmguests (non-flash)"
 *
 * Returns the sessions (ProvIscsiPortalTarget*), lines that do not parse left out.
 */
GPtrArray *prov_iscsi_parse_sessions(const char *output);

/**
 * prov_iscsi_sysfs_sessions:
 * @sysfs: "/sys" or a fixture tree
 *
 * The same list from the kernel's attributes (class/iscsi_session/sessionN and
 * class/iscsi_connection/connectionN:0), read in-process.  Returns
 * ProvIscsiPortalTarget* entries; none when the iSCSI modules are not loaded.
 */
GPtrArray *prov_iscsi_sysfs_sessions(const char *sysfs);

/**
 * prov_iscsi_parse_sendtargets:
 * @output: stdout of sendtargets discovery, e.g.
 *   "127.0.0.1:3260,1 iqn.2004-04.fedora:fedora13:iscsi.kvmguests"
 *
 * Returns the portal/target pairs (ProvIscsiPortalTarget*, sid 0).
 */
GPtrArray *prov_iscsi_parse_sendtargets(const char *output);

/**
 * prov_iscsi_parse_ifaces:
 * @output: stdout of `iscsiadm -m iface`, lines
 *   "<iface> <transport>,<hwaddress>,<ipaddress>,<net_ifacename>,<initiatorname>"
 * @initiator_iqn: the initiator name wanted
 *
 * Returns the name of the first interface record using @initiator_iqn, or NULL.
 */
char *prov_iscsi_parse_ifaces(const char *output, const char *initiator_iqn);

/* The interface record provd creates for an initiator name: "provd-iface-<8 hex>",
 * the same for the same name on every run and every host. */
char *prov_iscsi_iface_name(const char *initiator_iqn);

/* What an iscsiadm exit status means (open-iscsi's include/iscsi_err.h). */
const char *prov_iscsi_strerror(int status);

/**
 * prov_iscsi_session_host:
 * @sysfs: "/sys" or a fixture tree
 * @sid: the session id
 * @ret_host: (out): N of the SCSI host "hostN" the session's LUNs hang off
 *
 * Resolves <sysfs>/class/iscsi_session/session<sid>/device, a link to
 * .../platform/host<N>/session<sid>; falls back to its "target<N>:<B>:<T>" entries.
 */
bool prov_iscsi_session_host(const char *sysfs, guint sid, guint *ret_host, GError **error);

/* Whether SCSI sense data says "ILLEGAL REQUEST / LOGICAL UNIT NOT SUPPORTED" (the
 * target no longer has that LUN); fixed (0x70/0x71) and descriptor (0x72/0x73) forms. */
bool prov_iscsi_sense_lun_gone(const guint8 *sense, gsize len);

/* Test seam: the sysfs and /dev roots and waits refresh uses; NULL restores the defaults. */
void prov_iscsi_set_scan_options(const ProvLunScanOptions *opts);
