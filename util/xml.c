/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* xml.c: safe libxml2 parsing, typed accessors, RelaxNG validation and an escaping formatter. */
#define G_LOG_DOMAIN "prov-xml"

#include "util/xml.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/relaxng.h>
#include <libxml/xmlerror.h>
#include <libxml/xpathInternals.h>

#include "config.h"
#include "util/error.h"

/* ---- parsing ---------------------------------------------------------------- */

typedef struct {
    bool saw_dtd;
} ProvXmlParseState;

static void
prov_xml_init_once(void)
{
    static gsize done;

    if (g_once_init_enter(&done)) {
        /* Thread-safe global setup must run before any parser is used. */
        xmlInitParser();
        g_once_init_leave(&done, 1);
    }
}

/*
 * SAX hook called as soon as "<!DOCTYPE name [PUBLIC|SYSTEM ...]" has been read, before
 * any entity declaration or external subset is looked at: we stop the parser there.
 */
static void
prov_xml_refuse_dtd(void *user_data, const xmlChar *name, const xmlChar *external_id,
                    const xmlChar *system_id)
{
    xmlParserCtxt *ctxt = user_data;
    ProvXmlParseState *state = ctxt->_private;

    state->saw_dtd = true;
    xmlStopParser(ctxt);
}

/* libxml2's message for @err without its trailing newline.  Caller frees. */
static char *
prov_xml_error_text(const xmlError *err)
{
    if (!err || !err->message)
        return g_strdup("unknown error");
    return g_strstrip(g_strdup(err->message));
}

/*
 * xmlXPathNewContext() fills a hash table with every XPath function, which costs about
 * a tenth of parsing a small document.  Most lookups are answered by the tree walk
 * below and never reach the XPath engine, so the context is set up as
 * xmlXPathNewContext() would, minus the functions; prov_xpath_engine_ready() registers
 * them the first time the engine is needed.  xmlXPathFreeContext() frees either kind.
 */
xmlXPathContext *
prov_xml_context_new(xmlDoc *doc, xmlNode *node)
{
    xmlXPathContext *ctxt = xmlMalloc(sizeof(*ctxt));

    if (!ctxt)
        g_error("out of memory creating an XPath context");
    memset(ctxt, 0, sizeof(*ctxt));
    ctxt->doc = doc;
    ctxt->node = node;
    ctxt->contextSize = -1;
    ctxt->proximityPosition = -1;
    return ctxt;
}

static void
prov_xpath_engine_ready(xmlXPathContext *ctxt)
{
    if (ctxt->funcHash)
        return;
    ctxt->funcHash = xmlHashCreate(0);
    if (!ctxt->funcHash)
        g_error("out of memory setting up XPath");
    xmlXPathRegisterAllFunctions(ctxt);
}

xmlDoc *
prov_xml_parse(const char *xml, gssize len, const char *what, const char *root,
               xmlXPathContext **ret_ctxt, GError **error)
{
    ProvXmlParseState state = { false };
    xmlParserCtxt *pctxt = NULL;
    g_autoptr(xmlDoc) doc = NULL;
    xmlNode *root_node;
    bool well_formed;
    /* No network, no entity substitution (XML_PARSE_NOENT unset), no DTD loading
     * (XML_PARSE_DTDLOAD unset); errors are reported by us, not printed. */
    int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                  XML_PARSE_NOCDATA;

    prov_xml_init_once();
    if (len < 0)
        len = strlen(xml);
    if (len > G_MAXINT) {
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                    "%s: XML document is too large", what);
        return NULL;
    }

    if (len == 0) {
        /* libxml2 will not even create a parser for an empty buffer */
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                    "%s: malformed XML at line 1: the document is empty", what);
        return NULL;
    }

    pctxt = xmlCreateMemoryParserCtxt(xml, (int) len);
    if (!pctxt)
        g_error("out of memory creating an XML parser");
    xmlCtxtUseOptions(pctxt, options);
    pctxt->_private = &state;
    pctxt->sax->internalSubset = prov_xml_refuse_dtd;

    xmlParseDocument(pctxt);
    doc = pctxt->myDoc;
    pctxt->myDoc = NULL;
    well_formed = pctxt->wellFormed;

    if (state.saw_dtd) {
        xmlFreeParserCtxt(pctxt);
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                    "%s: XML document must not contain a DTD (<!DOCTYPE>)", what);
        return NULL;
    }
    if (!well_formed || !doc) {
        g_autofree char *msg = prov_xml_error_text(&pctxt->lastError);
        int line = pctxt->lastError.line;

        xmlFreeParserCtxt(pctxt);
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                    "%s: malformed XML at line %d: %s", what, line, msg);
        return NULL;
    }
    xmlFreeParserCtxt(pctxt);

    root_node = xmlDocGetRootElement(doc);
    if (!root_node) {
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                    "%s: XML document has no root element", what);
        return NULL;
    }
    if (root && !g_str_equal((const char *) root_node->name, root)) {
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                    "%s: expected root element '%s', found '%s'", what, root,
                    (const char *) root_node->name);
        return NULL;
    }

    if (ret_ctxt)
        *ret_ctxt = prov_xml_context_new(doc, root_node);
    return g_steal_pointer(&doc);
}

