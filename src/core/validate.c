/* validate.c - validation and canonical forms of indicators, e-mail
 * addresses and text. Pure: no I/O, no allocation. */
#include "core/model.h"
#include "util/err.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/banned.h"

#define DOMAIN_MAX 253
#define LABEL_MAX 63
#define EMAIL_LOCAL_MAX 64

/* Sets *why (when given) and returns KR_EINVAL; keeps the callers short. */
static int fail(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return KR_EINVAL;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static char upper(char c)
{
	return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

/* Parses n (1..max_digits) decimal digits at s without a leading zero
 * (except "0" itself) into *v. */
static bool parse_decimal(const char *s, size_t n, size_t max_digits, uint64_t *v)
{
	if (n == 0 || n > max_digits)
		return false;
	if (n > 1 && s[0] == '0')
		return false;
	uint64_t x = 0;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return false;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	*v = x;
	return true;
}

/* ---- UTF-8 ---- */

bool core_utf8_valid(const char *s, size_t len, bool allow_newlines)
{
	if (!s)
		return len == 0;
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		unsigned char c = p[i];
		if (c < 0x80) {
			if (c == '\t' || ((c == '\n' || c == '\r') && allow_newlines)) {
				i++;
				continue;
			}
			if (c < 0x20 || c == 0x7f)
				return false;
			i++;
			continue;
		}
		size_t need;
		unsigned char lo = 0x80, hi = 0xbf; /* range of the first continuation byte */
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			if (c == 0xe0)
				lo = 0xa0; /* overlong */
			else if (c == 0xed)
				hi = 0x9f; /* UTF-16 surrogates */
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			if (c == 0xf0)
				lo = 0x90; /* overlong */
			else if (c == 0xf4)
				hi = 0x8f; /* above U+10FFFF */
		} else {
			return false; /* continuation byte, C0/C1 overlong lead, F5..FF */
		}
		if (len - i <= need)
			return false; /* truncated */
		if (p[i + 1] < lo || p[i + 1] > hi)
			return false;
		for (size_t k = 2; k <= need; k++) {
			if (p[i + k] < 0x80 || p[i + k] > 0xbf)
				return false;
		}
		i += need + 1;
	}
	return true;
}

/* ---- IP addresses ---- */

/* Strict dotted quad: four decimal parts 0..255, no leading zeros, nothing
 * else. inet_pton alone would take forms some tools read as octal. */
static bool ipv4_parse(const char *s, size_t n, struct in_addr *out)
{
	char buf[INET_ADDRSTRLEN];
	if (n == 0 || n >= sizeof(buf))
		return false;
	size_t start = 0;
	int parts = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '.')
			continue;
		uint64_t v;
		if (!parse_decimal(s + start, i - start, 3, &v) || v > 255)
			return false;
		parts++;
		start = i + 1;
	}
	if (parts != 4)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return inet_pton(AF_INET, buf, out) == 1;
}

static bool ipv6_parse(const char *s, size_t n, struct in6_addr *out)
{
	char buf[INET6_ADDRSTRLEN];
	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return inet_pton(AF_INET6, buf, out) == 1;
}

static int norm_ipv4(const char *in, char *out, const char **why)
{
	struct in_addr a;
	if (!ipv4_parse(in, strlen(in), &a))
		return fail(why, "not a valid IPv4 address (dotted quad, no leading zeros)");
	if (!inet_ntop(AF_INET, &a, out, CORE_INDICATOR_MAX + 1))
		return fail(why, "not a valid IPv4 address");
	return 0;
}

static int norm_ipv6(const char *in, char *out, const char **why)
{
	struct in6_addr a;
	if (!ipv6_parse(in, strlen(in), &a))
		return fail(why, "not a valid IPv6 address");
	/* glibc's inet_ntop writes the RFC 5952 form (lower case, longest zero run). */
	if (!inet_ntop(AF_INET6, &a, out, CORE_INDICATOR_MAX + 1))
		return fail(why, "not a valid IPv6 address");
	return 0;
}

/* Clears every bit after the first prefix bits of the n-byte address. */
static void clear_host_bits(unsigned char *addr, size_t n, unsigned prefix)
{
	for (size_t i = 0; i < n; i++) {
		unsigned bit = (unsigned)i * 8;
		if (bit >= prefix)
			addr[i] = 0;
		else if (prefix - bit < 8)
			addr[i] &= (unsigned char)(0xff << (8 - (prefix - bit)));
	}
}

