/* test_csv.c - cmocka tests of src/codec/csv.c and src/codec/shadowserver.c:
 * RFC 4180 reading fed in pieces of every size, limits and rejected
 * records, every Shadowserver report in the shared interop folder (type,
 * row counts, the deliberately bad sinkhole address), and malformed
 * reports: truncated, wrong columns, invalid addresses, 1 MB lines, binary
 * data.
 *
 * Environment: KRING_INTEROP is the shared interop folder; the tests that
 * need it are skipped, and the program ends with 77, when it is missing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "codec/csv.h"
#include "codec/shadowserver.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/strbuf.h"

/* ---- CSV: records serialised into one text for comparison ---- */

struct sink {
	struct strbuf out;
	int stop_at; /* stop (return 99) at this record number; 0 = never */
	size_t rejected;
};

/* Writes "line:N [f1|f2|...]" or "line:N !reason", one per record; "~"
 * marks a record that ended without a line break. */
static int sink_fn(void *ctx, const struct csv_record *rec)
{
	struct sink *s = ctx;
	assert_int_equal(strbuf_addf(&s->out, "%llu:", (unsigned long long)rec->line), 0);
	if (rec->error) {
		s->rejected++;
		assert_int_equal(rec->nfields, 0);
		assert_int_equal(strbuf_addf(&s->out, "!%s", rec->error), 0);
	} else {
		assert_int_equal(strbuf_adds(&s->out, "["), 0);
		for (size_t i = 0; i < rec->nfields; i++) {
			assert_int_equal(strlen(rec->field[i]), rec->len[i]);
			assert_int_equal(strbuf_addf(&s->out, "%s%s", i ? "|" : "", rec->field[i]),
			                 0);
		}
		assert_int_equal(strbuf_adds(&s->out, "]"), 0);
	}
	assert_int_equal(strbuf_adds(&s->out, rec->terminated ? "\n" : "~\n"), 0);
	if (s->stop_at && rec->number == (uint64_t)s->stop_at)
		return 99;
	return 0;
}

/* Parses in[0..len) fed in pieces of `chunk` bytes (0 = all at once);
 * returns the serialised records (caller frees). */
static char *parse_csv(const struct csv_options *opt, const char *in, size_t len, size_t chunk,
                       size_t *rejected)
{
	struct sink s = {0};
	strbuf_init(&s.out, 0);
	struct csv_reader *r;
	assert_int_equal(csv_reader_new(opt, sink_fn, &s, &r), 0);
	if (!chunk)
		chunk = len ? len : 1;
	for (size_t at = 0; at < len; at += chunk) {
		size_t n = len - at < chunk ? len - at : chunk;
		assert_int_equal(csv_reader_feed(r, in + at, n), 0);
	}
	assert_int_equal(csv_reader_finish(r), 0);
	struct csv_stats st;
	csv_reader_stats(r, &st);
	assert_int_equal(st.rejected, s.rejected);
	assert_int_equal(st.bytes, len);
	csv_reader_free(r);
	if (rejected)
		*rejected = s.rejected;
	char *text = strbuf_detach(&s.out, NULL);
	assert_non_null(text);
	return text;
}

/* The same records whatever the pieces the input comes in. */
static void expect_csv(const struct csv_options *opt, const char *in, size_t len, const char *want)
{
	static const size_t chunks[] = {0, 1, 2, 3, 5, 7, 64};
	for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
		char *got = parse_csv(opt, in, len, chunks[i], NULL);
		if (strcmp(got, want))
			fail_msg("chunk %zu:\n--- got\n%s--- want\n%s", chunks[i], got, want);
		kr_free(got);
	}
}

#define EXPECT(opt, lit, want) expect_csv((opt), (lit), sizeof(lit) - 1, (want))

