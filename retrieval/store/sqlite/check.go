package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/citebot/citebot/retrieval/store"
)

// QuickCheck runs SQLite's quick_check on the store in dir without opening
// it as a Store, and returns what it reports wrong (nil for a sound file or
// none at all). It is the proof Open acts on: a file it reports is moved
// aside and rebuilt by the next Open, so `citebot check` can say so first
// without touching the file. An error means the check itself could not run
// (a busy or unreadable file), which proves nothing.
func QuickCheck(ctx context.Context, dir string) ([]string, error) {
	path := filepath.Join(dir, FileName)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err := checkHeader(path); errors.Is(err, store.ErrCorrupt) {
		return []string{err.Error()}, nil
	} else if err != nil {
		return nil, fmt.Errorf("check %s: %w", path, err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, fmt.Errorf("check %s: %w", path, err)
	}
	defer db.Close()
	problems, err := quickCheckRows(ctx, db)
	if errors.Is(err, store.ErrCorrupt) {
		return []string{err.Error()}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("check %s: %w", path, err)
	}
	return problems, nil
}

// quickCheckRows returns every line quick_check reports other than "ok".
func quickCheckRows(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, "PRAGMA quick_check")
	if err != nil {
		return nil, classify(fmt.Errorf("quick_check: %w", err))
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return nil, classify(fmt.Errorf("quick_check: %w", err))
		}
		if line == "ok" {
			continue
		}
		// One row may hold several lines under a "*** in database
		// main ***" heading.
		n := len(problems)
		for _, l := range strings.Split(line, "\n") {
			if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "***") {
				problems = append(problems, "quick_check: "+l)
			}
		}
		if len(problems) == n {
			problems = append(problems, "quick_check: "+line)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, classify(fmt.Errorf("quick_check: %w", err))
	}
	return problems, nil
}

// MarkPending drops the articles' chunks and empties their hashes in one
// transaction, logging each as upserted so that other processes reload
// them. IDs the store does not hold are ignored, except that chunks
// filed under them (a damaged article_id) are deleted too.
func (s *Store) MarkPending(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	return s.write(ctx, "mark articles for rebuilding", func(tx *sql.Tx) error {
		ts := now()
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, "DELETE FROM chunks WHERE article_id = ?", id); err != nil {
				return fmt.Errorf("delete chunks of %q: %w", id, err)
			}
			if _, err := tx.ExecContext(ctx, "UPDATE articles SET hash = '' WHERE id = ?", id); err != nil {
				return fmt.Errorf("article %q: %w", id, err)
			}
			if err := logChange(ctx, tx, id, store.Upserted, ts); err != nil {
				return err
			}
		}
		return nil
	})
}
