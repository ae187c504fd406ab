/* stix_jcs.c - RFC 8785 JSON canonicalisation and the deterministic ids of
 * STIX 2.1 cyber-observable objects built on it. */
#include "codec/stix.h"

#include "codec/digest.h"
#include "codec/stix_int.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/strbuf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

/* ---- UTF-16 order of member names ---- */

/* Decodes the next code point of valid UTF-8 (jansson only hands out valid
 * UTF-8) and advances *p. */
static uint32_t next_cp(const unsigned char **p)
{
	const unsigned char *s = *p;
	uint32_t c = s[0];
	int n = 0;
	if (c < 0x80)
		n = 0;
	else if (c < 0xe0) {
		c &= 0x1f;
		n = 1;
	} else if (c < 0xf0) {
		c &= 0x0f;
		n = 2;
	} else {
		c &= 0x07;
		n = 3;
	}
	for (int i = 1; i <= n && s[i]; i++)
		c = (c << 6) | (s[i] & 0x3f);
	*p = s + 1 + n;
	return c;
}

/* Splits a code point into UTF-16 units; returns how many (1 or 2). */
static int utf16(uint32_t c, uint16_t u[2])
{
	if (c < 0x10000) {
		u[0] = (uint16_t)c;
		return 1;
	}
	c -= 0x10000;
	u[0] = (uint16_t)(0xd800 + (c >> 10));
	u[1] = (uint16_t)(0xdc00 + (c & 0x3ff));
	return 2;
}

static int cmp_utf16(const void *a, const void *b)
{
	const unsigned char *p = *(const unsigned char *const *)a;
	const unsigned char *q = *(const unsigned char *const *)b;
	uint16_t pu[2], qu[2];
	int pn = 0, qn = 0, pi = 0, qi = 0;

	for (;;) {
		if (pi == pn) {
			if (!*p) {
				pn = 0;
			} else {
				pn = utf16(next_cp(&p), pu);
			}
			pi = 0;
		}
		if (qi == qn) {
			if (!*q) {
				qn = 0;
			} else {
				qn = utf16(next_cp(&q), qu);
			}
			qi = 0;
		}
		if (pn == 0 || qn == 0)
			return (pn != 0) - (qn != 0);
		if (pu[pi] != qu[qi])
			return pu[pi] < qu[qi] ? -1 : 1;
		pi++;
		qi++;
	}
}

/* ---- numbers as ECMAScript prints them ---- */

static int add_number(struct strbuf *sb, double v)
{
	char digits[32], buf[40];
	int exp10 = 0;

	if (!isfinite(v))
		return KR_EINVAL;
	if (v == 0)
		return strbuf_adds(sb, "0");
	if (v < 0) {
		int r = strbuf_adds(sb, "-");
		if (r)
			return r;
		v = -v;
	}
	/* Shortest digit string that reads back as the same double. */
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*e", prec - 1, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	/* buf is "d.ddde[+-]xx": collect the digits and the exponent. */
	size_t k = 0;
	const char *p = buf;
	for (; *p && *p != 'e'; p++) {
		if (*p >= '0' && *p <= '9')
			digits[k++] = *p;
	}
	while (k > 1 && digits[k - 1] == '0')
		k--;
	digits[k] = '\0';
	exp10 = (int)strtol(p + 1, NULL, 10); /* "%e" always writes the exponent */

	/* n: position of the decimal point relative to the digits. */
	int n = exp10 + 1;
	int nk = (int)k;
	struct strbuf *o = sb;
	int r = 0;
	if (nk <= n && n <= 21) {
		r = strbuf_add(o, digits, k);
		for (int i = 0; !r && i < n - nk; i++)
			r = strbuf_adds(o, "0");
	} else if (0 < n && n <= 21) {
		r = strbuf_add(o, digits, (size_t)n);
		if (!r)
			r = strbuf_adds(o, ".");
		if (!r)
			r = strbuf_add(o, digits + n, k - (size_t)n);
	} else if (-6 < n && n <= 0) {
		r = strbuf_adds(o, "0.");
		for (int i = 0; !r && i < -n; i++)
			r = strbuf_adds(o, "0");
		if (!r)
			r = strbuf_add(o, digits, k);
	} else {
		r = strbuf_add(o, digits, 1);
		if (!r && k > 1) {
			r = strbuf_adds(o, ".");
			if (!r)
				r = strbuf_add(o, digits + 1, k - 1);
		}
		if (!r)
			r = strbuf_addf(o, "e%c%d", n - 1 < 0 ? '-' : '+', abs(n - 1));
	}
	return r;
}

