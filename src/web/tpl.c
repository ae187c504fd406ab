/* tpl.c - the template engine of tpl.h: a parser into a node tree per
 * template, and a renderer that walks it with a stack of scopes. Every
 * value goes through web_html_escape() unless the template says {{raw}}. */
#include "web/tpl.h"
#include "util/alloc.h"
#include "util/err.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "util/banned.h"

enum tnode_kind { TN_TEXT, TN_VAR, TN_RAW, TN_TEXTKEY, TN_IF, TN_UNLESS, TN_EACH, TN_PARTIAL };

struct tnode {
	enum tnode_kind kind;
	size_t off, len;              /* TN_TEXT: bytes of the template text */
	char name[WEB_TPL_NAME_MAX];  /* path, key or partial */
	int nargs;
	char args[WEB_TPL_ARGS_MAX][WEB_TPL_NAME_MAX];
	int child;                    /* first node of the body, -1 = none */
	int alt;                      /* first node of the {{else}} body, -1 = none */
	int next;                     /* next sibling, -1 = none */
	int line;
};

struct tpl {
	char *name;
	char *text;
	struct tnode *nodes;
	int n, cap;
	int root; /* first top-level node, -1 = empty template */
};

struct web_tpl_set {
	struct tpl *tpls;
	int n, cap;
};

/* ---- escaping ---- */

int web_html_escape(struct strbuf *out, const char *s, size_t n)
{
	size_t start = 0;
	int r = 0;
	for (size_t i = 0; i < n && !r; i++) {
		const char *ent = NULL;
		switch (s[i]) {
		case '&': ent = "&amp;"; break;
		case '<': ent = "&lt;"; break;
		case '>': ent = "&gt;"; break;
		case '"': ent = "&quot;"; break;
		case '\'': ent = "&#39;"; break;
		default: continue;
		}
		r = strbuf_add(out, s + start, i - start);
		if (!r)
			r = strbuf_adds(out, ent);
		start = i + 1;
	}
	if (!r)
		r = strbuf_add(out, s + start, n - start);
	return r;
}

/* ---- set ---- */

int web_tpl_set_new(struct web_tpl_set **out)
{
	*out = kr_calloc(1, sizeof **out);
	return *out ? 0 : KR_ENOMEM;
}

static void tpl_release(struct tpl *t)
{
	kr_free(t->name);
	kr_free(t->text);
	kr_free(t->nodes);
	memset(t, 0, sizeof *t);
}

void web_tpl_set_free(struct web_tpl_set *set)
{
	if (!set)
		return;
	for (int i = 0; i < set->n; i++)
		tpl_release(&set->tpls[i]);
	kr_free(set->tpls);
	kr_free(set);
}

static const struct tpl *find_tpl(const struct web_tpl_set *set, const char *name)
{
	for (int i = 0; i < set->n; i++) {
		if (strcmp(set->tpls[i].name, name) == 0)
			return &set->tpls[i];
	}
	return NULL;
}

/* ---- parsing ---- */

struct frame {
	int node;     /* the open section */
	bool in_else;
	int last;     /* last node of the list being filled, -1 = none yet */
};

struct parser {
	struct tpl *t;
	struct frame stack[WEB_TPL_DEPTH_MAX];
	int depth;
	int root_last;
	int line;
	char *err;
	size_t errlen;
};

static int perr(struct parser *p, const char *why)
{
	snprintf(p->err, p->errlen, "%s:%d: %s", p->t->name, p->line, why);
	return KR_EINVAL;
}

