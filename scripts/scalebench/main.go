// Command scalebench measures warm `citebot ask` and `citebot search` at
// scale, side by side for two builds in one run (issue 14's must-show:
// 100k x 384 ask <= 0.5 s, 1M x 384 <= 5 s, RSS <= 2.5x the raw vectors
// and texts). It is a developer tool; CI does not run it.
//
// It builds both binaries (the baseline in a temporary git worktree,
// removed afterwards), writes a synthetic corpus of N chunks (Markdown
// articles with front matter, 20 paragraphs of 350-550 bytes from a Zipf
// vocabulary, each paragraph one chunk), serves deterministic
// pseudo-random unit vectors of D dimensions from an in-process fake
// OpenAI-compatible /v1/embeddings server on 127.0.0.1, ingests the corpus
// into a separate data dir per binary (timed), then alternates the two
// binaries R times on `ask` and `search` (after one warm-up each),
// recording wall time and max RSS, and prints a Markdown table. Answers
// are offline (no chat model: extractive), so only retrieval and the
// process's start are measured.
//
//	go run ./scripts/scalebench -chunks 2000                       # quick check
//	go run ./scripts/scalebench                                    # 100k x 384
//	go run ./scripts/scalebench -chunks 1000000 -work /var/tmp/sb  # 1M x 384
//
// -work keeps the corpus between runs (it is reused when N matches);
// without it everything goes to a temporary directory that is removed.
// Run it from the repository (it calls git and go build there).
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"log"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Corpus shape: every paragraph is one chunk under the chunking settings
// the binaries get (target 600, no overlap, max 1200).
const (
	parasPerArticle  = 20
	paraMinBytes     = 350
	paraMaxBytes     = 550
	articlesPerDir   = 1000
	vocabSize        = 5000
	questionSkipRank = 50 // question words skip the commonest, as a stoplist does
)

type options struct {
	chunks, dim, runs int
	baseline, newRev  string
	work              string
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("scalebench: ")
	var o options
	flag.IntVar(&o.chunks, "chunks", 100_000, "chunks in the synthetic corpus")
	flag.IntVar(&o.dim, "dim", 384, "embedding dimensions the fake server returns")
	flag.IntVar(&o.runs, "runs", 5, "measured runs of ask and search per binary (after one warm-up)")
	flag.StringVar(&o.baseline, "baseline", "d4f0b6c", "git revision of the baseline binary")
	flag.StringVar(&o.newRev, "new", "", "git revision of the new binary (empty = the working tree)")
	flag.StringVar(&o.work, "work", "", "work directory (corpus, data dirs, binaries); default a temporary one, removed at the end")
	flag.Parse()
	if o.chunks < 1 || o.dim < 1 || o.runs < 1 {
		log.Fatal("-chunks, -dim and -runs must be positive")
	}
	res, err := run(context.Background(), o)
	if err != nil {
		log.Fatal(err)
	}
	report(os.Stdout, o, res.raw, res.textBytes, res.base, res.nw, res.questions)
}

// target is one build under test.
type target struct {
	name, rev, path, data string
	ingest                sample
	ask, search           []sample
	chunks                int
	tops                  map[string]string // question -> top passages of search
}

// sample is one process run.
type sample struct {
	wall   time.Duration
	maxRSS int64 // bytes
}

// result is what one run measured.
type result struct {
	raw, textBytes int64 // raw vectors + texts, and the texts alone
	base, nw       *target
	questions      []string
}

