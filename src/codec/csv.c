/* csv.c - streaming CSV reader: a byte-class driven state machine that
 * copies runs of ordinary bytes at once into the record buffer.
 *
 * The record buffer is allocated once at its largest possible size
 * (max_record bytes of text plus one NUL per field): a record can never
 * outgrow it, because a record longer than max_record is cut off before
 * its text is stored, so the hot loop needs no growth checks. */
#include "codec/csv.h"
#include "util/alloc.h"
#include "util/err.h"

#include <stdio.h>
#include <string.h>

#include "util/banned.h"

enum csv_state {
	ST_RECORD,   /* between records */
	ST_FIELD,    /* at the start of a field */
	ST_UNQUOTED, /* inside an unquoted field */
	ST_QUOTED,   /* inside a quoted field */
	ST_QUOTE,    /* a quote inside a quoted field: end, or the first of two */
	ST_SKIP,     /* discarding an over-long record up to the next line break */
};

struct csv_reader {
	struct csv_options opt;
	csv_record_fn fn;
	void *ctx;
	enum csv_state st;
	bool swallow_lf; /* a CR ended the last line: an LF right after belongs to it */
	int bom;         /* bytes of a byte order mark matched so far; -1 when past it */
	char *buf;       /* the record's fields, unquoted, each NUL-terminated */
	size_t blen, bcap;
	size_t *off, *len; /* max_fields each */
	const char **ptr;
	size_t nf;
	size_t fstart; /* where the current field starts in buf */
	size_t raw;    /* bytes of the current record read so far */
	bool high;     /* a byte >= 0x80 was read: the record needs a UTF-8 check */
	bool bad;      /* the current record is rejected (why says why) */
	char why[CSV_REASON_MAX];
	uint64_t line, rec_line, number;
	struct csv_stats stats;
	int stop; /* non-zero after a stop by the callback or after finish */
	/* Byte classes of unquoted and quoted text: 0 ordinary, 1 a run stops
	 * here, 2 ordinary but not ASCII. */
	unsigned char ucls[256];
	unsigned char qcls[256];
};

