/* test_notify.c - the pure part of notification: routing (most specific
 * owner, supplier with consent, linking organisation, TLP labels),
 * matching of addresses, networks, domains, AS numbers and products,
 * aggregation into one notification with rows labelled per organisation,
 * de-duplication keys, rendering in Dutch and English with the advice
 * catalogue, the CSV and STIX parts, MIME, the input readers, and the
 * delivery helpers (back-off, registry value checks). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "deliver/deliver.h"
#include "notify/notify.h"
#include "util/alloc.h"
#include "util/err.h"

#include "util/banned.h"

enum { SUP = 10, CLA = 11, CLB = 12, LNK = 20, M1 = 21, M2 = 22, OUT = 30, BADREL = 31 };

static struct notify_contact contact(const char *name, const char *email, enum lang l)
{
	struct notify_contact c;
	memset(&c, 0, sizeof c);
	snprintf(c.name, sizeof c.name, "%s", name);
	snprintf(c.email, sizeof c.email, "%s", email);
	c.lang = l;
	return c;
}

/* Supplier SUP with 10.20.0.0/16; its clients CLA (10.20.1.0/24, route via
 * SUP only) and CLB (10.20.2.0/24, no route: direct); linking LNK with
 * members M1 (route via LNK) and M2 (via LNK and direct); OUT with a
 * domain, an ASN and a product; BADREL routes "via a supplier" that is a
 * company (dropped by the policy). */
static struct notify_registry *world(void)
{
	struct notify_registry *g = NULL;
	assert_int_equal(notify_registry_new(&g), 0);
	assert_int_equal(notify_registry_add_org(g, SUP, "Supplier BV", ORG_SUPPLIER), 0);
	assert_int_equal(notify_registry_add_org(g, CLA, "Client A", ORG_COMPANY), 0);
	assert_int_equal(notify_registry_add_org(g, CLB, "Client B", ORG_COMPANY), 0);
	assert_int_equal(notify_registry_add_org(g, LNK, "Sector Link", ORG_LINKING), 0);
	assert_int_equal(notify_registry_add_org(g, M1, "Member One", ORG_COMPANY), 0);
	assert_int_equal(notify_registry_add_org(g, M2, "Member Two", ORG_COMPANY), 0);
	assert_int_equal(notify_registry_add_org(g, OUT, "Outsider", ORG_COMPANY), 0);
	assert_int_equal(notify_registry_add_org(g, BADREL, "Bad Relay User", ORG_COMPANY), 0);
	assert_int_equal(notify_registry_add_prefix(g, SUP, "10.20.0.0/16"), 0);
	assert_int_equal(notify_registry_add_prefix(g, CLA, "10.20.1.0/24"), 0);
	assert_int_equal(notify_registry_add_prefix(g, CLB, "10.20.2.0/24"), 0);
	assert_int_equal(notify_registry_add_prefix(g, M1, "172.16.1.0/24"), 0);
	assert_int_equal(notify_registry_add_prefix(g, M2, "2001:db8:2::/48"), 0);
	assert_int_equal(notify_registry_add_prefix(g, BADREL, "172.16.9.0/24"), 0);
	assert_int_equal(notify_registry_add_domain(g, OUT, "outsider.example"), 0);
	assert_int_equal(notify_registry_add_asn(g, OUT, 64500), 0);
	assert_int_equal(notify_registry_add_product(g, OUT, "acme", "widget", "1.0", "2.0"), 0);
	assert_int_equal(notify_registry_add_product(g, M1, "acme", "widget", "3.0", NULL), 0);
	/* an exact prefix has one owner */
	assert_int_equal(notify_registry_add_prefix(g, OUT, "10.20.1.0/24"), KR_ECONFLICT);
	assert_int_equal(notify_registry_add_prefix(g, OUT, "10.20.1.1/24"), KR_EINVAL);
	assert_int_equal(notify_registry_add_route(g, CLA, NOTIFY_SUPPLIER, SUP), 0);
	assert_int_equal(notify_registry_add_route(g, M1, NOTIFY_LINKING, LNK), 0);
	assert_int_equal(notify_registry_add_route(g, M2, NOTIFY_LINKING, LNK), 0);
	assert_int_equal(notify_registry_add_route(g, M2, NOTIFY_DIRECT, 0), 0);
	assert_int_equal(notify_registry_add_route(g, BADREL, NOTIFY_SUPPLIER, OUT), 0);
	assert_int_equal(notify_registry_add_route(g, CLA, NOTIFY_DIRECT, SUP), KR_EINVAL);
	assert_int_equal(notify_registry_add_route(g, CLA, NOTIFY_SUPPLIER, CLA), KR_EINVAL);
	struct notify_contact c = contact("Sam", "sam.s@sup.example", LANG_EN);
	assert_int_equal(notify_registry_add_contact(g, SUP, &c), 0);
	c = contact("Bert", "bert.b@clb.example", LANG_NL);
	assert_int_equal(notify_registry_add_contact(g, CLB, &c), 0);
	c = contact("Lisa", "lisa.l@lnk.example", LANG_EN);
	assert_int_equal(notify_registry_add_contact(g, LNK, &c), 0);
	c = contact("Lars", "lars.l@lnk.example", LANG_NL);
	assert_int_equal(notify_registry_add_contact(g, LNK, &c), 0);
	assert_int_equal(notify_registry_build(g), 0);
	/* read-only after the build */
	assert_int_equal(notify_registry_add_prefix(g, OUT, "10.99.0.0/16"), KR_EINVAL);
	return g;
}

