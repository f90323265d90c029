package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// ScopeCount is the size of one scope's library: the shared one (Scope
// "") or one Discord server's (its ID).
type ScopeCount struct {
	Scope    string
	Articles int
	Chunks   int
}

// LibraryFunc reads the size of every scope's library. It is called on
// each scrape, so it must be cheap (an in-memory index count).
type LibraryFunc func(ctx context.Context) ([]ScopeCount, error)

// libraryReadTimeout bounds one read of the library during a scrape.
const libraryReadTimeout = 5 * time.Second

var (
	articlesDesc = prometheus.NewDesc("citebot_articles", "Indexed articles, by scope (shared, or a Discord server's ID).", []string{"scope"}, nil)
	chunksDesc   = prometheus.NewDesc("citebot_chunks", "Indexed passages (chunks), by scope (shared, or a Discord server's ID).", []string{"scope"}, nil)
)

// libraryCollector reports the library's size as it is at the scrape,
// rather than keeping gauges that every ingest would have to update.
type libraryCollector struct{ read LibraryFunc }

// Describe implements prometheus.Collector.
func (c *libraryCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- articlesDesc
	ch <- chunksDesc
}

// Collect implements prometheus.Collector: one read of the library. The
// shared library is always reported, at 0 when empty.
func (c *libraryCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), libraryReadTimeout)
	defer cancel()
	counts, err := c.read(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(articlesDesc, err)
		return
	}
	shared := false
	for _, sc := range counts {
		scope := scopeLabel(sc.Scope)
		shared = shared || scope == "shared"
		ch <- prometheus.MustNewConstMetric(articlesDesc, prometheus.GaugeValue, float64(sc.Articles), scope)
		ch <- prometheus.MustNewConstMetric(chunksDesc, prometheus.GaugeValue, float64(sc.Chunks), scope)
	}
	if !shared {
		ch <- prometheus.MustNewConstMetric(articlesDesc, prometheus.GaugeValue, 0, "shared")
		ch <- prometheus.MustNewConstMetric(chunksDesc, prometheus.GaugeValue, 0, "shared")
	}
}

// scopeLabel names a scope in labels: "shared" for the shared library.
func scopeLabel(scope string) string {
	if scope == "" {
		return "shared"
	}
	return scope
}