static int norm_cidr(const char *in, char *out, const char **why)
{
	const char *slash = strchr(in, '/');
	if (!slash)
		return fail(why, "a network needs a prefix length (\"/24\")");
	size_t alen = (size_t)(slash - in);
	const char *pfx = slash + 1;
	uint64_t prefix;
	if (!parse_decimal(pfx, strlen(pfx), 3, &prefix))
		return fail(why, "not a valid prefix length");

	char addr[INET6_ADDRSTRLEN];
	struct in_addr a4;
	struct in6_addr a6;
	if (ipv4_parse(in, alen, &a4)) {
		if (prefix > 32)
			return fail(why, "an IPv4 prefix length is at most 32");
		clear_host_bits((unsigned char *)&a4.s_addr, 4, (unsigned)prefix);
		if (!inet_ntop(AF_INET, &a4, addr, sizeof(addr)))
			return fail(why, "not a valid network");
	} else if (ipv6_parse(in, alen, &a6)) {
		if (prefix > 128)
			return fail(why, "an IPv6 prefix length is at most 128");
		clear_host_bits(a6.s6_addr, 16, (unsigned)prefix);
		if (!inet_ntop(AF_INET6, &a6, addr, sizeof(addr)))
			return fail(why, "not a valid network");
	} else {
		return fail(why, "not a valid IPv4 or IPv6 network address");
	}
	snprintf(out, CORE_INDICATOR_MAX + 1, "%s/%u", addr, (unsigned)prefix);
	return 0;
}

/* ---- domains ---- */

/* Validates n bytes at s as a domain name and writes its lower-case form,
 * without a trailing dot, to out (at least DOMAIN_MAX + 1 bytes). */
static int domain_into(const char *s, size_t n, char *out, const char **why)
{
	if (n > 0 && s[n - 1] == '.')
		n--; /* the fully qualified spelling names the same domain */
	if (n == 0)
		return fail(why, "empty domain name");
	if (n > DOMAIN_MAX)
		return fail(why, "domain name longer than 253 characters");

	size_t label_start = 0;
	int labels = 0;
	bool tld_numeric = true;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '.') {
			char c = lower(s[i]);
			if (!((c >= 'a' && c <= 'z') || is_digit(c) || c == '-' || c == '_')) {
				if ((unsigned char)c >= 0x80)
					return fail(why, "international names must be given in "
							 "their xn-- (punycode) form");
				return fail(why, "domain name contains a character other than "
						 "letters, digits, '-' and '_'");
			}
			out[i] = c;
			continue;
		}
		size_t len = i - label_start;
		if (len == 0)
			return fail(why, "domain name has an empty label");
		if (len > LABEL_MAX)
			return fail(why, "domain label longer than 63 characters");
		if (s[label_start] == '-' || s[i - 1] == '-')
			return fail(why, "domain label starts or ends with '-'");
		tld_numeric = true;
		for (size_t k = label_start; k < i; k++) {
			if (!is_digit(s[k]))
				tld_numeric = false;
		}
		labels++;
		if (i < n)
			out[i] = '.';
		label_start = i + 1;
	}
	if (labels < 2)
		return fail(why, "domain name needs at least two labels");
	if (tld_numeric)
		return fail(why, "top-level domain is all digits");
	out[n] = '\0';
	return 0;
}

static int norm_domain(const char *in, char *out, const char **why)
{
	return domain_into(in, strlen(in), out, why);
}

/* ---- e-mail ---- */

static bool is_atext(char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c))
		return true;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/* Checks the dot-atom local part (no quoted forms) and the domain of an
 * address; writes "local@domain" with the domain lower-cased into out
 * (CORE_INDICATOR_MAX + 1 bytes). */
static int email_into(const char *in, char *out, const char **why)
{
	size_t n = strlen(in);
	if (n > CORE_EMAIL_MAX)
		return fail(why, "e-mail address longer than 254 characters");
	const char *at = strchr(in, '@');
	if (!at || strchr(at + 1, '@'))
		return fail(why, "an e-mail address has exactly one '@'");
	size_t llen = (size_t)(at - in);
	if (llen == 0 || llen > EMAIL_LOCAL_MAX)
		return fail(why, "e-mail local part must be 1 to 64 characters");
	if (in[0] == '.' || in[llen - 1] == '.')
		return fail(why, "e-mail local part starts or ends with '.'");
	for (size_t i = 0; i < llen; i++) {
		if (in[i] == '.') {
			if (in[i + 1] == '.')
				return fail(why, "e-mail local part contains '..'");
			continue;
		}
		if (!is_atext(in[i]))
			return fail(why, "e-mail local part contains a character that is "
					 "not allowed");
	}
	char dom[DOMAIN_MAX + 2];
	const char *dwhy = NULL;
	if (domain_into(at + 1, n - llen - 1, dom, &dwhy))
		return fail(why, "e-mail domain is not a valid domain name");
	snprintf(out, CORE_INDICATOR_MAX + 1, "%.*s@%s", (int)llen, in, dom);
	return 0;
}

