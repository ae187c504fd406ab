/* model.h - the domain model of kring: plain structs and enums, no I/O.
 *
 * Strings in these structs are fixed-size, NUL-terminated arrays (their size
 * is the limit the API enforces, plus one), except the long texts (report
 * body, community guidelines and description, comment body) which are heap
 * strings owned by the struct and freed by the matching *_release().
 * Ids are int64 row ids (> 0); 0 means "none / not yet stored". Times are
 * int64 milliseconds since the epoch, UTC; 0 means "not set". */
#ifndef KR_MODEL_H
#define KR_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CORE_NAME_MAX 200      /* names and titles of things */
#define CORE_TITLE_MAX 300     /* report titles */
#define CORE_EMAIL_MAX 254
#define CORE_SHORT_MAX 64      /* region, size class, sectors item */
#define CORE_URL_MAX 2048
#define CORE_SECTORS_MAX 8     /* sectors per organisation */
#define CORE_BODY_MAX 65536    /* report body, guidelines, bytes */
#define CORE_COMMENT_MAX 16384
#define CORE_DESC_MAX 4000
#define CORE_RECIPIENTS_MAX 64 /* recipient orgs / people per report */
#define CORE_INDICATOR_MAX 2048 /* normalised indicator value */
#define CORE_INDICATORS_PER_REPORT 1000
#define CORE_PROPOSED_MAX 4    /* proposed representatives in an application */

/* ---- enums; each has _parse (text -> value, -1 if unknown or NULL; case-
 * insensitive) and _name (value -> static text; "unknown" when out of
 * range, never NULL) ---- */

enum tlp { TLP_CLEAR, TLP_GREEN, TLP_AMBER, TLP_AMBER_STRICT, TLP_RED, TLP__COUNT };
/* Texts: "CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED" (parse is
 * case-insensitive and also takes "TLP:AMBER" forms). Order is strictness:
 * a larger value is stricter. */

enum org_kind { ORG_COMPANY, ORG_GOVERNMENT, ORG_CSIRT, ORG_LINKING, ORG_SUPPLIER, ORG_KIND__COUNT };
/* Texts: "company", "government", "csirt", "linking", "supplier" */

enum nis2 { NIS2_NONE, NIS2_IMPORTANT, NIS2_ESSENTIAL, NIS2__COUNT };
/* Texts: "none", "important", "essential" */

enum lang { LANG_NL, LANG_EN, LANG__COUNT };
/* Texts: "nl", "en" */

enum community_kind { COMM_SECTOR, COMM_REGION, COMM_CHAIN, COMM_THEME, COMM_KIND__COUNT };
/* Texts: "sector", "region", "chain", "theme" */

enum membership_status { MS_PENDING, MS_MEMBER, MS_REJECTED, MS_LEFT, MS__COUNT };
/* Texts: "pending", "member", "rejected", "left" */

enum rep_kind { REP_PRIMARY, REP_BACKUP, REP__COUNT };
/* Texts: "primary", "backup" */

enum role { ROLE_MEMBER, ROLE_SECRETARY, ROLE_VICE_CHAIR, ROLE_CHAIR, ROLE__COUNT };
/* Texts: "member", "secretary", "vice-chair", "chair" */

enum report_kind { RK_INCIDENT, RK_THREAT, RK_VULNERABILITY, RK_MEASURE, RK_LESSON,
		   RK_ADVISORY, RK_QUESTION, RK__COUNT };
/* Texts: "incident", "threat", "vulnerability", "measure", "lesson", "advisory", "question" */

enum level { LEVEL_STRATEGIC, LEVEL_TACTICAL, LEVEL_OPERATIONAL, LEVEL_TECHNICAL, LEVEL__COUNT };
/* Texts: "strategic", "tactical", "operational", "technical" */

enum ind_type { IND_IPV4, IND_IPV6, IND_CIDR, IND_DOMAIN, IND_URL, IND_EMAIL, IND_MD5,
		IND_SHA1, IND_SHA256, IND_CVE, IND_ASN, IND__COUNT };
