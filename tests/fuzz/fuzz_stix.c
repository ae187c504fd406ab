/* fuzz_stix.c - libFuzzer target: STIX 2.1 import (stix_import) and the
 * RFC 8785 canonical JSON it relies on (stix_canonical_json).
 *
 * Oracles besides the sanitizers: the objects of an accepted input, put in
 * a bundle verbatim and serialised, import again with the same count of
 * objects, reports and indicators; every extracted indicator value
 * normalises to itself; the canonical form of any JSON text is a fixed
 * point of canonicalisation. */
#include "codec/stix.h"
#include "core/model.h"
#include "util/alloc.h"
#include "util/err.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void broken(const char *what, const char *detail)
{
	fprintf(stderr, "stix: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	abort();
}

static void check_canonical(const char *json, size_t len)
{
	char *once = NULL, *twice = NULL;
	size_t n1 = 0, n2 = 0;
	if (stix_canonical_json(json, len, &once, &n1) != 0)
		return;
	int r = stix_canonical_json(once, n1, &twice, &n2);
	if (r != 0)
		broken("canonical form refused", kr_strerror(r));
	if (n1 != n2 || memcmp(once, twice, n1) != 0)
		broken("canonical form is not a fixed point", once);
	kr_free(once);
	kr_free(twice);
}

static void check_reimport(const struct stix_import *imp)
{
	struct stix_bundle *b = NULL;
	struct stix_import again;
	char err[STIX_ERR_MAX];
	char *text = NULL;
	size_t len = 0;
	memset(&again, 0, sizeof again);
	if (imp->nobjects == 0)
		return;
	if (stix_bundle_new(&b) != 0)
		broken("bundle", "out of memory");
	for (size_t i = 0; i < imp->nobjects; i++) {
		int r = stix_bundle_add_object(b, &imp->objects[i]);
		if (r)
			broken("an imported object is refused by the bundle", kr_strerror(r));
	}
	int r = stix_bundle_serialise(b, &text, &len);
	if (r)
		broken("bundle of imported objects not serialised", kr_strerror(r));
	r = stix_import(text, len, TLP_AMBER, &again, err, sizeof err);
	if (r)
		broken("re-import of the imported objects refused", err);
	if (again.nobjects != imp->nobjects || again.nreports != imp->nreports ||
	    again.nindicators != imp->nindicators)
		broken("re-import differs in counts", NULL);
	for (size_t i = 0; i < again.nindicators; i++) {
		const struct core_indicator *ind = &again.indicators[i].ind;
		if (strcmp(ind->value, imp->indicators[i].ind.value) != 0 ||
		    ind->type != imp->indicators[i].ind.type)
			broken("re-import gives another indicator", ind->value);
	}
	stix_import_release(&again);
	kr_free(text);
	stix_bundle_free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stix_import imp;
	char err[STIX_ERR_MAX];
	const char *json = (const char *)data;
	memset(&imp, 0, sizeof imp);
	check_canonical(json, size);
	err[0] = '\0';
	int r = stix_import(json, size, TLP_AMBER, &imp, err, sizeof err);
	if (r == 0) {
		for (size_t i = 0; i < imp.nindicators; i++) {
			const struct core_indicator *ind = &imp.indicators[i].ind;
			char norm[CORE_INDICATOR_MAX + 1];
			const char *why = NULL;
			if (core_indicator_normalise(ind->type, ind->value, norm, &why) != 0 ||
			    strcmp(norm, ind->value) != 0)
				broken("indicator value not normalised", ind->value);
		}
		for (size_t i = 0; i < imp.nreports; i++) {
			const struct core_report *rep = &imp.reports[i].report;
			if (!core_utf8_valid(rep->title, strlen(rep->title), false))
				broken("report title is not one line of UTF-8", rep->title);
			if (rep->body && !core_utf8_valid(rep->body, strlen(rep->body), true))
				broken("report body is not UTF-8 text", NULL);
		}
		check_reimport(&imp);
	} else if (err[0] == '\0' && r == KR_EINVAL) {
		broken("refused without a message", NULL);
	}
	stix_import_release(&imp);
	return 0;
}
