package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/citebot/citebot/retrieval/store"
)

// defaultFeedbackLimit is what RecentFeedback returns for limit <= 0.
const defaultFeedbackLimit = 50

// AddFeedback stores one vote.
func (s *Store) AddFeedback(ctx context.Context, f store.Feedback) error {
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
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store feedback: %w", err)
	}
	defer tx.Rollback()
	if f.AnswerID != "" {
		// One vote per person per answer: a second one replaces the first.
		if _, err := tx.ExecContext(ctx, `DELETE FROM feedback WHERE answer_id = ? AND user_hash = ?`, f.AnswerID, f.UserHash); err != nil {
			return fmt.Errorf("store feedback: %w", err)
		}
	}
	_, err = tx.ExecContext(ctx,
		`INSERT INTO feedback(time, scope, place, user_hash, question, answer, citations, vote, comment, answer_id)
		VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		f.Time.UTC().Format(time.RFC3339Nano), f.Scope, f.Place, f.UserHash, f.Question, f.Answer, string(js), f.Vote, f.Comment, f.AnswerID)
	if err != nil {
		return fmt.Errorf("store feedback: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store feedback: %w", err)
	}
	return nil
}

// RecentFeedback returns up to limit votes, newest first (limit <= 0 means
// 50).
func (s *Store) RecentFeedback(ctx context.Context, limit int) ([]store.Feedback, error) {
	if limit <= 0 {
		limit = defaultFeedbackLimit
	}
	return readFeedback(ctx, s.db, "scope, place", "comment, answer_id", limit)
}

// readFeedback reads votes newest first; cols names the scope and place
// columns (they were guild and channel before schema 2), extra the
// comment and answer_id columns (new in schema 6: "”, ”" before);
// limit < 0 reads all.
func readFeedback(ctx context.Context, q querier, cols, extra string, limit int) ([]store.Feedback, error) {
	rows, err := q.QueryContext(ctx,
		`SELECT time, `+cols+`, user_hash, question, answer, citations, vote, `+extra+`
		FROM feedback ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("read feedback: %w", err)
	}
	defer rows.Close()
	out := []store.Feedback{}
	for rows.Next() {
		var f store.Feedback
		var ts, js string
		if err := rows.Scan(&ts, &f.Scope, &f.Place, &f.UserHash, &f.Question, &f.Answer, &js, &f.Vote, &f.Comment, &f.AnswerID); err != nil {
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
