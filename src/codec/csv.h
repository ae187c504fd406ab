/* csv.h - a streaming CSV reader (RFC 4180) with bounded records.
 *
 * Bytes are pushed in with csv_reader_feed() in pieces of any size (a file
 * read in blocks, an upload as it arrives); every complete record is handed
 * to the caller's function at once, so memory stays bounded by one record
 * whatever the size of the input. Read: quoted fields, doubled quotes,
 * CRLF, LF or CR line ends, line breaks inside quoted fields, a UTF-8 byte
 * order mark at the start. Lenient like common CSV writers need: a quote
 * inside an unquoted field is kept as text, and text after a closing quote
 * continues the field unquoted. Blank lines are skipped.
 *
 * Bad records never stop the stream: a record is rejected, with a reason,
 * when it is longer than max_record bytes, has more than max_fields
 * fields, holds a NUL byte or another control character (other than tab
 * and line breaks inside quotes), is not valid UTF-8, or ends inside a
 * quoted field at the end of the input. After an over-long record the
 * reader starts again after the next line break (also inside quotes: a
 * stray quote cannot swallow the rest of the input). */
#ifndef KR_CSV_H
#define KR_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CSV_RECORD_MAX_DEFAULT ((size_t)64 * 1024) /* bytes of one record */
#define CSV_FIELDS_MAX_DEFAULT ((size_t)1024)
#define CSV_RECORD_MAX_LIMIT   ((size_t)1 << 30) /* largest max_record accepted */
#define CSV_FIELDS_MAX_LIMIT   ((size_t)1 << 20) /* largest max_fields accepted */
#define CSV_REASON_MAX         128

struct csv_options {
	size_t max_record; /* bytes of one record as read (quotes included); 0 = default */
	size_t max_fields; /* 0 = default */
	char delimiter;    /* 0 = ',' */
};

/* One record, valid only during the callback. */
struct csv_record {
	uint64_t number;          /* 1-based; counts rejected records too, not blank lines */
	uint64_t line;            /* line of the input where the record starts, 1-based */
	size_t nfields;           /* 0 when rejected */
	const char *const *field; /* unquoted, NUL-terminated (no NUL inside) */
	const size_t *len;
	bool terminated;   /* ended by a line break; false: the input ended first */
	const char *error; /* NULL, or why the record is rejected (English, one line) */
};

/* Return 0 to go on; anything else stops the reader and is returned by
 * csv_reader_feed()/csv_reader_finish(). */
typedef int (*csv_record_fn)(void *ctx, const struct csv_record *rec);

struct csv_reader;

/* opt may be NULL (defaults). *out is owned by the caller: csv_reader_free().
 * The reader takes about max_record + 25 * max_fields bytes, allocated here
 * once. KR_EINVAL for a delimiter that is '"', a line break, another
 * control character (tab is fine) or not ASCII, and for limits above the
 * *_LIMIT values; KR_ENOMEM. */
int csv_reader_new(const struct csv_options *opt, csv_record_fn fn, void *ctx,
                   struct csv_reader **out);
/* Reads len more bytes. 0, the callback's stop value, or KR_EINVAL after
 * finish or a stop. */
int csv_reader_feed(struct csv_reader *r, const void *data, size_t len);
/* End of input: hands over a last record that has no line break. Same
 * returns as csv_reader_feed(). */
int csv_reader_finish(struct csv_reader *r);
void csv_reader_free(struct csv_reader *r);

struct csv_stats {
	uint64_t records; /* handed to the callback, rejected ones included */
	uint64_t rejected;
	uint64_t lines; /* line breaks read */
	uint64_t bytes;
};
void csv_reader_stats(const struct csv_reader *r, struct csv_stats *out);

#endif
