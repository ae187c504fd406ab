/* catalogue.c - the advice catalogue: per event type, in Dutch and
 * English, a title, a plain-language explanation and what to do. */
#include "notify/advice_blob.h"
#include "notify/notify.h"
#include "util/alloc.h"
#include "util/err.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "util/banned.h"

#define CATALOGUE_MAX_ENTRIES 4096

struct entry {
	char *type;
	bool has[LANG__COUNT];
	struct notify_advice advice[LANG__COUNT];
};

struct notify_catalogue {
	struct entry *entries;
	size_t n;
	const struct entry *generic;
};

static void entry_release(struct entry *e)
{
	kr_free(e->type);
	for (int l = 0; l < LANG__COUNT; l++) {
		kr_free((char *)e->advice[l].title);
		kr_free((char *)e->advice[l].explanation);
		kr_free((char *)e->advice[l].action);
	}
}

void notify_catalogue_free(struct notify_catalogue *cat)
{
	if (!cat)
		return;
	for (size_t i = 0; i < cat->n; i++)
		entry_release(&cat->entries[i]);
	kr_free(cat->entries);
	kr_free(cat);
}

static int text_of(json_t *texts, const char *key, const char **out)
{
	json_t *v = json_object_get(texts, key);
	const char *s = json_string_value(v);
	if (!s || !*s)
		return KR_EINVAL;
	*out = kr_strdup(s);
	return *out ? 0 : KR_ENOMEM;
}

static int load_entry(struct entry *e, const char *type, json_t *obj, char *err, size_t errlen)
{
	e->type = kr_strdup(type);
	if (!e->type)
		return KR_ENOMEM;
	if (!json_is_object(obj)) {
		snprintf(err, errlen, "types.%.60s: not an object", type);
		return KR_EINVAL;
	}
	for (int l = 0; l < LANG__COUNT; l++) {
		json_t *texts = json_object_get(obj, lang_name((enum lang)l));
		if (!texts)
			continue;
		struct notify_advice *a = &e->advice[l];
		int r = text_of(texts, "title", &a->title);
		if (!r)
			r = text_of(texts, "explanation", &a->explanation);
		if (!r)
			r = text_of(texts, "action", &a->action);
		if (r == KR_EINVAL)
			snprintf(err, errlen,
			         "types.%.60s.%s: needs title, explanation and action "
			         "texts",
			         type, lang_name((enum lang)l));
		if (r)
			return r;
		e->has[l] = true;
	}
	if (!e->has[LANG_EN] && !e->has[LANG_NL]) {
		snprintf(err, errlen, "types.%.60s: no texts in nl or en", type);
		return KR_EINVAL;
	}
	return 0;
}

int notify_catalogue_load(const char *json, size_t len, struct notify_catalogue **out, char *err,
                          size_t errlen)
{
	json_error_t jerr;
	struct notify_catalogue *cat = NULL;
	json_t *doc = NULL;
	const char *key;
	json_t *val;
	int r = 0;
	if (!json || !out)
		return KR_EINVAL;
	*out = NULL;
	if (errlen)
		err[0] = '\0';
	doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		snprintf(err, errlen, "line %d: %.100s", jerr.line, jerr.text);
		return KR_EINVAL;
	}
	json_t *types = json_object_get(doc, "types");
	if (!json_is_object(types) || json_object_size(types) > CATALOGUE_MAX_ENTRIES) {
		snprintf(err, errlen, "\"types\" must be an object of at most %d entries",
		         CATALOGUE_MAX_ENTRIES);
		r = KR_EINVAL;
		goto out;
	}
	cat = kr_calloc(1, sizeof *cat);
	if (!cat ||
	    !(cat->entries = kr_calloc(json_object_size(types) + 1, sizeof *cat->entries))) {
		r = KR_ENOMEM;
		goto out;
	}
	json_object_foreach(types, key, val)
	{
		r = load_entry(&cat->entries[cat->n++], key, val, err, errlen);
		if (r)
			goto out;
		if (strcmp(key, "generic") == 0)
			cat->generic = &cat->entries[cat->n - 1];
	}
	if (!cat->generic || !cat->generic->has[LANG_EN] || !cat->generic->has[LANG_NL]) {
		snprintf(err, errlen, "a \"generic\" entry in nl and en is required");
		r = KR_EINVAL;
		goto out;
	}
	*out = cat;
	cat = NULL;
out:
	notify_catalogue_free(cat);
	json_decref(doc);
	return r;
}

int notify_catalogue_builtin(struct notify_catalogue **out)
{
	char err[256];
	return notify_catalogue_load(notify_advice_json, notify_advice_json_len, out, err,
	                             sizeof err);
}

static const struct entry *find(const struct notify_catalogue *cat, const char *type)
{
	for (size_t i = 0; type && i < cat->n; i++) {
		if (strcmp(cat->entries[i].type, type) == 0)
			return &cat->entries[i];
	}
	return NULL;
}

bool notify_catalogue_has(const struct notify_catalogue *cat, const char *type)
{
	return cat && find(cat, type) != NULL;
}

const struct notify_advice *notify_catalogue_find(const struct notify_catalogue *cat,
                                                  const char *type, const char *category,
                                                  enum lang lang)
{
	char key[NOTIFY_TYPE_MAX + 16];
	if (!cat)
		return NULL;
	if ((unsigned)lang >= LANG__COUNT)
		lang = LANG_EN;
	const struct entry *e = find(cat, type);
	if (!e && category && *category) {
		snprintf(key, sizeof key, "category:%s", category);
		e = find(cat, key);
	}
	if (!e)
		e = cat->generic;
	if (e->has[lang])
		return &e->advice[lang];
	return e->has[LANG_EN] ? &e->advice[LANG_EN] : &e->advice[LANG_NL];
}
