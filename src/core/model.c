/* model.c - text forms of the model enums and release of owned strings. */
#include "core/model.h"
#include "util/alloc.h"

#include <stddef.h>
#include <strings.h>

#include "util/banned.h"

/* Index of s in names (case-insensitive), or -1 for NULL or no match. */
static int lookup(const char *const *names, int n, const char *s)
{
	if (!s)
		return -1;
	for (int i = 0; i < n; i++) {
		if (strcasecmp(names[i], s) == 0)
			return i;
	}
	return -1;
}

/* names[v] for a value in range; "unknown" otherwise so callers never get NULL. */
static const char *name_of(const char *const *names, int n, int v)
{
	if (v < 0 || v >= n)
		return "unknown";
	return names[v];
}

#define ENUM_TEXTS(prefix, type, count, ...)                                                       \
	static const char *const prefix##_names[] = {__VA_ARGS__};                                 \
	_Static_assert(sizeof(prefix##_names) / sizeof(prefix##_names[0]) == (count),              \
		       #prefix " texts must match the enum");                                      \
	int prefix##_parse(const char *s)                                                          \
	{                                                                                          \
		return lookup(prefix##_names, (int)(count), s);                                    \
	}                                                                                          \
	const char *prefix##_name(type v)                                                          \
	{                                                                                          \
		return name_of(prefix##_names, (int)(count), (int)v);                              \
	}

static const char *const tlp_names[] = {"CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"};
_Static_assert(sizeof(tlp_names) / sizeof(tlp_names[0]) == TLP__COUNT, "tlp texts");

int tlp_parse(const char *s)
{
	if (!s)
		return -1;
	/* The FIRST spelling "TLP:AMBER" is as good as the bare label. */
	if (strncasecmp(s, "TLP:", 4) == 0)
		s += 4;
	return lookup(tlp_names, TLP__COUNT, s);
}

const char *tlp_name(enum tlp t)
{
	return name_of(tlp_names, TLP__COUNT, (int)t);
}

ENUM_TEXTS(org_kind, enum org_kind, ORG_KIND__COUNT, "company", "government", "csirt", "linking",
	   "supplier")
ENUM_TEXTS(nis2, enum nis2, NIS2__COUNT, "none", "important", "essential")
ENUM_TEXTS(lang, enum lang, LANG__COUNT, "nl", "en")
ENUM_TEXTS(community_kind, enum community_kind, COMM_KIND__COUNT, "sector", "region", "chain",
	   "theme")
ENUM_TEXTS(membership_status, enum membership_status, MS__COUNT, "pending", "member", "rejected",
	   "left")
ENUM_TEXTS(rep_kind, enum rep_kind, REP__COUNT, "primary", "backup")
ENUM_TEXTS(role, enum role, ROLE__COUNT, "member", "secretary", "vice-chair", "chair")
ENUM_TEXTS(report_kind, enum report_kind, RK__COUNT, "incident", "threat", "vulnerability",
	   "measure", "lesson", "advisory", "question")
ENUM_TEXTS(level, enum level, LEVEL__COUNT, "strategic", "tactical", "operational", "technical")
ENUM_TEXTS(ind_type, enum ind_type, IND__COUNT, "ipv4", "ipv6", "cidr", "domain", "url", "email",
	   "md5", "sha1", "sha256", "cve", "asn")
ENUM_TEXTS(app_status, enum app_status, APP__COUNT, "pending", "admitted", "rejected",
	   "withdrawn")
ENUM_TEXTS(audit_action, enum audit_action, AUDIT_LOGOUT + 1, "write", "read", "login",
	   "login-failed", "logout")

void core_community_release(struct core_community *c)
{
	if (!c)
		return;
	kr_free(c->description);
	c->description = NULL;
	kr_free(c->guidelines);
	c->guidelines = NULL;
}

void core_report_release(struct core_report *r)
{
	if (!r)
		return;
	kr_free(r->body);
	r->body = NULL;
}

void core_comment_release(struct core_comment *c)
{
	if (!c)
		return;
	kr_free(c->body);
	c->body = NULL;
}
