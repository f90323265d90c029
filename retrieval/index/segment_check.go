package index

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// SegmentReport is what CheckSegments found in a data directory's index
// segments. They are derived from the store, so damage to them loses
// nothing: the articles are read from the store instead, and
// RepairSegments drops the damaged files.
type SegmentReport struct {
	// Files and Chunks count the segments the MANIFEST names and the chunk
	// slots they hold (live or replaced since).
	Files  int `json:"files"`
	Chunks int `json:"chunks"`
	// Damaged lists the named segments that cannot be read, with why.
	Damaged []string `json:"damaged,omitempty"`
}

// CheckSegments reads every segment the MANIFEST in dataDir names and
// verifies its framing, checksum and offsets. A missing directory is an
// empty report; an unreadable MANIFEST is damage.
func CheckSegments(ctx context.Context, dataDir string) (SegmentReport, error) {
	var rep SegmentReport
	dir := filepath.Join(dataDir, segDirName)
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return rep, nil
	}
	m, err := readSegManifest(dir)
	if err != nil {
		rep.Damaged = append(rep.Damaged, err.Error())
		return rep, nil
	}
	for _, ls := range m.Segments {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		rep.Files++
		s, err := openSegmentFile(dir, ls.Name)
		if err != nil {
			rep.Damaged = append(rep.Damaged, fmt.Sprintf("%s: %s", ls.Name, strings.TrimPrefix(err.Error(), "segment "+ls.Name+": ")))
			continue
		}
		rep.Chunks += s.view.nChunks
		s.close()
	}
	return rep, nil
}

// RepairSegments drops from the MANIFEST in dataDir every segment that
// cannot be read (a MANIFEST that cannot be read is replaced by an empty
// one) and deletes the files no longer named. The next start reads the
// articles they held from the store and saves them again.
func RepairSegments(ctx context.Context, dataDir string) error {
	dir := filepath.Join(dataDir, segDirName)
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return withSegmentLock(ctx, dir, func() error {
		m, err := readSegManifest(dir)
		if err != nil {
			m = segManifest{Version: 1, Next: nextFreeSegment(dir)}
		}
		kept := m.Segments[:0]
		for _, ls := range m.Segments {
			if s, err := openSegmentFile(dir, ls.Name); err == nil {
				s.close()
				kept = append(kept, ls)
			}
		}
		m.Segments = kept
		if err := writeSegManifest(dir, m); err != nil {
			return fmt.Errorf("repair segments: %w", err)
		}
		removeUnlisted(dir, m)
		return nil
	})
}