static void test_csv_rfc4180(void **state)
{
	(void)state;
	EXPECT(NULL, "a,b,c\n1,2,3\n", "1:[a|b|c]\n2:[1|2|3]\n");
	EXPECT(NULL, "a,b\r\n1,2\r\n", "1:[a|b]\n2:[1|2]\n");
	EXPECT(NULL, "a,b\r1,2\r", "1:[a|b]\n2:[1|2]\n");
	EXPECT(NULL, "a,b\n1,2", "1:[a|b]\n2:[1|2]~\n");
	EXPECT(NULL, "\"a,b\",\"c\"\"d\",\"\"\n", "1:[a,b|c\"d|]\n");
	EXPECT(NULL, "\"line1\nline2\",x\nnext,y\n", "1:[line1\nline2|x]\n3:[next|y]\n");
	EXPECT(NULL, "\"crlf\r\ninside\",x\r\nz\r\n", "1:[crlf\r\ninside|x]\n3:[z]\n");
	EXPECT(NULL, ",,\n,\n", "1:[||]\n2:[|]\n");
	EXPECT(NULL, "a,\n", "1:[a|]\n");
	EXPECT(NULL, "a,", "1:[a|]~\n");
	EXPECT(NULL, "\n\r\n\na\n\n", "4:[a]\n");
	EXPECT(NULL, "", "");
	EXPECT(NULL,
	       "\xef\xbb\xbf"
	       "a,b\n",
	       "1:[a|b]\n");
	EXPECT(NULL,
	       "\xef\xbb"
	       "a\n",
	       "1:!record is not valid UTF-8\n");
	EXPECT(NULL, "\xef\xbb", "1:!record is not valid UTF-8~\n");
	EXPECT(NULL, "tab\there,\xc3\xa9t\xc3\xa9,\xe2\x82\xac\n",
	       "1:[tab\there|\xc3\xa9t\xc3\xa9|\xe2\x82\xac]\n");
	/* Lenient quoting as real writers need it. */
	EXPECT(NULL, "ab\"c,d\n", "1:[ab\"c|d]\n");
	EXPECT(NULL, "\"ab\"c,d\n", "1:[abc|d]\n");
	EXPECT(NULL, "\"Basic realm=\\\"\\\"OpenWebif\\\"\\\"\",x\n",
	       "1:[Basic realm=\\\\\"OpenWebif\\\"\\\"\"|x]\n");
	EXPECT(NULL, "\"a\"\n", "1:[a]\n");
	EXPECT(NULL, "\"a\"", "1:[a]~\n");
	struct csv_options semi = {.delimiter = ';'};
	EXPECT(&semi, "a;b,c;\"d;e\"\n", "1:[a|b,c|d;e]\n");
}

static void test_csv_rejects(void **state)
{
	(void)state;
	/* Binary data: NUL, control characters, broken UTF-8; the next
	 * records are read normally. */
	EXPECT(NULL, "ok,1\nbad\0x,2\nok,3\n", "1:[ok|1]\n2:!NUL byte in record\n3:[ok|3]\n");
	EXPECT(NULL, "a\x01,b\nc\n", "1:!control character in record\n2:[c]\n");
	EXPECT(NULL, "\"a\x7f\",b\nc\n", "1:!control character in record\n2:[c]\n");
	EXPECT(NULL, "\"q\0\nstill\",b\nc\n", "1:!NUL byte in record\n3:[c]\n");
	EXPECT(NULL, "\xff\xfe,x\ny\n", "1:!record is not valid UTF-8\n2:[y]\n");
	EXPECT(NULL, "\xc0\xaf\nok\n", "1:!record is not valid UTF-8\n2:[ok]\n");
	EXPECT(NULL, "\xed\xa0\x80\nok\n", "1:!record is not valid UTF-8\n2:[ok]\n");
	EXPECT(NULL, "\xf4\x90\x80\x80\nok\n", "1:!record is not valid UTF-8\n2:[ok]\n");
	EXPECT(NULL, "a\"b\n\"open,x\n", "1:[a\"b]\n2:!input ended inside a quoted field~\n");
	/* Limits. */
	struct csv_options small = {.max_record = 10, .max_fields = 3};
	EXPECT(&small, "0123456789\n01234567890\nab\n",
	       "1:[0123456789]\n2:!record longer than 10 bytes\n3:[ab]\n");
	EXPECT(&small, "\"012345678\"\n", "1:!record longer than 10 bytes\n");
	EXPECT(&small, "a,b,c\na,b,c,d\nx\n", "1:[a|b|c]\n2:!more than 3 fields\n3:[x]\n");
	/* A stray quote cannot swallow the rest: the reader starts again after
	 * the line break that follows the limit. */
	EXPECT(&small, "\"stray,1\nline2\nline3\nok\n",
	       "1:!record longer than 10 bytes\n3:[line3]\n4:[ok]\n");
	EXPECT(&small, "0123456789abc", "1:!record longer than 10 bytes~\n");
	struct csv_options bad = {.delimiter = '"'};
	struct csv_reader *r;
	assert_int_equal(csv_reader_new(&bad, sink_fn, NULL, &r), KR_EINVAL);
	assert_int_equal(csv_reader_new(NULL, NULL, NULL, &r), KR_EINVAL);
	struct csv_options bad2 = {.delimiter = (char)0xe9};
	assert_int_equal(csv_reader_new(&bad2, sink_fn, NULL, &r), KR_EINVAL);
	struct csv_options huge = {.max_record = CSV_RECORD_MAX_LIMIT + 1};
	assert_int_equal(csv_reader_new(&huge, sink_fn, NULL, &r), KR_EINVAL);
	struct csv_options tsv = {.delimiter = '\t'};
	EXPECT(&tsv, "a\tb c\t\"d\te\"\n", "1:[a|b c|d\te]\n");
}

