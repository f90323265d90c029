package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/citebot/citebot/retrieval/store"
)

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func readManifest(ctx context.Context, q querier) (store.Manifest, error) {
	rows, err := q.QueryContext(ctx, "SELECT key, value FROM manifest")
	if err != nil {
		return store.Manifest{}, fmt.Errorf("read manifest: %w", err)
	}
	defer rows.Close()
	var m store.Manifest
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return store.Manifest{}, fmt.Errorf("read manifest: %w", err)
		}
		switch k {
		case "dimension":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return store.Manifest{}, fmt.Errorf("%w: manifest dimension = %q", store.ErrCorrupt, v)
			}
			m.Dimension = n
		case "embedder":
			m.Embedder = v
		case "model":
			m.Model = v
		case "chunker":
			m.Chunker = v
		}
	}
	if err := rows.Err(); err != nil {
		return store.Manifest{}, fmt.Errorf("read manifest: %w", err)
	}
	return m, nil
}

func writeManifest(ctx context.Context, q querier, m store.Manifest) error {
	kv := [][2]string{
		{"embedder", m.Embedder},
		{"model", m.Model},
		{"dimension", strconv.Itoa(m.Dimension)},
		{"chunker", m.Chunker},
	}
	for _, p := range kv {
		if _, err := q.ExecContext(ctx,
			"INSERT INTO manifest(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
			p[0], p[1]); err != nil {
			return fmt.Errorf("write manifest: %w", err)
		}
	}
	return nil
}
