/* store.c - the public store_* functions: argument checks, list limits and
 * dispatch to the backend's struct store_ops; the *_free helpers.
 *
 * List functions empty their out parameters first, so that a caller may
 * free them whatever the status. */
#include "store/store.h"
#include "store/store_backend.h"
#include "util/alloc.h"
#include "util/err.h"

#include <stdbool.h>
#include <stddef.h>

#include "util/banned.h"

/* Limits outside 1..STORE_LIST_MAX are brought inside (store.h contract). */
static int clamp_limit(int limit)
{
	if (limit < 1)
		return 1;
	if (limit > STORE_LIST_MAX)
		return STORE_LIST_MAX;
	return limit;
}

/* An enum filter is -1 (any) or a value of the enum. */
static bool enum_filter_ok(int v, int count)
{
	return v >= -1 && v < count;
}

/* ---- lifecycle ---- */

void store_close(struct store *s)
{
	if (s)
		s->ops->close(s);
}

const char *store_errmsg(struct store *s)
{
	if (!s)
		return "no store";
	return s->ops->errmsg(s);
}

int store_schema_version(struct store *s, int *version)
{
	if (!s || !version)
		return KR_EINVAL;
	*version = 0;
	return s->ops->schema_version(s, version);
}

int store_migrate(struct store *s, int *applied)
{
	int dummy = 0;
	if (!s)
		return KR_EINVAL;
	if (!applied)
		applied = &dummy;
	*applied = 0;
	return s->ops->migrate(s, applied);
}

int store_backup(struct store *s, const char *dest_path)
{
	if (!s || !dest_path || !dest_path[0])
		return KR_EINVAL;
	return s->ops->backup(s, dest_path);
}

int store_check(struct store *s)
{
	if (!s)
		return KR_EINVAL;
	return s->ops->check(s);
}

const char *store_backend(struct store *s)
{
	if (!s)
		return "none";
	return s->ops->name;
}

int store_begin(struct store *s)
{
	if (!s)
		return KR_EINVAL;
	return s->ops->begin(s);
}

int store_commit(struct store *s)
{
	if (!s)
		return KR_EINVAL;
	return s->ops->commit(s);
}

int store_rollback(struct store *s)
{
	if (!s)
		return KR_EINVAL;
	return s->ops->rollback(s);
}

/* ---- organisations ---- */

int store_org_create(struct store *s, struct core_org *o)
{
	if (!s || !o)
		return KR_EINVAL;
	return s->ops->org_create(s, o);
}

int store_org_get(struct store *s, int64_t id, struct core_org *out)
{
	if (!s || !out)
		return KR_EINVAL;
	return s->ops->org_get(s, id, out);
}

int store_org_update(struct store *s, const struct core_org *o)
{
	if (!s || !o)
		return KR_EINVAL;
	return s->ops->org_update(s, o);
}

int store_org_list(struct store *s, const struct store_org_filter *f, struct core_org **out,
                   size_t *n)
{
	if (!out || !n)
		return KR_EINVAL;
	*out = NULL;
	*n = 0;
	if (!s || !f || f->before_id < 0 || !enum_filter_ok(f->kind, ORG_KIND__COUNT))
		return KR_EINVAL;
	struct store_org_filter c = *f;
	c.limit = clamp_limit(f->limit);
	return s->ops->org_list(s, &c, out, n);
}

void store_org_free(struct core_org *arr, size_t n)
{
	(void)n; /* organisations own no heap memory */
	kr_free(arr);
}

int store_org_count(struct store *s, int64_t *n)
{
	if (!s || !n)
		return KR_EINVAL;
	*n = 0;
	return s->ops->org_count(s, n);
}

/* ---- people ---- */

int store_person_create(struct store *s, struct core_person *p, const char *pw_hash)
{
	if (!s || !p)
		return KR_EINVAL;
	return s->ops->person_create(s, p, pw_hash ? pw_hash : "");
}

int store_person_get(struct store *s, int64_t id, struct core_person *out)
{
	if (!s || !out)
		return KR_EINVAL;
	return s->ops->person_get(s, id, out);
}

int store_person_get_by_email(struct store *s, const char *email, struct core_person *out,
                              char *pw_hash_out, size_t pw_hash_size)
{
	if (!s || !email || !out)
		return KR_EINVAL;
	if (pw_hash_out && pw_hash_size == 0)
		return KR_EINVAL;
	return s->ops->person_get_by_email(s, email, out, pw_hash_out, pw_hash_size);
}

int store_person_update(struct store *s, const struct core_person *p)
{
	if (!s || !p)
		return KR_EINVAL;
	return s->ops->person_update(s, p);
}

int store_person_set_password(struct store *s, int64_t id, const char *pw_hash)
{
	if (!s)
		return KR_EINVAL;
	return s->ops->person_set_password(s, id, pw_hash ? pw_hash : "");
}

