package article

import (
	"errors"
	"testing"
	"time"
)

// FuzzParsePDF feeds damaged PDFs to ParsePDF: it must not panic (the
// reader's panics are recovered) and every error wraps a sentinel.
func FuzzParsePDF(f *testing.F) {
	f.Add(minimalPDF(map[string]string{"Title": "T", "Author": "A", "CreationDate": "D:20220513"}, []string{"Body text.", "", "More."}))
	f.Add(minimalPDF(nil, []string{"A Title", "", "Body."}, []string{"Page two."}))
	f.Add([]byte("%PDF-1.4\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := ParsePDF("fuzz", data, LoadOptions{MaxBytes: 1 << 16, ParseTimeout: time.Second})
		if err != nil {
			for _, s := range []error{ErrPDF, ErrEmptyArticle, ErrArticleTooLarge} {
				if errors.Is(err, s) {
					return
				}
			}
			t.Fatalf("error wraps no sentinel: %v", err)
		}
		if a.Title == "" || a.Body == "" {
			t.Fatalf("bad article %#v", a)
		}
	})
}