/* Texts: "ipv4", "ipv6", "cidr", "domain", "url", "email", "md5", "sha1", "sha256", "cve", "asn" */

enum vote { VOTE_NO, VOTE_YES };

enum app_status { APP_PENDING, APP_ADMITTED, APP_REJECTED, APP_WITHDRAWN, APP__COUNT };
/* Texts: "pending", "admitted", "rejected", "withdrawn" */

int tlp_parse(const char *s);
const char *tlp_name(enum tlp t);
int org_kind_parse(const char *s);
const char *org_kind_name(enum org_kind k);
int nis2_parse(const char *s);
const char *nis2_name(enum nis2 n);
int lang_parse(const char *s);
const char *lang_name(enum lang l);
int community_kind_parse(const char *s);
const char *community_kind_name(enum community_kind k);
int membership_status_parse(const char *s);
const char *membership_status_name(enum membership_status s);
int rep_kind_parse(const char *s);
const char *rep_kind_name(enum rep_kind k);
int role_parse(const char *s);
const char *role_name(enum role r);
int report_kind_parse(const char *s);
const char *report_kind_name(enum report_kind k);
int level_parse(const char *s);
const char *level_name(enum level l);
int ind_type_parse(const char *s);
const char *ind_type_name(enum ind_type t);
int app_status_parse(const char *s);
const char *app_status_name(enum app_status s);

/* ---- entities ---- */

struct core_org {
	int64_t id;
	char name[CORE_NAME_MAX + 1];
	enum org_kind kind;
	int nsectors;
	char sectors[CORE_SECTORS_MAX][CORE_SHORT_MAX + 1];
	char region[CORE_SHORT_MAX + 1];
	char size_class[CORE_SHORT_MAX + 1]; /* "micro", "small", "medium", "large" or "" */
	enum nis2 nis2;
	char website[CORE_URL_MAX + 1];
	int64_t created;
};

struct core_person {
	int64_t id;
	char name[CORE_NAME_MAX + 1];
	char email[CORE_EMAIL_MAX + 1]; /* personal address, lower-cased */
	int64_t org_id;
	enum lang lang;
	bool is_admin;  /* instance administrator: manages people and organisations,
			 * reads the audit log; gains no right to read items */
	bool disabled;
	int64_t created;
};

struct core_community {
	int64_t id;
	char name[CORE_NAME_MAX + 1];
	enum community_kind kind;
	char *description;   /* owned, may be NULL */
	char *guidelines;    /* owned, may be NULL; Markdown */
	int guidelines_version; /* starts at 1; +1 whenever guidelines change */
	int max_primary;     /* max primary representatives per organisation, default 2 */
	enum tlp default_tlp; /* default label for new items, default AMBER */
	int64_t created;
};
void core_community_release(struct core_community *c);

struct core_membership {
	int64_t community_id;
	int64_t org_id;
	enum membership_status status;
	int64_t since;
};

struct core_representative {
	int64_t community_id;
	int64_t person_id;
	int64_t org_id;
	enum rep_kind kind;
	enum role role;
};

struct core_application {
	int64_t id;
	int64_t community_id;
	int64_t org_id;
	enum app_status status;
	int nproposed;
	int64_t proposed[CORE_PROPOSED_MAX];  /* person ids proposed as primary reps */
	char motivation[CORE_DESC_MAX + 1];
	int64_t created;
	int64_t decided;
};

struct core_vote {
	int64_t application_id;
	int64_t voter_org_id;
	int64_t voter_person_id;
	enum vote vote;
	int64_t cast;
};