int store_person_list(struct store *s, const struct store_person_filter *f,
                      struct core_person **out, size_t *n)
{
	if (!out || !n)
		return KR_EINVAL;
	*out = NULL;
	*n = 0;
	if (!s || !f || f->before_id < 0)
		return KR_EINVAL;
	struct store_person_filter c = *f;
	c.limit = clamp_limit(f->limit);
	return s->ops->person_list(s, &c, out, n);
}

void store_person_free(struct core_person *arr, size_t n)
{
	(void)n; /* people own no heap memory */
	kr_free(arr);
}

int store_person_count(struct store *s, int64_t *n)
{
	if (!s || !n)
		return KR_EINVAL;
	*n = 0;
	return s->ops->person_count(s, n);
}

/* ---- communities ---- */

int store_community_create(struct store *s, struct core_community *c)
{
	if (!s || !c)
		return KR_EINVAL;
	return s->ops->community_create(s, c);
}

int store_community_get(struct store *s, int64_t id, struct core_community *out)
{
	if (!s || !out)
		return KR_EINVAL;
	return s->ops->community_get(s, id, out);
}

int store_community_update(struct store *s, struct core_community *c)
{
	if (!s || !c)
		return KR_EINVAL;
	return s->ops->community_update(s, c);
}

int store_community_list(struct store *s, int64_t before_id, int limit, struct core_community **out,
                         size_t *n)
{
	if (!out || !n)
		return KR_EINVAL;
	*out = NULL;
	*n = 0;
	if (!s || before_id < 0)
		return KR_EINVAL;
	return s->ops->community_list(s, before_id, clamp_limit(limit), out, n);
}

void store_community_free(struct core_community *arr, size_t n)
{
	if (!arr)
		return;
	for (size_t i = 0; i < n; i++)
		core_community_release(&arr[i]);
	kr_free(arr);
}

/* ---- memberships ---- */

int store_membership_set(struct store *s, const struct core_membership *m)
{
	if (!s || !m)
		return KR_EINVAL;
	return s->ops->membership_set(s, m);
}

int store_membership_get(struct store *s, int64_t community_id, int64_t org_id,
                         struct core_membership *out)
{
	if (!s || !out)
		return KR_EINVAL;
	return s->ops->membership_get(s, community_id, org_id, out);
}

int store_membership_list(struct store *s, int64_t community_id, struct core_membership **out,
                          size_t *n)
{
	if (!out || !n)
		return KR_EINVAL;
	*out = NULL;
	*n = 0;
	if (!s)
		return KR_EINVAL;
	return s->ops->membership_list(s, community_id, out, n);
}

int store_membership_list_by_org(struct store *s, int64_t org_id, struct core_membership **out,
                                 size_t *n)
{
	if (!out || !n)
		return KR_EINVAL;
	*out = NULL;
	*n = 0;
	if (!s)
		return KR_EINVAL;
	return s->ops->membership_list_by_org(s, org_id, out, n);
}

void store_membership_free(struct core_membership *arr)
{
	kr_free(arr);
}

/* ---- representatives ---- */

int store_rep_set(struct store *s, const struct core_representative *r)
{
	if (!s || !r)
		return KR_EINVAL;
	return s->ops->rep_set(s, r);
}

int store_rep_remove(struct store *s, int64_t community_id, int64_t person_id)
{
	if (!s)
		return KR_EINVAL;
	return s->ops->rep_remove(s, community_id, person_id);
}

int store_rep_get(struct store *s, int64_t community_id, int64_t person_id,
                  struct core_representative *out)
{
	if (!s || !out)
		return KR_EINVAL;
	return s->ops->rep_get(s, community_id, person_id, out);
}

int store_rep_list(struct store *s, int64_t community_id, int64_t person_id,
                   struct core_representative **out, size_t *n)
{
	if (!out || !n)
		return KR_EINVAL;
	*out = NULL;
	*n = 0;
	if (!s || (community_id == 0 && person_id == 0))
		return KR_EINVAL;
	return s->ops->rep_list(s, community_id, person_id, out, n);
}

void store_rep_free(struct core_representative *arr)
{
	kr_free(arr);
}

/* ---- guideline acceptance ---- */

int store_guidelines_accept(struct store *s, int64_t community_id, int64_t person_id, int version)
{
	if (!s || version < 1)
		return KR_EINVAL;
	return s->ops->guidelines_accept(s, community_id, person_id, version);
}

int store_guidelines_accepted(struct store *s, int64_t community_id, int64_t person_id,
                              int *version)
{
	if (!s || !version)
		return KR_EINVAL;
	*version = 0;
	return s->ops->guidelines_accepted(s, community_id, person_id, version);
}

