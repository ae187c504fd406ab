/* stix.c - TLP markings, patterns, ids and the small helpers the STIX
 * export and import share. */
#include "codec/stix.h"

#include "codec/digest.h"
#include "codec/stix_int.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/banned.h"

/* ---- TLP markings ---- */

/* The TLP 2.0 ids are those of the STIX TLP 2.0 extension
 * (oasis-open/cti-stix-common-objects, extension-definition-specifications/
 * tlp-2.0); the TLP 1.0 ids are fixed by STIX 2.1 section 7.2.1.4. */
static const struct {
	const char *id;
	const char *name;     /* "TLP:CLEAR" */
	const char *ext;      /* the tlp_2_0 value */
} tlp2[TLP__COUNT] = {
	[TLP_CLEAR] = {"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", "TLP:CLEAR",
		       "clear"},
	[TLP_GREEN] = {"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", "TLP:GREEN",
		       "green"},
	[TLP_AMBER] = {"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", "TLP:AMBER",
		       "amber"},
	[TLP_AMBER_STRICT] = {"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
			      "TLP:AMBER+STRICT", "amber+strict"},
	[TLP_RED] = {"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", "TLP:RED", "red"},
};

static const struct {
	const char *id;
	enum tlp tlp;
} tlp1[] = {
	{"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", TLP_CLEAR}, /* white */
	{"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", TLP_GREEN},
	{"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", TLP_AMBER},
	{"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", TLP_RED},
};

/* All TLP 2.0 marking definitions were created at this instant. */
#define TLP2_CREATED "2022-10-01T00:00:00.000Z"

const char *stix_tlp_marking_id(enum tlp t)
{
	if ((int)t < 0 || t >= TLP__COUNT)
		return NULL;
	return tlp2[t].id;
}

int stix_marking_tlp(const char *marking_id)
{
	if (!marking_id)
		return -1;
	for (int t = 0; t < TLP__COUNT; t++) {
		if (strcmp(marking_id, tlp2[t].id) == 0)
			return t;
	}
	for (size_t i = 0; i < sizeof(tlp1) / sizeof(tlp1[0]); i++) {
		if (strcmp(marking_id, tlp1[i].id) == 0)
			return (int)tlp1[i].tlp;
	}
	return -1;
}

int stix_tlp_marking_json(enum tlp t, char **out, size_t *len)
{
	int r = 0;
	json_t *o = NULL;

	*out = NULL;
	if ((int)t < 0 || t >= TLP__COUNT)
		return KR_EINVAL;
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:{s:s, s:s}}}", "type", "marking-definition",
		      "spec_version", "2.1", "id", tlp2[t].id, "created", TLP2_CREATED, "name",
		      tlp2[t].name, "extensions", STIX_TLP2_EXTENSION, "extension_type",
		      "property-extension", "tlp_2_0", tlp2[t].ext);
	if (!o) {
		r = KR_ENOMEM;
		goto out;
	}
	r = stix_json_dump(o, 0, out, len);
out:
	json_decref(o);
	return r;
}

/* ---- ids ---- */

int stix_kring_id(const char *type, const char *name, char out[STIX_ID_MAX + 1])
{
	unsigned char ns[16];
	char uuid[37];

	if (!type || !name || strlen(type) > STIX_TYPE_MAX)
		return KR_EINVAL;
	digest_uuid_parse(STIX_KRING_NAMESPACE, ns);
	digest_uuid5(ns, name, strlen(name), uuid);
	snprintf(out, STIX_ID_MAX + 1, "%s--%s", type, uuid);
	return 0;
}

/* ---- patterns ---- */

int stix_pattern_write(enum ind_type type, const char *value, char *out, size_t n)
{
	const char *lhs = NULL;
	struct strbuf sb;
	int r = 0;

	switch (type) {
	case IND_IPV4:
		lhs = "ipv4-addr:value";
		break;
	case IND_IPV6:
		lhs = "ipv6-addr:value";
		break;
	case IND_CIDR:
		lhs = strchr(value, ':') ? "ipv6-addr:value" : "ipv4-addr:value";
		break;
	case IND_DOMAIN:
		lhs = "domain-name:value";
		break;
	case IND_URL:
		lhs = "url:value";
		break;
	case IND_EMAIL:
		lhs = "email-addr:value";
		break;
	case IND_MD5:
		lhs = "file:hashes.MD5";
		break;
	case IND_SHA1:
		lhs = "file:hashes.'SHA-1'";
		break;
	case IND_SHA256:
		lhs = "file:hashes.'SHA-256'";
		break;
	case IND_ASN:
		for (const char *p = value; *p; p++) {
			if (*p < '0' || *p > '9')
				return KR_EINVAL;
		}
		if (!*value)
			return KR_EINVAL;
		if ((size_t)snprintf(out, n, "[autonomous-system:number = %s]", value) >= n)
			return KR_ELIMIT;
		return 0;
	case IND_CVE:
	case IND__COUNT:
		return KR_EINVAL;
	}
	if (!lhs)
		return KR_EINVAL;
	if (n < 2)
		return KR_ELIMIT;

	strbuf_init(&sb, n - 1);
	r = strbuf_addf(&sb, "[%s = '", lhs);
	for (const char *p = value; !r && *p; p++) {
		if (*p == '\'' || *p == '\\')
			r = strbuf_add(&sb, "\\", 1);
		if (!r)
			r = strbuf_add(&sb, p, 1);
	}
	if (!r)
		r = strbuf_adds(&sb, "']");
	if (!r)
		memcpy(out, sb.buf, sb.len + 1);
	strbuf_release(&sb);
	return r;
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return p;
}

