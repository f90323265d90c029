package bot

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/citebot/citebot/answer"
	"github.com/citebot/citebot/retrieval"
)

func TestSplitTextPrefersParagraphsThenSentences(t *testing.T) {
	t.Parallel()
	para := strings.Repeat("word ", 150) // 750 chars
	text := para + "end one.\n\n" + para + "end two.\n\n" + para + "end three."
	parts := splitText(text, 2000)
	if len(parts) != 2 || !strings.HasSuffix(parts[0], "end two.") || !strings.HasPrefix(parts[1], "word") {
		t.Errorf("paragraph split: %d parts, first ends %q", len(parts), tail(parts[0]))
	}
	// No paragraph break: sentence ends win over spaces.
	s := strings.Repeat("This is a sentence with a claim [1]. ", 80)
	parts = splitText(s, 500)
	for i, p := range parts {
		if textLen(p) > 500 {
			t.Errorf("part %d too long: %d", i, textLen(p))
		}
		if i < len(parts)-1 && !strings.HasSuffix(p, "[1].") {
			t.Errorf("part %d does not end at a sentence: %q", i, tail(p))
		}
	}
}

func TestSplitTextKeepsAtomsWhole(t *testing.T) {
	t.Parallel()
	link := "[a title with spaces](https://example.com/a/very/long/path?with=query&and=more)"
	fence := "```go\nfunc main() {\n\tprintln(\"hello world\")\n}\n```"
	var b strings.Builder
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&b, "Claim %d holds [%d, %d] see %s and https://example.org/x%d. ", i, i, i+1, link, i)
		if i%9 == 0 {
			b.WriteString("\n\n" + fence + "\n\n")
		}
	}
	text := b.String()
	for _, limit := range []int{120, 200, 333, 1000, 2000} {
		parts := splitText(text, limit)
		joined := strings.Join(parts, " ")
		for i, p := range parts {
			if textLen(p) > limit {
				t.Errorf("limit %d: part %d is %d long", limit, i, textLen(p))
			}
			if strings.Count(p, "```")%2 != 0 {
				t.Errorf("limit %d: part %d cuts a code fence", limit, i)
			}
			if regexp.MustCompile(`^\s*\[\d`).MatchString(p) {
				t.Errorf("limit %d: part %d starts with a citation separated from its claim: %q", limit, i, head(p))
			}
		}
		for _, atom := range []*regexp.Regexp{citeRE, regexp.MustCompile(regexp.QuoteMeta(link)), regexp.MustCompile(regexp.QuoteMeta(fence))} {
			if want, got := len(atom.FindAllString(text, -1)), len(atom.FindAllString(joined, -1)); got != want {
				t.Errorf("limit %d: %d whole %v after splitting, want %d", limit, got, atom, want)
			}
		}
	}
}

func TestSplitTextRandomized(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewSource(1))
	pieces := []string{"word", "longerword", "[1]", "[2, 3]", ".", "!", "?", " ", " ", " ", "\n", "\n\n",
		"https://example.com/path", "[t](https://x.y/z)", "`code`", "émoji🙂", "\n```\ncode block\n```\n", "ünïcödé"}
	for n := 0; n < 120; n++ {
		var b strings.Builder
		for i := rng.Intn(600); i > 0; i-- {
			b.WriteString(pieces[rng.Intn(len(pieces))])
		}
		text := strings.TrimSpace(b.String())
		limit := 40 + rng.Intn(400)
		parts := splitText(text, limit)
		for i, p := range parts {
			if textLen(p) > limit {
				t.Fatalf("case %d: part %d is %d > %d", n, i, textLen(p), limit)
			}
			if p == "" {
				t.Fatalf("case %d: empty part", n)
			}
		}
		// Nothing lost: the parts hold every non-space character, fence
		// markers added for a cut code block (and its repeated language
		// tag) aside.
		fenceOpen := regexp.MustCompile("```[A-Za-z0-9_+#.-]*\n")
		strip := func(s string) string {
			s = strings.ReplaceAll(fenceOpen.ReplaceAllString(s, ""), "```", "")
			return strings.Join(strings.Fields(s), "")
		}
		if strip(strings.Join(parts, "\n")) != strip(text) {
			t.Fatalf("case %d: text changed by splitting", n)
		}
		// Citations stay whole (inside code, brackets are code, and a code
		// block longer than the limit has to be cut somewhere).
		if strings.Contains(text, "```") {
			continue
		}
		if want, got := len(citeRE.FindAllString(text, -1)), len(citeRE.FindAllString(strings.Join(parts, " "), -1)); got != want {
			t.Fatalf("case %d: %d citations after splitting, want %d", n, got, want)
		}
	}
}

