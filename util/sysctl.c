/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sysctl.c: kernel parameters under /proc/sys, read and written as files. */
#define G_LOG_DOMAIN "prov-sysctl"

#include "util/sysctl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/error.h"
#include "util/fileutil.h"
#include "util/netlink.h"

/* Longest value we read: every parameter we use is one integer. */
#define PROV_SYSCTL_MAX_VALUE 4096

static char *prov_sysctl_root;

void
prov_sysctl_set_root_for_testing(const char *root)
{
    g_free(prov_sysctl_root);
    prov_sysctl_root = g_strdup(root);
}

static const char *
prov_sysctl_root_dir(void)
{
    return prov_sysctl_root ? prov_sysctl_root : "/proc/sys";
}

/* The absolute file name of @path, or NULL with an error when @path is not acceptable. */
static char *
prov_sysctl_file(const char *path, GError **error)
{
    g_auto(GStrv) parts = NULL;
    gsize i;

    if (!path || !*path || path[0] == '/') {
        g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_INVALID_ARG,
                    "sysctl path '%s' must be relative to /proc/sys", path ? path : "");
        return NULL;
    }
    parts = g_strsplit(path, "/", -1);
    for (i = 0; parts[i]; i++) {
        if (!*parts[i] || g_str_equal(parts[i], ".") || g_str_equal(parts[i], "..")) {
            g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_INVALID_ARG,
                        "sysctl path '%s' has an empty, '.' or '..' component", path);
            return NULL;
        }
    }
    return g_build_filename(prov_sysctl_root_dir(), path, NULL);
}

/* Reads @file (one short value). Returns 0 or -errno; *ret_value is set on success. */
static int
prov_sysctl_read_file(const char *file, char **ret_value)
{
    PROV_AUTOCLOSE int fd = -1;
    char buf[PROV_SYSCTL_MAX_VALUE];
    gsize len = 0;

    fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    while (len < sizeof(buf) - 1) {
        ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0)
            break;
        len += n;
    }
    buf[len] = '\0';
    g_strchomp(buf);
    *ret_value = g_strdup(buf);
    return 0;
}

bool
prov_sysctl_read(const char *path, char **ret_value, GError **error)
{
    g_autofree char *file = prov_sysctl_file(path, error);
    char *value = NULL;
    int r;

    if (!file)
        return false;
    r = prov_sysctl_read_file(file, &value);
    if (r < 0)
        return prov_error_set_errno(error, PROV_UTIL_ERROR, -r, "cannot read sysctl '%s'",
                                    path);
    *ret_value = value;
    return true;
}

static bool
prov_sysctl_parse_int(const char *path, const char *text, int *ret_value, GError **error)
{
    gint64 value;

    if (!g_ascii_string_to_signed(text, 10, G_MININT, G_MAXINT, &value, NULL)) {
        g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_INVALID_ARG,
                    "sysctl '%s' has the value '%s', not an integer", path, text);
        return false;
    }
    *ret_value = (int)value;
    return true;
}

bool
prov_sysctl_read_int(const char *path, int *ret_value, GError **error)
{
    g_autofree char *text = NULL;

    if (!prov_sysctl_read(path, &text, error))
        return false;
    return prov_sysctl_parse_int(path, text, ret_value, error);
}

bool
prov_sysctl_write(const char *path, const char *value, char **ret_previous, GError **error)
{
    g_autofree char *file = prov_sysctl_file(path, error);
    g_autofree char *previous = NULL;
    PROV_AUTOCLOSE int fd = -1;
    ssize_t written;
    gsize len;
    int r;

    if (!file)
        return false;
    if (!value || !*value || strchr(value, '\n')) {
        g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_INVALID_ARG,
                    "invalid value '%s' for sysctl '%s'", value ? value : "", path);
        return false;
    }
    r = prov_sysctl_read_file(file, &previous);
    if (r < 0)
        return prov_error_set_errno(error, PROV_UTIL_ERROR, -r, "cannot read sysctl '%s'",
                                    path);
    if (!g_str_equal(previous, value)) {
        /* O_TRUNC as a shell's '>' does: proc ignores it, a plain file (tests) needs it. */
        fd = open(file, O_WRONLY | O_TRUNC | O_CLOEXEC);
        if (fd < 0)
            return prov_error_set_errno(error, PROV_UTIL_ERROR, errno,
                                        "cannot set sysctl '%s' to '%s'", path, value);
        /* One write(2): proc handlers parse the buffer of a single call. */
        len = strlen(value);
        written = write(fd, value, len);
        if (written < 0 || (gsize)written != len)
            return prov_error_set_errno(error, PROV_UTIL_ERROR, written < 0 ? errno : EIO,
                                        "cannot set sysctl '%s' to '%s'", path, value);
        g_debug("sysctl %s: '%s' -> '%s'", path, previous, value);
    }
    if (ret_previous)
        *ret_previous = g_steal_pointer(&previous);
    return true;
}

