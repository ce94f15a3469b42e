/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* error.h: error domains and codes, modelled 1:1 on libvirt's VIR_ERR_* numbers. */
#pragma once

#include <glib.h>
#include <stdbool.h>

/*
 * Codes keep libvirt's virErrorNumber values so the RPC layer can map them
 * unchanged (VIR_ERR_NO_STORAGE_POOL is 49 on the wire, and so is ours).
 * Only the codes provd uses are listed; keep the numbers when adding more.
 */
typedef enum {
    PROV_ERR_OK = 0,
    PROV_ERR_INTERNAL_ERROR = 1,
    PROV_ERR_NO_SUPPORT = 3,
    PROV_ERR_INVALID_ARG = 8,
    PROV_ERR_OPERATION_FAILED = 9,
    PROV_ERR_XML_ERROR = 27,
    PROV_ERR_OPERATION_DENIED = 29,
    PROV_ERR_OPEN_FAILED = 30,
    PROV_ERR_READ_FAILED = 31,
    PROV_ERR_PARSE_FAILED = 32,
    PROV_ERR_WRITE_FAILED = 34,
    PROV_ERR_XML_DETAIL = 35,
    PROV_ERR_INVALID_NETWORK = 36,
    PROV_ERR_NETWORK_EXIST = 37,
    PROV_ERR_SYSTEM_ERROR = 38,
    PROV_ERR_RPC = 39,
    PROV_ERR_NO_NETWORK = 43,
    PROV_ERR_INVALID_MAC = 44,
    PROV_ERR_INVALID_STORAGE_POOL = 46,
    PROV_ERR_INVALID_STORAGE_VOL = 47,
    PROV_ERR_NO_STORAGE_POOL = 49,
    PROV_ERR_NO_STORAGE_VOL = 50,
    PROV_ERR_OPERATION_INVALID = 55,
    PROV_ERR_NO_SECRET = 66,
    PROV_ERR_CONFIG_UNSUPPORTED = 67,
    PROV_ERR_OPERATION_TIMEOUT = 68,
    PROV_ERR_ARGUMENT_UNSUPPORTED = 74,
    PROV_ERR_STORAGE_PROBE_FAILED = 75,
    PROV_ERR_STORAGE_POOL_BUILT = 76,
    PROV_ERR_OPERATION_ABORTED = 78,
    PROV_ERR_OVERFLOW = 82,
    PROV_ERR_OPERATION_UNSUPPORTED = 84,
    PROV_ERR_RESOURCE_BUSY = 87,
    PROV_ERR_STORAGE_VOL_EXIST = 90,
    PROV_ERR_INVALID_NETWORK_PORT = 105,
    PROV_ERR_NETWORK_PORT_EXIST = 106,
    PROV_ERR_NO_NETWORK_PORT = 107,
} ProvErrorCode;

/* One domain per area (STYLE rule 11); all share the ProvErrorCode numbers. */
#define PROV_UTIL_ERROR (prov_util_error_quark())
#define PROV_XML_ERROR (prov_xml_error_quark())
#define PROV_STORAGE_ERROR (prov_storage_error_quark())
#define PROV_COMMAND_ERROR (prov_command_error_quark())
#define PROV_NETWORK_ERROR (prov_network_error_quark())

GQuark prov_util_error_quark(void);
GQuark prov_xml_error_quark(void);
GQuark prov_storage_error_quark(void);
GQuark prov_command_error_quark(void);
GQuark prov_network_error_quark(void);

/**
 * prov_error_set_errno:
 * @error: where to store the error (may be NULL)
 * @domain: error domain
 * @errnum: errno value
 * @fmt: printf-style message; ": <strerror>" is appended
 *
 * Sets @error to a PROV_ERR_SYSTEM_ERROR whose message ends in the text of @errnum.
 * Always returns false so callers can write `return prov_error_set_errno(...)`.
 */
bool prov_error_set_errno(GError **error, GQuark domain, int errnum, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);

/* Number of the ProvErrorCode for @error, PROV_ERR_INTERNAL_ERROR for foreign domains. */
int prov_error_code(const GError *error);
