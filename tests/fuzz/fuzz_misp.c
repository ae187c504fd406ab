/* fuzz_misp.c - libFuzzer target: MISP event import (misp_import).
 *
 * Oracles besides the sanitizers: the documented balance nindicators +
 * nduplicates + nrejects == nvalues; every indicator value normalises to
 * itself; the title is one line of UTF-8; the preserved raw event is JSON
 * that imports again to the same report uuid, label and indicators. */
#include "codec/misp.h"
#include "core/model.h"
#include "util/err.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void broken(const char *what, const char *detail)
{
	fprintf(stderr, "misp: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	abort();
}

static void check_event(const struct misp_event *e)
{
	if (e->nindicators + e->nduplicates + e->nrejects != e->nvalues)
		broken("indicators + duplicates + rejects != values", NULL);
	if (!core_utf8_valid(e->report.title, strlen(e->report.title), false))
		broken("title is not one line of UTF-8", e->report.title);
	for (size_t i = 0; i < e->nindicators; i++) {
		char norm[CORE_INDICATOR_MAX + 1];
		const char *why = NULL;
		const struct core_indicator *ind = &e->indicators[i];
		if (core_indicator_normalise(ind->type, ind->value, norm, &why) != 0 ||
		    strcmp(norm, ind->value) != 0)
			broken("indicator value not normalised", ind->value);
	}
	if (e->report.tlp > e->max_tlp)
		broken("the event is stricter than the strictest tag", NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct misp_event e, again;
	char err[MISP_ERR_MAX];
	memset(&e, 0, sizeof e);
	memset(&again, 0, sizeof again);
	err[0] = '\0';
	int r = misp_import((const char *)data, size, TLP_AMBER, &e, err, sizeof err);
	if (r == KR_EINVAL && err[0] == '\0')
		broken("refused without a message", NULL);
	if (r == 0) {
		check_event(&e);
		if (!e.raw)
			broken("no raw event kept", NULL);
		r = misp_import(e.raw, e.raw_len, TLP_AMBER, &again, err, sizeof err);
		if (r)
			broken("the raw event does not import again", err);
		if (strcmp(again.report.uuid, e.report.uuid) != 0 ||
		    again.report.tlp != e.report.tlp || again.nindicators != e.nindicators)
			broken("the raw event imports differently", again.report.uuid);
		for (size_t i = 0; i < e.nindicators; i++) {
			if (strcmp(again.indicators[i].value, e.indicators[i].value) != 0)
				broken("the raw event gives another indicator", e.indicators[i].value);
		}
	}
	misp_event_release(&again);
	misp_event_release(&e);
	return 0;
}
