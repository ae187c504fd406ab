-- 003_web.sql - what the web interface keeps besides the core model: the
-- TOTP second factor of a person and the times of their visits.

-- One TOTP secret per person (RFC 6238, HMAC-SHA1, 30 s, 6 digits). A row
-- with enabled = 0 is an enrolment that was not confirmed with a code yet.
-- last_step is the highest time step accepted, so no code is used twice.
CREATE TABLE web_totp (
	person_id INTEGER PRIMARY KEY REFERENCES people (id) ON DELETE CASCADE,
	secret TEXT NOT NULL
		CHECK (length(secret) BETWEEN 40 AND 64 AND secret NOT GLOB '*[^0-9a-f]*'),
	enabled INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),
	last_step INTEGER NOT NULL DEFAULT 0 CHECK (last_step >= 0),
	created INTEGER NOT NULL
) STRICT;

-- last_seen: the last time the person was active in the web interface;
-- previous: last_seen as it was when the current visit began (sign-in), the
-- point from which the home page shows what is new.
CREATE TABLE web_visits (
	person_id INTEGER PRIMARY KEY REFERENCES people (id) ON DELETE CASCADE,
	last_seen INTEGER NOT NULL DEFAULT 0,
	previous INTEGER NOT NULL DEFAULT 0
) STRICT;
