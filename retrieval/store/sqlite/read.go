package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/store"
)

// Read runs fn inside one read transaction: in WAL mode everything fn reads
// comes from the same moment, whatever other processes commit meanwhile.
func (s *Store) Read(ctx context.Context, fn func(store.Snapshot) error) error {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer tx.Rollback()
	snap := &snapshot{tx: tx}
	// The first read fixes the snapshot; manifest and sequence come first.
	if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(seq), 0) FROM changes").Scan(&snap.seq); err != nil {
		return classify(fmt.Errorf("read change log: %w", err))
	}
	if snap.manifest, err = readManifest(ctx, tx); err != nil {
		return classify(err)
	}
	return classify(fn(snap))
}

type snapshot struct {
	tx       *sql.Tx
	manifest store.Manifest
	seq      int64
}

func (s *snapshot) Manifest() store.Manifest { return s.manifest }
func (s *snapshot) Seq() int64               { return s.seq }

// idFilter returns a WHERE clause restricting column to ids (nil = all).
func idFilter(column string, ids []string) (string, []any) {
	if ids == nil {
		return "", nil
	}
	if len(ids) == 0 {
		return " WHERE 0", nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return " WHERE " + column + " IN (?" + strings.Repeat(", ?", len(ids)-1) + ")", args
}

const articleColumns = "id, scope, title, source, publisher, author, published, license, path, hash"

func scanArticle(rows interface{ Scan(...any) error }, a *retrieval.Article, extra ...any) error {
	var scope string
	dest := append([]any{&a.ID, &scope, &a.Title, &a.Source, &a.Publisher, &a.Author, &a.Published,
		&a.License, &a.Path, &a.Hash}, extra...)
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	a.Scope = retrieval.Scope(scope)
	return nil
}

func (s *snapshot) Articles(ctx context.Context, ids []string, fn func(retrieval.Article) error) error {
	where, args := idFilter("id", ids)
	rows, err := s.tx.QueryContext(ctx, "SELECT "+articleColumns+" FROM articles"+where, args...)
	if err != nil {
		return fmt.Errorf("read articles: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a retrieval.Article
		if err := scanArticle(rows, &a); err != nil {
			return fmt.Errorf("read articles: %w", err)
		}
		if err := fn(a); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read articles: %w", err)
	}
	return nil
}

func (s *snapshot) ChunkCount(ctx context.Context) (int, error) {
	var n int
	if err := s.tx.QueryRowContext(ctx, "SELECT count(*) FROM chunks").Scan(&n); err != nil {
		return 0, fmt.Errorf("count chunks: %w", err)
	}
	return n, nil
}

// Chunks reads in rowid order (the table's own order, no index lookups);
// callers sort each article's chunks by ordinal.
func (s *snapshot) Chunks(ctx context.Context, ids []string, withVectors bool, fn func(store.StoredChunk) error) error {
	cols := "id, article_id, ordinal, start_off, end_off, text"
	if withVectors {
		cols += ", vector"
	}
	where, args := idFilter("article_id", ids)
	rows, err := s.tx.QueryContext(ctx, "SELECT "+cols+" FROM chunks"+where, args...)
	if err != nil {
		return fmt.Errorf("read chunks: %w", err)
	}
	defer rows.Close()
	var blob sql.RawBytes
	for rows.Next() {
		var c store.StoredChunk
		dest := []any{&c.Key, &c.Chunk.ArticleID, &c.Chunk.Ordinal, &c.Chunk.Start, &c.Chunk.End, &c.Chunk.Text}
		if withVectors {
			dest = append(dest, &blob)
		}
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("read chunks: %w", err)
		}
		c.Vector = blob
		if err := fn(c); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read chunks: %w", err)
	}
	return nil
}

// Article returns one article with its body.
func (s *Store) Article(ctx context.Context, id string) (retrieval.Article, error) {
	var a retrieval.Article
	row := s.db.QueryRowContext(ctx, "SELECT "+articleColumns+", body FROM articles WHERE id = ?", id)
	err := scanArticle(row, &a, &a.Body)
	if errors.Is(err, sql.ErrNoRows) {
		return retrieval.Article{}, fmt.Errorf("article %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return retrieval.Article{}, fmt.Errorf("read article %q: %w", id, classify(err))
	}
	return a, nil
}
