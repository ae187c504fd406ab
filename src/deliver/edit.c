/* edit.c - checks of constituency registry edits, shared by the CLI and
 * the API: canonical registration values, contacts and routes. */
#include "deliver/deliver.h"
#include "match/match.h"
#include "util/err.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "util/banned.h"

static bool text_ok(const char *s, size_t max)
{
	size_t n = strlen(s);
	return n <= max && core_utf8_valid(s, n, false);
}

static bool open_bound(const char *v)
{
	return !*v || strcmp(v, "*") == 0;
}

/* vendor:product[:min[:max]] */
static int product_parse(const char *value, struct store_registration *out, const char **why)
{
	char buf[STORE_REG_VALUE_MAX + 1];
	char *part[4] = {NULL, NULL, NULL, NULL};
	int n = 0;
	if (strlen(value) >= sizeof buf) {
		*why = "product text too long";
		return KR_EINVAL;
	}
	snprintf(buf, sizeof buf, "%s", value);
	char *p = buf;
	while (n < 4) {
		part[n++] = p;
		char *c = strchr(p, ':');
		if (!c)
			break;
		*c = '\0';
		p = c + 1;
		if (n == 4) {
			*why = "expected vendor:product[:min[:max]]";
			return KR_EINVAL;
		}
	}
	for (int i = 0; i < 4; i++) {
		if (!part[i])
			part[i] = (char *)"";
		if (!text_ok(part[i], STORE_REG_TEXT_MAX)) {
			*why = "vendor, product and versions are 0..255 bytes of text";
			return KR_EINVAL;
		}
	}
	if (!*part[0] || !*part[1] || !strcmp(part[0], "*") || !strcmp(part[1], "*")) {
		*why = "expected vendor:product[:min[:max]] with a vendor and a product";
		return KR_EINVAL;
	}
	if (!open_bound(part[2]) && !open_bound(part[3]) &&
	    match_version_cmp(part[2], part[3]) > 0) {
		*why = "the lowest version is above the highest";
		return KR_EINVAL;
	}
	/* case and spaces as the matcher compares them */
	for (int i = 0; i < 2; i++) {
		for (char *c = part[i]; *c; c++) {
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
			else if (*c == ' ')
				*c = '_';
		}
	}
	snprintf(out->vendor, sizeof out->vendor, "%s", part[0]);
	snprintf(out->product, sizeof out->product, "%s", part[1]);
	snprintf(out->min_version, sizeof out->min_version, "%s",
	         open_bound(part[2]) ? "" : part[2]);
	snprintf(out->max_version, sizeof out->max_version, "%s",
	         open_bound(part[3]) ? "" : part[3]);
	snprintf(out->value, sizeof out->value, "%s:%s:%s:%s", out->vendor, out->product,
	         out->min_version, out->max_version);
	return 0;
}

int deliver_registration_parse(enum store_reg_kind kind, const char *value,
                               struct store_registration *out, const char **why)
{
	char norm[CORE_INDICATOR_MAX + 1];
	char addr[INET6_ADDRSTRLEN];
	uint8_t bytes[16];
	unsigned plen = 0;
	int family = 0;
	static const char *dummy;
	if (!why)
		why = &dummy;
	*why = NULL;
	if (!value || !out) {
		*why = "a value is required";
		return KR_EINVAL;
	}
	out->kind = kind;
	out->vendor[0] = out->product[0] = out->min_version[0] = out->max_version[0] = '\0';
	switch (kind) {
	case STORE_REG_PREFIX:
		if (match_parse_prefix(value, &family, bytes, &plen) ||
		    !inet_ntop(family == 4 ? AF_INET : AF_INET6, bytes, addr, sizeof addr)) {
			*why = "expected an address or a network with its host bits clear, e.g. "
			       "192.0.2.0/24 or 2001:db8::/32";
			return KR_EINVAL;
		}
		snprintf(out->value, sizeof out->value, "%s/%u", addr, plen);
		return 0;
	case STORE_REG_ASN:
		if (core_indicator_normalise(IND_ASN, value, norm, why))
			return KR_EINVAL;
		snprintf(out->value, sizeof out->value, "%.20s", norm);
		return 0;
	case STORE_REG_DOMAIN: {
		char name[MATCH_DOMAIN_MAX + 1];
		if (match_domain_normalise(value, strlen(value), name) || !strchr(name, '.')) {
			*why = "expected a domain name such as example.nl";
			return KR_EINVAL;
		}
		snprintf(out->value, sizeof out->value, "%s", name);
		return 0;
	}
	case STORE_REG_PRODUCT:
		return product_parse(value, out, why);
	case STORE_REG_CPE: {
		struct match_cpe cpe;
		if (strlen(value) > STORE_REG_VALUE_MAX || match_cpe_parse(value, &cpe)) {
			*why =
			    "expected a CPE 2.3 (cpe:2.3:a:vendor:product:version:...) or 2.2 name";
			return KR_EINVAL;
		}
		snprintf(out->value, sizeof out->value, "%s", value);
		return 0;
	}
	default:
		*why = "unknown kind of registration";
		return KR_EINVAL;
	}
}

int deliver_contact_parse(const char *name, const char *email, const char *lang,
                          struct store_contact *out, const char **why)
{
	static const char *dummy;
	if (!why)
		why = &dummy;
	*why = NULL;
	if (!name || !*name || !text_ok(name, CORE_NAME_MAX)) {
		*why = "a name of 1..200 bytes of text is required";
		return KR_EINVAL;
	}
	if (!email || core_email_normalise(email, out->email, why))
		return KR_EINVAL;
	int l = lang && *lang ? lang_parse(lang) : LANG_EN;
	if (l < 0) {
		*why = "language must be nl or en";
		return KR_EINVAL;
	}
	snprintf(out->name, sizeof out->name, "%s", name);
	out->lang = (enum lang)l;
	return 0;
}

int deliver_route_check(struct store *s, int64_t org, enum store_route_kind kind, int64_t via,
                        const char **why)
{
	struct core_org o;
	static const char *dummy;
	if (!why)
		why = &dummy;
	*why = NULL;
	if (kind == STORE_ROUTE_DIRECT) {
		if (via) {
			*why = "a direct route names no other organisation";
			return KR_EINVAL;
		}
		return 0;
	}
	if ((unsigned)kind >= STORE_ROUTE__COUNT || via <= 0) {
		*why = "a supplier or linking route names the organisation it goes through";
		return KR_EINVAL;
	}
	if (via == org) {
		*why = "an organisation cannot be its own relay";
		return KR_EINVAL;
	}
	int r = store_org_get(s, via, &o);
	if (r) {
		*why = "no such organisation to route through";
		return r;
	}
	if (kind == STORE_ROUTE_SUPPLIER && o.kind != ORG_SUPPLIER) {
		*why = "a supplier route goes through an organisation of kind supplier";
		return KR_EINVAL;
	}
	if (kind == STORE_ROUTE_LINKING && o.kind != ORG_LINKING) {
		*why = "a linking route goes through an organisation of kind linking";
		return KR_EINVAL;
	}
	return 0;
}
