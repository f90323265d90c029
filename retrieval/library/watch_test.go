package library

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// Editing, adding and deleting files in a registered folder reaches the
// index without anyone calling Sync.
func TestWatchFollowsAFolder(t *testing.T) {
	tl := newTestLibrary(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.md"), "# A\n\nApples.\n")
	if _, err := tl.Add(ctx, dir, AddOptions{}); err != nil {
		t.Fatal(err)
	}
	reports := make(chan Report, 16)
	done := make(chan error, 1)
	go func() {
		done <- tl.Watch(ctx, WatchOptions{Rescan: time.Hour, OnSync: func(r Report, err error) {
			if err == nil {
				reports <- r
			}
		}})
	}()
	// fsnotify needs the watch in place before the change: wait for the
	// first event-driven sync of a probe file, then make the real changes.
	wait := func(what string, ok func(Report) bool) {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for {
			select {
			case r := <-reports:
				if ok(r) {
					return
				}
			case <-deadline:
				t.Fatalf("no sync showed %s", what)
			}
		}
	}
	probe := func() { writeFile(t, filepath.Join(dir, "probe.md"), "# Probe\n\nProbe "+time.Now().String()+".\n") }
	probe()
	retry := time.NewTicker(200 * time.Millisecond)
	defer retry.Stop()
	for seen := false; !seen; {
		select {
		case r := <-reports:
			seen = slices.Contains(r.IDs.Added, "probe") || slices.Contains(r.IDs.Updated, "probe")
		case <-retry.C:
			probe()
		case <-time.After(10 * time.Second):
			t.Fatal("the watcher never synced")
		}
	}
	writeFile(t, filepath.Join(dir, "a.md"), "# A\n\nApples and pears.\n")
	wait("the edit", func(r Report) bool { return slices.Contains(r.IDs.Updated, "a") })
	writeFile(t, filepath.Join(dir, "sub", "b.md"), "# B\n\nBananas.\n")
	wait("the new file in a new subfolder", func(r Report) bool { return slices.Contains(r.IDs.Added, "b") })
	if err := removeFile(filepath.Join(dir, "a.md")); err != nil {
		t.Fatal(err)
	}
	wait("the removal", func(r Report) bool { return slices.Contains(r.IDs.Removed, "a") })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
