/* fuzz_taxii_query.c - libFuzzer target: TAXII 2.1 query strings
 * (match[id], match[type], match[version], match[spec_version],
 * added_after, limit, next; repeated and comma-separated values,
 * percent-encoding) on the objects, manifest, object and versions
 * endpoints, through the real server, router and handlers of src/taxii.
 *
 * The seeded world of fuzz_server.c gets a second participant, Tess of the
 * operations CSIRT, and reports of both organisations under every label,
 * each carrying a marker word in its title, body and indicators ("fzsecret-
 * <org>-<label>" where someone may not read it). Tess may not read the
 * member company's AMBER (not addressed to her organisation), AMBER+STRICT
 * and RED reports nor its RED comment; the chair may not read Tess's RED
 * and AMBER+STRICT reports.
 *
 * Input: byte 0 chooses the caller (low nibble: Tess or the chair with a
 * bearer token, a session, HTTP Basic with a token or a password; the
 * administrator who has not accepted the guidelines; an organisation that
 * is no member; nobody; a wrong credential), the endpoint (bits 4-5), the
 * collection's name (bit 6: alias or uuid) and a trailing slash (bit 7);
 * byte 1 the object of the object and versions endpoints (from the ids
 * found at start-up, plus unknown and malformed ones); the rest is the
 * query string (bytes that cannot stand in a request line are
 * percent-encoded, '%' and '+' are kept as they are).
 *
 * Oracles besides the sanitizers and fuzz_server's (no 5xx, no hang):
 * - the status is one this caller and endpoint can get: 200 or 400 for a
 *   participant (404 too for one object), 403, 404 or 401 for the others,
 *   400 for anyone past 64 query parameters;
 * - a 4xx is a TAXII error message (title, description, http_status equal
 *   to the status), or the HTTP layer's problem+json for more than 64
 *   query parameters;
 * - a 200 is a TAXII envelope / manifest / versions resource: only the
 *   members more (a boolean), next (a string, present exactly when more is
 *   true) and objects / versions (an array of objects with type and id,
 *   manifest records, or version strings);
 * - nothing the caller may not read appears: no marker of such a report in
 *   the answer's text, no id of its objects in any list, and asking for
 *   such an object or its versions answers exactly (status and body) as
 *   asking for an id that does not exist;
 * - filters are honoured when the harness can read them unambiguously: no
 *   more entries than the last limit, every entry of a type and id asked
 *   for by match[type] and match[id], nothing when match[spec_version]
 *   names no 2.1, only the object asked for on the object endpoints. */
#include "fuzz_server.h"

#include "core/model.h"
#include "interop/interop.h"
#include "store/store.h"
#include "taxii/taxii.h"
#include "util/err.h"

#include <ctype.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

#define TESS_EMAIL "tess.taxii@ops.example.org"
#define TESS_PASSWORD "tess reads taxii with this 9"
#define TESS_TOKEN "kt_" \
	"1111111111111111111111111111111111111111111111111111111111111111"
#define QUERY_MAX 4096
#define REQ_MAX (QUERY_MAX * 3 + 2048)
#define MAX_IDS 128
#define MAX_VALUES 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- callers ---- */

enum who { TESS, CHAIR, ADMIN, OUTSIDER, NOBODY };

struct caller {
	enum who who;
	const char *auth; /* the Authorization header's value, NULL = none */
};

/* Filled at start-up (Basic values are base64). */
static struct caller callers[11];

static const char *const tess_secrets[] = { "Red report", "Amber report", "fzsecret-member-" };
static const char *const chair_secrets[] = { "fzsecret-ops-" };

/* ---- the world ---- */

static void fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_taxii_query: %s%s%s\n", what, detail ? ": " : "",
		detail ? detail : "");
	abort();
}

