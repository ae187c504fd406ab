/* objects.c - the objects of a TAXII collection: pages of them (GET with
 * added_after, limit, next and match[...]), one object, its versions, the
 * manifest, and posting an envelope (answered with a status resource).
 * Every object is decided by policy/ (POLICY_EXPORT) through interop/. */
#include "taxii/taxii_int.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/hash.h"
#include "util/log.h"
#include "util/random.h"
#include "util/strbuf.h"
#include "util/timeutil.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/banned.h"

#define ENVELOPE_MAX ((size_t)256 * 1024 * 1024)
#define MATCH_TEXT_MAX 8192 /* bytes of all match[...] values of a request */

/* ---- query parameters ---- */

enum allow_bits { Q_ID = 1, Q_TYPE = 2, Q_VERSION = 4 };

struct objq {
	struct store_stix_query q;
	int limit;
	bool none;          /* match[spec_version] excludes 2.1: nothing matches */
	bool spec_seen;
	bool has_next;
	unsigned allowed;   /* enum allow_bits */
	bool version_given;
	char buf[MATCH_TEXT_MAX];
	size_t used;
	const char *bad;    /* the parameter that was wrong */
	const char *why;
};

static bool type_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > STORE_STIX_TYPE_MAX)
		return false;
	for (; *s; s++) {
		if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '-'))
			return false;
	}
	return true;
}

static bool id_ok(const char *s)
{
	const char *sep = strstr(s, "--");
	if (!sep || strlen(s) > STORE_STIX_ID_MAX || strlen(sep + 2) != 36)
		return false;
	char type[STORE_STIX_TYPE_MAX + 1];
	size_t tl = (size_t)(sep - s);
	if (tl == 0 || tl > STORE_STIX_TYPE_MAX)
		return false;
	memcpy(type, s, tl);
	type[tl] = '\0';
	if (!type_ok(type))
		return false;
	for (const char *p = sep + 2; *p; p++) {
		if (!(isxdigit((unsigned char)*p) || *p == '-'))
			return false;
	}
	return true;
}

/* Copies a comma-separated value into oq->buf and calls add for each item. */
static bool each_item(struct objq *oq, const char *value, bool (*add)(struct objq *, char *))
{
	size_t n = strlen(value);
	if (oq->used + n + 1 > sizeof oq->buf) {
		oq->why = "too long";
		return false;
	}
	char *copy = oq->buf + oq->used;
	memcpy(copy, value, n + 1);
	oq->used += n + 1;
	char *save = NULL;
	for (char *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		while (*p == ' ')
			p++;
		size_t l = strlen(p);
		while (l && p[l - 1] == ' ')
			p[--l] = '\0';
		if (!*p)
			continue;
		if (!add(oq, p))
			return false;
	}
	return true;
}

static bool add_id(struct objq *oq, char *v)
{
	if (!id_ok(v)) {
		oq->why = "not a STIX identifier";
		return false;
	}
	if (oq->q.nids == STORE_STIX_MATCH_MAX) {
		oq->why = "too many values";
		return false;
	}
	oq->q.ids[oq->q.nids++] = v;
	return true;
}

static bool add_type(struct objq *oq, char *v)
{
	if (!type_ok(v)) {
		oq->why = "not a STIX type";
		return false;
	}
	if (oq->q.ntypes == STORE_STIX_MATCH_MAX) {
		oq->why = "too many values";
		return false;
	}
	oq->q.types[oq->q.ntypes++] = v;
	return true;
}

static bool add_version(struct objq *oq, char *v)
{
	int64_t us = 0;
	oq->version_given = true;
	if (strcmp(v, "last") == 0) {
		oq->q.versions |= STORE_STIX_V_LAST;
	} else if (strcmp(v, "first") == 0) {
		oq->q.versions |= STORE_STIX_V_FIRST;
	} else if (strcmp(v, "all") == 0) {
		oq->q.versions |= 0x100u; /* marks "all"; cleared below */
	} else if (!taxii_time_parse(v, &us)) {
		if (oq->q.nversion_times == STORE_STIX_MATCH_MAX) {
			oq->why = "too many values";
			return false;
		}
		oq->q.version_times[oq->q.nversion_times++] = us / 1000;
	} else {
		oq->why = "expected last, first, all or a timestamp";
		return false;
	}
	return true;
}

