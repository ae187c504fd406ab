/* web.c - the web interface as a whole: loading the embedded templates and
 * message catalogues (checked against each other at start-up), the
 * configuration from the environment, and the registration of every page
 * group's routes. */
#include "util/alloc.h"
#include "util/err.h"
#include "util/log.h"
#include "web/blobs.h"
#include "web/totp.h"
#include "web/web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

/* Template names are file names without ".html". */
static int load_templates(struct web_state *st)
{
	char err[256], name[WEB_TPL_NAME_MAX];
	int r = web_tpl_set_new(&st->tpl);
	for (int i = 0; !r && i < web_templates_count; i++) {
		const struct web_blob *b = &web_templates[i];
		size_t n = strlen(b->name);
		if (n < 6 || n - 5 >= sizeof name || strcmp(b->name + n - 5, ".html") != 0) {
			log_error("web: template file %s is not NAME.html", b->name);
			return KR_EINVAL;
		}
		memcpy(name, b->name, n - 5);
		name[n - 5] = '\0';
		r = web_tpl_set_add(st->tpl, name, b->data, b->len, err, sizeof err);
		if (r)
			log_error("web: template %s", err);
	}
	return r;
}

static const char *check_text(void *arg, const char *key)
{
	return web_i18n_text(arg, LANG_EN, key);
}

static int load(struct web_state *st)
{
	char err[256];
	const struct web_blob *nl = web_blob_find(web_catalogues, web_catalogues_count, "nl.txt");
	const struct web_blob *en = web_blob_find(web_catalogues, web_catalogues_count, "en.txt");
	if (!nl || !en) {
		log_error("web: the message catalogues nl.txt and en.txt are missing");
		return KR_EINVAL;
	}
	int r = web_i18n_new(nl->data, nl->len, en->data, en->len, &st->i18n, err, sizeof err);
	if (r) {
		log_error("web: message catalogue %s", err);
		return r;
	}
	r = load_templates(st);
	if (r)
		return r;
	/* Every {{t key}} of every template exists (in both languages, since
	 * the catalogues have the same keys). */
	r = web_tpl_set_check(st->tpl, check_text, st->i18n, err, sizeof err);
	if (r)
		log_error("web: template %s", err);
	return r;
}

int web_register(struct web *w, struct http_server *srv)
{
	static int (*const groups[])(struct web *, struct http_server *) = {
		web_static_register, web_auth_register,        web_home_register,
		web_reports_register, web_communities_register, web_org_register,
	};
	if (!w || !w->api || !w->api->rl)
		return KR_EINVAL; /* api_register must run first: its limiter is shared */
	w->st = kr_calloc(1, sizeof *w->st);
	if (!w->st)
		return KR_ENOMEM;
	int r = web_totp_init();
	if (r)
		return r;
	w->st->oath_ready = true;
	r = load(w->st);
	for (size_t i = 0; !r && i < sizeof groups / sizeof groups[0]; i++)
		r = groups[i](w, srv);
	return r;
}

void web_release(struct web *w)
{
	if (!w || !w->st)
		return;
	web_tpl_set_free(w->st->tpl);
	web_i18n_free(w->st->i18n);
	if (w->st->oath_ready)
		web_totp_done();
	kr_free(w->st);
	w->st = NULL;
}
