/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* xml.h: safe libxml2 parsing, typed accessors, RelaxNG validation and an escaping formatter. */
#pragma once

/*
 * Only the XML model files (storage/storage_conf.c, ...) and util/xml.c include this
 * header: it exposes libxml2 types, and no xmlNode may leave those files.
 */
#include <glib.h>
#include <stdbool.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlXPathContext, xmlXPathFreeContext)

/**
 * prov_xml_parse:
 * @xml: the document text
 * @len: its length, or -1 when NUL-terminated
 * @what: what the document is, for messages ("storage pool definition", a file name)
 * @root: required name of the root element, or NULL for any
 * @ret_ctxt: (out) (optional): an XPath context whose node is the root element
 *
 * Parses without network access, without entity substitution and without loading any
 * DTD.  A document carrying a DOCTYPE (internal or external subset) is refused before its
 * declarations are read, which closes off entity expansion attacks ("billion laughs")
 * and external entities (SYSTEM "file:///etc/passwd").  Errors are PROV_XML_ERROR /
 * PROV_ERR_XML_ERROR and carry the line number.
 * Returns the document (caller frees it, after @ret_ctxt), or NULL.
 */
xmlDoc *prov_xml_parse(const char *xml, gssize len, const char *what, const char *root,
                       xmlXPathContext **ret_ctxt, GError **error);

/* Same for the file at @path (the path is named in messages). */
xmlDoc *prov_xml_parse_file(const char *path, const char *root, xmlXPathContext **ret_ctxt,
                            GError **error);

/* New XPath context whose context node is @node (caller frees it). */
xmlXPathContext *prov_xml_context_new(xmlDoc *doc, xmlNode *node);

/*
 * XPath helpers, evaluated relative to ctxt->node.  Simple location paths of the shape
 * "./a/b", "./a/@b", "string(./a/b)" and "string(./a/@b)" are resolved by walking the
 * tree directly (the common case, and ten times cheaper than compiling an XPath
 * expression); anything else goes through libxml2's XPath engine.
 */

/* String value of @xpath ("string(./name)"); NULL when absent or empty.  Caller frees. */
char *prov_xpath_string(const char *xpath, xmlXPathContext *ctxt);
/* First node matching @xpath ("./target/path"), or NULL. */
xmlNode *prov_xpath_node(const char *xpath, xmlXPathContext *ctxt);
/* All nodes matching @xpath in document order; *ret_nodes is g_free()d by the caller. */
guint prov_xpath_nodes(const char *xpath, xmlXPathContext *ctxt, xmlNode ***ret_nodes);

/* Saves and restores ctxt->node around a scope: PROV_XPATH_NODE_AUTORESTORE(ctxt); */
typedef struct {
    xmlXPathContext *ctxt;
    xmlNode *node;
} ProvXPathNodeSave;
void prov_xpath_node_restore(ProvXPathNodeSave *save);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ProvXPathNodeSave, prov_xpath_node_restore)
#define PROV_XPATH_NODE_AUTORESTORE(c) \
    g_auto(ProvXPathNodeSave) _prov_xpath_save G_GNUC_UNUSED = { (c), (c)->node };

/* Text content of an element (all descendant text), never NULL for a node.  Caller frees. */
char *prov_xml_node_text(xmlNode *node);
/* The element @node as XML text (no formatting added), to keep a subtree verbatim. */
char *prov_xml_node_dump(xmlDoc *doc, xmlNode *node);
/* Attribute value, NULL when absent.  Caller frees. */
char *prov_xml_prop_string(xmlNode *node, const char *name);
/* First child element of @parent with local name @name in namespace @ns_href (NULL = none). */
xmlNode *prov_xml_child(xmlNode *parent, const char *ns_href, const char *name);
/* Name of an element ("pool"); never NULL for an element. */
const char *prov_xml_node_name(xmlNode *node);

