/* batch.c - one notification: the rows for one recipient on one route in
 * one language, rendered as a subject, a text in the recipient's language
 * with the advice per event type, a CSV of the rows and a STIX bundle. */
#include "codec/stix.h"
#include "notify/notify.h"
#include "util/alloc.h"
#include "util/err.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

#define BATCH_TYPES_MAX      64  /* event types listed one by one in a text */
#define BATCH_VICTIMS_LISTED 200 /* clients named in a relay's text */

struct type_count {
	char type[NOTIFY_TYPE_MAX + 1];
	char category[NOTIFY_TYPE_MAX + 1];
	size_t count;
};

struct victim_count {
	int64_t id;
	char name[CORE_NAME_MAX + 1];
	size_t count;
};

struct subject {
	char *value;
	enum ind_type type;
	const struct notify_org *victim;
	char event_type[NOTIFY_TYPE_MAX + 1];
	int64_t at;
};

struct notify_batch {
	const struct notify_org *recipient;
	enum notify_route route;
	enum tlp tlp;
	enum lang lang;
	char *input_name;
	char *sender;
	char uuid[37];
	int64_t now;
	size_t nrows;
	struct strbuf csv;
	struct type_count types[BATCH_TYPES_MAX];
	size_t ntypes;
	size_t other_types; /* rows of types past BATCH_TYPES_MAX */
	struct victim_count *victims;
	size_t nvictims, capvictims;
	/* distinct subjects: an open-addressing set over subjects[] */
	struct subject *subjects;
	size_t nsubjects, capsubjects;
	uint32_t *slots;
	size_t nslots;
};

int notify_batch_new(const struct notify_batch_info *info, struct notify_batch **out)
{
	if (!info || !out || !info->recipient || (unsigned)info->route >= NOTIFY_ROUTE__COUNT ||
	    (unsigned)info->tlp >= TLP__COUNT || (unsigned)info->lang >= LANG__COUNT ||
	    !info->uuid || strlen(info->uuid) != 36)
		return KR_EINVAL;
	struct notify_batch *b = kr_calloc(1, sizeof *b);
	if (!b)
		return KR_ENOMEM;
	b->recipient = info->recipient;
	b->route = info->route;
	b->tlp = info->tlp;
	b->lang = info->lang;
	b->now = info->now;
	memcpy(b->uuid, info->uuid, 37);
	b->input_name = kr_strdup(info->input_name ? info->input_name : "");
	b->sender = kr_strdup(info->sender && *info->sender ? info->sender : "kring");
	strbuf_init(&b->csv, 0);
	int r = (!b->input_name || !b->sender) ? KR_ENOMEM : 0;
	if (!r)
		r = strbuf_adds(&b->csv, "organisation");
	if (!r && info->columns && *info->columns)
		r = strbuf_addf(&b->csv, ",%s", info->columns);
	if (!r)
		r = strbuf_adds(&b->csv, "\r\n");
	if (r) {
		notify_batch_free(b);
		return r;
	}
	*out = b;
	return 0;
}

void notify_batch_free(struct notify_batch *b)
{
	if (!b)
		return;
	kr_free(b->input_name);
	kr_free(b->sender);
	strbuf_release(&b->csv);
	kr_free(b->victims);
	for (size_t i = 0; i < b->nsubjects; i++)
		kr_free(b->subjects[i].value);
	kr_free(b->subjects);
	kr_free(b->slots);
	kr_free(b);
}

size_t notify_batch_rows(const struct notify_batch *b)
{
	return b ? b->nrows : 0;
}

