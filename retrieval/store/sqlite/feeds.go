package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/citebot/citebot/retrieval/store"
)

var _ store.FeedStore = (*Store)(nil)

// feedColumns are the columns scanFeed reads, in its order.
const feedColumns = "id, url, scope, title, interval_ms, etag, last_modified, added_at, last_attempt, last_success, next_due, failures, last_error, channel"

// millis stores a time as Unix milliseconds, 0 for the zero time.
func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// fromMillis reads a time stored by millis.
func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// scanFeed reads one row of feedColumns.
func scanFeed(row interface{ Scan(...any) error }) (store.Feed, error) {
	var f store.Feed
	var interval, added, attempt, success, due int64
	err := row.Scan(&f.ID, &f.URL, &f.Scope, &f.Title, &interval, &f.ETag, &f.LastModified,
		&added, &attempt, &success, &due, &f.Failures, &f.LastError, &f.Channel)
	f.Interval = time.Duration(interval) * time.Millisecond
	f.Added, f.LastAttempt, f.LastSuccess, f.NextDue = fromMillis(added), fromMillis(attempt), fromMillis(success), fromMillis(due)
	return f, err
}

// Feeds lists every feed, oldest first, with the number of its items that
// still have a file.
func (s *Store) Feeds(ctx context.Context) ([]store.Feed, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+feedColumns+
		", (SELECT count(*) FROM feed_items i WHERE i.feed_id = feeds.id AND i.path != '') FROM feeds ORDER BY added_at, id")
	if err != nil {
		return nil, fmt.Errorf("read feeds: %w", err)
	}
	defer rows.Close()
	out := []store.Feed{}
	for rows.Next() {
		var items int
		f, err := scanFeed(scanPlus{rows, &items})
		if err != nil {
			return nil, fmt.Errorf("read feeds: %w", err)
		}
		f.Items = items
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read feeds: %w", err)
	}
	return out, nil
}

// scanPlus scans a row with one more column after feedColumns.
type scanPlus struct {
	rows  *sql.Rows
	extra any
}

func (p scanPlus) Scan(dest ...any) error { return p.rows.Scan(append(dest, p.extra)...) }

// AddFeed registers f, due at once, unless a feed with its URL and scope
// exists: then that one is returned with f's interval and channel.
func (s *Store) AddFeed(ctx context.Context, f store.Feed) (store.Feed, bool, error) {
	if f.Added.IsZero() {
		f.Added = time.Now()
	}
	var out store.Feed
	added := false
	err := s.write(ctx, "register feed "+f.URL, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx,
			"INSERT INTO feeds(id, url, scope, interval_ms, added_at, next_due, channel) VALUES(?, ?, ?, ?, ?, ?, ?) ON CONFLICT(url, scope) DO NOTHING",
			f.ID, f.URL, f.Scope, f.Interval.Milliseconds(), millis(f.Added), millis(f.NextDue), f.Channel)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		added = n > 0
		if !added {
			if _, err := tx.ExecContext(ctx, "UPDATE feeds SET interval_ms = ?, channel = ? WHERE url = ? AND scope = ?",
				f.Interval.Milliseconds(), f.Channel, f.URL, f.Scope); err != nil {
				return err
			}
		}
		out, err = scanFeed(tx.QueryRowContext(ctx, "SELECT "+feedColumns+" FROM feeds WHERE url = ? AND scope = ?", f.URL, f.Scope))
		return err
	})
	return out, added, err
}

// RemoveFeed unregisters a feed; its items go with it (ON DELETE CASCADE).
func (s *Store) RemoveFeed(ctx context.Context, id string) (store.Feed, error) {
	var f store.Feed
	err := s.write(ctx, "remove feed "+id, func(tx *sql.Tx) error {
		var err error
		f, err = scanFeed(tx.QueryRowContext(ctx, "SELECT "+feedColumns+" FROM feeds WHERE id = ?", id))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%q: %w", id, store.ErrFeedNotFound)
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "DELETE FROM feeds WHERE id = ?", id)
		return err
	})
	return f, err
}

