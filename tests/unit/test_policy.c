/* test_policy.c - the TLP 2.0 matrix of kring and the community decisions.
 *
 * The world of every test: community C (10). Source organisation S (100)
 * with author A (1); recipient organisation O1 (101) with the named
 * recipient P (2) and a colleague Q (3); member organisation O3 (103) with
 * M (4), who is no recipient; X (9) of organisation OX (199), which is not
 * in C (but takes part in another community, 20); and anonymous callers.
 * A, P, Q and M are participants of C: their organisations are admitted
 * members and they accepted the current guidelines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/model.h"
#include "policy/policy.h"

#include "util/banned.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

enum { COMM_C = 10, COMM_OTHER = 20 };
enum { ORG_S = 100, ORG_O1 = 101, ORG_O3 = 103, ORG_O4 = 104, ORG_OX = 199 };
enum { PERSON_A = 1, PERSON_P = 2, PERSON_Q = 3, PERSON_M = 4, PERSON_M2 = 6, PERSON_X = 9 };

static struct policy_actor anonymous(void)
{
	struct policy_actor a = {0};
	return a;
}

/* An authenticated person with a write credential and no memberships. */
static struct policy_actor person(int64_t id, int64_t org)
{
	struct policy_actor a = {0};
	a.authenticated = true;
	a.person_id = id;
	a.org_id = org;
	a.can_write = true;
	return a;
}

static struct policy_membership *add_membership(struct policy_actor *a, int64_t community,
						bool org_is_member, bool accepted)
{
	struct policy_membership *m = &a->memberships[a->nmemberships++];
	m->community_id = community;
	m->org_is_member = org_is_member;
	m->accepted_current = accepted;
	m->is_representative = false;
	m->rep_kind = REP_PRIMARY;
	m->role = ROLE_MEMBER;
	return m;
}

/* A person taking part in community C. */
static struct policy_actor participant(int64_t id, int64_t org)
{
	struct policy_actor a = person(id, org);
	add_membership(&a, COMM_C, true, true);
	return a;
}

static const int64_t P_ONLY[] = {PERSON_P};
static const int64_t P_ONLY_ORGS[] = {ORG_O1};

/* The report of the matrix: from A of S, naming P, no recipient organisations. */
static struct policy_item matrix_item(enum tlp tlp)
{
	struct policy_item it = {0};
	it.tlp = tlp;
	it.community_id = COMM_C;
	it.author_id = PERSON_A;
	it.source_org_id = ORG_S;
	it.nrecipient_orgs = 0;
	it.recipient_orgs = NULL;
	it.nrecipient_people = 1;
	it.recipient_people = P_ONLY;
	it.recipient_people_orgs = P_ONLY_ORGS;
	return it;
}

enum relation {
	REL_AUTHOR,        /* A */
	REL_RECIPIENT,     /* P, named in recipient_people */
	REL_RECIPIENT_ORG, /* Q, same organisation as P */
	REL_MEMBER_ORG,    /* M, another member organisation of C */
	REL_OUTSIDER,      /* X, organisation outside C */
	REL_ANONYMOUS,
	REL__COUNT
};

static const char *const relation_names[] = {"author",     "recipient", "recipient-org",
					     "member-org", "outsider",  "anonymous"};

static struct policy_actor actor_for(enum relation rel)
{
	struct policy_actor a;
	switch (rel) {
	case REL_AUTHOR:
		return participant(PERSON_A, ORG_S);
	case REL_RECIPIENT:
		return participant(PERSON_P, ORG_O1);
	case REL_RECIPIENT_ORG:
		return participant(PERSON_Q, ORG_O1);
	case REL_MEMBER_ORG:
		return participant(PERSON_M, ORG_O3);
	case REL_OUTSIDER:
		a = person(PERSON_X, ORG_OX);
		add_membership(&a, COMM_OTHER, true, true);
		return a;
	case REL_ANONYMOUS:
	case REL__COUNT:
		break;
	}
	return anonymous();
}

struct matrix_row {
	enum tlp tlp;
	enum relation rel;
	enum policy_action act;
	bool allow;
};

#define ALLOW true
#define DENY false
#define ROW(l, r, a, e) {TLP_##l, REL_##r, POLICY_##a, e}

