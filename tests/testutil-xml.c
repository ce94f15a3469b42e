/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* testutil-xml.c: schema checks shared by the XML conformance tests. */
#include "tests/testutil.h"

#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <string.h>

#include "config.h"
#include "util/xml.h"

bool
prov_test_libvirt_schema_valid(const char *rng_name, const char *xml, char **ret_msg)
{
    g_autofree char *rng = g_build_filename(PROV_CONFORMANCE_DIR, "storage", "schemas", rng_name,
                                            NULL);
    xmlRelaxNGParserCtxtPtr pctxt = xmlRelaxNGNewParserCtxt(rng);
    xmlRelaxNGPtr schema = xmlRelaxNGParse(pctxt);
    xmlRelaxNGValidCtxtPtr vctxt;
    xmlDocPtr doc;
    int rc = -1;

    xmlRelaxNGFreeParserCtxt(pctxt);
    g_assert_nonnull(schema);
    doc = xmlReadMemory(xml, (int) strlen(xml), "output.xml", NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (doc) {
        vctxt = xmlRelaxNGNewValidCtxt(schema);
        xmlRelaxNGSetValidStructuredErrors(vctxt, NULL, NULL);
        rc = xmlRelaxNGValidateDoc(vctxt, doc);
        xmlRelaxNGFreeValidCtxt(vctxt);
        xmlFreeDoc(doc);
    }
    xmlRelaxNGFree(schema);
    if (rc != 0 && ret_msg) {
        g_free(*ret_msg);
        *ret_msg = g_strdup_printf("not valid per libvirt's %s", rng_name);
    }
    return rc == 0;
}

bool
prov_test_own_schema_valid(const char *rng_name, const char *xml, char **ret_msg)
{
    g_autofree char *rng = g_build_filename(PROV_SCHEMA_DIR, rng_name, NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(xmlDoc) doc = prov_xml_parse(xml, -1, "test document", NULL, NULL, &error);

    if (doc && prov_xml_validate_rng(doc, rng, &error))
        return true;
    if (ret_msg) {
        g_free(*ret_msg);
        *ret_msg = g_strdup(error->message);
    }
    return false;
}
