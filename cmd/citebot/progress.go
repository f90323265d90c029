package main

import (
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress shows ingest progress: a bar when stderr is a terminal, a log
// line every few seconds otherwise (so CI logs stay readable). The bar
// appears with the first update, when the total is known.
type progress struct {
	stderr   io.Writer
	terminal bool
	bar      *progressbar.ProgressBar
	logger   *slog.Logger
	total    int
	lastLog  time.Time
}

func isTerminal(w io.Writer) bool {
	if cf, ok := w.(*controlFilter); ok {
		w = cf.w
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func newProgress(stderr io.Writer, logger *slog.Logger) *progress {
	return &progress{stderr: stderr, terminal: isTerminal(stderr), logger: logger, lastLog: time.Now()}
}

// update is called after each article (or question) is done.
func (p *progress) update(done, total int) {
	if p.bar == nil && p.terminal && total > 0 {
		p.total = total
		p.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(p.stderr),
			progressbar.OptionSetDescription("indexing articles"),
			progressbar.OptionShowCount(),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionThrottle(100*time.Millisecond),
		)
	}
	if p.bar != nil {
		if total != p.total {
			p.total = total
			p.bar.ChangeMax(total)
		}
		_ = p.bar.Set(done)
		return
	}
	if time.Since(p.lastLog) > 5*time.Second {
		p.lastLog = time.Now()
		p.logger.Info("indexing articles", "done", done, "total", total)
	}
}

func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}
