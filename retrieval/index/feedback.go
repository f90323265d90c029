package index

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Feedback is one vote on an answer, kept for later review. UserHash is a
// salted hash, never a raw user ID.
type Feedback struct {
	Time      time.Time
	GuildID   string
	ChannelID string
	UserHash  string
	Question  string
	Answer    string
	// Citations are the cited article IDs (or passage keys) in order.
	Citations []string
	// Vote is +1 (helpful) or -1 (not helpful); other values are stored as
	// given.
	Vote int
}

// defaultFeedbackLimit is what RecentFeedback returns for limit <= 0.
const defaultFeedbackLimit = 50

// AddFeedback stores one vote. A zero Time means now. Feedback lives in the
// same file as the index but, unlike everything else there, cannot be
// rebuilt from the articles.
func (ix *Index) AddFeedback(ctx context.Context, f Feedback) error {
	if f.Time.IsZero() {
		f.Time = time.Now()
	}
	cites := f.Citations
	if cites == nil {
		cites = []string{}
	}
	js, err := json.Marshal(cites)
	if err != nil {
		return fmt.Errorf("store feedback: %w", err)
	}
	_, err = ix.db.ExecContext(ctx,
		`INSERT INTO feedback(time, guild, channel, user_hash, question, answer, citations, vote)
		VALUES(?, ?, ?, ?, ?, ?, ?, ?)`,
		f.Time.UTC().Format(time.RFC3339Nano), f.GuildID, f.ChannelID, f.UserHash, f.Question, f.Answer, string(js), f.Vote)
	if err != nil {
		return fmt.Errorf("store feedback: %w", err)
	}
	return nil
}

// RecentFeedback returns up to limit votes, newest first (limit <= 0 means
// 50).
func (ix *Index) RecentFeedback(ctx context.Context, limit int) ([]Feedback, error) {
	if limit <= 0 {
		limit = defaultFeedbackLimit
	}
	rows, err := ix.db.QueryContext(ctx,
		`SELECT time, guild, channel, user_hash, question, answer, citations, vote
		FROM feedback ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("read feedback: %w", err)
	}
	defer rows.Close()
	var out []Feedback
	for rows.Next() {
		var f Feedback
		var ts, js string
		if err := rows.Scan(&ts, &f.GuildID, &f.ChannelID, &f.UserHash, &f.Question, &f.Answer, &js, &f.Vote); err != nil {
			return nil, fmt.Errorf("read feedback: %w", err)
		}
		if f.Time, err = time.Parse(time.RFC3339Nano, ts); err != nil {
			return nil, fmt.Errorf("read feedback: bad time %q: %w", ts, err)
		}
		if err := json.Unmarshal([]byte(js), &f.Citations); err != nil {
			return nil, fmt.Errorf("read feedback: bad citations: %w", err)
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read feedback: %w", err)
	}
	return out, nil
}
