-- 004_notify.sql - target and victim notification: the constituency
-- registry (what each organisation owns, its security contacts and how it
-- wants to be told), notification runs with their matches and rejected
-- rows, the outbox of messages and the sent-log of the de-duplication
-- window. Conventions as in 001_init.sql.

-- What an organisation owns or uses. value is canonical: "192.0.2.0/24",
-- "2001:db8::/32", "64500", "example.nl", a CPE string, or for a product
-- "vendor:product:min:max" (the columns hold the parts). Prefixes, AS
-- numbers and domains are exclusive (one owner each); products are not.
CREATE TABLE notify_registrations (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	org_id INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	kind TEXT NOT NULL CHECK (kind IN ('prefix', 'asn', 'domain', 'product', 'cpe')),
	value TEXT NOT NULL CHECK (length(CAST(value AS BLOB)) BETWEEN 1 AND 1100),
	vendor TEXT NOT NULL DEFAULT '' CHECK (length(CAST(vendor AS BLOB)) <= 255),
	product TEXT NOT NULL DEFAULT '' CHECK (length(CAST(product AS BLOB)) <= 255),
	min_version TEXT NOT NULL DEFAULT '' CHECK (length(CAST(min_version AS BLOB)) <= 255),
	max_version TEXT NOT NULL DEFAULT '' CHECK (length(CAST(max_version AS BLOB)) <= 255),
	created INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX notify_registrations_exclusive ON notify_registrations (kind, value)
	WHERE kind IN ('prefix', 'asn', 'domain');
CREATE UNIQUE INDEX notify_registrations_shared ON notify_registrations (kind, value, org_id)
	WHERE kind IN ('product', 'cpe');
CREATE INDEX notify_registrations_org ON notify_registrations (org_id, id);

-- Security contacts: people to write to, with their language. They need no
-- kring login; the address is personal (no functional mailboxes).
CREATE TABLE notify_contacts (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	org_id INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	name TEXT NOT NULL CHECK (length(CAST(name AS BLOB)) BETWEEN 1 AND 200),
	email TEXT NOT NULL COLLATE NOCASE
		CHECK (length(CAST(email AS BLOB)) BETWEEN 3 AND 254 AND instr(email, '@') > 1),
	lang TEXT NOT NULL DEFAULT 'en' CHECK (lang IN ('nl', 'en')),
	created INTEGER NOT NULL,
	UNIQUE (org_id, email)
) STRICT;

-- How an organisation wants to be told: itself (direct), through its IT
-- supplier (an opt-in of the organisation: AMBER may reach an outsourced
-- provider only with consent), or through a linking organisation it is a
-- member of. An organisation without any route is told directly.
CREATE TABLE notify_routes (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	org_id INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	kind TEXT NOT NULL CHECK (kind IN ('direct', 'supplier', 'linking')),
	via_org_id INTEGER REFERENCES organisations (id) ON DELETE CASCADE,
	created INTEGER NOT NULL,
	CHECK ((kind = 'direct') = (via_org_id IS NULL)),
	CHECK (via_org_id IS NULL OR via_org_id <> org_id)
) STRICT;
CREATE UNIQUE INDEX notify_routes_unique ON notify_routes (org_id, kind, coalesce(via_org_id, 0));
CREATE INDEX notify_routes_via ON notify_routes (via_org_id);

-- One run per distinct input (input_hash: SHA-256 of its bytes). A run is
-- written in one transaction together with its matches and its outbox, so
-- a run that exists is complete; the same input again resumes it.
CREATE TABLE notify_runs (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	input_hash TEXT NOT NULL UNIQUE
		CHECK (length(input_hash) = 64 AND input_hash NOT GLOB '*[^0-9a-f]*'),
	input_name TEXT NOT NULL DEFAULT '' CHECK (length(CAST(input_name AS BLOB)) <= 255),
	input_format TEXT NOT NULL DEFAULT '' CHECK (length(input_format) <= 32),
	event_type TEXT NOT NULL DEFAULT '' CHECK (length(CAST(event_type AS BLOB)) <= 64),
	state TEXT NOT NULL CHECK (state IN ('matching', 'queued', 'done')),
	person_id INTEGER REFERENCES people (id),
	bytes INTEGER NOT NULL DEFAULT 0,
	rows_read INTEGER NOT NULL DEFAULT 0,
	rows_matched INTEGER NOT NULL DEFAULT 0,
	rows_unmatched INTEGER NOT NULL DEFAULT 0,
	rows_rejected INTEGER NOT NULL DEFAULT 0,
	rows_duplicate INTEGER NOT NULL DEFAULT 0,
	rows_suppressed INTEGER NOT NULL DEFAULT 0,
	rows_truncated INTEGER NOT NULL DEFAULT 0,
	victims INTEGER NOT NULL DEFAULT 0,
	recipients INTEGER NOT NULL DEFAULT 0,
	notifications INTEGER NOT NULL DEFAULT 0,
	unroutable INTEGER NOT NULL DEFAULT 0,
	created INTEGER NOT NULL,
	finished INTEGER NOT NULL DEFAULT 0
) STRICT;

-- Why rows of a run were rejected (the first ones of each run).
CREATE TABLE notify_run_rejects (
	run_id INTEGER NOT NULL REFERENCES notify_runs (id) ON DELETE CASCADE,
	seq INTEGER NOT NULL,
	row INTEGER NOT NULL,
	line INTEGER NOT NULL,
	reason TEXT NOT NULL CHECK (length(CAST(reason AS BLOB)) <= 255),
	PRIMARY KEY (run_id, seq)
) STRICT, WITHOUT ROWID;

-- One row per input row and victim organisation. row_key identifies the
-- finding (event type, subject, port, detail) for de-duplication; fields is
-- the row as one CSV line in the run's columns.
CREATE TABLE notify_matches (
	run_id INTEGER NOT NULL REFERENCES notify_runs (id) ON DELETE CASCADE,
	victim_org_id INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	seq INTEGER NOT NULL,
	row INTEGER NOT NULL,
	event_type TEXT NOT NULL,
	category TEXT NOT NULL DEFAULT '',
	subject TEXT NOT NULL,
	subject_type TEXT NOT NULL,
	row_key TEXT NOT NULL,
	at INTEGER NOT NULL DEFAULT 0,
	fields TEXT NOT NULL,
	PRIMARY KEY (run_id, victim_org_id, seq)
) STRICT, WITHOUT ROWID;
CREATE UNIQUE INDEX notify_matches_key ON notify_matches (run_id, victim_org_id, row_key);

-- The outbox: one message per recipient organisation, route and language.
-- dedup_key is the idempotency key of the message (also its Message-ID).
-- The body keeps the place of the acknowledgement link; the token is made
-- when the message is sent and only its SHA-256 (ack_hash) is kept.
CREATE TABLE notify_outbox (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	run_id INTEGER NOT NULL REFERENCES notify_runs (id) ON DELETE CASCADE,
	dedup_key TEXT NOT NULL UNIQUE
		CHECK (length(dedup_key) = 64 AND dedup_key NOT GLOB '*[^0-9a-f]*'),
	recipient_org_id INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	route TEXT NOT NULL CHECK (route IN ('direct', 'supplier', 'linking')),
	lang TEXT NOT NULL CHECK (lang IN ('nl', 'en')),
	tlp TEXT NOT NULL CHECK (tlp IN ('CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED')),
	recipients TEXT NOT NULL CHECK (length(CAST(recipients AS BLOB)) BETWEEN 3 AND 8192),
	subject TEXT NOT NULL CHECK (length(CAST(subject AS BLOB)) BETWEEN 1 AND 998),
	body_text TEXT NOT NULL,
	csv TEXT NOT NULL,
	stix TEXT NOT NULL,
	nrows INTEGER NOT NULL CHECK (nrows >= 1),
	state TEXT NOT NULL DEFAULT 'queued'
		CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'acknowledged')),
	attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
	next_attempt INTEGER NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT '' CHECK (length(CAST(last_error AS BLOB)) <= 255),
	ack_hash TEXT CHECK (ack_hash IS NULL OR length(ack_hash) = 64),
	created INTEGER NOT NULL,
	sent_at INTEGER NOT NULL DEFAULT 0,
	acked_at INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX notify_outbox_due ON notify_outbox (state, next_attempt, id);
CREATE INDEX notify_outbox_run ON notify_outbox (run_id, id);
CREATE UNIQUE INDEX notify_outbox_ack ON notify_outbox (ack_hash) WHERE ack_hash IS NOT NULL;

-- The sent-log: which finding went to which recipient in which message.
-- key is the SHA-256 of recipient, route, victim and row_key; a finding is
-- not sent again within the window unless its message failed.
CREATE TABLE notify_sentlog (
	key TEXT NOT NULL CHECK (length(key) = 64),
	outbox_id INTEGER NOT NULL REFERENCES notify_outbox (id) ON DELETE CASCADE,
	at INTEGER NOT NULL,
	PRIMARY KEY (key, outbox_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX notify_sentlog_at ON notify_sentlog (at);
CREATE INDEX notify_sentlog_outbox ON notify_sentlog (outbox_id);
