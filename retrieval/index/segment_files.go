package index

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// The segment directory (DATA/segments) holds the segment files, a
// MANIFEST naming the ones that count, and a LOCK that writers hold. A
// segment is written to a temporary file, synced and renamed into place,
// and only then named in a new MANIFEST (itself written the same way): a
// crash at any point leaves the MANIFEST naming only whole files, and the
// checksum in every file's footer catches the rest (a disk that lied
// about a sync). Files the MANIFEST does not name are leftovers of a
// crash or of a merge and are deleted by the next writer.

const (
	segManifestName = "MANIFEST"
	segLockName     = "LOCK"
	segSuffix       = ".seg"
	segDirName      = "segments"
)

// segManifest is the MANIFEST file.
type segManifest struct {
	Version  int          `json:"version"`
	Next     int          `json:"next"` // number of the next segment file
	Segments []segListing `json:"segments"`
}

// segListing is one segment named by the manifest.
type segListing struct {
	Name   string `json:"name"`
	Build  string `json:"build"`
	Chunks int    `json:"chunks"`
}

func readSegManifest(dir string) (segManifest, error) {
	data, err := os.ReadFile(filepath.Join(dir, segManifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return segManifest{Version: 1, Next: 1}, nil
	}
	if err != nil {
		return segManifest{}, fmt.Errorf("read segment manifest: %w", err)
	}
	var m segManifest
	if err := json.Unmarshal(data, &m); err != nil || m.Version != 1 {
		return segManifest{}, fmt.Errorf("read segment manifest %s: not a version 1 manifest", filepath.Join(dir, segManifestName))
	}
	for _, s := range m.Segments {
		if s.Name != filepath.Base(s.Name) || !strings.HasSuffix(s.Name, segSuffix) {
			return segManifest{}, fmt.Errorf("read segment manifest: bad segment name %q", s.Name)
		}
	}
	return m, nil
}

// writeFileAtomic writes data to dir/name through a synced temporary
// file and a rename, then syncs the directory, so that name holds either
// its old content or all of data.
func writeFileAtomic(dir, name string, data []byte) error {
	return writeAtomic(dir, name, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// writeAtomic is writeFileAtomic for content that write produces.
func writeAtomic(dir, name string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(dir, "."+name+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename: no such file
	bw := bufio.NewWriterSize(tmp, 1<<20)
	if err := write(bw); err != nil {
		tmp.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		return err
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}

func writeSegManifest(dir string, m segManifest) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(dir, segManifestName, append(data, '\n'))
}

// removeUnlisted deletes segment files and temporaries the manifest does
// not name. The caller holds the lock, so no writer is mid-write.
func removeUnlisted(dir string, m segManifest) {
	listed := map[string]bool{}
	for _, s := range m.Segments {
		listed[s.Name] = true
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		n := e.Name()
		if (strings.HasSuffix(n, segSuffix) && !listed[n]) || strings.HasSuffix(n, ".tmp") {
			os.Remove(filepath.Join(dir, n))
		}
	}
}

// openSegmentFile maps and parses one segment file.
func openSegmentFile(dir, name string) (*segment, error) { return openSegment(dir, name, true) }

// openSegment is openSegmentFile, verifying the checksum only when sum is
// set (see parseSegmentChecked).
func openSegment(dir, name string, sum bool) (*segment, error) {
	data, unmap, err := mapFile(filepath.Join(dir, name))
	if err != nil {
		return nil, err
	}
	v, err := parseSegmentChecked(data, sum)
	if err != nil {
		unmap()
		return nil, fmt.Errorf("segment %s: %w", name, err)
	}
	return newSegment(name, v, unmap), nil
}

// withSegmentLock runs fn holding the directory's writer lock.
func withSegmentLock(ctx context.Context, dir string, fn func() error) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	unlock, err := lockFile(ctx, filepath.Join(dir, segLockName))
	if err != nil {
		return fmt.Errorf("lock segments: %w", err)
	}
	defer unlock()
	return fn()
}
