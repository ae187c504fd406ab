/* run.c - a notification run: the registry from the store, then input ->
 * events -> matches -> per recipient and route -> de-duplicated ->
 * rendered -> queued, all in one transaction. */
#include "deliver/deliver.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/timeutil.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

#define READ_BLOCK ((size_t)64 * 1024)
#define ORG_PAGE   1000

/* ---- the registry ---- */

struct load {
	struct notify_registry *g;
	size_t skipped;
};

static int on_registration(void *ctx, const struct store_registration *reg)
{
	struct load *l = ctx;
	int r;
	switch (reg->kind) {
	case STORE_REG_PREFIX:
		r = notify_registry_add_prefix(l->g, reg->org_id, reg->value);
		break;
	case STORE_REG_ASN:
		r = notify_registry_add_asn(l->g, reg->org_id,
		                            (uint32_t)strtoul(reg->value, NULL, 10));
		break;
	case STORE_REG_DOMAIN:
		r = notify_registry_add_domain(l->g, reg->org_id, reg->value);
		break;
	case STORE_REG_PRODUCT:
		r = notify_registry_add_product(l->g, reg->org_id, reg->vendor, reg->product,
		                                reg->min_version, reg->max_version);
		break;
	case STORE_REG_CPE:
		r = notify_registry_add_cpe(l->g, reg->org_id, reg->value);
		break;
	default:
		r = KR_EINVAL;
		break;
	}
	/* One unusable row never blocks every other organisation's
	 * notifications; it is counted for the operator. */
	if (r == KR_EINVAL || r == KR_ECONFLICT) {
		l->skipped++;
		r = 0;
	}
	return r;
}

static int on_route(void *ctx, const struct store_route *rt)
{
	struct load *l = ctx;
	int r = notify_registry_add_route(l->g, rt->org_id, (enum notify_route)rt->kind,
	                                  rt->via_org_id);
	return r == KR_EINVAL ? 0 : r;
}

static int on_contact(void *ctx, const struct store_contact *sc)
{
	struct load *l = ctx;
	struct notify_contact c;
	memset(&c, 0, sizeof c);
	snprintf(c.name, sizeof c.name, "%s", sc->name);
	snprintf(c.email, sizeof c.email, "%s", sc->email);
	c.lang = sc->lang;
	int r = notify_registry_add_contact(l->g, sc->org_id, &c);
	return r == KR_EINVAL ? 0 : r;
}

int deliver_registry_load(struct store *s, struct notify_registry **out, size_t *skipped)
{
	struct load l = {0};
	struct core_org *orgs = NULL;
	size_t n = 0;
	*out = NULL;
	int r = notify_registry_new(&l.g);
	if (r)
		return r;
	struct store_org_filter f = {.kind = -1, .limit = ORG_PAGE};
	for (;;) {
		r = store_org_list(s, &f, &orgs, &n);
		if (r)
			goto out;
		for (size_t i = 0; !r && i < n; i++) {
			r = notify_registry_add_org(l.g, orgs[i].id, orgs[i].name, orgs[i].kind);
			f.before_id = orgs[i].id;
		}
		store_org_free(orgs, n);
		orgs = NULL;
		if (r || n < ORG_PAGE)
			break;
	}
	if (!r)
		r = store_registration_each(s, on_registration, &l);
	if (!r)
		r = store_route_each(s, on_route, &l);
	if (!r)
		r = store_contact_each(s, on_contact, &l);
	if (!r)
		r = notify_registry_build(l.g);
out:
	if (r) {
		notify_registry_free(l.g);
		return r;
	}
	if (skipped)
		*skipped = l.skipped;
	*out = l.g;
	return 0;
}

/* ---- matching ---- */

struct prep {
	struct store *s;
	const struct deliver_config *c;
	const struct deliver_run_options *o;
	const struct notify_registry *g;
	struct notify_input *in;
	struct store_match_writer *w;
	struct store_notify_run *run;
	struct deliver_run_summary *sum;
	int64_t seq;
	int64_t reject_seq;
	bool row_matched;
	const struct notify_event *ev;
	struct strbuf fields;
	int64_t now;
};

