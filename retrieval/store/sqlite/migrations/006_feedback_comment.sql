-- A 👎 may carry what was wrong (comment); answer_id names the answer
-- voted on, so a person's second vote on one answer replaces the first.
ALTER TABLE feedback ADD COLUMN comment TEXT NOT NULL DEFAULT '';
ALTER TABLE feedback ADD COLUMN answer_id TEXT NOT NULL DEFAULT '';
CREATE INDEX IF NOT EXISTS feedback_answer_user ON feedback(answer_id, user_hash) WHERE answer_id <> '';
