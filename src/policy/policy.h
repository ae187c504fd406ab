/* policy.h - the ONE place where kring decides who may do what.
 *
 * Pure functions over plain structs: no I/O, no allocation, no globals.
 * Every way out of kring (API, CLI, exports, later web, TAXII, feeds, mail)
 * builds a policy_actor and a policy_item and asks policy_decide(); nothing
 * else decides access. Answers carry a short static reason for audit/tests.
 *
 * FIRST TLP 2.0 as kring applies it (the audience of an item is a community):
 *   CLEAR        anyone, also anonymous, may read and export.
 *   GREEN        every participant of the item's community.
 *   AMBER        people of the recipient organisations: the source
 *                organisation, the listed recipient organisations and the
 *                organisations of named recipient people. Readers may
 *                forward to their clients (an explicit action).
 *   AMBER+STRICT like AMBER for reading; no forwarding.
 *   RED          only the named recipient people and the author; no
 *                forwarding, no export except by the author.
 * A "participant" of a community is a person whose organisation is an
 * admitted member and who has accepted the community's current membership
 * guidelines. Except for CLEAR, reading needs participation in the item's
 * community (also for named recipients). The author may always read and
 * edit their own item, even after leaving (also forward and export it);
 * commenting is taking part in the community and needs participation, for
 * the author too. Forwarding a CLEAR item is open to any signed-in person;
 * anonymous callers only read and export CLEAR. Named recipient people of
 * an AMBER* item count as recipients besides their organisations; for RED
 * only the named people (and the author) count. Instance administrators
 * gain no right to read items. Every action that changes something (COMMENT, EDIT,
 * FORWARD, PC_MANAGE, PC_ADD_MEMBER, PC_SET_REPS, PC_SHARE, PC_APPLY, PC_VOTE)
 * also needs a->can_write. */
#ifndef KR_POLICY_H
#define KR_POLICY_H

#include "core/model.h"

#include <stdbool.h>
#include <stdint.h>

#define POLICY_MAX_MEMBERSHIPS 64

struct policy_membership {
	int64_t community_id;
	bool org_is_member;     /* the actor's organisation is an admitted member */
	bool accepted_current;  /* the person accepted the current guidelines version */
	bool is_representative; /* primary or backup representative of the org */
	enum rep_kind rep_kind; /* valid when is_representative */
	enum role role;         /* ROLE_MEMBER unless chair / vice-chair / secretary */
};

struct policy_actor {
	bool authenticated;     /* false: anonymous; all other fields zero */
	int64_t person_id;
	int64_t org_id;
	bool is_admin;          /* instance administrator */
	bool can_write;         /* false for read-scoped API tokens */
	int nmemberships;
	struct policy_membership memberships[POLICY_MAX_MEMBERSHIPS];
};

struct policy_item {
	enum tlp tlp;
	int64_t community_id;
	int64_t author_id;
	int64_t source_org_id;
	int nrecipient_orgs;
	const int64_t *recipient_orgs;
	int nrecipient_people;
	const int64_t *recipient_people;
	const int64_t *recipient_people_orgs; /* same length as recipient_people */
};

enum policy_action {
	POLICY_READ,     /* see it exists, its title, body, indicators */
	POLICY_COMMENT,  /* add a comment */
	POLICY_EDIT,     /* change it (a new version) */
	POLICY_FORWARD,  /* pass it on outside its audience (AMBER: to clients) */
	POLICY_EXPORT,   /* machine export: STIX, MISP, CSV, feeds, TAXII */
	POLICY__ACTION_COUNT
};
/* "read", "comment", "edit", "forward", "export"; "unknown" when out of range. */
const char *policy_action_name(enum policy_action a);

struct policy_decision {
	bool allow;
	const char *reason; /* static text, never NULL */
};

struct policy_decision policy_decide(const struct policy_actor *a,
				     const struct policy_item *it,
				     enum policy_action act);

/* Convenience: the policy_item view of a report (pointers into r). */
struct policy_item policy_item_from_report(const struct core_report *r);

/* The policy_item of a comment: its own label, authored by the commenter,
 * addressed to the report's audience (report author, report source
 * organisation and recipients). Reading a comment also requires reading the
 * report; policy_decide_comment() checks both. The arrays of r are used, so
 * the returned item is valid while r is. */
struct policy_decision policy_decide_comment(const struct policy_actor *a,
					     const struct core_report *r,
					     const struct core_comment *c,
					     int64_t comment_author_org,
					     enum policy_action act);

