/* demo.c - `kring demo`: a small fictional world of an energy ISAC and a
 * regional community, seeded once into an empty store, then served.
 *
 * Everything goes through the store and the core rules in ONE transaction,
 * with an audit record per object. Names are fictional; addresses come from
 * the documentation ranges (198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32)
 * and example domains. Passwords are random, written to
 * DATA/demo-credentials.txt (0600) and printed on every `kring demo` run. */
#include "cli/cli.h"
#include "core/model.h"
#include "core/rules.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/log.h"
#include "util/strbuf.h"
#include "util/timeutil.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/banned.h"

#define DEMO_CREDENTIALS "demo-credentials.txt"
#define DEMO_PASSWORD_LEN 20
#define DEMO_LOGIN_PREFIX "demo login: "

/* ---- the world, as data ---- */

enum { O_GRID, O_SUPPLIER, O_CSIRT, O_ICT, O_APPLICANT, NORGS };
enum { C_ISAC, C_REGION, NCOMMS };
enum { P_MARIEKE, P_JOOST, P_SANNE, P_PIETER, P_EMMA, P_THOMAS, P_FEMKE, P_DAAN, NPEOPLE };

static const struct demo_org {
	const char *name;
	enum org_kind kind;
	const char *sector;
	const char *region;
	const char *size;
	enum nis2 nis2;
	const char *website;
} demo_orgs[NORGS] = {
	[O_GRID] = { "Netbeheer Noordkust B.V.", ORG_COMPANY, "energy", "Noord-Nederland", "large",
		     NIS2_ESSENTIAL, "https://www.netbeheer-noordkust.example.nl/" },
	[O_SUPPLIER] = { "Waddenstroom Energie B.V.", ORG_COMPANY, "energy", "Noord-Nederland",
			 "large", NIS2_ESSENTIAL, "https://www.waddenstroom.example.nl/" },
	[O_CSIRT] = { "Energie-CSIRT Nederland", ORG_CSIRT, "energy", "", "small", NIS2_NONE,
		      "https://www.energie-csirt.example.nl/" },
	[O_ICT] = { "Dijkstra ICT Diensten B.V.", ORG_SUPPLIER, "ict-suppliers", "Noord-Nederland",
		    "medium", NIS2_IMPORTANT, "https://www.dijkstra-ict.example.nl/" },
	[O_APPLICANT] = { "Zuiderzee Warmte B.V.", ORG_COMPANY, "energy", "Noord-Holland", "medium",
			  NIS2_IMPORTANT, "https://www.zuiderzeewarmte.example.nl/" },
};

static const char isac_guidelines[] =
	"# Richtlijnen Energie-ISAC\n"
	"\n"
	"Deelname aan de Energie-ISAC is persoonlijk en berust op vertrouwen. Door deze\n"
	"richtlijnen te accepteren, spreek je het volgende af.\n"
	"\n"
	"1. **TLP wordt gerespecteerd.** Informatie wordt alleen verder gedeeld binnen de\n"
	"   grenzen van het label (FIRST TLP 2.0). Bij twijfel vraag je het de bron.\n"
	"2. **Geen functionele mailboxen.** Iedere deelnemer neemt deel met een persoonlijk\n"
	"   account; adressen als `info@` of `security@` worden niet toegelaten.\n"
	"3. **Aanwezigheid.** Vertegenwoordigers zijn bij ten minste 3 van de 4\n"
	"   bijeenkomsten per jaar aanwezig, of laten zich vervangen door hun back-up.\n"
	"4. **Halen en brengen.** Deel ook eigen incidenten en lessen, juist als ze klein\n"
	"   lijken.\n"
	"5. **Bescherm de bron.** Noem geen organisaties buiten de kring zonder\n"
	"   toestemming van de organisatie die de informatie deelde.\n";

static const char region_guidelines[] =
	"# Afspraken Cyberweerbaar Noord\n"
	"\n"
	"- We respecteren het TLP-label van alles wat hier gedeeld wordt.\n"
	"- We nemen deel op persoonlijke titel; functionele mailboxen doen niet mee.\n"
	"- We zijn bij ten minste 3 van de 4 regiobijeenkomsten per jaar.\n"
	"- Wat in de kring besproken wordt, blijft in de kring.\n";

