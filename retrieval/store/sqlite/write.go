package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/citebot/citebot/retrieval/store"
)

// write runs fn in one write transaction (BEGIN IMMEDIATE: it waits for
// another process's writer instead of failing half way).
func (s *Store) write(ctx context.Context, what string, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s: begin: %w", what, err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s: commit: %w", what, err)
	}
	return nil
}

// logChange appends to the change log inside tx.
func logChange(ctx context.Context, tx *sql.Tx, id string, kind store.ChangeKind, now string) error {
	if _, err := tx.ExecContext(ctx, "INSERT INTO changes(article_id, kind, time) VALUES(?, ?, ?)", id, string(kind), now); err != nil {
		return fmt.Errorf("log change of %q: %w", id, err)
	}
	return nil
}

func now() string { return time.Now().UTC().Format(time.RFC3339Nano) }

// Replace stores whole articles with their chunks, vectors and the
// manifest in one transaction.
func (s *Store) Replace(ctx context.Context, m store.Manifest, writes []store.ArticleWrite) ([][]int64, error) {
	keys := make([][]int64, len(writes))
	what := "store articles"
	if len(writes) == 1 {
		what = fmt.Sprintf("store article %q", writes[0].Article.ID)
	}
	err := s.write(ctx, what, func(tx *sql.Tx) error {
		ins, err := tx.PrepareContext(ctx,
			"INSERT INTO chunks(article_id, ordinal, start_off, end_off, text, vector) VALUES(?, ?, ?, ?, ?, ?)")
		if err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
		defer ins.Close()
		ts := now()
		for i, w := range writes {
			a := w.Article
			if len(w.Vectors) != len(w.Chunks) {
				return fmt.Errorf("article %q has %d chunks but %d vectors", a.ID, len(w.Chunks), len(w.Vectors))
			}
			if _, err := tx.ExecContext(ctx, "DELETE FROM chunks WHERE article_id = ?", a.ID); err != nil {
				return fmt.Errorf("delete chunks of %q: %w", a.ID, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO articles(id, scope, title, source, publisher, author, published, license, path, hash, body, updated_at)
				VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT(id) DO UPDATE SET scope = excluded.scope, title = excluded.title, source = excluded.source,
					publisher = excluded.publisher, author = excluded.author, published = excluded.published,
					license = excluded.license, path = excluded.path, hash = excluded.hash, body = excluded.body,
					updated_at = excluded.updated_at`,
				a.ID, string(a.Scope), a.Title, a.Source, a.Publisher, a.Author, a.Published, a.License, a.Path, a.Hash, a.Body, ts); err != nil {
				return fmt.Errorf("article %q: %w", a.ID, err)
			}
			keys[i] = make([]int64, len(w.Chunks))
			for j, c := range w.Chunks {
				res, err := ins.ExecContext(ctx, a.ID, c.Ordinal, c.Start, c.End, c.Text, store.EncodeVector(w.Vectors[j]))
				if err != nil {
					return fmt.Errorf("chunk %d of %q: %w", c.Ordinal, a.ID, err)
				}
				if keys[i][j], err = res.LastInsertId(); err != nil {
					return fmt.Errorf("chunk %d of %q: %w", c.Ordinal, a.ID, err)
				}
			}
			if err := logChange(ctx, tx, a.ID, store.Upserted, ts); err != nil {
				return err
			}
		}
		if err := writeManifest(ctx, tx, m); err != nil {
			return err
		}
		if s.beforeCommit != nil {
			s.beforeCommit()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return keys, nil
}

// Delete removes articles and their chunks.
func (s *Store) Delete(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	return s.write(ctx, "remove articles", func(tx *sql.Tx) error {
		ts := now()
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, "DELETE FROM chunks WHERE article_id = ?", id); err != nil {
				return fmt.Errorf("delete chunks of %q: %w", id, err)
			}
			if _, err := tx.ExecContext(ctx, "DELETE FROM articles WHERE id = ?", id); err != nil {
				return fmt.Errorf("delete article %q: %w", id, err)
			}
			if err := logChange(ctx, tx, id, store.Deleted, ts); err != nil {
				return err
			}
		}
		return nil
	})
}

// SetPaths records new file paths of unchanged articles.
func (s *Store) SetPaths(ctx context.Context, paths map[string]string) error {
	if len(paths) == 0 {
		return nil
	}
	return s.write(ctx, "update paths", func(tx *sql.Tx) error {
		ts := now()
		for id, p := range paths {
			if _, err := tx.ExecContext(ctx, "UPDATE articles SET path = ? WHERE id = ?", p, id); err != nil {
				return fmt.Errorf("path of %q: %w", id, err)
			}
			if err := logChange(ctx, tx, id, store.Upserted, ts); err != nil {
				return err
			}
		}
		return nil
	})
}

// Reset drops every chunk and marks every article pending (hash ”), so
// that an interrupted re-embed is resumed by the next ingest, even for
// articles it is not given.
func (s *Store) Reset(ctx context.Context, m store.Manifest) error {
	return s.write(ctx, "re-embed", func(tx *sql.Tx) error {
		for _, stmt := range []string{"DELETE FROM chunks", "UPDATE articles SET hash = ''"} {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("clear chunks: %w", err)
			}
		}
		if err := logChange(ctx, tx, "", store.ResetAll, now()); err != nil {
			return err
		}
		return writeManifest(ctx, tx, m)
	})
}

// ForgetDimension zeroes the recorded vector dimension.
func (s *Store) ForgetDimension(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, "UPDATE manifest SET value = '0' WHERE key = 'dimension'"); err != nil {
		return fmt.Errorf("mark vectors stale: %w", err)
	}
	return nil
}

// DropDerived deletes articles, chunks and the manifest and keeps feedback.
func (s *Store) DropDerived(ctx context.Context, reason error) error {
	err := s.write(ctx, "drop derived data", func(tx *sql.Tx) error {
		for _, stmt := range []string{"DELETE FROM chunks", "DELETE FROM articles", "DELETE FROM manifest"} {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return err
			}
		}
		return logChange(ctx, tx, "", store.ResetAll, now())
	})
	if err == nil {
		s.log.Warn("stored index data was unreadable; rebuilding it from the articles (feedback kept)",
			"path", s.path, "reason", reason.Error())
	}
	return err
}

// Changes returns the change log after seq.
func (s *Store) Changes(ctx context.Context, after int64) ([]store.Change, int64, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT seq, article_id, kind, time FROM changes WHERE seq > ? ORDER BY seq", after)
	if err != nil {
		return nil, after, fmt.Errorf("read change log: %w", err)
	}
	defer rows.Close()
	var out []store.Change
	last := after
	for rows.Next() {
		var c store.Change
		var kind, ts string
		if err := rows.Scan(&c.Seq, &c.ArticleID, &kind, &ts); err != nil {
			return nil, after, fmt.Errorf("read change log: %w", err)
		}
		c.Kind = store.ChangeKind(kind)
		c.Time, _ = time.Parse(time.RFC3339Nano, ts)
		out = append(out, c)
		last = c.Seq
	}
	if err := rows.Err(); err != nil {
		return nil, after, fmt.Errorf("read change log: %w", err)
	}
	return out, last, nil
}
