package store

import (
	"context"
	"errors"
	"time"
)

// ErrDigestScheduleNotFound is returned (wrapped) for a channel that has
// no digest schedule.
var ErrDigestScheduleNotFound = errors.New("no digest schedule for that channel")

// DigestSchedule subscribes one channel to a daily digest of its
// library. It is user data: no migration or recovery drops it. A channel
// has at most one schedule; scheduling it again replaces it.
type DigestSchedule struct {
	// Scope is the library the digest is made from (a server's).
	Scope string
	// Channel is where the digest is posted.
	Channel string
	// Minute is the time of day it is posted, in minutes after midnight
	// in Location (8:00 = 480).
	Minute int
	// Location is the IANA time zone of Minute and of the day LastDay
	// names ("" = UTC).
	Location string
	// Topic, Feed and Length are the digest's options ("" = none, none,
	// medium).
	Topic, Feed, Length string
	// Added is when the schedule was made or last replaced.
	Added time.Time
	// LastDay is the day (YYYY-MM-DD in Location) of the newest digest
	// claimed for posting, "" before the first. ClaimDigestDay moves it.
	LastDay string
}

// DigestScheduleStore keeps the digest schedules. The day claim is what
// makes a daily digest go out once: whoever moves LastDay to today posts,
// everyone else (another process, or this one after a restart) sees the
// day taken.
type DigestScheduleStore interface {
	// DigestSchedules lists the schedules of scope ("" = every scope),
	// by scope then channel.
	DigestSchedules(ctx context.Context, scope string) ([]DigestSchedule, error)
	// PutDigestSchedule adds s, or replaces the schedule of its scope and
	// channel (reporting replaced); a replacement keeps the later of the
	// two LastDay values, so moving the hour never posts a day twice.
	PutDigestSchedule(ctx context.Context, s DigestSchedule) (stored DigestSchedule, replaced bool, err error)
	// RemoveDigestSchedule removes the schedule of one channel of scope
	// and returns it, or an error wrapping ErrDigestScheduleNotFound.
	RemoveDigestSchedule(ctx context.Context, scope, channel string) (DigestSchedule, error)
	// ClaimDigestDay sets LastDay to day if it is earlier, atomically, and
	// reports whether it did: true means the caller, and no one else,
	// posts that day's digest.
	ClaimDigestDay(ctx context.Context, scope, channel, day string) (bool, error)
	// ReleaseDigestDay undoes a claim whose digest could not be posted at
	// all: LastDay goes back from day to previous, if day is still the
	// claim, so the digest is tried again.
	ReleaseDigestDay(ctx context.Context, scope, channel, day, previous string) error
}