static bool is_control(unsigned c)
{
	return c == 0 || (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f;
}

int csv_reader_new(const struct csv_options *opt, csv_record_fn fn, void *ctx,
                   struct csv_reader **out)
{
	struct csv_options o = {0};
	if (opt)
		o = *opt;
	if (!o.max_record)
		o.max_record = CSV_RECORD_MAX_DEFAULT;
	if (!o.max_fields)
		o.max_fields = CSV_FIELDS_MAX_DEFAULT;
	if (!o.delimiter)
		o.delimiter = ',';
	unsigned char d = (unsigned char)o.delimiter;
	if (!fn || d == '"' || d == '\r' || d == '\n' || d >= 0x80 || is_control(d) ||
	    o.max_record > CSV_RECORD_MAX_LIMIT || o.max_fields > CSV_FIELDS_MAX_LIMIT)
		return KR_EINVAL;
	struct csv_reader *r = kr_calloc(1, sizeof *r);
	if (!r)
		return KR_ENOMEM;
	r->opt = o;
	r->fn = fn;
	r->ctx = ctx;
	r->st = ST_RECORD;
	r->line = 1;
	/* Unescaped text never exceeds the raw record; one NUL per field. */
	r->bcap = o.max_record + o.max_fields + 1;
	r->buf = kr_malloc(r->bcap);
	r->off = kr_malloc(o.max_fields * sizeof *r->off);
	r->len = kr_malloc(o.max_fields * sizeof *r->len);
	r->ptr = kr_malloc(o.max_fields * sizeof *r->ptr);
	if (!r->buf || !r->off || !r->len || !r->ptr) {
		csv_reader_free(r);
		return KR_ENOMEM;
	}
	for (unsigned c = 0; c < 256; c++) {
		r->ucls[c] =
		    is_control(c) || c == '\n' || c == '\r' || c == (unsigned char)o.delimiter;
		r->qcls[c] = is_control(c) || c == '"' || c == '\n';
		if (c >= 0x80) {
			r->ucls[c] = 2;
			r->qcls[c] = 2;
		}
	}
	*out = r;
	return 0;
}

void csv_reader_free(struct csv_reader *r)
{
	if (!r)
		return;
	kr_free(r->buf);
	kr_free(r->off);
	kr_free(r->len);
	kr_free(r->ptr);
	kr_free(r);
}

void csv_reader_stats(const struct csv_reader *r, struct csv_stats *out)
{
	*out = r->stats;
	out->lines = r->line - 1;
}

static void reject(struct csv_reader *r, const char *why)
{
	if (r->bad)
		return;
	r->bad = true;
	snprintf(r->why, sizeof r->why, "%s", why);
}

static void begin_record(struct csv_reader *r)
{
	r->blen = 0;
	r->nf = 0;
	r->fstart = 0;
	r->raw = 0;
	r->high = false;
	r->bad = false;
	r->rec_line = r->line;
	r->st = ST_FIELD;
}

/* Counts n more raw bytes; false (and skip mode) when the record gets too long. */
static bool raw_add(struct csv_reader *r, size_t n)
{
	r->raw += n;
	if (r->raw <= r->opt.max_record)
		return true;
	char why[CSV_REASON_MAX];
	snprintf(why, sizeof why, "record longer than %zu bytes", r->opt.max_record);
	r->bad = false; /* the size is the reason that matters now */
	reject(r, why);
	r->st = ST_SKIP;
	return false;
}

static void store(struct csv_reader *r, const unsigned char *p, size_t n);

/* Reads a run of n ordinary bytes at p into the record. Returns how many
 * were read: all of them, or those up to the one that made the record too
 * long; the rest is left to the skip, which must see a line break inside
 * the run (a CR in quotes) exactly as it would had the input been split
 * there. */
static size_t take_run(struct csv_reader *r, const unsigned char *p, size_t n)
{
	size_t room = r->opt.max_record - r->raw; /* raw <= max_record while reading */
	if (n > room) {
		raw_add(r, room + 1);
		return room + 1;
	}
	raw_add(r, n);
	store(r, p, n);
	return n;
}

static void store(struct csv_reader *r, const unsigned char *p, size_t n)
{
	if (r->bad)
		return;
	if (n > r->bcap - r->blen) { /* cannot happen: the raw size is checked first */
		reject(r, "record too large");
		return;
	}
	memcpy(r->buf + r->blen, p, n);
	r->blen += n;
}

static void end_field(struct csv_reader *r)
{
	if (r->bad)
		return;
	if (r->nf == r->opt.max_fields) {
		char why[CSV_REASON_MAX];
		snprintf(why, sizeof why, "more than %zu fields", r->opt.max_fields);
		reject(r, why);
		return;
	}
	if (r->blen == r->bcap) {
		reject(r, "record too large");
		return;
	}
	r->off[r->nf] = r->fstart;
	r->len[r->nf] = r->blen - r->fstart;
	r->nf++;
	r->buf[r->blen++] = '\0';
	r->fstart = r->blen;
}

/* Well-formed UTF-8: no overlong forms, surrogates or values past U+10FFFF. */
static bool utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t k;
		unsigned min, v;
		if (c >= 0xc2 && c <= 0xdf) {
			k = 1;
			v = c & 0x1f;
			min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			k = 2;
			v = c & 0x0f;
			min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3;
			v = c & 0x07;
			min = 0x10000;
		} else {
			return false;
		}
		if (n - i <= k)
			return false;
		for (size_t j = 1; j <= k; j++) {
			unsigned t = s[i + j];
			if ((t & 0xc0) != 0x80)
				return false;
			v = (v << 6) | (t & 0x3f);
		}
		if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
			return false;
		i += k + 1;
	}
	return true;
}

static int end_record(struct csv_reader *r, bool terminated)
{
	r->number++;
	r->stats.records++;
	if (!r->bad && r->high && !utf8_ok((const unsigned char *)r->buf, r->blen))
		reject(r, "record is not valid UTF-8");
	struct csv_record rec = {
	    .number = r->number,
	    .line = r->rec_line,
	    .terminated = terminated,
	};
	if (r->bad) {
		r->stats.rejected++;
		rec.error = r->why;
	} else {
		for (size_t i = 0; i < r->nf; i++)
			r->ptr[i] = r->buf + r->off[i];
		rec.nfields = r->nf;
		rec.field = r->ptr;
		rec.len = r->len;
	}
	r->st = ST_RECORD;
	int rc = r->fn(r->ctx, &rec);
	if (rc)
		r->stop = rc;
	return rc;
}

/* A line break ends the record: an LF right after a CR is part of it. */
static int line_break(struct csv_reader *r, unsigned char c)
{
	r->line++;
	r->swallow_lf = c == '\r';
	return end_record(r, true);
}

/* The end of the run of ordinary bytes from p (class 0 or 2 in cls). */
static const unsigned char *scan(struct csv_reader *r, const unsigned char *cls,
                                 const unsigned char *p, const unsigned char *end)
{
	for (;;) {
		while (p < end && !cls[*p])
			p++;
		if (p == end || cls[*p] != 2)
			return p;
		r->high = true;
		p++;
	}
}