static int on_victim(void *ctx, int64_t victim, const char *subject, enum ind_type type)
{
	struct prep *p = ctx;
	const struct notify_event *ev = p->ev;
	char key[65];
	notify_row_key(ev->type, subject, ev->port, ev->detail, key);
	struct store_notify_match m = {
	    .run_id = p->run->id,
	    .victim_org_id = victim,
	    .seq = ++p->seq,
	    .row = (int64_t)ev->row,
	    .event_type = ev->type,
	    .category = ev->category ? ev->category : "",
	    .subject = subject,
	    .subject_type = ind_type_name(type),
	    .row_key = key,
	    .at = ev->time_ms,
	    .fields = p->fields.buf ? p->fields.buf : "",
	};
	int r = store_match_writer_add(p->w, &m);
	if (r == KR_ECONFLICT) {
		p->run->rows_duplicate++;
		return 0;
	}
	if (!r)
		p->row_matched = true;
	return r;
}

static void progress(struct prep *p, const char *phase, uint64_t done, uint64_t total)
{
	if (p->o->progress)
		p->o->progress(p->o->progress_ctx, phase, done, total);
}

static int on_event(void *ctx, const struct notify_event *ev)
{
	struct prep *p = ctx;
	strbuf_reset(&p->fields);
	int r = notify_csv_line(&p->fields, ev->field, ev->nfields);
	if (r)
		return r;
	p->ev = ev;
	p->row_matched = false;
	r = notify_match(p->g, ev, on_victim, p);
	p->ev = NULL;
	if (r == KR_ENOTFOUND || (!r && !p->row_matched)) {
		if (r == KR_ENOTFOUND)
			p->run->rows_unmatched++;
		return 0;
	}
	if (r == KR_EINVAL) {
		/* the reader let through a row without a usable subject */
		p->run->rows_unmatched++;
		return 0;
	}
	if (!r)
		p->run->rows_matched++;
	return r;
}

static int on_reject(void *ctx, uint64_t row, uint64_t line, const char *reason)
{
	struct prep *p = ctx;
	struct store_notify_reject rj;
	memset(&rj, 0, sizeof rj);
	rj.row = (int64_t)row;
	rj.line = (int64_t)line;
	snprintf(rj.reason, sizeof rj.reason, "%s", reason ? reason : "rejected");
	if (p->sum->nrejects < DELIVER_REJECTS_SHOWN)
		p->sum->rejects[p->sum->nrejects++] = rj;
	return store_notify_reject_add(p->s, p->run->id, ++p->reject_seq, &rj);
}

static int read_input(struct prep *p, const struct deliver_source *src)
{
	char *buf = kr_malloc(READ_BLOCK);
	uint64_t done = 0;
	int r = 0;
	if (!buf)
		return KR_ENOMEM;
	for (;;) {
		size_t got = 0;
		r = src->read(src->ctx, buf, READ_BLOCK, &got);
		if (r || got == 0)
			break;
		done += got;
		r = notify_input_feed(p->in, buf, got);
		progress(p, "matching", done, src->total);
		if (r)
			break;
	}
	if (!r)
		r = notify_input_finish(p->in);
	/* An input that cannot be read as a whole (an unusable header, a STIX
	 * document that is not STIX) is a run with that rejection. */
	if (r == KR_EINVAL || r == KR_ELIMIT)
		r = 0;
	kr_free(buf);
	return r;
}

/* ---- aggregation ---- */

struct target {
	int64_t recipient;
	enum notify_route route;
	enum tlp tlp;
	int64_t victim;
};

static int cmp_target(const void *a, const void *b)
{
	const struct target *x = a, *y = b;
	if (x->recipient != y->recipient)
		return x->recipient < y->recipient ? -1 : 1;
	if (x->route != y->route)
		return x->route < y->route ? -1 : 1;
	return x->victim < y->victim ? -1 : x->victim > y->victim;
}

/* Sent-log keys of the rows in the batch being built. */
struct keys {
	char (*k)[65];
	size_t n, cap;
};

struct fill {
	struct prep *p;
	struct notify_batch *b;
	const struct target *t;
	const struct notify_org *victim;
	struct keys *keys;
	bool count_suppressed; /* only the first language counts a row once */
};