/* A new node linked at the end of the list being filled; *idx its index. */
static int add_node(struct parser *p, enum tnode_kind kind, int *idx)
{
	struct tpl *t = p->t;
	if (t->n == t->cap) {
		int ncap = t->cap ? t->cap * 2 : 32;
		struct tnode *nn = kr_realloc(t->nodes, (size_t)ncap * sizeof *nn);
		if (!nn)
			return KR_ENOMEM;
		t->nodes = nn;
		t->cap = ncap;
	}
	int i = t->n++;
	struct tnode *nd = &t->nodes[i];
	memset(nd, 0, sizeof *nd);
	nd->kind = kind;
	nd->child = nd->alt = nd->next = -1;
	nd->line = p->line;
	if (p->depth == 0) {
		if (p->root_last < 0)
			t->root = i;
		else
			t->nodes[p->root_last].next = i;
		p->root_last = i;
	} else {
		struct frame *f = &p->stack[p->depth - 1];
		struct tnode *sec = &t->nodes[f->node];
		if (f->last >= 0)
			t->nodes[f->last].next = i;
		else if (f->in_else)
			sec->alt = i;
		else
			sec->child = i;
		f->last = i;
	}
	*idx = i;
	return 0;
}

static bool name_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_' || ch == '.' || ch == '-';
}

/* Reads one word of [A-Za-z0-9_.-] from *s (after blanks) into out. */
static int read_word(struct parser *p, const char **s, const char *end, char *out)
{
	const char *q = *s;
	while (q < end && *q == ' ')
		q++;
	const char *w = q;
	while (q < end && name_char(*q))
		q++;
	size_t n = (size_t)(q - w);
	if (n == 0)
		return perr(p, "a name is missing");
	if (n >= WEB_TPL_NAME_MAX)
		return perr(p, "a name is too long");
	if (q < end && *q != ' ')
		return perr(p, "a name has a character that is not allowed");
	memcpy(out, w, n);
	out[n] = '\0';
	*s = q;
	return 0;
}

static int expect_end(struct parser *p, const char *s, const char *end)
{
	while (s < end && *s == ' ')
		s++;
	return s == end ? 0 : perr(p, "unexpected text in a tag");
}

static bool starts(const char *s, const char *end, const char *word)
{
	size_t n = strlen(word);
	return (size_t)(end - s) >= n && memcmp(s, word, n) == 0 &&
	       ((size_t)(end - s) == n || s[n] == ' ');
}

static int open_section(struct parser *p, enum tnode_kind kind, const char *s, const char *end)
{
	int idx;
	if (p->depth == WEB_TPL_DEPTH_MAX)
		return perr(p, "sections nest too deep");
	int r = add_node(p, kind, &idx);
	if (r)
		return r;
	r = read_word(p, &s, end, p->t->nodes[idx].name);
	if (r)
		return r;
	r = expect_end(p, s, end);
	if (r)
		return r;
	p->stack[p->depth++] = (struct frame){ .node = idx, .in_else = false, .last = -1 };
	return 0;
}

static const char *kind_word(enum tnode_kind k)
{
	return k == TN_IF ? "if" : k == TN_UNLESS ? "unless" : "each";
}

