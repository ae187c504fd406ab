/* stix.h - STIX 2.1 <-> the kring model: export of reports, indicators,
 * organisations and comments as STIX objects and bundles, strict import of
 * STIX 2.1 content, TLP 2.0 markings and stable, deterministic ids.
 *
 * Bytes in, bytes out: no I/O, no SQL, no HTTP and no access decisions. The
 * caller asks the policy module what a reader may see and passes only that.
 *
 * Ids. Objects made from kring items get stable ids: UUIDv5 in the kring
 * namespace (STIX_KRING_NAMESPACE) over a name built from the item's kring
 * uuid and the parts of the item that never change (see docs/internals/
 * codecs.md), so the same item always exports with the same id and an edited
 * item exports the same id with a new `modified`. Cyber-observable objects get
 * the deterministic ids of the STIX 2.1 specification (stix_sco_id).
 *
 * TLP. Exported objects carry the official TLP 2.0 marking-definition ids (of
 * the STIX TLP 2.0 extension) in object_marking_refs, and a bundle includes
 * the marking-definition objects it references. On import the TLP 2.0 ids,
 * the TLP 1.0 ids built into STIX 2.1 (WHITE is read as CLEAR) and TLP
 * marking definitions inside the input are understood; an object marked with
 * several TLP labels gets the strictest; an object without one gets the
 * caller's default (AMBER in kring). */
#ifndef KR_STIX_H
#define KR_STIX_H

#include "core/model.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STIX_TYPE_MAX 250                     /* longest object type */
#define STIX_ID_MAX (STIX_TYPE_MAX + 2 + 36)  /* "<type>--<uuid>" */
#define STIX_TIME_MAX 40                      /* text of a timestamp */
#define STIX_MAX_INPUT ((size_t)64 * 1024 * 1024) /* bytes per import */
#define STIX_MAX_OBJECTS 100000               /* objects per import or bundle */
#define STIX_MAX_DEPTH 64                     /* nesting of arrays and objects */
#define STIX_ERR_MAX 512                      /* room for an error text */

/* The namespace of kring's own stable ids, and the one of the STIX 2.1
 * deterministic ids of cyber-observable objects. */
#define STIX_KRING_NAMESPACE "26d2e023-70ae-42bb-9b5f-6c81fb8d187d"
#define STIX_SCO_NAMESPACE "00abedb4-aa42-466c-9c01-fed23315a9b7"

/* The TLP 2.0 extension definition that TLP 2.0 markings use. */
#define STIX_TLP2_EXTENSION "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

/* ---- TLP markings ---- */

/* The id of the official TLP 2.0 marking-definition of t
 * ("marking-definition--94868c89-..." for CLEAR, ...); NULL when out of range. */
const char *stix_tlp_marking_id(enum tlp t);

/* The TLP label of a well-known marking-definition id: the five TLP 2.0 ids
 * and the four TLP 1.0 ids of STIX 2.1 (white -> TLP_CLEAR). -1 for any
 * other id or NULL. */
int stix_marking_tlp(const char *marking_id);

/* Writes the compact JSON text of the official TLP 2.0 marking-definition
 * object of t into *out (NUL-terminated, caller frees with kr_free), its
 * length into *len. KR_EINVAL for a bad t, KR_ENOMEM. */
int stix_tlp_marking_json(enum tlp t, char **out, size_t *len);

/* ---- ids and patterns ---- */

/* RFC 8785 (JCS) canonical form of the JSON text in json[0..len): object
 * members sorted by UTF-16 code units, no whitespace, shortest number forms,
 * minimal string escapes. *out is NUL-terminated and owned by the caller
 * (kr_free). KR_EINVAL (not JSON, or deeper than STIX_MAX_DEPTH), KR_ENOMEM. */
int stix_canonical_json(const char *json, size_t len, char **out, size_t *outlen);

/* The deterministic id (STIX 2.1 section 2.9) of the cyber-observable object
 * given as JSON text: "<type>--" + UUIDv5 in STIX_SCO_NAMESPACE over the JCS
 * form of the type's id-contributing properties (for hashes: only one, the
 * first present of MD5, SHA-1, SHA-256, SHA-512, else the first given; hash
 * names are read in their spec spelling, so "sha256" counts as "SHA-256").
 * Writes into out (STIX_ID_MAX + 1 bytes). KR_ENOTFOUND when the type has no
 * id-contributing properties or none is present (the specification then
 * wants a random UUIDv4 id, e.g. for process); KR_EINVAL when the text is not
 * a JSON object with a valid "type". */
int stix_sco_id(const char *json, size_t len, char out[STIX_ID_MAX + 1]);

/* The stable kring id of an object of the given STIX type made from the
 * given name: "<type>--" + UUIDv5(STIX_KRING_NAMESPACE, name). out holds
 * STIX_ID_MAX + 1 bytes. 0 or KR_EINVAL (type too long). */
