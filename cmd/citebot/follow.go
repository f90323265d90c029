package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/citebot/citebot/retrieval/index"
)

// followStore applies what other processes commit to the store, every
// interval until ctx ends, as index.Follow does, and also reports each
// sync to onSync (nil: nobody), which is how /metrics knows the live
// library's syncs and how far behind it may be.
func followStore(ctx context.Context, ix *index.Index, interval time.Duration, log *slog.Logger, onSync func(error)) {
	if interval <= 0 {
		interval = index.DefaultSyncInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		changes, err := ix.Sync(ctx)
		if ctx.Err() != nil {
			return
		}
		if onSync != nil {
			onSync(err)
		}
		if err != nil {
			log.Warn("could not follow the store's changes; will retry", "err", err.Error())
			continue
		}
		for _, c := range changes {
			log.Info("library changed", "article", c.ArticleID, "scope", string(c.Scope), "change", c.Kind, "by", "another process")
		}
	}
}