func run(ctx context.Context, o options) (result, error) {
	repo, err := output(ctx, "", "git", "rev-parse", "--show-toplevel")
	if err != nil {
		return result{}, fmt.Errorf("find the repository (run scalebench inside it): %w", err)
	}
	repo = strings.TrimSpace(repo)
	work := o.work
	if work == "" {
		if work, err = os.MkdirTemp("", "scalebench-"); err != nil {
			return result{}, err
		}
		defer os.RemoveAll(work)
	}
	if work, err = filepath.Abs(work); err != nil {
		return result{}, err
	}
	for _, d := range []string{"bin", "seeds"} {
		if err := os.MkdirAll(filepath.Join(work, d), 0o755); err != nil {
			return result{}, err
		}
	}
	base, nw, err := buildTargets(ctx, repo, work, o)
	if err != nil {
		return result{}, err
	}
	corpus := filepath.Join(work, "corpus")
	log.Printf("writing %d chunks to %s", o.chunks, corpus)
	textBytes, questions, err := writeCorpus(corpus, o.chunks)
	if err != nil {
		return result{}, fmt.Errorf("write the corpus: %w", err)
	}
	srv, err := startEmbedServer(o.dim)
	if err != nil {
		return result{}, err
	}
	defer srv.close()
	for i, b := range []*target{base, nw} {
		b.data = filepath.Join(work, fmt.Sprintf("data-%d", i))
		if err := b.ingestCorpus(ctx, work, srv, corpus, o.chunks); err != nil {
			return result{}, err
		}
	}
	if err := measure(ctx, work, srv, questions, o.runs, base, nw); err != nil {
		return result{}, err
	}
	raw := int64(o.chunks)*int64(o.dim)*4 + textBytes
	return result{raw: raw, textBytes: textBytes, base: base, nw: nw, questions: questions}, nil
}

// buildTargets builds the baseline and the new binary into work/bin.
func buildTargets(ctx context.Context, repo, work string, o options) (*target, *target, error) {
	base := &target{name: "baseline " + o.baseline, rev: o.baseline}
	nw := &target{name: "new", rev: o.newRev}
	if o.newRev == "" {
		nw.name = "new (working tree)"
	} else {
		nw.name = "new " + o.newRev
	}
	for i, b := range []*target{base, nw} {
		b.path = filepath.Join(work, "bin", fmt.Sprintf("citebot-%d", i))
		log.Printf("building %s", b.name)
		if err := build(ctx, repo, b.rev, b.path); err != nil {
			return nil, nil, fmt.Errorf("build %s: %w", b.name, err)
		}
	}
	return base, nw, nil
}

