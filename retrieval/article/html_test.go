package article

import (
	"errors"
	"strings"
	"testing"

	"github.com/citebot/citebot/retrieval"
)

// newsPage is a typical article page: navigation, a sidebar, scripts and
// the article itself with a byline and a subheading.
const newsPage = `<!DOCTYPE html>
<html lang="en"><head>
<meta charset="utf-8">
<title>Austin Speaks With Shoigu | Latin Post</title>
<meta property="og:title" content="Austin Speaks With Shoigu">
<meta property="og:site_name" content="Latin Post">
<link rel="canonical" href="https://www.latinpost.com/articles/austin">
<meta name="author" content="Mary Webber">
<meta property="article:published_time" content="2022-05-13T10:00:00Z">
<script>var tracking = "do not index me";</script>
<style>body { color: red }</style>
</head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li><li><a href="/sports">Sports</a></li></ul></nav>
<div class="sidebar"><h3>Trending</h3><ul><li><a href="/x">Celebrity gossip of the day</a></li></ul></div>
<article>
<h1>Austin Speaks With Shoigu</h1>
<p>U.S. Defense Secretary Lloyd Austin and Russia's Defense Minister Sergei Shoigu held their first talks since the war in Ukraine began. The two spoke by phone on Friday.</p>
<p>A U.S. official, who agreed to speak on the condition of anonymity, told reporters that the call between the two leaders   on Friday lasted about an hour.</p>
<h2>Russia-Ukraine War</h2><h3> </h3>
<p>Kremlin warned that it would retaliate after Finland's leaders announced their intention to join NATO "without delay." According to NBC News, Turkish President Recep Tayyip Erdogan said on Friday that his country is "not favorable" to Finland and Sweden joining NATO.</p>
<p>He noted that Turkey could use its membership in the Western military alliance to veto moves to let the two countries be admitted.&nbsp;Erdogan said they are following developments.</p>
</article>
<footer><p>Copyright Latin Post. All rights reserved. Subscribe to our newsletter.</p></footer>
</body></html>`

func TestParseHTML(t *testing.T) {
	a, err := ParseHTML("austin", []byte(newsPage), "https://www.latinpost.com/news/austin.htm", LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != "austin" || a.Title != "Austin Speaks With Shoigu" || a.Source != "https://www.latinpost.com/news/austin.htm" {
		t.Errorf("id %q title %q source %q", a.ID, a.Title, a.Source)
	}
	if a.Author != "Mary Webber" || a.Publisher != "Latin Post" || a.Published != "2022-05-13" {
		t.Errorf("author %q publisher %q published %q", a.Author, a.Publisher, a.Published)
	}
	for _, want := range []string{
		"held their first talks since the war in Ukraine began. The two spoke by phone on Friday.\n\nA U.S. official",
		"the two leaders on Friday lasted about an hour.", // white space collapsed
		"\n\n## Russia-Ukraine War\n\nKremlin warned",     // heading is a Markdown heading
		"be admitted. Erdogan said",                       // NBSP is a space
	} {
		if !strings.Contains(a.Body, want) {
			t.Errorf("body lacks %q:\n%s", want, a.Body)
		}
	}
	for _, junk := range []string{"tracking", "color: red", "Celebrity gossip", "Home", "<p>", "###"} {
		if strings.Contains(a.Body, junk) {
			t.Errorf("body contains %q", junk)
		}
	}
	// Without a page URL (a saved file), the canonical link is the source.
	if saved, err := ParseHTML("austin", []byte(newsPage), "", LoadOptions{}); err != nil || saved.Source != "https://www.latinpost.com/articles/austin" {
		t.Errorf("saved page: source %q, err %v", saved.Source, err)
	}
	if strings.HasPrefix(a.Body, "Austin Speaks With Shoigu") {
		t.Error("the title is repeated as the first paragraph")
	}
	if a.Hash != retrieval.HashArticle(a) {
		t.Error("Hash not set")
	}
}

func TestParseHTMLShortPageAndCharset(t *testing.T) {
	// Too short for readability to call it an article: the visible body
	// text is used, and the <title> names it.
	a, err := ParseHTML("short", []byte("<html><head><title>Note</title></head><body><p>Short note.</p></body></html>"), "", LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Title != "Note" || a.Body != "Short note." || a.Source != "" {
		t.Errorf("title %q body %q source %q", a.Title, a.Body, a.Source)
	}
	// A Latin-1 page is decoded, not rejected.
	latin1 := "<html><head><meta charset=\"iso-8859-1\"><title>Caf\xe9</title></head><body><p>Un caf\xe9 cr\xe8me, s'il vous pla\xeet, et une tr\xe8s bonne journ\xe9e \xe0 vous.</p></body></html>"
	a, err = ParseHTML("cafe", []byte(latin1), "", LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(a.Body, "café crème") {
		t.Errorf("body %q", a.Body)
	}
}

func TestParseHTMLRejects(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   string
		max  int64
		want error
	}{
		{"empty document", "", 0, ErrEmptyArticle},
		{"no text", "<html><body><script>x()</script><img src=a.png></body></html>", 0, ErrEmptyArticle},
		{"binary", "<html>\x00\x01\x02</html>", 0, ErrBinaryArticle},
		{"too large", "<p>" + strings.Repeat("a", 100) + "</p>", 50, ErrArticleTooLarge},
	} {
		if _, err := ParseHTML("x", []byte(tt.in), "", LoadOptions{MaxBytes: tt.max}); !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
}
