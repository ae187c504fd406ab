-- 001_init.sql - the first schema of kring.
--
-- Conventions: every table is STRICT (column types are enforced); ids are
-- INTEGER PRIMARY KEY AUTOINCREMENT so that an id named in the audit log is
-- never given to another row; times are INTEGER milliseconds since the epoch
-- (UTC), 0 = not set; an optional reference is NULL (the C side's 0).
-- Enumerations are stored as their texts from core/model.h and lengths are
-- checked in bytes against the limits there: the C code checks first, these
-- CHECK constraints are the second line of defence.

CREATE TABLE organisations (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	name TEXT NOT NULL CHECK (length(CAST(name AS BLOB)) BETWEEN 1 AND 200),
	kind TEXT NOT NULL
		CHECK (kind IN ('company', 'government', 'csirt', 'linking', 'supplier')),
	region TEXT NOT NULL DEFAULT '' CHECK (length(CAST(region AS BLOB)) <= 64),
	size_class TEXT NOT NULL DEFAULT ''
		CHECK (size_class IN ('', 'micro', 'small', 'medium', 'large')),
	nis2 TEXT NOT NULL DEFAULT 'none' CHECK (nis2 IN ('none', 'important', 'essential')),
	website TEXT NOT NULL DEFAULT '' CHECK (length(CAST(website AS BLOB)) <= 2048),
	created INTEGER NOT NULL
) STRICT;
CREATE INDEX organisations_kind ON organisations (kind, id);

-- The sectors of an organisation, in the order given (at most 8).
CREATE TABLE organisation_sectors (
	org_id INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	pos INTEGER NOT NULL CHECK (pos BETWEEN 0 AND 7),
	sector TEXT NOT NULL CHECK (length(CAST(sector AS BLOB)) BETWEEN 1 AND 64),
	PRIMARY KEY (org_id, pos)
) STRICT, WITHOUT ROWID;

CREATE TABLE people (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	name TEXT NOT NULL CHECK (length(CAST(name AS BLOB)) BETWEEN 1 AND 200),
	email TEXT NOT NULL COLLATE NOCASE UNIQUE
		CHECK (length(CAST(email AS BLOB)) BETWEEN 3 AND 254 AND instr(email, '@') > 1),
	org_id INTEGER REFERENCES organisations (id),
	lang TEXT NOT NULL DEFAULT 'en' CHECK (lang IN ('nl', 'en')),
	pw_hash TEXT NOT NULL DEFAULT '' CHECK (length(CAST(pw_hash AS BLOB)) <= 255),
	is_admin INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
	disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
	created INTEGER NOT NULL
) STRICT;
CREATE INDEX people_org ON people (org_id, id);

CREATE TABLE communities (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	name TEXT NOT NULL CHECK (length(CAST(name AS BLOB)) BETWEEN 1 AND 200),
	kind TEXT NOT NULL CHECK (kind IN ('sector', 'region', 'chain', 'theme')),
	description TEXT CHECK (length(CAST(description AS BLOB)) <= 4000),
	guidelines TEXT CHECK (length(CAST(guidelines AS BLOB)) <= 65536),
	guidelines_version INTEGER NOT NULL DEFAULT 1 CHECK (guidelines_version >= 1),
	max_primary INTEGER NOT NULL DEFAULT 2 CHECK (max_primary BETWEEN 1 AND 10),
	default_tlp TEXT NOT NULL DEFAULT 'AMBER'
		CHECK (default_tlp IN ('CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED')),
	created INTEGER NOT NULL
) STRICT;

-- Every version of every community's guidelines, the current one included.
CREATE TABLE community_guidelines (
	community_id INTEGER NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
	version INTEGER NOT NULL CHECK (version >= 1),
	text TEXT CHECK (length(CAST(text AS BLOB)) <= 65536),
	created INTEGER NOT NULL,
	PRIMARY KEY (community_id, version)
) STRICT;

CREATE TABLE memberships (
	community_id INTEGER NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
	org_id INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	status TEXT NOT NULL CHECK (status IN ('pending', 'member', 'rejected', 'left')),
	since INTEGER NOT NULL,
	PRIMARY KEY (community_id, org_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX memberships_org ON memberships (org_id, community_id);

-- The organisation of a representative is always the person's current one
-- (read through people), so it cannot drift.
CREATE TABLE representatives (
	community_id INTEGER NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
	person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
	kind TEXT NOT NULL CHECK (kind IN ('primary', 'backup')),
	role TEXT NOT NULL DEFAULT 'member'
		CHECK (role IN ('member', 'secretary', 'vice-chair', 'chair')),
	PRIMARY KEY (community_id, person_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX representatives_person ON representatives (person_id, community_id);
-- At most one chair, one vice-chair and one secretary per community.
CREATE UNIQUE INDEX representatives_one_role ON representatives (community_id, role)
	WHERE role <> 'member';

CREATE TABLE guideline_acceptances (
	community_id INTEGER NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
	person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
	version INTEGER NOT NULL CHECK (version >= 1),
	accepted_at INTEGER NOT NULL,
	PRIMARY KEY (community_id, person_id, version)
) STRICT, WITHOUT ROWID;

CREATE TABLE applications (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	community_id INTEGER NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
	org_id INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	status TEXT NOT NULL CHECK (status IN ('pending', 'admitted', 'rejected', 'withdrawn')),
	motivation TEXT NOT NULL DEFAULT '' CHECK (length(CAST(motivation AS BLOB)) <= 4000),
	created INTEGER NOT NULL,
	decided INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX applications_community ON applications (community_id, id);
-- An organisation has at most one pending application per community.
CREATE UNIQUE INDEX applications_one_pending ON applications (community_id, org_id)
	WHERE status = 'pending';

-- People proposed as primary representatives by an application, in order.
CREATE TABLE application_reps (
	application_id INTEGER NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
	pos INTEGER NOT NULL CHECK (pos BETWEEN 0 AND 3),
	person_id INTEGER NOT NULL REFERENCES people (id),
	PRIMARY KEY (application_id, pos)
) STRICT, WITHOUT ROWID;

CREATE TABLE votes (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	application_id INTEGER NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
	voter_org_id INTEGER NOT NULL REFERENCES organisations (id),
	voter_person_id INTEGER REFERENCES people (id),
	vote TEXT NOT NULL CHECK (vote IN ('no', 'yes')),
	cast_at INTEGER NOT NULL,
	UNIQUE (application_id, voter_org_id)
) STRICT;

-- The current version of each report; every version (the current one too)
-- is also kept whole in report_versions.
CREATE TABLE reports (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	uuid TEXT NOT NULL UNIQUE CHECK (length(uuid) = 36 AND uuid NOT GLOB '*[^0-9a-f-]*'),
	kind TEXT NOT NULL CHECK (kind IN ('incident', 'threat', 'vulnerability', 'measure',
					   'lesson', 'advisory', 'question')),
	title TEXT NOT NULL CHECK (length(CAST(title AS BLOB)) BETWEEN 1 AND 300),
	body TEXT CHECK (length(CAST(body AS BLOB)) <= 65536),
	level TEXT NOT NULL
		CHECK (level IN ('strategic', 'tactical', 'operational', 'technical')),
	tlp TEXT NOT NULL CHECK (tlp IN ('CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED')),
	community_id INTEGER NOT NULL REFERENCES communities (id),
	source_org_id INTEGER NOT NULL REFERENCES organisations (id),
	author_id INTEGER NOT NULL REFERENCES people (id),
	version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
	created INTEGER NOT NULL,
	updated INTEGER NOT NULL
) STRICT;
CREATE INDEX reports_community ON reports (community_id, id);
CREATE INDEX reports_author ON reports (author_id, id);
CREATE INDEX reports_updated ON reports (updated);

-- Recipients as JSON arrays of ids in the order given ("[3,7]"); the check
-- is a pattern because JSON functions are not trusted inside the schema.
CREATE TABLE report_versions (
	report_id INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
	version INTEGER NOT NULL CHECK (version >= 1),
	kind TEXT NOT NULL CHECK (kind IN ('incident', 'threat', 'vulnerability', 'measure',
					   'lesson', 'advisory', 'question')),
	title TEXT NOT NULL CHECK (length(CAST(title AS BLOB)) BETWEEN 1 AND 300),
	body TEXT CHECK (length(CAST(body AS BLOB)) <= 65536),
	level TEXT NOT NULL
		CHECK (level IN ('strategic', 'tactical', 'operational', 'technical')),
	tlp TEXT NOT NULL CHECK (tlp IN ('CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED')),
	recipient_orgs TEXT NOT NULL DEFAULT '[]'
		CHECK (recipient_orgs GLOB '[[]*]' AND recipient_orgs NOT GLOB '*[^],0-9[]*'),
	recipient_people TEXT NOT NULL DEFAULT '[]'
		CHECK (recipient_people GLOB '[[]*]' AND recipient_people NOT GLOB '*[^],0-9[]*'),
	updated INTEGER NOT NULL,
	PRIMARY KEY (report_id, version)
) STRICT;

CREATE TABLE report_recipient_orgs (
	report_id INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
	org_id INTEGER NOT NULL REFERENCES organisations (id),
	pos INTEGER NOT NULL CHECK (pos BETWEEN 0 AND 63),
	PRIMARY KEY (report_id, org_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE report_recipient_people (
	report_id INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
	person_id INTEGER NOT NULL REFERENCES people (id),
	pos INTEGER NOT NULL CHECK (pos BETWEEN 0 AND 63),
	PRIMARY KEY (report_id, person_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX report_recipient_people_person ON report_recipient_people (person_id);

CREATE TABLE comments (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	report_id INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
	author_id INTEGER NOT NULL REFERENCES people (id),
	org_id INTEGER REFERENCES organisations (id),
	tlp TEXT NOT NULL CHECK (tlp IN ('CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED')),
	body TEXT NOT NULL CHECK (length(CAST(body AS BLOB)) BETWEEN 1 AND 16384),
	created INTEGER NOT NULL
) STRICT;
CREATE INDEX comments_report ON comments (report_id, id);

CREATE TABLE indicators (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	report_id INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
	type TEXT NOT NULL CHECK (type IN ('ipv4', 'ipv6', 'cidr', 'domain', 'url', 'email', 'md5',
					   'sha1', 'sha256', 'cve', 'asn')),
	value TEXT NOT NULL CHECK (length(CAST(value AS BLOB)) BETWEEN 1 AND 2048),
	comment TEXT NOT NULL DEFAULT '' CHECK (length(CAST(comment AS BLOB)) <= 200),
	first_seen INTEGER NOT NULL DEFAULT 0,
	last_seen INTEGER NOT NULL DEFAULT 0,
	valid_until INTEGER NOT NULL DEFAULT 0,
	created INTEGER NOT NULL,
	UNIQUE (report_id, type, value)
) STRICT;
CREATE INDEX indicators_value ON indicators (value, type);
CREATE INDEX indicators_type ON indicators (type, id);

-- Append-only: the triggers below refuse every UPDATE and DELETE. Ids are
-- kept as plain numbers (no foreign keys): the log outlives what it names.
CREATE TABLE audit (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	at INTEGER NOT NULL,
	person_id INTEGER NOT NULL DEFAULT 0,
	org_id INTEGER NOT NULL DEFAULT 0,
	community_id INTEGER NOT NULL DEFAULT 0,
	action TEXT NOT NULL
		CHECK (action IN ('write', 'read', 'login', 'login-failed', 'logout')),
	object_type TEXT NOT NULL DEFAULT '' CHECK (length(CAST(object_type AS BLOB)) <= 31),
	object_id INTEGER NOT NULL DEFAULT 0,
	detail TEXT NOT NULL DEFAULT '' CHECK (length(CAST(detail AS BLOB)) <= 255),
	addr TEXT NOT NULL DEFAULT '' CHECK (length(CAST(addr AS BLOB)) <= 63)
) STRICT;
CREATE INDEX audit_community ON audit (community_id, id);
CREATE INDEX audit_person ON audit (person_id, id);
CREATE INDEX audit_at ON audit (at);

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
	SELECT RAISE(ABORT, 'audit is append-only');
END;

CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
	SELECT RAISE(ABORT, 'audit is append-only');
END;

-- Login sessions and API tokens: only SHA-256 hex digests of secrets.
CREATE TABLE sessions (
	hash TEXT PRIMARY KEY CHECK (length(hash) = 64 AND hash NOT GLOB '*[^0-9a-f]*'),
	person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
	created INTEGER NOT NULL,
	expires INTEGER NOT NULL,
	csrf TEXT NOT NULL DEFAULT '' CHECK (length(CAST(csrf AS BLOB)) <= 64)
) STRICT, WITHOUT ROWID;
CREATE INDEX sessions_expires ON sessions (expires);
CREATE INDEX sessions_person ON sessions (person_id);

CREATE TABLE api_tokens (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
	name TEXT NOT NULL CHECK (length(CAST(name AS BLOB)) BETWEEN 1 AND 200),
	scope TEXT NOT NULL CHECK (scope IN ('read', 'write')),
	hash TEXT NOT NULL UNIQUE CHECK (length(hash) = 64 AND hash NOT GLOB '*[^0-9a-f]*'),
	prefix TEXT NOT NULL DEFAULT '' CHECK (length(CAST(prefix AS BLOB)) <= 12),
	created INTEGER NOT NULL,
	expires INTEGER NOT NULL DEFAULT 0,
	last_used INTEGER NOT NULL DEFAULT 0,
	revoked INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX api_tokens_person ON api_tokens (person_id, id);
