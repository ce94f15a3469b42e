/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sysctl.h: reading and writing kernel parameters under /proc/sys (no `sysctl` command). */
#pragma once

#include <glib.h>
#include <stdbool.h>

/*
 * Paths are relative to /proc/sys and slash-separated ("net/ipv4/ip_forward"), never
 * dotted: interface names may contain dots ("eth0.100").  Absolute paths and ".."
 * components are refused.  /proc/sys/net shows the network namespace of the process
 * that opens the file, so these act in the caller's namespace.
 *
 * Errors are PROV_UTIL_ERROR: PROV_ERR_INVALID_ARG for a bad path, name or value,
 * PROV_ERR_NO_SUPPORT when IPv6 is needed but the kernel has none, and
 * PROV_ERR_SYSTEM_ERROR ("... : <strerror>") for the file operations.
 */

/* The value with its trailing newline removed (caller frees). */
bool prov_sysctl_read(const char *path, char **ret_value, GError **error);
bool prov_sysctl_read_int(const char *path, int *ret_value, GError **error);

/**
 * prov_sysctl_write:
 * @path: parameter, relative to /proc/sys
 * @value: new value, without newline
 * @ret_previous: (out) (optional): the value before the write, for a later restore
 *
 * Reads the parameter first and writes only if the value differs.  This matters:
 * every write of 1 to net/ipv6/conf/all/forwarding, even a repeated one, makes the
 * kernel copy it to every interface and purge the RA-learned default routes.
 */
bool prov_sysctl_write(const char *path, const char *value, char **ret_previous,
                       GError **error);

/* net/ipv4/ip_forward.  @ret_previous (optional) gets the old value. */
bool prov_sysctl_set_ipv4_forwarding(bool enable, int *ret_previous, GError **error);
/*
 * net/ipv6/conf/all/forwarding (the kernel copies it to every interface and to
 * "default").  Check prov_ipv6_check_forwarding_safe() (util/netlink.h) before enabling.
 * Disabling succeeds with *@ret_previous = -1 when the kernel has no IPv6.
 */
bool prov_sysctl_set_ipv6_forwarding(bool enable, int *ret_previous, GError **error);

typedef enum {
    PROV_SYSCTL_IPV6_ACCEPT_RA,     /* 0 ignore RAs, 1 accept unless forwarding, 2 always */
    PROV_SYSCTL_IPV6_AUTOCONF,      /* SLAAC addresses from RA prefixes */
    PROV_SYSCTL_IPV6_DISABLE_IPV6,  /* 1 removes every IPv6 address from the interface */
    PROV_SYSCTL_IPV6_FORWARDING,
    PROV_SYSCTL_IPV6_LAST
} ProvSysctlIpv6Conf;

const char *prov_sysctl_ipv6_conf_to_string(ProvSysctlIpv6Conf key);

/* Does this network namespace have IPv6 (is /proc/sys/net/ipv6 there)? */
bool prov_sysctl_have_ipv6(void);

/**
 * prov_sysctl_set_ipv6_conf:
 * @ifname: interface name, or "all" / "default"
 * @key: which parameter of net/ipv6/conf/<ifname>/
 * @value: new value
 * @ret_previous: (out) (optional): old value, -1 when nothing was there to change
 *
 * When the kernel has no IPv6 (booted with ipv6.disable=1), a value that turns IPv6
 * behaviour off (disable_ipv6=1, accept_ra=0, autoconf=0, forwarding=0) is a success
 * with *@ret_previous = -1, as libvirt tolerates the missing file; anything else is
 * refused with PROV_ERR_NO_SUPPORT.  A missing interface is an error.
 */
bool prov_sysctl_set_ipv6_conf(const char *ifname, ProvSysctlIpv6Conf key, int value,
                               int *ret_previous, GError **error);
bool prov_sysctl_get_ipv6_conf(const char *ifname, ProvSysctlIpv6Conf key, int *ret_value,
                               GError **error);

/*
 * Test seam: read and write under @root instead of /proc/sys (NULL restores it), so the
 * "kernel without IPv6" paths can be exercised on a directory tree.  Not thread-safe.
 */
void prov_sysctl_set_root_for_testing(const char *root);
