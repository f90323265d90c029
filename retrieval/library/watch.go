package library

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Watch defaults.
const (
	// DefaultRescanInterval is how often Watch rescans every folder even
	// without events: the fallback for network file systems, where change
	// events do not arrive, and the moment it picks up folders another
	// process registered.
	DefaultRescanInterval = time.Minute
	// DefaultSourcesInterval is how often Watch looks for new sources.
	DefaultSourcesInterval = 2 * time.Second
	// settleDelay lets a burst of events (an editor's save, a copied
	// folder) end before one sync handles all of it.
	settleDelay = 300 * time.Millisecond
)

// WatchOptions tunes Watch.
type WatchOptions struct {
	// Rescan is the periodic full rescan (DefaultRescanInterval when 0).
	Rescan time.Duration
	// Sources is how often Watch looks for folders registered meanwhile
	// (by another process): a cheap read of the store (DefaultSourcesInterval
	// when 0).
	Sources time.Duration
	// OnSync, if set, receives every sync's report and error (tests and
	// logs).
	OnSync func(Report, error)
}

// Watch follows the library's folders (the seeds directory, the saved
// articles and every registered folder) until ctx ends and syncs when a
// file is added, changed or removed, so that a running bot answers from the
// edited files within a second or so. It uses the operating system's change
// notifications (fsnotify) and rescans everything every opts.Rescan as the
// fallback. Syncs keep the store as built (KeepBuild).
func (l *Library) Watch(ctx context.Context, opts WatchOptions) error {
	if opts.Rescan <= 0 {
		opts.Rescan = DefaultRescanInterval
	}
	if opts.Sources <= 0 {
		opts.Sources = DefaultSourcesInterval
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	defer w.Close()
	watched := map[string]bool{}
	l.watchAll(ctx, w, watched)
	rescan := time.NewTicker(opts.Rescan)
	defer rescan.Stop()
	sources := time.NewTicker(opts.Sources)
	defer sources.Stop()
	var settle <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return errors.New("watch: the change notifier stopped")
			}
			if ev.Op&fsnotify.Create != 0 {
				if info, err := os.Stat(ev.Name); err == nil && info.IsDir() {
					l.watchTree(w, ev.Name, watched)
				}
			}
			if settle == nil {
				settle = time.After(settleDelay)
			}
		case err, ok := <-w.Errors:
			if ok {
				l.log.Warn("watching the library's folders", "err", err.Error())
			}
		case <-settle:
			settle = nil
			l.syncForWatch(ctx, opts, "a file changed")
		case <-rescan.C:
			l.watchAll(ctx, w, watched)
			l.syncForWatch(ctx, opts, "periodic rescan")
		case <-sources.C:
			if l.watchAll(ctx, w, watched) {
				l.syncForWatch(ctx, opts, "a folder was registered")
			}
		}
	}
}

// syncForWatch syncs and logs every change it made.
func (l *Library) syncForWatch(ctx context.Context, opts WatchOptions, why string) {
	rep, err := l.Sync(ctx, SyncOptions{KeepBuild: true})
	if opts.OnSync != nil {
		opts.OnSync(rep, err)
	}
	if err != nil {
		if ctx.Err() == nil {
			l.log.Warn("could not sync the library", "trigger", why, "err", err.Error())
		}
		return
	}
	for kind, ids := range map[string][]string{"added": rep.IDs.Added, "updated": rep.IDs.Updated, "removed": rep.IDs.Removed} {
		for _, id := range ids {
			l.log.Info("library changed", "article", id, "change", kind, "trigger", why)
		}
	}
}

// watchAll adds every folder of the library (and its subfolders) to w. It
// reports whether a source folder was new to the watch.
func (l *Library) watchAll(ctx context.Context, w *fsnotify.Watcher, watched map[string]bool) bool {
	origins, err := l.origins(ctx)
	if err != nil {
		l.log.Warn("could not list the library's folders", "err", err.Error())
		return false
	}
	dirs := []string{l.cfg.ArticlesDir}
	if l.cfg.ServersDir != "" {
		dirs = append(dirs, l.cfg.ServersDir)
	}
	for _, o := range origins {
		if o.dir != "" {
			dirs = append(dirs, o.dir)
		}
	}
	fresh := false
	for _, d := range dirs {
		if !watched[d] {
			if _, err := os.Stat(d); err == nil {
				fresh = true
				l.log.Info("following folder", "path", d)
			}
		}
		l.watchTree(w, d, watched)
	}
	return fresh
}

// watchTree adds dir and its subfolders (not hidden ones) to w. A folder
// that does not exist yet is watched from its first rescan after it
// appears.
func (l *Library) watchTree(w *fsnotify.Watcher, dir string, watched map[string]bool) {
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		if p != dir && len(d.Name()) > 0 && d.Name()[0] == '.' {
			return filepath.SkipDir
		}
		if watched[p] {
			return nil
		}
		if err := w.Add(p); err != nil {
			l.log.Warn("cannot watch folder; it is still rescanned", "path", p, "err", err.Error())
			return nil
		}
		watched[p] = true
		return nil
	})
}
