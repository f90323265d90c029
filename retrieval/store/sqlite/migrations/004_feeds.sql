-- News feeds the library follows and the items that became articles. User
-- data: never dropped by DropDerived or recovery. Times are Unix
-- milliseconds (0 = never), so that due and lease checks compare numbers.
CREATE TABLE feeds (
	id            TEXT PRIMARY KEY,
	url           TEXT NOT NULL,
	scope         TEXT NOT NULL,
	title         TEXT NOT NULL DEFAULT '',
	interval_ms   INTEGER NOT NULL,
	etag          TEXT NOT NULL DEFAULT '',
	last_modified TEXT NOT NULL DEFAULT '',
	added_at      INTEGER NOT NULL,
	last_attempt  INTEGER NOT NULL DEFAULT 0,
	last_success  INTEGER NOT NULL DEFAULT 0,
	next_due      INTEGER NOT NULL DEFAULT 0,
	failures      INTEGER NOT NULL DEFAULT 0,
	last_error    TEXT NOT NULL DEFAULT '',
	lease_owner   TEXT NOT NULL DEFAULT '',
	lease_until   INTEGER NOT NULL DEFAULT 0,
	UNIQUE (url, scope)
);
CREATE INDEX feeds_due ON feeds(next_due);
CREATE TABLE feed_items (
	feed_id     TEXT NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
	key         TEXT NOT NULL,
	article_id  TEXT NOT NULL,
	path        TEXT NOT NULL, -- '' = removed by retention, kept as a tombstone
	fingerprint TEXT NOT NULL,
	published   INTEGER NOT NULL,
	seen_at     INTEGER NOT NULL,
	PRIMARY KEY (feed_id, key)
);
CREATE INDEX feed_items_published ON feed_items(published);
