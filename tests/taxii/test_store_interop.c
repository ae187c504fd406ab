/* test_store_interop.c - the store functions of store_interop.h on a fresh
 * SQLite store: STIX objects (idempotent adds, strictly growing date_added,
 * links, every list filter, the latest flag), imported reports, resumable
 * import runs, the export watermarks and changed reports, TAXII status
 * resources, the generation number, and refused input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <unistd.h>

#include "core/model.h"
#include "store/store.h"
#include "store/store_interop.h"
#include "util/alloc.h"
#include "util/err.h"

#include "util/banned.h"

struct fx {
	char dir[64];
	char path[128];
	struct store *s;
	int64_t org, person, community, other_community;
};

static int64_t mk_report(struct store *s, int64_t community, int64_t org, int64_t author,
			 enum tlp t, const char *title)
{
	struct core_report r;
	memset(&r, 0, sizeof r);
	r.kind = RK_THREAT;
	r.level = LEVEL_TECHNICAL;
	r.tlp = t;
	r.community_id = community;
	r.source_org_id = org;
	r.author_id = author;
	snprintf(r.title, sizeof r.title, "%s", title);
	assert_int_equal(store_report_create(s, &r, NULL, 0), 0);
	return r.id;
}

static int setup(void **state)
{
	struct fx *f = kr_calloc(1, sizeof *f);
	assert_non_null(f);
	snprintf(f->dir, sizeof f->dir, "/tmp/kring-test-interop-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof f->path, "%s/kring.db", f->dir);
	assert_int_equal(store_open_sqlite(f->path, &f->s), 0);
	struct core_org o;
	memset(&o, 0, sizeof o);
	snprintf(o.name, sizeof o.name, "Org");
	assert_int_equal(store_org_create(f->s, &o), 0);
	f->org = o.id;
	struct core_person p;
	memset(&p, 0, sizeof p);
	snprintf(p.name, sizeof p.name, "Pat");
	snprintf(p.email, sizeof p.email, "pat.person@example.org");
	p.org_id = o.id;
	assert_int_equal(store_person_create(f->s, &p, ""), 0);
	f->person = p.id;
	for (int i = 0; i < 2; i++) {
		struct core_community c;
		memset(&c, 0, sizeof c);
		snprintf(c.name, sizeof c.name, "Community %d", i);
		c.default_tlp = TLP_AMBER;
		assert_int_equal(store_community_create(f->s, &c), 0);
		core_community_release(&c);
		if (i == 0)
			f->community = c.id;
		else
			f->other_community = c.id;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
	store_close(f->s);
	for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
		char p[192];
		snprintf(p, sizeof p, "%s%s", f->path, suffixes[i]);
		unlink(p);
	}
	assert_int_equal(rmdir(f->dir), 0);
	kr_free(f);
	return 0;
}

/* An object row; json is a static text kept by the caller. */
static struct store_stix_object obj(const struct fx *f, const char *type, int n,
				    const char *version, int64_t modified, enum tlp t)
{
	static char json[64][512];
	static int next;
	struct store_stix_object o;
	memset(&o, 0, sizeof o);
	o.community_id = f->community;
	snprintf(o.type, sizeof o.type, "%s", type);
	snprintf(o.stix_id, sizeof o.stix_id, "%s--00000000-0000-4000-8000-%012d", type, n);
	snprintf(o.version, sizeof o.version, "%s", version);
	o.modified = modified;
	o.spec_21 = true;
	char *j = json[next++ % 64];
	snprintf(j, 512, "{\"type\":\"%s\",\"id\":\"%s\",\"v\":\"%s\"}", type, o.stix_id, version);
	o.json = j;
	o.json_len = strlen(j);
	o.tlp = t;
	o.origin = STORE_ORIGIN_IMPORT;
	o.author_id = f->person;
	o.source_org_id = f->org;
	return o;
}

