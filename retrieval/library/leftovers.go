package library

import (
	"context"

	"github.com/citebot/citebot/retrieval/article"
)

// removeLeftovers deletes the temporary files that killed writes left in
// the folders Add writes to (the shared and the per-server saved
// articles), logging each. Registered folders and the seeds are the
// operator's: citebot never writes there, so it never cleans there.
func (l *Library) removeLeftovers(ctx context.Context) {
	origins, err := l.origins(ctx)
	if err != nil {
		return // Sync reports it
	}
	for _, o := range origins {
		if o.kind != "articles" && o.kind != "server" {
			continue
		}
		removed, err := article.RemoveStaleTemps(o.dir, article.StaleTempAge)
		for _, p := range removed {
			l.log.Info("removed a temporary file left by an interrupted write", "path", p)
		}
		if err != nil {
			l.log.Warn("could not remove leftover temporary files", "dir", o.dir, "err", err.Error())
		}
	}
}
