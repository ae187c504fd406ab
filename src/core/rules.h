/* rules.h - community rules as pure functions: admission by unanimous vote
 * and limits on representatives. No I/O; callers load the facts from the
 * store, ask here, and write the outcome in the same transaction. */
#ifndef KR_RULES_H
#define KR_RULES_H

#include "core/model.h"

#include <stddef.h>
#include <stdint.h>

/* Outcome of an application given the organisations that are members now
 * and the votes cast so far: any "no" from a member -> APP_REJECTED; a "yes"
 * from every member -> APP_ADMITTED; otherwise APP_PENDING. Votes of
 * organisations that are not (or no longer) members are ignored. A
 * community without members admits nobody by vote (APP_PENDING): its
 * founders are added by an administrator. */
enum app_status core_admission_outcome(const int64_t *member_orgs, size_t nmembers,
				       const struct core_vote *votes, size_t nvotes);

/* Would setting `next` (insert or replace the row of the same person) keep
 * the community's representatives valid? Rules: at most max_primary primary
 * representatives per organisation; at most one chair, one vice-chair and
 * one secretary per community. Returns 0, or KR_ECONFLICT with *why set to
 * a static English sentence (KR_EINVAL when next is NULL or has a kind or
 * role out of range). Rows of other communities in existing are ignored. */
int core_rep_check(const struct core_representative *existing, size_t n,
		   const struct core_representative *next, int max_primary, const char **why);

#endif