static int64_t add_report(struct store *s, const struct fuzz_world *w, int64_t org,
			  int64_t author, enum tlp tlp, const char *marker, int64_t recipient_org,
			  int64_t recipient_person)
{
	struct core_report rep;
	struct core_indicator ind[2];
	char body[200];
	memset(&rep, 0, sizeof rep);
	memset(ind, 0, sizeof ind);
	rep.kind = RK_THREAT;
	rep.level = LEVEL_TECHNICAL;
	rep.tlp = tlp;
	rep.community_id = w->community;
	rep.source_org_id = org;
	rep.author_id = author;
	snprintf(rep.title, sizeof rep.title, "%s title", marker);
	snprintf(body, sizeof body, "The %s body with *Markdown*.", marker);
	rep.body = body;
	if (recipient_org) {
		rep.nrecipient_orgs = 1;
		rep.recipient_orgs[0] = recipient_org;
	}
	if (recipient_person) {
		rep.nrecipient_people = 1;
		rep.recipient_people[0] = recipient_person;
	}
	ind[0].type = IND_DOMAIN;
	snprintf(ind[0].value, sizeof ind[0].value, "%s.example.net", marker);
	ind[1].type = IND_URL;
	snprintf(ind[1].value, sizeof ind[1].value, "https://%s.example.org/x", marker);
	snprintf(ind[1].comment, sizeof ind[1].comment, "%s indicator", marker);
	int r = store_report_create(s, &rep, ind, 2);
	if (r)
		fail("report", kr_strerror(r));
	return rep.id;
}

static void extra_world(struct store *s, const struct fuzz_world *w)
{
	int64_t tess = fuzz_seed_person(s, "Tess Taxii", TESS_EMAIL, w->org_ops, TESS_PASSWORD);
	fuzz_seed_token(s, TESS_TOKEN, tess, "read");
	int r = store_guidelines_accept(s, w->community, tess, 1);
	if (r)
		fail("guidelines", kr_strerror(r));

	int64_t m = w->org_member, c = w->chair;
	add_report(s, w, m, c, TLP_CLEAR, "fzpublic-member-clear", 0, 0);
	int64_t green = add_report(s, w, m, c, TLP_GREEN, "fzpublic-member-green", 0, 0);
	add_report(s, w, m, c, TLP_AMBER, "fzshared-member-amber", w->org_ops, 0);
	add_report(s, w, m, c, TLP_AMBER, "fzsecret-member-amber", 0, 0);
	add_report(s, w, m, c, TLP_AMBER_STRICT, "fzsecret-member-strict", 0, 0);
	add_report(s, w, m, c, TLP_RED, "fzsecret-member-red", 0, c);
	add_report(s, w, w->org_ops, tess, TLP_GREEN, "fzpublic-ops-green", 0, 0);
	add_report(s, w, w->org_ops, tess, TLP_AMBER_STRICT, "fzsecret-ops-strict", 0, 0);
	add_report(s, w, w->org_ops, tess, TLP_RED, "fzsecret-ops-red", 0, 0);

	struct core_comment cm;
	memset(&cm, 0, sizeof cm);
	cm.report_id = green;
	cm.author_id = c;
	cm.org_id = m;
	cm.tlp = TLP_RED;
	cm.body = (char *)"A fzsecret-member-note only its author reads.";
	r = store_comment_create(s, &cm);
	cm.body = NULL;
	if (r)
		fail("comment", kr_strerror(r));

	/* The STIX form written now, so that requests do not write it into
	 * every fresh copy of the store. */
	r = interop_sync(s, w->community, NULL);
	if (r)
		fail("interop_sync", kr_strerror(r));
}

static void basic(char *out, size_t n, const char *user, const char *secret)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char raw[256];
	int len = snprintf(raw, sizeof raw, "%s:%s", user, secret);
	size_t o = (size_t)snprintf(out, n, "Basic ");
	for (int i = 0; i < len && o + 5 < n; i += 3) {
		unsigned v = (unsigned char)raw[i] << 16;
		if (i + 1 < len)
			v |= (unsigned char)raw[i + 1] << 8;
		if (i + 2 < len)
			v |= (unsigned char)raw[i + 2];
		out[o++] = tab[(v >> 18) & 63];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = i + 1 < len ? tab[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? tab[v & 63] : '=';
	}
	out[o] = '\0';
}

