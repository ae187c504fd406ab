/* rules.c - admission by unanimous vote and limits on representatives. */
#include "core/rules.h"
#include "util/err.h"

#include <stdbool.h>

#include "util/banned.h"

static bool is_member(const int64_t *member_orgs, size_t nmembers, int64_t org)
{
	for (size_t i = 0; i < nmembers; i++) {
		if (member_orgs[i] == org)
			return true;
	}
	return false;
}

enum app_status core_admission_outcome(const int64_t *member_orgs, size_t nmembers,
				       const struct core_vote *votes, size_t nvotes)
{
	if (!member_orgs || nmembers == 0)
		return APP_PENDING;
	if (!votes)
		nvotes = 0;

	/* One "no" from a current member ends it, whatever else was cast. */
	for (size_t i = 0; i < nvotes; i++) {
		if (votes[i].vote == VOTE_NO &&
		    is_member(member_orgs, nmembers, votes[i].voter_org_id))
			return APP_REJECTED;
	}
	for (size_t m = 0; m < nmembers; m++) {
		bool yes = false;
		for (size_t i = 0; i < nvotes && !yes; i++) {
			if (votes[i].voter_org_id == member_orgs[m] && votes[i].vote == VOTE_YES)
				yes = true;
		}
		if (!yes)
			return APP_PENDING;
	}
	return APP_ADMITTED;
}

static const char *role_taken(enum role role)
{
	switch (role) {
	case ROLE_CHAIR:
		return "the community already has a chair";
	case ROLE_VICE_CHAIR:
		return "the community already has a vice-chair";
	case ROLE_SECRETARY:
		return "the community already has a secretary";
	case ROLE_MEMBER:
	case ROLE__COUNT:
		break;
	}
	return "the role is already taken";
}

int core_rep_check(const struct core_representative *existing, size_t n,
		   const struct core_representative *next, int max_primary, const char **why)
{
	const char *reason = NULL;
	int primaries = 0;
	int r = 0;

	if (!next || (int)next->kind < 0 || next->kind >= REP__COUNT || (int)next->role < 0 ||
	    next->role >= ROLE__COUNT) {
		reason = "not a valid representative kind or role";
		r = KR_EINVAL;
		goto out;
	}
	if (!existing)
		n = 0;

	for (size_t i = 0; i < n; i++) {
		const struct core_representative *e = &existing[i];
		/* The person's own row is the one being replaced. */
		if (e->community_id != next->community_id || e->person_id == next->person_id)
			continue;
		if (e->kind == REP_PRIMARY && e->org_id == next->org_id)
			primaries++;
		if (next->role != ROLE_MEMBER && e->role == next->role) {
			reason = role_taken(next->role);
			r = KR_ECONFLICT;
			goto out;
		}
	}
	if (next->kind == REP_PRIMARY && primaries >= max_primary) {
		reason = "the organisation already has the maximum number of primary "
			 "representatives";
		r = KR_ECONFLICT;
		goto out;
	}
out:
	if (r && why)
		*why = reason;
	return r;
}
