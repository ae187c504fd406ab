/* fuzz_tpl.c - libFuzzer target: the template engine of src/web/tpl.h
 * (web_tpl_set_add, web_tpl_set_check, web_tpl_render, web_html_escape).
 *
 * Byte 0 chooses the half; bit 0 clear: hostile template SOURCE (bit 1
 * the language of {{t}}), set: hostile DATA for the shipped templates.
 *
 * Source half: the rest of the input is compiled as template "fz" into a
 * set that also holds a small partial and one that calls "fz" back, then
 * checked and rendered against a fixed context. Oracles: compiling
 * succeeds or fails with KR_EINVAL and a message "fz:..." (always for a
 * NUL byte; never for text without "{{", which renders to itself); a
 * second template of the name is KR_ECONFLICT; the check succeeds or says
 * why; rendering ends with 0 or KR_ELIMIT (KR_ENOTFOUND only for a partial
 * the check reported missing) within the output cap, gives the same page
 * twice, and - unless the source says {{raw}} - never lets a value of
 * the context out unescaped: every string of the context holds a marker
 * with < > & " ', and the page must hold its patterns ("<x-fz", ...) as
 * often as the page rendered from a context with a harmless marker of the
 * same shape (the source itself may spell them). The same bytes also go
 * through web_html_escape: no & < > " ' survives, and undoing the five
 * entities gives the input back.
 *
 * The context has one-element arrays only: the engine has no budget for
 * work that prints nothing, and templates are kring's own files, so
 * nested loops over longer arrays in a hostile source could run for hours
 * without being a fault (tpl.h promises bounds on output and nesting, not
 * on time).
 *
 * Data half: byte 1 chooses a shipped template (src/web/templates, as
 * embedded in the binary, loaded as web.c loads them) and the language;
 * the rest drives a generator of its JSON context. Each step picks one of
 * the paths the template reads (variables, sections, {{t}} arguments,
 * inside its {{#each}}s and partials: "report.comments[].body_html") or
 * now and then any name, and puts a value there: a string (every one
 * wrapped in a marker holding < > & " '), number, boolean, null, object
 * or array of the wrong or right shape, one huge array per input.
 * Oracles: rendering ends with 0 or KR_ELIMIT, and no marker appears
 * unescaped in the page. Values under the names that templates print with
 * {{raw}} (HTML kring made itself: rendered Markdown, the QR code) get
 * fixed safe HTML instead - with that exception switched off, the target
 * finds the raw output within seconds, so the oracle can fail. */
#include "util/alloc.h"
#include "util/err.h"
#include "util/strbuf.h"
#include "web/blobs.h"
#include "web/i18n.h"
#include "web/tpl.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

#define OUT_CAP ((size_t)1024 * 1024)
#define SRC_OUT_CAP ((size_t)64 * 1024)
#define NAMES_MAX 512
#define TPL_MAX 32
#define PATHS_MAX 384
#define PATH_LEN 160
#define SLOTS_MAX 256
#define GEN_DEPTH 6
#define SMALL_ARRAY 8
#define HUGE_ARRAY 4096

/* Every string of a context starts and ends with this; if any of its
 * patterns below shows up in a page, a value went out unescaped. */
#define MARK "<x-fz\"x-fz'x-fz&x-fz>"
#define MARK_Y "<y-fz\"y-fz'y-fz&y-fz>" /* the same shape without the patterns */
static const char *const mark_patterns[] = { "<x-fz", "\"x-fz", "'x-fz", "&x-fz", "x-fz>" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct tpaths;

static struct {
	bool ready;
	struct web_tpl_set *shipped;
	struct web_i18n *i18n;
	int ntpl;
	char tpl[TPL_MAX][WEB_TPL_NAME_MAX];
	struct tpaths *paths;                    /* [TPL_MAX], owned */
	int nnames;
	char names[NAMES_MAX][WEB_TPL_NAME_MAX]; /* path segments used by the templates */
	int nraw;
	char raw[32][WEB_TPL_NAME_MAX];          /* last segments of {{raw}} paths */
	json_t *fixed, *fixed_y;                 /* contexts of the source half */
} g;

struct text_arg {
	const struct web_i18n *in;
	enum lang lang;
};

static const char *text_fn(void *arg, const char *key)
{
	const struct text_arg *ta = arg;
	return web_i18n_text(ta->in, ta->lang, key);
}

static void fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_tpl: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	abort();
}

/* ---- start-up ---- */

