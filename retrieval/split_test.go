package retrieval

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/citebot/citebot/retrieval/prose"
)

// checkChunks verifies Split's contract for one article and options.
func checkChunks(t testing.TB, a Article, opts ChunkOptions, chunks []Chunk) {
	t.Helper()
	o := opts.normalized()
	body := a.Body
	covered := make([]bool, len(body))
	paras := prose.Paragraphs(body)
	valid := utf8.ValidString(body)
	paraOf := func(off int) int { // index of the paragraph holding byte off
		i := sort.Search(len(paras), func(i int) bool { return paras[i].End > off })
		if i < len(paras) && paras[i].Start <= off {
			return i
		}
		return -1
	}
	for i, c := range chunks {
		if c.Ordinal != i || c.ArticleID != a.ID {
			t.Fatalf("chunk %d: ordinal %d, article %q", i, c.Ordinal, c.ArticleID)
		}
		if c.Start < 0 || c.End > len(body) || c.Start >= c.End || c.Text != body[c.Start:c.End] {
			t.Fatalf("chunk %d [%d:%d] does not slice back to its text", i, c.Start, c.End)
		}
		if n := c.End - c.Start; n > o.Max {
			t.Fatalf("chunk %d is %d bytes, over Max %d: %q", i, n, o.Max, c.Text)
		}
		if valid && (!utf8.RuneStart(body[c.Start]) || (c.End < len(body) && !utf8.RuneStart(body[c.End]))) {
			t.Fatalf("chunk %d [%d:%d] cuts a rune", i, c.Start, c.End)
		}
		r, _ := utf8.DecodeRuneInString(c.Text)
		l, _ := utf8.DecodeLastRuneInString(c.Text)
		if unicode.IsSpace(r) || unicode.IsSpace(l) {
			t.Fatalf("chunk %d not trimmed: %q", i, c.Text)
		}
		if i > 0 {
			prev := chunks[i-1]
			if c.Start < prev.Start || c.End <= prev.End {
				t.Fatalf("chunk %d [%d:%d] does not move past chunk %d [%d:%d]", i, c.Start, c.End, i-1, prev.Start, prev.End)
			}
			if overlap := prev.End - c.Start; overlap > 0 {
				if overlap > o.Overlap {
					t.Fatalf("chunks %d and %d overlap by %d bytes, over %d", i-1, i, overlap, o.Overlap)
				}
				if paraOf(c.Start) != paraOf(prev.End-1) {
					t.Fatalf("chunk %d overlaps its predecessor across a paragraph break", i)
				}
			}
		}
		// A chunk across paragraph breaks starts at a paragraph start and
		// holds whole paragraphs, except that headings take the start of
		// the paragraph after them.
		first, last := paraOf(c.Start), paraOf(c.End-1)
		if first != last {
			if paras[first].Start != c.Start {
				t.Fatalf("chunk %d spans paragraphs %d-%d but starts mid-paragraph: %q", i, first, last, c.Text)
			}
			if paras[last].End != c.End {
				for p := first; p < last; p++ {
					if !isHeadingPara(body, paras[p]) {
						t.Fatalf("chunk %d ends mid-paragraph after a non-heading paragraph: %q", i, c.Text)
					}
				}
			}
		}
		for k := c.Start; k < c.End; k++ {
			covered[k] = true
		}
	}
	for k, r := range body {
		if !covered[k] && !unicode.IsSpace(r) {
			t.Fatalf("byte %d (%q) of the body is in no chunk", k, r)
		}
	}
}

func isHeadingPara(body string, p prose.Span) bool {
	text := body[p.Start:p.End]
	return !strings.Contains(text, "\n") && prose.IsTitleLine(text)
}

var splitOptionSets = []ChunkOptions{
	{}, // defaults
	DefaultChunkOptions(),
	{Target: 100, Overlap: 30, Max: 150},
	{Target: 60, Overlap: 0, Max: 60},
	{Target: 16, Overlap: 8, Max: 16},
	{Target: 1, Overlap: -5, Max: 1},        // repaired to the minimum
	{Target: 200, Overlap: 500, Max: 10},    // Overlap and Max repaired
	{Target: 300, Overlap: 100, Max: 10000}, // long sentences stay whole
}

func TestSplitProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for n := range 600 {
		a := Article{ID: fmt.Sprint("a", n), Body: strings.TrimSpace(randomText(rng, rng.IntN(600)))}
		opts := splitOptionSets[n%len(splitOptionSets)]
		if n%5 == 0 {
			opts = ChunkOptions{Target: rng.IntN(400) - 10, Overlap: rng.IntN(200) - 10, Max: rng.IntN(600) - 10}
		}
		chunks := Split(a, opts)
		checkChunks(t, a, opts, chunks)
		if again := Split(a, opts); !reflect.DeepEqual(chunks, again) {
			t.Fatalf("Split is not deterministic for %q", a.Body)
		}
	}
}

func TestSplitCorpus(t *testing.T) {
	for _, name := range []string{"013-oxygen.md", "017-amazon-rainforest.md"} {
		data, err := os.ReadFile(filepath.Join("testdata", "corpus", name))
		if err != nil {
			t.Fatal(err)
		}
		// The whole file as the body: the splitter needs no front matter.
		a := Article{ID: name, Body: strings.TrimSpace(string(data))}
		for _, opts := range splitOptionSets {
			checkChunks(t, a, opts, Split(a, opts))
		}
		// With the defaults most SQuAD paragraphs fit whole: a chunk
		// boundary falls on a paragraph boundary far more often than not.
		chunks := Split(a, DefaultChunkOptions())
		onPara := 0
		for _, c := range chunks {
			if c.End == len(a.Body) || strings.HasPrefix(a.Body[c.End:], "\n\n") {
				onPara++
			}
		}
		if onPara*10 < len(chunks)*7 {
			t.Errorf("%s: only %d of %d chunks end at a paragraph break", name, onPara, len(chunks))
		}
	}
}

func TestSplitEmpty(t *testing.T) {
	for _, body := range []string{"", " \n\n\t "} {
		if chunks := Split(Article{ID: "e", Body: body}, ChunkOptions{}); len(chunks) != 0 {
			t.Errorf("Split(%q) = %v", body, chunks)
		}
	}
}

func TestSplitPacking(t *testing.T) {
	sent := func(word string, n int) string { // a sentence of exactly n bytes
		s := strings.Repeat(word+" ", (n-5)/(len(word)+1))
		s += strings.Repeat("z", n-1-len(s)) + "."
		return strings.ToUpper(s[:1]) + s[1:] // a capital starts the next sentence
	}
	opts := ChunkOptions{Target: 300, Overlap: 100, Max: 400}

	// Small paragraphs are packed whole up to Target.
	small := []string{sent("ant", 80), sent("bee", 80), sent("cat", 80), sent("dog", 80), sent("eel", 80)}
	a := Article{ID: "p", Body: strings.Join(small, "\n\n")}
	chunks := Split(a, opts)
	checkChunks(t, a, opts, chunks)
	if len(chunks) != 2 || chunks[0].Text != strings.Join(small[:3], "\n\n") || chunks[1].Text != strings.Join(small[3:], "\n\n") {
		t.Errorf("packing small paragraphs: %q", texts(chunks))
	}

	// A long paragraph is cut at sentences, with whole-sentence overlap, and
	// the next paragraph starts a new chunk.
	long := strings.Join([]string{sent("fox", 90), sent("gnu", 90), sent("hen", 90), sent("ibis", 90), sent("jay", 90)}, " ")
	a = Article{ID: "l", Body: long + "\n\n" + sent("kiwi", 50)}
	chunks = Split(a, opts)
	checkChunks(t, a, opts, chunks)
	want := []string{
		long[:90*3+2],        // f g h
		long[91*2 : 91*4+90], // h (overlap) i j: 3 sentences fit in 300
		sent("kiwi", 50),     // new paragraph, no overlap
	}
	if got := texts(chunks); !reflect.DeepEqual(got, want) {
		t.Errorf("long paragraph:\n got %q\nwant %q", got, want)
	}
}

