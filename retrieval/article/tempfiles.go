package article

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// StaleTempAge is how old a temporary article file must be to count as
// left over. A write takes milliseconds; a younger file may belong to a
// write in progress in another process.
const StaleTempAge = time.Minute

// RemoveStaleTemps deletes the temporary files WriteArticleFile leaves in
// dir when it is killed between creating and renaming one (".<ID>.*.tmp"),
// if they are older than age. Nothing else ever removes them, and loaders
// skip them, so without this they pile up forever. It returns the files
// removed; a missing dir is not an error.
func RemoveStaleTemps(dir string, age time.Duration) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var removed []string
	var errs []error
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || !strings.HasPrefix(name, ".") || !strings.HasSuffix(name, ".tmp") {
			continue
		}
		info, err := e.Info()
		if err != nil || time.Since(info.ModTime()) < age {
			continue // gone meanwhile, or possibly still being written
		}
		path := filepath.Join(dir, name)
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, path)
	}
	return removed, errors.Join(errs...)
}