xmlDoc *
prov_xml_parse_file(const char *path, const char *root, xmlXPathContext **ret_ctxt,
                    GError **error)
{
    g_autofree char *text = NULL;
    gsize len = 0;
    g_autoptr(GError) local = NULL;

    if (!g_file_get_contents(path, &text, &len, &local)) {
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_READ_FAILED,
                    "cannot read XML file '%s': %s", path, local->message);
        return NULL;
    }
    return prov_xml_parse(text, (gssize) len, path, root, ret_ctxt, error);
}

/* ---- XPath ------------------------------------------------------------------ */

#define PROV_XPATH_MAX_STEPS 8

typedef struct {
    const char *name;      /* not NUL-terminated; "*" matches any element */
    size_t len;
    bool attribute;        /* "@name": only as the last step */
} ProvXPathStep;

typedef struct {
    ProvXPathStep steps[PROV_XPATH_MAX_STEPS];
    guint nsteps;
    bool string_value;     /* wrapped in string(...) */
} ProvXPathSimple;

static bool
prov_xpath_name_char(char c, bool first)
{
    if (g_ascii_isalpha(c) || c == '_')
        return true;
    return !first && (g_ascii_isdigit(c) || c == '-' || c == '.');
}

/*
 * Recognises "./a/b", "./a/@b", "string(./a/b)", "string(./a/@b)" and "*" steps.
 * Anything else (predicates, axes, prefixes, functions) returns false.
 */
static bool
prov_xpath_simple_parse(const char *xpath, ProvXPathSimple *out)
{
    const char *p = xpath;
    const char *end = xpath + strlen(xpath);

    out->nsteps = 0;
    out->string_value = false;
    if (g_str_has_prefix(p, "string(")) {
        if (end == p || end[-1] != ')')
            return false;
        out->string_value = true;
        p += strlen("string(");
        end--;
    }
    if (end - p < 3 || p[0] != '.' || p[1] != '/')
        return false;
    p += 2;

    while (p < end) {
        ProvXPathStep *step;
        const char *start;

        if (out->nsteps == PROV_XPATH_MAX_STEPS)
            return false;
        step = &out->steps[out->nsteps];
        step->attribute = false;
        if (*p == '@') {
            step->attribute = true;
            p++;
        }
        start = p;
        if (*p == '*' && !step->attribute) {
            p++;
        } else {
            if (p >= end || !prov_xpath_name_char(*p, true))
                return false;
            while (p < end && prov_xpath_name_char(*p, false))
                p++;
        }
        step->name = start;
        step->len = p - start;
        out->nsteps++;
        if (p == end)
            break;
        if (*p != '/' || step->attribute)
            return false;
        p++;
        if (p == end)
            return false;
    }
    return out->nsteps > 0;
}

static bool
prov_xpath_step_matches(const ProvXPathStep *step, const xmlChar *name)
{
    const char *n = (const char *) name;

    if (step->len == 1 && step->name[0] == '*')
        return true;
    return strncmp(n, step->name, step->len) == 0 && n[step->len] == '\0';
}

/* Matches of a simple path: the first one, and all of them when @all is set. */
typedef struct {
    GPtrArray *all;
    xmlNode *first;
} ProvXPathMatches;