static void test_add_and_find(void **state)
{
	struct fx *f = *state;
	struct store_stix_object a = obj(f, "indicator", 1, "2026-01-01T00:00:00.000Z",
					 1767225600000, TLP_GREEN);
	bool added = false;
	int64_t prev = 0;
	assert_int_equal(store_stix_add(f->s, &a, &added), 0);
	assert_true(added);
	assert_true(a.seq > 0);
	assert_true(a.date_added > 0);
	/* the same id and version again: found, not added */
	struct store_stix_object again = a;
	again.seq = 0;
	assert_int_equal(store_stix_add(f->s, &again, &added), 0);
	assert_false(added);
	assert_int_equal(again.seq, a.seq);
	assert_int_equal(again.date_added, a.date_added);
	/* date_added grows strictly with every new object, however fast */
	prev = a.date_added;
	for (int i = 0; i < 200; i++) {
		struct store_stix_object o = obj(f, "indicator", 100 + i, "2026-01-01T00:00:00.000Z",
						 1767225600000, TLP_GREEN);
		assert_int_equal(store_stix_add(f->s, &o, &added), 0);
		assert_true(added);
		assert_true(o.date_added > prev);
		prev = o.date_added;
	}
	int64_t seq = 0, run = 0;
	assert_int_equal(store_stix_find(f->s, f->community, a.stix_id, a.version, &seq, &run), 0);
	assert_int_equal(seq, a.seq);
	assert_int_equal(run, 0);
	assert_int_equal(store_stix_find(f->s, f->other_community, a.stix_id, a.version, &seq, &run),
			 KR_ENOTFOUND);
	assert_int_equal(store_stix_find(f->s, f->community, a.stix_id, "2020-01-01T00:00:00Z", &seq,
					 &run),
			 KR_ENOTFOUND);
	/* the same object in another community is another row */
	struct store_stix_object b = a;
	b.community_id = f->other_community;
	assert_int_equal(store_stix_add(f->s, &b, &added), 0);
	assert_true(added);
	assert_true(b.seq > a.seq);
	int64_t n = 0;
	assert_int_equal(store_stix_count(f->s, f->community, &n), 0);
	assert_int_equal(n, 201);
}

static void test_refused(void **state)
{
	struct fx *f = *state;
	bool added = true;
	struct store_stix_object o = obj(f, "indicator", 1, "", 0, TLP_GREEN);
	struct store_stix_object bad = o;
	bad.stix_id[0] = '\0';
	assert_int_equal(store_stix_add(f->s, &bad, &added), KR_EINVAL);
	assert_false(added);
	bad = o;
	bad.tlp = TLP__COUNT;
	assert_int_equal(store_stix_add(f->s, &bad, &added), KR_EINVAL);
	bad = o;
	bad.json = NULL;
	assert_int_equal(store_stix_add(f->s, &bad, &added), KR_EINVAL);
	bad = o;
	bad.community_id = 0;
	assert_int_equal(store_stix_add(f->s, &bad, &added), KR_EINVAL);
	bad = o;
	bad.community_id = 9999; /* no such community: the foreign key */
	assert_int_equal(store_stix_add(f->s, &bad, &added), KR_ECONFLICT);
	bad = o;
	bad.nreports = 1;
	bad.reports[0] = 9999; /* no such report */
	assert_int_equal(store_stix_add(f->s, &bad, &added), KR_ECONFLICT);
	/* nothing of the refused adds stayed */
	int64_t n = -1;
	assert_int_equal(store_stix_count(f->s, f->community, &n), 0);
	assert_int_equal(n, 0);
	struct store_stix_query q;
	struct store_stix_object *arr = NULL;
	size_t cnt = 0;
	memset(&q, 0, sizeof q);
	q.community_id = f->community;
	q.nids = STORE_STIX_MATCH_MAX + 1;
	assert_int_equal(store_stix_list(f->s, &q, &arr, &cnt), KR_EINVAL);
	assert_null(arr);
}

static void test_add_many(void **state)
{
	struct fx *f = *state;
	struct store_stix_object v[3];
	bool added[3] = {true, true, true};
	int64_t n = -1;
	v[0] = obj(f, "indicator", 1, "2026-01-01T00:00:00.000Z", 1767225600000, TLP_GREEN);
	v[1] = obj(f, "indicator", 2, "2026-01-01T00:00:00.000Z", 1767225600000, TLP_GREEN);
	v[2] = v[0]; /* the same object twice in one batch */
	assert_int_equal(store_stix_add_many(f->s, v, 3, added), 0);
	assert_true(added[0]);
	assert_true(added[1]);
	assert_false(added[2]);
	assert_int_equal(v[2].seq, v[0].seq);
	assert_true(v[1].date_added > v[0].date_added);
	/* all or none: a bad reference in the last one undoes the first */
	struct store_stix_object w[2];
	w[0] = obj(f, "indicator", 3, "2026-01-01T00:00:00.000Z", 1767225600000, TLP_GREEN);
	w[1] = obj(f, "indicator", 4, "2026-01-01T00:00:00.000Z", 1767225600000, TLP_GREEN);
	w[1].nreports = 1;
	w[1].reports[0] = 424242;
	assert_int_equal(store_stix_add_many(f->s, w, 2, added), KR_ECONFLICT);
	assert_false(added[0]);
	assert_int_equal(store_stix_count(f->s, f->community, &n), 0);
	assert_int_equal(n, 2);
	/* inside the caller's transaction it joins it */
	w[1].nreports = 0;
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_stix_add_many(f->s, w, 2, added), 0);
	assert_int_equal(store_rollback(f->s), 0);
	assert_int_equal(store_stix_count(f->s, f->community, &n), 0);
	assert_int_equal(n, 2);
	w[0].type[0] = '\0';
	assert_int_equal(store_stix_add_many(f->s, w, 2, added), KR_EINVAL);
	assert_int_equal(store_stix_add_many(f->s, w, 0, added), 0);
}