static bool known(char (*list)[WEB_TPL_NAME_MAX], int n, const char *s, size_t len)
{
	for (int i = 0; i < n; i++) {
		if (strlen(list[i]) == len && memcmp(list[i], s, len) == 0)
			return true;
	}
	return false;
}

static void add_name(char (*list)[WEB_TPL_NAME_MAX], int *n, int max, const char *s, size_t len)
{
	if (len == 0 || len >= WEB_TPL_NAME_MAX || known(list, *n, s, len) || *n == max)
		return;
	memcpy(list[*n], s, len);
	list[*n][len] = '\0';
	(*n)++;
}

/* Records the segments of a dotted path (and its last one when raw). */
static void add_path(const char *w, size_t len, bool raw)
{
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && w[i] != '.')
			continue;
		add_name(g.names, &g.nnames, NAMES_MAX, w + start, i - start);
		if (raw && i == len)
			add_name(g.raw, &g.nraw, 32, w + start, i - start);
		start = i + 1;
	}
}

/* The paths a shipped template reads, as "a.b", "list[].c" (c of the
 * items of list) or "list[]" (the array itself), relative to the scopes of
 * its {{#each}}s and with its partials followed. */
struct tpaths {
	int n;
	char p[PATHS_MAX][PATH_LEN];
};

static void path_add(struct tpaths *tp, const char *prefix, const char *w, size_t len, bool raw)
{
	char full[PATH_LEN];
	add_path(w, len, raw);
	int n = len == 1 && *w == '.' ? snprintf(full, sizeof full, "%s", prefix)
				      : snprintf(full, sizeof full, "%s%s%.*s", prefix,
						 *prefix ? "." : "", (int)len, w);
	if (n <= 0 || (size_t)n >= sizeof full || tp->n == PATHS_MAX)
		return;
	for (int i = 0; i < tp->n; i++) {
		if (strcmp(tp->p[i], full) == 0)
			return;
	}
	memcpy(tp->p[tp->n++], full, (size_t)n + 1);
}

static void walk(struct tpaths *tp, const char *text, const char *prefix, int depth)
{
	char stack[WEB_TPL_DEPTH_MAX + 1][PATH_LEN];
	int sp = 0;
	snprintf(stack[0], sizeof stack[0], "%s", prefix);
	for (const char *p = strstr(text, "{{"); p; p = strstr(p, "{{")) {
		const char *e = strstr(p + 2, "}}");
		if (!e)
			break;
		const char *s = p + 2;
		p = e + 2;
		const char *w[2 + WEB_TPL_ARGS_MAX];
		size_t wl[2 + WEB_TPL_ARGS_MAX];
		int nw = 0;
		char lead = *s;
		if (lead == '!')
			continue;
		if (lead == '#' || lead == '/' || lead == '>')
			s++;
		while (s < e && nw < 2 + WEB_TPL_ARGS_MAX) {
			while (s < e && *s == ' ')
				s++;
			w[nw] = s;
			while (s < e && *s != ' ')
				s++;
			wl[nw] = (size_t)(s - w[nw]);
			if (wl[nw])
				nw++;
		}
		if (lead == '/') {
			if (sp > 0)
				sp--;
		} else if (lead == '>') {
			char file[WEB_TPL_NAME_MAX + 8];
			snprintf(file, sizeof file, "%.*s.html", nw ? (int)wl[0] : 0, nw ? w[0] : "");
			const struct web_blob *b =
				web_blob_find(web_templates, web_templates_count, file);
			if (b && depth < 4)
				walk(tp, b->data, stack[sp], depth + 1);
		} else if (lead == '#' && nw == 2 && sp < WEB_TPL_DEPTH_MAX) {
			path_add(tp, stack[sp], w[1], wl[1], false);
			if (wl[0] == 4 && memcmp(w[0], "each", 4) == 0)
				snprintf(stack[sp + 1], sizeof stack[0], "%s%s%.*s[]", stack[sp],
					 *stack[sp] ? "." : "", (int)wl[1], w[1]);
			else
				snprintf(stack[sp + 1], sizeof stack[0], "%s", stack[sp]);
			sp++;
		} else if (nw >= 2 && wl[0] == 3 && memcmp(w[0], "raw", 3) == 0) {
			path_add(tp, stack[sp], w[1], wl[1], true);
		} else if (nw >= 1 && wl[0] == 1 && *w[0] == 't') {
			for (int i = 2; i < nw; i++) /* w[1] is the catalogue key */
				path_add(tp, stack[sp], w[i], wl[i], false);
		} else if (nw == 1 && !(wl[0] == 4 && memcmp(w[0], "else", 4) == 0)) {
			path_add(tp, stack[sp], w[0], wl[0], false);
		}
	}
}