/* Records a match; returns false when the walk can stop (only the first was wanted). */
static bool
prov_xpath_match(ProvXPathMatches *m, xmlNode *node)
{
    if (!m->first)
        m->first = node;
    if (!m->all)
        return false;
    g_ptr_array_add(m->all, node);
    return true;
}

/* Depth-first walk: yields matches in document order.  Returns false to stop early. */
static bool
prov_xpath_simple_walk(xmlNode *node, const ProvXPathSimple *path, guint i,
                       ProvXPathMatches *m)
{
    const ProvXPathStep *step = &path->steps[i];
    xmlNode *child;

    if (step->attribute) {
        char name[128];
        xmlAttr *attr;

        if (step->len >= sizeof(name))
            return true;
        memcpy(name, step->name, step->len);
        name[step->len] = '\0';
        attr = xmlHasNsProp(node, (const xmlChar *) name, NULL);
        return attr ? prov_xpath_match(m, (xmlNode *) attr) : true;
    }

    for (child = node->children; child; child = child->next) {
        if (child->type != XML_ELEMENT_NODE)
            continue;
        /* An unprefixed name step only matches elements in no namespace. */
        if (!(step->len == 1 && step->name[0] == '*') && child->ns)
            continue;
        if (!prov_xpath_step_matches(step, child->name))
            continue;
        if (i + 1 == path->nsteps) {
            if (!prov_xpath_match(m, child))
                return false;
        } else if (!prov_xpath_simple_walk(child, path, i + 1, m)) {
            return false;
        }
    }
    return true;
}

/*
 * Evaluates @xpath into @m (m->all, when set, receives every match); a string-valued
 * XPath result from the engine comes back in *ret_string.
 */
static void
prov_xpath_eval(const char *xpath, xmlXPathContext *ctxt, ProvXPathMatches *m,
                char **ret_string)
{
    ProvXPathSimple simple;
    xmlXPathObject *obj;
    int i;

    *ret_string = NULL;
    if (ctxt->node && prov_xpath_simple_parse(xpath, &simple)) {
        prov_xpath_simple_walk(ctxt->node, &simple, 0, m);
        return;
    }

    prov_xpath_engine_ready(ctxt);
    obj = xmlXPathEval((const xmlChar *) xpath, ctxt);
    if (!obj)
        return;
    if (obj->type == XPATH_STRING) {
        if (obj->stringval && obj->stringval[0])
            *ret_string = g_strdup((const char *) obj->stringval);
    } else if (obj->type == XPATH_NODESET && obj->nodesetval) {
        for (i = 0; i < obj->nodesetval->nodeNr; i++) {
            if (!prov_xpath_match(m, obj->nodesetval->nodeTab[i]))
                break;
        }
    }
    xmlXPathFreeObject(obj);
}

static char *
prov_xml_content(xmlNode *node)
{
    xmlChar *content;
    char *ret;

    /* The usual case, one text child, needs no libxml2 buffer. */
    if ((node->type == XML_ELEMENT_NODE || node->type == XML_ATTRIBUTE_NODE) &&
        node->children && !node->children->next && node->children->type == XML_TEXT_NODE)
        return g_strdup(node->children->content ? (const char *) node->children->content : "");
    if (node->type == XML_ELEMENT_NODE && !node->children)
        return g_strdup("");
    content = xmlNodeGetContent(node);
    if (!content)
        return g_strdup("");
    ret = g_strdup((const char *) content);
    xmlFree(content);
    return ret;
}

char *
prov_xpath_string(const char *xpath, xmlXPathContext *ctxt)
{
    ProvXPathMatches m = { NULL, NULL };
    char *engine_string = NULL;
    char *value;

    prov_xpath_eval(xpath, ctxt, &m, &engine_string);
    if (engine_string)
        return engine_string;
    if (!m.first)
        return NULL;
    value = prov_xml_content(m.first);
    if (value[0] == '\0') {
        g_free(value);
        return NULL;
    }
    return value;
}

xmlNode *
prov_xpath_node(const char *xpath, xmlXPathContext *ctxt)
{
    ProvXPathMatches m = { NULL, NULL };
    g_autofree char *engine_string = NULL;

    prov_xpath_eval(xpath, ctxt, &m, &engine_string);
    return m.first;
}