static const struct demo_community {
	const char *name;
	enum community_kind kind;
	const char *description;
	const char *guidelines;
	enum tlp default_tlp;
} demo_comms[NCOMMS] = {
	[C_ISAC] = { "Energie-ISAC", COMM_SECTOR,
		     "Informatie-uitwisseling tussen netbeheerders, energieleveranciers en de "
		     "sector-CSIRT over dreigingen, incidenten en maatregelen in de energiesector.",
		     isac_guidelines, TLP_AMBER },
	[C_REGION] = { "Cyberweerbaar Noord", COMM_REGION,
		       "Regionale samenwerking van organisaties en hun ICT-leveranciers in "
		       "Noord-Nederland: kennis delen, samen oefenen en elkaar snel vinden.",
		       region_guidelines, TLP_GREEN },
};

static const int demo_members[NCOMMS][3] = {
	[C_ISAC] = { O_GRID, O_SUPPLIER, O_CSIRT },
	[C_REGION] = { O_GRID, O_SUPPLIER, O_ICT },
};

static const struct demo_person {
	const char *name;
	const char *email;
	int org;
	enum lang lang;
	bool printed; /* shown as a demo login */
} demo_people[NPEOPLE] = {
	[P_MARIEKE] = { "Marieke de Vries", "marieke.devries@netbeheer-noordkust.example.nl",
			O_GRID, LANG_NL, true },
	[P_JOOST] = { "Joost Bakker", "joost.bakker@netbeheer-noordkust.example.nl", O_GRID,
		      LANG_NL, false },
	[P_SANNE] = { "Sanne Visser", "sanne.visser@waddenstroom.example.nl", O_SUPPLIER, LANG_NL,
		      false },
	[P_PIETER] = { "Pieter Mulder", "pieter.mulder@waddenstroom.example.nl", O_SUPPLIER,
		       LANG_NL, false },
	[P_EMMA] = { "Emma Jansen", "emma.jansen@energie-csirt.example.nl", O_CSIRT, LANG_EN,
		     true },
	[P_THOMAS] = { "Thomas Wright", "thomas.wright@energie-csirt.example.nl", O_CSIRT, LANG_EN,
		       false },
	[P_FEMKE] = { "Femke Smit", "femke.smit@dijkstra-ict.example.nl", O_ICT, LANG_NL, false },
	[P_DAAN] = { "Daan Hoekstra", "daan.hoekstra@zuiderzeewarmte.example.nl", O_APPLICANT,
		     LANG_NL, false },
};

static const struct demo_rep {
	int community;
	int person;
	enum rep_kind kind;
	enum role role;
} demo_reps[] = {
	{ C_ISAC, P_MARIEKE, REP_PRIMARY, ROLE_CHAIR },
	{ C_ISAC, P_JOOST, REP_BACKUP, ROLE_MEMBER },
	{ C_ISAC, P_SANNE, REP_PRIMARY, ROLE_SECRETARY },
	{ C_ISAC, P_EMMA, REP_PRIMARY, ROLE_VICE_CHAIR },
	{ C_ISAC, P_THOMAS, REP_BACKUP, ROLE_MEMBER },
	{ C_REGION, P_PIETER, REP_PRIMARY, ROLE_CHAIR },
	{ C_REGION, P_JOOST, REP_PRIMARY, ROLE_MEMBER },
	{ C_REGION, P_FEMKE, REP_PRIMARY, ROLE_SECRETARY },
};

#define MAX_DEMO_INDICATORS 4
#define MAX_DEMO_RECIPIENTS 2