static bool add_spec(struct objq *oq, char *v)
{
	if (strcmp(v, "2.1") == 0)
		oq->none = false;
	return true;
}

static int query_param(void *arg, const char *key, const char *value)
{
	struct objq *oq = arg;
	bool ok = true;
	if (strcmp(key, "added_after") == 0) {
		int64_t us = 0;
		ok = !taxii_time_parse(value, &us);
		if (!ok)
			oq->why = "expected a timestamp such as 2026-01-31T12:00:00.000Z";
		oq->q.added_after = us;
	} else if (strcmp(key, "limit") == 0) {
		char *end = NULL;
		long v = strtol(value, &end, 10);
		ok = *value && !*end && v >= 1;
		if (!ok)
			oq->why = "expected a positive integer";
		oq->limit = v > TAXII_LIMIT_MAX ? TAXII_LIMIT_MAX : (int)v;
	} else if (strcmp(key, "next") == 0) {
		char *end = NULL;
		long long v = strtoll(value, &end, 10);
		ok = isdigit((unsigned char)value[0]) && !*end && v >= 0;
		if (!ok)
			oq->why = "not a value this server gave as next";
		oq->q.after_seq = v;
		oq->has_next = true;
	} else if (strcmp(key, "match[id]") == 0 && (oq->allowed & Q_ID)) {
		ok = each_item(oq, value, add_id);
	} else if (strcmp(key, "match[type]") == 0 && (oq->allowed & Q_TYPE)) {
		ok = each_item(oq, value, add_type);
	} else if (strcmp(key, "match[version]") == 0 && (oq->allowed & Q_VERSION)) {
		ok = each_item(oq, value, add_version);
	} else if (strcmp(key, "match[spec_version]") == 0) {
		if (!oq->spec_seen) {
			oq->spec_seen = true; /* from now on only the listed versions count */
			oq->none = true;
		}
		ok = each_item(oq, value, add_spec);
	} else if (strncmp(key, "match[", 6) == 0) {
		ok = false;
		oq->why = "is not supported here";
	}
	if (!ok) {
		oq->bad = key;
		return 1;
	}
	return 0;
}

/* Reads the query; answers 400 on a bad parameter. */
static int parse_query(struct http_request *req, struct http_response *res, unsigned allowed,
		       unsigned default_versions, struct objq *oq)
{
	char msg[200];
	memset(oq, 0, sizeof *oq);
	oq->allowed = allowed;
	oq->limit = TAXII_LIMIT_DEFAULT;
	if (http_query_each(req, query_param, oq)) {
		char name[40];
		size_t i = 0;
		for (; i < sizeof name - 1 && oq->bad[i]; i++)
			name[i] = isprint((unsigned char)oq->bad[i]) ? oq->bad[i] : '?';
		name[i] = '\0';
		snprintf(msg, sizeof msg, "The query parameter %s: %s.", name,
			 oq->why ? oq->why : "is not valid");
		return taxii_error(res, 400, "Bad Request", msg);
	}
	if (oq->q.versions & 0x100u) {
		oq->q.versions = STORE_STIX_V_ALL;
		oq->q.nversion_times = 0;
	} else if (!oq->version_given) {
		oq->q.versions = default_versions;
	}
	return 0;
}

/* ---- answers ---- */