static int run(struct csv_reader *r, const unsigned char *p, const unsigned char *end)
{
	const unsigned char delim = (unsigned char)r->opt.delimiter;
	int e = 0;
	while (p < end) {
		unsigned char c = *p;
		switch (r->st) {
		case ST_RECORD:
			if (r->swallow_lf) {
				r->swallow_lf = false;
				if (c == '\n') {
					p++;
					continue;
				}
			}
			if (c == '\n' || c == '\r') { /* a blank line */
				r->line++;
				r->swallow_lf = c == '\r';
				p++;
				continue;
			}
			begin_record(r);
			continue;
		case ST_FIELD:
			if (c == '"') {
				p++;
				if (raw_add(r, 1))
					r->st = ST_QUOTED;
				continue;
			}
			r->st = ST_UNQUOTED;
			continue;
		case ST_UNQUOTED: {
			const unsigned char *q = scan(r, r->ucls, p, end);
			if (q > p) {
				p += take_run(r, p, (size_t)(q - p));
				break;
			}
			p++;
			if (c == delim) {
				if (raw_add(r, 1)) {
					end_field(r);
					r->st = ST_FIELD;
				}
			} else if (c == '\n' || c == '\r') {
				end_field(r);
				e = line_break(r, c);
			} else {
				reject(r, c == 0 ? "NUL byte in record"
				                 : "control character in record");
				raw_add(r, 1);
			}
			break;
		}
		case ST_QUOTED: {
			const unsigned char *q = scan(r, r->qcls, p, end);
			if (q > p) {
				p += take_run(r, p, (size_t)(q - p));
				break;
			}
			p++;
			if (!raw_add(r, 1))
				break;
			if (c == '"') {
				r->st = ST_QUOTE;
			} else if (c == '\n') {
				r->line++;
				store(r, &c, 1);
			} else {
				reject(r, c == 0 ? "NUL byte in record"
				                 : "control character in record");
			}
			break;
		}
		case ST_QUOTE:
			if (c == '"') {
				p++;
				if (raw_add(r, 1)) {
					store(r, &c, 1);
					r->st = ST_QUOTED;
				}
			} else if (c == delim) {
				p++;
				if (raw_add(r, 1)) {
					end_field(r);
					r->st = ST_FIELD;
				}
			} else if (c == '\n' || c == '\r') {
				p++;
				end_field(r);
				e = line_break(r, c);
			} else {
				r->st = ST_UNQUOTED; /* text after the closing quote */
			}
			break;
		case ST_SKIP: {
			const unsigned char *q = p;
			while (q < end && *q != '\n' && *q != '\r')
				q++;
			if (q == end) {
				p = q;
				break;
			}
			p = q + 1;
			e = line_break(r, *q);
			break;
		}
		}
		if (e)
			return e;
	}
	return 0;
}

static const unsigned char utf8_bom[3] = {0xef, 0xbb, 0xbf};

/* Not a byte order mark after all: the bytes of it matched so far were
 * data. r->bom is below 3 while matching (it turns -1 at the third byte);
 * the bound says so to readers of utf8_bom[]. */
static int bom_replay(struct csv_reader *r)
{
	int k = r->bom;
	r->bom = -1;
	if (k <= 0 || k >= (int)sizeof utf8_bom)
		return 0;
	return run(r, utf8_bom, utf8_bom + k);
}

int csv_reader_feed(struct csv_reader *r, const void *data, size_t len)
{
	if (r->stop)
		return KR_EINVAL;
	const unsigned char *p = data, *end = p + len;
	r->stats.bytes += len;
	while (r->bom >= 0 && p < end) {
		if (*p == utf8_bom[r->bom]) {
			p++;
			if (++r->bom == 3)
				r->bom = -1;
			continue;
		}
		int e = bom_replay(r);
		if (e)
			return e;
	}
	return run(r, p, end);
}

int csv_reader_finish(struct csv_reader *r)
{
	if (r->stop)
		return KR_EINVAL;
	int e = 0;
	if (r->bom > 0) {
		e = bom_replay(r);
		if (e)
			return e;
	}
	switch (r->st) {
	case ST_RECORD:
		break;
	case ST_SKIP:
		e = end_record(r, false);
		break;
	case ST_QUOTED:
		reject(r, "input ended inside a quoted field");
		e = end_record(r, false);
		break;
	case ST_FIELD:
	case ST_UNQUOTED:
	case ST_QUOTE:
		end_field(r);
		e = end_record(r, false);
		break;
	}
	if (!e)
		r->stop = KR_EINVAL; /* finished: further input is an error */
	return e;
}
