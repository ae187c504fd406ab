/* outbox.c - the outbox worker: each due message is marked sending
 * (committed), handed to the SMTP relay, and marked sent, rescheduled with
 * back-off or failed. See deliver.h for what survives a crash. */
#include "deliver/deliver.h"
#include "util/err.h"
#include "util/hash.h"
#include "util/random.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <string.h>

#include "util/banned.h"

int deliver_outbox_message(const struct deliver_config *c, const struct store_outbox *o,
                           const char *token, struct strbuf *out)
{
	struct strbuf text;
	char url[512];
	char mid[160];
	int r = 0;
	if (!c || !o || !o->body_text || !out)
		return KR_EINVAL;
	const char *domain = strchr(c->from_addr, '@');
	strbuf_init(&text, 0);
	snprintf(mid, sizeof mid, "kring-notify-%s@%s", o->dedup_key,
	         domain && domain[1] ? domain + 1 : "localhost");
	if (token)
		snprintf(url, sizeof url, "%s/api/v1/notify/ack/%s", c->notify_url, token);
	else
		snprintf(url, sizeof url, "%s", NOTIFY_ACK_PLACEHOLDER);
	/* the link goes where the text keeps its place */
	const char *p = o->body_text;
	const size_t pl = strlen(NOTIFY_ACK_PLACEHOLDER);
	for (const char *hit; !r && (hit = strstr(p, NOTIFY_ACK_PLACEHOLDER)) != NULL;
	     p = hit + pl) {
		r = strbuf_add(&text, p, (size_t)(hit - p));
		if (!r)
			r = strbuf_adds(&text, url);
	}
	if (!r)
		r = strbuf_adds(&text, p);
	if (r)
		goto out;
	struct notify_mime m = {
	    .from = c->from,
	    .to = o->recipients,
	    .subject = o->subject,
	    .message_id = mid,
	    .date_ms = time_now_ms(),
	    .tlp = o->tlp,
	    .text = text.buf ? text.buf : "",
	    .text_len = text.len,
	    .csv = o->csv,
	    .csv_len = strlen(o->csv ? o->csv : ""),
	    .csv_name = "findings.csv",
	    .stix = o->stix,
	    .stix_len = strlen(o->stix ? o->stix : ""),
	    .stix_name = "findings.stix.json",
	};
	r = notify_mime_build(&m, out);
out:
	strbuf_release(&text);
	return r;
}

/* Sends message id once; counts the outcome. */
static int send_one(struct store *s, const struct deliver_config *c, int64_t id,
                    struct deliver_send_stats *st, int64_t *run_id, char *err, size_t errlen)
{
	struct store_outbox o;
	struct strbuf msg;
	char token[65], hash[65], smtp_err[256];
	int r = store_outbox_get(s, id, &o);
	if (r) {
		snprintf(err, errlen, "cannot read message %lld: %s", (long long)id,
		         store_errmsg(s));
		return r;
	}
	strbuf_init(&msg, 0);
	*run_id = o.run_id;
	bool in_doubt = o.state == STORE_OUTBOX_SENDING;
	/* A fresh token per attempt; only its hash is kept. */
	random_hex(token, 32);
	hash_sha256_hex(token, strlen(token), hash);
	r = deliver_outbox_message(c, &o, token, &msg);
	if (r) {
		/* a message that cannot be built never will be */
		r = store_outbox_mark_failed(s, id, "the message could not be built");
		st->failed++;
		goto out;
	}
	r = store_outbox_mark_sending(s, id, hash);
	if (r) {
		snprintf(err, errlen, "cannot mark message %lld as sending: %s", (long long)id,
		         store_errmsg(s));
		goto out;
	}
	if (in_doubt)
		st->resent_in_doubt++;
	int sr = deliver_smtp_send(c, o.recipients, msg.buf, msg.len, smtp_err, sizeof smtp_err);
	if (sr == 0) {
		r = store_outbox_mark_sent(s, id, time_now_ms());
		st->sent++;
	} else if (sr == KR_EIO && o.attempts + 1 < c->max_attempts) {
		int64_t next = time_now_ms() + deliver_backoff_ms(c, o.attempts + 1);
		r = store_outbox_mark_retry(s, id, next, smtp_err);
		st->deferred++;
	} else {
		r = store_outbox_mark_failed(s, id, smtp_err);
		st->failed++;
	}
	if (r)
		snprintf(err, errlen, "cannot record the outcome of message %lld: %s",
		         (long long)id, store_errmsg(s));
out:
	strbuf_release(&msg);
	store_outbox_release(&o);
	return r;
}

int deliver_outbox_drain(struct store *s, const struct deliver_config *c, int64_t run_id,
                         bool ignore_schedule, int64_t max, deliver_progress_fn progress,
                         void *progress_ctx, struct deliver_send_stats *st, char *err,
                         size_t errlen)
{
	int64_t tried = 0, total = 0, last_run = 0;
	int r = 0;
	if (errlen)
		err[0] = '\0';
	if (!s || !c || !st)
		return KR_EINVAL;
	memset(st, 0, sizeof *st);
	if (run_id) {
		struct store_notify_run run;
		if (store_notify_run_get(s, run_id, &run) == 0)
			total = run.n_queued + run.n_sending;
	}
	/* With ignore_schedule a failing message comes straight back, at most
	 * max_attempts times before it fails. */
	while (max <= 0 || tried < max) {
		int64_t id = 0, msg_run = 0;
		r = store_outbox_next(s, run_id, time_now_ms(), ignore_schedule, &id);
		if (r == KR_ENOTFOUND) {
			r = 0;
			break;
		}
		if (r) {
			snprintf(err, errlen, "cannot read the outbox: %s", store_errmsg(s));
			break;
		}
		r = send_one(s, c, id, st, &msg_run, err, errlen);
		if (r)
			break;
		tried++;
		if (last_run && msg_run != last_run) {
			bool done = false;
			r = store_notify_run_settle(s, last_run, &done);
			if (r)
				break;
		}
		last_run = msg_run;
		if (progress)
			progress(progress_ctx, "sending", (uint64_t)tried,
			         (uint64_t)(total > tried ? total : tried));
	}
	if (!r && last_run) {
		bool done = false;
		r = store_notify_run_settle(s, last_run, &done);
	}
	if (!r && run_id) {
		bool done = false;
		r = store_notify_run_settle(s, run_id, &done);
	}
	return r;
}