static void test_csv_big_lines(void **state)
{
	(void)state;
	/* 1 MB line between good ones, default 64 KiB limit. */
	size_t big = 1 << 20;
	size_t len = big + 64;
	char *in = malloc(len);
	assert_non_null(in);
	size_t at = 0;
	at += (size_t)snprintf(in, len, "a,b\n");
	memset(in + at, 'x', big);
	at += big;
	at += (size_t)snprintf(in + at, len - at, "\nc,d\n");
	size_t rejected;
	char *got = parse_csv(NULL, in, at, 4096, &rejected);
	assert_string_equal(got, "1:[a|b]\n2:!record longer than 65536 bytes\n3:[c|d]\n");
	assert_int_equal(rejected, 1);
	kr_free(got);
	/* A record of exactly the limit is fine. */
	memset(in, 'y', 65536);
	in[65536] = '\n';
	got = parse_csv(NULL, in, 65537, 1000, &rejected);
	assert_int_equal(rejected, 0);
	assert_int_equal(strlen(got), 65536 + 5); /* "1:[" ... "]\n" */
	kr_free(got);
	free(in);
}

static void test_csv_stop(void **state)
{
	(void)state;
	struct sink s = {.stop_at = 2};
	strbuf_init(&s.out, 0);
	struct csv_reader *r;
	assert_int_equal(csv_reader_new(NULL, sink_fn, &s, &r), 0);
	const char in[] = "a\nb\nc\n";
	assert_int_equal(csv_reader_feed(r, in, sizeof in - 1), 99);
	assert_string_equal(s.out.buf, "1:[a]\n2:[b]\n");
	assert_int_equal(csv_reader_feed(r, in, 1), KR_EINVAL);
	assert_int_equal(csv_reader_finish(r), KR_EINVAL);
	csv_reader_free(r);
	strbuf_release(&s.out);
	/* Nothing after finish. */
	assert_int_equal(csv_reader_new(NULL, sink_fn, &s, &r), 0);
	s.stop_at = 0;
	assert_int_equal(csv_reader_finish(r), 0);
	assert_int_equal(csv_reader_feed(r, "x", 1), KR_EINVAL);
	csv_reader_free(r);
	strbuf_release(&s.out);
}

/* Counts fields into a fixed buffer: no allocation of its own. */
struct count_sink {
	char text[128];
	size_t at;
};

static int count_fn(void *ctx, const struct csv_record *rec)
{
	struct count_sink *s = ctx;
	int n = snprintf(s->text + s->at, sizeof s->text - s->at, "%zu%s;", rec->nfields,
	                 rec->error ? "!" : "");
	if (n > 0 && (size_t)n < sizeof s->text - s->at)
		s->at += (size_t)n;
	return 0;
}

static void test_csv_alloc_failures(void **state)
{
	(void)state;
	const char in[] = "a,b,\"c\nd\"\n1,2,3\n";
	bool done = false;
	for (long n = 0; n < 50 && !done; n++) {
		struct count_sink s = {.at = 0};
		struct csv_reader *r = NULL;
		kr_alloc_fail_after(n);
		int e = csv_reader_new(NULL, count_fn, &s, &r);
		if (!e)
			e = csv_reader_feed(r, in, sizeof in - 1);
		if (!e)
			e = csv_reader_finish(r);
		kr_alloc_fail_after(-1);
		csv_reader_free(r);
		if (e) {
			assert_int_equal(e, KR_ENOMEM);
		} else {
			assert_string_equal(s.text, "3;3;");
			done = true;
		}
	}
	assert_true(done);
}

/* ---- Shadowserver ---- */

struct collected {
	size_t events, rejects;
	char first_reject[SHADOW_REASON_MAX];
	uint64_t first_reject_row;
	char reasons[16][SHADOW_REASON_MAX]; /* the first 16 rejections */
	struct shadow_event first;           /* copy of the first event (texts not kept) */
	char host[256], tag[256], infection[256], geo[64], url[512];
	int v4, v6, nets;
};

static int on_event(void *ctx, const struct shadow_event *ev)
{
	struct collected *c = ctx;
	assert_non_null(ev->type);
	assert_true(ev->nfields <= ev->ncolumns);
	assert_true(ev->ip.family || *ev->hostname || ev->asn);
	if (c->events == 0) {
		c->first = *ev;
		snprintf(c->host, sizeof c->host, "%s", ev->hostname);
		snprintf(c->tag, sizeof c->tag, "%s", ev->tag);
		snprintf(c->infection, sizeof c->infection, "%s", ev->infection);
		snprintf(c->geo, sizeof c->geo, "%s", ev->geo);
		snprintf(c->url, sizeof c->url, "%s", ev->url);
	}
	c->v4 += ev->ip.family == 4;
	c->v6 += ev->ip.family == 6;
	c->nets += ev->ip.family && ev->ip.plen != (ev->ip.family == 4 ? 32u : 128u);
	c->events++;
	return 0;
}