// ClaimFeeds leases the due (or named) feeds whose lease expired, in one
// UPDATE ... RETURNING inside one write transaction: two pollers, in one
// process or two, never get the same feed.
func (s *Store) ClaimFeeds(ctx context.Context, c store.FeedClaim) ([]store.Feed, error) {
	now := millis(c.Now)
	args := []any{c.Owner, now + c.Lease.Milliseconds(), now}
	where := "lease_until < ?"
	if len(c.IDs) > 0 {
		where += " AND id IN (?" + strings.Repeat(", ?", len(c.IDs)-1) + ")"
		for _, id := range c.IDs {
			args = append(args, id)
		}
	} else {
		where += " AND next_due <= ?"
		args = append(args, now)
	}
	limit := ""
	if c.Limit > 0 {
		limit = fmt.Sprintf(" ORDER BY next_due LIMIT %d", c.Limit)
	}
	var out []store.Feed
	err := s.write(ctx, "claim feeds", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, "UPDATE feeds SET lease_owner = ?, lease_until = ? WHERE id IN (SELECT id FROM feeds WHERE "+
			where+limit+") RETURNING "+feedColumns, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			f, err := scanFeed(rows)
			if err != nil {
				return err
			}
			out = append(out, f)
		}
		return rows.Err()
	})
	return out, err
}

// ReleaseFeed saves a poll's outcome and ends the lease, if owner holds it.
func (s *Store) ReleaseFeed(ctx context.Context, f store.Feed, owner string) (bool, error) {
	// A feed that moved to the URL of another feed of its library keeps its
	// own (the UNIQUE constraint would refuse the whole update).
	res, err := s.db.ExecContext(ctx, `UPDATE feeds SET
		url = CASE WHEN EXISTS (SELECT 1 FROM feeds o WHERE o.url = ? AND o.scope = feeds.scope AND o.id != feeds.id) THEN url ELSE ? END,
		title = ?, etag = ?, last_modified = ?, last_attempt = ?, last_success = ?, next_due = ?, failures = ?, last_error = ?,
		lease_owner = '', lease_until = 0
		WHERE id = ? AND lease_owner = ?`,
		f.URL, f.URL, f.Title, f.ETag, f.LastModified, millis(f.LastAttempt), millis(f.LastSuccess), millis(f.NextDue),
		f.Failures, f.LastError, f.ID, owner)
	if err != nil {
		return false, fmt.Errorf("save feed %s: %w", f.ID, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// FeedItems lists one feed's items.
func (s *Store) FeedItems(ctx context.Context, feedID string) ([]store.FeedItem, error) {
	return s.queryItems(ctx, "read items of feed "+feedID, "WHERE feed_id = ? ORDER BY key", feedID)
}

// ExpiredFeedItems lists the items with a file published before t.
func (s *Store) ExpiredFeedItems(ctx context.Context, before time.Time) ([]store.FeedItem, error) {
	return s.queryItems(ctx, "read expired feed items", "WHERE path != '' AND published < ? ORDER BY published", millis(before))
}

// queryItems reads feed items matching a WHERE clause.
func (s *Store) queryItems(ctx context.Context, what, where string, args ...any) ([]store.FeedItem, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT feed_id, key, article_id, path, fingerprint, published, seen_at FROM feed_items "+where, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []store.FeedItem
	for rows.Next() {
		var it store.FeedItem
		var published, seen int64
		if err := rows.Scan(&it.FeedID, &it.Key, &it.ArticleID, &it.Path, &it.Fingerprint, &published, &seen); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		it.Published, it.Seen = fromMillis(published), fromMillis(seen)
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// PutFeedItems adds or replaces items in one transaction.
func (s *Store) PutFeedItems(ctx context.Context, items []store.FeedItem) error {
	if len(items) == 0 {
		return nil
	}
	return s.write(ctx, "store feed items", func(tx *sql.Tx) error {
		for _, it := range items {
			if _, err := tx.ExecContext(ctx, `INSERT INTO feed_items(feed_id, key, article_id, path, fingerprint, published, seen_at)
				VALUES(?, ?, ?, ?, ?, ?, ?) ON CONFLICT(feed_id, key) DO UPDATE SET article_id = excluded.article_id,
				path = excluded.path, fingerprint = excluded.fingerprint, published = excluded.published, seen_at = excluded.seen_at`,
				it.FeedID, it.Key, it.ArticleID, it.Path, it.Fingerprint, millis(it.Published), millis(it.Seen)); err != nil {
				return fmt.Errorf("item %s of feed %s: %w", it.Key, it.FeedID, err)
			}
		}
		return nil
	})
}

// DeleteFeedItems forgets items of one feed.
func (s *Store) DeleteFeedItems(ctx context.Context, feedID string, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	return s.write(ctx, "forget items of feed "+feedID, func(tx *sql.Tx) error {
		for _, k := range keys {
			if _, err := tx.ExecContext(ctx, "DELETE FROM feed_items WHERE feed_id = ? AND key = ?", feedID, k); err != nil {
				return err
			}
		}
		return nil
	})
}