static const struct demo_report {
	int community;
	int author;
	enum report_kind kind;
	enum level level;
	enum tlp tlp;
	const char *title;
	const char *body;
	int recipient_orgs[MAX_DEMO_RECIPIENTS];   /* -1 = none */
	int recipient_people[MAX_DEMO_RECIPIENTS]; /* -1 = none */
	struct {
		enum ind_type type;
		const char *value;
		const char *comment;
	} inds[MAX_DEMO_INDICATORS];
	int ninds;
} demo_reports[] = {
	{ C_ISAC, P_EMMA, RK_ADVISORY, LEVEL_STRATEGIC, TLP_CLEAR,
	  "Phishing met valse energiefacturen",
	  "Klanten van energieleveranciers ontvangen e-mails met een \"openstaande factuur\".\n"
	  "De link leidt naar een nagemaakte betaalpagina die inloggegevens en betaalgegevens\n"
	  "vraagt.\n\n"
	  "**Advies:** waarschuw klanten via de eigen kanalen en meld nieuwe varianten bij\n"
	  "het Energie-CSIRT.\n",
	  { -1, -1 }, { -1, -1 },
	  { { IND_DOMAIN, "factuur-waddenstroom.example.com", "afzenderdomein" },
	    { IND_URL, "https://factuur-waddenstroom.example.com/betalen", "betaalpagina" } },
	  2 },
	{ C_ISAC, P_JOOST, RK_THREAT, LEVEL_OPERATIONAL, TLP_GREEN,
	  "Scans op OT-gateways vanaf 203.0.113.0/24",
	  "Sinds maandag zien we systematische scans op poort 502 (Modbus) en 20000 (DNP3)\n"
	  "van onze OT-gateways. De bronnen liggen in 203.0.113.0/24.\n\n"
	  "- geen succesvolle verbindingen gezien\n"
	  "- blokkade op de perimeter staat sinds dinsdag\n",
	  { -1, -1 }, { -1, -1 },
	  { { IND_IPV4, "203.0.113.45", "scanner" }, { IND_IPV4, "203.0.113.77", "scanner" } },
	  2 },
	{ C_ISAC, P_SANNE, RK_INCIDENT, LEVEL_TACTICAL, TLP_AMBER,
	  "Ransomware bij een onderaannemer van Waddenstroom",
	  "Een onderaannemer voor meteropnames is getroffen door ransomware. Er is geen\n"
	  "verbinding met onze systemen gevonden; de VPN-toegang van de onderaannemer is\n"
	  "uit voorzorg ingetrokken.\n\n"
	  "Gedeeld met Netbeheer Noordkust, die dezelfde onderaannemer inzet.\n",
	  { O_GRID, -1 }, { -1, -1 },
	  { { IND_SHA256, "9f2b5c1e7a3d48f0b6c2e91d5a7f3b8c4e6d0a2f1b9c7e5d3a1f8b6c4e2d0a97",
	      "versleutelaar" },
	    { IND_IPV4, "198.51.100.23", "command and control" },
	    { IND_DOMAIN, "update-portal.example.com", "downloadlocatie" } },
	  3 },
	{ C_ISAC, P_EMMA, RK_VULNERABILITY, LEVEL_TECHNICAL, TLP_AMBER_STRICT,
	  "Kwetsbaarheid in de webinterface van een RTU-gateway",
	  "The web interface of a widely used RTU gateway allows authentication bypass\n"
	  "(CVE-2026-40001). The vendor has a fix but has not published it yet.\n\n"
	  "Shared with the affected grid operator and supplier only; do not forward.\n",
	  { O_GRID, O_SUPPLIER }, { -1, -1 },
	  { { IND_CVE, "CVE-2026-40001", "authentication bypass" },
	    { IND_URL, "https://rtu-gateway.example.com/cgi-bin/login", "kwetsbaar pad" } },
	  2 },
	{ C_ISAC, P_MARIEKE, RK_INCIDENT, LEVEL_OPERATIONAL, TLP_RED,
	  "Gerichte inlogpogingen op de meldkamer met gelekte accounts",
	  "Sinds vannacht zijn er inlogpogingen op de meldkamer met accounts van twee\n"
	  "collega's. Alleen gedeeld met Emma Jansen (Energie-CSIRT) voor analyse.\n",
	  { -1, -1 }, { P_EMMA, -1 },
	  { { IND_IPV4, "198.51.100.66", "bron van de inlogpogingen" },
	    { IND_IPV6, "2001:db8:4f::17", "tweede bron" } },
	  2 },
	{ C_REGION, P_FEMKE, RK_LESSON, LEVEL_STRATEGIC, TLP_GREEN,
	  "Lessen uit de regionale crisisoefening",
	  "Tijdens de oefening bleek dat niet iedereen wist wie bij de leverancier\n"
	  "bereikbaar is buiten kantoortijden.\n\n"
	  "1. Houd een actuele bereikbaarheidslijst bij, ook voor leveranciers.\n"
	  "2. Oefen het uitwijkscenario minstens eens per jaar.\n",
	  { -1, -1 }, { -1, -1 },
	  { { IND_DOMAIN, "oefening-noord.example.nl", "oefenomgeving" } },
	  1 },
};
#define NREPORTS (sizeof demo_reports / sizeof demo_reports[0])

