package sqlite

import (
	"context"
	"encoding/json"
	"os"
)

// checkedSuffix names the file beside the store that records the store
// file as it was when quick_check last passed. quick_check reads every
// page (110 ms at 100k chunks, about a second at a million); a command
// that opens a store nobody has written since the last check skips it.
// Any write changes the store or WAL file's size or modification time,
// so a changed file is checked again; damage that changes neither (bit
// rot under an unchanged file) is still found when a query reads the page
// (SQLITE_CORRUPT is classified as store.ErrCorrupt), by `citebot check`,
// and by `serve`, which checks at start.
const checkedSuffix = ".checked"

// fileState is what the checked file records of the store's files.
type fileState struct {
	Size, ModNs       int64
	WALSize, WALModNs int64
}

func (s *Store) fileState() (fileState, bool) {
	fi, err := os.Stat(s.path)
	if err != nil {
		return fileState{}, false
	}
	st := fileState{Size: fi.Size(), ModNs: fi.ModTime().UnixNano()}
	// An empty WAL holds nothing (each open creates one afresh).
	if wi, err := os.Stat(s.path + "-wal"); err == nil && wi.Size() > 0 {
		st.WALSize, st.WALModNs = wi.Size(), wi.ModTime().UnixNano()
	}
	return st, true
}

// checkUnlessUnchanged runs quick_check unless the store's files are as
// they were when it last passed, and records them when it passes.
func (s *Store) checkUnlessUnchanged(ctx context.Context) error {
	// Open the connection first: opening creates the WAL file.
	if _, err := s.db.ExecContext(ctx, "SELECT 1"); err != nil {
		return classify(err)
	}
	before, ok := s.fileState()
	if ok {
		var last fileState
		if data, err := os.ReadFile(s.path + checkedSuffix); err == nil && json.Unmarshal(data, &last) == nil && last == before {
			return nil
		}
	}
	if err := s.check(ctx); err != nil {
		os.Remove(s.path + checkedSuffix)
		return err
	}
	// Record the files as they were before the check: a write during it
	// makes the next open check again.
	if after, ok2 := s.fileState(); ok && ok2 && after == before {
		data, _ := json.Marshal(before)
		tmp := s.path + checkedSuffix + ".tmp"
		if os.WriteFile(tmp, data, 0o644) == nil {
			os.Rename(tmp, s.path+checkedSuffix)
		}
	}
	return nil
}
