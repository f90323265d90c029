package index

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
)

// manifest records what the stored chunks and vectors were made with. If the
// current embedder or chunker differs, the stored vectors are useless (or,
// worse, of another dimension) and everything is rebuilt.
type manifest struct {
	SchemaVersion int
	Embedder      string // retrieval.Embedder.Name()
	Model         string // retrieval.Embedder.Model()
	Dimension     int    // 0 until the first vector is stored
	Chunker       string // retrieval.ChunkOptions.String()
}

// matches reports whether vectors stored under m can be used with the
// given embedder and chunker. A manifest that records no embedder (a fresh
// store) matches anything.
func (m manifest) matches(name, model, chunker string) bool {
	if m.Embedder == "" && m.Model == "" && m.Chunker == "" {
		return true
	}
	return m.Embedder == name && m.Model == model && m.Chunker == chunker
}

// describe names the configuration for log messages.
func (m manifest) describe() string {
	return describeEmbedder(m.Embedder, m.Model, m.Dimension, m.Chunker)
}

func describeEmbedder(name, model string, dim int, chunker string) string {
	s := name
	if model != "" {
		s += " (" + model + ")"
	}
	if dim > 0 {
		s += fmt.Sprintf(" %d dims", dim)
	}
	if chunker != "" {
		s += ", chunks " + chunker
	}
	return s
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func readManifest(ctx context.Context, q querier) (manifest, error) {
	rows, err := q.QueryContext(ctx, "SELECT key, value FROM manifest")
	if err != nil {
		return manifest{}, fmt.Errorf("read manifest: %w", err)
	}
	defer rows.Close()
	var m manifest
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return manifest{}, fmt.Errorf("read manifest: %w", err)
		}
		switch k {
		case "schema_version", "dimension":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return manifest{}, fmt.Errorf("%w: manifest %s = %q", errCorrupt, k, v)
			}
			if k == "schema_version" {
				m.SchemaVersion = n
			} else {
				m.Dimension = n
			}
		case "embedder":
			m.Embedder = v
		case "model":
			m.Model = v
		case "chunker":
			m.Chunker = v
		}
	}
	if err := rows.Err(); err != nil {
		return manifest{}, fmt.Errorf("read manifest: %w", err)
	}
	return m, nil
}

func writeManifest(ctx context.Context, q querier, m manifest) error {
	kv := [][2]string{
		{"schema_version", strconv.Itoa(m.SchemaVersion)},
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
