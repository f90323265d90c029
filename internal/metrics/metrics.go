// Package metrics is citebot's Prometheus instrumentation, the only
// importer of client_golang. A Recorder has plain methods for each event
// (a question, an answer's outcome, a stage's latency, a rate limit, a
// vote, a reconnect, a library sync) that the bot (through its small
// bot.Metrics interface) and cmd/citebot call, and serves everything in
// the Prometheus text format from Handler. Every metric is named
// citebot_…; the list is in the README ("Run it as a service").
package metrics

import (
	"log/slog"
	"net/http"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// The label values a Recorder exports from the start (at 0), so that
// dashboards and rate() see every series before its first event. Other
// values are counted too.
var (
	Sources  = []string{"slash", "mention", "reply", "thread", "dm", "channel", "cli"}
	Outcomes = []string{"answered", "refused", "ungrounded", "error"}
	Stages   = []string{"retrieval", "llm", "verify", "total"}
)

// latencyBuckets span a fast retrieval (milliseconds) to a slow local
// model (minutes).
var latencyBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300}

// Options say where a Recorder reads what it reports on each scrape
// rather than counts. Nil funcs leave their metrics out.
type Options struct {
	// Library returns the articles and chunks of each scope, read on
	// every scrape so the numbers are never stale.
	Library LibraryFunc
	// Generation is the index's generation, which changes with every
	// change to the library in memory.
	Generation func() int64
	// GatewayUp reports whether the Discord gateway is live.
	GatewayUp func() bool
	// Version and Revision label citebot_build_info.
	Version, Revision string
	// Logger receives scrape errors (a failed library read); nil
	// discards them.
	Logger *slog.Logger
}

// Recorder counts citebot's events and serves them as Prometheus
// metrics. Its methods are safe for concurrent use and never block.
type Recorder struct {
	reg *prometheus.Registry
	log *slog.Logger

	questions   *prometheus.CounterVec
	answers     *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	tokens      prometheus.Counter
	queue       prometheus.Gauge
	rateLimited prometheus.Counter
	votes       *prometheus.CounterVec
	rest429     prometheus.Counter
	reconnects  prometheus.Counter
	syncs       *prometheus.CounterVec

	// lastSync is when the library last caught up with the store, in
	// Unix nanoseconds.
	lastSync atomic.Int64
}

// New makes a Recorder with its own registry (no global state, so tests
// and several servers in one process do not collide).
func New(opts Options) *Recorder {
	r := &Recorder{reg: prometheus.NewRegistry(), log: opts.Logger}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	r.lastSync.Store(time.Now().UnixNano()) // opening the index read the store
	f := factory{r.reg}
	r.questions = f.counterVec("citebot_questions_total", "Questions and summary requests taken up, by where they came from.", "source", Sources)
	r.answers = f.counterVec("citebot_answers_total", "Finished answers and summaries, by outcome.", "outcome", Outcomes)
	r.latency = f.histogramVec("citebot_answer_stage_duration_seconds", "Time each stage of an answer took (retrieval, LLM, citation check, total).", "stage", Stages)
	r.tokens = f.counter("citebot_llm_tokens_total", "LLM tokens (prompt and completion) the answers used.")
	r.queue = f.gauge("citebot_queue_depth", "Questions waiting for a free answer slot.")
	r.rateLimited = f.counter("citebot_rate_limited_total", "Questions refused by the per-user rate limit.")
	r.votes = f.counterVec("citebot_feedback_votes_total", "Feedback votes on answers.", "vote", []string{"up", "down"})
	r.rest429 = f.counter("citebot_discord_rest_rate_limited_total", "Discord REST calls answered with 429 Too Many Requests.")
	r.reconnects = f.counter("citebot_discord_gateway_reconnects_total", "Discord gateway sessions resumed or identified again.")
	r.syncs = f.counterVec("citebot_library_syncs_total", "Reads of the store's change log by the live library, by result.", "result", []string{"ok", "error"})
	f.gaugeFunc("citebot_library_sync_lag_seconds", "Seconds since the live library last caught up with the store.", func() float64 {
		return time.Since(time.Unix(0, r.lastSync.Load())).Seconds()
	})
	r.optional(f, opts)
	return r
}

// optional registers the metrics that read opts' funcs, and the build
// information.
func (r *Recorder) optional(f factory, opts Options) {
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "citebot_build_info",
		Help:        "The running citebot's version; always 1.",
		ConstLabels: prometheus.Labels{"version": opts.Version, "revision": opts.Revision, "goversion": runtime.Version()},
	})
	build.Set(1)
	r.reg.MustRegister(build)
	if opts.Generation != nil {
		f.gaugeFunc("citebot_library_generation", "The library's generation; it changes whenever an article is added, replaced or removed.", func() float64 {
			return float64(opts.Generation())
		})
	}
	if opts.GatewayUp != nil {
		f.gaugeFunc("citebot_discord_gateway_up", "1 while the Discord gateway session is live, else 0.", func() float64 {
			if opts.GatewayUp() {
				return 1
			}
			return 0
		})
	}
	if opts.Library != nil {
		r.reg.MustRegister(&libraryCollector{read: opts.Library})
	}
}

// Handler serves the metrics in the Prometheus text format. A metric
// that fails to collect is left out (and logged); the rest are served.
func (r *Recorder) Handler() http.Handler {
	return promhttp.HandlerFor(r.reg, promhttp.HandlerOpts{
		ErrorHandling: promhttp.ContinueOnError,
		ErrorLog:      errorLog{r.log},
	})
}

// Question counts a question taken up from source (see Sources).
func (r *Recorder) Question(source string) { r.questions.WithLabelValues(source).Inc() }

// Answer counts a finished answer by outcome (see Outcomes).
func (r *Recorder) Answer(outcome string) { r.answers.WithLabelValues(outcome).Inc() }

// Latency observes the time one stage of an answer took (see Stages).
func (r *Recorder) Latency(stage string, d time.Duration) {
	r.latency.WithLabelValues(stage).Observe(d.Seconds())
}

// Tokens counts n LLM tokens.
func (r *Recorder) Tokens(n int) {
	if n > 0 {
		r.tokens.Add(float64(n))
	}
}

// Queue sets the number of questions waiting.
func (r *Recorder) Queue(depth int) { r.queue.Set(float64(depth)) }

// RateLimited counts a question refused by the per-user rate limit.
func (r *Recorder) RateLimited() { r.rateLimited.Inc() }

// Feedback counts a vote: positive is 👍, negative 👎.
func (r *Recorder) Feedback(vote int) {
	switch {
	case vote > 0:
		r.votes.WithLabelValues("up").Inc()
	case vote < 0:
		r.votes.WithLabelValues("down").Inc()
	}
}

// GatewayReconnect counts a Discord gateway reconnect.
func (r *Recorder) GatewayReconnect() { r.reconnects.Inc() }

// RESTRateLimited counts a Discord REST call answered with 429.
func (r *Recorder) RESTRateLimited() { r.rest429.Inc() }

// LibrarySync counts one read of the store's change log by the live
// library; a successful one (err nil) also resets the sync lag.
func (r *Recorder) LibrarySync(err error) {
	if err != nil {
		r.syncs.WithLabelValues("error").Inc()
		return
	}
	r.syncs.WithLabelValues("ok").Inc()
	r.lastSync.Store(time.Now().UnixNano())
}

// errorLog adapts slog to promhttp's logger.
type errorLog struct{ log *slog.Logger }

func (e errorLog) Println(v ...any) {
	e.log.Warn("metrics scrape", "err", fmtArgs(v))
}