/* Writes integer @value to @path, returning the old value in @ret_previous (optional). */
static bool
prov_sysctl_write_int(const char *path, int value, int *ret_previous, GError **error)
{
    g_autofree char *text = g_strdup_printf("%d", value);
    g_autofree char *previous = NULL;
    int old;

    if (!prov_sysctl_write(path, text, &previous, error))
        return false;
    if (!prov_sysctl_parse_int(path, previous, &old, error))
        return false;
    if (ret_previous)
        *ret_previous = old;
    return true;
}

bool
prov_sysctl_set_ipv4_forwarding(bool enable, int *ret_previous, GError **error)
{
    return prov_sysctl_write_int("net/ipv4/ip_forward", enable ? 1 : 0, ret_previous, error);
}

bool
prov_sysctl_set_ipv6_forwarding(bool enable, int *ret_previous, GError **error)
{
    return prov_sysctl_set_ipv6_conf("all", PROV_SYSCTL_IPV6_FORWARDING, enable ? 1 : 0,
                                     ret_previous, error);
}

static const char *const prov_sysctl_ipv6_conf_names[PROV_SYSCTL_IPV6_LAST] = {
    [PROV_SYSCTL_IPV6_ACCEPT_RA] = "accept_ra",
    [PROV_SYSCTL_IPV6_AUTOCONF] = "autoconf",
    [PROV_SYSCTL_IPV6_DISABLE_IPV6] = "disable_ipv6",
    [PROV_SYSCTL_IPV6_FORWARDING] = "forwarding",
};

const char *
prov_sysctl_ipv6_conf_to_string(ProvSysctlIpv6Conf key)
{
    g_return_val_if_fail(key < PROV_SYSCTL_IPV6_LAST, NULL);
    return prov_sysctl_ipv6_conf_names[key];
}

bool
prov_sysctl_have_ipv6(void)
{
    g_autofree char *dir = g_build_filename(prov_sysctl_root_dir(), "net/ipv6", NULL);

    return g_file_test(dir, G_FILE_TEST_IS_DIR);
}

/* Does writing @value to @key switch IPv6 behaviour off (harmless without IPv6)? */
static bool
prov_sysctl_ipv6_value_is_off(ProvSysctlIpv6Conf key, int value)
{
    switch (key) {
    case PROV_SYSCTL_IPV6_DISABLE_IPV6:
        return value == 1;
    case PROV_SYSCTL_IPV6_ACCEPT_RA:
    case PROV_SYSCTL_IPV6_AUTOCONF:
    case PROV_SYSCTL_IPV6_FORWARDING:
        return value == 0;
    case PROV_SYSCTL_IPV6_LAST:
        break;
    }
    return false;
}

/* net/ipv6/conf/<ifname>/<key>, or NULL with an error for a bad name. */
static char *
prov_sysctl_ipv6_conf_path(const char *ifname, ProvSysctlIpv6Conf key, GError **error)
{
    g_return_val_if_fail(key < PROV_SYSCTL_IPV6_LAST, NULL);
    if (!prov_netdev_check_name(ifname, error))
        return NULL;
    return g_strdup_printf("net/ipv6/conf/%s/%s", ifname, prov_sysctl_ipv6_conf_names[key]);
}

bool
prov_sysctl_set_ipv6_conf(const char *ifname, ProvSysctlIpv6Conf key, int value,
                          int *ret_previous, GError **error)
{
    g_autofree char *path = prov_sysctl_ipv6_conf_path(ifname, key, error);

    if (!path)
        return false;
    if (!prov_sysctl_have_ipv6()) {
        if (prov_sysctl_ipv6_value_is_off(key, value)) {
            g_debug("no IPv6 in the kernel: %s=%d is already in effect", path, value);
            if (ret_previous)
                *ret_previous = -1;
            return true;
        }
        g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_NO_SUPPORT,
                    "cannot set IPv6 '%s' to %d on '%s': the kernel has no IPv6",
                    prov_sysctl_ipv6_conf_names[key], value, ifname);
        return false;
    }
    return prov_sysctl_write_int(path, value, ret_previous, error);
}

bool
prov_sysctl_get_ipv6_conf(const char *ifname, ProvSysctlIpv6Conf key, int *ret_value,
                          GError **error)
{
    g_autofree char *path = prov_sysctl_ipv6_conf_path(ifname, key, error);

    if (!path)
        return false;
    if (!prov_sysctl_have_ipv6()) {
        g_set_error(error, PROV_UTIL_ERROR, PROV_ERR_NO_SUPPORT,
                    "cannot read IPv6 '%s' of '%s': the kernel has no IPv6",
                    prov_sysctl_ipv6_conf_names[key], ifname);
        return false;
    }
    return prov_sysctl_read_int(path, ret_value, error);
}
