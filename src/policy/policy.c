/* policy.c - the TLP 2.0 and community decisions of kring (see policy.h and
 * docs/internals/policy.md). Pure: no I/O, no allocation, no globals. */
#include "policy/policy.h"

#include <stddef.h>

#include "util/banned.h"

/* The audience of a comment: report source org + recipient orgs + orgs of
 * recipient people, and report author + recipient people. */
#define COMMENT_AUDIENCE_MAX (CORE_RECIPIENTS_MAX * 2 + 2)

static struct policy_decision allow(const char *reason)
{
	struct policy_decision d = {true, reason};
	return d;
}

static struct policy_decision deny(const char *reason)
{
	struct policy_decision d = {false, reason};
	return d;
}

static bool contains(const int64_t *ids, int n, int64_t id)
{
	if (!ids || id <= 0)
		return false;
	for (int i = 0; i < n; i++) {
		if (ids[i] == id)
			return true;
	}
	return false;
}

/* Actions that change something and so need a writing credential. */
static bool item_action_writes(enum policy_action act)
{
	return act == POLICY_COMMENT || act == POLICY_EDIT || act == POLICY_FORWARD;
}

static bool community_action_writes(enum policy_community_action act)
{
	switch (act) {
	case PC_MANAGE:
	case PC_ADD_MEMBER:
	case PC_SET_REPS:
	case PC_SHARE:
	case PC_APPLY:
	case PC_VOTE:
		return true;
	case PC_VIEW:
	case PC_VIEW_MEMBERS:
	case PC_VIEW_TALLY:
	case PC_VIEW_AUDIT:
	case PC__COUNT:
		break;
	}
	return false;
}

const char *policy_action_name(enum policy_action a)
{
	static const char *const names[] = {"read", "comment", "edit", "forward", "export"};
	_Static_assert(sizeof(names) / sizeof(names[0]) == POLICY__ACTION_COUNT, "action texts");
	if ((int)a < 0 || a >= POLICY__ACTION_COUNT)
		return "unknown";
	return names[a];
}

const char *policy_community_action_name(enum policy_community_action a)
{
	static const char *const names[] = {"view",	"view-members", "manage",     "add-member",
					    "set-reps", "share",	"apply",      "vote",
					    "view-tally", "view-audit"};
	_Static_assert(sizeof(names) / sizeof(names[0]) == PC__COUNT, "community action texts");
	if ((int)a < 0 || a >= PC__COUNT)
		return "unknown";
	return names[a];
}

const struct policy_membership *policy_membership_of(const struct policy_actor *a,
						     int64_t community_id)
{
	if (!a || !a->authenticated || community_id <= 0)
		return NULL;
	int n = a->nmemberships;
	if (n > POLICY_MAX_MEMBERSHIPS)
		n = POLICY_MAX_MEMBERSHIPS;
	for (int i = 0; i < n; i++) {
		if (a->memberships[i].community_id == community_id)
			return &a->memberships[i];
	}
	return NULL;
}

bool policy_is_participant(const struct policy_actor *a, int64_t community_id)
{
	const struct policy_membership *m = policy_membership_of(a, community_id);
	return m && m->org_is_member && m->accepted_current;
}

/* Counts of a core_report's fixed arrays, kept inside the arrays. */
static int clamp_count(int n)
{
	if (n < 0)
		return 0;
	return n > CORE_RECIPIENTS_MAX ? CORE_RECIPIENTS_MAX : n;
}

struct policy_item policy_item_from_report(const struct core_report *r)
{
	/* No report: an invalid label, so every decision on it denies. */
	struct policy_item it = {.tlp = TLP__COUNT};
	if (!r)
		return it;
	it.tlp = r->tlp;
	it.community_id = r->community_id;
	it.author_id = r->author_id;
	it.source_org_id = r->source_org_id;
	it.nrecipient_orgs = clamp_count(r->nrecipient_orgs);
	it.recipient_orgs = r->recipient_orgs;
	it.nrecipient_people = clamp_count(r->nrecipient_people);
	it.recipient_people = r->recipient_people;
	it.recipient_people_orgs = r->recipient_people_orgs;
	return it;
}

/* AMBER audience: the source organisation, the listed recipient
 * organisations, the organisations of named people, and the named people. */
static bool in_amber_audience(const struct policy_actor *a, const struct policy_item *it)
{
	if (a->org_id > 0 && a->org_id == it->source_org_id)
		return true;
	if (contains(it->recipient_orgs, it->nrecipient_orgs, a->org_id))
		return true;
	if (contains(it->recipient_people_orgs, it->nrecipient_people, a->org_id))
		return true;
	return contains(it->recipient_people, it->nrecipient_people, a->person_id);
}

struct policy_decision policy_decide(const struct policy_actor *a, const struct policy_item *it,
				     enum policy_action act)
{
	if (!a || !it)
		return deny("no actor or item");
	if ((int)act < 0 || act >= POLICY__ACTION_COUNT)
		return deny("unknown action");
	if ((int)it->tlp < 0 || it->tlp >= TLP__COUNT)
		return deny("unknown TLP label");