static void setup_callers(void)
{
	static char b[5][300];
	basic(b[0], sizeof b[0], TESS_EMAIL, TESS_TOKEN);
	basic(b[1], sizeof b[1], TESS_EMAIL, TESS_PASSWORD);
	basic(b[2], sizeof b[2], FUZZ_LOGIN_EMAIL, FUZZ_LOGIN_PASSWORD);
	basic(b[3], sizeof b[3], FUZZ_LOGIN_EMAIL, FUZZ_SECRET_WRITE_TOKEN);
	basic(b[4], sizeof b[4], TESS_EMAIL, FUZZ_SECRET_READ_TOKEN); /* not Tess's token */
	struct caller c[] = {
		{ TESS, "Bearer " TESS_TOKEN },
		{ TESS, b[0] },
		{ TESS, b[1] },
		{ CHAIR, "Bearer " FUZZ_SECRET_CHAIR },
		{ CHAIR, b[2] },
		{ CHAIR, "Bearer " FUZZ_SECRET_READ_TOKEN },
		{ CHAIR, b[3] },
		{ ADMIN, "Bearer " FUZZ_SECRET_ADMIN },
		{ OUTSIDER, "Bearer " FUZZ_SECRET_OUTSIDER },
		{ NOBODY, NULL },
		{ NOBODY, b[4] },
	};
	memcpy(callers, c, sizeof c);
}

/* ---- ids found at start-up ---- */

static struct {
	int n;
	char id[MAX_IDS][128];
	bool secret_for[MAX_IDS][2]; /* [TESS], [CHAIR]: holds a marker they may not read */
	char collection[40];
} ids;

/* Whether text holds a marker of what w may not read (and echo does not:
 * an error message may quote the query). */
static bool has_marker_beyond(const char *text, enum who w, const char *echo)
{
	const char *const *m = w == TESS ? tess_secrets : chair_secrets;
	size_t n = w == TESS ? sizeof tess_secrets / sizeof *tess_secrets
			     : sizeof chair_secrets / sizeof *chair_secrets;
	if (w != TESS && w != CHAIR)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (strstr(text, m[i]) && !(echo && strstr(echo, m[i])))
			return true;
	}
	return false;
}

static bool has_marker(const char *text, enum who w)
{
	return has_marker_beyond(text, w, NULL);
}

static bool id_secret(const char *id, enum who w)
{
	if (w != TESS && w != CHAIR)
		return false;
	for (int i = 0; i < ids.n; i++) {
		if (strcmp(ids.id[i], id) == 0)
			return ids.secret_for[i][w];
	}
	return false;
}

static const char *send_get(const struct caller *c, const char *path, int *status, size_t *len)
{
	static char req[REQ_MAX];
	int n = snprintf(req, sizeof req,
			 "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
			 "Accept: " TAXII_MEDIA_TYPE "\r\n%s%s%sConnection: close\r\n\r\n",
			 path, c->auth ? "Authorization: " : "", c->auth ? c->auth : "",
			 c->auth ? "\r\n" : "");
	if (n < 0 || (size_t)n >= sizeof req)
		return NULL;
	*status = fuzz_server_exchange(req, (size_t)n);
	return fuzz_server_body(len);
}