// ingestCorpus ingests the corpus into a fresh data dir and records what
// it cost.
func (b *target) ingestCorpus(ctx context.Context, work string, srv *embedServer, corpus string, want int) error {
	if err := os.RemoveAll(b.data); err != nil {
		return err
	}
	log.Printf("ingesting with %s", b.name)
	before := srv.texts.Load()
	out, s, err := b.exec(ctx, work, srv.url, "ingest", "--json", corpus)
	if err != nil {
		return fmt.Errorf("%s: ingest: %w", b.name, err)
	}
	b.ingest = s
	var res struct {
		Chunks int `json:"chunks"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		return fmt.Errorf("%s: ingest --json: %w", b.name, err)
	}
	b.chunks = res.Chunks
	log.Printf("  %d chunks in %.1f s (%d texts embedded), max RSS %.0f MB", b.chunks, s.wall.Seconds(), srv.texts.Load()-before, mb(s.maxRSS))
	if b.chunks != want {
		log.Printf("  warning: %s holds %d chunks, the corpus was written as %d", b.name, b.chunks, want)
	}
	return nil
}

// measure alternates the binaries on ask and search, so that drifts in
// machine speed (page cache, other load) hit both alike. Round 0 is the
// warm-up.
func measure(ctx context.Context, work string, srv *embedServer, questions []string, runs int, base, nw *target) error {
	for _, b := range []*target{base, nw} {
		b.tops = map[string]string{}
	}
	for round := 0; round <= runs; round++ {
		q := questions[round%len(questions)]
		for _, cmd := range []string{"ask", "search"} {
			for _, b := range []*target{base, nw} {
				out, s, err := b.exec(ctx, work, srv.url, cmd, "--json", q)
				if err != nil {
					return fmt.Errorf("%s: %s %q: %w", b.name, cmd, q, err)
				}
				if cmd == "search" {
					b.tops[q] = topPassages(out)
				}
				if round == 0 {
					continue
				}
				if cmd == "ask" {
					b.ask = append(b.ask, s)
				} else {
					b.search = append(b.search, s)
				}
			}
		}
		if round == 0 {
			log.Printf("warm-up done; %d measured rounds", runs)
		}
	}
	return nil
}

// exec runs the binary with the benchmark's environment in dir and returns
// its standard output and what it cost.
func (b *target) exec(ctx context.Context, dir, embedURL string, args ...string) ([]byte, sample, error) {
	cmd := exec.CommandContext(ctx, b.path, args...)
	cmd.Dir = dir // no .env, no ./seeds
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + dir,
		"CITEBOT_DATA_DIR=" + b.data,
		"CITEBOT_SEEDS_DIR=" + filepath.Join(dir, "seeds"),
		"CITEBOT_EMBED_PROVIDER=openai",
		"CITEBOT_EMBED_BASE_URL=" + embedURL,
		"CITEBOT_EMBED_API_KEY=x",
		"CITEBOT_EMBED_MODEL=fake",
		"CITEBOT_CHUNK_TARGET=600",
		"CITEBOT_CHUNK_OVERLAP=0",
		"CITEBOT_CHUNK_MAX=1200",
		"CITEBOT_LOG_LEVEL=warn",
	}
	// No OPENAI_API_KEY or OPENAI_BASE_URL: answers are extractive.
	if v := os.Getenv("GOMEMLIMIT"); v != "" {
		cmd.Env = append(cmd.Env, "GOMEMLIMIT="+v)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	s := sample{wall: time.Since(start)}
	if cmd.ProcessState != nil {
		s.maxRSS = maxRSS(cmd.ProcessState)
	}
	if err != nil {
		return nil, s, fmt.Errorf("%w\n%s", err, tail(stderr.String(), 2000))
	}
	return stdout.Bytes(), s, nil
}

// topPassages names the passages of a `search --json` reply in order.
func topPassages(out []byte) string {
	var r struct {
		Passages []struct {
			Article struct {
				ID string `json:"id"`
			} `json:"article"`
			Chunk int `json:"chunk"`
		} `json:"passages"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return "unreadable: " + err.Error()
	}
	var parts []string
	for _, p := range r.Passages {
		parts = append(parts, fmt.Sprintf("%s#%d", p.Article.ID, p.Chunk))
	}
	return strings.Join(parts, " ")
}

// build compiles ./cmd/citebot at rev (empty = the working tree) to out.
func build(ctx context.Context, repo, rev, out string) error {
	src := repo
	if rev != "" {
		tmp, err := os.MkdirTemp("", "scalebench-src-")
		if err != nil {
			return err
		}
		os.Remove(tmp) // git worktree add wants to create it
		if _, err := output(ctx, repo, "git", "worktree", "add", "--detach", tmp, rev); err != nil {
			return err
		}
		defer func() {
			if _, err := output(context.Background(), repo, "git", "worktree", "remove", "--force", tmp); err != nil {
				log.Printf("remove worktree %s: %v", tmp, err)
			}
		}()
		src = tmp
	}
	_, err := output(ctx, src, "go", "build", "-o", out, "./cmd/citebot")
	return err
}

// output runs a command in dir and returns its standard output; the error
// holds its standard error.
func output(ctx context.Context, dir, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, tail(stderr.String(), 2000))
	}
	return string(out), nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// --- corpus ---

