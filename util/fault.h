/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fault.h: named crash points, so tests can SIGKILL a command at an exact step. */
#pragma once

/**
 * prov_fault_point:
 * @name: the step, e.g. "pool-define:written-temp"
 *
 * When the environment variable PROVD_TEST_KILL_AT equals @name, the process
 * kills itself with SIGKILL right here, exactly as a crash or `kill -9` would.
 * Otherwise it does nothing.  Used by the crash-consistency tests; the variable is
 * never set in production (the command runner does not pass it to tools either).
 */
void prov_fault_point(const char *name);