static size_t list(struct fx *f, struct store_stix_query *q, struct store_stix_object **arr)
{
	size_t n = 0;
	*arr = NULL;
	assert_int_equal(store_stix_list(f->s, q, arr, &n), 0);
	return n;
}

static void test_list_filters(void **state)
{
	struct fx *f = *state;
	bool added;
	int64_t r_green = mk_report(f->s, f->community, f->org, f->person, TLP_GREEN, "green");
	int64_t r_red = mk_report(f->s, f->community, f->org, f->person, TLP_RED, "red");
	/* object 1 in three versions, object 2 once, a report, an SCO */
	struct store_stix_object v[6];
	v[0] = obj(f, "indicator", 1, "2026-01-01T00:00:00.000Z", 1767225600000, TLP_GREEN);
	v[1] = obj(f, "indicator", 2, "2026-01-05T00:00:00.000Z", 1767571200000, TLP_AMBER);
	v[2] = obj(f, "indicator", 1, "2026-01-03T00:00:00.000Z", 1767398400000, TLP_GREEN);
	v[3] = obj(f, "report", 3, "2026-01-02T00:00:00.000Z", 1767312000000, TLP_GREEN);
	v[4] = obj(f, "indicator", 1, "2026-01-02T00:00:00.000Z", 1767312000000, TLP_GREEN);
	v[5] = obj(f, "ipv4-addr", 4, "", 0, TLP_AMBER);
	/* object 2 belongs to both reports: the newer one is listed first */
	v[1].nreports = 2;
	v[1].reports[0] = r_red;
	v[1].reports[1] = r_green;
	for (int i = 0; i < 6; i++) {
		assert_int_equal(store_stix_add(f->s, &v[i], &added), 0);
		assert_true(added);
	}
	struct store_stix_query q;
	struct store_stix_object *arr = NULL;
	memset(&q, 0, sizeof q);
	q.community_id = f->community;
	q.limit = 100;
	size_t n = list(f, &q, &arr);
	assert_int_equal(n, 6);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(arr[i].seq, v[i].seq); /* in the order added */
		assert_string_equal(arr[i].json, v[i].json);
		assert_int_equal(arr[i].date_added, v[i].date_added);
	}
	assert_int_equal(arr[1].nreports, 2);
	assert_int_equal(arr[1].reports[0], r_red);
	assert_int_equal(arr[1].reports[1], r_green);
	assert_false(arr[0].latest); /* 2026-01-01 of object 1 */
	assert_true(arr[2].latest);  /* 2026-01-03 of object 1 */
	assert_false(arr[4].latest);
	assert_true(arr[5].latest);
	assert_int_equal(arr[5].tlp, TLP_AMBER);
	assert_int_equal(arr[0].origin, STORE_ORIGIN_IMPORT);
	assert_int_equal(arr[0].author_id, f->person);
	store_stix_free(arr, n);

	q.versions = STORE_STIX_V_LAST;
	n = list(f, &q, &arr);
	assert_int_equal(n, 4);
	assert_string_equal(arr[1].version, "2026-01-03T00:00:00.000Z");
	store_stix_free(arr, n);
	q.versions = STORE_STIX_V_FIRST;
	n = list(f, &q, &arr);
	assert_int_equal(n, 4);
	assert_string_equal(arr[0].version, "2026-01-01T00:00:00.000Z");
	store_stix_free(arr, n);
	q.versions = STORE_STIX_V_FIRST | STORE_STIX_V_LAST;
	q.nids = 1;
	q.ids[0] = v[0].stix_id;
	n = list(f, &q, &arr);
	assert_int_equal(n, 2);
	store_stix_free(arr, n);
	q.versions = 0;
	q.nversion_times = 1;
	q.version_times[0] = 1767312000000; /* 2026-01-02 */
	n = list(f, &q, &arr);
	assert_int_equal(n, 1);
	assert_int_equal(arr[0].seq, v[4].seq);
	store_stix_free(arr, n);

	memset(&q, 0, sizeof q);
	q.community_id = f->community;
	q.limit = 100;
	q.ntypes = 2;
	q.types[0] = "report";
	q.types[1] = "ipv4-addr";
	n = list(f, &q, &arr);
	assert_int_equal(n, 2);
	assert_string_equal(arr[0].type, "report");
	assert_string_equal(arr[1].type, "ipv4-addr");
	store_stix_free(arr, n);

	/* paging: after_seq and limit; added_after in microseconds */
	memset(&q, 0, sizeof q);
	q.community_id = f->community;
	q.limit = 2;
	q.after_seq = v[1].seq;
	n = list(f, &q, &arr);
	assert_int_equal(n, 2);
	assert_int_equal(arr[0].seq, v[2].seq);
	assert_int_equal(arr[1].seq, v[3].seq);
	store_stix_free(arr, n);
	q.after_seq = 0;
	q.limit = 100;
	q.added_after = v[3].date_added;
	n = list(f, &q, &arr);
	assert_int_equal(n, 2);
	assert_int_equal(arr[0].seq, v[4].seq);
	store_stix_free(arr, n);
	q.added_after = v[3].date_added - 1;
	n = list(f, &q, &arr);
	assert_int_equal(n, 3);
	store_stix_free(arr, n);
	/* modified_since: by modified, or by date added when there is none */
	q.added_after = 0;
	q.modified_since = 1767398400000; /* 2026-01-03 */
	n = list(f, &q, &arr);
	assert_int_equal(n, 3); /* 01-05, 01-03 and the SCO added just now */
	store_stix_free(arr, n);
	/* another community sees none of it */
	q.modified_since = 0;
	q.community_id = f->other_community;
	n = list(f, &q, &arr);
	assert_int_equal(n, 0);
	store_stix_free(arr, n);
	/* a link to a known object: only by who brought it */
	struct core_person other;
	memset(&other, 0, sizeof other);
	snprintf(other.name, sizeof other.name, "Mallory");
	snprintf(other.email, sizeof other.email, "mallory.other@example.org");
	other.org_id = f->org;
	assert_int_equal(store_person_create(f->s, &other, ""), 0);
	struct store_stix_object again = v[0];
	again.nreports = 1;
	again.reports[0] = r_green;
	q.community_id = f->community;
	q.nids = 1;
	q.ids[0] = v[0].stix_id;
	q.nversion_times = 1;
	q.version_times[0] = 1767225600000;
	again.author_id = other.id; /* someone else files it under a report */
	again.origin = STORE_ORIGIN_TAXII;
	assert_int_equal(store_stix_add(f->s, &again, &added), 0);
	assert_false(added);
	again.author_id = f->person; /* kring's own form is not an import */
	again.origin = STORE_ORIGIN_KRING;
	assert_int_equal(store_stix_add(f->s, &again, &added), 0);
	n = list(f, &q, &arr);
	assert_int_equal(n, 1);
	assert_int_equal(arr[0].nreports, 0);
	store_stix_free(arr, n);
	again.origin = STORE_ORIGIN_TAXII; /* the one who brought it */
	assert_int_equal(store_stix_add(f->s, &again, &added), 0);
	assert_false(added);
	n = list(f, &q, &arr);
	assert_int_equal(n, 1);
	assert_int_equal(arr[0].nreports, 1);
	assert_int_equal(arr[0].reports[0], r_green);
	store_stix_free(arr, n);
}

