/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* provd-leases: dnsmasq's --dhcp-script; records a network's DHCP leases for net-dhcp-leases. */
#define G_LOG_DOMAIN "provd-leases"

#include <glib.h>
#include <stdio.h>

#include "network/leases.h"

/*
 * dnsmasq (running with --leasefile-ro) calls us, one call at a time, as
 *   provd-leases init                                  -> print the saved leases
 *   provd-leases add|old|del <mac|duid> <ip> [name]    -> update the store
 * with DNSMASQ_* variables and the PROV_LEASES_* ones provd gave dnsmasq.  What we
 * print on stderr ends up in dnsmasq's log; a non-zero exit from "init" stops
 * dnsmasq from starting, which is what we want when the store is unreadable.
 */
int
main(int argc, char **argv)
{
    g_auto(GStrv) envp = g_get_environ();
    g_autoptr(GError) error = NULL;
    g_autofree char *output = NULL;

    if (!prov_lease_script_run((const char *const *)argv, (const char *const *)envp,
                               g_get_real_time() / G_USEC_PER_SEC, &output, &error)) {
        g_printerr("provd-leases: %s\n", error->message);
        return 1;
    }
    if (fputs(output, stdout) == EOF || fflush(stdout) == EOF) {
        g_printerr("provd-leases: cannot write the leases to standard output\n");
        return 1;
    }
    return 0;
}