/* ---- values ---- */

static int add_string(struct strbuf *sb, const char *s, size_t n)
{
	int r = strbuf_adds(sb, "\"");
	for (size_t i = 0; !r && i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"':
			r = strbuf_adds(sb, "\\\"");
			break;
		case '\\':
			r = strbuf_adds(sb, "\\\\");
			break;
		case '\b':
			r = strbuf_adds(sb, "\\b");
			break;
		case '\f':
			r = strbuf_adds(sb, "\\f");
			break;
		case '\n':
			r = strbuf_adds(sb, "\\n");
			break;
		case '\r':
			r = strbuf_adds(sb, "\\r");
			break;
		case '\t':
			r = strbuf_adds(sb, "\\t");
			break;
		default:
			if (c < 0x20)
				r = strbuf_addf(sb, "\\u%04x", c);
			else
				r = strbuf_add(sb, &s[i], 1);
		}
	}
	if (!r)
		r = strbuf_adds(sb, "\"");
	return r;
}

static int add_value(struct strbuf *sb, const json_t *j, size_t depth)
{
	int r = 0;
	const char **keys = NULL;

	if (depth > STIX_MAX_DEPTH)
		return KR_EINVAL;
	switch (json_typeof(j)) {
	case JSON_OBJECT: {
		size_t n = json_object_size(j), k = 0;
		const char *key;
		json_t *v;
		keys = kr_calloc(n ? n : 1, sizeof(*keys));
		if (!keys)
			return KR_ENOMEM;
		json_object_foreach((json_t *)j, key, v)
			keys[k++] = key;
		qsort(keys, n, sizeof(*keys), cmp_utf16);
		r = strbuf_adds(sb, "{");
		for (size_t i = 0; !r && i < n; i++) {
			if (i)
				r = strbuf_adds(sb, ",");
			if (!r)
				r = add_string(sb, keys[i], strlen(keys[i]));
			if (!r)
				r = strbuf_adds(sb, ":");
			if (!r)
				r = add_value(sb, json_object_get(j, keys[i]), depth + 1);
		}
		if (!r)
			r = strbuf_adds(sb, "}");
		break;
	}
	case JSON_ARRAY:
		r = strbuf_adds(sb, "[");
		for (size_t i = 0; !r && i < json_array_size(j); i++) {
			if (i)
				r = strbuf_adds(sb, ",");
			if (!r)
				r = add_value(sb, json_array_get(j, i), depth + 1);
		}
		if (!r)
			r = strbuf_adds(sb, "]");
		break;
	case JSON_STRING:
		r = add_string(sb, json_string_value(j), json_string_length(j));
		break;
	case JSON_INTEGER:
		r = strbuf_addf(sb, "%" JSON_INTEGER_FORMAT, json_integer_value(j));
		break;
	case JSON_REAL:
		r = add_number(sb, json_real_value(j));
		break;
	case JSON_TRUE:
		r = strbuf_adds(sb, "true");
		break;
	case JSON_FALSE:
		r = strbuf_adds(sb, "false");
		break;
	case JSON_NULL:
		r = strbuf_adds(sb, "null");
		break;
	}
	kr_free(keys);
	return r;
}

int stix_jcs_append(struct strbuf *sb, const json_t *j)
{
	return add_value(sb, j, 0);
}

