/* notify.h - target and victim notification, the pure part: the
 * constituency registry as a match index with routes and contacts, the
 * readers of the inputs (Shadowserver reports, plain lists, STIX 2.1,
 * product advisories), routing of findings to recipients, the
 * de-duplication keys, and the rendering of one notification (text in the
 * recipient's language from the advice catalogue, a CSV of the rows and a
 * STIX 2.1 bundle) as a MIME message.
 *
 * No I/O, no SQL, no clock: the caller (deliver/) loads the registry from
 * the store, feeds input bytes, stores matches and outbox messages and
 * passes the time. Access and TLP labels come from policy/
 * (policy_decide_notify). Documented in docs/internals/notify.md.
 *
 * Status: 0, KR_EINVAL, KR_ENOTFOUND, KR_ECONFLICT, KR_ELIMIT, KR_ENOMEM. */
#ifndef KR_NOTIFY_H
#define KR_NOTIFY_H

#include "core/model.h"
#include "policy/policy.h"
#include "util/strbuf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NOTIFY_TYPE_MAX        64                  /* event type names */
#define NOTIFY_ROWS_MAX        20000               /* rows in one notification; the rest waits */
#define NOTIFY_LINE_MAX        ((size_t)64 * 1024) /* bytes of one input line / record */
#define NOTIFY_RECIPIENTS_MAX  16                  /* recipients of the findings about one victim */
#define NOTIFY_REASON_MAX      192
#define NOTIFY_ACK_PLACEHOLDER "{{kring-ack-url}}" /* replaced when sent */

/* ---- the registry ---- */

enum notify_route { NOTIFY_DIRECT, NOTIFY_SUPPLIER, NOTIFY_LINKING, NOTIFY_ROUTE__COUNT };
/* "direct", "supplier", "linking"; parse -1 when unknown. */
const char *notify_route_name(enum notify_route r);
int notify_route_parse(const char *s);

struct notify_contact {
	char name[CORE_NAME_MAX + 1];
	char email[CORE_EMAIL_MAX + 1];
	enum lang lang;
};

/* An organisation as the registry knows it (borrowed from the registry). */
struct notify_org {
	int64_t id;
	char name[CORE_NAME_MAX + 1];
	enum org_kind kind;
	size_t ncontacts;
	const struct notify_contact *contacts;
};

struct notify_registry;

/* *out is owned by the caller: notify_registry_free(). */
int notify_registry_new(struct notify_registry **out);
void notify_registry_free(struct notify_registry *g);

/* Adding. Organisations may be added in any order, before or after what
 * refers to them; notify_registry_build() checks the references. A second
 * organisation with an id already added is KR_ECONFLICT. */
int notify_registry_add_org(struct notify_registry *g, int64_t id, const char *name,
                            enum org_kind kind);
/* "192.0.2.0/24", "2001:db8::/32", or an address. KR_EINVAL, KR_ECONFLICT
 * (the exact prefix is another organisation's). */
int notify_registry_add_prefix(struct notify_registry *g, int64_t org, const char *prefix);
int notify_registry_add_asn(struct notify_registry *g, int64_t org, uint32_t asn);
/* The domain and its subdomains. */
int notify_registry_add_domain(struct notify_registry *g, int64_t org, const char *domain);
/* min/max: inclusive version bounds, NULL/""/"*" = open. */
int notify_registry_add_product(struct notify_registry *g, int64_t org, const char *vendor,
                                const char *product, const char *min_version,
                                const char *max_version);
int notify_registry_add_cpe(struct notify_registry *g, int64_t org, const char *cpe);
/* via is 0 for NOTIFY_DIRECT, else the relay organisation. */
int notify_registry_add_route(struct notify_registry *g, int64_t org, enum notify_route kind,
                              int64_t via);
int notify_registry_add_contact(struct notify_registry *g, int64_t org,
                                const struct notify_contact *c);
/* Builds the match index and the lookup tables; after it, adding is
 * KR_EINVAL and the registry is read-only (safe to share between
 * threads). Routes naming an unknown organisation are dropped. */
int notify_registry_build(struct notify_registry *g);

/* The organisation with this id, or NULL. */
const struct notify_org *notify_registry_org(const struct notify_registry *g, int64_t id);

/* One recipient of findings about a victim. */
struct notify_recipient {
	int64_t org_id; /* who receives: the victim itself or a relay */
	enum notify_route route;
	enum tlp tlp; /* from policy_decide_notify */
};
/* The recipients of findings about victim, by the victim's routes (no
 * route: direct), each allowed by policy_decide_notify: the victim at
 * TLP:AMBER+STRICT when it is told directly, a supplier of kind supplier
 * it chose at TLP:AMBER, a linking organisation of kind linking it chose
 * at TLP:AMBER. Writes at most max into out, *n = how many. Recipients
 * without contacts are included (the caller counts them unroutable). */