static int add_added_headers(struct http_response *res, const struct interop_page *p)
{
	char first[TAXII_TIME_MAX], last[TAXII_TIME_MAX];
	if (p->n == 0)
		return 0;
	taxii_time_format(p->items[0].date_added, first, sizeof first);
	taxii_time_format(p->items[p->n - 1].date_added, last, sizeof last);
	int r = http_response_header(res, "X-TAXII-Date-Added-First", first);
	if (!r)
		r = http_response_header(res, "X-TAXII-Date-Added-Last", last);
	return r;
}

static int more_next(struct strbuf *sb, const struct interop_page *p)
{
	if (p->more)
		return strbuf_addf(sb, "{\"more\":true,\"next\":\"%lld\"", (long long)p->next_seq);
	return strbuf_adds(sb, "{\"more\":false");
}

enum answer { A_OBJECTS, A_MANIFEST, A_VERSIONS };

/* A JSON string of s (UTF-8 text from the store: versions, ids). */
static int json_string_append(struct strbuf *sb, const char *s)
{
	int r = strbuf_add(sb, "\"", 1);
	for (; !r && *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			r = strbuf_addf(sb, "\\%c", ch);
		else if (ch < 0x20)
			r = strbuf_addf(sb, "\\u%04x", ch);
		else
			r = strbuf_add(sb, s, 1);
	}
	if (!r)
		r = strbuf_add(sb, "\"", 1);
	return r;
}

/* The version of a row as TAXII shows it: its own, or when it has none
 * (most cyber-observables) the time it was added. */
static void row_version(const struct store_stix_object *o, char *buf, size_t n)
{
	if (o->version[0])
		snprintf(buf, n, "%s", o->version);
	else
		taxii_time_format(o->date_added, buf, n);
}

static int build_answer(enum answer kind, const struct interop_page *p, struct strbuf *sb)
{
	static const char *const list_key[] = {"objects", "objects", "versions"};
	int r = more_next(sb, p);
	if (!r && p->n)
		r = strbuf_addf(sb, ",\"%s\":[", list_key[kind]);
	for (size_t i = 0; !r && i < p->n; i++) {
		const struct store_stix_object *o = &p->items[i];
		char ver[STORE_STIX_VERSION_MAX + TAXII_TIME_MAX];
		char added[TAXII_TIME_MAX];
		if (i)
			r = strbuf_add(sb, ",", 1);
		if (r)
			break;
		row_version(o, ver, sizeof ver);
		switch (kind) {
		case A_OBJECTS:
			r = strbuf_add(sb, o->json, o->json_len);
			break;
		case A_VERSIONS:
			r = json_string_append(sb, ver);
			break;
		case A_MANIFEST:
			taxii_time_format(o->date_added, added, sizeof added);
			r = strbuf_addf(sb, "{\"id\":\"%s\",\"date_added\":\"%s\",\"version\":", o->stix_id,
					added);
			if (!r)
				r = json_string_append(sb, ver);
			if (!r)
				r = strbuf_addf(sb, ",\"media_type\":\"%s\"}", TAXII_STIX_MEDIA_TYPE);
			break;
		}
	}
	if (!r && p->n)
		r = strbuf_add(sb, "]", 1);
	if (!r)
		r = strbuf_add(sb, "}", 1);
	return r;
}

static int internal(struct http_response *res, const char *what, int r)
{
	log_error("taxii: %s: %s", what, kr_strerror(r));
	return taxii_error(res, 500, "Internal Server Error",
			   "The server could not complete the request.");
}