static void test_routing(void **state)
{
	(void)state;
	struct notify_registry *g = world();
	struct notify_recipient r[NOTIFY_RECIPIENTS_MAX];
	size_t n = 0;

	/* no route: the victim itself, AMBER+STRICT */
	assert_int_equal(notify_recipients(g, CLB, r, NOTIFY_RECIPIENTS_MAX, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].org_id, CLB);
	assert_int_equal(r[0].route, NOTIFY_DIRECT);
	assert_int_equal(r[0].tlp, TLP_AMBER_STRICT);
	/* consent to the supplier route: the supplier as relay, AMBER, and
	 * the client itself not (it chose the supplier only) */
	assert_int_equal(notify_recipients(g, CLA, r, NOTIFY_RECIPIENTS_MAX, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].org_id, SUP);
	assert_int_equal(r[0].route, NOTIFY_SUPPLIER);
	assert_int_equal(r[0].tlp, TLP_AMBER);
	/* a member with linking and direct routes: both */
	assert_int_equal(notify_recipients(g, M2, r, NOTIFY_RECIPIENTS_MAX, &n), 0);
	assert_int_equal(n, 2);
	bool direct = false, linking = false;
	for (size_t i = 0; i < n; i++) {
		if (r[i].route == NOTIFY_DIRECT && r[i].org_id == M2 &&
		    r[i].tlp == TLP_AMBER_STRICT)
			direct = true;
		if (r[i].route == NOTIFY_LINKING && r[i].org_id == LNK && r[i].tlp == TLP_AMBER)
			linking = true;
	}
	assert_true(direct && linking);
	/* a "supplier" that is not of kind supplier never receives anything */
	assert_int_equal(notify_recipients(g, BADREL, r, NOTIFY_RECIPIENTS_MAX, &n), 0);
	assert_int_equal(n, 0);
	/* an unknown victim has no recipients; max bounds the answer */
	assert_int_equal(notify_recipients(g, 999, r, NOTIFY_RECIPIENTS_MAX, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(notify_recipients(g, M2, r, 1, &n), KR_ELIMIT);
	const struct notify_org *o = notify_registry_org(g, LNK);
	assert_non_null(o);
	assert_int_equal(o->ncontacts, 2);
	assert_string_equal(o->contacts[0].email, "lisa.l@lnk.example");
	assert_null(notify_registry_org(g, 999));
	assert_string_equal(notify_route_name(NOTIFY_LINKING), "linking");
	assert_int_equal(notify_route_parse("supplier"), NOTIFY_SUPPLIER);
	assert_int_equal(notify_route_parse("x"), -1);
	notify_registry_free(g);
}

struct hits {
	int n;
	int64_t victim[8];
	char subject[8][80];
	enum ind_type type[8];
};

static int on_victim(void *ctx, int64_t victim, const char *subject, enum ind_type t)
{
	struct hits *h = ctx;
	assert_true(h->n < 8);
	h->victim[h->n] = victim;
	snprintf(h->subject[h->n], sizeof h->subject[0], "%s", subject);
	h->type[h->n++] = t;
	return 0;
}

static struct notify_event ipv4_event(uint8_t a, uint8_t b, uint8_t c, uint8_t d, unsigned plen)
{
	struct notify_event ev;
	memset(&ev, 0, sizeof ev);
	ev.type = "scan_http";
	ev.port = -1;
	ev.family = 4;
	ev.addr[0] = a;
	ev.addr[1] = b;
	ev.addr[2] = c;
	ev.addr[3] = d;
	ev.plen = plen;
	return ev;
}

static void test_matching(void **state)
{
	(void)state;
	struct notify_registry *g = world();
	struct hits h;
	struct notify_event ev;

	/* the most specific owner wins: a client's sub-block in the
	 * supplier's block */
	memset(&h, 0, sizeof h);
	ev = ipv4_event(10, 20, 1, 7, 32);
	assert_int_equal(notify_match(g, &ev, on_victim, &h), 0);
	assert_int_equal(h.n, 1);
	assert_int_equal(h.victim[0], CLA);
	assert_string_equal(h.subject[0], "10.20.1.7");
	assert_int_equal(h.type[0], IND_IPV4);
	memset(&h, 0, sizeof h);
	ev = ipv4_event(10, 20, 9, 7, 32);
	assert_int_equal(notify_match(g, &ev, on_victim, &h), 0);
	assert_int_equal(h.victim[0], SUP);
	/* a network belongs to the registration covering all of it */
	memset(&h, 0, sizeof h);
	ev = ipv4_event(10, 20, 0, 0, 22);
	assert_int_equal(notify_match(g, &ev, on_victim, &h), 0);
	assert_int_equal(h.victim[0], SUP);
	assert_string_equal(h.subject[0], "10.20.0.0/22");
	assert_int_equal(h.type[0], IND_CIDR);
	memset(&h, 0, sizeof h);
	ev = ipv4_event(10, 20, 1, 128, 25);
	assert_int_equal(notify_match(g, &ev, on_victim, &h), 0);
	assert_int_equal(h.victim[0], CLA);
	/* nothing registered */
	ev = ipv4_event(192, 0, 2, 1, 32);
	assert_int_equal(notify_match(g, &ev, on_victim, &h), KR_ENOTFOUND);
	/* an unmatched address falls back to the host name, then the ASN,
	 * and is still reported under the address */
	memset(&h, 0, sizeof h);
	ev.domain = "www.shop.Outsider.Example.";
	assert_int_equal(notify_match(g, &ev, on_victim, &h), 0);
	assert_int_equal(h.victim[0], OUT);
	assert_string_equal(h.subject[0], "192.0.2.1");
	memset(&h, 0, sizeof h);
	ev.domain = "elsewhere.example";
	ev.asn = 64500;
	assert_int_equal(notify_match(g, &ev, on_victim, &h), 0);
	assert_int_equal(h.victim[0], OUT);
	/* a domain alone: suffix match */
	memset(&ev, 0, sizeof ev);
	memset(&h, 0, sizeof h);
	ev.type = "list";
	ev.domain = "a.b.outsider.example";
	assert_int_equal(notify_match(g, &ev, on_victim, &h), 0);
	assert_string_equal(h.subject[0], "a.b.outsider.example");
	assert_int_equal(h.type[0], IND_DOMAIN);
	ev.domain = "notoutsider.example";
	assert_int_equal(notify_match(g, &ev, on_victim, &h), KR_ENOTFOUND);
	/* IPv6 */
	memset(&ev, 0, sizeof ev);
	memset(&h, 0, sizeof h);
	ev.type = "list";
	ev.family = 6;
	ev.plen = 128;
	const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 9, 0, 0, 0, 0, 0, 0, 0, 1};
	memcpy(ev.addr, v6, 16);
	assert_int_equal(notify_match(g, &ev, on_victim, &h), 0);
	assert_int_equal(h.victim[0], M2);
	assert_string_equal(h.subject[0], "2001:db8:2:9::1");
	assert_int_equal(h.type[0], IND_IPV6);
	/* products: every registration whose range overlaps, once each */
	memset(&ev, 0, sizeof ev);
	memset(&h, 0, sizeof h);
	ev.type = "advisory";
	ev.vendor = "ACME";
	ev.product = "Widget";
	ev.cve = "CVE-2024-1234";
	ev.min_version = "1.5";
	ev.max_version = "3.1";
	assert_int_equal(notify_match(g, &ev, on_victim, &h), 0);
	assert_int_equal(h.n, 2);
	assert_int_equal(h.victim[0], M1); /* in id order */
	assert_int_equal(h.victim[1], OUT);
	assert_string_equal(h.subject[0], "CVE-2024-1234");
	assert_int_equal(h.type[0], IND_CVE);
	memset(&h, 0, sizeof h);
	ev.min_version = "2.1";
	ev.max_version = "2.9";
	assert_int_equal(notify_match(g, &ev, on_victim, &h), KR_ENOTFOUND);
	/* no subject at all */
	memset(&ev, 0, sizeof ev);
	assert_int_equal(notify_match(g, &ev, on_victim, &h), KR_EINVAL);
	notify_registry_free(g);
}

static void test_keys(void **state)
{
	(void)state;
	char a[65], b[65], c[65];
	notify_row_key("scan_http", "192.0.2.1", 80, "http", a);
	notify_row_key("scan_http", "192.0.2.1", 80, "http", b);
	assert_string_equal(a, b);
	assert_int_equal(strlen(a), 64);
	notify_row_key("scan_http", "192.0.2.1", 8080, "http", c);
	assert_string_not_equal(a, c);
	/* no ambiguity between fields */
	notify_row_key("scan_http1", "92.0.2.1", 80, "http", c);
	assert_string_not_equal(a, c);
	notify_sent_key(SUP, NOTIFY_SUPPLIER, CLA, a, b);
	notify_sent_key(SUP, NOTIFY_DIRECT, CLA, a, c);
	assert_string_not_equal(b, c);
	notify_sent_key(LNK, NOTIFY_SUPPLIER, CLA, a, c);
	assert_string_not_equal(b, c);
	notify_message_key(a, SUP, NOTIFY_SUPPLIER, LANG_EN, b);
	notify_message_key(a, SUP, NOTIFY_SUPPLIER, LANG_NL, c);
	assert_string_not_equal(b, c);
}

static void test_csv_line(void **state)
{
	(void)state;
	struct strbuf sb;
	const char *f[] = {"plain", "a,b", "say \"hi\"", "=cmd|'/c calc'!A1",
	                   "-5",    "-x",  "@SUM(1)",    "line\nbreak",
	                   ""};
	strbuf_init(&sb, 0);
	assert_int_equal(notify_csv_line(&sb, f, sizeof f / sizeof f[0]), 0);
	assert_string_equal(sb.buf, "plain,\"a,b\",\"say \"\"hi\"\"\",\"'=cmd|'/c calc'!A1\",-5,"
	                            "\"'-x\",\"'@SUM(1)\",\"line\nbreak\",");
	strbuf_release(&sb);
}

static void test_catalogue(void **state)
{
	(void)state;
	struct notify_catalogue *cat = NULL;
	char err[256];
	assert_int_equal(notify_catalogue_builtin(&cat), 0);
	const struct notify_advice *a = notify_catalogue_find(cat, "scan_rdp", "", LANG_NL);
	assert_non_null(strstr(a->title, "Remote Desktop"));
	assert_non_null(strstr(a->action, "VPN"));
	a = notify_catalogue_find(cat, "scan_rdp", "", LANG_EN);
	assert_non_null(strstr(a->explanation, "ransomware"));
	/* every Shadowserver type kring reads has its own texts */
	assert_true(notify_catalogue_has(cat, "event4_sinkhole"));
	assert_true(notify_catalogue_has(cat, "scan_exchange"));
	assert_true(notify_catalogue_has(cat, "list"));
	assert_true(notify_catalogue_has(cat, "advisory"));
	/* unknown type: its category, else generic */
	a = notify_catalogue_find(cat, "scan_brand_new", "exposed-service", LANG_EN);
	assert_string_equal(a->title, "Service open to the internet");
	a = notify_catalogue_find(cat, "scan_brand_new", "no-such-category", LANG_NL);
	assert_string_equal(a->title, "Beveiligingsbevindingen");
	notify_catalogue_free(cat);

	/* a catalogue with English only falls back to English */
	const char *doc = "{\"types\":{\"generic\":{\"nl\":{\"title\":\"T\",\"explanation\":\"E\","
	                  "\"action\":\"A\"},\"en\":{\"title\":\"T\",\"explanation\":\"E\","
	                  "\"action\":\"A\"}},\"x\":{\"en\":{\"title\":\"X\",\"explanation\":\"E\","
	                  "\"action\":\"A\"}}}}";
	assert_int_equal(notify_catalogue_load(doc, strlen(doc), &cat, err, sizeof err), 0);
	assert_string_equal(notify_catalogue_find(cat, "x", NULL, LANG_NL)->title, "X");
	notify_catalogue_free(cat);
	const char *bad[] = {
	    "{", "{\"types\":{}}", "{\"types\":{\"generic\":{\"en\":{\"title\":\"T\"}}}}",
	    "{\"types\":{\"generic\":{\"en\":{\"title\":\"T\",\"explanation\":\"E\","
	    "\"action\":\"A\"}}}}"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cat = NULL;
		assert_int_equal(
		    notify_catalogue_load(bad[i], strlen(bad[i]), &cat, err, sizeof err),
		    KR_EINVAL);
		assert_null(cat);
		assert_true(err[0] != '\0');
	}
}

static void add_row(struct notify_batch *b, const struct notify_org *victim, const char *ip,
                    const char *fields)
{
	struct notify_row row = {.victim = victim,
	                         .event_type = "scan_http",
	                         .category = "exposed-service",
	                         .subject = ip,
	                         .subject_type = IND_IPV4,
	                         .at = 1700000000000,
	                         .fields = fields};
	assert_int_equal(notify_batch_add(b, &row), 0);
}

static void test_batch_relay(void **state)
{
	(void)state;
	struct notify_registry *g = world();
	struct notify_catalogue *cat = NULL;
	struct notify_batch *b = NULL;
	struct notify_message m;
	assert_int_equal(notify_catalogue_builtin(&cat), 0);
	struct notify_batch_info info = {.recipient = notify_registry_org(g, LNK),
	                                 .route = NOTIFY_LINKING,
	                                 .tlp = TLP_AMBER,
	                                 .lang = LANG_EN,
	                                 .columns = "ip,port",
	                                 .input_name = "scan.csv",
	                                 .sender = "CSIRT Test",
	                                 .uuid = "0b1c2d3e-4f50-5a6b-8c7d-9e0f1a2b3c4d",
	                                 .now = 1700000100000};
	assert_int_equal(notify_batch_new(&info, &b), 0);
	add_row(b, notify_registry_org(g, M1), "172.16.1.5", "172.16.1.5,80");
	add_row(b, notify_registry_org(g, M2), "172.16.2.6", "172.16.2.6,443");
	add_row(b, notify_registry_org(g, M1), "172.16.1.5", "172.16.1.5,8080");
	assert_int_equal(notify_batch_rows(b), 3);
	assert_int_equal(notify_batch_render(b, cat, &m), 0);
	assert_string_equal(m.subject,
	                    "[TLP:AMBER] Open web server (HTTP): 3 findings - Sector Link");
	/* each row names the organisation it concerns */
	assert_string_equal(m.csv, "organisation,ip,port\r\nMember One,172.16.1.5,80\r\n"
	                           "Member Two,172.16.2.6,443\r\nMember One,172.16.1.5,8080\r\n");
	assert_true(strncmp(m.text, "TLP:AMBER\n", 10) == 0);
	assert_non_null(strstr(m.text, "- Member One: 2 findings\n- Member Two: 1 finding\n"));
	assert_non_null(strstr(m.text, "members of your organisation"));
	assert_non_null(strstr(m.text, NOTIFY_ACK_PLACEHOLDER));
	assert_non_null(strstr(m.text, "TLP:AMBER - you may share"));
	/* STIX: one indicator per distinct subject, marked AMBER */
	json_t *j = json_loads(m.stix, 0, NULL);
	assert_non_null(j);
	size_t nind = 0;
	bool amber = false;
	json_t *o;
	size_t i;
	json_array_foreach(json_object_get(j, "objects"), i, o)
	{
		const char *t = json_string_value(json_object_get(o, "type"));
		if (!strcmp(t, "indicator"))
			nind++;
		if (!strcmp(t, "marking-definition") &&
		    !strcmp(json_string_value(json_object_get(o, "name")), "TLP:AMBER"))
			amber = true;
	}
	assert_int_equal(nind, 2);
	assert_true(amber);
	json_decref(j);
	notify_message_release(&m);
	notify_batch_free(b);

	/* the victim's own message in Dutch: strict label, no client list */
	info.recipient = notify_registry_org(g, CLB);
	info.route = NOTIFY_DIRECT;
	info.tlp = TLP_AMBER_STRICT;
	info.lang = LANG_NL;
	assert_int_equal(notify_batch_new(&info, &b), 0);
	assert_int_equal(notify_batch_render(b, cat, &m), KR_EINVAL); /* empty */
	add_row(b, notify_registry_org(g, CLB), "10.20.2.9", "10.20.2.9,80");
	assert_int_equal(notify_batch_render(b, cat, &m), 0);
	assert_string_equal(m.subject,
	                    "[TLP:AMBER+STRICT] Open webserver (HTTP): 1 bevinding - Client B");
	assert_non_null(strstr(m.text, "Beste beveiligingscontactpersoon van Client B,"));
	assert_non_null(strstr(m.text, "Wat kunt u doen?"));
	assert_non_null(strstr(m.text, "alleen voor uw eigen"));
	assert_null(strstr(m.text, "De bevindingen gaan over deze organisaties"));
	assert_non_null(strstr(m.stix, "TLP:AMBER+STRICT"));
	notify_message_release(&m);
	notify_batch_free(b);

	/* a notification holds at most NOTIFY_ROWS_MAX rows */
	info.lang = LANG_EN;
	assert_int_equal(notify_batch_new(&info, &b), 0);
	for (int k = 0; k < NOTIFY_ROWS_MAX; k++) {
		char ip[32];
		snprintf(ip, sizeof ip, "10.20.%d.%d", 2 + k / 65536, (k / 256) % 256);
		struct notify_row row = {.victim = notify_registry_org(g, CLB),
		                         .event_type = k % 2 ? "scan_http" : "scan_rdp",
		                         .subject = "10.20.2.1",
		                         .subject_type = IND_IPV4,
		                         .fields = ip};
		assert_int_equal(notify_batch_add(b, &row), 0);
	}
	struct notify_row extra = {.victim = notify_registry_org(g, CLB),
	                           .event_type = "x",
	                           .subject = "10.20.2.1",
	                           .subject_type = IND_IPV4,
	                           .fields = ""};
	assert_int_equal(notify_batch_add(b, &extra), KR_ELIMIT);
	assert_int_equal(notify_batch_add(b, NULL), KR_EINVAL);
	assert_int_equal(notify_batch_render(b, cat, &m), 0);
	/* two event types: a general subject and a section per type */
	assert_non_null(strstr(m.subject, "Security findings: 20000 findings"));
	assert_non_null(strstr(m.text, "(scan_http: 10000 findings)"));
	assert_non_null(strstr(m.text, "(scan_rdp: 10000 findings)"));
	notify_message_release(&m);
	notify_batch_free(b);
	notify_catalogue_free(cat);
	notify_registry_free(g);
}

static void test_mime(void **state)
{
	(void)state;
	struct strbuf sb;
	char text[300];
	memset(text, 'a', sizeof text);
	memcpy(text, "x = 1 \nline with trailing blank \n", 33);
	text[sizeof text - 1] = '\0';
	struct notify_mime m = {.from = "CSIRT Tést <csirt@example.org>",
	                        .to = "a@x.example",
	                        .subject = "[TLP:AMBER] Bevindingen voor Überorg",
	                        .message_id = "id@x",
	                        .date_ms = 0,
	                        .tlp = TLP_AMBER,
	                        .text = text,
	                        .text_len = strlen(text),
	                        .csv = "a,b\r\n",
	                        .csv_len = 5,
	                        .csv_name = "findings.csv",
	                        .stix = "{}",
	                        .stix_len = 2,
	                        .stix_name = "findings.stix.json"};
	strbuf_init(&sb, 0);
	assert_int_equal(notify_mime_build(&m, &sb), 0);
	assert_non_null(strstr(sb.buf, "From: =?UTF-8?B?"));
	assert_non_null(strstr(sb.buf, " <csirt@example.org>\r\n"));
	assert_non_null(strstr(sb.buf, "Subject: =?UTF-8?B?"));
	assert_non_null(strstr(sb.buf, "Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"));
	assert_non_null(
	    strstr(sb.buf, "Message-ID: <id@x>\r\nMIME-Version: 1.0\r\nX-TLP: AMBER\r\n"));
	assert_non_null(strstr(sb.buf, "x =3D 1=20\r\nline with trailing blank=20\r\n"));
	assert_non_null(strstr(sb.buf, "YSxiDQo=\r\n")); /* "a,b\r\n" in base64 */
	/* no line is longer than 78 characters, every line ends in CRLF */
	size_t col = 0;
	for (size_t i = 0; i < sb.len; i++) {
		if (sb.buf[i] == '\n') {
			assert_true(i > 0 && sb.buf[i - 1] == '\r');
			col = 0;
		} else {
			assert_true(++col <= 78);
		}
	}
	strbuf_release(&sb);
	/* header injection is refused */
	m.subject = "hi\r\nBcc: all@example.org";
	strbuf_init(&sb, 0);
	assert_int_equal(notify_mime_build(&m, &sb), KR_EINVAL);
	strbuf_release(&sb);
}

struct collect {
	int events, rejects;
	char first_reason[NOTIFY_REASON_MAX];
	char subjects[16][64];
	char types[16][32];
};

static int c_event(void *ctx, const struct notify_event *ev)
{
	struct collect *c = ctx;
	if (c->events < 16) {
		snprintf(c->types[c->events], sizeof c->types[0], "%s", ev->type);
		snprintf(c->subjects[c->events], sizeof c->subjects[0], "%s",
		         ev->domain   ? ev->domain
		         : ev->cve    ? ev->cve
		         : ev->family ? "ip"
		                      : "?");
	}
	c->events++;
	return 0;
}

static int c_reject(void *ctx, uint64_t row, uint64_t line, const char *reason)
{
	struct collect *c = ctx;
	(void)row;
	(void)line;
	if (!c->rejects++)
		snprintf(c->first_reason, sizeof c->first_reason, "%s", reason);
	return 0;
}

/* Feeds text in pieces of k bytes. */
static enum notify_format feed(const char *type, const char *text, size_t k, struct collect *c)
{
	struct notify_input *in = NULL;
	struct notify_input_options o = {.type = type};
	struct notify_input_handler h = {.event = c_event, .reject = c_reject, .ctx = c};
	memset(c, 0, sizeof *c);
	assert_int_equal(notify_input_new(&o, &h, &in), 0);
	size_t n = strlen(text);
	for (size_t i = 0; i < n; i += k)
		notify_input_feed(in, text + i, n - i < k ? n - i : k);
	notify_input_finish(in);
	enum notify_format f = notify_input_format(in);
	notify_input_free(in);
	return f;
}

static void test_inputs(void **state)
{
	(void)state;
	struct collect c;
	const char *list = "# findings\n192.0.2.1\nwww.example.nl 2024-01-02T03:04:05Z phish kit\n"
	                   "http://[2001:db8::1]:8080/x,1700000000,c2\n198.51.100.0/24\n"
	                   "AS64500\n300.1.1.1\nnonsense\n\n";
	for (size_t k = 1; k <= 64; k *= 4) {
		assert_int_equal(feed(NULL, list, k, &c), NOTIFY_FMT_LIST);
		assert_int_equal(c.events, 5);
		assert_int_equal(c.rejects, 2);
		assert_string_equal(c.subjects[1], "www.example.nl");
		assert_string_equal(c.types[0], "list");
	}
	assert_string_equal(c.first_reason, "not a valid IPv4 address");

	const char *shadow =
	    "\"timestamp\",\"ip\",\"protocol\",\"port\",\"hostname\",\"tag\",\"asn\","
	    "\"geo\",\"region\",\"city\",\"naics\",\"sic\",\"banner\"\n"
	    "\"2024-01-02 03:04:05\",\"192.0.2.7\",\"tcp\",23,,\"telnet\",64500,"
	    "\"NL\",,,,,\"login:\"\n"
	    "\"2024-01-02 03:04:05\",\"192.0.2.999\",\"tcp\",23,,,,,,,,,\n";
	assert_int_equal(feed(NULL, shadow, 7, &c), NOTIFY_FMT_SHADOWSERVER);
	assert_int_equal(c.events, 1);
	assert_int_equal(c.rejects, 1);
	/* scan_telnet and scan_smtp_vulnerable share this header; --type decides */
	assert_true(!strcmp(c.types[0], "scan_telnet") ||
	            !strcmp(c.types[0], "scan_smtp_vulnerable"));
	assert_int_equal(feed("scan_telnet", shadow, 7, &c), NOTIFY_FMT_SHADOWSERVER);
	assert_string_equal(c.types[0], "scan_telnet");

	const char *adv = "cve,cpe,title\nCVE-2024-0001,cpe:2.3:a:acme:widget:1.2:*:*:*:*:*:*:*,x\n"
	                  "CVE-2024-0002,not-a-cpe,y\n";
	assert_int_equal(feed(NULL, adv, 5, &c), NOTIFY_FMT_ADVISORY);
	assert_int_equal(c.events, 1);
	assert_int_equal(c.rejects, 1);
	assert_string_equal(c.subjects[0], "CVE-2024-0001");

	const char *stix =
	    "{\"type\":\"bundle\",\"id\":\"bundle--6f1b3d2e-9e1a-4a53-9c64-0d8d2b7c6a11\","
	    "\"objects\":[{\"type\":\"indicator\",\"spec_version\":\"2.1\","
	    "\"id\":\"indicator--0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d\","
	    "\"created\":\"2024-01-01T00:00:00.000Z\",\"modified\":\"2024-01-01T00:00:00.000Z\","
	    "\"pattern\":\"[domain-name:value = 'evil.example.nl']\",\"pattern_type\":\"stix\","
	    "\"valid_from\":\"2024-01-01T00:00:00Z\"},"
	    "{\"type\":\"sighting\",\"spec_version\":\"2.1\","
	    "\"id\":\"sighting--1a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d\","
	    "\"created\":\"2024-01-01T00:00:00.000Z\",\"modified\":\"2024-01-01T00:00:00.000Z\","
	    "\"sighting_of_ref\":\"indicator--0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d\"}]}";
	assert_int_equal(feed(NULL, stix, 100, &c), NOTIFY_FMT_STIX);
	assert_int_equal(c.events, 1);
	assert_string_equal(c.types[0], "stix-sighting");
	assert_string_equal(c.subjects[0], "evil.example.nl");

	/* a forced format, and an unknown one */
	assert_int_equal(feed("list", "a,b\n192.0.2.1\n", 3, &c), NOTIFY_FMT_LIST);
	assert_int_equal(c.events, 1);
	assert_true(notify_type_known("scan_http"));
	assert_true(notify_type_known("stix"));
	assert_false(notify_type_known("nonsense"));
	struct notify_input *in = NULL;
	struct notify_input_options o = {.type = "nonsense"};
	struct notify_input_handler h = {.event = c_event, .ctx = &c};
	assert_int_equal(notify_input_new(&o, &h, &in), KR_EINVAL);
	assert_null(in);
}

/* Edge cases once found by static analysis: an empty registry (no
 * organisation at all) and empty chunks fed to the input reader. */
static void test_empty_registry_and_chunks(void **state)
{
	(void)state;
	struct notify_registry *g = NULL;
	struct notify_recipient r[NOTIFY_RECIPIENTS_MAX];
	size_t n = 99;
	assert_int_equal(notify_registry_new(&g), 0);
	assert_int_equal(notify_registry_build(g), 0);
	assert_null(notify_registry_org(g, 1));
	assert_int_equal(notify_recipients(g, 1, r, NOTIFY_RECIPIENTS_MAX, &n), 0);
	assert_int_equal(n, 0);
	notify_registry_free(g);

	struct collect c;
	memset(&c, 0, sizeof c);
	struct notify_input *in = NULL;
	struct notify_input_options o = {.type = NULL};
	struct notify_input_handler h = {.event = c_event, .reject = c_reject, .ctx = &c};
	assert_int_equal(notify_input_new(&o, &h, &in), 0);
	assert_int_equal(notify_input_feed(in, NULL, 0), 0);
	const char *list = "192.0.2.1\n";
	assert_int_equal(notify_input_feed(in, list, strlen(list)), 0);
	assert_int_equal(notify_input_feed(in, NULL, 0), 0);
	assert_int_equal(notify_input_finish(in), 0);
	assert_int_equal(c.events, 1);
	notify_input_free(in);
}

static void test_deliver_helpers(void **state)
{
	(void)state;
	struct deliver_config dc;
	struct config cfg;
	char err[256];
	config_defaults(&cfg);
	snprintf(cfg.notify_from, sizeof cfg.notify_from, "%s",
	         "\"CSIRT Test\" <team@csirt.example>");
	snprintf(cfg.listen, sizeof cfg.listen, "%s", "127.0.0.1:9000");
	assert_int_equal(deliver_config_from(&cfg, &dc, err, sizeof err), 0);
	assert_string_equal(dc.from_addr, "team@csirt.example");
	assert_string_equal(dc.sender, "CSIRT Test");
	assert_string_equal(dc.notify_url, "http://127.0.0.1:9000");
	assert_int_equal(dc.relay_port, 25);
	assert_int_equal(deliver_backoff_ms(&dc, 1), 60000);
	assert_int_equal(deliver_backoff_ms(&dc, 2), 120000);
	assert_int_equal(deliver_backoff_ms(&dc, 4), 480000);
	assert_int_equal(deliver_backoff_ms(&dc, 30), 6LL * 3600 * 1000);
	snprintf(cfg.notify_from, sizeof cfg.notify_from, "%s", "nobody");
	assert_int_equal(deliver_config_from(&cfg, &dc, err, sizeof err), KR_EINVAL);

	struct store_registration r;
	const char *why = NULL;
	memset(&r, 0, sizeof r);
	assert_int_equal(deliver_registration_parse(STORE_REG_PREFIX, "2001:DB8::/32", &r, &why),
	                 0);
	assert_string_equal(r.value, "2001:db8::/32");
	assert_int_equal(deliver_registration_parse(STORE_REG_PREFIX, "192.0.2.7", &r, &why), 0);
	assert_string_equal(r.value, "192.0.2.7/32");
	assert_int_equal(deliver_registration_parse(STORE_REG_PREFIX, "192.0.2.7/24", &r, &why),
	                 KR_EINVAL);
	assert_non_null(why);
	assert_int_equal(deliver_registration_parse(STORE_REG_ASN, "AS64500", &r, &why), 0);
	assert_string_equal(r.value, "64500");
	assert_int_equal(deliver_registration_parse(STORE_REG_DOMAIN, "Example.NL.", &r, &why), 0);
	assert_string_equal(r.value, "example.nl");
	assert_int_equal(deliver_registration_parse(STORE_REG_DOMAIN, "localhost", &r, &why),
	                 KR_EINVAL);
	assert_int_equal(
	    deliver_registration_parse(STORE_REG_PRODUCT, "Acme:Big Widget:*:2.0", &r, &why), 0);
	assert_string_equal(r.value, "acme:big_widget::2.0");
	assert_string_equal(r.max_version, "2.0");
	assert_int_equal(deliver_registration_parse(STORE_REG_PRODUCT, "acme:widget:3:2", &r, &why),
	                 KR_EINVAL);
	assert_int_equal(deliver_registration_parse(STORE_REG_PRODUCT, "acme", &r, &why),
	                 KR_EINVAL);
	assert_int_equal(
	    deliver_registration_parse(STORE_REG_CPE, "cpe:/a:acme:widget:1.0", &r, &why), 0);
	assert_int_equal(deliver_registration_parse(STORE_REG_CPE, "cpe:nope", &r, &why),
	                 KR_EINVAL);

	struct store_contact c;
	memset(&c, 0, sizeof c);
	assert_int_equal(deliver_contact_parse("Ann", "Ann.Smith@Example.org", "nl", &c, &why), 0);
	assert_string_equal(c.email, "ann.smith@example.org");
	assert_int_equal(c.lang, LANG_NL);
	assert_int_equal(deliver_contact_parse("Desk", "abuse@example.org", NULL, &c, &why),
	                 KR_EINVAL);
	assert_int_equal(deliver_contact_parse("", "ann@example.org", NULL, &c, &why), KR_EINVAL);
	assert_int_equal(deliver_contact_parse("Ann", "ann@example.org", "de", &c, &why),
	                 KR_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_routing),
	    cmocka_unit_test(test_matching),
	    cmocka_unit_test(test_keys),
	    cmocka_unit_test(test_csv_line),
	    cmocka_unit_test(test_catalogue),
	    cmocka_unit_test(test_batch_relay),
	    cmocka_unit_test(test_mime),
	    cmocka_unit_test(test_inputs),
	    cmocka_unit_test(test_deliver_helpers),
	    cmocka_unit_test(test_empty_registry_and_chunks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
