-- Library sources the operator registered (folders now, feeds later). User
-- data: never dropped by DropDerived or recovery.
CREATE TABLE sources (
	kind     TEXT NOT NULL,
	location TEXT NOT NULL,
	scope    TEXT NOT NULL,
	added_at TEXT NOT NULL,
	PRIMARY KEY (kind, location)
);