/* THE TLP MATRIX: 5 labels x 6 relations x 5 actions, every row written out. */
static const struct matrix_row matrix[] = {
	/* TLP:CLEAR */
	ROW(CLEAR,        AUTHOR,        READ,    ALLOW),
	ROW(CLEAR,        AUTHOR,        COMMENT, ALLOW),
	ROW(CLEAR,        AUTHOR,        EDIT,    ALLOW),
	ROW(CLEAR,        AUTHOR,        FORWARD, ALLOW),
	ROW(CLEAR,        AUTHOR,        EXPORT,  ALLOW),
	ROW(CLEAR,        RECIPIENT,     READ,    ALLOW),
	ROW(CLEAR,        RECIPIENT,     COMMENT, ALLOW),
	ROW(CLEAR,        RECIPIENT,     EDIT,    DENY),
	ROW(CLEAR,        RECIPIENT,     FORWARD, ALLOW),
	ROW(CLEAR,        RECIPIENT,     EXPORT,  ALLOW),
	ROW(CLEAR,        RECIPIENT_ORG, READ,    ALLOW),
	ROW(CLEAR,        RECIPIENT_ORG, COMMENT, ALLOW),
	ROW(CLEAR,        RECIPIENT_ORG, EDIT,    DENY),
	ROW(CLEAR,        RECIPIENT_ORG, FORWARD, ALLOW),
	ROW(CLEAR,        RECIPIENT_ORG, EXPORT,  ALLOW),
	ROW(CLEAR,        MEMBER_ORG,    READ,    ALLOW),
	ROW(CLEAR,        MEMBER_ORG,    COMMENT, ALLOW),
	ROW(CLEAR,        MEMBER_ORG,    EDIT,    DENY),
	ROW(CLEAR,        MEMBER_ORG,    FORWARD, ALLOW),
	ROW(CLEAR,        MEMBER_ORG,    EXPORT,  ALLOW),
	ROW(CLEAR,        OUTSIDER,      READ,    ALLOW),
	ROW(CLEAR,        OUTSIDER,      COMMENT, DENY),
	ROW(CLEAR,        OUTSIDER,      EDIT,    DENY),
	ROW(CLEAR,        OUTSIDER,      FORWARD, ALLOW),
	ROW(CLEAR,        OUTSIDER,      EXPORT,  ALLOW),
	ROW(CLEAR,        ANONYMOUS,     READ,    ALLOW),
	ROW(CLEAR,        ANONYMOUS,     COMMENT, DENY),
	ROW(CLEAR,        ANONYMOUS,     EDIT,    DENY),
	ROW(CLEAR,        ANONYMOUS,     FORWARD, DENY),
	ROW(CLEAR,        ANONYMOUS,     EXPORT,  ALLOW),
	/* TLP:GREEN */
	ROW(GREEN,        AUTHOR,        READ,    ALLOW),
	ROW(GREEN,        AUTHOR,        COMMENT, ALLOW),
	ROW(GREEN,        AUTHOR,        EDIT,    ALLOW),
	ROW(GREEN,        AUTHOR,        FORWARD, ALLOW),
	ROW(GREEN,        AUTHOR,        EXPORT,  ALLOW),
	ROW(GREEN,        RECIPIENT,     READ,    ALLOW),
	ROW(GREEN,        RECIPIENT,     COMMENT, ALLOW),
	ROW(GREEN,        RECIPIENT,     EDIT,    DENY),
	ROW(GREEN,        RECIPIENT,     FORWARD, ALLOW),
	ROW(GREEN,        RECIPIENT,     EXPORT,  ALLOW),
	ROW(GREEN,        RECIPIENT_ORG, READ,    ALLOW),
	ROW(GREEN,        RECIPIENT_ORG, COMMENT, ALLOW),
	ROW(GREEN,        RECIPIENT_ORG, EDIT,    DENY),
	ROW(GREEN,        RECIPIENT_ORG, FORWARD, ALLOW),
	ROW(GREEN,        RECIPIENT_ORG, EXPORT,  ALLOW),
	ROW(GREEN,        MEMBER_ORG,    READ,    ALLOW),
	ROW(GREEN,        MEMBER_ORG,    COMMENT, ALLOW),
	ROW(GREEN,        MEMBER_ORG,    EDIT,    DENY),
	ROW(GREEN,        MEMBER_ORG,    FORWARD, ALLOW),
	ROW(GREEN,        MEMBER_ORG,    EXPORT,  ALLOW),
	ROW(GREEN,        OUTSIDER,      READ,    DENY),
	ROW(GREEN,        OUTSIDER,      COMMENT, DENY),
	ROW(GREEN,        OUTSIDER,      EDIT,    DENY),
	ROW(GREEN,        OUTSIDER,      FORWARD, DENY),
	ROW(GREEN,        OUTSIDER,      EXPORT,  DENY),
	ROW(GREEN,        ANONYMOUS,     READ,    DENY),
	ROW(GREEN,        ANONYMOUS,     COMMENT, DENY),
	ROW(GREEN,        ANONYMOUS,     EDIT,    DENY),
	ROW(GREEN,        ANONYMOUS,     FORWARD, DENY),
	ROW(GREEN,        ANONYMOUS,     EXPORT,  DENY),
	/* TLP:AMBER */
	ROW(AMBER,        AUTHOR,        READ,    ALLOW),
	ROW(AMBER,        AUTHOR,        COMMENT, ALLOW),
	ROW(AMBER,        AUTHOR,        EDIT,    ALLOW),
	ROW(AMBER,        AUTHOR,        FORWARD, ALLOW),
	ROW(AMBER,        AUTHOR,        EXPORT,  ALLOW),
	ROW(AMBER,        RECIPIENT,     READ,    ALLOW),
	ROW(AMBER,        RECIPIENT,     COMMENT, ALLOW),
	ROW(AMBER,        RECIPIENT,     EDIT,    DENY),
	ROW(AMBER,        RECIPIENT,     FORWARD, ALLOW),
	ROW(AMBER,        RECIPIENT,     EXPORT,  ALLOW),
	ROW(AMBER,        RECIPIENT_ORG, READ,    ALLOW),
	ROW(AMBER,        RECIPIENT_ORG, COMMENT, ALLOW),
	ROW(AMBER,        RECIPIENT_ORG, EDIT,    DENY),
	ROW(AMBER,        RECIPIENT_ORG, FORWARD, ALLOW),
	ROW(AMBER,        RECIPIENT_ORG, EXPORT,  ALLOW),
	ROW(AMBER,        MEMBER_ORG,    READ,    DENY),
	ROW(AMBER,        MEMBER_ORG,    COMMENT, DENY),
	ROW(AMBER,        MEMBER_ORG,    EDIT,    DENY),
	ROW(AMBER,        MEMBER_ORG,    FORWARD, DENY),
	ROW(AMBER,        MEMBER_ORG,    EXPORT,  DENY),
	ROW(AMBER,        OUTSIDER,      READ,    DENY),
	ROW(AMBER,        OUTSIDER,      COMMENT, DENY),
	ROW(AMBER,        OUTSIDER,      EDIT,    DENY),
	ROW(AMBER,        OUTSIDER,      FORWARD, DENY),
	ROW(AMBER,        OUTSIDER,      EXPORT,  DENY),
	ROW(AMBER,        ANONYMOUS,     READ,    DENY),
	ROW(AMBER,        ANONYMOUS,     COMMENT, DENY),
	ROW(AMBER,        ANONYMOUS,     EDIT,    DENY),
	ROW(AMBER,        ANONYMOUS,     FORWARD, DENY),
	ROW(AMBER,        ANONYMOUS,     EXPORT,  DENY),
	/* TLP:AMBER+STRICT */
	ROW(AMBER_STRICT, AUTHOR,        READ,    ALLOW),
	ROW(AMBER_STRICT, AUTHOR,        COMMENT, ALLOW),
	ROW(AMBER_STRICT, AUTHOR,        EDIT,    ALLOW),
	ROW(AMBER_STRICT, AUTHOR,        FORWARD, ALLOW),
	ROW(AMBER_STRICT, AUTHOR,        EXPORT,  ALLOW),
	ROW(AMBER_STRICT, RECIPIENT,     READ,    ALLOW),
	ROW(AMBER_STRICT, RECIPIENT,     COMMENT, ALLOW),
	ROW(AMBER_STRICT, RECIPIENT,     EDIT,    DENY),
	ROW(AMBER_STRICT, RECIPIENT,     FORWARD, DENY),
	ROW(AMBER_STRICT, RECIPIENT,     EXPORT,  ALLOW),
	ROW(AMBER_STRICT, RECIPIENT_ORG, READ,    ALLOW),
	ROW(AMBER_STRICT, RECIPIENT_ORG, COMMENT, ALLOW),
	ROW(AMBER_STRICT, RECIPIENT_ORG, EDIT,    DENY),
	ROW(AMBER_STRICT, RECIPIENT_ORG, FORWARD, DENY),
	ROW(AMBER_STRICT, RECIPIENT_ORG, EXPORT,  ALLOW),
	ROW(AMBER_STRICT, MEMBER_ORG,    READ,    DENY),
	ROW(AMBER_STRICT, MEMBER_ORG,    COMMENT, DENY),
	ROW(AMBER_STRICT, MEMBER_ORG,    EDIT,    DENY),
	ROW(AMBER_STRICT, MEMBER_ORG,    FORWARD, DENY),
	ROW(AMBER_STRICT, MEMBER_ORG,    EXPORT,  DENY),
	ROW(AMBER_STRICT, OUTSIDER,      READ,    DENY),
	ROW(AMBER_STRICT, OUTSIDER,      COMMENT, DENY),
	ROW(AMBER_STRICT, OUTSIDER,      EDIT,    DENY),
	ROW(AMBER_STRICT, OUTSIDER,      FORWARD, DENY),
	ROW(AMBER_STRICT, OUTSIDER,      EXPORT,  DENY),
	ROW(AMBER_STRICT, ANONYMOUS,     READ,    DENY),
	ROW(AMBER_STRICT, ANONYMOUS,     COMMENT, DENY),
	ROW(AMBER_STRICT, ANONYMOUS,     EDIT,    DENY),
	ROW(AMBER_STRICT, ANONYMOUS,     FORWARD, DENY),
	ROW(AMBER_STRICT, ANONYMOUS,     EXPORT,  DENY),
	/* TLP:RED */
	ROW(RED,          AUTHOR,        READ,    ALLOW),
	ROW(RED,          AUTHOR,        COMMENT, ALLOW),
	ROW(RED,          AUTHOR,        EDIT,    ALLOW),
	ROW(RED,          AUTHOR,        FORWARD, ALLOW),
	ROW(RED,          AUTHOR,        EXPORT,  ALLOW),
	ROW(RED,          RECIPIENT,     READ,    ALLOW),
	ROW(RED,          RECIPIENT,     COMMENT, ALLOW),
	ROW(RED,          RECIPIENT,     EDIT,    DENY),
	ROW(RED,          RECIPIENT,     FORWARD, DENY),
	ROW(RED,          RECIPIENT,     EXPORT,  DENY),
	ROW(RED,          RECIPIENT_ORG, READ,    DENY),
	ROW(RED,          RECIPIENT_ORG, COMMENT, DENY),
	ROW(RED,          RECIPIENT_ORG, EDIT,    DENY),
	ROW(RED,          RECIPIENT_ORG, FORWARD, DENY),
	ROW(RED,          RECIPIENT_ORG, EXPORT,  DENY),
	ROW(RED,          MEMBER_ORG,    READ,    DENY),
	ROW(RED,          MEMBER_ORG,    COMMENT, DENY),
	ROW(RED,          MEMBER_ORG,    EDIT,    DENY),
	ROW(RED,          MEMBER_ORG,    FORWARD, DENY),
	ROW(RED,          MEMBER_ORG,    EXPORT,  DENY),
	ROW(RED,          OUTSIDER,      READ,    DENY),
	ROW(RED,          OUTSIDER,      COMMENT, DENY),
	ROW(RED,          OUTSIDER,      EDIT,    DENY),
	ROW(RED,          OUTSIDER,      FORWARD, DENY),
	ROW(RED,          OUTSIDER,      EXPORT,  DENY),
	ROW(RED,          ANONYMOUS,     READ,    DENY),
	ROW(RED,          ANONYMOUS,     COMMENT, DENY),
	ROW(RED,          ANONYMOUS,     EDIT,    DENY),
	ROW(RED,          ANONYMOUS,     FORWARD, DENY),
	ROW(RED,          ANONYMOUS,     EXPORT,  DENY),
};