int notify_recipients(const struct notify_registry *g, int64_t victim, struct notify_recipient *out,
                      size_t max, size_t *n);

/* ---- events (one input row) ---- */

struct notify_event {
	uint64_t row; /* 1 = the first data row */
	uint64_t line;
	const char *type;     /* event type: catalogue key ("scan_http", "list", ...) */
	const char *category; /* Shadowserver category or "" */
	int64_t time_ms;      /* 0 = not given */
	/* The subject, tried in this order: address, domain, AS number,
	 * product. family 0 = no address. */
	int family;         /* 4, 6 or 0 */
	uint8_t addr[16];   /* network order */
	unsigned plen;      /* 32/128 for an address, less for a network */
	const char *domain; /* hostname, domain or NULL */
	uint32_t asn;       /* 0 = none */
	const char *vendor, *product, *min_version, *max_version; /* advisory, or NULL */
	const char *cve;                                          /* advisory or NULL */
	int port;                                                 /* -1 = none */
	const char *detail; /* tag, infection or description; may be "" */
	/* The row for the CSV part, in the columns of the input (see
	 * notify_input_columns). */
	size_t nfields;
	const char *const *field;
};

/* Called for each organisation a finding is about. subject is the
 * normalised value the finding is reported under (an address, network,
 * domain, ASN digits or CVE) and subject_type its indicator type. */
typedef int (*notify_victim_fn)(void *ctx, int64_t victim, const char *subject,
                                enum ind_type subject_type);
/* Matches an event against the built registry: the most specific owner of
 * the address (a network: the most specific registration covering all of
 * it), else of the domain (or its parent), else of the AS number; for a
 * product every organisation whose registered version range overlaps the
 * affected one. Calls fn once per victim (KR_ENOTFOUND when none, fn's
 * non-zero return stops). KR_EINVAL for an event without a usable subject. */
int notify_match(const struct notify_registry *g, const struct notify_event *ev,
                 notify_victim_fn fn, void *ctx);

/* ---- inputs ---- */

enum notify_format {
	NOTIFY_FMT_AUTO,
	NOTIFY_FMT_SHADOWSERVER,
	NOTIFY_FMT_LIST,
	NOTIFY_FMT_STIX,
	NOTIFY_FMT_ADVISORY,
	NOTIFY_FMT__COUNT
};
/* "auto", "shadowserver", "list", "stix", "advisory"; parse -1. */
const char *notify_format_name(enum notify_format f);
int notify_format_parse(const char *s);

struct notify_input_options {
	/* What --type says: a format name, a Shadowserver report type (the
	 * format is then shadowserver and the type decides between look-alike
	 * headers), or NULL/"" for auto-detection by content. */
	const char *type;
	const char *name; /* file name, a hint for the report type; may be NULL */
};

struct notify_input_handler {
	int (*event)(void *ctx, const struct notify_event *ev);
	/* row 0 = the input as a whole or its header; reason is one line of
	 * printable ASCII. */
	int (*reject)(void *ctx, uint64_t row, uint64_t line, const char *reason);
	void *ctx;
};

struct notify_input;

/* Whether --type names a format or a Shadowserver report type kring knows. */
bool notify_type_known(const char *type);

/* KR_EINVAL for an unknown --type. *out owned by the caller. */
int notify_input_new(const struct notify_input_options *opt, const struct notify_input_handler *h,
                     struct notify_input **out);
/* Pushes bytes (any split). Bad rows are rejected through the handler and
 * never stop the stream. 0, the handler's stop value, KR_ENOMEM, KR_ELIMIT
 * (a STIX input larger than STIX_MAX_INPUT), or KR_EINVAL when the input as
 * a whole cannot be read (an unusable header; reported once as row 0). */
int notify_input_feed(struct notify_input *in, const void *data, size_t len);
int notify_input_finish(struct notify_input *in);
void notify_input_free(struct notify_input *in);
/* After the first bytes: the format detected, else NOTIFY_FMT_AUTO. */
enum notify_format notify_input_format(const struct notify_input *in);
/* The report type of a Shadowserver input ("" before the header or for
 * other formats). */
const char *notify_input_type(const struct notify_input *in);
/* The CSV header line of the rows' fields (without line end), "" before
 * it is known. Valid while in lives. */
const char *notify_input_columns(const struct notify_input *in);

struct notify_input_stats {
	uint64_t rows; /* data rows read, rejected ones included */
	uint64_t events;
	uint64_t rejected;
	uint64_t bytes;
};
void notify_input_stats(const struct notify_input *in, struct notify_input_stats *out);

/* ---- keys ---- */

/* The finding of a row: SHA-256 hex over event type, subject, port and
 * detail, so the same finding in another report is recognised. */
void notify_row_key(const char *event_type, const char *subject, int port, const char *detail,
                    char out[65]);
/* The sent-log key: recipient, route, victim and row key. */
void notify_sent_key(int64_t recipient, enum notify_route route, int64_t victim,
                     const char *row_key, char out[65]);