/* Everything caller c sees, as objects; their ids go into the table. */
static void collect(const struct caller *c, const char *must_see)
{
	int status;
	size_t len;
	const char *body = send_get(c, "/taxii2/1/collections/reports/objects/?limit=1000"
				       "&match[version]=all", &status, &len);
	if (status != 200 || !body)
		fail("start-up listing", "not 200");
	if (!strstr(body, must_see))
		fail("start-up listing lacks", must_see);
	json_error_t je;
	json_t *env = json_loadb(body, len, 0, &je);
	json_t *objs = json_object_get(env, "objects");
	size_t i;
	json_t *o;
	json_array_foreach(objs, i, o) {
		const char *id = json_string_value(json_object_get(o, "id"));
		char *text = json_dumps(o, JSON_COMPACT);
		if (!id || !text || strlen(id) >= sizeof ids.id[0])
			fail("start-up listing", "an object without a usable id");
		int k = 0;
		while (k < ids.n && strcmp(ids.id[k], id) != 0)
			k++;
		if (k == ids.n && ids.n < MAX_IDS) {
			snprintf(ids.id[k], sizeof ids.id[k], "%s", id);
			ids.n++;
		}
		if (k < ids.n) {
			ids.secret_for[k][TESS] |= has_marker(text, TESS);
			ids.secret_for[k][CHAIR] |= has_marker(text, CHAIR);
		}
		free(text);
	}
	json_decref(env);
}

static void find_collection(void)
{
	int status;
	size_t len;
	const char *body = send_get(&callers[3], "/taxii2/1/collections/", &status, &len);
	json_t *j = body ? json_loadb(body, len, 0, NULL) : NULL;
	const char *id = json_string_value(
		json_object_get(json_array_get(json_object_get(j, "collections"), 0), "id"));
	if (status != 200 || !id)
		fail("start-up", "no collection");
	snprintf(ids.collection, sizeof ids.collection, "%s", id);
	json_decref(j);
}

static void init(void)
{
	static bool done;
	if (done)
		return;
	done = true;
	fuzz_server_init_with(extra_world);
	setup_callers();
	find_collection();
	collect(&callers[0], "fzsecret-ops-red");     /* Tess: her own RED */
	collect(&callers[3], "fzsecret-member-red");  /* the chair: hers */
	int secret[2] = { 0, 0 };
	for (int i = 0; i < ids.n; i++) {
		secret[TESS] += ids.secret_for[i][TESS];
		secret[CHAIR] += ids.secret_for[i][CHAIR];
	}
	/* Without objects each may not read, the oracle could not fail. */
	if (!secret[TESS] || !secret[CHAIR])
		fail("start-up", "the world has no object hidden from Tess or the chair");
}

/* ---- the query as the server reads it ---- */

struct query {
	bool clear;       /* every value decoded without ambiguity */
	int nparams;
	bool has_limit;
	long limit;       /* the last valid one, capped */
	int ntypes, nids;
	char types[MAX_VALUES][128];
	char qids[MAX_VALUES][128];
	bool spec_seen, spec_21;
	char echo[QUERY_MAX * 3 + 1]; /* the whole query, '+' and %XX decoded */
};

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* '+' is a space, %XX a byte; false for a stray '%' or a NUL byte. */
static bool decode(const char *s, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (ch == '+') {
			ch = ' ';
		} else if (ch == '%') {
			if (i + 2 >= n)
				return false; /* kept as it is by the server: ambiguous */
			int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0)
				return false;
			ch = (char)(hi * 16 + lo);
			i += 2;
		}
		if (ch == '\0' || o + 1 >= cap)
			return false;
		out[o++] = ch;
	}
	out[o] = '\0';
	return true;
}

/* Splits a comma-separated value like the server: blanks trimmed, empty
 * items skipped. */