// vocabulary is vocabSize made-up words of 3-9 letters, in rank order for
// the Zipf draw.
func vocabulary() []string {
	rng := rand.New(rand.NewPCG(11, 12))
	words := make([]string, 0, vocabSize)
	seen := map[string]bool{}
	for len(words) < vocabSize {
		b := make([]byte, 3+rng.IntN(7))
		for i := range b {
			b[i] = 'a' + byte(rng.IntN(26))
		}
		if w := string(b); !seen[w] {
			seen[w] = true
			words = append(words, w)
		}
	}
	return words
}

// corpusMarker records what a corpus directory holds, so -work can reuse it.
type corpusMarker struct {
	Chunks    int      `json:"chunks"`
	TextBytes int64    `json:"text_bytes"`
	Questions []string `json:"questions"`
}

// writeCorpus writes n paragraphs as articles of parasPerArticle under dir
// (articlesPerDir files a folder), one article at a time, and returns the
// bytes of paragraph text and the questions. A corpus already written for
// n is reused.
func writeCorpus(dir string, n int) (int64, []string, error) {
	markerPath := filepath.Join(dir, ".scalebench.json")
	if raw, err := os.ReadFile(markerPath); err == nil {
		var m corpusMarker
		if json.Unmarshal(raw, &m) == nil && m.Chunks == n {
			log.Printf("  reusing the corpus in %s", dir)
			return m.TextBytes, m.Questions, nil
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		return 0, nil, err
	}
	words := vocabulary()
	rng := rand.New(rand.NewPCG(21, 22))
	zipf := rand.NewZipf(rand.New(rand.NewPCG(23, 24)), 1.1, 2, vocabSize-1)
	var (
		textBytes int64
		para      []byte
		buf       bytes.Buffer
	)
	day := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for art, made := 0, 0; made < n; art++ {
		sub := filepath.Join(dir, fmt.Sprintf("%04d", art/articlesPerDir))
		if art%articlesPerDir == 0 {
			if err := os.MkdirAll(sub, 0o755); err != nil {
				return 0, nil, err
			}
		}
		buf.Reset()
		published := day.AddDate(0, 0, art%700).Format("2006-01-02")
		fmt.Fprintf(&buf, "---\ntitle: \"Report %d on %s and %s\"\npublished: %s\n---\n\n", art, words[60+art%900], words[70+art%1100], published)
		for p := 0; p < parasPerArticle && made < n; p++ {
			para = para[:0]
			for k := 0; ; k++ {
				w := words[zipf.Uint64()]
				if len(para)+len(w)+2 > paraMaxBytes || (len(para) >= paraMinBytes && rng.IntN(8) == 0) {
					break
				}
				if k > 0 {
					if k%12 == 0 {
						para = append(para, ". "...)
					} else {
						para = append(para, ' ')
					}
				}
				if k%12 == 0 {
					para = append(para, w[0]-'a'+'A')
					para = append(para, w[1:]...)
				} else {
					para = append(para, w...)
				}
			}
			para = append(para, '.')
			textBytes += int64(len(para))
			buf.Write(para)
			buf.WriteString("\n\n")
			made++
		}
		if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("report-%06d.md", art)), buf.Bytes(), 0o644); err != nil {
			return 0, nil, err
		}
	}
	questions := corpusQuestions(words, zipf)
	raw, _ := json.Marshal(corpusMarker{Chunks: n, TextBytes: textBytes, Questions: questions})
	if err := os.WriteFile(markerPath, raw, 0o644); err != nil {
		return 0, nil, err
	}
	return textBytes, questions, nil
}

// corpusQuestions are a few fixed questions of corpus words (past the
// commonest), so that both the vector and the lexical side have work.
func corpusQuestions(words []string, zipf *rand.Zipf) []string {
	pick := func() string {
		for {
			if r := zipf.Uint64(); r >= questionSkipRank {
				return words[r]
			}
		}
	}
	var qs []string
	for _, form := range []string{
		"What did the report say about %s and %s?",
		"Why did %s oppose %s?",
		"How is %s related to %s and %s?",
		"When was %s first mentioned with %s?",
		"Who reported on %s, %s and %s?",
	} {
		n := strings.Count(form, "%s")
		args := make([]any, n)
		for i := range args {
			args[i] = pick()
		}
		qs = append(qs, fmt.Sprintf(form, args...))
	}
	return qs
}