static int on_reject(void *ctx, const struct shadow_reject *rj)
{
	struct collected *c = ctx;
	assert_non_null(rj->reason);
	for (const char *p = rj->reason; *p; p++)
		assert_true(*p >= 0x20 && *p < 0x7f);
	if (c->rejects == 0) {
		snprintf(c->first_reject, sizeof c->first_reject, "%s", rj->reason);
		c->first_reject_row = rj->row;
	}
	if (c->rejects < 16)
		snprintf(c->reasons[c->rejects], sizeof c->reasons[0], "%s", rj->reason);
	c->rejects++;
	return 0;
}

/* Reads in[0..len) as one report in pieces of chunk bytes; the status of
 * the last call that failed, or 0. */
static int read_report(const char *in, size_t len, size_t chunk, const char *hint,
                       struct collected *c, struct shadow_detection *det, struct shadow_stats *st)
{
	memset(c, 0, sizeof *c);
	struct shadow_handler h = {on_event, on_reject, c};
	struct shadow_options opt = {.hint = hint};
	struct shadow_reader *r;
	assert_int_equal(shadow_reader_new(&opt, &h, &r), 0);
	int e = 0;
	for (size_t at = 0; at < len && !e; at += chunk) {
		size_t n = len - at < chunk ? len - at : chunk;
		e = shadow_reader_feed(r, in + at, n);
	}
	if (!e)
		e = shadow_reader_finish(r);
	const struct shadow_detection *d = shadow_reader_detection(r);
	if (det) {
		if (d)
			*det = *d;
		else
			memset(det, 0, sizeof *det);
	}
	if (st)
		shadow_reader_stats(r, st);
	shadow_reader_free(r);
	return e;
}

static const char *interop_dir(void)
{
	static char path[4096];
	const char *e = getenv("KRING_INTEROP");
	struct stat sb;
	if (!e || !*e)
		return NULL;
	snprintf(path, sizeof path, "%s/shadowserver/intelmq-3.2.1", e);
	if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return NULL;
	return e;
}

static bool interop_missing;

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct strbuf sb;
	strbuf_init(&sb, 0);
	char buf[65536];
	size_t n = fread(buf, 1, sizeof buf, f);
	while (n > 0) {
		assert_int_equal(strbuf_add(&sb, buf, n), 0);
		n = fread(buf, 1, sizeof buf, f);
	}
	fclose(f);
	return strbuf_detach(&sb, len);
}

struct expected_file {
	const char *name;
	int rows;
	int rejected;
	const char *group; /* types sharing the header: the answer without a hint */
};

/* Row counts as Python's csv module reads these files. */
static const struct expected_file expected[] = {
    {"blocklist", 3, 0, NULL},
    {"compromised_website", 3, 0, NULL},
    {"device_id", 3, 0, NULL},
    {"event4_ddos_participant", 3, 0, NULL},
    {"event4_honeypot_brute_force", 6, 0, NULL},
    {"event4_honeypot_darknet", 8, 0, NULL},
    {"event4_ip_spoofer", 6, 0, NULL},
    {"event4_microsoft_sinkhole", 6, 0, "event4_sinkhole"},
    {"event4_microsoft_sinkhole_http", 5, 0, "event4_sinkhole_http"},
    {"event4_sinkhole", 3, 1, "event4_sinkhole"},
    {"event4_sinkhole_dns", 3, 0, NULL},
    {"event4_sinkhole_http", 5, 0, "event4_sinkhole_http"},
    {"event4_sinkhole_http_referer", 5, 0, NULL},
    {"event6_sinkhole_http", 3, 0, "event4_sinkhole_http"},
    {"malware_url", 3, 0, NULL},
    {"phish_url", 3, 0, NULL},
    {"sandbox_url", 3, 0, NULL},
    {"scan_dns", 100, 0, NULL},
    {"scan_exchange", 7, 0, NULL},
    {"scan_http", 2, 0, NULL},
    {"scan_http_proxy", 3, 0, NULL},
    {"scan_http_vulnerable", 3, 0, NULL},
    {"scan_ntp", 3, 0, NULL},
    {"scan_rdp", 2, 0, NULL},
    {"scan_smb", 3, 0, NULL},
    {"scan_smtp_vulnerable", 2, 0, "scan_smtp_vulnerable"},
    {"scan_snmp", 3, 0, NULL},
    {"scan_ssh", 3, 0, NULL},
    {"scan_ssl_poodle", 31, 0, NULL},
    {"scan_telnet", 2, 0, "scan_smtp_vulnerable"},
    {"special", 3, 0, NULL},
    {"botnet_drone", 102, 0, NULL},
    {"drone_brute_force", 1, 0, NULL},
    {"sinkhole_http_drone", 86, 0, NULL},
};

#define NEXPECTED (sizeof expected / sizeof expected[0])