/* One tag's content (without the braces, blanks trimmed). */
static int parse_tag(struct parser *p, const char *s, const char *end)
{
	int idx, r;
	if (s == end)
		return perr(p, "empty tag");
	if (*s == '!')
		return 0;
	if (*s == '#') {
		s++;
		if (starts(s, end, "if"))
			return open_section(p, TN_IF, s + 2, end);
		if (starts(s, end, "unless"))
			return open_section(p, TN_UNLESS, s + 6, end);
		if (starts(s, end, "each"))
			return open_section(p, TN_EACH, s + 4, end);
		return perr(p, "unknown section (use #if, #unless or #each)");
	}
	if (*s == '/') {
		s++;
		if (p->depth == 0)
			return perr(p, "a section is closed that was not opened");
		struct tnode *sec = &p->t->nodes[p->stack[p->depth - 1].node];
		const char *w = kind_word(sec->kind);
		if (!starts(s, end, w))
			return perr(p, "the section closed is not the one open");
		r = expect_end(p, s + strlen(w), end);
		if (r)
			return r;
		p->depth--;
		return 0;
	}
	if (*s == '>') {
		r = add_node(p, TN_PARTIAL, &idx);
		if (r)
			return r;
		s++;
		r = read_word(p, &s, end, p->t->nodes[idx].name);
		return r ? r : expect_end(p, s, end);
	}
	if (starts(s, end, "else")) {
		if (p->depth == 0)
			return perr(p, "{{else}} outside a section");
		struct frame *f = &p->stack[p->depth - 1];
		if (f->in_else)
			return perr(p, "a second {{else}} in one section");
		r = expect_end(p, s + 4, end);
		if (r)
			return r;
		f->in_else = true;
		f->last = -1;
		return 0;
	}
	if (starts(s, end, "raw")) {
		r = add_node(p, TN_RAW, &idx);
		if (r)
			return r;
		s += 3;
		r = read_word(p, &s, end, p->t->nodes[idx].name);
		return r ? r : expect_end(p, s, end);
	}
	if (starts(s, end, "t")) {
		r = add_node(p, TN_TEXTKEY, &idx);
		if (r)
			return r;
		struct tnode *nd = &p->t->nodes[idx];
		s += 1;
		r = read_word(p, &s, end, nd->name);
		if (r)
			return r;
		for (;;) {
			while (s < end && *s == ' ')
				s++;
			if (s == end)
				return 0;
			if (nd->nargs == WEB_TPL_ARGS_MAX)
				return perr(p, "too many arguments");
			r = read_word(p, &s, end, nd->args[nd->nargs]);
			if (r)
				return r;
			nd->nargs++;
		}
	}
	r = add_node(p, TN_VAR, &idx);
	if (r)
		return r;
	r = read_word(p, &s, end, p->t->nodes[idx].name);
	return r ? r : expect_end(p, s, end);
}

static int parse(struct parser *p)
{
	const char *text = p->t->text;
	const char *s = text;
	int r = 0, idx;
	p->line = 1;
	while (*s) {
		const char *open = strstr(s, "{{");
		const char *stop = open ? open : s + strlen(s);
		if (stop > s) {
			r = add_node(p, TN_TEXT, &idx);
			if (r)
				return r;
			p->t->nodes[idx].off = (size_t)(s - text);
			p->t->nodes[idx].len = (size_t)(stop - s);
			for (const char *q = s; q < stop; q++)
				p->line += *q == '\n';
		}
		if (!open)
			break;
		const char *close = strstr(open + 2, "}}");
		if (!close)
			return perr(p, "a tag is not closed");
		const char *b = open + 2, *e = close;
		for (const char *q = b; q < e; q++) {
			if (*q == '\n' && *b != '!')
				return perr(p, "a tag spans lines");
			if (*q == '{' || *q == '}')
				return perr(p, "braces inside a tag");
		}
		while (b < e && *b == ' ')
			b++;
		while (e > b && e[-1] == ' ')
			e--;
		r = parse_tag(p, b, e);
		if (r)
			return r;
		for (const char *q = open; q < close; q++)
			p->line += *q == '\n';
		s = close + 2;
	}
	if (p->depth)
		return perr(p, "a section is not closed");
	return 0;
}

int web_tpl_set_add(struct web_tpl_set *set, const char *name, const char *text, size_t len,
		    char *err, size_t errlen)
{
	struct tpl t;
	memset(&t, 0, sizeof t);
	t.root = -1;
	if (err && errlen)
		err[0] = '\0';
	if (find_tpl(set, name)) {
		snprintf(err, errlen, "%s: defined twice", name);
		return KR_ECONFLICT;
	}
	if (memchr(text, '\0', len)) {
		snprintf(err, errlen, "%s: contains a NUL byte", name);
		return KR_EINVAL;
	}
	int r = KR_ENOMEM;
	t.name = kr_strdup(name);
	t.text = kr_strndup(text, len);
	if (!t.name || !t.text)
		goto out;
	struct parser p = { .t = &t, .depth = 0, .root_last = -1, .err = err, .errlen = errlen };
	r = parse(&p);
	if (r)
		goto out;
	if (set->n == set->cap) {
		int ncap = set->cap ? set->cap * 2 : 16;
		struct tpl *nt = kr_realloc(set->tpls, (size_t)ncap * sizeof *nt);
		if (!nt) {
			r = KR_ENOMEM;
			goto out;
		}
		set->tpls = nt;
		set->cap = ncap;
	}
	set->tpls[set->n++] = t;
	memset(&t, 0, sizeof t);
out:
	tpl_release(&t);
	return r;
}

