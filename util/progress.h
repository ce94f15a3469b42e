/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* progress.h: progress reporting for long volume jobs (wipe, clone, upload, download). */
#pragma once

#include <glib.h>

/*
 * Called now and then by a long job with the bytes done so far and the total
 * (total 0 = unknown).  Lower layers only call it; the CLI draws the bar.
 */
typedef void (*ProvProgressFunc)(guint64 done, guint64 total, void *opaque);

typedef struct {
    ProvProgressFunc func;
    void *opaque;
} ProvProgress;

static inline void
prov_progress_report(const ProvProgress *progress, guint64 done, guint64 total)
{
    if (progress && progress->func)
        progress->func(done, total, progress->opaque);
}