static void test_imported_and_runs(void **state)
{
	struct fx *f = *state;
	int64_t rep = mk_report(f->s, f->community, f->org, f->person, TLP_AMBER, "imported");
	int64_t id = 0;
	struct core_report got;
	memset(&got, 0, sizeof got);
	assert_int_equal(store_report_get(f->s, rep, &got), 0);
	assert_int_equal(store_report_id_by_uuid(f->s, got.uuid, &id), 0);
	assert_int_equal(id, rep);
	core_report_release(&got);
	assert_int_equal(store_report_id_by_uuid(f->s, "00000000-0000-4000-8000-000000000000", &id),
			 KR_ENOTFOUND);

	struct store_import_run run, again, read;
	bool resumed = true;
	memset(&run, 0, sizeof run);
	memset(run.sha256, 'a', 64);
	snprintf(run.name, sizeof run.name, "bundle.json");
	run.format = STORE_FORMAT_STIX;
	run.community_id = f->community;
	run.person_id = f->person;
	run.total = 10;
	assert_int_equal(store_import_run_start(f->s, &run, &resumed), 0);
	assert_false(resumed);
	assert_true(run.id > 0);
	run.done = 4;
	run.nobjects = 4;
	assert_int_equal(store_import_run_progress(f->s, &run), 0);
	run.done = 11; /* past total */
	assert_int_equal(store_import_run_progress(f->s, &run), KR_EINVAL);
	run.done = 4;
	/* the same file, community and person again: the run is resumed */
	again = run;
	again.id = 0;
	again.done = 0;
	assert_int_equal(store_import_run_start(f->s, &again, &resumed), 0);
	assert_true(resumed);
	assert_int_equal(again.id, run.id);
	assert_int_equal(again.done, 4);
	assert_int_equal(again.nobjects, 4);
	assert_string_equal(again.name, "bundle.json");
	/* another community: another run */
	again = run;
	again.community_id = f->other_community;
	assert_int_equal(store_import_run_start(f->s, &again, &resumed), 0);
	assert_false(resumed);
	assert_true(again.id != run.id);
	run.done = 10;
	assert_int_equal(store_import_run_finish(f->s, &run), 0);
	assert_int_equal(store_import_run_get(f->s, run.id, &read), 0);
	assert_true(read.finished);
	assert_int_equal(read.done, 10);
	assert_true(read.finish_time > 0);
	/* once done, the same file starts a new run */
	again = run;
	assert_int_equal(store_import_run_start(f->s, &again, &resumed), 0);
	assert_false(resumed);
	assert_true(again.id != run.id);
	memset(again.sha256, 'X', 64);
	assert_int_equal(store_import_run_start(f->s, &again, &resumed), KR_EINVAL);

	struct store_imported_report ir, out;
	memset(&ir, 0, sizeof ir);
	ir.report_id = rep;
	ir.format = STORE_FORMAT_MISP;
	ir.version = 1;
	ir.run_id = run.id;
	ir.raw = (char *)"{\"Event\":{}}";
	ir.raw_len = strlen(ir.raw);
	ir.raw_tlp = TLP_RED;
	assert_int_equal(store_imported_report_add(f->s, &ir), 0);
	assert_int_equal(store_imported_report_add(f->s, &ir), KR_ECONFLICT);
	assert_int_equal(store_imported_report_get(f->s, rep, &out), 0);
	assert_int_equal(out.format, STORE_FORMAT_MISP);
	assert_int_equal(out.raw_tlp, TLP_RED);
	assert_int_equal(out.run_id, run.id);
	assert_string_equal(out.raw, "{\"Event\":{}}");
	store_imported_report_release(&out);
	assert_null(out.raw);
	assert_int_equal(store_imported_report_get(f->s, rep + 1000, &out), KR_ENOTFOUND);
	ir.raw_tlp = -1; /* a raw event needs its label */
	ir.report_id = mk_report(f->s, f->community, f->org, f->person, TLP_AMBER, "other");
	assert_int_equal(store_imported_report_add(f->s, &ir), KR_EINVAL);
}