int web_tpl_set_check(const struct web_tpl_set *set, web_tpl_text_fn fn, void *arg, char *err,
		      size_t errlen)
{
	for (int i = 0; i < set->n; i++) {
		const struct tpl *t = &set->tpls[i];
		for (int k = 0; k < t->n; k++) {
			const struct tnode *nd = &t->nodes[k];
			if (nd->kind == TN_PARTIAL && !find_tpl(set, nd->name)) {
				snprintf(err, errlen, "%s:%d: no template '%s'", t->name, nd->line,
					 nd->name);
				return KR_EINVAL;
			}
			if (nd->kind == TN_TEXTKEY && fn && !fn(arg, nd->name)) {
				snprintf(err, errlen, "%s:%d: no text for '%s'", t->name, nd->line,
					 nd->name);
				return KR_EINVAL;
			}
		}
	}
	return 0;
}

/* ---- rendering ---- */

struct render {
	const struct web_tpl_set *set;
	web_tpl_text_fn text;
	void *text_arg;
	struct strbuf *out;
	json_t *scopes[WEB_TPL_DEPTH_MAX + 1];
	int nscopes;
	int depth;
};

/* Value of a dotted path in the scopes, or NULL. */
static json_t *lookup(const struct render *rd, const char *path)
{
	if (strcmp(path, ".") == 0)
		return rd->scopes[rd->nscopes - 1];
	char seg[WEB_TPL_NAME_MAX];
	const char *dot = strchr(path, '.');
	size_t n = dot ? (size_t)(dot - path) : strlen(path);
	if (n == 0 || n >= sizeof seg)
		return NULL;
	memcpy(seg, path, n);
	seg[n] = '\0';
	json_t *v = NULL;
	for (int i = rd->nscopes - 1; i >= 0 && !v; i--) {
		if (json_is_object(rd->scopes[i]))
			v = json_object_get(rd->scopes[i], seg);
	}
	while (v && dot) {
		path = dot + 1;
		dot = strchr(path, '.');
		n = dot ? (size_t)(dot - path) : strlen(path);
		if (n == 0 || n >= sizeof seg)
			return NULL;
		memcpy(seg, path, n);
		seg[n] = '\0';
		v = json_is_object(v) ? json_object_get(v, seg) : NULL;
	}
	return v;
}

static bool truthy(json_t *v)
{
	if (!v)
		return false;
	switch (json_typeof(v)) {
	case JSON_NULL:
	case JSON_FALSE:
		return false;
	case JSON_STRING:
		return json_string_length(v) > 0;
	case JSON_INTEGER:
		return json_integer_value(v) != 0;
	case JSON_REAL:
		return json_real_value(v) != 0.0;
	case JSON_ARRAY:
		return json_array_size(v) > 0;
	default:
		return true;
	}
}

/* Appends the text form of v, escaped or not. */
static int put_value(struct strbuf *out, json_t *v, bool escape)
{
	char num[48];
	const char *s = NULL;
	size_t n = 0;
	if (!v)
		return 0;
	switch (json_typeof(v)) {
	case JSON_STRING:
		s = json_string_value(v);
		n = json_string_length(v);
		break;
	case JSON_INTEGER:
		n = (size_t)snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
		s = num;
		break;
	case JSON_REAL:
		n = (size_t)snprintf(num, sizeof num, "%g", json_real_value(v));
		s = num;
		break;
	case JSON_TRUE:
		s = "true";
		n = 4;
		break;
	default:
		return 0;
	}
	return escape ? web_html_escape(out, s, n) : strbuf_add(out, s, n);
}

