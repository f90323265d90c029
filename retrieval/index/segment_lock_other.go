//go:build !unix

package index

import (
	"context"
	"os"
)

// lockFile creates path; without flock, writers in one process are
// still serialised by Index.ingestMu.
func lockFile(ctx context.Context, path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	return func() { f.Close() }, nil
}