static void items(struct query *q, char *v, char (*dst)[128], int *n, size_t width)
{
	char *save = NULL;
	for (char *p = strtok_r(v, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		while (*p == ' ')
			p++;
		size_t l = strlen(p);
		while (l && p[l - 1] == ' ')
			p[--l] = '\0';
		if (!*p)
			continue;
		if (*n == MAX_VALUES || l >= width) {
			q->clear = false;
			return;
		}
		memcpy(dst[*n], p, l + 1);
		(*n)++;
	}
}

static void read_query(const char *qs, struct query *q)
{
	static char key[QUERY_MAX], val[QUERY_MAX];
	memset(q, 0, sizeof *q);
	q->clear = true;
	size_t o = 0;
	for (size_t i = 0; qs[i] && o + 1 < sizeof q->echo; i++) {
		int hi = qs[i] == '%' ? hexval(qs[i + 1]) : -1;
		int lo = hi >= 0 ? hexval(qs[i + 2]) : -1;
		if (qs[i] == '+') {
			q->echo[o++] = ' ';
		} else if (lo >= 0) {
			q->echo[o++] = (char)(hi * 16 + lo) ? (char)(hi * 16 + lo) : '?';
			i += 2;
		} else {
			q->echo[o++] = qs[i];
		}
	}
	q->echo[o] = '\0';
	const char *p = qs;
	while (*p) {
		const char *amp = strchr(p, '&');
		size_t n = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', n);
		size_t kn = eq ? (size_t)(eq - p) : n;
		q->nparams++;
		bool ok = decode(p, kn, key, sizeof key);
		if (ok && eq)
			ok = decode(eq + 1, n - kn - 1, val, sizeof val);
		else if (ok)
			val[0] = '\0';
		p = amp ? amp + 1 : p + n;
		if (!ok) {
			q->clear = false;
			continue;
		}
		if (strcmp(key, "limit") == 0) {
			char *end = NULL;
			long v = strtol(val, &end, 10);
			if (*val && !*end && v >= 1) {
				q->has_limit = true;
				q->limit = v > TAXII_LIMIT_MAX ? TAXII_LIMIT_MAX : v;
			}
		} else if (strcmp(key, "match[type]") == 0) {
			items(q, val, q->types + q->ntypes, &q->ntypes, sizeof q->types[0]);
		} else if (strcmp(key, "match[id]") == 0) {
			items(q, val, q->qids + q->nids, &q->nids, sizeof q->qids[0]);
		} else if (strcmp(key, "match[spec_version]") == 0) {
			char copy[QUERY_MAX];
			char one[1][128];
			int k = 0;
			q->spec_seen = true;
			snprintf(copy, sizeof copy, "%s", val);
			char *save = NULL;
			for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
				k = 0;
				items(q, t, one, &k, sizeof one[0]);
				if (k == 1 && strcmp(one[0], "2.1") == 0)
					q->spec_21 = true;
			}
		}
	}
}

/* ---- oracles ---- */

enum endpoint { EP_OBJECTS, EP_MANIFEST, EP_OBJECT, EP_VERSIONS };

struct exchange {
	const struct caller *c;
	enum endpoint ep;
	const char *object; /* of EP_OBJECT, EP_VERSIONS */
	const struct query *q;
	const char *qs;
	int status;
	const char *body;
	size_t len;
};

static void broken(const struct exchange *x, const char *why)
{
	fprintf(stderr, "fuzz_taxii_query: %s\n  caller %d (%s), endpoint %d, object %s\n"
		"  query: %.2000s\n  status %d, answer: %.3000s\n", why, (int)x->c->who,
		x->c->auth ? x->c->auth : "anonymous", (int)x->ep, x->object ? x->object : "-",
		x->qs, x->status, x->body ? x->body : "(none)");
	abort();
}

static bool status_expected(const struct exchange *x)
{
	int s = x->status;
	if (s == 400 && x->q->nparams > 64)
		return true; /* the HTTP layer's limit comes before everything */
	switch (x->c->who) {
	case TESS:
	case CHAIR:
		return s == 200 || s == 400 ||
		       (s == 404 && (x->ep == EP_OBJECT || x->ep == EP_VERSIONS));
	case ADMIN:
		return s == 403; /* a member's person without the guidelines */
	case OUTSIDER:
		return s == 404; /* the API root is not there for it */
	case NOBODY:
		return s == 401;
	}
	return false;
}

