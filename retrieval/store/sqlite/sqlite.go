// Package sqlite is the SQLite implementation of store.Store (pure Go,
// modernc.org/sqlite, no cgo). It is the only package that imports SQLite.
// The file is opened in WAL mode so that readers in other processes never
// block a writer; schema changes are numbered migrations (migrations/*.sql).
package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"modernc.org/sqlite"

	"github.com/citebot/citebot/retrieval/store"
)

// FileName is the store file inside the data directory.
const FileName = "citebot.db"

// sqliteHeader starts every SQLite database file.
var sqliteHeader = []byte("SQLite format 3\x00")

// Store is a store.Store in one SQLite file.
type Store struct {
	db   *sql.DB
	path string
	log  *slog.Logger
	// beforeCommit, when set (tests only), runs inside each Replace
	// transaction just before it commits: a crash image taken there must
	// open as the old state.
	beforeCommit func()
}

var _ store.Store = (*Store)(nil)

// Open opens (or creates) the store in dir and migrates it to the newest
// schema. A file that is not an SQLite database or fails quick_check is
// corrupt: its readable feedback is salvaged, the file is moved aside (to
// citebot.db.corrupt-<time>, keeping only the newest such copy) and a fresh
// store holding the salvaged feedback is created; the caller re-ingests the
// articles. A nil logger means slog.Default().
func Open(ctx context.Context, dir string, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.Default()
	}
	if dir == "" {
		return nil, errors.New("no data directory configured")
	}
	if strings.ContainsRune(dir, '?') {
		return nil, fmt.Errorf("data directory %q must not contain '?'", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	path := filepath.Join(dir, FileName)
	s, err := open(ctx, path, log)
	// A store being created or recovered by another process can answer
	// SQLITE_BUSY where the busy timeout does not apply (switching to WAL,
	// WAL recovery): wait a little and open again.
	for try := 0; isBusy(err) && try < 20; try++ {
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("open store %s: %w", path, err)
		case <-time.After(time.Duration(50*(try+1)) * time.Millisecond):
		}
		s, err = open(ctx, path, log)
	}
	if errors.Is(err, store.ErrCorrupt) {
		s, err = recoverCorrupt(ctx, path, log, err)
	}
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return s, nil
}

// open opens the database at path, checks it and migrates it. Any sign of a
// damaged file comes back wrapped in store.ErrCorrupt.
func open(ctx context.Context, path string, log *slog.Logger) (*Store, error) {
	if err := checkHeader(path); err != nil {
		return nil, err
	}
	// No mmap_size: the index no longer reads the whole vector table at
	// Open (it maps its own segments), and a map of the store file counted
	// every page quick_check touched in the process's memory (260 MB of
	// RSS at 100k chunks).
	db, err := sql.Open("sqlite", path+
		"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)"+
		"&_pragma=synchronous(NORMAL)&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, path: path, log: log}
	if err := s.checkUnlessUnchanged(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, classify(err)
	}
	return s, nil
}

// check runs SQLite's quick_check: the proof of corruption this package
// acts on (a busy or locked file is not corrupt).
func (s *Store) check(ctx context.Context) error {
	var res string
	if err := s.db.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&res); err != nil {
		return classify(fmt.Errorf("quick_check: %w", err))
	}
	if res != "ok" {
		return fmt.Errorf("%w: quick_check: %s", store.ErrCorrupt, res)
	}
	return nil
}

// checkHeader rejects a non-empty file that does not start with the SQLite
// header before SQLite sees it (SQLite would only fail on first use).
func checkHeader(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	head := make([]byte, len(sqliteHeader))
	n, err := io.ReadFull(f, head)
	if n == 0 && errors.Is(err, io.EOF) {
		return nil // an empty file is a new database
	}
	if err != nil || !bytes.Equal(head, sqliteHeader) {
		return fmt.Errorf("%w: %s is not an SQLite database", store.ErrCorrupt, filepath.Base(path))
	}
	return nil
}

// classify wraps SQLite's "corrupt" and "not a database" errors in
// store.ErrCorrupt so that Open rebuilds instead of failing forever.
func classify(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case 11, 26: // SQLITE_CORRUPT, SQLITE_NOTADB
			return fmt.Errorf("%w: %v", store.ErrCorrupt, err)
		}
	}
	return err
}

// isBusy reports SQLITE_BUSY and SQLITE_LOCKED (with their extended codes).
func isBusy(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case 5, 6: // SQLITE_BUSY, SQLITE_LOCKED
			return true
		}
	}
	return false
}

// recoverCorrupt salvages what feedback it can read from the corrupt file,
// moves the file aside and opens a fresh store with that feedback.
func recoverCorrupt(ctx context.Context, path string, log *slog.Logger, cause error) (*Store, error) {
	saved := salvageFeedback(ctx, path)
	aside, err := moveAside(path)
	if err != nil {
		return nil, fmt.Errorf("move corrupt file aside: %w", err)
	}
	s, err := open(ctx, path, log)
	if err != nil {
		return nil, err
	}
	for _, f := range saved {
		if err := s.AddFeedback(ctx, f); err != nil {
			s.Close()
			return nil, fmt.Errorf("restore salvaged feedback: %w", err)
		}
	}
	log.Warn("store was corrupt; rebuilding from the articles",
		"path", path, "moved_to", aside, "feedback_kept", len(saved), "reason", cause.Error())
	return s, nil
}

// salvageFeedback reads every feedback row it can from a damaged file,
// under either schema's column names. It never fails: what cannot be read
// is lost, and the log says how much was kept.
func salvageFeedback(ctx context.Context, path string) []store.Feedback {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(2000)")
	if err != nil {
		return nil
	}
	defer db.Close()
	for _, cols := range [][2]string{{"scope, place", "comment, answer_id"}, {"scope, place", "'', ''"}, {"guild, channel", "'', ''"}} {
		out, err := readFeedback(ctx, db, cols[0], cols[1], -1)
		if err == nil {
			slices.Reverse(out) // oldest first, so re-adding keeps the order
			return out
		}
	}
	return nil
}

// moveAside renames the store file and its WAL and shared-memory files to
// <path>.corrupt-<UTC time>, and removes older moved-aside copies so that
// repeated damage cannot fill the disk. The WAL must go too: a stale WAL
// next to a fresh database would be replayed into it.
func moveAside(path string) (string, error) {
	aside := path + ".corrupt-" + time.Now().UTC().Format("20060102T150405.000Z")
	if err := os.Rename(path, aside); err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		err := os.Rename(path+suffix, aside+suffix)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
	}
	old, _ := filepath.Glob(path + ".corrupt-*")
	sort.Strings(old)
	for _, p := range old {
		if p != aside && !strings.HasPrefix(p, aside+"-") {
			os.Remove(p)
		}
	}
	return aside, nil
}

// Close releases the database.
func (s *Store) Close() error { return s.db.Close() }

// Path is the store file, for messages.
func (s *Store) Path() string { return s.path }

// SetBeforeCommit installs a hook that runs inside every Replace
// transaction just before it commits. It exists for crash tests: a copy of
// the files taken there is what a crash at that moment would leave.
func (s *Store) SetBeforeCommit(hook func()) { s.beforeCommit = hook }