// --- fake embeddings server ---

type embedServer struct {
	url   string
	srv   *http.Server
	texts atomic.Int64
}

// startEmbedServer serves POST /v1/embeddings on a loopback port, in
// OpenAI's wire format: any input (a string or an array of strings) gets
// a unit vector of dim dimensions (or the request's "dimensions")
// seeded by a hash of its text.
func startEmbedServer(dim int) (*embedServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &embedServer{url: "http://" + ln.Addr().String() + "/v1"}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/embeddings", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Input          json.RawMessage `json:"input"`
			Model          string          `json:"model"`
			EncodingFormat string          `json:"encoding_format"`
			Dimensions     int             `json:"dimensions"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			apiError(w, http.StatusBadRequest, "invalid JSON body: "+err.Error())
			return
		}
		var inputs []string
		var one string
		if err := json.Unmarshal(req.Input, &one); err == nil {
			inputs = []string{one}
		} else if err := json.Unmarshal(req.Input, &inputs); err != nil || len(inputs) == 0 {
			apiError(w, http.StatusBadRequest, "'input' must be a string or a non-empty array of strings")
			return
		}
		d := dim
		if req.Dimensions > 0 {
			d = req.Dimensions
		}
		s.texts.Add(int64(len(inputs)))
		w.Header().Set("Content-Type", "application/json")
		bw := bufio.NewWriterSize(w, 64<<10)
		writeEmbeddings(bw, inputs, d, req.Model, req.EncodingFormat == "base64")
		bw.Flush()
	})
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Printf("embedding server: %v", err)
		}
	}()
	return s, nil
}

func (s *embedServer) close() { s.srv.Close() }

func apiError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": "invalid_request_error"}})
}

// writeEmbeddings writes the response body by hand: encoding/json would
// box every float.
func writeEmbeddings(w io.Writer, inputs []string, dim int, model string, b64 bool) {
	var b []byte
	b = append(b, `{"object":"list","data":[`...)
	vec := make([]float32, dim)
	raw := make([]byte, 4*dim)
	tokens := 0
	for i, text := range inputs {
		fakeVector(vec, text)
		tokens += len(strings.Fields(text))
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"object":"embedding","index":`...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, `,"embedding":`...)
		if b64 {
			for j, x := range vec {
				binary.LittleEndian.PutUint32(raw[4*j:], math.Float32bits(x))
			}
			b = append(b, '"')
			b = base64.StdEncoding.AppendEncode(b, raw)
			b = append(b, '"')
		} else {
			b = append(b, '[')
			for j, x := range vec {
				if j > 0 {
					b = append(b, ',')
				}
				b = strconv.AppendFloat(b, float64(x), 'g', -1, 32)
			}
			b = append(b, ']')
		}
		b = append(b, '}')
		if len(b) > 32<<10 {
			w.Write(b)
			b = b[:0]
		}
	}
	b = append(b, `],"model":`...)
	b = strconv.AppendQuote(b, model)
	b = append(b, `,"usage":{"prompt_tokens":`...)
	b = strconv.AppendInt(b, int64(tokens), 10)
	b = append(b, `,"total_tokens":`...)
	b = strconv.AppendInt(b, int64(tokens), 10)
	b = append(b, "}}"...)
	w.Write(b)
}

// fakeVector fills v with a deterministic pseudo-random unit vector for
// text: components uniform in [-1, 1) from a SplitMix64 stream seeded by
// the text's FNV-1a hash, then L2-normalized.
func fakeVector(v []float32, text string) {
	h := fnv.New64a()
	io.WriteString(h, text)
	x := h.Sum64()
	var sum float64
	for i := range v {
		x += 0x9e3779b97f4a7c15
		z := x
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		z ^= z >> 31
		f := float64(z>>11)/float64(1<<52) - 1
		v[i] = float32(f)
		sum += f * f
	}
	inv := 1 / math.Sqrt(sum)
	for i := range v {
		v[i] = float32(float64(v[i]) * inv)
	}
}