/* ---- seeding ---- */

struct demo_ids {
	int64_t org[NORGS];
	int64_t comm[NCOMMS];
	int64_t person[NPEOPLE];
	int guidelines_version[NCOMMS];
	int64_t report[NREPORTS];
	char password[NPEOPLE][DEMO_PASSWORD_LEN + 1];
};

struct demo_seed {
	struct cli *c;
	struct store *s;
	struct demo_ids ids;
};

static void demo_password(char *out, size_t len)
{
	/* no look-alikes (0/O, 1/l/I) so the printed password can be typed */
	static const char alphabet[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	for (size_t i = 0; i < len; i++)
		out[i] = alphabet[randombytes_uniform((uint32_t)(sizeof alphabet - 1))];
	out[len] = '\0';
}

static int seed_fail(struct demo_seed *d, int r, const char *what)
{
	return cli_fail(d->c, r, "demo: cannot create %s: %s", what, kr_strerror(r));
}

static int seed_orgs(struct demo_seed *d)
{
	for (int i = 0; i < NORGS; i++) {
		const struct demo_org *src = &demo_orgs[i];
		struct core_org o;
		const char *why = NULL;
		memset(&o, 0, sizeof o);
		snprintf(o.name, sizeof o.name, "%s", src->name);
		o.kind = src->kind;
		o.nsectors = 1;
		snprintf(o.sectors[0], sizeof o.sectors[0], "%s", src->sector);
		snprintf(o.region, sizeof o.region, "%s", src->region);
		snprintf(o.size_class, sizeof o.size_class, "%s", src->size);
		o.nis2 = src->nis2;
		int r = core_indicator_normalise(IND_URL, src->website, o.website, &why);
		if (r)
			return cli_fail(d->c, r, "demo: website %s: %s", src->website,
					why ? why : "invalid");
		r = store_org_create(d->s, &o);
		if (!r)
			r = cli_audit_write(d->s, 0, "organisation", o.id, "create (demo)");
		if (r)
			return seed_fail(d, r, src->name);
		d->ids.org[i] = o.id;
	}
	return 0;
}

static int seed_communities(struct demo_seed *d)
{
	for (int i = 0; i < NCOMMS; i++) {
		const struct demo_community *src = &demo_comms[i];
		struct core_community cm;
		memset(&cm, 0, sizeof cm);
		snprintf(cm.name, sizeof cm.name, "%s", src->name);
		cm.kind = src->kind;
		cm.description = kr_strdup(src->description);
		cm.guidelines = kr_strdup(src->guidelines);
		cm.max_primary = 2;
		cm.default_tlp = src->default_tlp;
		int r = (cm.description && cm.guidelines) ? 0 : KR_ENOMEM;
		if (!r)
			r = store_community_create(d->s, &cm);
		if (!r)
			r = cli_audit_write(d->s, cm.id, "community", cm.id, "create (demo)");
		d->ids.comm[i] = cm.id;
		d->ids.guidelines_version[i] = cm.guidelines_version > 0 ? cm.guidelines_version
									 : 1;
		core_community_release(&cm);
		if (r)
			return seed_fail(d, r, src->name);
		for (int k = 0; k < 3; k++) {
			struct core_membership m;
			char detail[64];
			memset(&m, 0, sizeof m);
			m.community_id = d->ids.comm[i];
			m.org_id = d->ids.org[demo_members[i][k]];
			m.status = MS_MEMBER;
			m.since = time_now_ms();
			snprintf(detail, sizeof detail, "admit org=%" PRId64 " (demo founding "
				 "member)", m.org_id);
			r = store_membership_set(d->s, &m);
			if (!r)
				r = cli_audit_write(d->s, m.community_id, "membership", m.org_id,
						    detail);
			if (r)
				return seed_fail(d, r, "a membership");
		}
	}
	return 0;
}

static bool org_is_member(int community, int org)
{
	for (int k = 0; k < 3; k++) {
		if (demo_members[community][k] == org)
			return true;
	}
	return false;
}

static int seed_people(struct demo_seed *d)
{
	char hash[crypto_pwhash_STRBYTES];
	for (int i = 0; i < NPEOPLE; i++) {
		const struct demo_person *src = &demo_people[i];
		struct core_person p;
		const char *why = NULL;
		memset(&p, 0, sizeof p);
		snprintf(p.name, sizeof p.name, "%s", src->name);
		if (core_email_normalise(src->email, p.email, &why) != 0)
			return cli_fail(d->c, KR_EINVAL, "demo: e-mail %s: %s", src->email,
					why ? why : "invalid");
		p.org_id = d->ids.org[src->org];
		p.lang = src->lang;
		demo_password(d->ids.password[i], DEMO_PASSWORD_LEN);
		int r = cli_password_hash(d->c, d->ids.password[i], hash, sizeof hash);
		if (r)
			return r;
		r = store_person_create(d->s, &p, hash);
		if (!r)
			r = cli_audit_write(d->s, 0, "person", p.id, "create (demo)");
		if (r)
			return seed_fail(d, r, src->name);
		d->ids.person[i] = p.id;
		/* everyone has accepted the guidelines of the communities of
		 * their organisation; the applicant those it applies to */
		for (int k = 0; k < NCOMMS; k++) {
			bool accept = org_is_member(k, src->org) ||
				      (src->org == O_APPLICANT && k == C_ISAC);
			if (!accept)
				continue;
			r = store_guidelines_accept(d->s, d->ids.comm[k], p.id,
						    d->ids.guidelines_version[k]);
			if (!r)
				r = cli_audit_write(d->s, d->ids.comm[k], "guidelines", p.id,
						    "accept (demo)");
			if (r)
				return seed_fail(d, r, "a guidelines acceptance");
		}
	}
	sodium_memzero(hash, sizeof hash);
	return 0;
}

static int seed_reps(struct demo_seed *d)
{
	for (size_t i = 0; i < sizeof demo_reps / sizeof demo_reps[0]; i++) {
		const struct demo_rep *src = &demo_reps[i];
		struct core_representative next, *existing = NULL;
		size_t n = 0;
		const char *why = NULL;
		char detail[64];
		memset(&next, 0, sizeof next);
		next.community_id = d->ids.comm[src->community];
		next.person_id = d->ids.person[src->person];
		next.org_id = d->ids.org[demo_people[src->person].org];
		next.kind = src->kind;
		next.role = src->role;
		int r = store_rep_list(d->s, next.community_id, 0, &existing, &n);
		if (r)
			return seed_fail(d, r, "a representative");
		r = core_rep_check(existing, n, &next, 2, &why);
		store_rep_free(existing);
		if (r)
			return cli_fail(d->c, r, "demo: representative %s: %s",
					demo_people[src->person].name, why ? why : "refused");
		snprintf(detail, sizeof detail, "set %s %s (demo)", rep_kind_name(next.kind),
			 role_name(next.role));
		r = store_rep_set(d->s, &next);
		if (!r)
			r = cli_audit_write(d->s, next.community_id, "representative",
					    next.person_id, detail);
		if (r)
			return seed_fail(d, r, "a representative");
	}
	return 0;
}

static int seed_reports(struct demo_seed *d)
{
	for (size_t i = 0; i < NREPORTS; i++) {
		const struct demo_report *src = &demo_reports[i];
		struct core_report rep;
		struct core_indicator inds[MAX_DEMO_INDICATORS];
		char detail[64];
		memset(&rep, 0, sizeof rep);
		memset(inds, 0, sizeof inds);
		rep.kind = src->kind;
		rep.level = src->level;
		rep.tlp = src->tlp;
		rep.community_id = d->ids.comm[src->community];
		rep.author_id = d->ids.person[src->author];
		rep.source_org_id = d->ids.org[demo_people[src->author].org];
		snprintf(rep.title, sizeof rep.title, "%s", src->title);
		for (int k = 0; k < MAX_DEMO_RECIPIENTS; k++) {
			if (src->recipient_orgs[k] >= 0)
				rep.recipient_orgs[rep.nrecipient_orgs++] =
					d->ids.org[src->recipient_orgs[k]];
			if (src->recipient_people[k] >= 0)
				rep.recipient_people[rep.nrecipient_people++] =
					d->ids.person[src->recipient_people[k]];
		}
		for (int k = 0; k < src->ninds; k++) {
			const char *why = NULL;
			inds[k].type = src->inds[k].type;
			snprintf(inds[k].comment, sizeof inds[k].comment, "%s",
				 src->inds[k].comment);
			int r = core_indicator_normalise(src->inds[k].type, src->inds[k].value,
							 inds[k].value, &why);
			if (r)
				return cli_fail(d->c, r, "demo: indicator %s: %s",
						src->inds[k].value, why ? why : "invalid");
		}
		rep.body = kr_strdup(src->body);
		int r = rep.body ? 0 : KR_ENOMEM;
		if (!r)
			r = store_report_create(d->s, &rep, inds, (size_t)src->ninds);
		snprintf(detail, sizeof detail, "create tlp=%s (demo)", tlp_name(rep.tlp));
		if (!r)
			r = cli_audit_write(d->s, rep.community_id, "report", rep.id, detail);
		d->ids.report[i] = rep.id;
		core_report_release(&rep);
		if (r)
			return seed_fail(d, r, src->title);
	}
	return 0;
}

static int seed_comment(struct demo_seed *d)
{
	struct core_comment cm;
	memset(&cm, 0, sizeof cm);
	cm.report_id = d->ids.report[1]; /* the GREEN scans */
	cm.author_id = d->ids.person[P_EMMA];
	cm.org_id = d->ids.org[O_CSIRT];
	cm.tlp = TLP_GREEN;
	cm.body = kr_strdup("We see the same scans at two other members since Tuesday. The "
			    "range 203.0.113.0/24 is now on our watch list.");
	int r = cm.body ? 0 : KR_ENOMEM;
	if (!r)
		r = store_comment_create(d->s, &cm);
	if (!r)
		r = cli_audit_write(d->s, d->ids.comm[demo_reports[1].community], "comment", cm.id,
				    "create (demo)");
	core_comment_release(&cm);
	return r ? seed_fail(d, r, "the comment") : 0;
}

static int seed_application(struct demo_seed *d)
{
	struct core_application app;
	struct core_vote v;
	int64_t members[3];
	memset(&app, 0, sizeof app);
	memset(&v, 0, sizeof v);
	app.community_id = d->ids.comm[C_ISAC];
	app.org_id = d->ids.org[O_APPLICANT];
	app.status = APP_PENDING;
	app.nproposed = 1;
	app.proposed[0] = d->ids.person[P_DAAN];
	snprintf(app.motivation, sizeof app.motivation, "%s",
		 "Zuiderzee Warmte levert warmte aan 40.000 huishoudens en wil dreigingsinformatie "
		 "delen met de rest van de energiesector.");
	int r = store_application_create(d->s, &app);
	if (!r)
		r = cli_audit_write(d->s, app.community_id, "application", app.id, "create (demo)");
	if (r)
		return seed_fail(d, r, "the application");
	v.application_id = app.id;
	v.voter_org_id = d->ids.org[O_CSIRT];
	v.voter_person_id = d->ids.person[P_EMMA];
	v.vote = VOTE_YES;
	v.cast = time_now_ms();
	r = store_vote_add(d->s, &v);
	if (!r)
		r = cli_audit_write(d->s, app.community_id, "application", app.id,
				    "vote yes (demo)");
	if (r)
		return seed_fail(d, r, "the vote");
	/* one yes of three members: the rule must still say pending */
	for (int k = 0; k < 3; k++)
		members[k] = d->ids.org[demo_members[C_ISAC][k]];
	if (core_admission_outcome(members, 3, &v, 1) != APP_PENDING)
		return cli_fail(d->c, KR_EINVAL, "demo: the application should still be pending");
	return 0;
}

/* Writes the logins to path (mode 0600). */
static int write_credentials(struct demo_seed *d, const char *path)
{
	struct strbuf sb;
	int r = 0;
	strbuf_init(&sb, 16384);
	r = strbuf_adds(&sb, "# kring demo world: logins generated when the demo was "
			     "seeded.\n# Keep this file private. `kring demo` prints the demo "
			     "logins again.\n");
	for (int pass = 0; pass < 2 && !r; pass++) {
		for (int i = 0; i < NPEOPLE && !r; i++) {
			if (demo_people[i].printed != (pass == 0))
				continue;
			r = strbuf_addf(&sb, "%s%s / %s\n",
					pass == 0 ? DEMO_LOGIN_PREFIX : "login: ",
					demo_people[i].email, d->ids.password[i]);
		}
	}
	if (r)
		goto out;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = KR_EIO;
		goto out;
	}
	size_t off = 0;
	while (off < sb.len) {
		ssize_t w = write(fd, sb.buf + off, sb.len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			r = KR_EIO;
			break;
		}
		off += (size_t)w;
	}
	if (!r && (fchmod(fd, 0600) != 0 || fsync(fd) != 0))
		r = KR_EIO;
	if (close(fd) != 0 && !r)
		r = KR_EIO;
out:
	if (sb.buf)
		sodium_memzero(sb.buf, sb.len);
	strbuf_release(&sb);
	return r;
}