static int on_match(void *ctx, const struct store_notify_match *m)
{
	struct fill *f = ctx;
	struct prep *p = f->p;
	char key[65];
	notify_sent_key(f->t->recipient, f->t->route, m->victim_org_id, m->row_key, key);
	if (p->c->dedup_window_ms > 0) {
		bool seen = false;
		int r = store_sentlog_seen(p->s, key, p->now - p->c->dedup_window_ms, p->run->id,
		                           &seen);
		if (r)
			return r;
		if (seen) {
			if (f->count_suppressed)
				p->run->rows_suppressed++;
			return 0;
		}
	}
	int t = ind_type_parse(m->subject_type);
	struct notify_row row = {
	    .victim = f->victim,
	    .event_type = m->event_type,
	    .category = m->category,
	    .subject = m->subject,
	    .subject_type = t < 0 ? IND_IPV4 : (enum ind_type)t,
	    .at = m->at,
	    .fields = m->fields,
	};
	int r = notify_batch_add(f->b, &row);
	if (r == KR_ELIMIT) {
		/* over the size of one message: left for a later run */
		if (f->count_suppressed)
			p->run->rows_truncated++;
		return 0;
	}
	if (r)
		return r;
	if (f->keys->n == f->keys->cap) {
		size_t cap = f->keys->cap ? f->keys->cap * 2 : 256;
		void *nk = kr_realloc(f->keys->k, cap * sizeof *f->keys->k);
		if (!nk)
			return KR_ENOMEM;
		f->keys->k = nk;
		f->keys->cap = cap;
	}
	memcpy(f->keys->k[f->keys->n++], key, 65);
	return 0;
}

/* A uuid made from a hex key (for the STIX report of a message). */
static void uuid_of(const char *hex, char out[37])
{
	snprintf(out, 37, "%.8s-%.4s-5%.3s-%c%.3s-%.12s", hex, hex + 8, hex + 13,
	         "89ab"[(hex[16] >= 'a' ? hex[16] - 'a' + 10 : hex[16] - '0') & 3], hex + 17,
	         hex + 20);
}

/* The addresses of the contacts in one language, comma-separated. */
static int contacts_of(const struct notify_org *o, enum lang lang, char *out, size_t n)
{
	size_t len = 0;
	out[0] = '\0';
	for (size_t i = 0; i < o->ncontacts; i++) {
		if (o->contacts[i].lang != lang)
			continue;
		int w = snprintf(out + len, n - len, "%s%s", len ? ", " : "", o->contacts[i].email);
		if (w < 0 || (size_t)w >= n - len)
			return KR_ELIMIT;
		len += (size_t)w;
	}
	return 0;
}

/* One message for targets [t, t + n) (one recipient and route) in lang. */
static int queue_one(struct prep *p, const struct notify_catalogue *cat, const struct target *t,
                     size_t n, const struct notify_org *rorg, enum lang lang, bool first_lang,
                     bool *queued)
{
	struct notify_batch *b = NULL;
	struct notify_message msg;
	struct keys keys = {0};
	struct store_outbox ob;
	char mkey[65], uuid[37];
	int r;

	*queued = false;
	memset(&msg, 0, sizeof msg);
	memset(&ob, 0, sizeof ob);
	notify_message_key(p->run->input_hash, t->recipient, t->route, lang, mkey);
	uuid_of(mkey, uuid);
	struct notify_batch_info info = {
	    .recipient = rorg,
	    .route = t->route,
	    .tlp = t->tlp,
	    .lang = lang,
	    .columns = notify_input_columns(p->in),
	    .input_name = p->run->input_name,
	    .sender = p->c->sender,
	    .uuid = uuid,
	    .now = p->now,
	};
	r = notify_batch_new(&info, &b);
	for (size_t i = 0; !r && i < n; i++) {
		struct fill f = {.p = p,
		                 .b = b,
		                 .t = &t[i],
		                 .keys = &keys,
		                 .victim = notify_registry_org(p->g, t[i].victim),
		                 .count_suppressed = first_lang};
		if (!f.victim)
			continue;
		r = store_notify_match_each(p->s, p->run->id, t[i].victim, on_match, &f);
	}
	if (r || notify_batch_rows(b) == 0)
		goto out;
	r = notify_batch_render(b, cat, &msg);
	if (r)
		goto out;
	memcpy(ob.dedup_key, mkey, 65);
	ob.run_id = p->run->id;
	ob.recipient_org_id = t->recipient;
	ob.route = (enum store_route_kind)t->route;
	ob.lang = lang;
	ob.tlp = t->tlp;
	r = contacts_of(rorg, lang, ob.recipients, sizeof ob.recipients);
	if (r)
		goto out;
	snprintf(ob.subject, sizeof ob.subject, "%s", msg.subject);
	ob.body_text = msg.text;
	ob.csv = msg.csv;
	ob.stix = msg.stix;
	ob.nrows = (int64_t)notify_batch_rows(b);
	ob.created = p->now;
	r = store_outbox_add(p->s, &ob);
	for (size_t i = 0; !r && i < keys.n; i++)
		r = store_sentlog_add(p->s, keys.k[i], ob.id, p->now);
	if (!r)
		*queued = true;
out:
	notify_message_release(&msg);
	notify_batch_free(b);
	kr_free(keys.k);
	return r;
}

