/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* statedir.h: the on-disk layout every driver keeps its objects in (configs, status, locks). */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "util/fileutil.h"

/*
 * A driver of kind K ("storage", "network") under a state root R ("" = the system):
 *   R/etc/provd/K/NAME.xml             persistent definitions
 *   R/etc/provd/K/autostart/NAME.xml   autostart marks (symlinks to the definition)
 *   R/run/provd/K/NAME.xml             live status of active objects
 *   R/run/provd/K/locks/               the driver lock and per-object locks
 *   R/var/lib/provd/K/                 data (network: dnsmasq files and leases)
 * The state on disk is the truth; drivers re-read it under the driver lock.
 */
typedef struct {
    char *root;              /* "" for the system locations */
    char *kind;
    char *config_dir;
    char *autostart_dir;
    char *state_dir;
    char *lock_dir;
    char *data_dir;
} ProvStateDirs;

/**
 * prov_state_dirs_init:
 * @dirs: zeroed struct to fill (prov_state_dirs_clear() frees its members)
 * @root: state root, or NULL / "" for the system locations
 * @kind: "storage", "network", ...
 *
 * Fills the paths and creates the directories (the lock directory 0700).
 */
bool prov_state_dirs_init(ProvStateDirs *dirs, const char *root, const char *kind,
                          GError **error);
void prov_state_dirs_clear(ProvStateDirs *dirs);

/* R/etc/provd/K/NAME.xml, R/etc/provd/K/autostart/NAME.xml, R/run/provd/K/NAME.xml. */
char *prov_state_dirs_config_path(const ProvStateDirs *dirs, const char *name);
char *prov_state_dirs_autostart_path(const ProvStateDirs *dirs, const char *name);
char *prov_state_dirs_status_path(const ProvStateDirs *dirs, const char *name);

/* The driver lock (blocking, exclusive): held for every metadata change and re-read. */
ProvFileLock *prov_state_dirs_lock_driver(const ProvStateDirs *dirs, GError **error);

/*
 * The names of the NAME.xml regular files in @dir (status or config), sorted; temp and
 * hidden files are left out.  Never NULL (empty when @dir does not exist).
 */
GPtrArray *prov_state_dirs_list_names(const char *dir);

/* Is NAME marked for autostart? */
bool prov_state_dirs_get_autostart(const ProvStateDirs *dirs, const char *name);

/*
 * Marks (symlink to the definition) or unmarks NAME for autostart; both idempotent.
 * @what names the object for messages, e.g. "network 'default'".
 */
bool prov_state_dirs_set_autostart(const ProvStateDirs *dirs, const char *name, bool autostart,
                                   const char *what, GError **error);