int stix_kring_id(const char *type, const char *name, char out[STIX_ID_MAX + 1]);

/* Writes the STIX pattern of a (normalised) kring indicator into out (n
 * bytes): "[ipv4-addr:value = '198.51.100.7']", a cidr as the ipv4-addr or
 * ipv6-addr value with its prefix, "[domain-name:value = ...]",
 * "[url:value = ...]", "[email-addr:value = ...]", "[file:hashes.MD5 = ...]",
 * "[file:hashes.'SHA-1' = ...]", "[file:hashes.'SHA-256' = ...]",
 * "[autonomous-system:number = 64500]"; string values with \ and ' escaped.
 * KR_EINVAL for IND_CVE (a CVE is a vulnerability, not a pattern) or an
 * unknown type, KR_ELIMIT when n is too small. */
int stix_pattern_write(enum ind_type type, const char *value, char *out, size_t n);

/* Reads a STIX pattern that is one comparison of a supported kind (the forms
 * above; hash names in any spelling STIX uses: MD5, 'SHA-1', SHA1, sha256,
 * ...; an ipv4-addr or ipv6-addr value with a prefix is a cidr) and writes
 * the indicator type and its normalised value (CORE_INDICATOR_MAX + 1 bytes).
 * KR_ENOTFOUND (with *why) for valid patterns of another shape (AND, OR,
 * other objects or properties, operators other than =, qualifiers);
 * KR_EINVAL (with *why) when the value of a supported comparison does not
 * normalise. *why is static English text. */
int stix_pattern_read(const char *pattern, enum ind_type *type, char *value, const char **why);

/* ---- objects ---- */

/* One STIX object as kring keeps it: enough to index, persist and re-emit it
 * verbatim (a store saves id, type, version and json; TAXII serves json). */
struct stix_object {
	char *id;          /* owned: "<type>--<uuid>" */
	char *type;        /* owned */
	char *json;        /* owned: the object as compact JSON text */
	size_t json_len;
	int64_t created;   /* ms since the epoch; 0 when the object has none */
	int64_t modified;  /* ms; `modified`, else `created`, else 0 (most SCOs) */
	/* The version as written in the object (its `modified`, else its
	 * `created`; "" for objects without either), exact to the digit, for
	 * TAXII match[version] and for telling versions of one id apart. */
	char version[STIX_TIME_MAX + 1];
	enum tlp tlp;      /* strictest TLP marking, else the default */
	bool tlp_marked;   /* tlp came from a marking, not from the default */
};
/* Frees the owned strings; the struct may be reused. NULL is fine. */
void stix_object_release(struct stix_object *o);

/* ---- export ---- */

/* A kring report and what travels with it. Everything is read-only and owned
 * by the caller; the caller has already applied the policy module. */
struct stix_report_in {
	const struct core_report *report;       /* required; uuid, title, tlp, times */
	const struct core_org *source;          /* required: the source organisation */
	const struct core_indicator *indicators; /* normalised values; may be NULL if 0 */
	size_t nindicators;
	const struct core_comment *comments;    /* become notes; may be NULL if 0 */
	size_t ncomments;
	/* Optional scope of kring row ids (organisations and comments have no
	 * uuid of their own): e.g. the instance's public URL. NULL = "". */
	const char *instance;
};

/* A growing set of STIX objects that serialises as one bundle. Objects are
 * kept in the order added; an object whose id and version are already in the
 * bundle is not added again (so a shared identity or marking appears once). */
struct stix_bundle;

/* *out receives a new empty bundle (free with stix_bundle_free). KR_ENOMEM. */
int stix_bundle_new(struct stix_bundle **out);
void stix_bundle_free(struct stix_bundle *b);

/* Adds the STIX form of one kring report: an identity for the source
 * organisation (identity_class "organization"), an indicator per indicator
 * (a vulnerability with a "cve" external reference per CVE), a note per
 * comment (marked with the comment's own TLP), the report (object_refs: the
 * indicators, vulnerabilities and the identity), and the TLP 2.0 marking
 * definitions they use. created/modified are the items' created/updated
 * times with millisecond precision; objects derived from the report take
 * max(own created, report updated) as `modified`, so a report edit gives
 * them a new version. The report's STIX id is "report--" + UUIDv5 over its
 * uuid. KR_EINVAL (missing report or source, bad uuid, bad indicator value),
 * KR_ELIMIT (STIX_MAX_OBJECTS), KR_ENOMEM. On error the bundle may hold part
 * of the report; free it. */
int stix_bundle_add_report(struct stix_bundle *b, const struct stix_report_in *in);

/* Adds a copy of an object kept verbatim (from stix_import or a store).
 * KR_EINVAL (no id/type/json), KR_ELIMIT, KR_ENOMEM. */
int stix_bundle_add_object(struct stix_bundle *b, const struct stix_object *o);

/* Adds the official TLP 2.0 marking-definition object of t (once); its
 * stix_object.tlp is TLP_CLEAR. KR_EINVAL (bad t), KR_ELIMIT, KR_ENOMEM. */
