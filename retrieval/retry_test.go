package retrieval

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"1", time.Second, true},
		{" 2 ", 2 * time.Second, true},
		{"0.5", 500 * time.Millisecond, true},
		{"-3", 0, false},
		{"soon", 0, false},
		{"99999999", 0, false},
		{now.Add(30 * time.Second).Format(http.TimeFormat), 30 * time.Second, true},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0, true},
	} {
		got, ok := parseRetryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestBackoffDelay(t *testing.T) {
	b := backoff{min: 100 * time.Millisecond, max: time.Second}
	for attempt := 1; attempt <= 8; attempt++ {
		ceil := min(100*time.Millisecond<<(attempt-1), time.Second)
		for range 50 {
			d := b.delay(attempt, 0)
			if d < ceil/2 || d > ceil {
				t.Fatalf("attempt %d: delay %v outside [%v, %v]", attempt, d, ceil/2, ceil)
			}
		}
	}
	// Retry-After is a floor, capped at maxRetryAfter.
	if d := b.delay(1, 5*time.Second); d != 5*time.Second {
		t.Errorf("Retry-After 5s gave %v", d)
	}
	if d := b.delay(1, time.Hour); d != maxRetryAfter {
		t.Errorf("Retry-After 1h gave %v", d)
	}
	if d := (backoff{}).delay(3, 0); d != 0 {
		t.Errorf("zero backoff gave %v", d)
	}
}

func TestSleepCtx(t *testing.T) {
	if err := sleepCtx(context.Background(), time.Millisecond); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := sleepCtx(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
	if err := sleepCtx(ctx, 0); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
}

func TestRetryableStatus(t *testing.T) {
	for code, want := range map[int]bool{200: false, 400: false, 401: false, 404: false, 408: true, 429: true, 500: true, 502: true, 503: true} {
		if got := retryableStatus(code); got != want {
			t.Errorf("retryableStatus(%d) = %v", code, got)
		}
	}
}