static void test_marks_and_changes(void **state)
{
	struct fx *f = *state;
	int64_t rm = -1, cm = -1, rmax = 0, cmax = 0;
	assert_int_equal(store_stix_marks_get(f->s, f->community, &rm, &cm), 0);
	assert_int_equal(rm, 0);
	assert_int_equal(cm, 0);
	int64_t a = mk_report(f->s, f->community, f->org, f->person, TLP_GREEN, "a");
	int64_t b = mk_report(f->s, f->community, f->org, f->person, TLP_GREEN, "b");
	int64_t c = mk_report(f->s, f->other_community, f->org, f->person, TLP_GREEN, "c");
	int64_t d = mk_report(f->s, f->community, f->org, f->person, TLP_GREEN, "from stix");
	struct store_imported_report ir;
	memset(&ir, 0, sizeof ir);
	ir.report_id = d;
	ir.format = STORE_FORMAT_STIX;
	ir.version = 1;
	ir.raw_tlp = -1;
	assert_int_equal(store_imported_report_add(f->s, &ir), 0);
	assert_int_equal(store_stix_marks_probe(f->s, &rmax, &cmax), 0);
	assert_true(rmax > 0);
	assert_int_equal(cmax, 0);
	int64_t *ids = NULL;
	size_t n = 0;
	assert_int_equal(store_stix_changed_reports(f->s, f->community, 0, 0, 0, 100, &ids, &n), 0);
	assert_int_equal(n, 2); /* a and b; c is elsewhere, d came from STIX */
	assert_int_equal(ids[0], a);
	assert_int_equal(ids[1], b);
	kr_free(ids);
	assert_int_equal(store_stix_changed_reports(f->s, f->community, 0, 0, a, 100, &ids, &n), 0);
	assert_int_equal(n, 1);
	kr_free(ids);
	assert_int_equal(store_stix_marks_set(f->s, f->community, rmax + 60000, cmax), 0);
	assert_int_equal(store_stix_marks_get(f->s, f->community, &rm, &cm), 0);
	assert_int_equal(rm, rmax + 60000);
	/* nothing changed since a mark far ahead ... */
	assert_int_equal(store_stix_changed_reports(f->s, f->community, rmax + 60000, cmax, 0, 100,
						    &ids, &n),
			 0);
	assert_int_equal(n, 0);
	kr_free(ids);
	/* ... but a comment on b is a change of b */
	struct core_comment cc;
	memset(&cc, 0, sizeof cc);
	cc.report_id = b;
	cc.author_id = f->person;
	cc.org_id = f->org;
	cc.tlp = TLP_GREEN;
	cc.body = (char *)"a comment";
	assert_int_equal(store_comment_create(f->s, &cc), 0);
	assert_int_equal(store_stix_changed_reports(f->s, f->community, rmax + 60000, cmax, 0, 100,
						    &ids, &n),
			 0);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], b);
	kr_free(ids);
	assert_int_equal(store_stix_marks_probe(f->s, &rmax, &cmax), 0);
	assert_int_equal(cmax, cc.id);
	(void)c;
}

