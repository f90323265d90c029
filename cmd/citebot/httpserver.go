package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/internal/metrics"
	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/index"
	"github.com/citebot/citebot/retrieval/store"
)

// healthTimeout bounds the store query of one /healthz.
const healthTimeout = 2 * time.Second

// opsServer is serve's operations endpoint on CITEBOT_HTTP_ADDR:
// /healthz for orchestrators and load balancers, /metrics for
// Prometheus. It starts before the bot connects, so /healthz can say
// "not yet" instead of refusing connections.
type opsServer struct {
	rec   *metrics.Recorder
	store store.Store
	log   *slog.Logger
	srv   *http.Server
	done  chan struct{}
	// health is the bot's Health once attached; until then the bot is
	// starting.
	health atomic.Pointer[func() error]
}

var _ bot.Metrics = (*metrics.Recorder)(nil)

// startOps listens on CITEBOT_HTTP_ADDR and serves until close; with no
// address it returns nil, whose methods do nothing. A taken port fails
// serve at once rather than after the Discord login.
func (a *app) startOps(ix *index.Index) (*opsServer, error) {
	if a.cfg.HTTPAddr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", a.cfg.HTTPAddr)
	if err != nil {
		return nil, fmt.Errorf("CITEBOT_HTTP_ADDR: %w", err)
	}
	o := &opsServer{store: ix.Store(), log: a.logger, done: make(chan struct{})}
	info := readBuildInfo()
	o.rec = metrics.New(metrics.Options{
		Library:    libraryCounts(ix),
		Generation: ix.Generation,
		GatewayUp:  func() bool { return o.botHealth() == nil },
		Version:    info.Version,
		Revision:   info.Revision,
		Logger:     a.logger,
	})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", o.healthz)
	mux.Handle("GET /metrics", o.rec.Handler())
	o.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, WriteTimeout: 30 * time.Second}
	go func() {
		defer close(o.done)
		if err := o.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.logger.Error("health and metrics endpoint stopped", "err", err.Error())
		}
	}()
	a.logger.Info("serving /healthz and /metrics", "addr", ln.Addr().String())
	return o, nil
}

// botMetrics is the recorder for bot.Config.Metrics (nil without an
// endpoint, so the bot records nothing).
func (o *opsServer) botMetrics() bot.Metrics {
	if o == nil {
		return nil
	}
	return o.rec
}

// syncHook is the func the store follower reports each sync to.
func (o *opsServer) syncHook() func(error) {
	if o == nil {
		return nil
	}
	return o.rec.LibrarySync
}

// attach makes /healthz follow the bot's health.
func (o *opsServer) attach(health func() error) {
	if o != nil {
		o.health.Store(&health)
	}
}

// close stops the endpoint, letting a scrape in progress finish.
func (o *opsServer) close() {
	if o == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := o.srv.Shutdown(ctx); err != nil {
		o.log.Warn("stop the health and metrics endpoint", "err", err.Error())
	}
	<-o.done
}

func (o *opsServer) botHealth() error {
	h := o.health.Load()
	if h == nil {
		return errors.New("starting")
	}
	return (*h)()
}

// healthReport is the JSON body of /healthz.
type healthReport struct {
	Status  string `json:"status"` // "ok" or "unavailable"
	Discord string `json:"discord"`
	Store   string `json:"store"`
	// Reason is why the status is not ok.
	Reason string `json:"reason,omitempty"`
}

// healthz answers 200 when the Discord gateway is connected and the
// store answers a trivial query, 503 with the reason otherwise.
func (o *opsServer) healthz(w http.ResponseWriter, r *http.Request) {
	rep := healthReport{Status: "ok", Discord: "connected", Store: "ok"}
	if err := o.botHealth(); err != nil {
		rep.Discord, rep.Reason = err.Error(), "discord: "+err.Error()
	}
	ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
	defer cancel()
	if err := o.store.Read(ctx, func(store.Snapshot) error { return nil }); err != nil {
		rep.Store = err.Error()
		if rep.Reason == "" {
			rep.Reason = "store: " + err.Error()
		}
	}
	code := http.StatusOK
	if rep.Reason != "" {
		rep.Status, code = "unavailable", http.StatusServiceUnavailable
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(rep) // the client may be gone; nothing to do
}

// libraryCounts reads the size of each scope's library from the index's
// memory, for citebot_articles and citebot_chunks.
func libraryCounts(ix *index.Index) metrics.LibraryFunc {
	return func(ctx context.Context) ([]metrics.ScopeCount, error) {
		arts, err := ix.Articles(ctx)
		if err != nil {
			return nil, err
		}
		at := map[retrieval.Scope]int{} // scope → its place in counts
		var counts []metrics.ScopeCount
		for _, art := range arts {
			i, ok := at[art.Scope]
			if !ok {
				i = len(counts)
				at[art.Scope] = i
				counts = append(counts, metrics.ScopeCount{Scope: string(art.Scope)})
			}
			chunks, err := ix.Chunks(ctx, art.ID)
			if err != nil && !errors.Is(err, index.ErrArticleNotFound) {
				return nil, err // removed meanwhile: counted without chunks
			}
			counts[i].Articles++
			counts[i].Chunks += len(chunks)
		}
		return counts, nil
	}
}

// addr reads a host:port listen address such as 127.0.0.1:9090 or :9090.
func (p *parser) addr(key string) string {
	v := p.get(key)
	if v == "" {
		return ""
	}
	if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
		p.fail(key, v, "a host:port address such as 127.0.0.1:9090")
	}
	return v
}
