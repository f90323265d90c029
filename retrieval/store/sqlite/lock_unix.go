//go:build unix

package sqlite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// LockFileName is the build lock beside the store file. It is never
// removed: deleting a file another process has locked would let a third
// process lock a new file of the same name at the same time.
const LockFileName = "citebot.build.lock"

// lockPoll is how often a waiting process retries the build lock; flock
// itself cannot be interrupted by a context.
const lockPoll = 50 * time.Millisecond

// WithBuildLock runs fn holding an exclusive flock(2) on the lock file in
// the store's directory. The kernel releases the lock when the process
// dies, so a killed ingest never leaves it held. When the lock file cannot
// be created (a read-only data directory) fn runs without it: such a store
// cannot be written, so there is no build to share.
func (s *Store) WithBuildLock(ctx context.Context, fn func(context.Context) error) error {
	path := filepath.Join(filepath.Dir(s.path), LockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		s.log.Debug("no build lock; running without it", "path", path, "err", err.Error())
		return fn(ctx)
	}
	defer f.Close()
	if err := s.flock(ctx, f); err != nil {
		return fmt.Errorf("wait for the build lock %s: %w", path, err)
	}
	defer syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return fn(ctx)
}

// flock takes an exclusive lock on f, polling until ctx ends. It logs once
// when another process holds the lock, so a waiting command says why it
// is slow.
func (s *Store) flock(ctx context.Context, f *os.File) error {
	logged := false
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			return err
		}
		if !logged {
			s.log.Info("another process is updating the store; waiting for it", "path", s.path)
			logged = true
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(lockPoll):
		}
	}
}