guint
prov_xpath_nodes(const char *xpath, xmlXPathContext *ctxt, xmlNode ***ret_nodes)
{
    ProvXPathMatches m = { g_ptr_array_new(), NULL };
    g_autofree char *engine_string = NULL;
    guint n;

    prov_xpath_eval(xpath, ctxt, &m, &engine_string);
    n = m.all->len;
    if (ret_nodes)
        *ret_nodes = (xmlNode **) g_ptr_array_free(m.all, FALSE);
    else
        g_ptr_array_free(m.all, TRUE);
    return n;
}

void
prov_xpath_node_restore(ProvXPathNodeSave *save)
{
    if (save->ctxt)
        save->ctxt->node = save->node;
}

/* ---- nodes and attributes --------------------------------------------------- */

char *
prov_xml_node_text(xmlNode *node)
{
    return prov_xml_content(node);
}

char *
prov_xml_node_dump(xmlDoc *doc, xmlNode *node)
{
    xmlBuffer *buf = xmlBufferCreate();
    char *ret;

    xmlNodeDump(buf, doc, node, 0, 0);
    ret = g_strdup((const char *)xmlBufferContent(buf));
    xmlBufferFree(buf);
    return ret;
}

char *
prov_xml_prop_string(xmlNode *node, const char *name)
{
    xmlChar *value;
    char *ret;

    if (!node)
        return NULL;
    value = xmlGetNoNsProp(node, (const xmlChar *) name);
    if (!value)
        return NULL;
    ret = g_strdup((const char *) value);
    xmlFree(value);
    return ret;
}

xmlNode *
prov_xml_child(xmlNode *parent, const char *ns_href, const char *name)
{
    xmlNode *child;

    for (child = parent ? parent->children : NULL; child; child = child->next) {
        if (child->type != XML_ELEMENT_NODE || !g_str_equal((const char *) child->name, name))
            continue;
        if (!ns_href && !child->ns)
            return child;
        if (ns_href && child->ns && child->ns->href &&
            g_str_equal((const char *) child->ns->href, ns_href))
            return child;
    }
    return NULL;
}

const char *
prov_xml_node_name(xmlNode *node)
{
    return (const char *) node->name;
}

/* The typed accessors' error for a @value they cannot take; returns -1. */
static int
prov_xml_prop_invalid(xmlNode *node, const char *name, const char *value, GError **error)
{
    g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_DETAIL,
                "invalid value '%s' for attribute '%s' in element '%s'", value, name,
                (const char *) node->name);
    return -1;
}

/* Shared front half of the typed accessors: 0 absent, 1 present, -1 error. */
static int
prov_xml_prop_fetch(xmlNode *node, const char *name, unsigned int flags, char **ret_value,
                    GError **error)
{
    char *value = prov_xml_prop_string(node, name);

    if (!value) {
        if (flags & PROV_XML_PROP_REQUIRED) {
            g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                        "missing required attribute '%s' in element '%s'", name,
                        node ? (const char *) node->name : "(none)");
            return -1;
        }
        return 0;
    }
    *ret_value = value;
    return 1;
}

int
prov_xml_prop_enum(xmlNode *node, const char *name, int (*from_string)(const char *str),
                   unsigned int flags, int *ret, GError **error)
{
    g_autofree char *value = NULL;
    int rc = prov_xml_prop_fetch(node, name, flags, &value, error);
    int v;

    if (rc <= 0)
        return rc;
    v = from_string(value);
    if (v < 0 || (v == 0 && (flags & PROV_XML_PROP_NONZERO))) {
        return prov_xml_prop_invalid(node, name, value, error);
    }
    *ret = v;
    return 1;
}

int
prov_xml_prop_uint(xmlNode *node, const char *name, int base, unsigned int flags,
                   unsigned int *ret, GError **error)
{
    g_autofree char *value = NULL;
    int rc = prov_xml_prop_fetch(node, name, flags, &value, error);
    guint64 v = 0;
    char *end = NULL;

    if (rc <= 0)
        return rc;
    errno = 0;
    if (value[0] != '-' && value[0] != '+' && !g_ascii_isspace(value[0]))
        v = g_ascii_strtoull(value, &end, base);
    if (!end || end == value || *end != '\0' || errno != 0 || v > G_MAXUINT ||
        (v == 0 && (flags & PROV_XML_PROP_NONZERO))) {
        return prov_xml_prop_invalid(node, name, value, error);
    }
    *ret = (unsigned int) v;
    return 1;
}