/* The context of the source half, every string starting with mark. */
static json_t *fixed_context(const char *mark)
{
	char t[6][64];
	static const char *const suffix[] = { " name", "", "x", "item", "in a list", "obj" };
	for (int i = 0; i < 6; i++)
		snprintf(t[i], sizeof t[i], "%s%s", mark, suffix[i]);
	json_t *j = json_pack(
		"{s:s, s:s, s:s, s:s, s:i, s:i, s:f, s:b, s:b, s:n, s:[], s:s, s:s,"
		" s:[{s:s, s:s, s:i}], s:[s], s:{s:s, s:{s:s}}, s:{s:s, s:s, s:s, s:s}}",
		"name", t[0], "title", t[1], "url", "javascript:alert(1)", "x", t[2],
		"n", 42, "zero", 0, "real", 1.5, "yes", 1, "no", 0, "nil", "empty", "estr", "",
		"html", "<b>kring made this</b>",
		"items", "name", t[3], "url", "/i/1", "n", 1,
		"list", t[4],
		"obj", "name", t[5], "deep", "name", t[1],
		"tlp", "class", "tlp-red", "name", "RED", "label", "TLP:RED", "hint", t[1]);
	if (!j)
		fail("fixed context", NULL);
	return j;
}

static void init(void)
{
	char err[256] = "missing";
	if (g.ready)
		return;
	g.ready = true;
	const struct web_blob *nl = web_blob_find(web_catalogues, web_catalogues_count, "nl.txt");
	const struct web_blob *en = web_blob_find(web_catalogues, web_catalogues_count, "en.txt");
	if (!nl || !en || web_i18n_new(nl->data, nl->len, en->data, en->len, &g.i18n, err,
				       sizeof err))
		fail("catalogues", err);
	if (web_tpl_set_new(&g.shipped))
		fail("set", NULL);
	/* As web.c loads them: NAME.html becomes template NAME. */
	g.paths = kr_calloc(TPL_MAX, sizeof *g.paths); /* lives as long as the process */
	if (!g.paths)
		fail("paths", NULL);
	for (int i = 0; i < web_templates_count && g.ntpl < TPL_MAX; i++) {
		const struct web_blob *b = &web_templates[i];
		size_t n = strlen(b->name);
		if (n < 6 || n - 5 >= WEB_TPL_NAME_MAX || strcmp(b->name + n - 5, ".html") != 0)
			fail("template file name", b->name);
		memcpy(g.tpl[g.ntpl], b->name, n - 5);
		g.tpl[g.ntpl][n - 5] = '\0';
		if (web_tpl_set_add(g.shipped, g.tpl[g.ntpl], b->data, b->len, err, sizeof err))
			fail("shipped template", err);
		walk(&g.paths[g.ntpl], b->data, "", 0); /* none for a template of texts only */
		g.ntpl++;
	}
	struct text_arg ta = { g.i18n, LANG_EN };
	if (web_tpl_set_check(g.shipped, text_fn, &ta, err, sizeof err))
		fail("shipped templates", err);
	if (g.ntpl == 0 || g.nnames < 20 || g.nraw == 0)
		fail("start-up", "too few templates, names or raw names found");
	g.fixed = fixed_context(MARK);
	g.fixed_y = fixed_context(MARK_Y);
}

/* ---- oracles ---- */

static void check_marks(const struct strbuf *out, const char *where)
{
	for (size_t i = 0; i < sizeof mark_patterns / sizeof *mark_patterns; i++) {
		const char *m = mark_patterns[i];
		const char *hit = out->buf ? memmem(out->buf, out->len, m, strlen(m)) : NULL;
		if (hit) {
			size_t off = (size_t)(hit - out->buf);
			size_t from = off > 200 ? off - 200 : 0;
			size_t to = off + 100 < out->len ? off + 100 : out->len;
			fprintf(stderr, "fuzz_tpl: %s: \"%s\" unescaped at byte %zu:\n%.*s\n", where, m,
				off, (int)(to - from), out->buf + from);
			abort();
		}
	}
}

static size_t count(const struct strbuf *sb, const char *pat)
{
	size_t n = 0, pl = strlen(pat);
	const char *p = sb->buf, *end = sb->buf ? sb->buf + sb->len : NULL;
	for (;;) {
		const char *hit = p ? memmem(p, (size_t)(end - p), pat, pl) : NULL;
		if (!hit)
			return n;
		n++;
		p = hit + pl;
	}
}