struct core_report {
	int64_t id;
	char uuid[37];
	enum report_kind kind;
	char title[CORE_TITLE_MAX + 1];
	char *body;            /* owned, may be NULL (lists leave it NULL) */
	enum level level;
	enum tlp tlp;
	int64_t community_id;
	int64_t source_org_id;
	int64_t author_id;
	int nrecipient_orgs;   /* AMBER, AMBER+STRICT: extra recipient organisations */
	int64_t recipient_orgs[CORE_RECIPIENTS_MAX];
	int nrecipient_people; /* RED: named people; for AMBER*: their orgs are recipients */
	int64_t recipient_people[CORE_RECIPIENTS_MAX];
	/* Organisation of each recipient person, same order; filled by the
	 * store when it reads a report (ignored on write). */
	int64_t recipient_people_orgs[CORE_RECIPIENTS_MAX];
	int version;           /* 1 on creation, +1 per edit */
	int64_t created;
	int64_t updated;
};
void core_report_release(struct core_report *r);

struct core_comment {
	int64_t id;
	int64_t report_id;
	int64_t author_id;
	int64_t org_id;
	enum tlp tlp;          /* never looser than the report's */
	char *body;            /* owned */
	int64_t created;
};
void core_comment_release(struct core_comment *c);

struct core_indicator {
	int64_t id;
	int64_t report_id;
	enum ind_type type;
	char value[CORE_INDICATOR_MAX + 1]; /* normalised */
	char comment[CORE_NAME_MAX + 1];
	int64_t first_seen;
	int64_t last_seen;
	int64_t valid_until;
	int64_t created;
};

enum audit_action { AUDIT_WRITE, AUDIT_READ, AUDIT_LOGIN, AUDIT_LOGIN_FAILED, AUDIT_LOGOUT };
/* Texts: "write", "read", "login", "login-failed", "logout" */
int audit_action_parse(const char *s);
const char *audit_action_name(enum audit_action a);

struct core_audit {
	int64_t id;
	int64_t at;
	int64_t person_id;       /* 0 = anonymous / unknown */
	int64_t org_id;
	int64_t community_id;    /* 0 = instance-wide */
	enum audit_action action;
	char object_type[32];    /* "report", "organisation", ... */
	int64_t object_id;
	char detail[256];        /* e.g. "create", "update", "tlp=RED", e-mail on failed login */
	char addr[64];           /* client address */
};

/* ---- validation and normalisation (core/validate.c) ---- */

/* Normalises an indicator value of the given type in place semantics:
 * writes the canonical form into out (CORE_INDICATOR_MAX+1 bytes).
 * ipv4 dotted quad without leading zeros; ipv6 RFC 5952 form; cidr with the
 * host bits cleared ("10.1.2.0/24", "2001:db8::/32"); domain lower-case,
 * no trailing dot, IDNA labels kept as given but lower-cased, each label
 * 1..63 of [a-z0-9-] not starting/ending with '-', at least two labels;
 * url with scheme http/https/ftp, lower-cased scheme and host; email
 * local@domain with the domain normalised; md5/sha1/sha256 lower-case hex of
 * exact length; cve "CVE-YYYY-NNNN+" upper-case; asn digits only ("AS" prefix
 * stripped), 1..4294967295. Returns 0 or KR_EINVAL with *why set to a static
 * English reason. */
int core_indicator_normalise(enum ind_type type, const char *in, char *out, const char **why);

/* True if s is valid UTF-8 with no NUL and no C0 control characters other
 * than tab, CR, LF (allow_newlines) . Precisely: tab is always allowed, CR
 * and LF only when allow_newlines; DEL (0x7f), overlong forms, surrogates,
 * code points above U+10FFFF and truncated sequences are refused. */
bool core_utf8_valid(const char *s, size_t len, bool allow_newlines);

/* Validates and lower-cases a personal e-mail address in place-into-out
 * (CORE_EMAIL_MAX+1). Rejects functional mailboxes (info@, security@,
 * abuse@, admin@, postmaster@, noreply@, no-reply@, helpdesk@, support@,
 * contact@, office@, soc@, cert@, csirt@). 0 or KR_EINVAL with *why. */
int core_email_normalise(const char *in, char *out, const char **why);

/* Comment TLP rule: a comment may be as strict or stricter than its report. */
static inline bool core_comment_tlp_ok(enum tlp report, enum tlp comment)
{
	return comment >= report;
}

#endif