int
prov_xml_prop_int(xmlNode *node, const char *name, unsigned int flags, int *ret,
                  GError **error)
{
    g_autofree char *value = NULL;
    int rc = prov_xml_prop_fetch(node, name, flags, &value, error);
    gint64 v = 0;
    char *end = NULL;

    if (rc <= 0)
        return rc;
    errno = 0;
    if (!g_ascii_isspace(value[0]))
        v = g_ascii_strtoll(value, &end, 10);
    if (!end || end == value || *end != '\0' || errno != 0 || v > G_MAXINT || v < G_MININT ||
        (v == 0 && (flags & PROV_XML_PROP_NONZERO))) {
        return prov_xml_prop_invalid(node, name, value, error);
    }
    *ret = (int) v;
    return 1;
}

int
prov_xml_prop_yes_no(xmlNode *node, const char *name, unsigned int flags, bool *ret,
                     GError **error)
{
    g_autofree char *value = NULL;
    int rc = prov_xml_prop_fetch(node, name, flags, &value, error);

    if (rc <= 0)
        return rc;
    if (g_str_equal(value, "yes")) {
        *ret = true;
    } else if (g_str_equal(value, "no")) {
        *ret = false;
    } else {
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_DETAIL,
                    "invalid value '%s' for attribute '%s' in element '%s': not 'yes' or 'no'",
                    value, name, (const char *) node->name);
        return -1;
    }
    return 1;
}

/* ---- RelaxNG ---------------------------------------------------------------- */

static GMutex prov_rng_lock;
static GHashTable *prov_rng_cache;   /* path -> xmlRelaxNG* */

/* Keeps the first structured error of a RelaxNG parse or validation run. */
static void
prov_rng_error(void *user_data, xmlErrorPtr err)
{
    GString *first = user_data;

    if (first->len > 0 || !err || !err->message)
        return;
    if (err->line > 0)
        g_string_append_printf(first, "line %d: ", err->line);
    g_string_append(first, err->message);
    while (first->len > 0 && g_ascii_isspace(first->str[first->len - 1]))
        g_string_truncate(first, first->len - 1);
}

/* Must be called with prov_rng_lock held. */
static xmlRelaxNG *
prov_rng_get(const char *rng_path, GError **error)
{
    xmlRelaxNGParserCtxt *pctxt;
    xmlRelaxNG *schema;
    g_autoptr(GString) first = g_string_new(NULL);

    if (!prov_rng_cache)
        prov_rng_cache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    schema = g_hash_table_lookup(prov_rng_cache, rng_path);
    if (schema)
        return schema;

    pctxt = xmlRelaxNGNewParserCtxt(rng_path);
    if (!pctxt)
        g_error("out of memory creating a RelaxNG parser");
    xmlRelaxNGSetParserStructuredErrors(pctxt, prov_rng_error, first);
    schema = xmlRelaxNGParse(pctxt);
    xmlRelaxNGFreeParserCtxt(pctxt);
    if (!schema) {
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_INTERNAL_ERROR,
                    "cannot load RelaxNG schema '%s': %s", rng_path,
                    first->len ? first->str : "unknown error");
        return NULL;
    }
    g_hash_table_insert(prov_rng_cache, g_strdup(rng_path), schema);
    return schema;
}

bool
prov_xml_validate_rng(xmlDoc *doc, const char *rng_path, GError **error)
{
    g_autoptr(GMutexLocker) locker = NULL;
    g_autoptr(GString) first = g_string_new(NULL);
    g_autofree char *base = g_path_get_basename(rng_path);
    xmlRelaxNGValidCtxt *vctxt;
    xmlRelaxNG *schema;
    int rc;

    prov_xml_init_once();
    /* One lock for the cache and the validation: libxml2 does not promise that a
     * compiled schema may be used by two validations at once. */
    locker = g_mutex_locker_new(&prov_rng_lock);
    schema = prov_rng_get(rng_path, error);
    if (!schema)
        return false;

    vctxt = xmlRelaxNGNewValidCtxt(schema);
    if (!vctxt)
        g_error("out of memory creating a RelaxNG validator");
    xmlRelaxNGSetValidStructuredErrors(vctxt, prov_rng_error, first);
    rc = xmlRelaxNGValidateDoc(vctxt, doc);
    xmlRelaxNGFreeValidCtxt(vctxt);
    if (rc != 0) {
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_DETAIL,
                    "document does not conform to schema '%s': %s", base,
                    first->len ? first->str : "validation failed");
        return false;
    }
    return true;
}

