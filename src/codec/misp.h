/* misp.h - MISP core-format events <-> the kring model: import of events
 * (feed form {"Event":{...}} or a bare event), export of a kring report and
 * its indicators as a MISP event, and the pieces of a MISP feed
 * (manifest.json entries and hashes.csv lines).
 *
 * Bytes in, bytes out: no I/O, no SQL, no HTTP and no access decisions; the
 * caller passes only what the policy module lets the reader see.
 *
 * TLP. Tags "tlp:clear", "tlp:white" (read as CLEAR), "tlp:green",
 * "tlp:amber", "tlp:amber+strict" and "tlp:red" (any case) are TLP labels;
 * an event gets the strictest label among its own tags, or the caller's
 * default (AMBER in kring) when it has none. Export writes the lower-case
 * tlp:<label> tag of the MISP tlp taxonomy. */
#ifndef KR_MISP_H
#define KR_MISP_H

#include "core/model.h"
#include "util/strbuf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MISP_MAX_INPUT ((size_t)64 * 1024 * 1024) /* bytes per event */
#define MISP_MAX_ATTRIBUTES 100000 /* attributes per event, objects' included */
#define MISP_MAX_DEPTH 64          /* nesting of arrays and objects */
#define MISP_TAG_MAX 255           /* longest tag name kept */
#define MISP_TYPE_MAX 64           /* longest attribute type kept in a reject */
#define MISP_VALUE_SHOWN 120       /* bytes of a rejected value kept for the message */
#define MISP_ERR_MAX 512

/* ---- import ---- */

/* A value of a supported attribute that did not become an indicator. */
struct misp_reject {
	char uuid[37];                      /* the attribute's uuid, or "" */
	char type[MISP_TYPE_MAX + 1];
	char value[MISP_VALUE_SHOWN + 1];   /* cut at a character boundary */
	const char *why;                    /* static English text */
};

struct misp_event {
	/* The event as a kring report: uuid = Event.uuid (when the event has
	 * none: a UUIDv5 over its canonical JSON, so the same file always gets
	 * the same uuid), title = info (cut to CORE_TITLE_MAX at a character
	 * boundary; "MISP event <uuid>" when empty), kind RK_THREAT, level
	 * LEVEL_TECHNICAL, tlp from the event's tags, created = date (else
	 * timestamp), updated = timestamp (else created), version 1, body NULL,
	 * row ids 0. */
	struct core_report report;
	/* Indicators from the supported attribute types, the attributes of
	 * Objects included, deleted attributes and deleted objects excluded,
	 * one per distinct (type, normalised value), in input order; ids 0.
	 * comment = the attribute's comment (cut), created = its timestamp,
	 * first_seen / last_seen from it when present. Owned. */
	struct core_indicator *indicators;
	size_t nindicators;
	size_t nsupported;   /* attributes of a supported type */
	size_t nvalues;      /* values they hold (domain|ip holds two) */
	size_t nduplicates;  /* values equal to an indicator already taken */
	/* Values that did not become indicators: not valid for their type, or
	 * carried by an attribute tagged with a TLP stricter than the event's
	 * (kring indicators share their report's TLP, so such a value would be
	 * loosened). nindicators + nduplicates + nrejects == nvalues. Owned. */
	struct misp_reject *rejects;
	size_t nrejects;
	/* Every tag name of the event (Tag) and of its galaxy clusters
	 * (GalaxyCluster tag_name), TLP tags included, each once, in input
	 * order. Owned: an array of owned strings. */
	char **tags;
	size_t ntags;
	enum tlp max_tlp;    /* strictest TLP tagged anywhere in the event */
	bool tlp_tagged;     /* report.tlp came from a tag, not the default */
	char orgc_name[CORE_NAME_MAX + 1]; /* Orgc.name, or "" */
	char orgc_uuid[37];                /* Orgc.uuid, or "" */
	int analysis;        /* 0..2, -1 when absent */
	int threat_level_id; /* 1..4, -1 when absent */
	bool published;
	/* The whole event as compact JSON in feed form {"Event":{...}},
	 * preserved for export and for everything kring does not model. Its
	 * TLP is max_tlp: it must never be shown more widely. Owned. */
	char *raw;
	size_t raw_len;
};

