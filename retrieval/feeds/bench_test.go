//go:build unix

package feeds

import (
	"strconv"
	"syscall"
	"testing"
	"time"
)

// BenchmarkPollNotModified is one poll cycle over 200 feeds of one
// publisher with no changes (every answer a 304): CPU time per cycle (the
// test server's share included) and the most requests the publisher saw at
// once.
func BenchmarkPollNotModified(b *testing.B) {
	fs := newFeedServer(b)
	r := newRig(b, fs, -1)
	for i := range 200 {
		p := "/f/" + strconv.Itoa(i)
		fs.set(p, &route{body: versionedRSS(3), etag: `"e` + strconv.Itoa(i) + `"`, slow: time.Millisecond})
		r.add(b, fs.url(p), "")
	}
	if res := r.poll(b); len(res.Feeds) != 200 || res.Added != 600 {
		b.Fatalf("setup poll: %d feeds, %d items", len(res.Feeds), res.Added)
	}
	fs.resetPeak()
	cpu0 := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		r.clock.advance(15 * time.Minute)
		res := r.poll(b)
		for _, o := range res.Feeds {
			if o.Status != NotModified {
				b.Fatalf("feed %s: %s %v", o.Feed.ID, o.Status, o.Err)
			}
		}
		if len(res.Feeds) != 200 {
			b.Fatalf("polled %d feeds", len(res.Feeds))
		}
	}
	b.StopTimer()
	b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/cycle")
	b.ReportMetric(float64(fs.peak()), "max-per-host")
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