static void check_error(const struct exchange *x, json_t *j)
{
	char code[8];
	snprintf(code, sizeof code, "%d", x->status);
	const char *type = json_string_value(json_object_get(j, "type"));
	if (x->status == 400 && x->q->nparams > 64 && type &&
	    strcmp(type, "urn:kring:problem:bad-query") == 0)
		return; /* the HTTP layer's limit, before TAXII sees the request */
	if (!json_is_string(json_object_get(j, "title")) ||
	    !json_is_string(json_object_get(j, "description")))
		broken(x, "an error without title or description");
	const char *hs = json_string_value(json_object_get(j, "http_status"));
	if (!hs || strcmp(hs, code) != 0)
		broken(x, "an error whose http_status is not the status");
	if (json_object_size(j) != 3)
		broken(x, "an error with members besides title, description and http_status");
}

static bool in_list(const char *s, const char (*list)[128], int n, size_t prefix)
{
	for (int i = 0; i < n; i++) {
		if (prefix ? strlen(list[i]) == prefix && strncmp(s, list[i], prefix) == 0
			   : strcmp(s, list[i]) == 0)
			return true;
	}
	return false;
}

static void check_entry(const struct exchange *x, json_t *e)
{
	const struct query *q = x->q;
	const char *id = NULL;
	if (x->ep == EP_VERSIONS) {
		if (!json_is_string(e))
			broken(x, "a version that is not a string");
		return;
	}
	if (!json_is_object(e))
		broken(x, "an entry that is not an object");
	id = json_string_value(json_object_get(e, "id"));
	if (!id || !strstr(id, "--"))
		broken(x, "an entry without a STIX id");
	if (x->ep == EP_MANIFEST) {
		if (!json_is_string(json_object_get(e, "date_added")) ||
		    !json_is_string(json_object_get(e, "version")) ||
		    !json_is_string(json_object_get(e, "media_type")))
			broken(x, "a manifest record without date_added, version or media_type");
	} else {
		const char *type = json_string_value(json_object_get(e, "type"));
		if (!type || strncmp(id, type, strlen(type)) != 0 || id[strlen(type)] != '-')
			broken(x, "an object whose type is not that of its id");
	}
	if (id_secret(id, x->c->who))
		broken(x, "an object this caller may not read is in the answer");
	if (x->ep == EP_OBJECT && strcmp(id, x->object) != 0)
		broken(x, "another object than the one asked for");
	if (!q->clear)
		return;
	size_t tl = (size_t)(strstr(id, "--") - id);
	if (q->ntypes && !in_list(id, q->types, q->ntypes, tl))
		broken(x, "an object of a type match[type] did not ask for");
	if (q->nids && !in_list(id, q->qids, q->nids, 0))
		broken(x, "an object match[id] did not ask for");
}

static void check(const struct exchange *x)
{
	if (!status_expected(x))
		broken(x, "unexpected status");
	if (!x->body)
		broken(x, "no answer body");
	if ((x->c->who == TESS || x->c->who == CHAIR) &&
	    has_marker_beyond(x->body, x->c->who, x->q->echo))
		broken(x, "the text of a report this caller may not read is in the answer");
	json_error_t je;
	json_t *j = json_loadb(x->body, x->len, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(j))
		broken(x, "the answer is not a JSON object");
	if (x->status != 200) {
		check_error(x, j);
		json_decref(j);
		return;
	}
	const char *list_key = x->ep == EP_VERSIONS ? "versions" : "objects";
	json_t *more = json_object_get(j, "more");
	json_t *next = json_object_get(j, "next");
	json_t *list = json_object_get(j, list_key);
	if (!json_is_boolean(more))
		broken(x, "more is missing or not a boolean");
	if (json_is_true(more) != (next != NULL))
		broken(x, "next is given without more, or more without next");
	if (next && (!json_is_string(next) || !json_string_length(next)))
		broken(x, "next is not a non-empty string");
	if (list && !json_is_array(list))
		broken(x, "the list is not an array");
	if (json_object_size(j) != 1 + (next != NULL) + (list != NULL))
		broken(x, "members the resource does not define");
	size_t n = json_array_size(list);
	if (x->q->clear && x->q->has_limit && n > (size_t)x->q->limit)
		broken(x, "more entries than the limit");
	if (x->q->clear && x->q->spec_seen && !x->q->spec_21 && (n || json_is_true(more)))
		broken(x, "entries although match[spec_version] excludes 2.1");
	for (size_t i = 0; i < n; i++)
		check_entry(x, json_array_get(list, i));
	json_decref(j);
}