int stix_bundle_add_marking(struct stix_bundle *b, enum tlp t);

size_t stix_bundle_count(const struct stix_bundle *b);
/* The i-th object (borrowed, valid until the bundle changes); NULL when i is
 * out of range. */
const struct stix_object *stix_bundle_object(const struct stix_bundle *b, size_t i);

/* The bundle as JSON text: {"type":"bundle","id":"bundle--<uuid>","objects":
 * [...]}, objects in the order added. The bundle id is a UUIDv5 over the ids
 * and versions of its objects, so equal content gives an equal id. *out is
 * NUL-terminated, owned by the caller (kr_free). KR_EINVAL for an empty
 * bundle (STIX wants at least one object), KR_ELIMIT (STIX_MAX_INPUT),
 * KR_ENOMEM. */
int stix_bundle_serialise(const struct stix_bundle *b, char **out, size_t *len);

/* ---- import ---- */

/* An indicator found in the input: an `indicator` whose pattern is one
 * supported comparison (pattern_type "stix"), or a `vulnerability` with a
 * CVE id (external reference source_name "cve", else a name that is a CVE
 * id). ind.report_id and ind.id are 0; ind.value is normalised; ind.comment
 * is the object's description, else its name (one line, cut to fit at a
 * character boundary; a vulnerability's name is its CVE id, so only its
 * description is used); first_seen is valid_from, valid_until is
 * valid_until, created is created. */
struct stix_indicator {
	struct core_indicator ind;
	size_t object;         /* index into stix_import.objects */
	enum tlp tlp;          /* of the object it came from */
};

/* A STIX `report` read as a kring report. report.title is the name (control
 * characters made spaces, cut to CORE_TITLE_MAX at a character boundary),
 * report.body the description (owned; control characters other than tab and
 * newlines made spaces; NULL when absent or longer than CORE_BODY_MAX),
 * report.uuid the uuid part of the STIX id in lower case, report.tlp its
 * marking (or the default), created and updated its created and modified;
 * kind and level come from the labels "kring-kind:<kind>" and
 * "kring-level:<level>" kring writes, else from report_types
 * ("vulnerability" -> RK_VULNERABILITY, anything else RK_THREAT) and
 * LEVEL_TECHNICAL. Row ids are 0; version is 1. Every version of a report in
 * the input gives one entry. */
struct stix_report {
	struct core_report report;
	size_t object;         /* index into stix_import.objects */
	/* Indexes into stix_import.indicators of the indicators its object_refs
	 * name whose TLP is not stricter than the report's (a stricter one must
	 * not be stored under the looser report; it stays only in the
	 * indicator list); owned. */
	size_t *indicators;
	size_t nindicators;
};

struct stix_import {
	struct stix_object *objects;       /* every object of the input, in order */
	size_t nobjects;
	struct stix_indicator *indicators; /* in input order; may be named by reports */
	size_t nindicators;
	struct stix_report *reports;
	size_t nreports;
	int nskipped;   /* indicator/vulnerability objects kept only verbatim */
};

/* Reads STIX 2.1 content: a bundle, a JSON array of objects, or one object.
 * Checks, each failure answered with KR_EINVAL and a message in err (errsz
 * bytes, e.g. "objects[3] identity--8c6a...: modified is required"):
 *   - at most STIX_MAX_INPUT bytes (else KR_ELIMIT), valid UTF-8 JSON, no
 *     duplicate member names, nesting at most STIX_MAX_DEPTH, at most
 *     STIX_MAX_OBJECTS objects (else KR_ELIMIT);
 *   - a bundle has type "bundle", an id "bundle--<uuid>", objects (when
 *     present) as a list, and no spec_version other than "2.1" (STIX 2.0
 *     bundles are refused);
 *   - every object: a valid type, an id "<type>--<uuid>" of that type,
 *     spec_version "2.1" (required except on cyber-observables), timestamps
 *     in STIX form ("YYYY-MM-DDTHH:MM:SS[.fraction]Z"), created <= modified,
 *     the required properties of the STIX 2.1 SDOs, SROs, marking and
 *     language objects, well-formed references in created_by_ref,
 *     object_marking_refs, object_refs and the SRO refs, base64 in artifact
 *     payload_bin, string values in HTTP request headers, and no object
 *     given twice with the same id and version.
 * KR_ELIMIT also when a report names more than CORE_INDICATORS_PER_REPORT
 * indicators; KR_ENOMEM. Every object is kept in objects (verbatim JSON) with
 * its TLP; reports and indicators are extracted besides. default_tlp applies
 * to objects without a TLP marking. On error *out is left empty. Free with
 * stix_import_release (also after an error). */
int stix_import(const char *json, size_t len, enum tlp default_tlp, struct stix_import *out,
		char *err, size_t errsz);
void stix_import_release(struct stix_import *imp);

#endif