static void check_specifics(const char *name, const struct collected *c)
{
	if (!strcmp(name, "event4_sinkhole")) {
		/* The deliberately bad destination address of row 3. */
		assert_int_equal(c->first_reject_row, 3);
		assert_string_equal(c->first_reject,
		                    "invalid IP address in column dst_ip: \"148.81.111.11.12\"");
		assert_int_equal(c->first.time_ms, 1614816000000LL);
		assert_int_equal(c->first.ip.family, 4);
		assert_memory_equal(c->first.ip.addr, "\xbe\x71\x01\x02", 4); /* 190.113.1.2 */
		assert_int_equal(c->first.port, 17409);
		assert_int_equal(c->first.asn, 12252);
		assert_int_equal(c->first.dst.family, 4);
		assert_int_equal(c->first.dst_port, 4455);
		assert_string_equal(c->infection, "victorygate.b");
		assert_string_equal(c->geo, "PE");
	} else if (!strcmp(name, "scan_dns")) {
		assert_memory_equal(c->first.ip.addr, "\xc6\x33\x64\xb3", 4); /* 198.51.100.179 */
		assert_int_equal(c->first.port, 53);
		assert_int_equal(c->first.asn, 25255);
		assert_string_equal(c->tag, "openresolver");
		assert_string_equal(c->host, "198-51-100-189.example.net");
		assert_int_equal(c->v4, 100);
	} else if (!strcmp(name, "event6_sinkhole_http")) {
		assert_int_equal(c->v6, 3);
		assert_int_equal(c->first.ip.family, 6);
		assert_int_equal(c->first.ip.addr[0], 0x20);
		assert_int_equal(c->first.port, 49431);
	} else if (!strcmp(name, "event4_sinkhole_http_referer")) {
		/* The subject is the referring site. */
		assert_memory_equal(c->first.ip.addr, "\xb2\xa2\xcb\xd3", 4); /* 178.162.203.211 */
		assert_string_equal(c->host, "12106.mobapptrack.com");
	} else if (!strcmp(name, "blocklist")) {
		assert_int_equal(c->nets, 1); /* 198.123.245.0/24 */
	} else if (!strcmp(name, "botnet_drone")) {
		assert_string_equal(c->infection, "dorkbot");
		assert_int_equal(c->first.dst.family, 4);
		assert_int_equal(c->first.dst_port, 80);
		assert_int_equal(c->first.asn, 0);
	} else if (!strcmp(name, "sinkhole_http_drone")) {
		assert_int_equal(c->first.port, 49121); /* from src_port */
		assert_string_equal(c->url, "GET /search?q=0 HTTP/1.0");
	} else if (!strcmp(name, "compromised_website")) {
		assert_string_equal(c->host, "example.com");
	}
}

static const struct expected_file *find_expected(const char *name)
{
	for (size_t i = 0; i < NEXPECTED; i++) {
		if (!strcmp(expected[i].name, name))
			return &expected[i];
	}
	return NULL;
}

static void test_shadowserver_interop(void **state)
{
	(void)state;
	const char *root = interop_dir();
	if (!root) {
		interop_missing = true;
		skip();
	}
	static const char *const dirs[] = {"intelmq-3.2.1", "legacy-intelmq-3.0.2"};
	size_t files = 0;
	for (size_t d = 0; d < 2; d++) {
		char dir[4096];
		snprintf(dir, sizeof dir, "%s/shadowserver/%s", root, dirs[d]);
		DIR *dh = opendir(dir);
		assert_non_null(dh);
		for (struct dirent *de = readdir(dh); de; de = readdir(dh)) {
			size_t nl = strlen(de->d_name);
			if (nl < 5 || strcmp(de->d_name + nl - 4, ".csv"))
				continue;
			char name[256];
			snprintf(name, sizeof name, "%.*s", (int)(nl - 4), de->d_name);
			const struct expected_file *x = find_expected(name);
			if (!x)
				fail_msg("no expectation for %s/%s", dirs[d], de->d_name);
			char path[8192];
			snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
			size_t len;
			char *in = slurp(path, &len);
			assert_non_null(in);
			/* With the file name as hint: the exact type. */
			struct collected c;
			struct shadow_detection det;
			struct shadow_stats st;
			char hint[300];
			snprintf(hint, sizeof hint, "2024-01-01-%s-nl-geo.csv", name);
			assert_int_equal(read_report(in, len, 4096, hint, &c, &det, &st), 0);
			if (strcmp(det.type, name))
				fail_msg("%s detected as %s", name, det.type);
			assert_false(det.ambiguous);
			assert_int_equal(det.score, 100);
			assert_int_equal(st.rows, (uint64_t)x->rows);
			assert_int_equal(c.events, (size_t)(x->rows - x->rejected));
			assert_int_equal(c.rejects, (size_t)x->rejected);
			assert_int_equal(st.rejected, (uint64_t)x->rejected);
			check_specifics(name, &c);
			/* By header alone, fed in small pieces. */
			struct collected c2;
			assert_int_equal(read_report(in, len, 7, NULL, &c2, &det, NULL), 0);
			assert_string_equal(det.type, x->group ? x->group : name);
			assert_int_equal(det.ambiguous, x->group != NULL);
			assert_int_equal(c2.events, c.events);
			assert_int_equal(c2.rejects, c.rejects);
			free(in);
			files++;
		}
		closedir(dh);
	}
	assert_int_equal(files, NEXPECTED);
}