/* GET of objects, one object, its versions or the manifest. */
static int list(struct taxii *t, struct http_request *req, struct http_response *res,
		enum answer kind, bool one)
{
	struct taxii_root rt;
	struct objq *oq = NULL;
	struct interop_reader *rd = NULL;
	struct interop_page page;
	struct interop_audit audit;
	struct strbuf sb;
	bool have_root = false;
	memset(&page, 0, sizeof page);
	memset(&audit, 0, sizeof audit);
	strbuf_init(&sb, ENVELOPE_MAX);
	int r = taxii_check_accept(req, res);
	if (!r)
		r = taxii_root_resolve(t, req, res, req->params[0], &rt);
	if (r)
		goto out;
	have_root = true;
	r = taxii_collection_check(&rt, req->params[1], res);
	if (r)
		goto out;
	if (!rt.can_read) {
		r = taxii_error(res, 403, "Forbidden",
				"Reading this collection needs a participant of the community.");
		goto out;
	}
	oq = kr_calloc(1, sizeof *oq);
	if (!oq) {
		r = internal(res, "out of memory", KR_ENOMEM);
		goto out;
	}
	unsigned allowed = one ? (kind == A_VERSIONS ? 0u : (unsigned)Q_VERSION)
			       : (unsigned)(Q_ID | Q_TYPE | Q_VERSION);
	r = parse_query(req, res, allowed,
			kind == A_VERSIONS ? STORE_STIX_V_ALL : STORE_STIX_V_LAST, oq);
	if (r)
		goto out;
	oq->q.community_id = rt.comm.id;
	if (one) {
		if (!id_ok(req->params[2])) {
			r = taxii_error(res, 404, "Not Found", "No such object.");
			goto out;
		}
		oq->q.nids = 1;
		oq->q.ids[0] = req->params[2];
	}
	if (!oq->none) {
		r = interop_sync(t->api->store, rt.comm.id, t->instance);
		if (r) {
			/* What is stored can still be served; the next request
			 * tries again (e.g. after another writer held the lock). */
			log_warn("taxii: bringing the STIX form of community %lld up to date "
				 "failed: %s (%s)", (long long)rt.comm.id, kr_strerror(r),
				 store_errmsg(t->api->store));
		}
		r = interop_reader_new(t->api->store, &rt.caller.actor, POLICY_EXPORT, &rd);
		if (!r) {
			interop_reader_audit(rd, &audit);
			r = interop_page_fetch(rd, &oq->q, oq->limit, &page);
		}
		if (r) {
			r = internal(res, "reading objects", r);
			goto out;
		}
	}
	if (one && page.n == 0 && !oq->has_next && !page.more) {
		/* nothing visible under this id and these filters: say whether the
		 * object exists for this reader at all */
		struct store_stix_query any;
		struct interop_page probe;
		memset(&any, 0, sizeof any);
		any.community_id = rt.comm.id;
		any.nids = 1;
		any.ids[0] = req->params[2];
		r = rd ? interop_page_fetch(rd, &any, 1, &probe) : 0;
		if (r) {
			r = internal(res, "reading an object", r);
			goto out;
		}
		bool exists = rd && probe.n > 0;
		interop_page_release(&probe);
		if (!exists) {
			r = taxii_error(res, 404, "Not Found", "No such object.");
			goto out;
		}
	}
	r = build_answer(kind, &page, &sb);
	if (!r)
		r = taxii_json_text(res, 200, sb.buf, sb.len);
	if (!r)
		r = add_added_headers(res, &page);
	if (r) {
		r = internal(res, "building the answer", r);
		goto out;
	}
	taxii_audit_reads(t, &rt.caller, req, &audit, "taxii");
out:
	interop_page_release(&page);
	interop_reader_free(rd);
	interop_audit_release(&audit);
	strbuf_release(&sb);
	kr_free(oq);
	if (have_root)
		taxii_root_release(&rt);
	return r;
}

int taxii_objects_get(struct taxii *t, struct http_request *req, struct http_response *res)
{
	return list(t, req, res, A_OBJECTS, false);
}

int taxii_object_get(struct taxii *t, struct http_request *req, struct http_response *res)
{
	return list(t, req, res, A_OBJECTS, true);
}

int taxii_versions_get(struct taxii *t, struct http_request *req, struct http_response *res)
{
	return list(t, req, res, A_VERSIONS, true);
}

int taxii_manifest_get(struct taxii *t, struct http_request *req, struct http_response *res)
{
	return list(t, req, res, A_MANIFEST, false);
}

/* ---- POST ---- */