func TestSplitTextHugeFenceIsReopened(t *testing.T) {
	t.Parallel()
	code := "```python\n" + strings.Repeat("print('a line of code')\n", 200) + "```"
	parts := splitText(code, 2000)
	if len(parts) < 2 {
		t.Fatal("not split")
	}
	for i, p := range parts {
		if !strings.HasPrefix(p, "```python\n") || !strings.HasSuffix(p, "```") || textLen(p) > 2000 {
			t.Errorf("part %d does not render as a whole code block: %q…%q", i, head(p), tail(p))
		}
	}
}

func TestTextLenCountsUTF16(t *testing.T) {
	if n := textLen("a🙂é"); n != 4 {
		t.Errorf("textLen = %d, want 4", n)
	}
	if s := truncate("🙂🙂🙂", 4); textLen(s) > 4 || !strings.HasSuffix(s, "…") {
		t.Errorf("truncate = %q", s)
	}
}

func head(s string) string { return s[:min(len(s), 40)] }
func tail(s string) string { return s[max(0, len(s)-40):] }

func TestRenderRefusalShowsNoSources(t *testing.T) {
	a := answer.Answer{Text: "The articles do not say.", Refused: true, Suggestions: []string{"Weather in Kyiv"},
		Citations: []answer.Citation{{N: 1, Article: seedArticle}}}
	msgs := renderAnswer(a, renderOpts{FeedbackID: "x"})
	if len(msgs) != 1 || len(msgs[0].Embeds) != 0 {
		t.Fatalf("refusal rendered with sources: %+v", msgs)
	}
	if !strings.Contains(msgs[0].Content, "Closest articles: *Weather in Kyiv*.") || strings.Contains(msgs[0].Content, "⚠️") {
		t.Errorf("refusal = %q", msgs[0].Content)
	}
}

func TestRenderUngroundedAndExtractiveLabels(t *testing.T) {
	msgs := renderAnswer(answer.Answer{Text: "Probably an hour.", Grounded: false}, renderOpts{})
	if !strings.HasPrefix(msgs[0].Content, "⚠️ **Unverified:**") || len(msgs[0].Embeds) != 0 {
		t.Errorf("ungrounded = %q", msgs[0].Content)
	}
	a := citedAnswer("Austin urged an immediate ceasefire [1].")
	a.Extractive = true
	msgs = renderAnswer(a, renderOpts{Question: "What did he urge?"})
	c := msgs[0].Content
	if !strings.HasPrefix(c, "> **What did he urge?**\n📄 *Extractive answer") || strings.Contains(c, "⚠️") {
		t.Errorf("extractive = %q", c)
	}
	q, text := parseBotMessage(c)
	if q != "What did he urge?" || text != "Austin urged an immediate ceasefire [1]." {
		t.Errorf("parseBotMessage = %q, %q", q, text)
	}
}

func TestSourcesEmbedFitsLimits(t *testing.T) {
	var cites []answer.Citation
	for i := 1; i <= 40; i++ {
		art := retrieval.Article{ID: fmt.Sprint(i), Title: strings.Repeat("Long [title] ", 30), Source: "https://example.com/(x)/" + fmt.Sprint(i), Author: "A. Writer", Published: "2024-01-01"}
		cites = append(cites, answer.Citation{N: i, Article: art, Quote: strings.Repeat("a supporting quote ", 40)})
	}
	embeds := sourcesEmbeds(cites)
	total := 0
	for _, e := range embeds {
		if textLen(e.Description) > maxEmbedDescription {
			t.Errorf("description %d > %d", textLen(e.Description), maxEmbedDescription)
		}
		total += textLen(e.Title) + textLen(e.Description)
	}
	if total > maxEmbedTotal {
		t.Errorf("embeds total %d", total)
	}
	d := embeds[0].Description
	if !strings.Contains(d, `**[1]** [Long \[title\]`) || !strings.Contains(d, "(https://example.com/%28x%29/1)") || !strings.Contains(d, "…and ") {
		t.Errorf("description = %s", head(d))
	}
	// Few sources keep their quotes.
	d = sourcesEmbeds(cites[:2])[0].Description
	if strings.Count(d, "\n> ") != 2 {
		t.Errorf("quotes dropped needlessly: %s", d)
	}
}

func TestSafeURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://example.com/a(b)":   "https://example.com/a%28b%29",
		"javascript:alert(1)":        "",
		"ftp://example.com/x":        "",
		"":                           "",
		"http://example.com/ x":      "http://example.com/%20x",
		"http://example.com/q?a=1&b": "http://example.com/q?a=1&b",
	} {
		if got := safeURL(in); got != want {
			t.Errorf("safeURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStreamingMessageFits(t *testing.T) {
	m := streamingMessage("q?", strings.Repeat("long text [1]. ", 400))
	if textLen(m.Content) > maxContent || !strings.HasSuffix(m.Content, streamCursor) {
		t.Errorf("streaming view is %d long", textLen(m.Content))
	}
}

func TestUserLimiter(t *testing.T) {
	l := newUserLimiter(2)
	now := time.Unix(1000, 0)
	for i := 0; i < 2; i++ {
		if ok, _ := l.allow("a", now); !ok {
			t.Fatalf("request %d refused within the burst", i)
		}
	}
	ok, wait := l.allow("a", now)
	if ok || wait <= 0 || wait > 30*time.Second {
		t.Errorf("third request: ok=%v wait=%v, want refused with ≤ 30 s", ok, wait)
	}
	if ok, _ := l.allow("b", now); !ok {
		t.Error("another user was limited")
	}
	if ok, _ := l.allow("a", now.Add(wait)); !ok {
		t.Error("not allowed again after the wait")
	}
	if got := rateLimitText(1500 * time.Millisecond); !strings.Contains(got, "try again in 2 seconds") {
		t.Errorf("rateLimitText = %q", got)
	}
}

func TestQueueOrderAndPositions(t *testing.T) {
	q := newQueue(1, nil)
	ctx := t.Context()
	rel1, err := q.acquire(ctx, func(int) { t.Error("first should not wait") })
	if err != nil {
		t.Fatal(err)
	}
	type pos struct {
		who string
		p   int
	}
	positions := make(chan pos, 16)
	got := make(chan string, 2)
	for _, who := range []string{"b", "c"} {
		who := who
		go func() {
			rel, err := q.acquire(ctx, func(p int) { positions <- pos{who, p} })
			if err != nil {
				t.Error(err)
				return
			}
			got <- who
			rel()
		}()
		// Wait until it is in line, so the order is known.
		for p := range positions {
			if p.who == who {
				break
			}
		}
	}
	rel1()
	rel1() // a second release is a no-op
	if first := <-got; first != "b" {
		t.Errorf("served %s first, want b", first)
	}
	if p := <-positions; p.who != "c" || p.p != 1 {
		t.Errorf("c was told %+v, want position 1", p)
	}
	<-got
	if q.length() != 0 || q.active != 0 {
		t.Errorf("queue not empty: %d waiting, %d active", q.length(), q.active)
	}
}

func TestQueueCancelWhileWaiting(t *testing.T) {
	q := newQueue(1, nil)
	rel, _ := q.acquire(t.Context(), func(int) {})
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	in := make(chan struct{})
	go func() {
		_, err := q.acquire(ctx, func(int) { close(in) })
		errc <- err
	}()
	<-in
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
	rel()
	if q.active != 0 || q.length() != 0 {
		t.Errorf("slot leaked: active %d waiting %d", q.active, q.length())
	}
}

func TestRedactHidesTokens(t *testing.T) {
	b := &Bot{cfg: Config{Token: "SECRET.TOKEN"}}
	err := errors.New(`Patch "https://discord.com/api/v9/webhooks/123/itok-abc.def/messages/@original": context deadline exceeded; SECRET.TOKEN; POST https://discord.com/api/v9/interactions/55/tok55/callback`)
	got := b.redact(err)
	if strings.Contains(got, "SECRET") || strings.Contains(got, "itok-abc") || strings.Contains(got, "tok55") {
		t.Errorf("redact = %s", got)
	}
	if !strings.Contains(got, "webhooks/123/[token]/messages") {
		t.Errorf("redact lost the route: %s", got)
	}
}

// Verdicts are visible: ⚠ after the unsupported statement, the count in
// the Sources footer, and the ungrounded notice.
func TestRenderMarksUnsupportedStatements(t *testing.T) {
	text := "Austin urged an immediate ceasefire in Ukraine. [1] Austin wore a red tie."
	a := answer.Answer{
		Text:      text,
		Citations: []answer.Citation{{N: 1, Article: retrieval.Article{ID: "austin", Title: "Austin calls Shoigu"}, Quote: "Austin urged an immediate ceasefire in Ukraine."}},
		Claims: []answer.Claim{
			{Start: 0, End: 51, Verdict: answer.Supported, Cited: []int{1}},
			{Start: 52, End: len(text), Verdict: answer.Unsupported},
		},
	}
	msgs := renderAnswer(a, renderOpts{})
	last := msgs[len(msgs)-1]
	if !strings.Contains(last.Content, "red tie. ⚠") || !strings.Contains(last.Content, "not every statement") {
		t.Errorf("content does not mark the unsupported statement:\n%s", last.Content)
	}
	if len(last.Embeds) == 0 || last.Embeds[0].Footer == nil || last.Embeds[0].Footer.Text != "1 of 2 statements confirmed in the sources" {
		t.Errorf("sources footer = %+v", last.Embeds)
	}
	a.Grounded = true
	a.Claims = a.Claims[:1]
	a.Text = text[:51]
	last = renderAnswer(a, renderOpts{})[0]
	if strings.Contains(last.Content, "⚠") || last.Embeds[0].Footer.Text != "The statement was confirmed in the sources" {
		t.Errorf("a supported answer: %q, footer %q", last.Content, last.Embeds[0].Footer.Text)
	}
}
