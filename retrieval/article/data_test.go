package article

import (
	"errors"
	"testing"

	"github.com/citebot/citebot/retrieval"
)

func TestParseDataNamesTheArticleSafely(t *testing.T) {
	for _, tc := range []struct{ name, id string }{
		{"Report 2024.md", "report-2024"},
		{"../../etc/passwd.md", "passwd"},
		{`C:\Users\x\Notes ÄÖ.txt`, "notes"},
		{"...md", "upload"},
	} {
		a, err := ParseData(tc.name, []byte("# Title\n\nSome body text."), LoadOptions{})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if a.ID != tc.id || retrieval.ValidateID(a.ID) != nil {
			t.Errorf("%s: ID %q, want %q", tc.name, a.ID, tc.id)
		}
	}
	if _, err := ParseData("x.pdf", []byte("%PDF"), LoadOptions{}); err == nil {
		t.Error("a PDF was accepted")
	}
	if _, err := ParseData("big.md", make([]byte, 100), LoadOptions{MaxBytes: 10}); !errors.Is(err, ErrArticleTooLarge) {
		t.Errorf("over the cap: %v", err)
	}
	if _, err := ParseData("bin.md", []byte("\x00\x01\x02binary"), LoadOptions{}); !errors.Is(err, ErrBinaryArticle) {
		t.Errorf("binary: %v", err)
	}
}