static bool content_type_ok(const char *ct)
{
	if (!ct)
		return false;
	while (*ct == ' ')
		ct++;
	static const char want[] = "application/taxii+json";
	if (strncasecmp(ct, want, sizeof want - 1) != 0)
		return false;
	ct += sizeof want - 1;
	while (*ct == ' ')
		ct++;
	if (!*ct)
		return true;
	if (*ct != ';')
		return false;
	/* parameters: a version other than 2.1 is not ours */
	const char *v = strcasestr(ct, "version");
	if (!v)
		return true;
	v += strlen("version");
	while (*v == ' ' || *v == '=' || *v == '"')
		v++;
	return strncmp(v, "2.1", 3) == 0 && !isdigit((unsigned char)v[3]);
}

struct post_result {
	json_t *successes;
	json_t *failures;
};

static int detail(json_t *arr, const char *id, const char *version, const char *message)
{
	json_t *d = json_pack("{s:s, s:s}", "id", id ? id : "", "version", version ? version : "");
	if (!d)
		return KR_ENOMEM;
	if (message)
		json_object_set_new(d, "message", json_string(message));
	return json_array_append_new(arr, d) ? KR_ENOMEM : 0;
}

/* Imports the objects of text (a JSON array); on success every object is a
 * success. err receives the codec's message otherwise. */
static int import_text(struct taxii *t, struct taxii_root *rt, const char *text, size_t len,
		       struct post_result *pr, const char *now, char *err, size_t errsz)
{
	struct stix_import imp;
	struct interop_counts counts;
	struct interop_import_opts o;
	memset(&imp, 0, sizeof imp);
	memset(&o, 0, sizeof o);
	int r = stix_import(text, len, rt->comm.default_tlp, &imp, err, errsz);
	if (r)
		goto out;
	o.community_id = rt->comm.id;
	o.as = &rt->caller.person;
	o.default_tlp = rt->comm.default_tlp;
	o.origin = STORE_ORIGIN_TAXII;
	o.name = "TAXII";
	hash_sha256_hex(text, len, o.input_sha256);
	r = interop_import_stix(t->api->store, &imp, &o, &counts, err, errsz);
	if (r) {
		r = r == KR_EINVAL ? KR_EINVAL : KR_EIO;
		goto out;
	}
	for (size_t i = 0; !r && i < imp.nobjects; i++)
		r = detail(pr->successes, imp.objects[i].id,
			   imp.objects[i].version[0] ? imp.objects[i].version : now, NULL);
out:
	stix_import_release(&imp);
	return r;
}

static int status_answer(struct taxii *t, struct taxii_root *rt, struct http_response *res,
			 struct post_result *pr, const char *now)
{
	char id[37];
	size_t ns = json_array_size(pr->successes), nf = json_array_size(pr->failures);
	random_uuid(id);
	json_t *st = json_pack("{s:s, s:s, s:s, s:I, s:I, s:O, s:I, s:O, s:I, s:[]}", "id", id,
			       "status", "complete", "request_timestamp", now, "total_count",
			       (json_int_t)ns + (json_int_t)nf, "success_count", (json_int_t)ns,
			       "successes", pr->successes, "failure_count", (json_int_t)nf,
			       "failures", pr->failures, "pending_count", (json_int_t)0, "pendings");
	if (!st)
		return internal(res, "building a status", KR_ENOMEM);
	char *text = NULL;
	size_t len = 0;
	int r = taxii_dump(st, 0, &text, &len);
	json_decref(st);
	if (r)
		return internal(res, "building a status", r);
	r = store_taxii_status_add(t->api->store, id, rt->comm.id, rt->caller.person.id, text);
	if (r) {
		kr_free(text);
		return internal(res, "saving a status", r);
	}
	r = taxii_json_text(res, 202, text, len);
	kr_free(text);
	return r;
}