/* ---- admission ---- */

int store_application_create(struct store *s, struct core_application *a)
{
	if (!s || !a || a->nproposed < 0 || a->nproposed > CORE_PROPOSED_MAX)
		return KR_EINVAL;
	return s->ops->application_create(s, a);
}

int store_application_get(struct store *s, int64_t id, struct core_application *out)
{
	if (!s || !out)
		return KR_EINVAL;
	return s->ops->application_get(s, id, out);
}

int store_application_set_status(struct store *s, int64_t id, enum app_status st, int64_t decided)
{
	if (!s || (int)st < 0 || (int)st >= APP__COUNT)
		return KR_EINVAL;
	return s->ops->application_set_status(s, id, st, decided);
}

int store_application_list(struct store *s, int64_t community_id, int status,
                           struct core_application **out, size_t *n)
{
	if (!out || !n)
		return KR_EINVAL;
	*out = NULL;
	*n = 0;
	if (!s || status < -1 || status >= APP__COUNT)
		return KR_EINVAL;
	return s->ops->application_list(s, community_id, status, out, n);
}

void store_application_free(struct core_application *arr)
{
	kr_free(arr);
}

int store_vote_add(struct store *s, const struct core_vote *v)
{
	if (!s || !v)
		return KR_EINVAL;
	return s->ops->vote_add(s, v);
}

int store_vote_list(struct store *s, int64_t application_id, struct core_vote **out, size_t *n)
{
	if (!out || !n)
		return KR_EINVAL;
	*out = NULL;
	*n = 0;
	if (!s)
		return KR_EINVAL;
	return s->ops->vote_list(s, application_id, out, n);
}

void store_vote_free(struct core_vote *arr)
{
	kr_free(arr);
}

/* ---- reports ---- */

static bool recipients_ok(const struct core_report *r)
{
	return r->nrecipient_orgs >= 0 && r->nrecipient_orgs <= CORE_RECIPIENTS_MAX &&
	       r->nrecipient_people >= 0 && r->nrecipient_people <= CORE_RECIPIENTS_MAX;
}

int store_report_create(struct store *s, struct core_report *r, const struct core_indicator *inds,
                        size_t ninds)
{
	if (!s || !r || !recipients_ok(r) || (ninds && !inds) || ninds > CORE_INDICATORS_PER_REPORT)
		return KR_EINVAL;
	return s->ops->report_create(s, r, inds, ninds);
}

int store_report_get(struct store *s, int64_t id, struct core_report *out)
{
	if (!s || !out)
		return KR_EINVAL;
	return s->ops->report_get(s, id, out);
}

int store_report_update(struct store *s, struct core_report *r)
{
	if (!s || !r || !recipients_ok(r))
		return KR_EINVAL;
	return s->ops->report_update(s, r);
}

int store_report_list(struct store *s, const struct store_report_filter *f,
                      struct core_report **out, size_t *n)
{
	if (!out || !n)
		return KR_EINVAL;
	*out = NULL;
	*n = 0;
	if (!s || !f || f->before_id < 0 || !enum_filter_ok(f->kind, RK__COUNT) ||
	    !enum_filter_ok(f->tlp, TLP__COUNT) || !enum_filter_ok(f->level, LEVEL__COUNT))
		return KR_EINVAL;
	struct store_report_filter c = *f;
	c.limit = clamp_limit(f->limit);
	return s->ops->report_list(s, &c, out, n);
}

void store_report_free(struct core_report *arr, size_t n)
{
	if (!arr)
		return;
	for (size_t i = 0; i < n; i++)
		core_report_release(&arr[i]);
	kr_free(arr);
}

int store_report_version_get(struct store *s, int64_t id, int version, struct core_report *out)
{
	if (!s || !out)
		return KR_EINVAL;
	return s->ops->report_version_get(s, id, version, out);
}

int store_report_version_count(struct store *s, int64_t id, int *n)
{
	if (!s || !n)
		return KR_EINVAL;
	*n = 0;
	return s->ops->report_version_count(s, id, n);
}

/* ---- comments ---- */

int store_comment_create(struct store *s, struct core_comment *c)
{
	if (!s || !c || !c->body)
		return KR_EINVAL;
	return s->ops->comment_create(s, c);
}

int store_comment_list(struct store *s, int64_t report_id, struct core_comment **out, size_t *n)
{
	if (!out || !n)
		return KR_EINVAL;
	*out = NULL;
	*n = 0;
	if (!s)
		return KR_EINVAL;
	return s->ops->comment_list(s, report_id, out, n);
}

void store_comment_free(struct core_comment *arr, size_t n)
{
	if (!arr)
		return;
	for (size_t i = 0; i < n; i++)
		core_comment_release(&arr[i]);
	kr_free(arr);
}

/* ---- indicators ---- */