static int load(const char *json, size_t len, json_t **out)
{
	json_error_t e;
	*out = NULL;
	if (!json || len > STIX_MAX_INPUT || stix_json_depth(json, len) > STIX_MAX_DEPTH)
		return KR_EINVAL;
	*out = json_loadb(json, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &e);
	/* An integer beyond int64 is still a JSON number; RFC 8785 reads every
	 * number as a double (and writes 1e20 as 100000000000000000000, which
	 * must read back). */
	if (!*out && json_error_code(&e) == json_error_numeric_overflow)
		*out = json_loadb(json, len,
				  JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, &e);
	return *out ? 0 : KR_EINVAL;
}

int stix_canonical_json(const char *json, size_t len, char **out, size_t *outlen)
{
	json_t *j = NULL;
	struct strbuf sb;
	int r;

	*out = NULL;
	strbuf_init(&sb, STIX_MAX_INPUT);
	r = load(json, len, &j);
	if (r)
		goto out;
	r = add_value(&sb, j, 0);
	if (!r && !sb.buf)
		r = strbuf_add(&sb, "", 0);
	if (r)
		goto out;
	*out = strbuf_detach(&sb, outlen);
	if (!*out)
		r = KR_ENOMEM;
out:
	strbuf_release(&sb);
	json_decref(j);
	return r;
}

/* ---- deterministic ids of cyber-observables ---- */

/* STIX 2.1 section 6: the id-contributing properties of each type. */
static const struct {
	const char *type;
	const char *props[9];
} contributing[] = {
	{"artifact", {"hashes", "payload_bin"}},
	{"autonomous-system", {"number"}},
	{"directory", {"path"}},
	{"domain-name", {"value"}},
	{"email-addr", {"value"}},
	{"email-message", {"from_ref", "subject", "body"}},
	{"file", {"hashes", "name", "extensions", "parent_directory_ref"}},
	{"ipv4-addr", {"value"}},
	{"ipv6-addr", {"value"}},
	{"mac-addr", {"value"}},
	{"mutex", {"name"}},
	{"network-traffic",
	 {"start", "end", "src_ref", "dst_ref", "src_port", "dst_port", "protocols", "extensions"}},
	{"software", {"name", "cpe", "swid", "vendor", "version"}},
	{"url", {"value"}},
	{"user-account", {"account_type", "user_id", "account_login"}},
	{"windows-registry-key", {"key", "values"}},
	{"x509-certificate", {"hashes", "serial_number"}},
};

/* The spec spelling of a hash algorithm name ("sha256" -> "SHA-256"), or
 * NULL when it is none of the hash-algorithm-ov names. */
static const char *spec_hash_name(const char *name)
{
	static const struct {
		const char *norm, *spec;
	} names[] = {
		{"MD5", "MD5"},		{"SHA1", "SHA-1"},	 {"SHA256", "SHA-256"},
		{"SHA512", "SHA-512"},	{"SHA3256", "SHA3-256"}, {"SHA3512", "SHA3-512"},
		{"SSDEEP", "SSDEEP"},	{"TLSH", "TLSH"},
	};
	char norm[32];
	size_t k = 0;
	for (const char *p = name; *p; p++) {
		if (*p == '-' || *p == '_')
			continue;
		if (k + 1 >= sizeof(norm))
			return NULL;
		norm[k++] = (*p >= 'a' && *p <= 'z') ? (char)(*p - 'a' + 'A') : *p;
	}
	norm[k] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(norm, names[i].norm) == 0)
			return names[i].spec;
	}
	return NULL;
}

/* Returns a new object with hash names in their spec spelling (others as
 * given), or NULL on allocation failure or when h is not an object. */