static void test_status_and_generation(void **state)
{
	struct fx *f = *state;
	uint64_t g1 = 0, g2 = 0, g3 = 0;
	assert_int_equal(store_interop_generation(f->s, &g1), 0);
	assert_int_equal(store_interop_generation(f->s, &g2), 0);
	assert_true(g1 == g2); /* reading changes nothing */
	const char *id = "0b0c2f4e-3c1d-4e7f-8a9b-0c1d2e3f4a5b";
	assert_int_equal(store_taxii_status_add(f->s, id, f->community, f->person, "{\"a\":1}"), 0);
	assert_int_equal(store_taxii_status_add(f->s, id, f->community, f->person, "{}"),
			 KR_ECONFLICT);
	assert_int_equal(store_taxii_status_add(f->s, "NOT-A-UUID", f->community, f->person, "{}"),
			 KR_ECONFLICT);
	assert_int_equal(store_interop_generation(f->s, &g3), 0);
	assert_true(g3 != g2); /* a write changes it */
	int64_t comm = 0, person = 0;
	char *json = NULL;
	assert_int_equal(store_taxii_status_get(f->s, id, &comm, &person, &json), 0);
	assert_int_equal(comm, f->community);
	assert_int_equal(person, f->person);
	assert_string_equal(json, "{\"a\":1}");
	kr_free(json);
	assert_int_equal(store_taxii_status_get(f->s, "1b0c2f4e-3c1d-4e7f-8a9b-0c1d2e3f4a5b", &comm,
						&person, &json),
			 KR_ENOTFOUND);
	assert_null(json);
	/* a change made through another connection moves it too */
	struct store *other = NULL;
	assert_int_equal(store_open_sqlite(f->path, &other), 0);
	assert_int_equal(store_taxii_status_add(other, "2b0c2f4e-3c1d-4e7f-8a9b-0c1d2e3f4a5b",
						f->community, f->person, "{}"),
			 0);
	store_close(other);
	uint64_t g4 = 0;
	assert_int_equal(store_interop_generation(f->s, &g4), 0);
	assert_true(g4 != g3);
}

static void test_schema(void **state)
{
	struct fx *f = *state;
	int v = 0;
	assert_int_equal(store_schema_version(f->s, &v), 0);
	assert_true(v >= 2);
	assert_string_equal(store_stix_origin_name(STORE_ORIGIN_TAXII), "taxii");
	assert_string_equal(store_stix_origin_name(STORE_ORIGIN__COUNT), "unknown");
	assert_string_equal(store_import_format_name(STORE_FORMAT_MISP), "misp");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_schema, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_and_find, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_many, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_imported_and_runs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_marks_and_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_and_generation, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
