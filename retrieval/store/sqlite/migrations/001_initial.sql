-- The schema of the first release (recorded then as manifest schema_version 1).
CREATE TABLE IF NOT EXISTS manifest (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS articles (
	id         TEXT PRIMARY KEY,
	title      TEXT NOT NULL,
	source     TEXT NOT NULL,
	publisher  TEXT NOT NULL,
	author     TEXT NOT NULL,
	published  TEXT NOT NULL,
	license    TEXT NOT NULL,
	path       TEXT NOT NULL,
	hash       TEXT NOT NULL, -- '' = chunks must be rebuilt from body
	body       TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
	id         INTEGER PRIMARY KEY,
	article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
	ordinal    INTEGER NOT NULL,
	start_off  INTEGER NOT NULL,
	end_off    INTEGER NOT NULL,
	text       TEXT NOT NULL,
	vector     BLOB NOT NULL, -- little-endian float32
	UNIQUE (article_id, ordinal)
);
CREATE TABLE IF NOT EXISTS feedback (
	id        INTEGER PRIMARY KEY,
	time      TEXT NOT NULL,
	guild     TEXT NOT NULL,
	channel   TEXT NOT NULL,
	user_hash TEXT NOT NULL,
	question  TEXT NOT NULL,
	answer    TEXT NOT NULL,
	citations TEXT NOT NULL, -- JSON array of strings
	vote      INTEGER NOT NULL
);