static int norm_email(const char *in, char *out, const char **why)
{
	return email_into(in, out, why);
}

/* Shared mailboxes of a team or role: accounts belong to one person. */
static const char *const functional_mailboxes[] = {
	"info",	   "security", "abuse",	  "admin",   "postmaster", "noreply", "no-reply",
	"helpdesk", "support",	"contact", "office", "soc",	   "cert",    "csirt",
};

int core_email_normalise(const char *in, char *out, const char **why)
{
	if (!in || !out)
		return fail(why, "no e-mail address given");
	char buf[CORE_INDICATOR_MAX + 1];
	int r = email_into(in, buf, why);
	if (r)
		return r;
	size_t n = strlen(buf);
	for (size_t i = 0; i < n; i++)
		buf[i] = lower(buf[i]);

	/* "info+alerts@" still reaches the info mailbox. */
	size_t llen = strcspn(buf, "@+");
	for (size_t i = 0; i < sizeof(functional_mailboxes) / sizeof(functional_mailboxes[0]);
	     i++) {
		const char *f = functional_mailboxes[i];
		if (strlen(f) == llen && memcmp(f, buf, llen) == 0)
			return fail(why, "a functional mailbox is not a personal e-mail address");
	}
	memcpy(out, buf, n + 1);
	return 0;
}

/* ---- URLs ---- */

/* Validates the host (and optional port) of a URL authority; writes the
 * normalised host[:port] to out. */
static int url_host(const char *s, size_t n, char *out, size_t outsz, const char **why)
{
	const char *port = NULL;
	size_t hlen;
	char host[DOMAIN_MAX + 2];

	if (n > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', n);
		if (!close)
			return fail(why, "URL has an unterminated IPv6 literal");
		struct in6_addr a6;
		if (!ipv6_parse(s + 1, (size_t)(close - s - 1), &a6))
			return fail(why, "URL has an invalid IPv6 literal");
		char v6[INET6_ADDRSTRLEN];
		if (!inet_ntop(AF_INET6, &a6, v6, sizeof(v6)))
			return fail(why, "URL has an invalid IPv6 literal");
		snprintf(host, sizeof(host), "[%s]", v6);
		hlen = (size_t)(close - s) + 1;
		if (hlen < n && s[hlen] != ':')
			return fail(why, "URL has text after its IPv6 literal");
	} else {
		const char *colon = memchr(s, ':', n);
		hlen = colon ? (size_t)(colon - s) : n;
		if (hlen == 0)
			return fail(why, "URL has no host");
		bool numeric = true;
		for (size_t i = 0; i < hlen; i++) {
			if (!is_digit(s[i]) && s[i] != '.')
				numeric = false;
		}
		struct in_addr a4;
		if (numeric) {
			if (!ipv4_parse(s, hlen, &a4))
				return fail(why, "URL host is not a valid IPv4 address");
			inet_ntop(AF_INET, &a4, host, sizeof(host));
		} else if (domain_into(s, hlen, host, NULL)) {
			return fail(why, "URL host is not a valid domain name or IP address");
		}
	}
	if (hlen < n) {
		port = s + hlen + 1;
		uint64_t pv;
		if (!parse_decimal(port, n - hlen - 1, 5, &pv) || pv == 0 || pv > 65535)
			return fail(why, "URL has an invalid port");
	}
	if (port)
		snprintf(out, outsz, "%s:%.*s", host, (int)(n - hlen - 1), port);
	else
		snprintf(out, outsz, "%s", host);
	return 0;
}