/* Reads an object-path segment: a bare name [A-Za-z0-9_-]+ or a quoted
 * 'name'. Writes at most n-1 bytes to out; returns the end or NULL. */
static const char *read_name(const char *p, char *out, size_t n)
{
	size_t k = 0;
	if (*p == '\'') {
		p++;
		while (*p && *p != '\'') {
			if (k + 1 >= n)
				return NULL;
			out[k++] = *p++;
		}
		if (*p != '\'')
			return NULL;
		p++;
	} else {
		while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		       (*p >= '0' && *p <= '9') || *p == '_' || *p == '-') {
			if (k + 1 >= n)
				return NULL;
			out[k++] = *p++;
		}
	}
	if (k == 0)
		return NULL;
	out[k] = '\0';
	return p;
}

/* "MD5", "'SHA-1'", "sha256", "SHA_256" -> the kring hash type, or -1. */
static int hash_type(const char *name)
{
	char norm[32];
	size_t k = 0;
	for (const char *p = name; *p && k + 1 < sizeof(norm); p++) {
		if (*p == '-' || *p == '_')
			continue;
		norm[k++] = (*p >= 'a' && *p <= 'z') ? (char)(*p - 'a' + 'A') : *p;
	}
	norm[k] = '\0';
	if (strcmp(norm, "MD5") == 0)
		return IND_MD5;
	if (strcmp(norm, "SHA1") == 0)
		return IND_SHA1;
	if (strcmp(norm, "SHA256") == 0)
		return IND_SHA256;
	return -1;
}

int stix_pattern_read(const char *pattern, enum ind_type *type, char *value, const char **why)
{
	char obj[64], prop[64], sub[64];
	char raw[CORE_INDICATOR_MAX + 1];
	size_t k = 0;
	int t = -1;
	const char *p;
	const char *w = NULL;

	if (!why)
		why = &w;
	if (!pattern) {
		*why = "no pattern";
		return KR_EINVAL;
	}
	p = skip_ws(pattern);
	if (*p != '[') {
		*why = "not a single observation expression";
		return KR_ENOTFOUND;
	}
	p = skip_ws(p + 1);
	p = read_name(p, obj, sizeof(obj));
	if (!p || *p != ':') {
		*why = "not an object path";
		return KR_ENOTFOUND;
	}
	p = read_name(p + 1, prop, sizeof(prop));
	if (!p) {
		*why = "not an object path";
		return KR_ENOTFOUND;
	}
	sub[0] = '\0';
	if (*p == '.') {
		p = read_name(p + 1, sub, sizeof(sub));
		if (!p) {
			*why = "not an object path";
			return KR_ENOTFOUND;
		}
	}

	if (strcmp(obj, "ipv4-addr") == 0 && strcmp(prop, "value") == 0 && !sub[0])
		t = IND_IPV4;
	else if (strcmp(obj, "ipv6-addr") == 0 && strcmp(prop, "value") == 0 && !sub[0])
		t = IND_IPV6;
	else if (strcmp(obj, "domain-name") == 0 && strcmp(prop, "value") == 0 && !sub[0])
		t = IND_DOMAIN;
	else if (strcmp(obj, "url") == 0 && strcmp(prop, "value") == 0 && !sub[0])
		t = IND_URL;
	else if (strcmp(obj, "email-addr") == 0 && strcmp(prop, "value") == 0 && !sub[0])
		t = IND_EMAIL;
	else if (strcmp(obj, "file") == 0 && strcmp(prop, "hashes") == 0 && sub[0])
		t = hash_type(sub);
	else if (strcmp(obj, "autonomous-system") == 0 && strcmp(prop, "number") == 0 && !sub[0])
		t = IND_ASN;
	if (t < 0) {
		*why = "compares an object or property kring does not keep";
		return KR_ENOTFOUND;
	}

	p = skip_ws(p);
	if (*p != '=' || p[1] == '=') {
		*why = "uses an operator other than =";
		return KR_ENOTFOUND;
	}
	p = skip_ws(p + 1);
	if (t == IND_ASN) {
		while (*p >= '0' && *p <= '9') {
			if (k >= 10) {
				*why = "AS number too long";
				return KR_EINVAL;
			}
			raw[k++] = *p++;
		}
		if (k == 0) {
			*why = "autonomous-system:number needs an integer";
			return KR_ENOTFOUND;
		}
	} else {
		if (*p != '\'') {
			*why = "compares with something other than a string";
			return KR_ENOTFOUND;
		}
		p++;
		for (;;) {
			if (!*p) {
				*why = "unterminated string";
				return KR_EINVAL;
			}
			if (*p == '\'')
				break;
			if (*p == '\\') {
				/* STIX strings escape only ' and \. */
				if (p[1] != '\'' && p[1] != '\\') {
					*why = "invalid escape in string";
					return KR_EINVAL;
				}
				p++;
			}
			if (k >= CORE_INDICATOR_MAX) {
				*why = "value longer than 2048 characters";
				return KR_EINVAL;
			}
			raw[k++] = *p++;
		}
		p++;
	}
	raw[k] = '\0';
	p = skip_ws(p);
	if (*p != ']') {
		*why = "more than one comparison";
		return KR_ENOTFOUND;
	}
	p = skip_ws(p + 1);
	if (*p) {
		*why = "has qualifiers or more than one observation";
		return KR_ENOTFOUND;
	}

	if ((t == IND_IPV4 || t == IND_IPV6) && strchr(raw, '/'))
		t = IND_CIDR;
	if (core_indicator_normalise((enum ind_type)t, raw, value, why))
		return KR_EINVAL;
	*type = (enum ind_type)t;
	return 0;
}

