package library

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// A sync stamp lets a read-only command skip reading every article file
// when nothing changed since the last sync: it records a fingerprint of
// the library's files (each path, size and modification time; the seed
// files' contents) and the store's change sequence number after that
// sync. When both are the same at the next start, the index already holds
// exactly the library, because every change to the store either comes
// with a change to the files (add, forget, a feed item) or moves the
// sequence number (another process's ingest). Reading and parsing 5,000
// files took 0.3 s of a 0.8 s `citebot search`; the fingerprint takes a
// directory walk.

// syncStamp is the stamp file's content.
type syncStamp struct {
	Files    string `json:"files"`
	Seq      int64  `json:"seq"`
	Articles int    `json:"articles"`
}

// fingerprint hashes what the library's files are now.
func (l *Library) fingerprint(ctx context.Context) (string, error) {
	origins, err := l.origins(ctx)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "load %d %d\n", l.cfg.Load.MaxBytes, l.cfg.Load.ParseTimeout)
	for _, o := range origins {
		fmt.Fprintf(h, "origin %s %q %q\n", o.kind, o.dir, o.scope)
		if o.fsys != nil {
			if err := hashFSContents(h, o.fsys); err != nil {
				return "", err
			}
			continue
		}
		err := filepath.WalkDir(o.dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				fmt.Fprintf(h, "error %q %v\n", p, err)
				return nil
			}
			info, err := d.Info()
			if err != nil {
				fmt.Fprintf(h, "error %q %v\n", p, err)
				return nil
			}
			fmt.Fprintf(h, "%q %d %d %d\n", p, info.Size(), info.ModTime().UnixNano(), info.Mode())
			if info.Mode()&fs.ModeSymlink != 0 {
				// A link's target can change under the same link: hash
				// what it points at now.
				if t, err := os.Stat(p); err == nil {
					fmt.Fprintf(h, "-> %d %d\n", t.Size(), t.ModTime().UnixNano())
				}
			}
			return nil
		})
		if err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// hashFSContents hashes every file of fsys (the seeds compiled in: a few
// small files, and their modification times are zero).
func hashFSContents(w io.Writer, fsys fs.FS) error {
	return fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		fmt.Fprintf(w, "%q %x\n", p, sum)
		return nil
	})
}

func (l *Library) readStamp() (syncStamp, bool) {
	var s syncStamp
	data, err := os.ReadFile(l.cfg.StampFile)
	if err != nil || json.Unmarshal(data, &s) != nil {
		return syncStamp{}, false
	}
	return s, true
}

// writeStamp records a sync that brought the index in step with the files
// fingerprinted as fp. The write is atomic; failing to write it only
// costs the next command a full sync.
func (l *Library) writeStamp(ctx context.Context, fp string) {
	ix := l.cfg.Index
	if _, err := ix.Sync(ctx); err != nil { // take in this sync's own changes
		return
	}
	data, _ := json.Marshal(syncStamp{Files: fp, Seq: ix.Seq(), Articles: ix.ArticleCount()})
	dir := filepath.Dir(l.cfg.StampFile)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(l.cfg.StampFile)+".*.tmp")
	if err != nil {
		return
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if werr != nil || cerr != nil || os.Rename(tmp.Name(), l.cfg.StampFile) != nil {
		os.Remove(tmp.Name())
		l.log.Debug("could not write the sync stamp", "path", l.cfg.StampFile)
	}
}

// unchangedSince reports whether the files and the store are as the last
// stamped sync left them, returning the fingerprint to stamp otherwise.
func (l *Library) unchangedSince(ctx context.Context) (fp string, unchanged bool, articles int) {
	fp, err := l.fingerprint(ctx)
	if err != nil {
		return "", false, 0
	}
	s, ok := l.readStamp()
	if !ok || s.Files != fp {
		return fp, false, 0
	}
	ix := l.cfg.Index
	if _, _, differs := ix.BuildDiffers(); differs {
		return fp, false, 0 // the full sync says so, once per command
	}
	// Catch up with the change log first (one indexed query): this
	// process's own changes since Open count as changes too.
	if _, err := ix.Sync(ctx); err != nil {
		return fp, false, 0
	}
	return fp, s.Seq == ix.Seq(), s.Articles
}
