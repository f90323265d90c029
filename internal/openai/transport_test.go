package openai

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestWithZeroTemperature(t *testing.T) {
	for in, want := range map[string]string{
		`{"model":"m"}`:                   `{"temperature":0,"model":"m"}`,
		` {}`:                             `{"temperature":0}`,
		`{"temperature":0.5,"model":"m"}`: `{"temperature":0.5,"model":"m"}`,
		`not json`:                        `not json`,
	} {
		req, err := http.NewRequest(http.MethodPost, "http://x/v1/chat/completions", strings.NewReader(in))
		if err != nil {
			t.Fatal(err)
		}
		r2, err := withZeroTemperature(req)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r2.Body)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want || r2.ContentLength != int64(len(want)) {
			t.Errorf("%s → %s (length %d), want %s", in, got, r2.ContentLength, want)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		header map[string]string
		want   time.Duration
	}{
		{map[string]string{"Retry-After": "3"}, 3 * time.Second},
		{map[string]string{"Retry-After": "0.5"}, 500 * time.Millisecond},
		{map[string]string{"Retry-After": now.Add(90 * time.Second).Format(http.TimeFormat)}, 90 * time.Second},
		{map[string]string{"Retry-After": now.Add(-time.Minute).Format(http.TimeFormat)}, 0},
		{map[string]string{"Retry-After": "soon"}, 0},
		{map[string]string{"Retry-After": " 2 "}, 2 * time.Second},
		{map[string]string{"Retry-After": "-3"}, 0},
		{map[string]string{"Retry-After": "99999999"}, 24 * time.Hour}, // clamped; every policy refuses it
		{map[string]string{"Retry-After-Ms": "250", "Retry-After": "1"}, 250 * time.Millisecond},
		{map[string]string{"Retry-After-Ms": "soon", "Retry-After": "1"}, time.Second},
		{map[string]string{}, 0},
	} {
		h := http.Header{}
		for k, v := range tc.header {
			h.Set(k, v)
		}
		if got := parseRetryAfter(h, now); got != tc.want {
			t.Errorf("%v → %v, want %v", tc.header, got, tc.want)
		}
	}
}