/* ---- objects ---- */

void stix_object_release(struct stix_object *o)
{
	if (!o)
		return;
	kr_free(o->id);
	kr_free(o->type);
	kr_free(o->json);
	o->id = NULL;
	o->type = NULL;
	o->json = NULL;
	o->json_len = 0;
}

/* ---- JSON text ---- */

struct dump_ctx {
	struct strbuf *sb;
	int r;
};

static int dump_cb(const char *buf, size_t size, void *data)
{
	struct dump_ctx *d = data;
	d->r = strbuf_add(d->sb, buf, size);
	return d->r ? -1 : 0;
}

int stix_json_append(struct strbuf *sb, const json_t *j)
{
	struct dump_ctx d = {sb, 0};
	if (json_dump_callback(j, dump_cb, &d, JSON_COMPACT | JSON_ENCODE_ANY) != 0)
		return d.r ? d.r : KR_ENOMEM;
	return 0;
}

int stix_json_dump(const json_t *j, size_t max, char **out, size_t *len)
{
	struct strbuf sb;
	strbuf_init(&sb, max ? max : STIX_MAX_INPUT);
	*out = NULL;
	int r = stix_json_append(&sb, j);
	if (!r && !sb.buf)
		r = strbuf_add(&sb, "", 0);
	if (r) {
		strbuf_release(&sb);
		return r;
	}
	*out = strbuf_detach(&sb, len);
	return *out ? 0 : KR_ENOMEM;
}

size_t stix_json_depth(const char *s, size_t len)
{
	size_t depth = 0, max = 0;
	bool in_str = false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (c == '"') {
			in_str = true;
		} else if (c == '[' || c == '{') {
			if (++depth > max)
				max = depth;
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		}
	}
	return max;
}

/* ---- time ---- */

static bool digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

int stix_time_parse(const char *s, int64_t *sec, int32_t *nsec)
{
	int y, mo, d, h, mi, se;
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	char base[32];
	int64_t ms;

	if (!s || strlen(s) < 20 || strlen(s) > STIX_TIME_MAX)
		return KR_EINVAL;
	if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
	    !digits(s + 8, 2, &d) || s[10] != 'T' || !digits(s + 11, 2, &h) || s[13] != ':' ||
	    !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &se))
		return KR_EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || se > 60)
		return KR_EINVAL;
	if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return KR_EINVAL;

	const char *p = s + 19;
	int32_t frac = 0;
	if (*p == '.') {
		int n = 0;
		p++;
		while (*p >= '0' && *p <= '9') {
			if (n < 9)
				frac = frac * 10 + (*p - '0');
			n++;
			p++;
		}
		if (n == 0)
			return KR_EINVAL;
		for (; n < 9; n++)
			frac *= 10;
	}
	if (p[0] != 'Z' || p[1] != '\0')
		return KR_EINVAL;

	/* A leap second counts as the last second of its minute. */
	snprintf(base, sizeof(base), "%.17s%02dZ", s, se == 60 ? 59 : se);
	if (time_parse_rfc3339(base, &ms))
		return KR_EINVAL;
	*sec = ms / 1000;
	*nsec = frac;
	return 0;
}