typedef enum {
    PROV_XML_PROP_NONE = 0,
    PROV_XML_PROP_REQUIRED = 1 << 0,   /* absent attribute is an error */
    PROV_XML_PROP_NONZERO = 1 << 1,    /* enum value 0 / number 0 is refused */
} ProvXmlPropFlags;

/**
 * prov_xml_prop_enum:
 * @node: element (may be NULL: treated as absent)
 * @name: attribute name
 * @from_string: the enum's from-string function (returns -1 when unknown)
 * @flags: ProvXmlPropFlags
 * @ret: (out): the value, written only when the attribute is present and valid
 *
 * Returns 1 when found, 0 when absent (and not required), -1 with
 * PROV_ERR_XML_DETAIL naming the element, the attribute and the value.
 */
int prov_xml_prop_enum(xmlNode *node, const char *name, int (*from_string)(const char *str),
                       unsigned int flags, int *ret, GError **error);
/* Unsigned int in @base (0 = C rules: 0x.. hex, 0.. octal); same return convention. */
int prov_xml_prop_uint(xmlNode *node, const char *name, int base, unsigned int flags,
                       unsigned int *ret, GError **error);
/* Signed int, base 10; same return convention. */
int prov_xml_prop_int(xmlNode *node, const char *name, unsigned int flags, int *ret,
                      GError **error);
/* 'yes' / 'no'; same return convention. */
int prov_xml_prop_yes_no(xmlNode *node, const char *name, unsigned int flags, bool *ret,
                         GError **error);

/**
 * prov_xml_validate_rng:
 * @doc: a parsed document
 * @rng_path: absolute path of a RelaxNG schema (its includes resolve next to it)
 *
 * Validates @doc.  The compiled schema is cached per path for the life of the process,
 * so validating many documents costs one schema parse.  Errors are PROV_XML_ERROR /
 * PROV_ERR_XML_DETAIL with the first violation and its line.
 */
bool prov_xml_validate_rng(xmlDoc *doc, const char *rng_path, GError **error);

/*
 * Path of one of our schemas ("storagepool.rng"): $PROV_SCHEMA_DIR when set, else the
 * source tree's xml-schemas/ when present, else the installed copy.  Caller frees.
 */
char *prov_xml_schema_path(const char *name);

/**
 * prov_xml_canonicalize:
 * @xml: a document
 * @ret: (out): canonical text, caller frees
 *
 * Canonical form for comparing documents by meaning: one line per element with its
 * depth, attributes (and namespace declarations) sorted, text trimmed, whitespace-only
 * text and comments dropped.  Two documents are XML-equivalent iff their canonical
 * forms are equal.
 */
bool prov_xml_canonicalize(const char *xml, char **ret, GError **error);

/* ---- formatter ------------------------------------------------------------ */

/*
 * Output buffer that indents every line it starts by the current indent, as libvirt's
 * virBuffer does.  Text from users only enters through prov_xml_buf_escape().
 */
typedef struct {
    GString *str;
    int indent;
} ProvXmlBuf;

void prov_xml_buf_init(ProvXmlBuf *buf);
void prov_xml_buf_clear(ProvXmlBuf *buf);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ProvXmlBuf, prov_xml_buf_clear)
/* Returns the text (caller frees) and resets @buf. */
char *prov_xml_buf_steal(ProvXmlBuf *buf);
void prov_xml_buf_adjust_indent(ProvXmlBuf *buf, int delta);
/* Appends formatted markup (no escaping: arguments must be numbers or fixed names). */
void prov_xml_buf_add(ProvXmlBuf *buf, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/*
 * Appends @fmt with its single "%s" replaced by @str escaped for use in text or in a
 * single- or double-quoted attribute.  Nothing is appended when @str is NULL.
 */
void prov_xml_buf_escape(ProvXmlBuf *buf, const char *fmt, const char *str);
/* Appends pre-formatted @text (e.g. a nested document), indenting each of its lines. */
void prov_xml_buf_add_block(ProvXmlBuf *buf, const char *text);

/* @str escaped as prov_xml_buf_escape() does.  Caller frees. */
char *prov_xml_escape(const char *str);