static int queue_all(struct prep *p, const struct notify_catalogue *cat)
{
	int64_t *victims = NULL;
	size_t nvictims = 0;
	struct target *t = NULL;
	size_t nt = 0, cap = 0;
	int r = store_notify_match_victims(p->s, p->run->id, &victims, &nvictims);
	if (r)
		return r;
	p->run->victims = (int64_t)nvictims;
	for (size_t i = 0; !r && i < nvictims; i++) {
		struct notify_recipient rc[NOTIFY_RECIPIENTS_MAX];
		size_t n = 0;
		r = notify_recipients(p->g, victims[i], rc, NOTIFY_RECIPIENTS_MAX, &n);
		if (r == KR_ELIMIT)
			r = 0; /* the first ones are told */
		if (!r && n == 0)
			p->run->unroutable++;
		for (size_t k = 0; !r && k < n; k++) {
			if (nt == cap) {
				size_t ncap = cap ? cap * 2 : 64;
				void *q = kr_realloc(t, ncap * sizeof *t);
				if (!q) {
					r = KR_ENOMEM;
					break;
				}
				t = q;
				cap = ncap;
			}
			t[nt++] = (struct target){.recipient = rc[k].org_id,
			                          .route = rc[k].route,
			                          .tlp = rc[k].tlp,
			                          .victim = victims[i]};
		}
	}
	if (r)
		goto out;
	if (nt > 1)
		qsort(t, nt, sizeof *t, cmp_target);
	size_t groups = 0, done = 0;
	for (size_t i = 0; i < nt; i = i + 1) {
		if (i == 0 || t[i].recipient != t[i - 1].recipient || t[i].route != t[i - 1].route)
			groups++;
	}
	for (size_t i = 0; !r && i < nt;) {
		size_t j = i;
		while (j < nt && t[j].recipient == t[i].recipient && t[j].route == t[i].route)
			j++;
		const struct notify_org *rorg = notify_registry_org(p->g, t[i].recipient);
		bool any = false, first = true;
		if (!rorg || rorg->ncontacts == 0) {
			/* nobody to write to on this route */
			p->run->unroutable++;
		} else {
			for (int l = 0; !r && l < LANG__COUNT; l++) {
				bool has = false, queued = false;
				for (size_t k = 0; k < rorg->ncontacts; k++)
					has = has || rorg->contacts[k].lang == (enum lang)l;
				if (!has)
					continue;
				r = queue_one(p, cat, &t[i], j - i, rorg, (enum lang)l, first,
				              &queued);
				first = false;
				if (queued) {
					any = true;
					p->run->notifications++;
				}
			}
		}
		if (any)
			p->run->recipients++;
		progress(p, "queueing", ++done, groups);
		i = j;
	}
out:
	kr_free(victims);
	kr_free(t);
	return r;
}