	if (!a->authenticated) {
		if (it->tlp == TLP_CLEAR && (act == POLICY_READ || act == POLICY_EXPORT))
			return allow("TLP:CLEAR is public");
		return deny("anonymous callers may only read and export TLP:CLEAR items");
	}
	if (item_action_writes(act) && !a->can_write)
		return deny("the credentials are read-only");

	bool author = a->person_id > 0 && a->person_id == it->author_id;
	/* Authors keep their own item, also after they or their organisation left;
	 * commenting is taking part in the community and is decided below. */
	if (author && act != POLICY_COMMENT)
		return allow("the author of the item");
	if (act == POLICY_EDIT)
		return deny("only the author may edit an item");

	if (it->tlp == TLP_CLEAR && act != POLICY_COMMENT)
		return allow("TLP:CLEAR is public");
	if (!policy_is_participant(a, it->community_id))
		return deny("not a participant of the item's community");

	switch (it->tlp) {
	case TLP_CLEAR:
		return allow("a participant may comment on TLP:CLEAR");
	case TLP_GREEN:
		return allow("TLP:GREEN is open to participants of the community");
	case TLP_AMBER:
		if (!author && !in_amber_audience(a, it))
			return deny("the organisation is not a recipient of this TLP:AMBER item");
		return allow("a recipient of the TLP:AMBER item");
	case TLP_AMBER_STRICT:
		if (!author && !in_amber_audience(a, it))
			return deny("the organisation is not a recipient of this "
				    "TLP:AMBER+STRICT item");
		if (act == POLICY_FORWARD)
			return deny("only the author may forward a TLP:AMBER+STRICT item");
		return allow("a recipient of the TLP:AMBER+STRICT item");
	case TLP_RED:
		if (!author && !contains(it->recipient_people, it->nrecipient_people, a->person_id))
			return deny("not a named recipient of this TLP:RED item");
		if (act == POLICY_FORWARD || act == POLICY_EXPORT)
			return deny("only the author may forward or export a TLP:RED item");
		return allow("a named recipient of the TLP:RED item");
	case TLP__COUNT:
		break;
	}
	return deny("unknown TLP label");
}

struct policy_decision policy_decide_comment(const struct policy_actor *a,
					     const struct core_report *r,
					     const struct core_comment *c,
					     int64_t comment_author_org, enum policy_action act)
{
	if (!a || !r || !c)
		return deny("no actor, report or comment");
	if (c->report_id > 0 && r->id > 0 && c->report_id != r->id)
		return deny("the comment belongs to another report");

	struct policy_item report = policy_item_from_report(r);
	struct policy_decision d = policy_decide(a, &report, POLICY_READ);
	if (!d.allow)
		return d;

	int64_t orgs[COMMENT_AUDIENCE_MAX];
	int64_t people[COMMENT_AUDIENCE_MAX];
	int64_t people_orgs[COMMENT_AUDIENCE_MAX];
	int norgs = 0, npeople = 0;
	int nro = report.nrecipient_orgs;
	int nrp = report.nrecipient_people;

	orgs[norgs++] = r->source_org_id;
	for (int i = 0; i < nro; i++)
		orgs[norgs++] = r->recipient_orgs[i];
	for (int i = 0; i < nrp; i++)
		orgs[norgs++] = r->recipient_people_orgs[i];
	people[npeople] = r->author_id;
	people_orgs[npeople++] = r->source_org_id;
	for (int i = 0; i < nrp; i++) {
		people[npeople] = r->recipient_people[i];
		people_orgs[npeople++] = r->recipient_people_orgs[i];
	}

	struct policy_item comment = {
		/* A comment looser than its report would leak it: never go below. */
		.tlp = c->tlp > r->tlp ? c->tlp : r->tlp,
		.community_id = r->community_id,
		.author_id = c->author_id,
		.source_org_id = comment_author_org,
		.nrecipient_orgs = norgs,
		.recipient_orgs = orgs,
		.nrecipient_people = npeople,
		.recipient_people = people,
		.recipient_people_orgs = people_orgs,
	};
	return policy_decide(a, &comment, act);
}

/* Role-holders count only while they take part in the community. */
static bool has_role(const struct policy_membership *m, bool chair, bool vice, bool secretary)
{
	if (!m || !m->org_is_member || !m->accepted_current)
		return false;
	return (chair && m->role == ROLE_CHAIR) || (vice && m->role == ROLE_VICE_CHAIR) ||
	       (secretary && m->role == ROLE_SECRETARY);
}

struct policy_decision policy_decide_community(const struct policy_actor *a,
					       int64_t community_id,
					       enum policy_community_action act)
{
	if (!a)
		return deny("no actor");
	if ((int)act < 0 || act >= PC__COUNT)
		return deny("unknown action");
	if (!a->authenticated)
		return deny("sign in first");
	if (community_action_writes(act) && !a->can_write)
		return deny("the credentials are read-only");