static void test_detect(void **state)
{
	(void)state;
	struct shadow_detection d;
	const char *scan[] = {"timestamp", "ip",  "protocol", "port",   "hostname",
	                      "tag",       "asn", "geo",      "region", "city",
	                      "naics",     "sic", "banner"};
	shadow_detect(scan, 13, NULL, &d);
	assert_string_equal(d.type, "scan_smtp_vulnerable");
	assert_true(d.ambiguous);
	shadow_detect(scan, 13, "2021-07-08-scan_telnet-nl.csv", &d);
	assert_string_equal(d.type, "scan_telnet");
	assert_false(d.ambiguous);
	assert_string_equal(d.category, "exposed-service");
	/* A hint naming a type whose columns do not fit is ignored. */
	shadow_detect(scan, 13, "botnet_drone.csv", &d);
	assert_string_equal(d.type, "scan_smtp_vulnerable");
	/* Only whole words count: scan_http inside scan_http_proxy is not a hint. */
	const char *proxy[] = {"timestamp",
	                       "ip",
	                       "protocol",
	                       "port",
	                       "hostname",
	                       "tag",
	                       "asn",
	                       "geo",
	                       "region",
	                       "city",
	                       "naics",
	                       "sic",
	                       "http",
	                       "http_code",
	                       "http_reason",
	                       "content_type",
	                       "connection",
	                       "proxy_authenticate",
	                       "via",
	                       "server",
	                       "content_length",
	                       "transfer_encoding",
	                       "http_date"};
	shadow_detect(proxy, 23, "x-scan_http_proxy-y", &d);
	assert_string_equal(d.type, "scan_http_proxy");
	/* Newer layout: severity added, sic gone, columns reordered. */
	const char *newer[] = {"severity",
	                       "timestamp",
	                       "ip",
	                       "protocol",
	                       "port",
	                       "hostname",
	                       "tag",
	                       "asn",
	                       "geo",
	                       "region",
	                       "city",
	                       "naics",
	                       "sector",
	                       "http",
	                       "http_code",
	                       "http_reason",
	                       "content_type",
	                       "connection",
	                       "www_authenticate",
	                       "set_cookie",
	                       "server",
	                       "content_length",
	                       "transfer_encoding",
	                       "http_date",
	                       "hostname_source"};
	shadow_detect(newer, 25, NULL, &d);
	assert_string_equal(d.type, "scan_http");
	assert_true(d.score >= 50 && d.score < 100);
	const char *odd[] = {"when", "ip", "what"};
	shadow_detect(odd, 3, NULL, &d);
	assert_string_equal(d.type, "unknown");
	assert_string_equal(d.category, "unknown");
	size_t n = 0;
	while (shadow_known_type(n))
		n++;
	assert_int_equal(n, NEXPECTED);
}

/* Acceptance: a report with every kind of damage; the good rows come
 * through and every bad one is rejected with its reason. */
