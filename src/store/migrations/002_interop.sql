-- 002_interop.sql - what kring keeps to speak STIX 2.1, TAXII 2.1 and MISP:
-- STIX objects (imported verbatim, and the STIX form of kring's own
-- reports), the reports they belong to, raw MISP events, resumable import
-- runs, TAXII status resources and the watermarks of the STIX export.

-- Import runs: one per `kring import` of a file into a community. A run that
-- was interrupted stays 'running' and is resumed by importing the same file
-- (same SHA-256) into the same community as the same person again.
CREATE TABLE import_runs (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	sha256 TEXT NOT NULL CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),
	name TEXT NOT NULL DEFAULT '' CHECK (length(CAST(name AS BLOB)) <= 1024),
	format TEXT NOT NULL CHECK (format IN ('stix', 'misp')),
	community_id INTEGER NOT NULL REFERENCES communities (id),
	person_id INTEGER NOT NULL REFERENCES people (id),
	status TEXT NOT NULL CHECK (status IN ('running', 'done')),
	total INTEGER NOT NULL DEFAULT 0 CHECK (total >= 0),
	done INTEGER NOT NULL DEFAULT 0 CHECK (done >= 0 AND done <= total),
	nreports INTEGER NOT NULL DEFAULT 0,
	nindicators INTEGER NOT NULL DEFAULT 0,
	nobjects INTEGER NOT NULL DEFAULT 0,
	started INTEGER NOT NULL,
	updated INTEGER NOT NULL,
	finished INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE UNIQUE INDEX import_runs_one_running ON import_runs (sha256, community_id, person_id)
	WHERE status = 'running';

-- STIX objects per community. seq is the order in which they were added: it
-- pages TAXII answers, and date_added (microseconds since the epoch) grows
-- strictly with it, so a page boundary never splits or repeats an object
-- while others are added. An object is kept once per (id, version); its
-- label and the people it came from decide, with the reports it belongs to
-- (stix_object_reports), who may see it.
CREATE TABLE stix_objects (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	community_id INTEGER NOT NULL REFERENCES communities (id),
	stix_id TEXT NOT NULL CHECK (length(CAST(stix_id AS BLOB)) BETWEEN 39 AND 288),
	type TEXT NOT NULL CHECK (length(CAST(type AS BLOB)) BETWEEN 1 AND 250),
	version TEXT NOT NULL CHECK (length(CAST(version AS BLOB)) <= 40),
	modified INTEGER NOT NULL,
	spec_version TEXT NOT NULL CHECK (spec_version IN ('', '2.1')),
	json TEXT NOT NULL CHECK (length(CAST(json AS BLOB)) >= 2),
	tlp TEXT NOT NULL CHECK (tlp IN ('CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED')),
	origin TEXT NOT NULL CHECK (origin IN ('import', 'taxii', 'kring')),
	author_id INTEGER REFERENCES people (id),
	source_org_id INTEGER REFERENCES organisations (id),
	comment_id INTEGER REFERENCES comments (id),
	run_id INTEGER REFERENCES import_runs (id),
	date_added INTEGER NOT NULL,
	UNIQUE (community_id, stix_id, version)
) STRICT;
CREATE INDEX stix_objects_community ON stix_objects (community_id, seq);
CREATE INDEX stix_objects_type ON stix_objects (community_id, type, seq);
CREATE INDEX stix_objects_versions ON stix_objects (community_id, stix_id, modified, version);
CREATE INDEX stix_objects_added ON stix_objects (date_added);

-- The kring reports an object belongs to (a shared identity may belong to
-- many). An object with no row here stands alone.
CREATE TABLE stix_object_reports (
	object_seq INTEGER NOT NULL REFERENCES stix_objects (seq) ON DELETE CASCADE,
	report_id INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
	PRIMARY KEY (object_seq, report_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX stix_object_reports_report ON stix_object_reports (report_id);

-- Reports that came from outside: they are exported from what was imported
-- (STIX: the verbatim objects; MISP: the raw event while the report is
-- unchanged), not again from the kring model. raw_tlp is the strictest label
-- anywhere in the raw event: it is never shown more widely.
CREATE TABLE imported_reports (
	report_id INTEGER PRIMARY KEY REFERENCES reports (id) ON DELETE CASCADE,
	format TEXT NOT NULL CHECK (format IN ('stix', 'misp')),
	version INTEGER NOT NULL CHECK (version >= 1),
	run_id INTEGER REFERENCES import_runs (id),
	raw TEXT,
	raw_tlp TEXT CHECK (raw_tlp IS NULL OR
			    raw_tlp IN ('CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED')),
	created INTEGER NOT NULL
) STRICT;

-- How far the STIX form of a community's own reports has been written into
-- stix_objects: reports updated at or after report_mark and comments with an
-- id above comment_mark are looked at again.
CREATE TABLE stix_export_marks (
	community_id INTEGER PRIMARY KEY REFERENCES communities (id),
	report_mark INTEGER NOT NULL DEFAULT 0,
	comment_mark INTEGER NOT NULL DEFAULT 0,
	updated INTEGER NOT NULL
) STRICT;

-- TAXII 2.1 status resources of envelopes posted to a collection.
CREATE TABLE taxii_status (
	id TEXT PRIMARY KEY CHECK (length(id) = 36 AND id NOT GLOB '*[^0-9a-f-]*'),
	community_id INTEGER NOT NULL REFERENCES communities (id),
	person_id INTEGER NOT NULL REFERENCES people (id),
	created INTEGER NOT NULL,
	json TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX taxii_status_created ON taxii_status (created);
