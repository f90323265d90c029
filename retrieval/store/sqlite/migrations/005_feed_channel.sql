-- The Discord channel where a feed's new items are announced ('' = none),
-- set by /feeds add channel:.
ALTER TABLE feeds ADD COLUMN channel TEXT NOT NULL DEFAULT '';