static uint32_t hash_text(const char *s, enum ind_type t)
{
	uint32_t h = 2166136261u ^ (uint32_t)t;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* Adds the subject when it is new; true in *added. */
static int subject_add(struct notify_batch *b, const struct notify_row *row)
{
	if (b->nsubjects * 2 >= b->nslots) {
		size_t nslots = b->nslots ? b->nslots * 2 : 256;
		uint32_t *slots = kr_calloc(nslots, sizeof *slots);
		if (!slots)
			return KR_ENOMEM;
		for (size_t i = 0; i < b->nsubjects; i++) {
			size_t k =
			    hash_text(b->subjects[i].value, b->subjects[i].type) & (nslots - 1);
			while (slots[k])
				k = (k + 1) & (nslots - 1);
			slots[k] = (uint32_t)i + 1;
		}
		kr_free(b->slots);
		b->slots = slots;
		b->nslots = nslots;
	}
	size_t k = hash_text(row->subject, row->subject_type) & (b->nslots - 1);
	while (b->slots[k]) {
		const struct subject *s = &b->subjects[b->slots[k] - 1];
		if (s->type == row->subject_type && strcmp(s->value, row->subject) == 0)
			return 0;
		k = (k + 1) & (b->nslots - 1);
	}
	if (b->nsubjects == b->capsubjects) {
		size_t cap = b->capsubjects ? b->capsubjects * 2 : 64;
		void *p = kr_realloc(b->subjects, cap * sizeof *b->subjects);
		if (!p)
			return KR_ENOMEM;
		b->subjects = p;
		b->capsubjects = cap;
	}
	struct subject *s = &b->subjects[b->nsubjects];
	s->value = kr_strdup(row->subject);
	if (!s->value)
		return KR_ENOMEM;
	s->type = row->subject_type;
	s->victim = row->victim;
	snprintf(s->event_type, sizeof s->event_type, "%s", row->event_type);
	s->at = row->at;
	b->slots[k] = (uint32_t)++b->nsubjects;
	return 0;
}

static int count_victim(struct notify_batch *b, const struct notify_org *v)
{
	for (size_t i = b->nvictims; i > 0; i--) {
		if (b->victims[i - 1].id == v->id) {
			b->victims[i - 1].count++;
			return 0;
		}
	}
	if (b->nvictims == b->capvictims) {
		size_t cap = b->capvictims ? b->capvictims * 2 : 16;
		void *p = kr_realloc(b->victims, cap * sizeof *b->victims);
		if (!p)
			return KR_ENOMEM;
		b->victims = p;
		b->capvictims = cap;
	}
	struct victim_count *vc = &b->victims[b->nvictims++];
	vc->id = v->id;
	snprintf(vc->name, sizeof vc->name, "%s", v->name);
	vc->count = 1;
	return 0;
}

static void count_type(struct notify_batch *b, const char *type, const char *category)
{
	for (size_t i = 0; i < b->ntypes; i++) {
		if (strcmp(b->types[i].type, type) == 0) {
			b->types[i].count++;
			return;
		}
	}
	if (b->ntypes == BATCH_TYPES_MAX) {
		b->other_types++;
		return;
	}
	struct type_count *t = &b->types[b->ntypes++];
	snprintf(t->type, sizeof t->type, "%s", type);
	snprintf(t->category, sizeof t->category, "%s", category ? category : "");
	t->count = 1;
}

int notify_batch_add(struct notify_batch *b, const struct notify_row *row)
{
	if (!b || !row || !row->victim || !row->event_type || !row->subject || !row->fields)
		return KR_EINVAL;
	if (b->nrows >= NOTIFY_ROWS_MAX)
		return KR_ELIMIT;
	size_t mark = b->csv.len;
	const char *name = row->victim->name;
	int r = notify_csv_line(&b->csv, &name, 1);
	if (!r && row->fields[0])
		r = strbuf_addf(&b->csv, ",%s", row->fields);
	if (!r)
		r = strbuf_adds(&b->csv, "\r\n");
	if (!r)
		r = subject_add(b, row);
	if (!r)
		r = count_victim(b, row->victim);
	if (r) {
		b->csv.len = mark; /* drop the half row */
		if (b->csv.buf)
			b->csv.buf[mark] = '\0';
		return r;
	}
	count_type(b, row->event_type, row->category);
	b->nrows++;
	return 0;
}

void notify_message_release(struct notify_message *m)
{
	if (!m)
		return;
	kr_free(m->subject);
	kr_free(m->text);
	kr_free(m->csv);
	kr_free(m->stix);
	memset(m, 0, sizeof *m);
}

/* ---- texts ---- */

struct words {
	const char *findings_one, *findings_many;
	const char *subject_mixed;
	const char *greeting;
	const char *intro[NOTIFY_ROUTE__COUNT];
	const char *clients_head;
	const char *todo;
	const char *attachments;
	const char *tlp_strict, *tlp_amber;
	const char *ack;
	const char *source;
	const char *other_types;
};

static const struct words word_sets[LANG__COUNT] = {
    [LANG_NL] =
        {
            .findings_one = "bevinding",
            .findings_many = "bevindingen",
            .subject_mixed = "Beveiligingsbevindingen",
            .greeting = "Beste beveiligingscontactpersoon van %s,",
            .intro =
                {
                    [NOTIFY_DIRECT] = "%s heeft informatie ontvangen over systemen van uw "
                                      "organisatie. Hieronder leest u wat er is gezien, wat het "
                                      "betekent en wat u kunt doen.",
                    [NOTIFY_SUPPLIER] =
                        "%s heeft informatie ontvangen over organisaties die u als "
                        "IT-leverancier bedient. Deze klanten hebben ervoor gekozen "
                        "dat zulke meldingen via u lopen, zodat u namens hen kunt "
                        "handelen.",
                    [NOTIFY_LINKING] = "%s heeft informatie ontvangen over leden van uw "
                                       "organisatie. Deze leden hebben ervoor gekozen dat zulke "
                                       "meldingen via u lopen.",
                },
            .clients_head = "De bevindingen gaan over deze organisaties (elke rij in de bijlage "
                            "noemt de organisatie waar zij over gaat):",
            .todo = "Wat kunt u doen?",
            .attachments = "Bijlagen: findings.csv bevat alle bevindingen, een per rij; de "
                           "kolom \"organisation\" noemt de organisatie waar de rij over gaat. "
                           "findings.stix.json bevat hetzelfde als STIX 2.1-bundel.",
            .tlp_strict = "TLP:AMBER+STRICT - deze informatie is alleen voor uw eigen "
                          "organisatie, op basis van need-to-know. Deel haar niet daarbuiten.",
            .tlp_amber = "TLP:AMBER - u mag deze informatie delen binnen uw organisatie en met "
                         "de organisatie waar elke bevinding over gaat (uw klant of lid), op "
                         "basis van need-to-know. Deel de bevindingen van een organisatie alleen "
                         "met die organisatie.",
            .ack = "Wilt u de ontvangst bevestigen? Stuur een POST-verzoek naar %s (of "
                   "beantwoord dit bericht).",
            .source = "Bron: %s",
            .other_types = "Verder %zu bevindingen van andere soorten; zie de bijlage.",
        },
    [LANG_EN] =
        {
            .findings_one = "finding",
            .findings_many = "findings",
            .subject_mixed = "Security findings",
            .greeting = "Dear security contact of %s,",
            .intro =
                {
                    [NOTIFY_DIRECT] = "%s received information about systems of your organisation. "
                                      "Below you read what was seen, what it means and what you "
                                      "can do.",
                    [NOTIFY_SUPPLIER] = "%s received information about organisations you serve as "
                                        "their IT supplier. These clients chose to be informed "
                                        "through you, so that you can act for them.",
                    [NOTIFY_LINKING] = "%s received information about members of your "
                                       "organisation. These members chose to be informed through "
                                       "you.",
                },
            .clients_head = "The findings concern these organisations (each row of the "
                            "attachment names the organisation it concerns):",
            .todo = "What can you do?",
            .attachments = "Attachments: findings.csv lists every finding, one per row; the "
                           "column \"organisation\" names the organisation each row concerns. "
                           "findings.stix.json holds the same as a STIX 2.1 bundle.",
            .tlp_strict = "TLP:AMBER+STRICT - this information is for your own organisation "
                          "only, on a need-to-know basis. Do not share it outside it.",
            .tlp_amber = "TLP:AMBER - you may share this information within your organisation "
                         "and with the organisation each finding concerns (your client or "
                         "member), on a need-to-know basis. Share an organisation's findings "
                         "only with that organisation.",
            .ack = "Please confirm receipt: send a POST request to %s (or reply to this "
                   "message).",
            .source = "Source: %s",
            .other_types = "Also %zu findings of other kinds; see the attachment.",
        },
};

static const char *findings_word(const struct words *w, size_t n)
{
	return n == 1 ? w->findings_one : w->findings_many;
}

/* The largest group first, then by type name, for a stable text. */
static int cmp_types(const void *a, const void *b)
{
	const struct type_count *x = a, *y = b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->type, y->type);
}