int taxii_objects_post(struct taxii *t, struct http_request *req, struct http_response *res)
{
	struct taxii_root rt;
	struct post_result pr = {NULL, NULL};
	json_t *env = NULL;
	char now[TAXII_TIME_MAX];
	char err[STIX_ERR_MAX];
	bool have_root = false;
	int r = taxii_check_accept(req, res);
	if (r)
		goto out;
	if (!content_type_ok(http_header(req, "Content-Type"))) {
		r = taxii_error(res, 415, "Unsupported Media Type",
				"Post an envelope as application/taxii+json;version=2.1.");
		goto out;
	}
	r = taxii_root_resolve(t, req, res, req->params[0], &rt);
	if (r)
		goto out;
	have_root = true;
	r = taxii_collection_check(&rt, req->params[1], res);
	if (r)
		goto out;
	if (!rt.can_write) {
		r = taxii_error(res, 403, "Forbidden",
				"Adding to this collection needs a participant of the community "
				"with a writing credential.");
		goto out;
	}
	json_error_t je;
	env = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &je);
	json_t *objs = json_object_get(env, "objects");
	if (!json_is_object(env) || (objs && !json_is_array(objs))) {
		char d[300];
		if (!env)
			snprintf(d, sizeof d, "The body is not JSON: %.200s (line %d).", je.text,
				 je.line);
		else
			snprintf(d, sizeof d, "The body is not an envelope with a list of objects.");
		r = taxii_error(res, 400, "Bad Request", d);
		goto out;
	}
	taxii_time_format(time_now_ms() * 1000, now, sizeof now);
	pr.successes = json_array();
	pr.failures = json_array();
	if (!pr.successes || !pr.failures) {
		r = internal(res, "out of memory", KR_ENOMEM);
		goto out;
	}
	if (json_array_size(objs) > 0) {
		char *text = NULL;
		size_t len = 0;
		r = taxii_dump(objs, 0, &text, &len);
		if (r) {
			r = internal(res, "out of memory", r);
			goto out;
		}
		err[0] = '\0';
		r = import_text(t, &rt, text, len, &pr, now, err, sizeof err);
		kr_free(text);
		if (r == KR_ELIMIT) {
			r = taxii_error(res, 413, "Payload Too Large", err);
			goto out;
		}
		if (r == KR_EINVAL) {
			/* Something in the envelope is wrong: take each object on its
			 * own, so the good ones still go in and each bad one is named. */
			json_array_clear(pr.successes);
			size_t i;
			json_t *o;
			r = 0;
			json_array_foreach(objs, i, o) {
				const char *id = json_string_value(json_object_get(o, "id"));
				const char *ver = json_string_value(json_object_get(o, "modified"));
				if (!ver)
					ver = json_string_value(json_object_get(o, "created"));
				char *one = NULL;
				size_t olen = 0;
				r = taxii_dump(o, 0, &one, &olen);
				if (r)
					break;
				err[0] = '\0';
				r = json_is_object(o) ? import_text(t, &rt, one, olen, &pr, now, err,
								    sizeof err)
						      : KR_EINVAL;
				kr_free(one);
				if (r == KR_EINVAL || r == KR_ELIMIT)
					r = detail(pr.failures, id, ver ? ver : now,
						   err[0] ? err : "not a STIX object");
				if (r)
					break;
			}
		}
		if (r) {
			r = internal(res, "storing posted objects", r);
			goto out;
		}
	}
	r = status_answer(t, &rt, res, &pr, now);
	if (!r) {
		char d[96];
		snprintf(d, sizeof d, "taxii envelope: %zu stored, %zu refused",
			 json_array_size(pr.successes), json_array_size(pr.failures));
		if (api_audit(t->api, &rt.caller, req, AUDIT_WRITE, rt.comm.id, "stix-envelope", 0,
			      d))
			log_warn("taxii: cannot audit a posted envelope");
	}
out:
	json_decref(env);
	json_decref(pr.successes);
	json_decref(pr.failures);
	if (have_root)
		taxii_root_release(&rt);
	return r;
}
