package retrieval

import (
	"reflect"
	"slices"
	"testing"

	"github.com/citebot/citebot/retrieval/prose"
)

// FuzzSplit checks Split's invariants (see checkChunks) and Sentences'
// (see checkSpans) on arbitrary text and options, including invalid UTF-8
// and nonsensical sizes. Seed corpus: testdata/fuzz/FuzzSplit.
func FuzzSplit(f *testing.F) {
	f.Add("One. Two! Three?\n\n## Heading\n\nFour.", 1200, 200, 2000)
	f.Add("A U.S. official said the call lasted about an hour. Lt. Gen. Berrier spoke.", 40, 20, 50)
	f.Add("word word word word word word word word word word word word", 16, 8, 16)
	f.Add("ééééééééééééééééééééééééééééééé 日本語日本語日本語日本語", 16, 0, 20)
	f.Add("Title Case Line\nNext line.\n\n- item\n- item\n\n1. one\n2. two", 30, 10, 30)
	f.Add("\xff\xfe bad \x80 bytes. Fine.", 0, 0, 0)
	f.Fuzz(func(t *testing.T, body string, target, overlap, maxSize int) {
		if len(body) > 1<<16 {
			return
		}
		// Keep sizes in a range where chunks are not absurdly many.
		target, overlap, maxSize = target%5000, overlap%5000, maxSize%8000
		opts := ChunkOptions{Target: target, Overlap: overlap, Max: maxSize}
		a := Article{ID: "fuzz", Body: body}
		chunks := Split(a, opts)
		checkChunks(t, a, opts, chunks)
		if !reflect.DeepEqual(chunks, Split(a, opts)) {
			t.Fatal("Split is not deterministic")
		}
		spans := prose.Sentences(body)
		checkSpans(t, body, spans)
		if !slices.Equal(spans, prose.Sentences(body)) {
			t.Fatal("prose.Sentences is not deterministic")
		}
	})
}