static int cmp_victims(const void *a, const void *b)
{
	const struct victim_count *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int render_subject(const struct notify_batch *b, const struct type_count *types,
                          const struct notify_catalogue *cat, struct strbuf *sb)
{
	const struct words *w = &word_sets[b->lang];
	const char *title = w->subject_mixed;
	if (b->ntypes == 1 && !b->other_types)
		title =
		    notify_catalogue_find(cat, types[0].type, types[0].category, b->lang)->title;
	/* The name is cut so that the subject stays one modest line. */
	return strbuf_addf(sb, "[TLP:%s] %s: %zu %s - %.80s", tlp_name(b->tlp), title, b->nrows,
	                   findings_word(w, b->nrows), b->recipient->name);
}

static int render_text(const struct notify_batch *b, const struct type_count *types,
                       const struct victim_count *victims, const struct notify_catalogue *cat,
                       struct strbuf *sb)
{
	const struct words *w = &word_sets[b->lang];
	char line[512];
	int r = strbuf_addf(sb, "TLP:%s\n\n", tlp_name(b->tlp));
	if (!r) {
		snprintf(line, sizeof line, w->greeting, b->recipient->name);
		r = strbuf_addf(sb, "%s\n\n", line);
	}
	if (!r) {
		snprintf(line, sizeof line, w->intro[b->route], b->sender);
		r = strbuf_addf(sb, "%s\n\n", line);
	}
	if (!r && b->route != NOTIFY_DIRECT) {
		r = strbuf_addf(sb, "%s\n", w->clients_head);
		for (size_t i = 0; !r && i < b->nvictims && i < BATCH_VICTIMS_LISTED; i++)
			r = strbuf_addf(sb, "- %s: %zu %s\n", victims[i].name, victims[i].count,
			                findings_word(w, victims[i].count));
		if (!r && b->nvictims > BATCH_VICTIMS_LISTED)
			r = strbuf_addf(sb, "- ... (%zu)\n", b->nvictims - BATCH_VICTIMS_LISTED);
		if (!r)
			r = strbuf_adds(sb, "\n");
	}
	for (size_t i = 0; !r && i < b->ntypes; i++) {
		const struct notify_advice *adv =
		    notify_catalogue_find(cat, types[i].type, types[i].category, b->lang);
		r = strbuf_addf(sb, "== %s (%s: %zu %s) ==\n\n%s\n\n%s\n%s\n\n", adv->title,
		                types[i].type, types[i].count, findings_word(w, types[i].count),
		                adv->explanation, w->todo, adv->action);
	}
	if (!r && b->other_types)
		r = strbuf_addf(sb, w->other_types, b->other_types);
	if (!r && b->other_types)
		r = strbuf_adds(sb, "\n\n");
	if (!r)
		r = strbuf_addf(sb, "%s\n\n%s\n\n", w->attachments,
		                b->tlp == TLP_AMBER_STRICT ? w->tlp_strict : w->tlp_amber);
	if (!r) {
		snprintf(line, sizeof line, w->ack, NOTIFY_ACK_PLACEHOLDER);
		r = strbuf_addf(sb, "%s\n\n", line);
	}
	if (!r && b->input_name[0]) {
		snprintf(line, sizeof line, w->source, b->input_name);
		r = strbuf_addf(sb, "%s\n", line);
	}
	if (!r)
		r = strbuf_addf(sb, "-- \n%s\n", b->sender);
	return r;
}

/* Copies at most n-1 bytes of s into out, cut at a UTF-8 character boundary. */
static void copy_cut(char *out, size_t n, const char *s)
{
	size_t len = strlen(s);
	if (len >= n) {
		len = n - 1;
		while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	memcpy(out, s, len);
	out[len] = '\0';
}

static int render_stix(const struct notify_batch *b, const char *title, char **out, size_t *len)
{
	struct stix_bundle *bundle = NULL;
	struct core_indicator *inds = NULL;
	struct core_report rep;
	struct core_org src;
	size_t n = 0;
	bool vuln = false;
	int r;

	memset(&rep, 0, sizeof rep);
	memset(&src, 0, sizeof src);
	inds = kr_calloc(b->nsubjects ? b->nsubjects : 1, sizeof *inds);
	if (!inds)
		return KR_ENOMEM;
	for (size_t i = 0; i < b->nsubjects; i++) {
		const struct subject *s = &b->subjects[i];
		struct core_indicator *ind = &inds[n];
		const char *why = NULL;
		char comment[CORE_NAME_MAX + NOTIFY_TYPE_MAX + 8];
		/* A value the indicator rules refuse (a host name with '_')
		 * stays in the CSV only. */
		if (core_indicator_normalise(s->type, s->value, ind->value, &why))
			continue;
		ind->type = s->type;
		vuln = vuln || s->type == IND_CVE;
		if (b->route == NOTIFY_DIRECT)
			snprintf(comment, sizeof comment, "%s", s->event_type);
		else
			snprintf(comment, sizeof comment, "%s: %s", s->victim->name, s->event_type);
		copy_cut(ind->comment, sizeof ind->comment, comment);
		ind->first_seen = s->at > 0 && s->at <= b->now ? s->at : 0;
		ind->created = b->now;
		n++;
	}
	memcpy(rep.uuid, b->uuid, 37);
	rep.kind = vuln ? RK_VULNERABILITY : RK_INCIDENT;
	rep.level = LEVEL_TECHNICAL;
	rep.tlp = b->tlp;
	copy_cut(rep.title, sizeof rep.title, title);
	rep.created = rep.updated = b->now;
	src.kind = ORG_CSIRT;
	copy_cut(src.name, sizeof src.name, b->sender);
	src.created = b->now;
	struct stix_report_in in = {
	    .report = &rep, .source = &src, .indicators = inds, .nindicators = n};
	r = stix_bundle_new(&bundle);
	if (!r)
		r = stix_bundle_add_report(bundle, &in);
	if (!r)
		r = stix_bundle_serialise(bundle, out, len);
	stix_bundle_free(bundle);
	kr_free(inds);
	return r;
}

int notify_batch_render(const struct notify_batch *b, const struct notify_catalogue *cat,
                        struct notify_message *out)
{
	struct type_count *types = NULL;
	struct victim_count *victims = NULL;
	struct strbuf subject, text, csv;
	int r;
	if (!b || !cat || !out)
		return KR_EINVAL;
	memset(out, 0, sizeof *out);
	if (b->nrows == 0)
		return KR_EINVAL;
	strbuf_init(&subject, 4096);
	strbuf_init(&text, 0);
	strbuf_init(&csv, 0);
	types = kr_calloc(b->ntypes ? b->ntypes : 1, sizeof *types);
	victims = kr_calloc(b->nvictims ? b->nvictims : 1, sizeof *victims);
	if (!types || !victims) {
		r = KR_ENOMEM;
		goto out;
	}
	memcpy(types, b->types, b->ntypes * sizeof *types);
	qsort(types, b->ntypes, sizeof *types, cmp_types);
	if (b->nvictims)
		memcpy(victims, b->victims, b->nvictims * sizeof *victims);
	qsort(victims, b->nvictims, sizeof *victims, cmp_victims);

	r = render_subject(b, types, cat, &subject);
	if (!r)
		r = render_text(b, types, victims, cat, &text);
	if (!r)
		r = strbuf_add(&csv, b->csv.buf, b->csv.len);
	if (!r)
		r = render_stix(b, subject.buf + strlen("[TLP:] ") + strlen(tlp_name(b->tlp)),
		                &out->stix, &out->stix_len);
	if (r)
		goto out;
	out->subject = strbuf_detach(&subject, NULL);
	out->text = strbuf_detach(&text, &out->text_len);
	out->csv = strbuf_detach(&csv, &out->csv_len);
	if (!out->subject || !out->text || !out->csv)
		r = KR_ENOMEM;
out:
	if (r)
		notify_message_release(out);
	strbuf_release(&subject);
	strbuf_release(&text);
	strbuf_release(&csv);
	kr_free(types);
	kr_free(victims);
	return r;
}
