package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/citebot/citebot/retrieval/store"
)

// Sources lists the registered sources, oldest first.
func (s *Store) Sources(ctx context.Context) ([]store.Source, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT kind, location, scope, added_at FROM sources ORDER BY added_at, location")
	if err != nil {
		return nil, fmt.Errorf("read sources: %w", err)
	}
	defer rows.Close()
	out := []store.Source{}
	for rows.Next() {
		var src store.Source
		var kind, ts string
		if err := rows.Scan(&kind, &src.Location, &src.Scope, &ts); err != nil {
			return nil, fmt.Errorf("read sources: %w", err)
		}
		src.Kind = store.SourceKind(kind)
		src.Added, _ = time.Parse(time.RFC3339Nano, ts)
		out = append(out, src)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read sources: %w", err)
	}
	return out, nil
}

// AddSource registers a source; registering it again changes nothing.
func (s *Store) AddSource(ctx context.Context, src store.Source) error {
	if src.Added.IsZero() {
		src.Added = time.Now()
	}
	_, err := s.db.ExecContext(ctx,
		"INSERT INTO sources(kind, location, scope, added_at) VALUES(?, ?, ?, ?) ON CONFLICT(kind, location) DO NOTHING",
		string(src.Kind), src.Location, src.Scope, src.Added.UTC().Format(time.RFC3339Nano))
	if err != nil {
		return fmt.Errorf("register source %s: %w", src.Location, err)
	}
	return nil
}

// RemoveSource unregisters a source.
func (s *Store) RemoveSource(ctx context.Context, kind store.SourceKind, location string) (bool, error) {
	res, err := s.db.ExecContext(ctx, "DELETE FROM sources WHERE kind = ? AND location = ?", string(kind), location)
	if err != nil {
		return false, fmt.Errorf("forget source %s: %w", location, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}
