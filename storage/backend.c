/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* backend.c: backend lookup and the strings of backend-level enums. */
#include "storage/backend.h"

static const char *const wipe_algorithm_names[PROV_WIPE_LAST] = {
    [PROV_WIPE_ZERO] = "zero",
    [PROV_WIPE_NNSA] = "nnsa",
    [PROV_WIPE_DOD] = "dod",
    [PROV_WIPE_BSI] = "bsi",
    [PROV_WIPE_GUTMANN] = "gutmann",
    [PROV_WIPE_SCHNEIER] = "schneier",
    [PROV_WIPE_PFITZNER7] = "pfitzner7",
    [PROV_WIPE_PFITZNER33] = "pfitzner33",
    [PROV_WIPE_RANDOM] = "random",
    [PROV_WIPE_TRIM] = "trim",
};

const char *
prov_wipe_algorithm_to_string(ProvWipeAlgorithm alg)
{
    if ((int)alg < 0 || alg >= PROV_WIPE_LAST)
        return NULL;
    return wipe_algorithm_names[alg];
}

int
prov_wipe_algorithm_from_string(const char *str)
{
    int i;

    for (i = 0; str && i < PROV_WIPE_LAST; i++)
        if (g_str_equal(wipe_algorithm_names[i], str))
            return i;
    return -1;
}

const ProvStorageBackend *
prov_storage_backend_for_type(ProvPoolType type)
{
    const ProvStorageBackend *const *b;

    for (b = prov_storage_backends; *b; b++)
        if ((*b)->type == type)
            return *b;
    return NULL;
}