/* Membership entry of the actor for a community, or NULL. */
const struct policy_membership *policy_membership_of(const struct policy_actor *a,
						     int64_t community_id);
/* Participant: member organisation and accepted current guidelines. */
bool policy_is_participant(const struct policy_actor *a, int64_t community_id);

/* ---- community-level decisions ---- */
enum policy_community_action {
	PC_VIEW,          /* name, kind, description, guidelines: any authenticated person */
	PC_VIEW_MEMBERS,  /* member organisations and representatives: members of the community (org member) and admins */
	PC_MANAGE,        /* change description, guidelines, limits: chair, vice-chair, secretary, admin */
	PC_ADD_MEMBER,    /* add a founding member directly, bypassing a vote: admin only */
	PC_SET_REPS,      /* set representatives and roles: chair, secretary, admin */
	PC_SHARE,         /* create items: participants (and can_write) */
	PC_APPLY,         /* apply for membership: authenticated person whose org is not a member */
	PC_VOTE,          /* vote on an application: representative of a member org who accepted the guidelines */
	PC_VIEW_TALLY,    /* see every vote of an application: secretary and admin */
	PC_VIEW_AUDIT,    /* read the community's audit log: secretary and admin */
	PC__COUNT
};
struct policy_decision policy_decide_community(const struct policy_actor *a,
					       int64_t community_id,
					       enum policy_community_action act);
/* Text of a community action for audit and logs ("view", "view-members",
 * "manage", "add-member", "set-reps", "share", "apply", "vote", "view-tally",
 * "view-audit"); "unknown" when out of range, never NULL. */
const char *policy_community_action_name(enum policy_community_action a);

/* ---- constituency registry and notifications ---- */

/* What may be done with the notification registry of an organisation
 * (its registrations, security contacts and routes) and with notification
 * runs. Prefixes, AS numbers and domains decide who receives findings about
 * an address, so only an administrator (who checked the ownership) adds or
 * removes them; an organisation states its own products, contacts and
 * routes (a route via a supplier is the organisation's consent that AMBER
 * findings about it go to that supplier). */
enum policy_constituency_action {
	PCN_VIEW,          /* see the registry of org: its people and admins */
	PCN_EDIT_NETWORK,  /* add/remove prefixes, ASNs, domains: admin */
	PCN_EDIT_PRODUCTS, /* add/remove products and CPEs: its people and admins */
	PCN_EDIT_CONTACTS, /* add/remove security contacts: its people and admins */
	PCN_EDIT_ROUTES,   /* add/remove routes: its people and admins */
	PCN_RUN,           /* start, list and read notification runs (any org): admin */
	PCN__COUNT
};
/* org_id is the organisation whose registry is concerned (ignored for
 * PCN_RUN). Every action but PCN_VIEW also needs a->can_write. */
struct policy_decision policy_decide_constituency(const struct policy_actor *a, int64_t org_id,
						  enum policy_constituency_action act);
/* "view", "edit-network", "edit-products", "edit-contacts", "edit-routes",
 * "run"; "unknown" when out of range, never NULL. */
const char *policy_constituency_action_name(enum policy_constituency_action a);

/* How a notification about a victim's findings reaches a recipient. */
enum policy_notify_route {
	PNR_DIRECT,   /* to the victim organisation itself */
	PNR_SUPPLIER, /* to an IT supplier that serves the victim (relay) */
	PNR_LINKING,  /* to a linking organisation the victim is a member of (relay) */
	PNR__COUNT
};
/* May findings about the victim go out on this route, and under which TLP
 * label (*label, set when allowed)? Direct: always, TLP:AMBER+STRICT (the
 * victim alone; no forwarding). Supplier: only when the victim opted in to
 * the route (consented), TLP:AMBER, so the supplier may act for and pass it
 * to its client. Linking: only for a member that chose the route, TLP:AMBER.
 * A relay must serve the victim (relay_serves_victim), else it is denied:
 * a relay never receives findings about organisations it does not serve. */
struct policy_decision policy_decide_notify(enum policy_notify_route route,
					    bool victim_opted_in, bool relay_serves_victim,
					    enum tlp *label);
/* May findings that kring received under source_label be notified at all?
 * Up to TLP:AMBER (the receiving team may share AMBER with its
 * constituents, the organisations concerned): yes, under the route's label
 * (never looser than the source's, since direct is AMBER+STRICT and a relay
 * AMBER). AMBER+STRICT and RED findings stay with the team that received
 * them: no. A source without a label passes as CLEAR. */
struct policy_decision policy_decide_notify_source(enum tlp source_label);

#endif