func TestSplitHeadings(t *testing.T) {
	opts := ChunkOptions{Target: 400, Overlap: 0, Max: 500}
	body := strings.Join([]string{
		"The first paragraph is short.",
		"The second one too.",
		"## U.S. Defense Secretary Lloyd Austin Discussions With Russia",
		"Russia's Ministry of Defense said the U.S initiated the call.",
		"Russia-Ukraine War",
		strings.Repeat("Kremlin warned that it would retaliate. ", 15),
	}, "\n\n")
	a := Article{ID: "h", Body: body}
	chunks := Split(a, opts)
	checkChunks(t, a, opts, chunks)
	got := texts(chunks)
	if len(got) < 4 ||
		got[0] != "The first paragraph is short.\n\nThe second one too." ||
		!strings.HasPrefix(got[1], "## U.S. Defense") || !strings.HasSuffix(got[1], "initiated the call.") ||
		!strings.HasPrefix(got[2], "Russia-Ukraine War\n\nKremlin warned") {
		t.Fatalf("chunks %q", got)
	}
	for _, c := range chunks {
		lines := strings.Split(c.Text, "\n")
		if last := lines[len(lines)-1]; c.End < len(body) && prose.IsTitleLine(last) {
			t.Errorf("a heading ends chunk %d: %q", c.Ordinal, c.Text)
		}
	}
}

func TestSplitLongSentence(t *testing.T) {
	opts := ChunkOptions{Target: 100, Overlap: 40, Max: 150}
	words := strings.TrimSpace(strings.Repeat("lorem ipsum dolor sit amet ", 40))
	giant := strings.Repeat("é", 300) // one 600-byte word of 2-byte runes
	a := Article{ID: "s", Body: words + " " + giant + " " + words + "."}
	chunks := Split(a, opts)
	checkChunks(t, a, opts, chunks)
	for _, c := range chunks {
		// Cut at word boundaries, except inside the giant word.
		before := c.Start == 0 || a.Body[c.Start-1] == ' ' || strings.HasPrefix(c.Text, "é")
		after := c.End == len(a.Body) || a.Body[c.End] == ' ' || strings.HasSuffix(c.Text, "é")
		if !before || !after {
			t.Errorf("chunk %d cuts a word: %q", c.Ordinal, c.Text)
		}
		if len(c.Text) > opts.Target {
			t.Errorf("chunk %d of a cut sentence is %d bytes, over Target", c.Ordinal, len(c.Text))
		}
	}
	// A sentence between Target and Max stays whole.
	mid := strings.Repeat("x ", 60) + "end."
	chunks = Split(Article{ID: "m", Body: mid}, opts)
	if len(chunks) != 1 || chunks[0].Text != mid {
		t.Errorf("mid-size sentence: %q", texts(chunks))
	}
}

func TestChunkOptionsString(t *testing.T) {
	if got := DefaultChunkOptions().String(); got != "target=1200,overlap=200,max=2000,v1" {
		t.Errorf("default: %q", got)
	}
	if (ChunkOptions{}).String() != DefaultChunkOptions().String() {
		t.Error("zero value does not mean the defaults")
	}
	for _, tt := range []struct {
		in   ChunkOptions
		want string
	}{
		{ChunkOptions{Target: 500}, "target=500,overlap=0,max=2000,v1"},
		{ChunkOptions{Overlap: 100}, "target=1200,overlap=100,max=2000,v1"},
		{ChunkOptions{Target: 3000, Overlap: 2000}, "target=3000,overlap=1500,max=3000,v1"},
		{ChunkOptions{Target: 1, Overlap: -1, Max: 2}, "target=16,overlap=0,max=16,v1"},
	} {
		if got := tt.in.String(); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.in, got, tt.want)
		}
	}
}

func texts(chunks []Chunk) []string {
	var out []string
	for _, c := range chunks {
		out = append(out, c.Text)
	}
	return out
}

func BenchmarkSplit(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "corpus", "013-oxygen.md"))
	if err != nil {
		b.Fatal(err)
	}
	a := Article{ID: "013-oxygen", Body: strings.TrimSpace(string(data))}
	b.SetBytes(int64(len(a.Body)))
	for b.Loop() {
		Split(a, DefaultChunkOptions())
	}
}