static json_t *spec_hashes(const json_t *h)
{
	const char *k;
	json_t *v;
	json_t *out = json_is_object(h) ? json_object() : NULL;
	if (!out)
		return NULL;
	json_object_foreach((json_t *)h, k, v) {
		const char *spec = spec_hash_name(k);
		if (json_object_set(out, spec ? spec : k, v)) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

/* Copies j with every "hashes" dictionary (at any depth) in spec spelling, as
 * STIX tools read them before computing ids. */
static json_t *normalise_hashes(const json_t *j, size_t depth)
{
	const char *k;
	json_t *v;

	if (depth > STIX_MAX_DEPTH)
		return NULL;
	if (json_is_array(j)) {
		json_t *a = json_array();
		for (size_t i = 0; a && i < json_array_size(j); i++) {
			if (json_array_append_new(a, normalise_hashes(json_array_get(j, i),
								      depth + 1))) {
				json_decref(a);
				return NULL;
			}
		}
		return a;
	}
	if (!json_is_object(j))
		return json_deep_copy(j);
	json_t *o = json_object();
	if (!o)
		return NULL;
	json_object_foreach((json_t *)j, k, v) {
		json_t *c = strcmp(k, "hashes") == 0 && json_is_object(v)
				    ? spec_hashes(v)
				    : normalise_hashes(v, depth + 1);
		if (!c || json_object_set_new(o, k, c)) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

/* One hash for the id, preferring MD5, then SHA-1, SHA-256, SHA-512, then
 * the first one given. */
static json_t *choose_hash(const json_t *hashes)
{
	static const char *const order[] = {"MD5", "SHA-1", "SHA-256", "SHA-512"};
	const char *k;
	json_t *v;
	json_t *one = NULL;

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		v = json_object_get(hashes, order[i]);
		if (v)
			return json_pack("{s:O}", order[i], v);
	}
	json_object_foreach((json_t *)hashes, k, v) {
		one = json_pack("{s:O}", k, v);
		break;
	}
	return one;
}

int stix_sco_id(const char *json, size_t len, char out[STIX_ID_MAX + 1])
{
	json_t *obj = NULL, *norm = NULL, *sel = NULL;
	struct strbuf sb;
	unsigned char ns[16];
	char uuid[37];
	const char *type;
	int r = 0;
	size_t t;

	strbuf_init(&sb, STIX_MAX_INPUT);
	r = load(json, len, &obj);
	if (r)
		goto out;
	type = json_string_value(json_object_get(obj, "type"));
	if (!json_is_object(obj) || !stix_type_valid(type)) {
		r = KR_EINVAL;
		goto out;
	}
	for (t = 0; t < sizeof(contributing) / sizeof(contributing[0]); t++) {
		if (strcmp(contributing[t].type, type) == 0)
			break;
	}
	if (t == sizeof(contributing) / sizeof(contributing[0])) {
		r = KR_ENOTFOUND;
		goto out;
	}
	norm = normalise_hashes(obj, 0);
	sel = json_object();
	if (!norm || !sel) {
		r = KR_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < sizeof(contributing[t].props) / sizeof(char *); i++) {
		const char *p = contributing[t].props[i];
		json_t *v;
		if (!p)
			break;
		v = json_object_get(norm, p);
		if (!v)
			continue;
		if (strcmp(p, "hashes") == 0) {
			json_t *one = json_is_object(v) ? choose_hash(v) : NULL;
			if (!one)
				continue;
			if (json_object_set_new(sel, p, one)) {
				r = KR_ENOMEM;
				goto out;
			}
		} else if (json_object_set(sel, p, v)) {
			r = KR_ENOMEM;
			goto out;
		}
	}
	if (json_object_size(sel) == 0) {
		r = KR_ENOTFOUND;
		goto out;
	}
	r = add_value(&sb, sel, 0);
	if (r)
		goto out;
	digest_uuid_parse(STIX_SCO_NAMESPACE, ns);
	digest_uuid5(ns, sb.buf, sb.len, uuid);
	snprintf(out, STIX_ID_MAX + 1, "%s--%s", type, uuid);
out:
	strbuf_release(&sb);
	json_decref(sel);
	json_decref(norm);
	json_decref(obj);
	return r;
}