static int norm_url(const char *in, char *out, const char **why)
{
	static const char *const schemes[] = {"http", "https", "ftp"};
	size_t n = strlen(in);
	if (n > CORE_URL_MAX)
		return fail(why, "URL longer than 2048 characters");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c <= 0x20 || c == 0x7f)
			return fail(why, "URL contains a space or control character");
	}
	if (!core_utf8_valid(in, n, false))
		return fail(why, "URL is not valid UTF-8");

	const char *sep = strstr(in, "://");
	if (!sep)
		return fail(why, "not a URL with an http, https or ftp scheme");
	size_t slen = (size_t)(sep - in);
	const char *scheme = NULL;
	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		if (strlen(schemes[i]) == slen && strncasecmp(in, schemes[i], slen) == 0)
			scheme = schemes[i];
	}
	if (!scheme)
		return fail(why, "URL scheme must be http, https or ftp");

	const char *auth = sep + 3;
	size_t alen = strcspn(auth, "/?#");
	const char *rest = auth + alen;
	/* Userinfo ("user@") is kept as given: it is part of what was seen. */
	const char *host = auth;
	for (size_t i = 0; i < alen; i++) {
		if (auth[i] == '@')
			host = auth + i + 1;
	}
	size_t uilen = (size_t)(host - auth);
	char hostport[DOMAIN_MAX + 16];
	int r = url_host(host, alen - uilen, hostport, sizeof(hostport), why);
	if (r)
		return r;
	int w = snprintf(out, CORE_INDICATOR_MAX + 1, "%s://%.*s%s%s", scheme, (int)uilen, auth,
			 hostport, rest);
	if (w < 0 || w > CORE_INDICATOR_MAX)
		return fail(why, "URL longer than 2048 characters");
	return 0;
}

/* ---- hashes, CVE, ASN ---- */

static int norm_hash(const char *in, size_t want, char *out, const char **why,
		     const char *reason)
{
	size_t n = strlen(in);
	if (n != want)
		return fail(why, reason);
	for (size_t i = 0; i < n; i++) {
		if (!is_hex(in[i]))
			return fail(why, reason);
		out[i] = lower(in[i]);
	}
	out[n] = '\0';
	return 0;
}

static int norm_cve(const char *in, char *out, const char **why)
{
	const char *bad = "not a CVE identifier (CVE-YYYY-NNNN)";
	size_t n = strlen(in);
	if (n < 13 || strncasecmp(in, "CVE-", 4) != 0 || in[8] != '-')
		return fail(why, bad);
	uint64_t year, seq;
	if (!parse_decimal(in + 4, 4, 4, &year) || year < 1999)
		return fail(why, bad);
	/* Sequence: four digits (zero-padded) or more without a leading zero. */
	const char *s = in + 9;
	size_t slen = n - 9; /* at least 4: n >= 13 */
	if (slen > 19)
		return fail(why, bad);
	for (size_t i = 0; i < slen; i++) {
		if (!is_digit(s[i]))
			return fail(why, bad);
	}
	if (slen > 4 && !parse_decimal(s, slen, 19, &seq))
		return fail(why, bad);
	for (size_t i = 0; i < n; i++)
		out[i] = upper(in[i]);
	out[n] = '\0';
	return 0;
}

static int norm_asn(const char *in, char *out, const char **why)
{
	const char *s = in;
	if (strncasecmp(s, "AS", 2) == 0)
		s += 2;
	uint64_t v;
	if (!parse_decimal(s, strlen(s), 10, &v) || v == 0 || v > UINT32_MAX)
		return fail(why, "not an AS number (1 to 4294967295)");
	snprintf(out, CORE_INDICATOR_MAX + 1, "%llu", (unsigned long long)v);
	return 0;
}

int core_indicator_normalise(enum ind_type type, const char *in, char *out, const char **why)
{
	if (!in || !out)
		return fail(why, "no value given");
	if (strlen(in) > CORE_INDICATOR_MAX)
		return fail(why, "value longer than 2048 characters");
	out[0] = '\0';
	switch (type) {
	case IND_IPV4:
		return norm_ipv4(in, out, why);
	case IND_IPV6:
		return norm_ipv6(in, out, why);
	case IND_CIDR:
		return norm_cidr(in, out, why);
	case IND_DOMAIN:
		return norm_domain(in, out, why);
	case IND_URL:
		return norm_url(in, out, why);
	case IND_EMAIL:
		return norm_email(in, out, why);
	case IND_MD5:
		return norm_hash(in, 32, out, why, "not an MD5 hash (32 hexadecimal digits)");
	case IND_SHA1:
		return norm_hash(in, 40, out, why, "not a SHA-1 hash (40 hexadecimal digits)");
	case IND_SHA256:
		return norm_hash(in, 64, out, why, "not a SHA-256 hash (64 hexadecimal digits)");
	case IND_CVE:
		return norm_cve(in, out, why);
	case IND_ASN:
		return norm_asn(in, out, why);
	case IND__COUNT:
		break;
	}
	return fail(why, "unknown indicator type");
}