static void test_tlp_matrix(void **state)
{
	(void)state;
	assert_int_equal(ARRAY_LEN(matrix), TLP__COUNT * REL__COUNT * POLICY__ACTION_COUNT);
	int failures = 0;
	for (size_t i = 0; i < ARRAY_LEN(matrix); i++) {
		const struct matrix_row *row = &matrix[i];
		struct policy_actor a = actor_for(row->rel);
		struct policy_item it = matrix_item(row->tlp);
		struct policy_decision d = policy_decide(&a, &it, row->act);
		assert_non_null(d.reason);
		assert_true(strlen(d.reason) > 0);
		if (d.allow != row->allow) {
			print_error("TLP:%s %s %s: got %s (%s), want %s\n", tlp_name(row->tlp),
				    relation_names[row->rel], policy_action_name(row->act),
				    d.allow ? "allow" : "deny", d.reason,
				    row->allow ? "allow" : "deny");
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

/* Every (label, relation, action) appears exactly once in the matrix. */
static void test_matrix_complete(void **state)
{
	(void)state;
	int seen[TLP__COUNT][REL__COUNT][POLICY__ACTION_COUNT] = {{{0}}};
	for (size_t i = 0; i < ARRAY_LEN(matrix); i++)
		seen[matrix[i].tlp][matrix[i].rel][matrix[i].act]++;
	for (int t = 0; t < TLP__COUNT; t++)
		for (int r = 0; r < REL__COUNT; r++)
			for (int a = 0; a < POLICY__ACTION_COUNT; a++)
				assert_int_equal(seen[t][r][a], 1);
}

static bool can(const struct policy_actor *a, const struct policy_item *it, enum policy_action act)
{
	struct policy_decision d = policy_decide(a, it, act);
	assert_non_null(d.reason);
	return d.allow;
}

static void test_guidelines_not_accepted(void **state)
{
	(void)state;
	/* P, named in every item, whose guidelines acceptance is out of date. */
	struct policy_actor p = person(PERSON_P, ORG_O1);
	add_membership(&p, COMM_C, true, false);
	assert_false(policy_is_participant(&p, COMM_C));

	struct policy_item clear = matrix_item(TLP_CLEAR);
	struct policy_item green = matrix_item(TLP_GREEN);
	struct policy_item amber = matrix_item(TLP_AMBER);
	struct policy_item strict = matrix_item(TLP_AMBER_STRICT);
	struct policy_item red = matrix_item(TLP_RED);
	assert_true(can(&p, &clear, POLICY_READ));
	assert_true(can(&p, &clear, POLICY_EXPORT));
	assert_false(can(&p, &clear, POLICY_COMMENT));
	assert_false(can(&p, &green, POLICY_READ));
	assert_false(can(&p, &amber, POLICY_READ));
	assert_false(can(&p, &strict, POLICY_READ));
	assert_false(can(&p, &red, POLICY_READ));
	assert_false(can(&p, &green, POLICY_EXPORT));

	struct policy_decision d = policy_decide_community(&p, COMM_C, PC_SHARE);
	assert_false(d.allow);
	assert_non_null(d.reason);
	assert_true(policy_decide_community(&p, COMM_C, PC_VIEW).allow);
	assert_true(policy_decide_community(&p, COMM_C, PC_VIEW_MEMBERS).allow);

	/* Accepting the guidelines makes P a participant again. */
	p.memberships[0].accepted_current = true;
	assert_true(can(&p, &red, POLICY_READ));
	assert_true(policy_decide_community(&p, COMM_C, PC_SHARE).allow);
}

static void test_read_only_token(void **state)
{
	(void)state;
	struct policy_actor p = participant(PERSON_P, ORG_O1);
	p.can_write = false;
	struct policy_item green = matrix_item(TLP_GREEN);
	struct policy_item clear = matrix_item(TLP_CLEAR);
	assert_true(can(&p, &green, POLICY_READ));
	assert_true(can(&p, &green, POLICY_EXPORT));
	assert_false(can(&p, &green, POLICY_COMMENT));
	assert_false(can(&p, &green, POLICY_EDIT));
	assert_false(can(&p, &green, POLICY_FORWARD));
	assert_false(can(&p, &clear, POLICY_FORWARD));
	assert_false(can(&p, &clear, POLICY_COMMENT));

	/* The author's own read-only token does not edit either. */
	struct policy_actor a = participant(PERSON_A, ORG_S);
	a.can_write = false;
	struct policy_item red = matrix_item(TLP_RED);
	assert_true(can(&a, &red, POLICY_READ));
	assert_true(can(&a, &red, POLICY_EXPORT));
	assert_false(can(&a, &red, POLICY_EDIT));
	assert_false(can(&a, &red, POLICY_COMMENT));
	assert_false(can(&a, &red, POLICY_FORWARD));

	/* Community writes need the write scope too; views do not. */
	assert_false(policy_decide_community(&p, COMM_C, PC_SHARE).allow);
	assert_true(policy_decide_community(&p, COMM_C, PC_VIEW_MEMBERS).allow);
}

static void test_admin_gains_no_item_rights(void **state)
{
	(void)state;
	struct policy_actor admin = person(50, 150);
	admin.is_admin = true;
	for (int t = TLP_CLEAR; t < TLP__COUNT; t++) {
		struct policy_item it = matrix_item((enum tlp)t);
		bool clear = t == TLP_CLEAR;
		assert_true(can(&admin, &it, POLICY_READ) == clear);
		assert_true(can(&admin, &it, POLICY_EXPORT) == clear);
		assert_false(can(&admin, &it, POLICY_EDIT));
		assert_false(can(&admin, &it, POLICY_COMMENT));
	}
	/* Named as a recipient but not a participant: still nothing. */
	const int64_t named[] = {50};
	const int64_t named_orgs[] = {150};
	struct policy_item red = matrix_item(TLP_RED);
	red.recipient_people = named;
	red.recipient_people_orgs = named_orgs;
	assert_false(can(&admin, &red, POLICY_READ));

	/* An admin who takes part in C reads as a participant, no more. */
	add_membership(&admin, COMM_C, true, true);
	struct policy_item green = matrix_item(TLP_GREEN);
	struct policy_item amber = matrix_item(TLP_AMBER);
	assert_true(can(&admin, &green, POLICY_READ));
	assert_false(can(&admin, &amber, POLICY_READ));
	assert_false(can(&admin, &green, POLICY_EDIT));
}

static void test_author_after_leaving(void **state)
{
	(void)state;
	/* A's organisation left C. */
	struct policy_actor a = person(PERSON_A, ORG_S);
	add_membership(&a, COMM_C, false, true);
	for (int t = TLP_CLEAR; t < TLP__COUNT; t++) {
		struct policy_item it = matrix_item((enum tlp)t);
		assert_true(can(&a, &it, POLICY_READ));
		assert_true(can(&a, &it, POLICY_EDIT));
		assert_true(can(&a, &it, POLICY_FORWARD));
		assert_true(can(&a, &it, POLICY_EXPORT));
		/* Commenting is taking part, which A no longer does. */
		assert_false(can(&a, &it, POLICY_COMMENT));
	}
	/* Also with no membership row at all, or after moving to another organisation. */
	struct policy_actor moved = person(PERSON_A, ORG_OX);
	struct policy_item red = matrix_item(TLP_RED);
	assert_true(can(&moved, &red, POLICY_READ));
	assert_true(can(&moved, &red, POLICY_EDIT));
	/* Someone else of the old organisation gains nothing from it. */
	struct policy_actor colleague = person(7, ORG_S);
	add_membership(&colleague, COMM_C, false, true);
	struct policy_item amber = matrix_item(TLP_AMBER);
	assert_false(can(&colleague, &amber, POLICY_READ));
}

static void test_amber_recipient_orgs(void **state)
{
	(void)state;
	/* AMBER addressed to O3 by organisation, naming nobody. */
	const int64_t o3[] = {ORG_O3};
	struct policy_item amber = matrix_item(TLP_AMBER);
	amber.nrecipient_orgs = 1;
	amber.recipient_orgs = o3;
	amber.nrecipient_people = 0;
	amber.recipient_people = NULL;
	amber.recipient_people_orgs = NULL;

	struct policy_actor a = participant(PERSON_A, ORG_S);
	struct policy_actor m = participant(PERSON_M, ORG_O3);
	struct policy_actor m2 = participant(PERSON_M2, ORG_O3);
	struct policy_actor p = participant(PERSON_P, ORG_O1);
	struct policy_actor s2 = participant(8, ORG_S);
	struct policy_actor o4 = participant(11, ORG_O4);
	assert_true(can(&a, &amber, POLICY_READ));
	assert_true(can(&m, &amber, POLICY_READ));
	assert_true(can(&m2, &amber, POLICY_READ));
	assert_true(can(&m, &amber, POLICY_FORWARD));
	assert_true(can(&s2, &amber, POLICY_READ)); /* the source organisation */
	assert_false(can(&p, &amber, POLICY_READ));
	assert_false(can(&o4, &amber, POLICY_READ));

	struct policy_item strict = amber;
	strict.tlp = TLP_AMBER_STRICT;
	assert_true(can(&m, &strict, POLICY_READ));
	assert_true(can(&m, &strict, POLICY_EXPORT));
	assert_false(can(&m, &strict, POLICY_FORWARD));
	assert_false(can(&p, &strict, POLICY_READ));

	/* RED ignores recipient organisations: only named people count. */
	struct policy_item red = amber;
	red.tlp = TLP_RED;
	assert_false(can(&m, &red, POLICY_READ));
	assert_false(can(&s2, &red, POLICY_READ));
	assert_true(can(&a, &red, POLICY_READ));

	/* An item of another community is not readable through C. */
	struct policy_item elsewhere = matrix_item(TLP_GREEN);
	elsewhere.community_id = COMM_OTHER;
	assert_false(can(&m, &elsewhere, POLICY_READ));
	struct policy_actor x = actor_for(REL_OUTSIDER);
	assert_true(can(&x, &elsewhere, POLICY_READ));
}

/* A GREEN report of A naming P; comments by M. */
static struct core_report green_report(void)
{
	struct core_report r = {0};
	r.id = 500;
	r.tlp = TLP_GREEN;
	r.community_id = COMM_C;
	r.source_org_id = ORG_S;
	r.author_id = PERSON_A;
	r.nrecipient_people = 1;
	r.recipient_people[0] = PERSON_P;
	r.recipient_people_orgs[0] = ORG_O1;
	return r;
}

static bool can_comment(const struct policy_actor *a, const struct core_report *r,
			const struct core_comment *c, int64_t org, enum policy_action act)
{
	struct policy_decision d = policy_decide_comment(a, r, c, org, act);
	assert_non_null(d.reason);
	return d.allow;
}

static void test_comment_visibility(void **state)
{
	(void)state;
	struct policy_actor a = participant(PERSON_A, ORG_S);
	struct policy_actor p = participant(PERSON_P, ORG_O1);
	struct policy_actor q = participant(PERSON_Q, ORG_O1);
	struct policy_actor m = participant(PERSON_M, ORG_O3);
	struct policy_actor m2 = participant(PERSON_M2, ORG_O3);
	struct policy_actor x = actor_for(REL_OUTSIDER);
	struct policy_actor anon = anonymous();

	/* RED comment of M on a GREEN report: report author, report recipients
	 * and the commenter only. */
	struct core_report r = green_report();
	struct core_comment c = {.id = 1, .report_id = 500, .author_id = PERSON_M, .tlp = TLP_RED};
	assert_true(can_comment(&m, &r, &c, ORG_O3, POLICY_READ));
	assert_true(can_comment(&a, &r, &c, ORG_O3, POLICY_READ));
	assert_true(can_comment(&p, &r, &c, ORG_O3, POLICY_READ));
	assert_false(can_comment(&q, &r, &c, ORG_O3, POLICY_READ));
	assert_false(can_comment(&m2, &r, &c, ORG_O3, POLICY_READ));
	assert_false(can_comment(&x, &r, &c, ORG_O3, POLICY_READ));
	assert_false(can_comment(&anon, &r, &c, ORG_O3, POLICY_READ));
	/* Only its author edits or forwards a comment. */
	assert_true(can_comment(&m, &r, &c, ORG_O3, POLICY_EDIT));
	assert_false(can_comment(&a, &r, &c, ORG_O3, POLICY_EDIT));
	assert_false(can_comment(&p, &r, &c, ORG_O3, POLICY_FORWARD));
	assert_false(can_comment(&p, &r, &c, ORG_O3, POLICY_EXPORT));

	/* Without recipient people only the report author and the commenter. */
	struct core_report r2 = green_report();
	r2.nrecipient_people = 0;
	assert_true(can_comment(&a, &r2, &c, ORG_O3, POLICY_READ));
	assert_true(can_comment(&m, &r2, &c, ORG_O3, POLICY_READ));
	assert_false(can_comment(&p, &r2, &c, ORG_O3, POLICY_READ));

	/* The same GREEN comment is visible to every participant of C. */
	struct core_comment green = c;
	green.tlp = TLP_GREEN;
	assert_true(can_comment(&q, &r, &green, ORG_O3, POLICY_READ));
	assert_true(can_comment(&m2, &r, &green, ORG_O3, POLICY_READ));
	assert_false(can_comment(&x, &r, &green, ORG_O3, POLICY_READ));

	/* AMBER comment of M on the GREEN report: the report's organisations
	 * plus the commenter's own. */
	struct core_comment amber = c;
	amber.tlp = TLP_AMBER;
	struct policy_actor o4 = participant(11, ORG_O4);
	assert_true(can_comment(&q, &r, &amber, ORG_O3, POLICY_READ));
	assert_true(can_comment(&m2, &r, &amber, ORG_O3, POLICY_READ));
	assert_true(can_comment(&a, &r, &amber, ORG_O3, POLICY_READ));
	assert_false(can_comment(&o4, &r, &amber, ORG_O3, POLICY_READ));

	/* GREEN comment of Q on an AMBER report to P: invisible to non-recipients. */
	struct core_report ar = green_report();
	ar.tlp = TLP_AMBER;
	struct core_comment qc = {.id = 2, .report_id = 500, 
		.author_id = PERSON_Q, .tlp = TLP_GREEN};
	assert_true(can_comment(&q, &ar, &qc, ORG_O1, POLICY_READ));
	assert_true(can_comment(&p, &ar, &qc, ORG_O1, POLICY_READ));
	assert_true(can_comment(&a, &ar, &qc, ORG_O1, POLICY_READ));
	assert_false(can_comment(&m, &ar, &qc, ORG_O1, POLICY_READ));
	assert_false(can_comment(&x, &ar, &qc, ORG_O1, POLICY_READ));
	assert_false(can_comment(&anon, &ar, &qc, ORG_O1, POLICY_READ));

	/* A comment stored looser than its report is read at the report's label. */
	struct core_report rr = green_report();
	rr.tlp = TLP_RED;
	struct core_comment loose = {.id = 3, .report_id = 500, 
		.author_id = PERSON_P, .tlp = TLP_CLEAR};
	assert_true(can_comment(&a, &rr, &loose, ORG_O1, POLICY_READ));
	assert_false(can_comment(&q, &rr, &loose, ORG_O1, POLICY_READ));
	assert_false(can_comment(&anon, &rr, &loose, ORG_O1, POLICY_READ));
	assert_false(can_comment(&a, &rr, &loose, ORG_O1, POLICY_EXPORT));
	assert_false(can_comment(&a, &rr, &loose, ORG_O1, POLICY_FORWARD));
	assert_true(can_comment(&p, &rr, &loose, ORG_O1, POLICY_EXPORT)); /* its author */

	/* CLEAR comment on a CLEAR report: public like the report. */
	struct core_report cr = green_report();
	cr.tlp = TLP_CLEAR;
	struct core_comment cc = {.id = 4, .report_id = 500, 
		.author_id = PERSON_M, .tlp = TLP_CLEAR};
	assert_true(can_comment(&anon, &cr, &cc, ORG_O3, POLICY_READ));

	/* The commenter cannot read their comment once the report is out of reach. */
	struct policy_actor m_left = person(PERSON_M, ORG_O3);
	add_membership(&m_left, COMM_C, false, true);
	assert_false(can_comment(&m_left, &r, &c, ORG_O3, POLICY_READ));

	/* A comment of another report is never judged against this one. */
	struct core_comment other = c;
	other.report_id = 501;
	assert_false(can_comment(&m, &r, &other, ORG_O3, POLICY_READ));
	assert_false(policy_decide_comment(&m, NULL, &c, ORG_O3, POLICY_READ).allow);
	assert_false(policy_decide_comment(&m, &r, NULL, ORG_O3, POLICY_READ).allow);
	assert_false(policy_decide_comment(NULL, &r, &c, ORG_O3, POLICY_READ).allow);

	/* Creating a comment is COMMENT on the report itself. */
	struct policy_item it = policy_item_from_report(&ar);
	assert_true(can(&q, &it, POLICY_COMMENT));
	assert_false(can(&m, &it, POLICY_COMMENT));
}

static void test_comment_audience_full(void **state)
{
	(void)state;
	/* A report with the largest audience still fits the comment's item. */
	struct core_report r = green_report();
	r.tlp = TLP_AMBER;
	r.nrecipient_orgs = CORE_RECIPIENTS_MAX;
	r.nrecipient_people = CORE_RECIPIENTS_MAX;
	for (int i = 0; i < CORE_RECIPIENTS_MAX; i++) {
		r.recipient_orgs[i] = 1000 + i;
		r.recipient_people[i] = 2000 + i;
		r.recipient_people_orgs[i] = 3000 + i;
	}
	struct core_comment c = {.id = 1, .report_id = 500, .author_id = PERSON_A, .tlp = TLP_RED};
	struct policy_actor last = participant(2000 + CORE_RECIPIENTS_MAX - 1, 1);
	struct policy_actor not_named = participant(4000, 3000 + CORE_RECIPIENTS_MAX - 1);
	assert_true(can_comment(&last, &r, &c, ORG_S, POLICY_READ));
	assert_false(can_comment(&not_named, &r, &c, ORG_S, POLICY_READ));
	struct core_comment ac = c;
	ac.tlp = TLP_AMBER;
	assert_true(can_comment(&not_named, &r, &ac, ORG_S, POLICY_READ));

	/* Counts beyond the arrays are clamped, not followed. */
	r.nrecipient_orgs = CORE_RECIPIENTS_MAX + 50;
	r.nrecipient_people = CORE_RECIPIENTS_MAX + 50;
	assert_true(can_comment(&last, &r, &c, ORG_S, POLICY_READ));
	struct policy_item it = policy_item_from_report(&r);
	assert_int_equal(it.nrecipient_orgs, CORE_RECIPIENTS_MAX);
	assert_int_equal(it.nrecipient_people, CORE_RECIPIENTS_MAX);
	r.nrecipient_people = -3;
	it = policy_item_from_report(&r);
	assert_int_equal(it.nrecipient_people, 0);
}

/* ---- community actions ---- */

enum cactor {
	CA_CHAIR,
	CA_VICE_CHAIR,
	CA_SECRETARY,
	CA_REP,        /* plain primary representative */
	CA_BACKUP,     /* plain backup representative */
	CA_MEMBER,     /* person of a member organisation, no representative */
	CA_OUTSIDER,   /* organisation not a member */
	CA_APPLICANT,  /* organisation with a pending membership */
	CA_ADMIN,      /* instance administrator, organisation not a member */
	CA_ANONYMOUS,
	CA__COUNT
};

static const char *const cactor_names[] = {"chair",	 "vice-chair", "secretary", "rep",
					   "backup",	 "member",     "outsider",  "applicant",
					   "admin",	 "anonymous"};

static struct policy_actor representative(int64_t id, int64_t org, enum rep_kind kind,
					  enum role role)
{
	struct policy_actor a = person(id, org);
	struct policy_membership *m = add_membership(&a, COMM_C, true, true);
	m->is_representative = true;
	m->rep_kind = kind;
	m->role = role;
	return a;
}

static struct policy_actor community_actor(enum cactor c)
{
	struct policy_actor a;
	switch (c) {
	case CA_CHAIR:
		return representative(21, ORG_S, REP_PRIMARY, ROLE_CHAIR);
	case CA_VICE_CHAIR:
		return representative(22, ORG_O1, REP_PRIMARY, ROLE_VICE_CHAIR);
	case CA_SECRETARY:
		return representative(23, ORG_O3, REP_BACKUP, ROLE_SECRETARY);
	case CA_REP:
		return representative(24, ORG_O3, REP_PRIMARY, ROLE_MEMBER);
	case CA_BACKUP:
		return representative(25, ORG_O1, REP_BACKUP, ROLE_MEMBER);
	case CA_MEMBER:
		return participant(PERSON_M, ORG_O3);
	case CA_OUTSIDER:
		return actor_for(REL_OUTSIDER);
	case CA_APPLICANT:
		a = person(26, ORG_O4);
		add_membership(&a, COMM_C, false, false);
		return a;
	case CA_ADMIN:
		a = person(50, 150);
		a.is_admin = true;
		return a;
	case CA_ANONYMOUS:
	case CA__COUNT:
		break;
	}
	return anonymous();
}

struct community_row {
	enum cactor who;
	enum policy_community_action act;
	bool allow;
};

#define CROW(w, a, e) {CA_##w, PC_##a, e}

static const struct community_row community_matrix[] = {
	CROW(CHAIR,      VIEW,         ALLOW),
	CROW(CHAIR,      VIEW_MEMBERS, ALLOW),
	CROW(CHAIR,      MANAGE,       ALLOW),
	CROW(CHAIR,      ADD_MEMBER,   DENY),
	CROW(CHAIR,      SET_REPS,     ALLOW),
	CROW(CHAIR,      SHARE,        ALLOW),
	CROW(CHAIR,      APPLY,        DENY),
	CROW(CHAIR,      VOTE,         ALLOW),
	CROW(CHAIR,      VIEW_TALLY,   DENY),
	CROW(CHAIR,      VIEW_AUDIT,   DENY),

	CROW(VICE_CHAIR, VIEW,         ALLOW),
	CROW(VICE_CHAIR, VIEW_MEMBERS, ALLOW),
	CROW(VICE_CHAIR, MANAGE,       ALLOW),
	CROW(VICE_CHAIR, ADD_MEMBER,   DENY),
	CROW(VICE_CHAIR, SET_REPS,     DENY),
	CROW(VICE_CHAIR, SHARE,        ALLOW),
	CROW(VICE_CHAIR, APPLY,        DENY),
	CROW(VICE_CHAIR, VOTE,         ALLOW),
	CROW(VICE_CHAIR, VIEW_TALLY,   DENY),
	CROW(VICE_CHAIR, VIEW_AUDIT,   DENY),

	CROW(SECRETARY,  VIEW,         ALLOW),
	CROW(SECRETARY,  VIEW_MEMBERS, ALLOW),
	CROW(SECRETARY,  MANAGE,       ALLOW),
	CROW(SECRETARY,  ADD_MEMBER,   DENY),
	CROW(SECRETARY,  SET_REPS,     ALLOW),
	CROW(SECRETARY,  SHARE,        ALLOW),
	CROW(SECRETARY,  APPLY,        DENY),
	CROW(SECRETARY,  VOTE,         ALLOW),
	CROW(SECRETARY,  VIEW_TALLY,   ALLOW),
	CROW(SECRETARY,  VIEW_AUDIT,   ALLOW),

	CROW(REP,        VIEW,         ALLOW),
	CROW(REP,        VIEW_MEMBERS, ALLOW),
	CROW(REP,        MANAGE,       DENY),
	CROW(REP,        ADD_MEMBER,   DENY),
	CROW(REP,        SET_REPS,     DENY),
	CROW(REP,        SHARE,        ALLOW),
	CROW(REP,        APPLY,        DENY),
	CROW(REP,        VOTE,         ALLOW),
	CROW(REP,        VIEW_TALLY,   DENY),
	CROW(REP,        VIEW_AUDIT,   DENY),

	CROW(BACKUP,     VIEW,         ALLOW),
	CROW(BACKUP,     VIEW_MEMBERS, ALLOW),
	CROW(BACKUP,     MANAGE,       DENY),
	CROW(BACKUP,     ADD_MEMBER,   DENY),
	CROW(BACKUP,     SET_REPS,     DENY),
	CROW(BACKUP,     SHARE,        ALLOW),
	CROW(BACKUP,     APPLY,        DENY),
	CROW(BACKUP,     VOTE,         ALLOW),
	CROW(BACKUP,     VIEW_TALLY,   DENY),
	CROW(BACKUP,     VIEW_AUDIT,   DENY),

	CROW(MEMBER,     VIEW,         ALLOW),
	CROW(MEMBER,     VIEW_MEMBERS, ALLOW),
	CROW(MEMBER,     MANAGE,       DENY),
	CROW(MEMBER,     ADD_MEMBER,   DENY),
	CROW(MEMBER,     SET_REPS,     DENY),
	CROW(MEMBER,     SHARE,        ALLOW),
	CROW(MEMBER,     APPLY,        DENY),
	CROW(MEMBER,     VOTE,         DENY),
	CROW(MEMBER,     VIEW_TALLY,   DENY),
	CROW(MEMBER,     VIEW_AUDIT,   DENY),

	CROW(OUTSIDER,   VIEW,         ALLOW),
	CROW(OUTSIDER,   VIEW_MEMBERS, DENY),
	CROW(OUTSIDER,   MANAGE,       DENY),
	CROW(OUTSIDER,   ADD_MEMBER,   DENY),
	CROW(OUTSIDER,   SET_REPS,     DENY),
	CROW(OUTSIDER,   SHARE,        DENY),
	CROW(OUTSIDER,   APPLY,        ALLOW),
	CROW(OUTSIDER,   VOTE,         DENY),
	CROW(OUTSIDER,   VIEW_TALLY,   DENY),
	CROW(OUTSIDER,   VIEW_AUDIT,   DENY),

	CROW(APPLICANT,  VIEW,         ALLOW),
	CROW(APPLICANT,  VIEW_MEMBERS, DENY),
	CROW(APPLICANT,  MANAGE,       DENY),
	CROW(APPLICANT,  ADD_MEMBER,   DENY),
	CROW(APPLICANT,  SET_REPS,     DENY),
	CROW(APPLICANT,  SHARE,        DENY),
	CROW(APPLICANT,  APPLY,        ALLOW),
	CROW(APPLICANT,  VOTE,         DENY),
	CROW(APPLICANT,  VIEW_TALLY,   DENY),
	CROW(APPLICANT,  VIEW_AUDIT,   DENY),

	CROW(ADMIN,      VIEW,         ALLOW),
	CROW(ADMIN,      VIEW_MEMBERS, ALLOW),
	CROW(ADMIN,      MANAGE,       ALLOW),
	CROW(ADMIN,      ADD_MEMBER,   ALLOW),
	CROW(ADMIN,      SET_REPS,     ALLOW),
	CROW(ADMIN,      SHARE,        DENY),
	CROW(ADMIN,      APPLY,        ALLOW),
	CROW(ADMIN,      VOTE,         DENY),
	CROW(ADMIN,      VIEW_TALLY,   ALLOW),
	CROW(ADMIN,      VIEW_AUDIT,   ALLOW),

	CROW(ANONYMOUS,  VIEW,         DENY),
	CROW(ANONYMOUS,  VIEW_MEMBERS, DENY),
	CROW(ANONYMOUS,  MANAGE,       DENY),
	CROW(ANONYMOUS,  ADD_MEMBER,   DENY),
	CROW(ANONYMOUS,  SET_REPS,     DENY),
	CROW(ANONYMOUS,  SHARE,        DENY),
	CROW(ANONYMOUS,  APPLY,        DENY),
	CROW(ANONYMOUS,  VOTE,         DENY),
	CROW(ANONYMOUS,  VIEW_TALLY,   DENY),
	CROW(ANONYMOUS,  VIEW_AUDIT,   DENY),
};

static void test_community_matrix(void **state)
{
	(void)state;
	assert_int_equal(ARRAY_LEN(community_matrix), CA__COUNT * PC__COUNT);
	int failures = 0;
	for (size_t i = 0; i < ARRAY_LEN(community_matrix); i++) {
		const struct community_row *row = &community_matrix[i];
		struct policy_actor a = community_actor(row->who);
		struct policy_decision d = policy_decide_community(&a, COMM_C, row->act);
		assert_non_null(d.reason);
		assert_true(strlen(d.reason) > 0);
		if (d.allow != row->allow) {
			print_error("%s %s: got %s (%s), want %s\n", cactor_names[row->who],
				    policy_community_action_name(row->act),
				    d.allow ? "allow" : "deny", d.reason,
				    row->allow ? "allow" : "deny");
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

static bool may(const struct policy_actor *a, int64_t community, enum policy_community_action act)
{
	struct policy_decision d = policy_decide_community(a, community, act);
	assert_non_null(d.reason);
	return d.allow;
}

static void test_community_conditions(void **state)
{
	(void)state;
	/* Roles count only while their holder takes part. */
	struct policy_actor chair = community_actor(CA_CHAIR);
	chair.memberships[0].accepted_current = false;
	assert_false(may(&chair, COMM_C, PC_MANAGE));
	assert_false(may(&chair, COMM_C, PC_SET_REPS));
	assert_false(may(&chair, COMM_C, PC_VOTE));
	assert_false(may(&chair, COMM_C, PC_SHARE));
	assert_true(may(&chair, COMM_C, PC_VIEW_MEMBERS));

	struct policy_actor secretary = community_actor(CA_SECRETARY);
	secretary.memberships[0].org_is_member = false;
	assert_false(may(&secretary, COMM_C, PC_VIEW_TALLY));
	assert_false(may(&secretary, COMM_C, PC_VIEW_AUDIT));
	assert_false(may(&secretary, COMM_C, PC_VIEW_MEMBERS));
	assert_true(may(&secretary, COMM_C, PC_APPLY));

	struct policy_actor rep = community_actor(CA_REP);
	rep.memberships[0].accepted_current = false;
	assert_false(may(&rep, COMM_C, PC_VOTE));

	/* Read-only credentials: views yes, changes no. */
	struct policy_actor ro_chair = community_actor(CA_CHAIR);
	ro_chair.can_write = false;
	assert_false(may(&ro_chair, COMM_C, PC_MANAGE));
	assert_false(may(&ro_chair, COMM_C, PC_VOTE));
	assert_true(may(&ro_chair, COMM_C, PC_VIEW_MEMBERS));
	struct policy_actor ro_admin = community_actor(CA_ADMIN);
	ro_admin.can_write = false;
	assert_false(may(&ro_admin, COMM_C, PC_ADD_MEMBER));
	assert_false(may(&ro_admin, COMM_C, PC_SET_REPS));
	assert_true(may(&ro_admin, COMM_C, PC_VIEW_AUDIT));
	struct policy_actor ro_secretary = community_actor(CA_SECRETARY);
	ro_secretary.can_write = false;
	assert_true(may(&ro_secretary, COMM_C, PC_VIEW_TALLY));

	/* A role in one community gives nothing in another. */
	struct policy_actor other_chair = community_actor(CA_CHAIR);
	other_chair.memberships[0].community_id = COMM_OTHER;
	assert_false(may(&other_chair, COMM_C, PC_MANAGE));
	assert_false(may(&other_chair, COMM_C, PC_VIEW_MEMBERS));
	assert_true(may(&other_chair, COMM_OTHER, PC_MANAGE));

	/* Admins are admins everywhere, also in communities they are members of. */
	struct policy_actor admin = community_actor(CA_ADMIN);
	assert_true(may(&admin, COMM_OTHER, PC_VIEW_AUDIT));
	add_membership(&admin, COMM_C, true, true);
	assert_true(may(&admin, COMM_C, PC_SHARE));
	assert_false(may(&admin, COMM_C, PC_APPLY));
	assert_false(may(&admin, COMM_C, PC_VOTE));

	assert_false(may(NULL, COMM_C, PC_VIEW));
	assert_false(may(&admin, COMM_C, PC__COUNT));
	assert_false(may(&admin, COMM_C, (enum policy_community_action)-1));
}

static void test_helpers(void **state)
{
	(void)state;
	struct policy_actor a = person(PERSON_M, ORG_O3);
	add_membership(&a, COMM_OTHER, true, false);
	add_membership(&a, COMM_C, true, true);
	const struct policy_membership *m = policy_membership_of(&a, COMM_C);
	assert_non_null(m);
	assert_ptr_equal(m, &a.memberships[1]);
	assert_null(policy_membership_of(&a, 99));
	assert_null(policy_membership_of(&a, 0));
	assert_null(policy_membership_of(NULL, COMM_C));
	assert_true(policy_is_participant(&a, COMM_C));
	assert_false(policy_is_participant(&a, COMM_OTHER));
	assert_false(policy_is_participant(NULL, COMM_C));

	/* Anonymous actors have no memberships, whatever the struct holds. */
	struct policy_actor anon = anonymous();
	anon.nmemberships = 1;
	anon.memberships[0].community_id = COMM_C;
	anon.memberships[0].org_is_member = true;
	anon.memberships[0].accepted_current = true;
	assert_false(policy_is_participant(&anon, COMM_C));
	/* A count beyond the array is not followed. */
	a.nmemberships = POLICY_MAX_MEMBERSHIPS + 10;
	assert_null(policy_membership_of(&a, 99));

	assert_string_equal(policy_action_name(POLICY_READ), "read");
	assert_string_equal(policy_action_name(POLICY_COMMENT), "comment");
	assert_string_equal(policy_action_name(POLICY_EDIT), "edit");
	assert_string_equal(policy_action_name(POLICY_FORWARD), "forward");
	assert_string_equal(policy_action_name(POLICY_EXPORT), "export");
	assert_string_equal(policy_action_name(POLICY__ACTION_COUNT), "unknown");
	assert_string_equal(policy_community_action_name(PC_VIEW), "view");
	assert_string_equal(policy_community_action_name(PC_VIEW_MEMBERS), "view-members");
	assert_string_equal(policy_community_action_name(PC_VIEW_AUDIT), "view-audit");
	assert_string_equal(policy_community_action_name(PC__COUNT), "unknown");

	struct core_report r = green_report();
	r.nrecipient_orgs = 2;
	r.recipient_orgs[0] = ORG_O3;
	r.recipient_orgs[1] = ORG_O4;
	struct policy_item it = policy_item_from_report(&r);
	assert_int_equal(it.tlp, TLP_GREEN);
	assert_int_equal(it.community_id, COMM_C);
	assert_int_equal(it.author_id, PERSON_A);
	assert_int_equal(it.source_org_id, ORG_S);
	assert_int_equal(it.nrecipient_orgs, 2);
	assert_ptr_equal(it.recipient_orgs, r.recipient_orgs);
	assert_int_equal(it.nrecipient_people, 1);
	assert_ptr_equal(it.recipient_people, r.recipient_people);
	assert_ptr_equal(it.recipient_people_orgs, r.recipient_people_orgs);
}

static void test_malformed_input_denies(void **state)
{
	(void)state;
	struct policy_actor anon = anonymous();
	struct policy_actor a = participant(PERSON_A, ORG_S);
	struct policy_item clear = matrix_item(TLP_CLEAR);

	/* No report: even the public read is refused. */
	struct policy_item none = policy_item_from_report(NULL);
	assert_false(can(&anon, &none, POLICY_READ));
	assert_false(can(&a, &none, POLICY_READ));

	assert_false(policy_decide(NULL, &clear, POLICY_READ).allow);
	assert_non_null(policy_decide(NULL, &clear, POLICY_READ).reason);
	assert_false(policy_decide(&a, NULL, POLICY_READ).allow);
	assert_false(can(&a, &clear, POLICY__ACTION_COUNT));
	assert_false(can(&a, &clear, (enum policy_action)-1));
	struct policy_item bad = clear;
	bad.tlp = TLP__COUNT;
	assert_false(can(&a, &bad, POLICY_READ));
	bad.tlp = (enum tlp)-1;
	assert_false(can(&anon, &bad, POLICY_READ));

	/* Unset ids never match: an item without an author is nobody's. */
	struct policy_actor zero = participant(0, 0);
	struct policy_item orphan = matrix_item(TLP_RED);
	orphan.author_id = 0;
	orphan.source_org_id = 0;
	assert_false(can(&zero, &orphan, POLICY_READ));
	assert_false(can(&zero, &orphan, POLICY_EDIT));
	orphan.tlp = TLP_AMBER;
	assert_false(can(&zero, &orphan, POLICY_READ));

	/* An anonymous actor with stray fields set is still anonymous. */
	struct policy_actor fake = participant(PERSON_A, ORG_S);
	fake.authenticated = false;
	struct policy_item green = matrix_item(TLP_GREEN);
	assert_false(can(&fake, &green, POLICY_READ));
	assert_false(can(&fake, &clear, POLICY_EDIT));
}

/* ---- constituency registry and notifications ---- */

static bool cn(const struct policy_actor *a, int64_t org, enum policy_constituency_action act)
{
	struct policy_decision d = policy_decide_constituency(a, org, act);
	assert_non_null(d.reason);
	return d.allow;
}

static void test_constituency_matrix(void **state)
{
	(void)state;
	struct policy_actor anon = anonymous();
	struct policy_actor own = person(PERSON_P, ORG_O1);
	struct policy_actor other = person(PERSON_M, ORG_O3);
	struct policy_actor admin = person(PERSON_X, ORG_OX);
	admin.is_admin = true;
	struct policy_actor ro = own;
	ro.can_write = false;
	struct policy_actor ro_admin = admin;
	ro_admin.can_write = false;

	for (int act = 0; act < PCN__COUNT; act++) {
		enum policy_constituency_action x = (enum policy_constituency_action)act;
		bool org_may = x == PCN_VIEW || x == PCN_EDIT_PRODUCTS || x == PCN_EDIT_CONTACTS ||
			       x == PCN_EDIT_ROUTES;
		assert_false(cn(&anon, ORG_O1, x));
		assert_false(cn(NULL, ORG_O1, x));
		assert_int_equal(cn(&own, ORG_O1, x), org_may);
		/* another organisation's registry is never theirs to see or change */
		assert_false(cn(&other, ORG_O1, x));
		assert_true(cn(&admin, ORG_O1, x));
		/* read-only tokens only look */
		assert_int_equal(cn(&ro, ORG_O1, x), x == PCN_VIEW);
		assert_int_equal(cn(&ro_admin, ORG_O1, x), x == PCN_VIEW);
		assert_string_not_equal(policy_constituency_action_name(x), "unknown");
	}
	/* networks decide who hears about an address: never self-service */
	assert_false(cn(&own, ORG_O1, PCN_EDIT_NETWORK));
	assert_false(cn(&own, ORG_O1, PCN_RUN));
	/* an actor without organisation owns no registry */
	struct policy_actor orphan = person(PERSON_Q, 0);
	assert_false(cn(&orphan, 0, PCN_VIEW));
	assert_false(cn(&admin, ORG_O1, PCN__COUNT));
	assert_false(cn(&admin, ORG_O1, (enum policy_constituency_action)-1));
	assert_string_equal(policy_constituency_action_name(PCN__COUNT), "unknown");
	assert_string_equal(policy_constituency_action_name(PCN_RUN), "run");
}

static void test_notify_labels(void **state)
{
	(void)state;
	enum tlp label = TLP_CLEAR;
	struct policy_decision d = policy_decide_notify(PNR_DIRECT, false, false, &label);
	assert_true(d.allow);
	assert_int_equal(label, TLP_AMBER_STRICT);

	/* a supplier: only with the client's consent and when it serves it */
	label = TLP_CLEAR;
	assert_false(policy_decide_notify(PNR_SUPPLIER, false, true, &label).allow);
	assert_int_equal(label, TLP_CLEAR); /* untouched when denied */
	assert_false(policy_decide_notify(PNR_SUPPLIER, true, false, &label).allow);
	d = policy_decide_notify(PNR_SUPPLIER, true, true, &label);
	assert_true(d.allow);
	assert_int_equal(label, TLP_AMBER);

	label = TLP_CLEAR;
	assert_false(policy_decide_notify(PNR_LINKING, false, true, &label).allow);
	assert_false(policy_decide_notify(PNR_LINKING, true, false, &label).allow);
	assert_true(policy_decide_notify(PNR_LINKING, true, true, &label).allow);
	assert_int_equal(label, TLP_AMBER);

	/* a relay's label lets it pass the findings to its client; the
	 * victim's own does not go further */
	assert_true(TLP_AMBER < TLP_AMBER_STRICT);
	assert_false(policy_decide_notify(PNR__COUNT, true, true, &label).allow);
	assert_false(policy_decide_notify((enum policy_notify_route)-1, true, true, NULL).allow);
	assert_true(policy_decide_notify(PNR_DIRECT, true, true, NULL).allow);

	/* what the source labelled stricter than AMBER is not passed on */
	assert_true(policy_decide_notify_source(TLP_CLEAR).allow);
	assert_true(policy_decide_notify_source(TLP_GREEN).allow);
	assert_true(policy_decide_notify_source(TLP_AMBER).allow);
	assert_false(policy_decide_notify_source(TLP_AMBER_STRICT).allow);
	assert_false(policy_decide_notify_source(TLP_RED).allow);
	assert_false(policy_decide_notify_source(TLP__COUNT).allow);
	assert_non_null(policy_decide_notify_source(TLP_RED).reason);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tlp_matrix),
		cmocka_unit_test(test_matrix_complete),
		cmocka_unit_test(test_guidelines_not_accepted),
		cmocka_unit_test(test_read_only_token),
		cmocka_unit_test(test_admin_gains_no_item_rights),
		cmocka_unit_test(test_author_after_leaving),
		cmocka_unit_test(test_amber_recipient_orgs),
		cmocka_unit_test(test_comment_visibility),
		cmocka_unit_test(test_comment_audience_full),
		cmocka_unit_test(test_community_matrix),
		cmocka_unit_test(test_community_conditions),
		cmocka_unit_test(test_helpers),
		cmocka_unit_test(test_malformed_input_denies),
		cmocka_unit_test(test_constituency_matrix),
		cmocka_unit_test(test_notify_labels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