int deliver_run_prepare(struct store *s, const struct deliver_config *c,
                        const struct notify_catalogue *cat, const struct deliver_run_options *o,
                        const struct deliver_source *src, struct deliver_run_summary *out,
                        char *err, size_t errlen)
{
	struct notify_registry *g = NULL;
	struct prep p;
	struct store_notify_reject *rj = NULL;
	size_t nrj = 0;
	bool tx = false;
	int r;

	memset(&p, 0, sizeof p);
	strbuf_init(&p.fields, NOTIFY_LINE_MAX * 2);
	if (errlen)
		err[0] = '\0';
	if (!s || !c || !cat || !o || !o->input_hash || strlen(o->input_hash) != 64 || !src ||
	    !src->read || !out)
		return KR_EINVAL;
	memset(out, 0, sizeof *out);

	r = store_notify_run_find(s, o->input_hash, &out->run);
	if (r == 0) {
		out->existing = true;
		r = store_notify_reject_list(s, out->run.id, &rj, &nrj);
		for (size_t i = 0; !r && i < nrj && i < DELIVER_REJECTS_SHOWN; i++)
			out->rejects[out->nrejects++] = rj[i];
		store_notify_reject_free(rj);
		goto out;
	}
	if (r != KR_ENOTFOUND) {
		snprintf(err, errlen, "cannot read the runs: %s", store_errmsg(s));
		goto out;
	}
	p.s = s;
	p.c = c;
	p.o = o;
	p.sum = out;
	p.run = &out->run;
	p.now = o->now ? o->now : time_now_ms();

	struct notify_input_options io = {.type = o->type, .name = o->input_name};
	struct notify_input_handler h = {.event = on_event, .reject = on_reject, .ctx = &p};
	r = notify_input_new(&io, &h, &p.in);
	if (r) {
		snprintf(err, errlen, r == KR_EINVAL ? "unknown --type '%.60s'" : "out of memory",
		         o->type ? o->type : "");
		goto out;
	}
	/* Everything from here on is one transaction: the run exists whole or
	 * not at all. */
	r = store_begin(s);
	if (r) {
		snprintf(err, errlen, "cannot start a transaction: %s", store_errmsg(s));
		goto out;
	}
	tx = true;
	r = deliver_registry_load(s, &g, &out->skipped_registrations);
	if (r) {
		snprintf(err, errlen, "cannot load the constituency registry: %s", kr_strerror(r));
		goto out;
	}
	p.g = g;
	memcpy(out->run.input_hash, o->input_hash, 65);
	snprintf(out->run.input_name, sizeof out->run.input_name, "%s",
	         o->input_name ? o->input_name : "");
	out->run.state = STORE_RUN_MATCHING;
	out->run.person_id = o->person_id;
	out->run.created = p.now;
	r = store_notify_run_create(s, &out->run);
	if (!r && c->dedup_window_ms > 0)
		r = store_sentlog_purge(s, p.now - c->dedup_window_ms);
	if (!r)
		r = store_match_writer_new(s, &p.w);
	if (!r)
		r = read_input(&p, src);
	if (r) {
		snprintf(err, errlen, "cannot match the input: %s", kr_strerror(r));
		goto out;
	}
	struct notify_input_stats st;
	notify_input_stats(p.in, &st);
	out->run.bytes = (int64_t)st.bytes;
	out->run.rows_read = (int64_t)st.rows;
	out->run.rows_rejected = (int64_t)st.rejected;
	snprintf(out->run.input_format, sizeof out->run.input_format, "%s",
	         notify_format_name(notify_input_format(p.in)));
	snprintf(out->run.event_type, sizeof out->run.event_type, "%s", notify_input_type(p.in));
	store_match_writer_free(p.w);
	p.w = NULL;
	r = queue_all(&p, cat);
	if (r) {
		snprintf(err, errlen, "cannot queue the notifications: %s", kr_strerror(r));
		goto out;
	}
	out->run.state = out->run.notifications ? STORE_RUN_QUEUED : STORE_RUN_DONE;
	out->run.finished = out->run.notifications ? 0 : p.now;
	out->run.n_queued = out->run.notifications;
	r = store_notify_run_update(s, &out->run);
	if (r) {
		snprintf(err, errlen, "cannot save the run: %s", store_errmsg(s));
		goto out;
	}
	if (o->dry_run) {
		store_rollback(s);
		tx = false;
		out->run.id = 0;
		goto out;
	}
	r = store_commit(s);
	tx = false;
	if (r)
		snprintf(err, errlen, "cannot commit the run: %s", store_errmsg(s));
out:
	if (tx)
		store_rollback(s);
	store_match_writer_free(p.w);
	notify_input_free(p.in);
	notify_registry_free(g);
	strbuf_release(&p.fields);
	return r;
}