static void test_shadowserver_malformed(void **state)
{
	(void)state;
	struct strbuf in;
	strbuf_init(&in, 0);
	assert_int_equal(
	    strbuf_adds(&in,
	                "\"timestamp\",\"ip\",\"port\",\"hostname\",\"tag\",\"asn\",\"geo\"\n"),
	    0);
	assert_int_equal(
	    strbuf_adds(
	        &in,
	        "\"2024-01-02 03:04:05\",\"192.0.2.1\",80,\"a.example\",\"http\",64500,\"NL\"\n"),
	    0);
	assert_int_equal(
	    strbuf_adds(&in, "\"2024-01-02 03:04:05\",\"192.0.2.300\",80,,,64500,\"NL\"\n"), 0);
	assert_int_equal(
	    strbuf_adds(&in, "\"2024-01-02 03:04:05\",\"192.0.2.2\",80,,,64500,\"NL\",\"extra\"\n"),
	    0);
	assert_int_equal(
	    strbuf_adds(&in, "\"2024-01-02 03:04:05\",\"192.0.2.3\",99999,,,64500,\"NL\"\n"), 0);
	assert_int_equal(strbuf_adds(&in, "\"yesterday\",\"192.0.2.4\",80,,,64500,\"NL\"\n"), 0);
	assert_int_equal(
	    strbuf_adds(&in, "\"2024-01-02 03:04:05\",\"192.0.2.5\",80,,,AS1,\"NL\"\n"), 0);
	assert_int_equal(strbuf_adds(&in, "\"2024-01-02 03:04:05\",,80,,,,\"NL\"\n"), 0);
	/* 1 MB line. */
	assert_int_equal(strbuf_adds(&in, "\"2024-01-02 03:04:05\",\"192.0.2.6\",80,\""), 0);
	for (int i = 0; i < 1024; i++) {
		char kb[1024];
		memset(kb, 'h', sizeof kb);
		assert_int_equal(strbuf_add(&in, kb, sizeof kb), 0);
	}
	assert_int_equal(strbuf_adds(&in, "\",,,\n"), 0);
	/* Binary data. */
	assert_int_equal(strbuf_add(&in,
	                            "\x7f"
	                            "ELF\x02\x01\x01\0\0\0\n",
	                            11),
	                 0);
	static const char badutf[] = "\"2024-01-02 03:04:05\",\"192.0.2.7\",80,\"\xff\xfe\",,,\n";
	assert_int_equal(strbuf_add(&in, badutf, sizeof badutf - 1), 0);
	assert_int_equal(
	    strbuf_adds(&in, "\"2024-01-02 03:04:05\",\"2001:db8::1\",443,,,,\"NL\"\n"), 0);
	assert_int_equal(
	    strbuf_adds(&in, "\"2024-01-02 03:04:05\",\"\",,\"only.host.example\",,,\n"), 0);
	/* A short row is read with its missing fields empty. */
	assert_int_equal(strbuf_adds(&in, "\"2024-01-02 03:04:05\",\"192.0.2.8\",22\n"), 0);
	/* Truncated at the end of the input. */
	assert_int_equal(strbuf_adds(&in, "\"2024-01-02 03:04:05\",\"192.0.2.9\",8"), 0);
	static const char *const want[] = {
	    "invalid IP address in column ip: \"192.0.2.300\"",
	    "row has 8 fields, header has 7",
	    "invalid port in column port: \"99999\"",
	    "invalid timestamp: \"yesterday\"",
	    "invalid AS number in column asn: \"AS1\"",
	    "row names no address, hostname or AS number",
	    "record longer than 65536 bytes",
	    "control character in record",
	    "record is not valid UTF-8",
	    "truncated row at end of input (3 of 7 fields)",
	};
	static const size_t chunks[] = {1, 13, 4096, 1 << 20};
	for (size_t k = 0; k < sizeof chunks / sizeof chunks[0]; k++) {
		struct collected c;
		struct shadow_stats st;
		struct shadow_detection det;
		assert_int_equal(read_report(in.buf, in.len, chunks[k], NULL, &c, &det, &st), 0);
		assert_string_equal(det.type, "unknown");
		/* 192.0.2.1, 2001:db8::1, only.host.example, 192.0.2.8 */
		assert_int_equal(c.events, 4);
		assert_int_equal(c.v4, 2);
		assert_int_equal(c.v6, 1);
		assert_int_equal(c.rejects, sizeof want / sizeof want[0]);
		for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
			assert_string_equal(c.reasons[i], want[i]);
		assert_int_equal(c.first_reject_row, 2);
		assert_int_equal(st.rows, 14);
		assert_int_equal(st.events, 4);
		assert_int_equal(st.rejected, sizeof want / sizeof want[0]);
		assert_int_equal(c.first.time_ms, 1704164645000LL);
		assert_int_equal(c.first.port, 80);
		assert_int_equal(c.first.asn, 64500);
		assert_string_equal(c.host, "a.example");
	}
	strbuf_release(&in);
}

/* Column roles, subject choice and the header's own failures. */
static int stop_event(void *ctx, const struct shadow_event *ev)
{
	(void)ctx;
	return ev->row == 2 ? 55 : 0;
}

static int check_get(void *ctx, const struct shadow_event *ev)
{
	struct collected *c = ctx;
	/* ip wins over src_ip as subject; src_* roles follow the subject. */
	assert_int_equal(ev->ip.family, 4);
	assert_int_equal(ev->ip.addr[3], 1);
	assert_int_equal(ev->port, 443);
	assert_string_equal(shadow_event_get(ev, "SRC_IP"), "192.0.2.99");
	assert_string_equal(shadow_event_get(ev, "dst_port"), "");
	assert_null(shadow_event_get(ev, "nonexistent"));
	assert_int_equal(ev->dst_port, -1);
	c->events++;
	return 0;
}