char *
prov_xml_schema_path(const char *name)
{
    const char *env = g_getenv("PROV_SCHEMA_DIR");

    if (env && *env)
        return g_build_filename(env, name, NULL);
    if (g_file_test(PROV_SCHEMA_DIR, G_FILE_TEST_IS_DIR))
        return g_build_filename(PROV_SCHEMA_DIR, name, NULL);
    return g_build_filename(PROV_INSTALLED_SCHEMA_DIR, name, NULL);
}

/* ---- canonical form --------------------------------------------------------- */

static char *
prov_xml_qname(const xmlChar *prefix, const xmlChar *name)
{
    if (prefix)
        return g_strdup_printf("%s:%s", (const char *) prefix, (const char *) name);
    return g_strdup((const char *) name);
}

/* g_ptr_array_sort() hands us pointers to the elements. */
static gint
prov_xml_compare_strv_entries(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(const char *const *) a, *(const char *const *) b);
}

static void
prov_xml_canon_text(GString *out, GString *text, guint depth)
{
    g_autofree char *trimmed = g_strstrip(g_strdup(text->str));
    g_autofree char *escaped = NULL;

    g_string_truncate(text, 0);
    if (trimmed[0] == '\0')
        return;
    escaped = g_strescape(trimmed, NULL);
    g_string_append_printf(out, "%*s\"%s\"\n", (int) (depth * 2), "", escaped);
}

static void
prov_xml_canon_element(GString *out, xmlNode *node, guint depth)
{
    g_autoptr(GPtrArray) attrs = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GString) text = g_string_new(NULL);
    g_autofree char *qname = prov_xml_qname(node->ns ? node->ns->prefix : NULL, node->name);
    xmlAttr *attr;
    xmlNs *ns;
    xmlNode *child;
    guint i;

    for (ns = node->nsDef; ns; ns = ns->next) {
        if (ns->prefix)
            g_ptr_array_add(attrs, g_strdup_printf("xmlns:%s=%s", (const char *) ns->prefix,
                                                   (const char *) ns->href));
        else
            g_ptr_array_add(attrs, g_strdup_printf("xmlns=%s", (const char *) ns->href));
    }
    for (attr = node->properties; attr; attr = attr->next) {
        g_autofree char *aname = prov_xml_qname(attr->ns ? attr->ns->prefix : NULL,
                                                attr->name);
        g_autofree char *value = prov_xml_content((xmlNode *) attr);
        g_autofree char *escaped = g_strescape(value, NULL);

        g_ptr_array_add(attrs, g_strdup_printf("%s=\"%s\"", aname, escaped));
    }
    g_ptr_array_sort(attrs, prov_xml_compare_strv_entries);

    g_string_append_printf(out, "%*s<%s", (int) (depth * 2), "", qname);
    for (i = 0; i < attrs->len; i++)
        g_string_append_printf(out, " %s", (const char *) g_ptr_array_index(attrs, i));
    g_string_append(out, ">\n");

    for (child = node->children; child; child = child->next) {
        switch (child->type) {
        case XML_TEXT_NODE:
        case XML_CDATA_SECTION_NODE:
            if (child->content)
                g_string_append(text, (const char *) child->content);
            break;
        case XML_ELEMENT_NODE:
            prov_xml_canon_text(out, text, depth + 1);
            prov_xml_canon_element(out, child, depth + 1);
            break;
        default:
            /* comments and processing instructions carry no meaning here */
            break;
        }
    }
    prov_xml_canon_text(out, text, depth + 1);
}

bool
prov_xml_canonicalize(const char *xml, char **ret, GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(GString) out = g_string_new(NULL);

    doc = prov_xml_parse(xml, -1, "XML document", NULL, NULL, error);
    if (!doc)
        return false;
    prov_xml_canon_element(out, xmlDocGetRootElement(doc), 0);
    *ret = g_string_free(g_steal_pointer(&out), FALSE);
    return true;
}

/* ---- formatter ------------------------------------------------------------- */