int store_indicator_add(struct store *s, struct core_indicator *i)
{
	if (!s || !i)
		return KR_EINVAL;
	return s->ops->indicator_add(s, i);
}

int store_indicator_get(struct store *s, int64_t id, struct core_indicator *out)
{
	if (!s || !out)
		return KR_EINVAL;
	return s->ops->indicator_get(s, id, out);
}

int store_indicator_delete(struct store *s, int64_t id)
{
	if (!s)
		return KR_EINVAL;
	return s->ops->indicator_delete(s, id);
}

int store_indicator_list(struct store *s, int64_t report_id, struct core_indicator **out, size_t *n)
{
	if (!out || !n)
		return KR_EINVAL;
	*out = NULL;
	*n = 0;
	if (!s)
		return KR_EINVAL;
	return s->ops->indicator_list(s, report_id, out, n);
}

int store_indicator_search(struct store *s, const struct store_indicator_filter *f,
                           struct core_indicator **out, size_t *n)
{
	if (!out || !n)
		return KR_EINVAL;
	*out = NULL;
	*n = 0;
	if (!s || !f || f->before_id < 0 || !enum_filter_ok(f->type, IND__COUNT))
		return KR_EINVAL;
	struct store_indicator_filter c = *f;
	c.limit = clamp_limit(f->limit);
	return s->ops->indicator_search(s, &c, out, n);
}

void store_indicator_free(struct core_indicator *arr)
{
	kr_free(arr);
}

/* ---- audit ---- */

int store_audit_append(struct store *s, struct core_audit *a)
{
	if (!s || !a)
		return KR_EINVAL;
	return s->ops->audit_append(s, a);
}

int store_audit_list(struct store *s, const struct store_audit_filter *f, struct core_audit **out,
                     size_t *n)
{
	if (!out || !n)
		return KR_EINVAL;
	*out = NULL;
	*n = 0;
	if (!s || !f || f->before_id < 0 || !enum_filter_ok(f->action, AUDIT_LOGOUT + 1))
		return KR_EINVAL;
	struct store_audit_filter c = *f;
	c.limit = clamp_limit(f->limit);
	return s->ops->audit_list(s, &c, out, n);
}

void store_audit_free(struct core_audit *arr)
{
	kr_free(arr);
}

/* ---- sessions and tokens ---- */

int store_session_create(struct store *s, const struct store_session *ss)
{
	if (!s || !ss)
		return KR_EINVAL;
	return s->ops->session_create(s, ss);
}

int store_session_get(struct store *s, const char *hash, struct store_session *out)
{
	if (!s || !hash || !out)
		return KR_EINVAL;
	return s->ops->session_get(s, hash, out);
}

int store_session_delete(struct store *s, const char *hash)
{
	if (!s || !hash)
		return KR_EINVAL;
	return s->ops->session_delete(s, hash);
}

int store_session_delete_person(struct store *s, int64_t person_id, const char *keep_hash)
{
	if (!s || person_id <= 0)
		return KR_EINVAL;
	return s->ops->session_delete_person(s, person_id, keep_hash ? keep_hash : "");
}

int store_session_purge(struct store *s, int64_t now)
{
	if (!s)
		return KR_EINVAL;
	return s->ops->session_purge(s, now);
}

int store_token_create(struct store *s, struct store_token *t)
{
	if (!s || !t)
		return KR_EINVAL;
	return s->ops->token_create(s, t);
}

int store_token_get_by_hash(struct store *s, const char *hash, struct store_token *out)
{
	if (!s || !hash || !out)
		return KR_EINVAL;
	return s->ops->token_get_by_hash(s, hash, out);
}

int store_token_get(struct store *s, int64_t id, struct store_token *out)
{
	if (!s || !out)
		return KR_EINVAL;
	return s->ops->token_get(s, id, out);
}

int store_token_list(struct store *s, int64_t person_id, struct store_token **out, size_t *n)
{
	if (!out || !n)
		return KR_EINVAL;
	*out = NULL;
	*n = 0;
	if (!s)
		return KR_EINVAL;
	return s->ops->token_list(s, person_id, out, n);
}

void store_token_free(struct store_token *arr)
{
	kr_free(arr);
}

int store_token_revoke(struct store *s, int64_t id, int64_t when)
{
	if (!s || when <= 0)
		return KR_EINVAL;
	return s->ops->token_revoke(s, id, when);
}

int store_token_touch(struct store *s, int64_t id, int64_t when)
{
	if (!s)
		return KR_EINVAL;
	return s->ops->token_touch(s, id, when);
}

/* ---- actor ---- */

int store_actor_load(struct store *s, int64_t person_id, struct policy_actor *out)
{
	if (!s || !out)
		return KR_EINVAL;
	return s->ops->actor_load(s, person_id, out);
}
