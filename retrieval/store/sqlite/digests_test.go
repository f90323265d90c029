package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/citebot/citebot/retrieval/store"
)

// Migrating a schema-1 store adds digest_schedules (migration 007), and
// the schedules are user data: DropDerived and a reopen keep them.
func TestMigrateAddsDigestSchedulesAsUserData(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t, copyV1(t))
	if got := userVersion(t, s); got < 7 {
		t.Fatalf("user_version = %d, want at least 7", got)
	}
	d := store.DigestSchedule{Scope: "g1", Channel: "c1", Minute: 8 * 60, Location: "Europe/Paris", Topic: "volcanoes", Length: "short"}
	got, replaced, err := s.PutDigestSchedule(ctx, d)
	if err != nil || replaced || got.Minute != 480 || got.Location != "Europe/Paris" || got.Topic != "volcanoes" || got.Added.IsZero() {
		t.Fatalf("PutDigestSchedule = %+v, %v, %v", got, replaced, err)
	}
	if err := s.DropDerived(ctx, errTest); err != nil {
		t.Fatal(err)
	}
	if fb, _ := s.RecentFeedback(ctx, 10); len(fb) != 2 {
		t.Errorf("feedback after DropDerived: %d votes", len(fb))
	}
	s.Close()
	s = openTestStore(t, filepath.Dir(s.path))
	list, err := s.DigestSchedules(ctx, "")
	if err != nil || len(list) != 1 || list[0].Channel != "c1" || list[0].Length != "short" {
		t.Fatalf("schedules after DropDerived and reopen = %+v, %v", list, err)
	}
}

func TestDigestScheduleReplaceRemoveAndList(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t, t.TempDir())
	for _, d := range []store.DigestSchedule{
		{Scope: "g2", Channel: "c9", Minute: 60},
		{Scope: "g1", Channel: "c2", Minute: 60, LastDay: "2026-05-10"},
		{Scope: "g1", Channel: "c1", Minute: 60},
	} {
		if _, _, err := s.PutDigestSchedule(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	// Replacing keeps the later day: moving the hour never reposts a day.
	got, replaced, err := s.PutDigestSchedule(ctx, store.DigestSchedule{Scope: "g1", Channel: "c2", Minute: 600, LastDay: "2026-05-01"})
	if err != nil || !replaced || got.Minute != 600 || got.LastDay != "2026-05-10" {
		t.Fatalf("replace = %+v, %v, %v", got, replaced, err)
	}
	g1, err := s.DigestSchedules(ctx, "g1")
	if err != nil || len(g1) != 2 || g1[0].Channel != "c1" || g1[1].Channel != "c2" {
		t.Fatalf("g1 schedules = %+v, %v", g1, err)
	}
	if all, _ := s.DigestSchedules(ctx, ""); len(all) != 3 {
		t.Errorf("all schedules = %+v", all)
	}
	if _, err := s.RemoveDigestSchedule(ctx, "g1", "c9"); !errors.Is(err, store.ErrDigestScheduleNotFound) {
		t.Errorf("remove another server's channel: %v", err)
	}
	if d, err := s.RemoveDigestSchedule(ctx, "g1", "c2"); err != nil || d.Minute != 600 {
		t.Errorf("remove = %+v, %v", d, err)
	}
	if g1, _ := s.DigestSchedules(ctx, "g1"); len(g1) != 1 {
		t.Errorf("after remove: %+v", g1)
	}
}

// Of many claims of one day, exactly one wins; the next day can be
// claimed; a release gives the day back only while it is still claimed.
func TestClaimDigestDayOnce(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTestStore(t, dir)
	other := openTestStore(t, dir) // another process on the same file
	if _, _, err := s.PutDigestSchedule(ctx, store.DigestSchedule{Scope: "g1", Channel: "c1", Minute: 480}); err != nil {
		t.Fatal(err)
	}
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := s
			if i%2 == 1 {
				st = other
			}
			ok, err := st.ClaimDigestDay(ctx, "g1", "c1", "2026-05-14")
			if err != nil {
				t.Error(err)
			}
			if ok {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d claims of one day won, want 1", wins.Load())
	}
	if ok, _ := s.ClaimDigestDay(ctx, "g1", "c1", "2026-05-13"); ok {
		t.Error("an earlier day was claimed after a later one")
	}
	if ok, err := s.ClaimDigestDay(ctx, "g1", "c1", "2026-05-15"); !ok || err != nil {
		t.Fatalf("next day: %v, %v", ok, err)
	}
	if err := s.ReleaseDigestDay(ctx, "g1", "c1", "2026-05-14", ""); err != nil {
		t.Fatal(err)
	}
	if d, _ := s.DigestSchedules(ctx, "g1"); d[0].LastDay != "2026-05-15" {
		t.Errorf("a stale release moved the day: %q", d[0].LastDay)
	}
	if err := s.ReleaseDigestDay(ctx, "g1", "c1", "2026-05-15", "2026-05-14"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.ClaimDigestDay(ctx, "g1", "c1", "2026-05-15"); !ok {
		t.Error("a released day could not be claimed again")
	}
	if ok, _ := s.ClaimDigestDay(ctx, "g1", "nope", "2026-05-15"); ok {
		t.Error("claimed a day of a channel without a schedule")
	}
}
