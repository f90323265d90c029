package feeds

import (
	"strconv"
	"testing"
	"time"
)

// 24 simulated hours of polling one feed every 15 minutes against a server
// that honours validators: the feed is downloaded in full once at the start
// and once per real change, every other poll is one 304.
func TestPolitenessOverOneDay(t *testing.T) {
	for _, tc := range []struct {
		name      string
		validator func(v int, at time.Time) *route
	}{
		{"etag", func(v int, _ time.Time) *route {
			return &route{body: versionedRSS(v), etag: `"v` + strconv.Itoa(v) + `"`}
		}},
		{"last-modified", func(v int, at time.Time) *route { return &route{body: versionedRSS(v), modified: at} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := newFeedServer(t)
			r := newRig(t, fs, -1)
			version := 1
			fs.set("/daily", tc.validator(version, r.clock.Now()))
			f := r.add(t, fs.url("/daily"), "")
			changeAt := map[int]bool{8: true, 29: true, 52: true, 80: true} // quarter hours
			polls, items := 0, 0
			for tick := 0; tick <= 96; tick++ {
				if changeAt[tick] {
					version++
					fs.set("/daily", tc.validator(version, r.clock.Now()))
				}
				res := r.poll(t)
				polls += len(res.Feeds)
				items += res.Added
				r.clock.advance(15 * time.Minute)
			}
			requests, full := fs.count("/daily")
			t.Logf("%d polls, %d requests, %d full downloads, %d real changes, %d items", polls, requests, full, len(changeAt), items)
			if full > len(changeAt)+1 {
				t.Errorf("%d full downloads for %d changes: at most one per change (and the first)", full, len(changeAt))
			}
			if requests != polls || requests > 97 {
				t.Errorf("%d requests for %d polls", requests, polls)
			}
			if items != version || r.feed(t, f.ID).Items != version {
				t.Errorf("items %d, want %d", items, version)
			}
		})
	}
}

// However many feeds one publisher has, at most PerHost (2) requests reach
// it at once.
func TestAtMostTwoRequestsPerHost(t *testing.T) {
	fs := newFeedServer(t)
	r := newRig(t, fs, -1)
	for i := range 12 {
		p := "/slow/" + strconv.Itoa(i)
		fs.set(p, &route{body: versionedRSS(1), etag: `"x"`, slow: 20 * time.Millisecond})
		r.add(t, fs.url(p), "")
	}
	res := r.poll(t)
	if len(res.Feeds) != 12 {
		t.Fatalf("polled %d", len(res.Feeds))
	}
	if peak := fs.peak(); peak != DefaultPerHost {
		t.Errorf("at most %d requests at once, want exactly %d", peak, DefaultPerHost)
	}
}
