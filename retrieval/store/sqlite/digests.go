package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/citebot/citebot/retrieval/store"
)

var _ store.DigestScheduleStore = (*Store)(nil)

// digestColumns are the columns scanDigest reads, in its order.
const digestColumns = "scope, channel, minute, location, topic, feed, length, added_at, last_day"

// scanDigest reads one row of digestColumns.
func scanDigest(row interface{ Scan(...any) error }) (store.DigestSchedule, error) {
	var d store.DigestSchedule
	var added int64
	err := row.Scan(&d.Scope, &d.Channel, &d.Minute, &d.Location, &d.Topic, &d.Feed, &d.Length, &added, &d.LastDay)
	d.Added = fromMillis(added)
	return d, err
}

// DigestSchedules lists scope's schedules ("" = all), by scope and channel.
func (s *Store) DigestSchedules(ctx context.Context, scope string) ([]store.DigestSchedule, error) {
	q := "SELECT " + digestColumns + " FROM digest_schedules"
	var args []any
	if scope != "" {
		q += " WHERE scope = ?"
		args = append(args, scope)
	}
	rows, err := s.db.QueryContext(ctx, q+" ORDER BY scope, channel", args...)
	if err != nil {
		return nil, fmt.Errorf("read digest schedules: %w", err)
	}
	defer rows.Close()
	out := []store.DigestSchedule{}
	for rows.Next() {
		d, err := scanDigest(rows)
		if err != nil {
			return nil, fmt.Errorf("read digest schedules: %w", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read digest schedules: %w", err)
	}
	return out, nil
}

// PutDigestSchedule adds or replaces the schedule of d's channel in one
// statement; a replacement keeps the later LastDay (text order is date
// order for YYYY-MM-DD).
func (s *Store) PutDigestSchedule(ctx context.Context, d store.DigestSchedule) (store.DigestSchedule, bool, error) {
	if d.Added.IsZero() {
		d.Added = time.Now()
	}
	var out store.DigestSchedule
	replaced := false
	err := s.write(ctx, "schedule digest in "+d.Channel, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM digest_schedules WHERE scope = ? AND channel = ?",
			d.Scope, d.Channel).Scan(&n); err != nil {
			return err
		}
		replaced = n > 0
		_, err := tx.ExecContext(ctx, `INSERT INTO digest_schedules(`+digestColumns+`) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT(scope, channel) DO UPDATE SET minute = excluded.minute, location = excluded.location,
			topic = excluded.topic, feed = excluded.feed, length = excluded.length, added_at = excluded.added_at,
			last_day = max(last_day, excluded.last_day)`,
			d.Scope, d.Channel, d.Minute, d.Location, d.Topic, d.Feed, d.Length, millis(d.Added), d.LastDay)
		if err != nil {
			return err
		}
		out, err = scanDigest(tx.QueryRowContext(ctx, "SELECT "+digestColumns+" FROM digest_schedules WHERE scope = ? AND channel = ?",
			d.Scope, d.Channel))
		return err
	})
	return out, replaced, err
}

// RemoveDigestSchedule deletes one channel's schedule and returns it.
func (s *Store) RemoveDigestSchedule(ctx context.Context, scope, channel string) (store.DigestSchedule, error) {
	var d store.DigestSchedule
	err := s.write(ctx, "remove the digest schedule of "+channel, func(tx *sql.Tx) error {
		var err error
		d, err = scanDigest(tx.QueryRowContext(ctx, "SELECT "+digestColumns+" FROM digest_schedules WHERE scope = ? AND channel = ?", scope, channel))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("channel %s: %w", channel, store.ErrDigestScheduleNotFound)
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "DELETE FROM digest_schedules WHERE scope = ? AND channel = ?", scope, channel)
		return err
	})
	return d, err
}

// ClaimDigestDay moves last_day forward to day in one UPDATE, which SQLite
// runs atomically: of two processes claiming the same day, one changes
// the row and the other finds it already at day.
func (s *Store) ClaimDigestDay(ctx context.Context, scope, channel, day string) (bool, error) {
	res, err := s.db.ExecContext(ctx, "UPDATE digest_schedules SET last_day = ? WHERE scope = ? AND channel = ? AND last_day < ?",
		day, scope, channel, day)
	if err != nil {
		return false, fmt.Errorf("claim the %s digest of %s: %w", day, channel, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("claim the %s digest of %s: %w", day, channel, err)
	}
	return n == 1, nil
}

// ReleaseDigestDay sets last_day back to previous if it is still day.
func (s *Store) ReleaseDigestDay(ctx context.Context, scope, channel, day, previous string) error {
	_, err := s.db.ExecContext(ctx, "UPDATE digest_schedules SET last_day = ? WHERE scope = ? AND channel = ? AND last_day = ?",
		previous, scope, channel, day)
	if err != nil {
		return fmt.Errorf("release the %s digest of %s: %w", day, channel, err)
	}
	return nil
}
