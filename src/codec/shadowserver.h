/* shadowserver.h - reading Shadowserver report CSVs into events.
 *
 * A report is one CSV file with a header. The report type is recognised by
 * its header (the set of column names, compared with the columns kring
 * knows for each type; an optional hint such as the file name decides
 * between types whose headers are the same), and columns are mapped by
 * name, so files with missing, extra or reordered columns are read alike;
 * an unknown header is still read when it names an address, hostname or
 * ASN column.
 *
 * Every data row becomes an event or a rejection with a reason; a bad row
 * never stops the stream. A row is rejected when the CSV reader rejects it
 * (see csv.h), when it has more fields than the header, when it ends
 * without a line break and misses fields (a truncated file), when an IP
 * column ("ip" or "*_ip") holds something other than an IP address (the
 * subject column may also hold a network "a.b.c.0/24"), when a port, ASN
 * or timestamp is malformed, or when it names no address, hostname or
 * ASN at all. Rows shorter than the header are read with the missing
 * fields empty (Shadowserver files have such rows).
 *
 * The subject of an event is whom the row is about: the "ip" column, else
 * "src_ip", else "http_referer_ip", with the port, ASN, geo and hostname
 * that go with it. No I/O: bytes are pushed in as for csv.h. */
#ifndef KR_SHADOWSERVER_H
#define KR_SHADOWSERVER_H

#include "codec/csv.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHADOW_REASON_MAX 192

/* What a header was recognised as. */
struct shadow_detection {
	const char *type;     /* "scan_http", "event4_sinkhole", ...; "unknown" */
	const char *category; /* what the rows say about their subject: "exposed-service",
	                       * "vulnerable-service", "infected-host", "compromised-website",
	                       * "brute-force-source", "ddos-source", "darknet-source",
	                       * "spoofing-network", "blocklisted", "device", "malicious-url",
	                       * "phishing-url", "sandbox-url", "sinkhole-referer", "special",
	                       * "unknown" */
	bool ambiguous;       /* other types have this header too; type is the first */
	int score;            /* similarity to the type's columns, percent (Jaccard) */
};

/* Recognises a header of n column names (case-insensitive). hint may be
 * NULL or a text naming a type, such as Shadowserver's file names
 * ("2021-03-04-event4_microsoft_sinkhole-nl.csv"); it decides when the
 * type it names fits the header at least half (score >= 50). Without a
 * usable hint the best-fitting type is taken when its score is >= 60, else
 * the type is "unknown". Always fills *out. */
void shadow_detect(const char *const *names, size_t n, const char *hint,
                   struct shadow_detection *out);

/* The i-th report type kring knows (0-based), NULL past the last. */
const char *shadow_known_type(size_t i);

/* An address from a row. */
struct shadow_ip {
	int family;       /* 0 = absent, 4 or 6 */
	uint8_t addr[16]; /* network order; IPv4 uses the first 4 bytes */
	unsigned plen;    /* 32 / 128 for an address, less for a network */
};

/* One data row. Texts are "" when the column is absent or empty; they and
 * the arrays are valid only during the callback. */
struct shadow_event {
	uint64_t row;  /* 1 = first row after the header */
	uint64_t line; /* input line where the row starts */
	const struct shadow_detection *type;
	int64_t time_ms;     /* "timestamp", UTC; 0 when absent */
	struct shadow_ip ip; /* the subject */
	int port;            /* -1 when absent */
	uint32_t asn;        /* 0 when absent */
	const char *geo, *hostname, *tag, *infection, *family, *protocol, *severity, *url,
	    *application;
	struct shadow_ip dst; /* the other end: dst_ip, dest_ip or cc_ip */
	int dst_port;         /* -1 when absent */
	size_t nfields;       /* fields of the row (may be fewer than columns) */
	const char *const *field;
	size_t ncolumns;
	const char *const *column; /* header names, lower case */
};

/* Raw text of a named column of ev's row (case-insensitive), "" when the
 * row is short, NULL when the header has no such column. */
const char *shadow_event_get(const struct shadow_event *ev, const char *column);

struct shadow_reject {
	uint64_t row; /* 0 = the header */
	uint64_t line;
	const char *reason; /* English, one line, printable ASCII */
};

/* event() and reject() return 0 to go on, anything else to stop (that
 * value is then returned by feed/finish). reject may be NULL. */
struct shadow_handler {
	int (*event)(void *ctx, const struct shadow_event *ev);
	int (*reject)(void *ctx, const struct shadow_reject *rj);
	void *ctx;
};

struct shadow_options {
	struct csv_options csv; /* zero = CSV defaults (64 KiB per record) */
	const char *hint;       /* see shadow_detect; copied; may be NULL */
};

struct shadow_reader;

/* opt may be NULL. *out is owned by the caller: shadow_reader_free(). */
int shadow_reader_new(const struct shadow_options *opt, const struct shadow_handler *h,
                      struct shadow_reader **out);
/* 0; the handler's stop value; KR_ENOMEM; KR_EINVAL when the header is
 * unusable (reported once through reject with row 0: no address, hostname
 * or ASN column, or a rejected header record), and for every call after
 * that or after finish. */
int shadow_reader_feed(struct shadow_reader *r, const void *data, size_t len);
/* End of input; KR_EINVAL also when there was no header at all. */
int shadow_reader_finish(struct shadow_reader *r);
void shadow_reader_free(struct shadow_reader *r);

/* The detection, or NULL before the header was read. */
const struct shadow_detection *shadow_reader_detection(const struct shadow_reader *r);

struct shadow_stats {
	uint64_t rows; /* data rows read (events + rejected) */
	uint64_t events;
	uint64_t rejected;
};
void shadow_reader_stats(const struct shadow_reader *r, struct shadow_stats *out);

#endif
