//go:build !unix

package sqlite

import "context"

// LockFileName is the build lock beside the store file (unused here).
const LockFileName = "citebot.build.lock"

// WithBuildLock runs fn. Platforms without flock(2) get no cross-process
// build lock: processes started together each embed what they find
// missing, which costs time but never mixes or loses data (each article
// is still replaced in one transaction).
func (s *Store) WithBuildLock(ctx context.Context, fn func(context.Context) error) error {
	return fn(ctx)
}