/* The idempotency key of a message: input hash, recipient, route, language. */
void notify_message_key(const char *input_hash, int64_t recipient, enum notify_route route,
                        enum lang lang, char out[65]);

/* Appends fields as one CSV line (RFC 4180, no line end) to sb. A field
 * that a spreadsheet would run as a formula (starting with =, +, @, a tab
 * or CR, or '-' not followed by a digit) gets a leading apostrophe. */
int notify_csv_line(struct strbuf *sb, const char *const *field, size_t n);

/* ---- the advice catalogue (data/advice/advice.json) ---- */

struct notify_advice {
	const char *title;       /* short: "Open HTTP service" */
	const char *explanation; /* what was seen and why it matters */
	const char *action;      /* what to do */
};

struct notify_catalogue;
/* Parses a catalogue: {"version":1,"types":{"<type>":{"nl":{"title",
 * "explanation","action"},"en":{...}}}} with at least a "generic" entry in
 * both languages; "category:<name>" entries serve types of that category.
 * On KR_EINVAL err (errlen bytes) says why. *out owned by the caller. */
int notify_catalogue_load(const char *json, size_t len, struct notify_catalogue **out, char *err,
                          size_t errlen);
/* The catalogue shipped inside kring. */
int notify_catalogue_builtin(struct notify_catalogue **out);
void notify_catalogue_free(struct notify_catalogue *cat);
/* The texts for an event type in a language: the type's own entry, else
 * its category's, else "generic"; a missing language falls back to
 * English. Never NULL for a loaded catalogue. */
const struct notify_advice *notify_catalogue_find(const struct notify_catalogue *cat,
                                                  const char *type, const char *category,
                                                  enum lang lang);
/* Whether the catalogue has an entry of its own for type. */
bool notify_catalogue_has(const struct notify_catalogue *cat, const char *type);

/* ---- one notification ---- */

struct notify_batch_info {
	const struct notify_org *recipient;
	enum notify_route route;
	enum tlp tlp;
	enum lang lang;
	const char *columns;    /* CSV header of the rows (notify_input_columns) */
	const char *input_name; /* what the findings came from, e.g. a file name */
	const char *sender;     /* name of the sending team */
	const char *uuid;       /* uuid of the notification (STIX report id) */
	int64_t now;            /* ms: date of the notification */
};

/* One row of a notification. */
struct notify_row {
	const struct notify_org *victim;
	const char *event_type;
	const char *category;
	const char *subject;
	enum ind_type subject_type;
	int64_t at;
	const char *fields; /* one CSV line in info->columns */
};

struct notify_batch;
/* Copies what it needs of info. *out owned by the caller. */
int notify_batch_new(const struct notify_batch_info *info, struct notify_batch **out);
void notify_batch_free(struct notify_batch *b);
/* KR_ELIMIT after NOTIFY_ROWS_MAX rows (the row is not added). */
int notify_batch_add(struct notify_batch *b, const struct notify_row *row);
size_t notify_batch_rows(const struct notify_batch *b);

/* A rendered notification; every text owned (notify_message_release). */
struct notify_message {
	char *subject; /* one line, UTF-8 */
	char *text;    /* the text part (with NOTIFY_ACK_PLACEHOLDER) */
	char *csv;     /* header + rows, CRLF line ends */
	char *stix;    /* STIX 2.1 bundle JSON */
	size_t text_len, csv_len, stix_len;
};
void notify_message_release(struct notify_message *m);

/* Renders the batch: subject "[TLP:<label>] <title> (<n> ...)", the text
 * (TLP line, greeting, per event type the explanation and what to do with
 * the number of rows, for a relay a word on forwarding and the clients
 * concerned, the acknowledgement placeholder), the CSV with an
 * "organisation" column first naming the organisation each row concerns,
 * and a STIX bundle with one indicator per distinct subject under the
 * label. KR_EINVAL for an empty batch. */
int notify_batch_render(const struct notify_batch *b, const struct notify_catalogue *cat,
                        struct notify_message *out);

/* ---- MIME ---- */

struct notify_mime {
	const char *from;       /* "Name <addr>" or "addr" */
	const char *to;         /* "a@x.nl, b@y.nl" */
	const char *subject;    /* UTF-8; encoded when not ASCII */
	const char *message_id; /* without <> */
	int64_t date_ms;
	enum tlp tlp;     /* also as a header */
	const char *text; /* UTF-8, quoted-printable */
	size_t text_len;
	const char *csv; /* attachments, base64; NULL = none */
	size_t csv_len;
	const char *csv_name;
	const char *stix;
	size_t stix_len;
	const char *stix_name;
};
/* Builds a multipart/mixed RFC 5322 message with CRLF line ends into sb.
 * KR_EINVAL for header values with CR or LF. */
int notify_mime_build(const struct notify_mime *m, struct strbuf *sb);

#endif