static void credentials_path(const struct cli *c, const char *suffix, char *out, size_t n)
{
	size_t l = strlen(c->cfg.data_dir);
	const char *sep = (l && c->cfg.data_dir[l - 1] == '/') ? "" : "/";
	snprintf(out, n, "%s%s%s%s", c->cfg.data_dir, sep, DEMO_CREDENTIALS, suffix);
}

/* Seeds the world in one transaction; the credentials file appears only
 * once the transaction is committed. */
static int demo_seed(struct cli *c, struct store *s)
{
	static struct demo_seed d; /* large; keep it off the stack */
	char path[sizeof c->cfg.data_dir + 64], tmp[sizeof c->cfg.data_dir + 64];
	memset(&d, 0, sizeof d);
	d.c = c;
	d.s = s;
	credentials_path(c, "", path, sizeof path);
	credentials_path(c, ".tmp", tmp, sizeof tmp);

	int r = store_begin(s);
	if (r)
		return cli_fail(c, r, "demo: cannot begin a transaction: %s", kr_strerror(r));
	r = seed_orgs(&d);
	if (!r)
		r = seed_communities(&d);
	if (!r)
		r = seed_people(&d);
	if (!r)
		r = seed_reps(&d);
	if (!r)
		r = seed_reports(&d);
	if (!r)
		r = seed_comment(&d);
	if (!r)
		r = seed_application(&d);
	if (!r) {
		r = write_credentials(&d, tmp);
		if (r)
			cli_fail(c, r, "demo: cannot write %s: %s", tmp, kr_strerror(r));
	}
	if (r) {
		store_rollback(s);
		unlink(tmp);
		goto out;
	}
	r = store_commit(s);
	if (r) {
		unlink(tmp);
		cli_fail(c, r, "demo: cannot commit the demo world: %s", kr_strerror(r));
		goto out;
	}
	if (rename(tmp, path) != 0) {
		r = cli_fail(c, KR_EIO, "demo: cannot write %s: %s", path, strerror(errno));
		goto out;
	}
	log_info("demo world seeded: %d organisations, %d people, %zu reports", NORGS, NPEOPLE,
		 NREPORTS);
out:
	sodium_memzero(&d.ids, sizeof d.ids);
	return r;
}

