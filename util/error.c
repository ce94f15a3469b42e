/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* error.c: error domains shared by every layer. */
#include "util/error.h"

#include <string.h>

G_DEFINE_QUARK(prov-util-error-quark, prov_util_error)
G_DEFINE_QUARK(prov-xml-error-quark, prov_xml_error)
G_DEFINE_QUARK(prov-storage-error-quark, prov_storage_error)
G_DEFINE_QUARK(prov-command-error-quark, prov_command_error)
G_DEFINE_QUARK(prov-network-error-quark, prov_network_error)

bool
prov_error_set_errno(GError **error, GQuark domain, int errnum, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(error, domain, PROV_ERR_SYSTEM_ERROR, "%s: %s", msg, g_strerror(errnum));
    return false;
}

int
prov_error_code(const GError *error)
{
    if (!error)
        return PROV_ERR_OK;
    if (error->domain == PROV_UTIL_ERROR || error->domain == PROV_XML_ERROR ||
        error->domain == PROV_STORAGE_ERROR || error->domain == PROV_COMMAND_ERROR)
        return error->code;
    return PROV_ERR_INTERNAL_ERROR;
}