/* web_html_escape of s: nothing to escape is left, and undoing the five
 * entities gives s back. */
static void check_escape(const char *s, size_t n)
{
	static const char *const ents[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&#39;" };
	static const char chars[] = "&<>\"'";
	struct strbuf out;
	strbuf_init(&out, 8 * n + 16);
	if (web_html_escape(&out, s, n))
		fail("escape", "failed within its cap");
	size_t j = 0;
	for (size_t i = 0; i < out.len; j++) {
		char ch = out.buf[i];
		if (ch == '<' || ch == '>' || ch == '"' || ch == '\'')
			fail("escape", "a special character is left");
		if (ch == '&') {
			int k = 0;
			while (k < 5 && strncmp(out.buf + i, ents[k], strlen(ents[k])) != 0)
				k++;
			if (k == 5)
				fail("escape", "an & that starts no entity");
			ch = chars[k];
			i += strlen(ents[k]);
		} else {
			i++;
		}
		if (j >= n || s[j] != ch)
			fail("escape", "unescaping does not give the input back");
	}
	if (j != n)
		fail("escape", "unescaping does not give the input back");
	strbuf_release(&out);
}

/* ---- the source half ---- */

static void source_half(const uint8_t *data, size_t size, enum lang lang)
{
	char err[256];
	struct web_tpl_set *set = NULL;
	struct strbuf a, b;
	const char *src = (const char *)data;
	strbuf_init(&a, SRC_OUT_CAP);
	strbuf_init(&b, SRC_OUT_CAP);
	check_escape(src, size);
	if (web_tpl_set_new(&set))
		fail("set", NULL);
	static const char part[] = "<li>{{name}} {{#each items}}{{name}}{{/each}}</li>";
	static const char loop[] = "[{{> fz}}]"; /* calls the template under test back */
	if (web_tpl_set_add(set, "part", part, strlen(part), err, sizeof err) ||
	    web_tpl_set_add(set, "loop", loop, strlen(loop), err, sizeof err))
		fail("fixed partials", err);
	memset(err, 'x', sizeof err);
	int r = web_tpl_set_add(set, "fz", src, size, err, sizeof err);
	bool has_nul = memchr(src, '\0', size) != NULL;
	bool has_tag = memmem(src, size, "{{", 2) != NULL;
	if (r) {
		if (r != KR_EINVAL)
			fail("compile", "neither 0 nor KR_EINVAL");
		if (!memchr(err, '\0', sizeof err) || strncmp(err, "fz:", 3) != 0)
			fail("compile", "no \"fz:...\" message");
		if (!has_nul && !has_tag)
			fail("compile", "plain text refused");
		goto out;
	}
	if (has_nul)
		fail("compile", "a NUL byte accepted");
	if (web_tpl_set_add(set, "fz", "x", 1, err, sizeof err) != KR_ECONFLICT)
		fail("compile", "a second \"fz\" is not KR_ECONFLICT");
	bool partials_ok = web_tpl_set_check(set, NULL, NULL, err, sizeof err) == 0;
	struct text_arg ta = { g.i18n, lang };
	r = web_tpl_set_check(set, text_fn, &ta, err, sizeof err);
	if (r && (r != KR_EINVAL || !err[0]))
		fail("check", "neither 0 nor KR_EINVAL with a message");
	int r1 = web_tpl_render(set, "fz", g.fixed, text_fn, &ta, &a);
	int r2 = web_tpl_render(set, "fz", g.fixed, text_fn, &ta, &b);
	if (r1 != 0 && r1 != KR_ELIMIT && !(r1 == KR_ENOTFOUND && !partials_ok))
		fail("render", kr_strerror(r1));
	if (r1 != r2 || a.len != b.len || (a.len && memcmp(a.buf, b.buf, a.len) != 0))
		fail("render", "two renderings differ");
	if (a.len > SRC_OUT_CAP)
		fail("render", "past the output cap");
	if (!has_tag && (r1 || a.len != size || (size && memcmp(a.buf, src, size) != 0)))
		fail("render", "plain text does not render to itself");
	if (!memmem(src, size, "raw", 3)) {
		/* The source may spell a pattern itself (also around tags): a
		 * value leaked unescaped shows as a pattern that rendering with
		 * MARK_Y does not give at the same count. */
		struct strbuf y;
		strbuf_init(&y, SRC_OUT_CAP);
		web_tpl_render(set, "fz", g.fixed_y, text_fn, &ta, &y);
		for (size_t i = 0; i < sizeof mark_patterns / sizeof *mark_patterns; i++) {
			if (count(&a, mark_patterns[i]) != count(&y, mark_patterns[i])) {
				fprintf(stderr, "fuzz_tpl: \"%s\" left unescaped; page:\n%.*s\n",
					mark_patterns[i], (int)(a.len > 4000 ? 4000 : a.len), a.buf);
				abort();
			}
		}
		strbuf_release(&y);
	}
out:
	web_tpl_set_free(set);
	strbuf_release(&a);
	strbuf_release(&b);
}

/* ---- the data half ---- */

struct gen {
	const uint8_t *p;
	size_t n;
	bool huge_used;
};

static uint8_t next_byte(struct gen *gn)
{
	if (!gn->n)
		return 0;
	gn->n--;
	return *gn->p++;
}

static const char *const nasty[] = {
	"javascript:alert(1)",
	"JaVaScRiPt:alert(document.cookie)",
	"\"><script>alert(1)</script>",
	"' onmouseover='alert(1)' x='",
	"</textarea><img src=x onerror=alert(1)>",
	"{{raw html}}{{t nav.home}}{{> tlp}}",
	"&lt;already escaped&gt; &amp; &#39;",
	"data:text/html;base64,PHNjcmlwdD4=",
	"\xc3\x28\xff\xfe invalid UTF-8",
	"line\r\nSet-Cookie: x=y",
};

static json_t *gen_string(struct gen *gn)
{
	char buf[sizeof MARK * 2 + 300];
	size_t o = 0;
	uint8_t b = next_byte(gn);
	memcpy(buf, MARK, sizeof MARK - 1);
	o = sizeof MARK - 1;
	if (b & 128) {
		const char *s = nasty[b % (sizeof nasty / sizeof *nasty)];
		memcpy(buf + o, s, strlen(s));
		o += strlen(s);
	} else {
		size_t len = b % 48;
		for (size_t i = 0; i < len; i++)
			buf[o++] = (char)next_byte(gn);
	}
	memcpy(buf + o, MARK, sizeof MARK - 1);
	o += sizeof MARK - 1;
	/* byte strings as the store never gives them (NUL, invalid UTF-8):
	 * the engine must escape whatever it gets */
	return json_stringn_nocheck(buf, o);
}

static bool is_raw(const char *key)
{
	for (int i = 0; i < g.nraw; i++) {
		if (strcmp(g.raw[i], key) == 0)
			return true;
	}
	return false;
}

static json_t *gen_value(struct gen *gn, int depth);
static json_t *gen_array(struct gen *gn, int depth);

static json_t *gen_object(struct gen *gn, int depth, size_t members)
{
	json_t *o = json_object();
	for (size_t i = 0; o && i < members && gn->n; i++) {
		const char *key = g.names[next_byte(gn) % g.nnames];
		json_t *v = gen_value(gn, depth + 1);
		if (v && is_raw(key) && json_is_string(v)) {
			/* {{raw}} prints kring's own HTML as it is: no data there */
			json_decref(v);
			v = json_string("<p>kring made <em>this</em></p>");
		}
		if (v && json_object_set_new(o, key, v))
			fail("generator", "json_object_set_new");
	}
	return o;
}

static json_t *gen_value(struct gen *gn, int depth)
{
	uint8_t b = next_byte(gn);
	int kind = depth >= GEN_DEPTH ? b % 7 : b % 10;
	switch (kind) {
	case 0:
	case 1:
	case 2:
		return gen_string(gn);
	case 3: {
		int64_t x = 0;
		for (int i = 0; i < 8; i++)
			x = (int64_t)((uint64_t)x << 8 | next_byte(gn));
		return json_integer((json_int_t)x);
	}
	case 4: {
		static const double reals[] = { 0.0, -0.0, 1.5, -1e308, 1e-310, 3.14159, 1e21 };
		return json_real(reals[next_byte(gn) % (sizeof reals / sizeof *reals)]);
	}
	case 5:
		return json_boolean(next_byte(gn) & 1);
	case 6:
		return json_null();
	case 7:
		return gen_object(gn, depth, next_byte(gn) % 8);
	default:
		return gen_array(gn, depth);
	}
}

/* The value for a key: fixed safe HTML under the names {{raw}} prints
 * (kring's own HTML, never data), else what the input says. */
static json_t *value_for(struct gen *gn, const char *key, int depth)
{
	json_t *v = gen_value(gn, depth);
	if (v && is_raw(key) && json_is_string(v)) {
		json_decref(v);
		v = json_string("<p>kring made <em>this</em></p>");
	}
	return v;
}

static void put(json_t *obj, const char *key, json_t *v)
{
	if (!v || json_object_set_new(obj, key, v))
		fail("generator", "json_object_set_new");
}

/* An array for an {{#each}}: a few generated items, or (once per input)
 * thousands of copies of one. */
static json_t *gen_array(struct gen *gn, int depth)
{
	uint8_t b = next_byte(gn);
	json_t *a = json_array();
	size_t n = b % (SMALL_ARRAY + 1);
	bool huge = (b & 0x80) && !gn->huge_used;
	if (huge) {
		gn->huge_used = true;
		n = ((size_t)next_byte(gn) << 8 | next_byte(gn)) % HUGE_ARRAY + 1;
	}
	json_t *same = huge ? gen_object(gn, depth + 1, next_byte(gn) % 4) : NULL;
	for (size_t i = 0; a && i < n; i++) {
		json_t *item = same ? json_incref(same) : next_byte(gn) & 1
								? gen_object(gn, depth + 1, 1)
								: gen_value(gn, depth + 1);
		if (!item || json_array_append_new(a, item))
			fail("generator", "json_array_append_new");
	}
	json_decref(same);
	return a;
}

/* Sets a value at a path of the template ("a.b", "list[].c", "list[]"),
 * making the objects and arrays on the way (an item of an array: a new one
 * or one already there, as the input says). */
static void set_path(struct gen *gn, json_t *root, const char *path)
{
	char buf[PATH_LEN];
	json_t *cur = root;
	int depth = 0;
	snprintf(buf, sizeof buf, "%s", path);
	char *seg = buf;
	for (;;) {
		char *dot = strchr(seg, '.');
		if (dot)
			*dot = '\0';
		size_t l = strlen(seg);
		bool arr = l > 2 && strcmp(seg + l - 2, "[]") == 0;
		if (arr)
			seg[l - 2] = '\0';
		if (!dot) {
			put(cur, seg, arr ? gen_array(gn, depth) : value_for(gn, seg, depth));
			return;
		}
		json_t *child = json_object_get(cur, seg);
		if (arr) {
			if (!json_is_array(child)) {
				child = json_array();
				put(cur, seg, child);
			}
			size_t n = json_array_size(child);
			uint8_t b = next_byte(gn);
			json_t *item = n ? json_array_get(child, b % n) : NULL;
			if (!json_is_object(item) || (b & 0x80 && n < SMALL_ARRAY)) {
				item = json_object();
				if (!item || json_array_append_new(child, item))
					fail("generator", "json_array_append_new");
			}
			child = item;
		} else if (!json_is_object(child)) {
			child = json_object();
			put(cur, seg, child);
		}
		cur = child;
		seg = dot + 1;
		depth++;
	}
}

static void data_half(const uint8_t *data, size_t size)
{
	struct strbuf out;
	struct gen gn = { data + 2, size - 2, false };
	int ti = data[1] % g.ntpl;
	const struct tpaths *tp = &g.paths[ti];
	struct text_arg ta = { g.i18n, (data[1] >> 7) ? LANG_EN : LANG_NL };
	json_t *ctx = json_object();
	if (!ctx)
		fail("generator", "no context");
	/* Each slot: a path of the template (or, now and then, any name with
	 * any value), then its value. */
	for (int slot = 0; gn.n && slot < SLOTS_MAX; slot++) {
		uint8_t b = next_byte(&gn);
		if (b == 0xff || tp->n == 0) {
			const char *key = g.names[next_byte(&gn) % g.nnames];
			put(ctx, key, value_for(&gn, key, 0));
		} else {
			set_path(&gn, ctx, tp->p[b % tp->n]);
		}
	}
	strbuf_init(&out, OUT_CAP);
	int r = web_tpl_render(g.shipped, g.tpl[ti], ctx, text_fn, &ta, &out);
	if (r != 0 && r != KR_ELIMIT)
		fail("render of a shipped template", kr_strerror(r));
	if (out.len > OUT_CAP)
		fail("render", "past the output cap");
	check_marks(&out, g.tpl[ti]);
	strbuf_release(&out);
	json_decref(ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	init();
	if (data[0] & 1) {
		if (size >= 2)
			data_half(data, size);
	} else {
		source_half(data + 1, size - 1, data[0] & 2 ? LANG_EN : LANG_NL);
	}
	return 0;
}