void stix_time_format(int64_t ms, char *buf, size_t n)
{
	time_format_rfc3339(ms, buf, n);
}

/* ---- names ---- */

bool stix_type_valid(const char *t)
{
	size_t n = t ? strlen(t) : 0;
	if (n < 3 || n > STIX_TYPE_MAX || !(t[0] >= 'a' && t[0] <= 'z'))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = t[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return false;
		if (c == '-' && i + 1 < n && t[i + 1] == '-')
			return false;
	}
	return true;
}

bool stix_id_valid(const char *id, const char *want_type)
{
	const char *sep = id ? strstr(id, "--") : NULL;
	unsigned char u[16];
	char type[STIX_TYPE_MAX + 1];
	size_t tlen;

	if (!sep)
		return false;
	tlen = (size_t)(sep - id);
	if (tlen > STIX_TYPE_MAX)
		return false;
	memcpy(type, id, tlen);
	type[tlen] = '\0';
	if (!stix_type_valid(type) || (want_type && strcmp(type, want_type) != 0))
		return false;
	if (digest_uuid_parse(sep + 2, u))
		return false;
	/* RFC 4122 variant and a defined version, as the STIX identifier
	 * schema demands. */
	unsigned version = u[6] >> 4;
	return version >= 1 && version <= 5 && (u[8] & 0xc0) == 0x80;
}

static const char *const sco_types[] = {
	"artifact",	"autonomous-system", "directory",   "domain-name",
	"email-addr",	"email-message",     "file",	    "ipv4-addr",
	"ipv6-addr",	"mac-addr",	     "mutex",	    "network-traffic",
	"process",	"software",	     "url",	    "user-account",
	"windows-registry-key", "x509-certificate",
};

bool stix_is_sco_type(const char *type)
{
	for (size_t i = 0; i < sizeof(sco_types) / sizeof(sco_types[0]); i++) {
		if (strcmp(type, sco_types[i]) == 0)
			return true;
	}
	return false;
}

void stix_copy_cut(char *out, size_t max, const char *s)
{
	size_t n = strlen(s);
	if (n > max) {
		n = max;
		/* Step back over continuation bytes to a character start. */
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(out, s, n);
	out[n] = '\0';
}

void stix_copy_line(char *out, size_t max, const char *s)
{
	stix_copy_cut(out, max, s);
	for (char *p = out; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	}
}

/* ---- index ---- */

uint64_t stix_hash(uint64_t h, const char *s)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	/* A separator, so ("ab","c") and ("a","bc") differ. */
	h ^= 0xff;
	h *= 0x100000001b3ull;
	return h;
}

void stix_index_init(struct stix_index *x)
{
	memset(x, 0, sizeof(*x));
}

void stix_index_release(struct stix_index *x)
{
	kr_free(x->hash);
	kr_free(x->slot);
	stix_index_init(x);
}

bool stix_index_find(const struct stix_index *x, uint64_t h, stix_same_fn same,
		     const void *ctx, size_t *pos)
{
	if (!x->cap)
		return false;
	for (size_t i = (size_t)h & (x->cap - 1);; i = (i + 1) & (x->cap - 1)) {
		if (!x->slot[i])
			return false;
		if (x->hash[i] == h && same(ctx, x->slot[i] - 1)) {
			*pos = x->slot[i] - 1;
			return true;
		}
	}
}

static void put(uint64_t *hash, size_t *slot, size_t cap, uint64_t h, size_t s)
{
	size_t i = (size_t)h & (cap - 1);
	while (slot[i])
		i = (i + 1) & (cap - 1);
	hash[i] = h;
	slot[i] = s;
}

int stix_index_add(struct stix_index *x, uint64_t h, size_t pos)
{
	/* Keep the table at most half full so probes stay short. */
	if ((x->n + 1) * 2 > x->cap) {
		size_t ncap = x->cap ? x->cap * 2 : 64;
		uint64_t *nh = kr_calloc(ncap, sizeof(*nh));
		size_t *ns = kr_calloc(ncap, sizeof(*ns));
		if (!nh || !ns) {
			kr_free(nh);
			kr_free(ns);
			return KR_ENOMEM;
		}
		for (size_t i = 0; i < x->cap; i++) {
			if (x->slot[i])
				put(nh, ns, ncap, x->hash[i], x->slot[i]);
		}
		kr_free(x->hash);
		kr_free(x->slot);
		x->hash = nh;
		x->slot = ns;
		x->cap = ncap;
	}
	put(x->hash, x->slot, x->cap, h, pos + 1);
	x->n++;
	return 0;
}
