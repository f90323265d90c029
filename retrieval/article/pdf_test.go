package article

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/citebot/citebot/retrieval"
)

// minimalPDF builds a small valid PDF 1.4 file: one page per entry of
// pages, each line drawn with its own Tj in Helvetica (with a /Widths
// table, as PDF writers put in), and an Info dictionary with info's
// entries (Title, Author, CreationDate ...). Offsets in the xref table are
// computed, so the file is well-formed.
func minimalPDF(info map[string]string, pages ...[]string) []byte {
	var objs []string
	add := func(s string) int { objs = append(objs, s); return len(objs) }
	catalog := add("") // filled in below
	pagesObj := add("")
	widths := make([]string, 0, 95)
	for c := 32; c <= 126; c++ {
		w := 556
		switch {
		case c == ' ':
			w = 278
		case c == 'i' || c == 'l' || c == 'j' || c == '.' || c == ',':
			w = 222
		case c >= 'A' && c <= 'Z':
			w = 667
		}
		widths = append(widths, fmt.Sprint(w))
	}
	font := add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding /FirstChar 32 /LastChar 126 /Widths [" + strings.Join(widths, " ") + "] >>")
	var kids []string
	for _, lines := range pages {
		var content strings.Builder
		content.WriteString("BT /F1 12 Tf 72 720 Td 14 TL\n")
		for _, l := range lines {
			if l == "" {
				content.WriteString("T*\n")
				continue
			}
			fmt.Fprintf(&content, "(%s) Tj T*\n", strings.NewReplacer(`\`, `\\`, "(", `\(`, ")", `\)`).Replace(l))
		}
		content.WriteString("ET")
		c := add(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", content.Len()+0, content.String()))
		p := add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>", pagesObj, font, c))
		kids = append(kids, fmt.Sprintf("%d 0 R", p))
	}
	objs[catalog-1] = fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pagesObj)
	objs[pagesObj-1] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(kids))
	var entries []string
	for k, v := range info {
		entries = append(entries, fmt.Sprintf("/%s (%s)", k, v))
	}
	infoObj := add("<< " + strings.Join(entries, " ") + " >>")

	var b strings.Builder
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, catalog, infoObj, xref)
	return []byte(b.String())
}

func TestParsePDF(t *testing.T) {
	data := minimalPDF(map[string]string{"Title": "Solar Panels in Winter", "Author": "Ann Example", "CreationDate": "D:20220513104500+02'00'"},
		[]string{"Solar panels still work in winter.", "Cold makes them more efficient.", "", "Snow must be cleared off."},
		[]string{"Page two has the conclusion."})
	a, err := ParsePDF("solar", data, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Title != "Solar Panels in Winter" || a.Author != "Ann Example" || a.Published != "2022-05-13" {
		t.Errorf("metadata: %#v", a)
	}
	for _, s := range []string{"Solar panels still work in winter.\nCold makes them more efficient.", "Snow must be cleared off.", "Page two has the conclusion."} {
		if !strings.Contains(a.Body, s) {
			t.Errorf("body lacks %q:\n%s", s, a.Body)
		}
	}
	if a.Hash != retrieval.HashArticle(a) {
		t.Error("Hash not set")
	}

	// Without an Info dictionary title, the first line is the title.
	b, err := ParsePDF("x", minimalPDF(nil, []string{"A Short Title", "", "The body sentence."}), LoadOptions{})
	if err != nil || b.Title != "A Short Title" || b.Body != "The body sentence." {
		t.Errorf("no Info: %#v, %v", b, err)
	}
}

func TestLoadPDF(t *testing.T) {
	dir := t.TempDir()
	data := minimalPDF(map[string]string{"Title": "Loaded PDF", "Author": "Bob", "CreationDate": "D:20230102"}, []string{"Some text in a PDF file."})
	if err := os.WriteFile(filepath.Join(dir, "doc.pdf"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	list, err := LoadDir(dir, LoadOptions{}, func(p string, err error) { t.Errorf("warn %s: %v", p, err) })
	if err != nil || len(list) != 1 || list[0].ID != "doc" || list[0].Title != "Loaded PDF" || list[0].Published != "2023-01-02" {
		t.Fatalf("LoadDir: %v %#v", err, list)
	}
	if a, err := ParseData("Report (final).PDF", data, LoadOptions{}); err != nil || a.ID != "report-final" || a.Author != "Bob" {
		t.Errorf("ParseData: %#v, %v", a, err)
	}
	if _, err := ParseData("big.pdf", data, LoadOptions{MaxBytes: 100}); !errors.Is(err, ErrArticleTooLarge) {
		t.Errorf("size cap: %v", err)
	}
}

func TestParsePDFRejects(t *testing.T) {
	good := minimalPDF(map[string]string{"Title": "T"}, []string{"Body text here."})
	for name, data := range map[string][]byte{
		"not a PDF":       []byte("hello"),
		"header only":     []byte("%PDF-1.7\n"),
		"truncated":       good[:len(good)/2],
		"garbage xref":    []byte(strings.Replace(string(good), "xref", "xref\nzz", 1)),
		"bad object refs": []byte(strings.ReplaceAll(string(good), " 0 R", " 9 R")),
	} {
		_, err := ParsePDF("x", data, LoadOptions{}) // must not panic
		if err == nil {
			t.Errorf("%s: accepted", name)
		} else if !errors.Is(err, ErrPDF) && !errors.Is(err, ErrEmptyArticle) {
			t.Errorf("%s: err = %v, want ErrPDF", name, err)
		}
	}
	// Structures that loop end at ParseTimeout instead of spinning forever.
	xref := good[strings.LastIndex(string(good), "startxref\n")+len("startxref\n"):]
	xref = xref[:strings.IndexByte(string(xref), '\n')]
	for name, data := range map[string]string{
		"Kids point back":    strings.Replace(string(good), "/Kids [5 0 R]", "/Kids [2 0 R]", 1),
		"Prev points back":   strings.Replace(string(good), "trailer\n<< ", "trailer\n<< /Prev "+string(xref)+" ", 1),
		"Parent points back": strings.Replace(strings.Replace(string(good), "/Parent 2 0 R", "/Parent 5 0 R", 1), "/Resources", "/XResources", 1),
	} {
		start := time.Now()
		_, err := ParsePDF("x", []byte(data), LoadOptions{ParseTimeout: 200 * time.Millisecond})
		if err == nil && name == "Kids point back" {
			t.Errorf("%s: accepted", name)
		}
		if err != nil && !errors.Is(err, ErrPDF) && !errors.Is(err, ErrEmptyArticle) {
			t.Errorf("%s: err = %v, want ErrPDF", name, err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s: took %v", name, d)
		}
	}
	if _, err := ParsePDF("x", minimalPDF(nil, []string{""}), LoadOptions{}); !errors.Is(err, ErrEmptyArticle) {
		t.Errorf("no text: %v", err)
	}
}

func TestFetchPDF(t *testing.T) {
	data := minimalPDF(map[string]string{"Title": "Fetched PDF", "Author": "Cy", "CreationDate": "D:20240301"}, []string{"Text of the fetched PDF."})
	srv := newArticleServer(t, func(mux *http.ServeMux) {
		mux.HandleFunc("/paper.pdf", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/pdf")
			w.Write(data)
		})
		mux.HandleFunc("/download", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Write(data)
		})
		mux.HandleFunc("/broken.pdf", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/pdf")
			w.Write([]byte("%PDF-1.7\n"))
		})
	})
	for _, p := range []string{"/paper.pdf", "/download"} {
		a, err := FetchURL(context.Background(), srv.URL+p, allowServer(srv.Server))
		if err != nil || a.Title != "Fetched PDF" || a.Author != "Cy" || a.Published != "2024-03-01" || a.Source != srv.URL+p {
			t.Errorf("%s: %#v, %v", p, a, err)
		}
	}
	if _, err := FetchURL(context.Background(), srv.URL+"/broken.pdf", allowServer(srv.Server)); !errors.Is(err, ErrPDF) {
		t.Errorf("broken PDF: %v", err)
	}
}
