/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fault.c: named crash points for the crash-consistency tests. */
#include "util/fault.h"

#include <glib.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

void
prov_fault_point(const char *name)
{
    const char *want = getenv("PROVD_TEST_KILL_AT");

    if (want && name && g_str_equal(want, name)) {
        kill(getpid(), SIGKILL);
        pause();
    }
}