static void test_shadowserver_columns(void **state)
{
	(void)state;
	struct collected c;
	struct shadow_stats st;
	/* src_ip subject with its src_* companions, a network only there. */
	static const char a[] =
	    "Timestamp , Src_IP,src_port,src_asn,src_hostname,dst_ip,dst_port,infection\n"
	    "2021-03-04T00:00:00Z,198.51.100.0/24,1,64500,h.example,192.0.2.1,80,x\n"
	    "2021-03-04 00:00:00,198.51.100.7,2,64500,,192.0.2.0/24,80,x\n"
	    "2021-03-04 00:00:00+02:00,198.51.100.7/24,3,64500,,,80,x\n"
	    "2021-02-29 00:00:00,198.51.100.8,4,,,,,\n"
	    "2024-02-29 23:59:60.5,2001:db8::1,5,,,,,\n";
	assert_int_equal(read_report(a, sizeof a - 1, 5, NULL, &c, NULL, &st), 0);
	assert_int_equal(c.events, 2);
	assert_int_equal(c.nets, 1);
	assert_int_equal(c.first.port, 1);
	assert_int_equal(c.first.asn, 64500);
	assert_int_equal(c.first.ip.plen, 24);
	assert_int_equal(c.first.dst_port, 80);
	assert_string_equal(c.host, "h.example");
	assert_int_equal(c.first.time_ms, 1614816000000LL);
	assert_int_equal(c.rejects, 3);
	assert_string_equal(c.reasons[0], "invalid IP address in column dst_ip: \"192.0.2.0/24\"");
	assert_string_equal(c.reasons[1],
	                    "invalid IP address in column src_ip: \"198.51.100.7/24\"");
	assert_string_equal(c.reasons[2], "invalid timestamp: \"2021-02-29 00:00:00\"");
	/* Time zones and fractions. */
	static const char tz[] = "timestamp,ip\n2021-03-04 02:00:00+02:00,192.0.2.1\n";
	assert_int_equal(read_report(tz, sizeof tz - 1, 64, NULL, &c, NULL, NULL), 0);
	assert_int_equal(c.first.time_ms, 1614816000000LL);
	static const char tz2[] = "timestamp,ip\n2021-03-03T23:30:00.25-0030,192.0.2.1\n";
	assert_int_equal(read_report(tz2, sizeof tz2 - 1, 64, NULL, &c, NULL, NULL), 0);
	assert_int_equal(c.first.time_ms, 1614816000250LL);
	/* http_referer_ip is the subject when there is neither ip nor src_ip. */
	static const char b[] = "http_referer_ip,http_referer_port,http_referer_hostname,dst_ip\n"
	                        "203.0.113.5,8080,ref.example,192.0.2.1\n";
	assert_int_equal(read_report(b, sizeof b - 1, 64, NULL, &c, NULL, NULL), 0);
	assert_int_equal(c.events, 1);
	assert_int_equal(c.first.ip.addr[3], 5);
	assert_int_equal(c.first.port, 8080);
	assert_string_equal(c.host, "ref.example");
	/* Named access to raw fields; ip before src_ip. */
	static const char g[] = "src_ip,ip,port,dst_port\n192.0.2.99,192.0.2.1,443\n";
	struct collected gc = {0};
	struct shadow_handler hg = {check_get, NULL, &gc};
	struct shadow_reader *r;
	assert_int_equal(shadow_reader_new(NULL, &hg, &r), 0);
	assert_null(shadow_reader_detection(r));
	assert_int_equal(shadow_reader_feed(r, g, sizeof g - 1), 0);
	assert_int_equal(shadow_reader_finish(r), 0);
	assert_non_null(shadow_reader_detection(r));
	shadow_reader_free(r);
	assert_int_equal(gc.events, 1);
	/* The handler's stop value comes back. */
	struct shadow_handler hs = {stop_event, NULL, NULL};
	static const char three[] = "ip\n192.0.2.1\n192.0.2.2\n192.0.2.3\n";
	assert_int_equal(shadow_reader_new(NULL, &hs, &r), 0);
	assert_int_equal(shadow_reader_feed(r, three, sizeof three - 1), 55);
	shadow_reader_free(r);
	/* A header naming nothing to match on, a binary header, no header. */
	static const char nothing[] = "timestamp,tag,count\n2021-01-01,x,1\n";
	assert_int_equal(read_report(nothing, sizeof nothing - 1, 64, NULL, &c, NULL, &st),
	                 KR_EINVAL);
	assert_int_equal(c.rejects, 1);
	assert_string_equal(c.reasons[0], "header has no address, hostname or ASN column");
	assert_int_equal(c.events, 0);
	static const char binary[] = "ip,\x01\x02\n1.2.3.4,x\n";
	assert_int_equal(read_report(binary, sizeof binary - 1, 64, NULL, &c, NULL, NULL),
	                 KR_EINVAL);
	assert_string_equal(c.reasons[0], "header rejected: control character in record");
	assert_int_equal(read_report("", 0, 64, NULL, &c, NULL, NULL), KR_EINVAL);
	assert_string_equal(c.reasons[0], "no header: the input is empty");
	assert_int_equal(read_report("\n\n", 2, 64, NULL, &c, NULL, NULL), KR_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_csv_rfc4180),
	    cmocka_unit_test(test_csv_rejects),
	    cmocka_unit_test(test_csv_big_lines),
	    cmocka_unit_test(test_csv_stop),
	    cmocka_unit_test(test_csv_alloc_failures),
	    cmocka_unit_test(test_detect),
	    cmocka_unit_test(test_shadowserver_interop),
	    cmocka_unit_test(test_shadowserver_malformed),
	    cmocka_unit_test(test_shadowserver_columns),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	if (failed)
		return failed;
	if (interop_missing) {
		printf("skipped: interop folder not found (set KRING_INTEROP)\n");
		return 77;
	}
	return 0;
}