// --- report ---

func mb(b int64) float64 { return float64(b) / (1 << 20) }

type stats struct{ p50, min, max time.Duration }

func summarize(ss []sample) (stats, int64) {
	walls := make([]time.Duration, len(ss))
	var rss int64
	for i, s := range ss {
		walls[i] = s.wall
		rss = max(rss, s.maxRSS)
	}
	slices.Sort(walls)
	var st stats
	if len(walls) > 0 {
		st = stats{p50: walls[len(walls)/2], min: walls[0], max: walls[len(walls)-1]}
		if len(walls)%2 == 0 {
			st.p50 = (walls[len(walls)/2-1] + walls[len(walls)/2]) / 2
		}
	}
	return st, rss
}

func secs(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) }

func report(w io.Writer, o options, raw, textBytes int64, base, nw *target, questions []string) {
	fmt.Fprintf(w, "\n%d chunks x %d dims; raw vectors + texts = %.0f MB (%.0f MB vectors, %.0f MB text); %d measured runs after 1 warm-up, alternating\n\n",
		o.chunks, o.dim, mb(raw), mb(raw-textBytes), mb(textBytes), o.runs)
	fmt.Fprintln(w, "| binary | chunks | ingest s | ask wall p50 s | ask min s | ask max s | search wall p50 s | max RSS MB (ask/search) | RSS / raw |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	type row struct {
		ask, search stats
		rss         int64
	}
	rows := map[*target]row{}
	for _, b := range []*target{base, nw} {
		ask, askRSS := summarize(b.ask)
		search, searchRSS := summarize(b.search)
		rss := max(askRSS, searchRSS)
		rows[b] = row{ask, search, rss}
		fmt.Fprintf(w, "| %s | %d | %.1f | %s | %s | %s | %s | %.0f | %.2f |\n",
			b.name, b.chunks, b.ingest.wall.Seconds(), secs(ask.p50), secs(ask.min), secs(ask.max), secs(search.p50),
			mb(rss), float64(rss)/float64(raw))
	}
	rb, rn := rows[base], rows[nw]
	ratio := func(n, b float64) string {
		if b == 0 {
			return "-"
		}
		return strconv.FormatFloat(n/b, 'f', 2, 64)
	}
	fmt.Fprintf(w, "| new / baseline | | %s | %s | %s | %s | %s | %s | |\n",
		ratio(nw.ingest.wall.Seconds(), base.ingest.wall.Seconds()),
		ratio(rn.ask.p50.Seconds(), rb.ask.p50.Seconds()), ratio(rn.ask.min.Seconds(), rb.ask.min.Seconds()),
		ratio(rn.ask.max.Seconds(), rb.ask.max.Seconds()), ratio(rn.search.p50.Seconds(), rb.search.p50.Seconds()),
		ratio(float64(rn.rss), float64(rb.rss)))
	fmt.Fprintf(w, "\ningest max RSS MB: baseline %.0f, new %.0f\n", mb(base.ingest.maxRSS), mb(nw.ingest.maxRSS))
	same := 0
	asked := 0
	for _, q := range questions {
		if t, ok := base.tops[q]; ok {
			asked++
			if nw.tops[q] == t {
				same++
			}
		}
	}
	fmt.Fprintf(w, "search results identical for %d of %d questions\n", same, asked)
	for _, q := range questions {
		if t, ok := base.tops[q]; ok && nw.tops[q] != t {
			fmt.Fprintf(w, "  %q\n    baseline: %s\n    new:      %s\n", q, t, nw.tops[q])
		}
	}
}