	const struct policy_membership *m = policy_membership_of(a, community_id);
	bool participant = policy_is_participant(a, community_id);

	switch (act) {
	case PC_VIEW:
		return allow("any signed-in person may view a community");
	case PC_VIEW_MEMBERS:
		if (m && m->org_is_member)
			return allow("the organisation is a member");
		if (a->is_admin)
			return allow("an administrator");
		return deny("the organisation is not a member of the community");
	case PC_MANAGE:
		if (has_role(m, true, true, true))
			return allow("chair, vice-chair or secretary of the community");
		if (a->is_admin)
			return allow("an administrator");
		return deny("only the chair, vice-chair, secretary or an administrator may manage "
			    "the community");
	case PC_ADD_MEMBER:
		if (a->is_admin)
			return allow("an administrator");
		return deny("only an administrator may add a member without a vote");
	case PC_SET_REPS:
		if (has_role(m, true, false, true))
			return allow("chair or secretary of the community");
		if (a->is_admin)
			return allow("an administrator");
		return deny("only the chair, secretary or an administrator may set "
			    "representatives");
	case PC_SHARE:
		if (participant)
			return allow("a participant of the community");
		if (m && m->org_is_member)
			return deny("the current guidelines have not been accepted");
		return deny("not a participant of the community");
	case PC_APPLY:
		if (m && m->org_is_member)
			return deny("the organisation is already a member");
		return allow("the organisation is not a member");
	case PC_VOTE:
		if (!m || !m->org_is_member || !m->is_representative)
			return deny("only representatives of member organisations may vote");
		if (!m->accepted_current)
			return deny("the current guidelines have not been accepted");
		return allow("a representative of a member organisation");
	case PC_VIEW_TALLY:
	case PC_VIEW_AUDIT:
		if (has_role(m, false, false, true))
			return allow("secretary of the community");
		if (a->is_admin)
			return allow("an administrator");
		return deny("only the secretary or an administrator may see this");
	case PC__COUNT:
		break;
	}
	return deny("unknown action");
}

/* ---- constituency registry and notifications ---- */

const char *policy_constituency_action_name(enum policy_constituency_action a)
{
	static const char *const names[] = { "view", "edit-network", "edit-products",
					     "edit-contacts", "edit-routes", "run" };
	return (unsigned)a < sizeof names / sizeof names[0] ? names[a] : "unknown";
}

struct policy_decision policy_decide_constituency(const struct policy_actor *a, int64_t org_id,
						  enum policy_constituency_action act)
{
	if (!a || !a->authenticated)
		return deny("not signed in");
	if ((unsigned)act >= PCN__COUNT)
		return deny("unknown action");
	if (act != PCN_VIEW && !a->can_write)
		return deny("a read-only token cannot change anything");
	bool own = org_id > 0 && a->org_id > 0 && org_id == a->org_id;
	switch (act) {
	case PCN_VIEW:
	case PCN_EDIT_PRODUCTS:
	case PCN_EDIT_CONTACTS:
	case PCN_EDIT_ROUTES:
		if (own)
			return allow("a person of the organisation");
		if (a->is_admin)
			return allow("an administrator");
		return deny("only the organisation's own people and administrators");
	case PCN_EDIT_NETWORK:
		if (a->is_admin)
			return allow("an administrator");
		return deny("only an administrator registers networks, AS numbers and domains");
	case PCN_RUN:
		if (a->is_admin)
			return allow("an administrator");
		return deny("only an administrator runs notifications");
	case PCN__COUNT:
		break;
	}
	return deny("unknown action");
}

struct policy_decision policy_decide_notify(enum policy_notify_route route,
					    bool victim_opted_in, bool relay_serves_victim,
					    enum tlp *label)
{
	switch (route) {
	case PNR_DIRECT:
		if (label)
			*label = TLP_AMBER_STRICT;
		return allow("the organisation the findings are about");
	case PNR_SUPPLIER:
		if (!victim_opted_in)
			return deny("AMBER reaches a supplier only with the client's consent");
		if (!relay_serves_victim)
			return deny("the supplier does not serve this organisation");
		if (label)
			*label = TLP_AMBER;
		return allow("a supplier the organisation chose as relay");
	case PNR_LINKING:
		if (!victim_opted_in)
			return deny("the organisation did not choose this linking organisation");
		if (!relay_serves_victim)
			return deny("the organisation is not a member of the linking organisation");
		if (label)
			*label = TLP_AMBER;
		return allow("a linking organisation of the member");
	case PNR__COUNT:
		break;
	}
	return deny("unknown route");
}

struct policy_decision policy_decide_notify_source(enum tlp source_label)
{
	if ((unsigned)source_label >= TLP__COUNT)
		return deny("unknown label");
	if (source_label <= TLP_AMBER)
		return allow("the source's label lets the team tell the organisations concerned");
	return deny("findings under TLP:AMBER+STRICT or TLP:RED stay with the team that "
		    "received them");
}