void
prov_xml_buf_init(ProvXmlBuf *buf)
{
    buf->str = g_string_sized_new(1024);
    buf->indent = 0;
}

void
prov_xml_buf_clear(ProvXmlBuf *buf)
{
    if (buf->str)
        g_string_free(buf->str, TRUE);
    buf->str = NULL;
    buf->indent = 0;
}

char *
prov_xml_buf_steal(ProvXmlBuf *buf)
{
    char *ret;

    if (!buf->str)
        return g_strdup("");
    ret = g_string_free(buf->str, FALSE);
    buf->str = NULL;
    buf->indent = 0;
    return ret;
}

void
prov_xml_buf_adjust_indent(ProvXmlBuf *buf, int delta)
{
    buf->indent += delta;
    if (buf->indent < 0)
        buf->indent = 0;
}

/* Indents when the buffer is at the start of a line (the next text starts a line). */
static void
prov_xml_buf_indent_line(ProvXmlBuf *buf)
{
    static const char spaces[] = "                                ";
    int left = buf->indent;

    if (left <= 0 || (buf->str->len > 0 && buf->str->str[buf->str->len - 1] != '\n'))
        return;
    while (left > 0) {
        int n = MIN(left, (int) sizeof(spaces) - 1);

        g_string_append_len(buf->str, spaces, n);
        left -= n;
    }
}

/* Appends @len bytes of @text, indenting every non-empty line it starts. */
static void
prov_xml_buf_append_len(ProvXmlBuf *buf, const char *text, size_t len)
{
    const char *p = text;
    const char *end = text + len;

    if (!buf->str)
        prov_xml_buf_init(buf);
    while (p < end) {
        const char *nl = memchr(p, '\n', end - p);
        const char *line_end = nl ? nl + 1 : end;

        if (*p != '\n')
            prov_xml_buf_indent_line(buf);
        g_string_append_len(buf->str, p, line_end - p);
        p = line_end;
    }
}

void
prov_xml_buf_add(ProvXmlBuf *buf, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *text = NULL;

    /* Most markup has nothing to substitute: skip printf and its allocation. */
    if (!strchr(fmt, '%')) {
        prov_xml_buf_append_len(buf, fmt, strlen(fmt));
        return;
    }
    va_start(ap, fmt);
    text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    prov_xml_buf_append_len(buf, text, strlen(text));
}

void
prov_xml_buf_add_block(ProvXmlBuf *buf, const char *text)
{
    prov_xml_buf_append_len(buf, text, strlen(text));
}

/* What the escaper writes for each character that cannot stand as itself. */
static const char *const prov_xml_entities[128] = {
    ['&'] = "&amp;",
    ['<'] = "&lt;",
    ['>'] = "&gt;",
    ['\''] = "&apos;",
    ['"'] = "&quot;",
    ['\n'] = "&#xA;",
    ['\r'] = "&#xD;",
    ['\t'] = "&#x9;",
};

static void
prov_xml_escape_into(GString *out, const char *str)
{
    const unsigned char *p;

    /* Other C0 controls and DEL cannot appear in XML 1.0: they are dropped. */
    for (p = (const unsigned char *) str; *p; p++) {
        if (*p < G_N_ELEMENTS(prov_xml_entities) && prov_xml_entities[*p])
            g_string_append(out, prov_xml_entities[*p]);
        else if (*p >= 0x20 && *p != 0x7f)
            g_string_append_c(out, (char) *p);
    }
}

char *
prov_xml_escape(const char *str)
{
    GString *out = g_string_sized_new(strlen(str) + 16);

    prov_xml_escape_into(out, str);
    return g_string_free(out, FALSE);
}

void
prov_xml_buf_escape(ProvXmlBuf *buf, const char *fmt, const char *str)
{
    const char *hole;

    if (!str)
        return;
    hole = strstr(fmt, "%s");
    g_return_if_fail(hole != NULL);
    /* The escaped value holds no newline (it becomes &#xA;), so only the text before
     * it can start a line that needs indenting. */
    prov_xml_buf_append_len(buf, fmt, hole - fmt);
    if (hole == fmt && *str)
        prov_xml_buf_indent_line(buf);
    prov_xml_escape_into(buf->str, str);
    prov_xml_buf_append_len(buf, hole + 2, strlen(hole + 2));
}