/* {{t key args}}: the catalogue text with {1}..{4} replaced by arguments. */
static int put_text(struct render *rd, const struct tnode *nd)
{
	const char *msg = rd->text ? rd->text(rd->text_arg, nd->name) : NULL;
	if (!msg)
		return web_html_escape(rd->out, nd->name, strlen(nd->name));
	const char *s = msg;
	int r = 0;
	while (*s && !r) {
		const char *ph = strchr(s, '{');
		if (!ph) {
			r = web_html_escape(rd->out, s, strlen(s));
			break;
		}
		r = web_html_escape(rd->out, s, (size_t)(ph - s));
		if (r)
			break;
		int k = ph[1] - '1';
		if (k >= 0 && k < WEB_TPL_ARGS_MAX && ph[2] == '}') {
			if (k < nd->nargs)
				r = put_value(rd->out, lookup(rd, nd->args[k]), true);
			s = ph + 3;
		} else {
			r = web_html_escape(rd->out, ph, 1);
			s = ph + 1;
		}
	}
	return r;
}

static int render_list(struct render *rd, const struct tpl *t, int i);

static int push_scope(struct render *rd, json_t *v)
{
	if (rd->nscopes > WEB_TPL_DEPTH_MAX)
		return KR_ELIMIT;
	rd->scopes[rd->nscopes++] = v;
	return 0;
}

static int render_node(struct render *rd, const struct tpl *t, const struct tnode *nd)
{
	int r = 0;
	json_t *v;
	switch (nd->kind) {
	case TN_TEXT:
		return strbuf_add(rd->out, t->text + nd->off, nd->len);
	case TN_VAR:
		return put_value(rd->out, lookup(rd, nd->name), true);
	case TN_RAW:
		return put_value(rd->out, lookup(rd, nd->name), false);
	case TN_TEXTKEY:
		return put_text(rd, nd);
	case TN_IF:
	case TN_UNLESS: {
		bool yes = truthy(lookup(rd, nd->name));
		if (nd->kind == TN_UNLESS)
			yes = !yes;
		return render_list(rd, t, yes ? nd->child : nd->alt);
	}
	case TN_EACH:
		v = lookup(rd, nd->name);
		if (!json_is_array(v) || json_array_size(v) == 0)
			return render_list(rd, t, nd->alt);
		for (size_t k = 0; k < json_array_size(v) && !r; k++) {
			r = push_scope(rd, json_array_get(v, k));
			if (r)
				break;
			r = render_list(rd, t, nd->child);
			rd->nscopes--;
		}
		return r;
	case TN_PARTIAL: {
		const struct tpl *pt = find_tpl(rd->set, nd->name);
		if (!pt)
			return KR_ENOTFOUND;
		if (rd->depth >= WEB_TPL_DEPTH_MAX)
			return KR_ELIMIT;
		rd->depth++;
		r = render_list(rd, pt, pt->root);
		rd->depth--;
		return r;
	}
	}
	return KR_EINVAL;
}

static int render_list(struct render *rd, const struct tpl *t, int i)
{
	int r = 0;
	for (; i >= 0 && !r; i = t->nodes[i].next)
		r = render_node(rd, t, &t->nodes[i]);
	return r;
}

int web_tpl_render(const struct web_tpl_set *set, const char *name, json_t *ctx,
		   web_tpl_text_fn text, void *text_arg, struct strbuf *out)
{
	const struct tpl *t = find_tpl(set, name);
	if (!t)
		return KR_ENOTFOUND;
	struct render rd = { .set = set, .text = text, .text_arg = text_arg, .out = out };
	rd.scopes[rd.nscopes++] = ctx;
	return render_list(&rd, t, t->root);
}