/* ---- the target ---- */

static size_t encode_query(const uint8_t *in, size_t n, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	for (size_t i = 0; i < n && o + 4 < cap; i++) {
		uint8_t b = in[i];
		if (b > 0x20 && b < 0x7f && b != '#') {
			out[o++] = (char)b;
		} else {
			out[o++] = '%';
			out[o++] = hex[b >> 4];
			out[o++] = hex[b & 15];
		}
	}
	out[o] = '\0';
	return o;
}

static char path[QUERY_MAX * 3 + 512];

static void build_path(const struct exchange *x, const char *coll, const char *slash,
		       const char *object)
{
	char end[200];
	if (x->ep == EP_OBJECTS)
		snprintf(end, sizeof end, "objects%s", slash);
	else if (x->ep == EP_MANIFEST)
		snprintf(end, sizeof end, "manifest%s", slash);
	else if (x->ep == EP_OBJECT)
		snprintf(end, sizeof end, "objects/%s%s", object, slash);
	else
		snprintf(end, sizeof end, "objects/%s/versions%s", object, slash);
	snprintf(path, sizeof path, "/taxii2/1/collections/%s/%s%s%s", coll, end,
		 x->qs[0] ? "?" : "", x->qs);
}

/* An object the caller may not read must look exactly like one that does
 * not exist: the same query for an unknown id of its type answers the
 * same status and body. */
static void same_as_missing(const struct exchange *x, const char *coll, const char *slash)
{
	static char first[64 * 1024];
	char unknown[128];
	size_t tl = (size_t)(strstr(x->object, "--") - x->object);
	if (x->len >= sizeof first)
		broken(x, "an unexpectedly long answer for a hidden object");
	memcpy(first, x->body, x->len + 1);
	snprintf(unknown, sizeof unknown, "%.*s--00000000-0000-4000-8000-000000000000", (int)tl,
		 x->object);
	build_path(x, coll, slash, unknown);
	int status = 0;
	size_t len = 0;
	const char *body = send_get(x->c, path, &status, &len);
	if (status != x->status || !body || len != x->len || memcmp(body, first, len) != 0) {
		fprintf(stderr, "fuzz_taxii_query: unknown id %s: status %d, answer: %.2000s\n",
			unknown, status, body ? body : "(none)");
		broken(x, "a hidden object answers otherwise than an unknown one");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char qs[QUERY_MAX * 3 + 1];
	static struct query q;
	static const char *const bogus[] = {
		"report--00000000-0000-4000-8000-000000000000",
		"indicator--zz",
		"not-an-id",
	};
	if (size < 2 || size - 2 > QUERY_MAX)
		return 0;
	init();
	struct exchange x;
	memset(&x, 0, sizeof x);
	x.c = &callers[(data[0] & 15) % (sizeof callers / sizeof callers[0])];
	x.ep = (enum endpoint)((data[0] >> 4) & 3);
	const char *coll = data[0] & 64 ? ids.collection : "reports";
	const char *slash = data[0] & 128 ? "" : "/";
	size_t nobj = (size_t)ids.n + sizeof bogus / sizeof bogus[0];
	size_t k = data[1] % nobj;
	x.object = k < (size_t)ids.n ? ids.id[k] : bogus[k - (size_t)ids.n];
	encode_query(data + 2, size - 2, qs, sizeof qs);
	x.qs = qs;
	read_query(qs, &q);
	x.q = &q;
	build_path(&x, coll, slash, x.object);
	x.body = send_get(x.c, path, &x.status, &x.len);
	check(&x);
	if ((x.ep == EP_OBJECT || x.ep == EP_VERSIONS) && id_secret(x.object, x.c->who))
		same_as_missing(&x, coll, slash);
	return 0;
}