/* Reads one MISP event. Accepted: {"Event":{...}} or the bare event object;
 * numeric fields (analysis, threat_level_id, timestamp, ...) as strings or
 * numbers. Refused with KR_EINVAL and a message in err (errsz bytes): input
 * that is not UTF-8 JSON, duplicate member names, nesting deeper than
 * MISP_MAX_DEPTH, an event that is not an object or has none of uuid, info,
 * date, Attribute, Object and Tag (a STIX bundle, say), Attribute / Object / Tag
 * that are not lists, attributes without a string type, an event uuid that
 * is not a UUID, a date that is not YYYY-MM-DD, a timestamp that is not a
 * number. KR_ELIMIT for more than MISP_MAX_INPUT bytes, MISP_MAX_ATTRIBUTES
 * attributes or CORE_INDICATORS_PER_REPORT distinct indicators. On error
 * *out is left empty. Free with misp_event_release. */
int misp_import(const char *json, size_t len, enum tlp default_tlp, struct misp_event *out,
		char *err, size_t errsz);
void misp_event_release(struct misp_event *e);

/* The TLP a tag names ("tlp:amber+strict" -> TLP_AMBER_STRICT, "TLP:WHITE"
 * -> TLP_CLEAR), or -1 for other tags (also "tlp:ex:chr", "tlp:unclear"). */
int misp_tag_tlp(const char *tag);

/* ---- export ---- */

/* A kring report for MISP; all read-only, owned by the caller. */
struct misp_event_in {
	const struct core_report *report;        /* required */
	const struct core_org *orgc;             /* required: the source organisation */
	const struct core_indicator *indicators; /* normalised; may be NULL if 0 */
	size_t nindicators;
	/* Scope of kring row ids for the organisation's uuid, as in STIX
	 * export (the Orgc uuid equals the uuid of the STIX identity). */
	const char *instance;
	int analysis;        /* 0 initial, 1 ongoing, 2 completed; other: 2 */
	int threat_level_id; /* 1 high, 2 medium, 3 low, 4 undefined; other: 4 */
};

/* The event in feed form: {"Event":{"uuid" (the report's uuid),"info"
 * (title),"date" (created, YYYY-MM-DD),"timestamp","publish_timestamp"
 * (updated, seconds, as strings),"published":true,"analysis",
 * "threat_level_id" (strings),"Orgc":{"name","uuid"},"Tag":[{"name":
 * "tlp:<label>","colour",...}],"Attribute":[{"uuid" (UUIDv5 over the report
 * uuid, type and value),"type","category","value","to_ids","timestamp",
 * "comment"[,"first_seen","last_seen"]}...]}}. Indicator types map to
 * ip-dst (ipv4, ipv6, cidr), domain, url, email-src, md5, sha1, sha256,
 * vulnerability and AS. *out is NUL-terminated, caller frees (kr_free).
 * KR_EINVAL (missing report or orgc, bad uuid, value not normalised,
 * text not UTF-8), KR_ENOMEM. */
int misp_event_export(const struct misp_event_in *in, char **out, size_t *len);

/* Appends the event's manifest.json member to sb: "<uuid>":{"Orgc":{"name",
 * "uuid"},"Tag":[{"name","colour"}],"info","date","analysis",
 * "threat_level_id","timestamp"} (numbers as strings, as MISP writes them).
 * No separator is written. KR_EINVAL, KR_ELIMIT (sb's cap), KR_ENOMEM. */
int misp_manifest_entry(const struct misp_event_in *in, struct strbuf *sb);

/* Appends the event's hashes.csv lines to sb: "<md5 of value>,<event
 * uuid>\n" per attribute value the event file holds, in attribute order.
 * KR_EINVAL, KR_ELIMIT, KR_ENOMEM. */
int misp_hashes_lines(const struct misp_event_in *in, struct strbuf *sb);

/* A MISP feed being built: one event file per report, and manifest.json and
 * hashes.csv over all of them. */
struct misp_feed;

int misp_feed_new(struct misp_feed **out);
void misp_feed_free(struct misp_feed *f);
/* Adds an event: *event receives the content of "<uuid>.json" (caller frees
 * with kr_free) and the manifest and hashes grow. KR_ECONFLICT when an event
 * with that uuid is already in the feed; errors as misp_event_export. On
 * error the feed is unchanged. */
int misp_feed_add(struct misp_feed *f, const struct misp_event_in *in, char **event,
		  size_t *len);
/* manifest.json ("{}" for an empty feed) and hashes.csv ("" when empty) of
 * the events added so far; caller frees. KR_ENOMEM. */
int misp_feed_manifest(const struct misp_feed *f, char **out, size_t *len);
int misp_feed_hashes(const struct misp_feed *f, char **out, size_t *len);

#endif
