package metrics

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape serves r's metrics once and parses the exposition.
func scrape(t *testing.T, r *Recorder) map[string]*dto.MetricFamily {
	t.Helper()
	rec := httptest.NewRecorder()
	r.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("GET /metrics = %d: %s", rec.Code, rec.Body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(rec.Body.String()))
	if err != nil {
		t.Fatalf("parse the exposition: %v\n%s", err, rec.Body)
	}
	return fams
}

// value is the value of the series of name whose labels include want
// (name=value pairs), or -1 if there is none: a counter's or gauge's
// value, a histogram's sample count.
func value(fams map[string]*dto.MetricFamily, name string, want ...string) float64 {
	f := fams[name]
	if f == nil {
		return -1
	}
next:
	for _, m := range f.GetMetric() {
		for i := 0; i+1 < len(want); i += 2 {
			found := false
			for _, l := range m.GetLabel() {
				found = found || (l.GetName() == want[i] && l.GetValue() == want[i+1])
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue()
		case m.Gauge != nil:
			return m.GetGauge().GetValue()
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount())
		}
	}
	return -1
}

func TestRecorderExportsEveryEvent(t *testing.T) {
	var gen atomic.Int64
	var up atomic.Bool
	r := New(Options{
		Library: func(context.Context) ([]ScopeCount, error) {
			return []ScopeCount{{Scope: "", Articles: 2, Chunks: 9}, {Scope: "1001", Articles: 1, Chunks: 3}}, nil
		},
		Generation: func() int64 { return gen.Load() },
		GatewayUp:  up.Load,
		Version:    "(devel)", Revision: "abc123",
	})
	before := scrape(t, r)
	for _, name := range []string{"citebot_questions_total", "citebot_answers_total", "citebot_answer_stage_duration_seconds",
		"citebot_llm_tokens_total", "citebot_queue_depth", "citebot_rate_limited_total", "citebot_feedback_votes_total",
		"citebot_discord_rest_rate_limited_total", "citebot_discord_gateway_reconnects_total", "citebot_library_syncs_total",
		"citebot_library_sync_lag_seconds", "citebot_library_generation", "citebot_discord_gateway_up", "citebot_build_info",
		"citebot_articles", "citebot_chunks"} {
		if before[name] == nil {
			t.Errorf("%s is not exported before any event", name)
		}
	}
	for name := range before {
		if !strings.HasPrefix(name, "citebot_") {
			t.Errorf("metric %s is not named citebot_…", name)
		}
	}
	if v := value(before, "citebot_questions_total", "source", "cli"); v != 0 {
		t.Errorf("cli questions before any = %v, want a 0 series", v)
	}

	r.Question("slash")
	r.Answer("refused")
	r.Latency("llm", 1500*time.Millisecond)
	r.Tokens(42)
	r.Queue(3)
	r.RateLimited()
	r.Feedback(-1)
	r.RESTRateLimited()
	r.GatewayReconnect()
	r.LibrarySync(errors.New("locked"))
	gen.Store(7)
	up.Store(true)
	after := scrape(t, r)
	checks := []struct {
		name   string
		labels []string
		want   float64
	}{
		{"citebot_questions_total", []string{"source", "slash"}, 1},
		{"citebot_answers_total", []string{"outcome", "refused"}, 1},
		{"citebot_answer_stage_duration_seconds", []string{"stage", "llm"}, 1},
		{"citebot_llm_tokens_total", nil, 42},
		{"citebot_queue_depth", nil, 3},
		{"citebot_rate_limited_total", nil, 1},
		{"citebot_feedback_votes_total", []string{"vote", "down"}, 1},
		{"citebot_discord_rest_rate_limited_total", nil, 1},
		{"citebot_discord_gateway_reconnects_total", nil, 1},
		{"citebot_library_syncs_total", []string{"result", "error"}, 1},
		{"citebot_library_generation", nil, 7},
		{"citebot_discord_gateway_up", nil, 1},
		{"citebot_build_info", []string{"version", "(devel)", "revision", "abc123"}, 1},
		{"citebot_articles", []string{"scope", "shared"}, 2},
		{"citebot_chunks", []string{"scope", "1001"}, 3},
	}
	for _, c := range checks {
		if got := value(after, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
}

// The lag grows between syncs and a successful sync resets it.
func TestSyncLag(t *testing.T) {
	r := New(Options{})
	r.lastSync.Store(time.Now().Add(-time.Minute).UnixNano())
	if lag := value(scrape(t, r), "citebot_library_sync_lag_seconds"); lag < 59 {
		t.Errorf("lag a minute after the last sync = %v", lag)
	}
	r.LibrarySync(nil)
	fams := scrape(t, r)
	if lag := value(fams, "citebot_library_sync_lag_seconds"); lag > 5 {
		t.Errorf("lag just after a sync = %v", lag)
	}
	if ok := value(fams, "citebot_library_syncs_total", "result", "ok"); ok != 1 {
		t.Errorf("ok syncs = %v", ok)
	}
}

// A library that cannot be read leaves its metrics out; the rest are
// served.
func TestLibraryReadErrorKeepsTheRest(t *testing.T) {
	r := New(Options{Library: func(context.Context) ([]ScopeCount, error) { return nil, errors.New("closed") }})
	fams := scrape(t, r)
	if fams["citebot_articles"] != nil {
		t.Error("articles reported although the library failed")
	}
	if fams["citebot_questions_total"] == nil {
		t.Error("the other metrics are gone with the library")
	}
}