/* ---- the command ---- */

struct demo_print {
	char *text; /* credentials file, or NULL */
};

/* Prints the "demo login:" lines of the credentials file. */
static void demo_ready(void *arg)
{
	struct demo_print *dp = arg;
	if (!dp->text)
		return;
	const char *p = dp->text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		if (n > strlen(DEMO_LOGIN_PREFIX) &&
		    strncmp(p, DEMO_LOGIN_PREFIX, strlen(DEMO_LOGIN_PREFIX)) == 0)
			printf("%.*s\n", (int)n, p);
		p += n;
		if (*p == '\n')
			p++;
	}
}

static int demo_run(struct cli *c, const struct cli_args *a)
{
	struct store *s = NULL;
	struct demo_print dp = { NULL };
	char err[256], host[128], path[sizeof c->cfg.data_dir + 64];
	int port;
	int64_t norgs = 0;
	int r = cli_root_check(c, a);
	if (r)
		return r;
	const char *listen = cli_arg(a, "listen");
	if (listen && config_set(&c->cfg, "listen", listen, err, sizeof err))
		return cli_fail(c, KR_EINVAL, "--%s", err);
	r = cli_listen_check(c, host, sizeof host, &port);
	if (r)
		return r;
	r = cli_store_open(c, &s);
	if (r)
		return r;
	r = store_org_count(s, &norgs);
	if (r) {
		cli_fail(c, r, "cannot count organisations: %s", kr_strerror(r));
		goto out;
	}
	if (norgs == 0) {
		r = demo_seed(c, s);
		if (r)
			goto out;
	}
	credentials_path(c, "", path, sizeof path);
	struct stat st;
	if (stat(path, &st) != 0) {
		log_warn("%s is missing: this store was not seeded by kring demo", path);
	} else {
		r = cli_read_file(path, 65536, &dp.text, NULL);
		if (r) {
			cli_fail(c, r, "cannot read %s: %s", path, kr_strerror(r));
			goto out;
		}
	}
	r = cli_serve_store(c, s, demo_ready, &dp);
out:
	if (dp.text) {
		sodium_memzero(dp.text, strlen(dp.text));
		kr_free(dp.text);
	}
	store_close(s);
	return r;
}

static const struct cli_optspec demo_opts[] = {
	{ .name = "listen", .has_arg = true },
	{ .name = "allow-root" },
	{ .name = NULL },
};

const struct cli_command cli_cmd_demo = {
	.group = "demo",
	.summary = "seed a demo world into an empty store, then serve",
	.usage = "usage: kring [--config FILE] [--data DIR] demo [--listen HOST:PORT]\n"
		 "\n"
		 "Initialises the store and, when it has no organisations yet, seeds a\n"
		 "fictional demo world: the sector community Energie-ISAC and the regional\n"
		 "community Cyberweerbaar Noord, five organisations, eight people, reports\n"
		 "under every TLP label with indicators, a comment and a pending\n"
		 "application. Then serves like `kring serve`, printing the URL and the\n"
		 "demo logins (\"demo login: EMAIL / PASSWORD\"). The random passwords are\n"
		 "kept in DIR/demo-credentials.txt (mode 0600).\n"
		 "\n"
		 "  --listen HOST:PORT   address to listen on (default 127.0.0.1:8080)\n"
		 "  --allow-root         serve even as root (also KRING_ALLOW_ROOT=1)\n",
	.opts = demo_opts,
	.needs_config = true,
	.run = demo_run,
};
