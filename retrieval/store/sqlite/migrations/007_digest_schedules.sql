-- Channels subscribed to a daily digest: one schedule per channel of a
-- library. User data: never dropped by DropDerived or recovery. minute is
-- the time of day in location (an IANA zone, '' = UTC); last_day is the
-- newest day (YYYY-MM-DD in location) claimed for posting, '' before the
-- first, compared as text.
CREATE TABLE digest_schedules (
	scope     TEXT NOT NULL,
	channel   TEXT NOT NULL,
	minute    INTEGER NOT NULL,
	location  TEXT NOT NULL DEFAULT '',
	topic     TEXT NOT NULL DEFAULT '',
	feed      TEXT NOT NULL DEFAULT '',
	length    TEXT NOT NULL DEFAULT '',
	added_at  INTEGER NOT NULL,
	last_day  TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (scope, channel)
);
