-- Articles belong to a scope ('' = the shared library, else one server's).
ALTER TABLE articles ADD COLUMN scope TEXT NOT NULL DEFAULT '';
-- Feedback keeps product-neutral names for where a vote was cast.
ALTER TABLE feedback RENAME COLUMN guild TO scope;
ALTER TABLE feedback RENAME COLUMN channel TO place;
-- The change log other processes follow (see store.Store.Changes).
CREATE TABLE changes (
	seq        INTEGER PRIMARY KEY AUTOINCREMENT,
	article_id TEXT NOT NULL,
	kind       TEXT NOT NULL,
	time       TEXT NOT NULL
);
-- The schema version now lives in PRAGMA user_version.
DELETE FROM manifest WHERE key = 'schema_version';
