package openai

// These tests check that the fake server (openaitest) speaks what
// go-openai reads, so that the other tests of this package, which drive
// the fake through Embedder and Chat, test the real protocol.

import (
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/citebot/citebot/internal/openai/openaitest"
)

// rawClient is a bare go-openai client for s, without our transport.
func rawClient(s *openaitest.Server) *goopenai.Client {
	cfg := goopenai.DefaultConfig("test-key")
	cfg.BaseURL = s.URL()
	return goopenai.NewClientWithConfig(cfg)
}

func TestFakeEmbeddingsStrings(t *testing.T) {
	s := newFake(t)
	s.Dim = 16
	ctx := context.Background()
	texts := []string{"alpha", "beta", "gamma"}
	resp, err := rawClient(s).CreateEmbeddings(ctx, goopenai.EmbeddingRequestStrings{Input: texts, Model: "m1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Data) != 3 || resp.Model != "m1" || resp.Object != "list" {
		t.Fatalf("response = %+v", resp)
	}
	for i, d := range resp.Data {
		if d.Index != i || d.Object != "embedding" {
			t.Errorf("data[%d] index %d object %q", i, d.Index, d.Object)
		}
		if !slices.Equal(d.Embedding, openaitest.Vector(texts[i], 16)) {
			t.Errorf("data[%d] is not openaitest.Vector(%q)", i, texts[i])
		}
		var sum float64
		for _, x := range d.Embedding {
			sum += float64(x) * float64(x)
		}
		if math.Abs(math.Sqrt(sum)-1) > 1e-5 {
			t.Errorf("data[%d] norm %v", i, math.Sqrt(sum))
		}
	}
	if resp.Usage.PromptTokens != 3 {
		t.Errorf("usage = %+v", resp.Usage)
	}
	reqs := s.EmbeddingRequests()
	if len(reqs) != 1 || !slices.Equal(reqs[0].Input, texts) || reqs[0].Model != "m1" {
		t.Fatalf("recorded %+v", reqs)
	}
	if got := s.Requests()[0].Header.Get("Authorization"); got != "Bearer test-key" {
		t.Errorf("Authorization = %q", got)
	}
}

func TestFakeEmbeddingsInputForms(t *testing.T) {
	s := newFake(t)
	ctx := context.Background()
	c := rawClient(s)
	for _, tc := range []struct {
		name  string
		input any
		want  []string
	}{
		{"string", "just one", []string{"just one"}},
		{"tokens", []int{1, 2, 3}, []string{"1 2 3"}},
		{"token lists", [][]int{{1, 2}, {3}}, []string{"1 2", "3"}},
	} {
		resp, err := c.CreateEmbeddings(ctx, goopenai.EmbeddingRequest{Input: tc.input, Model: "m"})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(resp.Data) != len(tc.want) || len(resp.Data[0].Embedding) != openaitest.DefaultDim {
			t.Fatalf("%s: %d items", tc.name, len(resp.Data))
		}
		reqs := s.EmbeddingRequests()
		if got := reqs[len(reqs)-1].Input; !slices.Equal(got, tc.want) {
			t.Errorf("%s: recorded %q, want %q", tc.name, got, tc.want)
		}
	}
	// Base64 encoding round-trips through go-openai's decoder.
	resp, err := c.CreateEmbeddings(ctx, goopenai.EmbeddingRequestStrings{
		Input: []string{"x"}, Model: "m", EncodingFormat: goopenai.EmbeddingEncodingFormatBase64,
	})
	if err != nil || !slices.Equal(resp.Data[0].Embedding, openaitest.Vector("x", openaitest.DefaultDim)) {
		t.Fatalf("base64: %v", err)
	}
	// An empty array and a missing model are 400s.
	_, err = c.CreateEmbeddings(ctx, goopenai.EmbeddingRequestStrings{Input: []string{}, Model: "m"})
	var apiErr *goopenai.APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 400 {
		t.Fatalf("empty input: %v", err)
	}
}

func TestFakeEmbeddingsShuffle(t *testing.T) {
	s := newFake(t)
	s.ShuffleIndex = true
	texts := []string{"a", "b", "c", "d", "e"}
	resp, err := rawClient(s).CreateEmbeddings(context.Background(), goopenai.EmbeddingRequestStrings{Input: texts, Model: "m"})
	if err != nil {
		t.Fatal(err)
	}
	inOrder := true
	seen := map[int]bool{}
	for i, d := range resp.Data {
		if d.Index != i {
			inOrder = false
		}
		seen[d.Index] = true
		if !slices.Equal(d.Embedding, openaitest.Vector(texts[d.Index], openaitest.DefaultDim)) {
			t.Errorf("item with index %d has the wrong vector", d.Index)
		}
	}
	if inOrder || len(seen) != len(texts) {
		t.Fatalf("not shuffled or indexes lost: %v", seen)
	}
}

func TestFakeEmbeddingsDelayHonoursCancel(t *testing.T) {
	s := newFake(t)
	s.Delay = time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := rawClient(s).CreateEmbeddings(ctx, goopenai.EmbeddingRequestStrings{Input: []string{"x"}, Model: "m"})
		done <- err
	}()
	for s.RequestCount() == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

func TestFakeFailNext(t *testing.T) {
	s := newFake(t)
	ctx := context.Background()
	c := rawClient(s)
	s.FailNext(1, http.StatusTooManyRequests, openaitest.OpenAIError("slow down", "rate_limit_exceeded", "rate_limit"), "1")
	s.FailNext(1, http.StatusServiceUnavailable, openaitest.OllamaError("model is loading"), "")
	s.FailNext(1, http.StatusInternalServerError, "", "")

	_, err := c.CreateEmbeddings(ctx, goopenai.EmbeddingRequestStrings{Input: []string{"x"}, Model: "m"})
	var apiErr *goopenai.APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 429 || apiErr.Message != "slow down" || apiErr.Code != "rate_limit" {
		t.Fatalf("first: %v", err)
	}
	if got := s.Requests()[0]; got.Path != "/v1/embeddings" {
		t.Errorf("path %q", got.Path)
	}

	// The Ollama shape is not an APIError: go-openai reports a RequestError.
	_, err = c.CreateChatCompletion(ctx, goopenai.ChatCompletionRequest{Model: "m", Messages: []goopenai.ChatCompletionMessage{{Role: "user", Content: "hi"}}})
	var reqErr *goopenai.RequestError
	if !errors.As(err, &reqErr) || reqErr.HTTPStatusCode != 503 || !strings.Contains(string(reqErr.Body), "model is loading") {
		t.Fatalf("second: %#v", err)
	}

	_, err = c.CreateEmbeddings(ctx, goopenai.EmbeddingRequestStrings{Input: []string{"x"}, Model: "m"})
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 500 {
		t.Fatalf("third: %v", err)
	}
	if _, err := c.CreateEmbeddings(ctx, goopenai.EmbeddingRequestStrings{Input: []string{"x"}, Model: "m"}); err != nil {
		t.Fatalf("fourth: %v", err)
	}
	if s.RequestCount() != 4 || len(s.EmbeddingRequests()) != 1 || len(s.ChatRequests()) != 0 {
		t.Fatalf("counts %d %d %d", s.RequestCount(), len(s.EmbeddingRequests()), len(s.ChatRequests()))
	}
}

func chatReq(stream bool) goopenai.ChatCompletionRequest {
	return goopenai.ChatCompletionRequest{
		Model: "chat-m", Stream: stream,
		Messages: []goopenai.ChatCompletionMessage{
			{Role: goopenai.ChatMessageRoleSystem, Content: "be brief"},
			{Role: goopenai.ChatMessageRoleUser, Content: "hello there"},
		},
	}
}

func TestFakeChatNonStreaming(t *testing.T) {
	s := newFake(t)
	resp, err := rawClient(s).CreateChatCompletion(context.Background(), chatReq(false))
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.Choices[0].Message.Content; got != "echo: hello there" {
		t.Errorf("reply %q", got)
	}
	if resp.Choices[0].FinishReason != goopenai.FinishReasonStop || resp.Usage.CompletionTokens != 3 || resp.Usage.TotalTokens != 7 {
		t.Errorf("resp %+v", resp)
	}
	reqs := s.ChatRequests()
	if len(reqs) != 1 || reqs[0].Messages[0].Content != "be brief" || reqs[0].Model != "chat-m" {
		t.Fatalf("recorded %+v", reqs)
	}
}

// readStream collects a whole stream: the deltas, the usage and the final
// error (io.EOF on a clean end).
func readStream(t *testing.T, st *goopenai.ChatCompletionStream) (deltas []string, usage *goopenai.Usage, err error) {
	t.Helper()
	defer st.Close()
	for {
		r, err := st.Recv()
		if err != nil {
			return deltas, usage, err
		}
		if r.Usage != nil {
			if len(r.Choices) != 0 {
				t.Errorf("usage chunk has choices")
			}
			usage = r.Usage
		}
		for _, c := range r.Choices {
			if c.Delta.Content != "" {
				deltas = append(deltas, c.Delta.Content)
			}
		}
	}
}

func TestFakeChatStreaming(t *testing.T) {
	s := newFake(t)
	const reply = "The call lasted about an hour [1]. Both sides  talked.\nEnd."
	s.ChatFunc = func(req openaitest.ChatRequest) string { return reply }
	s.WordsPerDelta = 3
	req := chatReq(true)
	req.StreamOptions = &goopenai.StreamOptions{IncludeUsage: true}
	st, err := rawClient(s).CreateChatCompletionStream(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	deltas, usage, err := readStream(t, st)
	if !errors.Is(err, io.EOF) {
		t.Fatalf("end: %v", err)
	}
	if strings.Join(deltas, "") != reply || len(deltas) != 4 {
		t.Fatalf("deltas %q", deltas)
	}
	if usage == nil || usage.CompletionTokens != 11 {
		t.Fatalf("usage %+v", usage)
	}

	// Without include_usage no usage chunk is sent.
	st, err = rawClient(s).CreateChatCompletionStream(context.Background(), chatReq(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, usage, err = readStream(t, st); usage != nil || !errors.Is(err, io.EOF) {
		t.Fatalf("usage %+v err %v", usage, err)
	}
}

func TestFakeChatStreamDrop(t *testing.T) {
	s := newFake(t)
	s.ChatFunc = func(openaitest.ChatRequest) string { return "one two three four five six seven eight" }
	s.DropStreamAfter(2)
	st, err := rawClient(s).CreateChatCompletionStream(context.Background(), chatReq(true))
	if err != nil {
		t.Fatal(err)
	}
	deltas, _, err := readStream(t, st)
	if err == nil || errors.Is(err, io.EOF) {
		t.Fatalf("want a broken stream, got %v", err)
	}
	if strings.Join(deltas, "") != "one two three four " {
		t.Fatalf("deltas %q", deltas)
	}
	// The drop is used up: the next stream is whole.
	st, err = rawClient(s).CreateChatCompletionStream(context.Background(), chatReq(true))
	if err != nil {
		t.Fatal(err)
	}
	if deltas, _, err = readStream(t, st); !errors.Is(err, io.EOF) || len(deltas) != 4 {
		t.Fatalf("second stream: %q %v", deltas, err)
	}
}

func TestFakeChatStreamFailureBeforeFirstToken(t *testing.T) {
	s := newFake(t)
	s.FailNext(1, 500, openaitest.OpenAIError("boom", "server_error", nil), "")
	_, err := rawClient(s).CreateChatCompletionStream(context.Background(), chatReq(true))
	var apiErr *goopenai.APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 500 || apiErr.Message != "boom" {
		t.Fatalf("err %v", err)
	}
}

func TestFakeChatStreamCancel(t *testing.T) {
	s := newFake(t)
	s.DeltaDelay = time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	st, err := rawClient(s).CreateChatCompletionStream(ctx, chatReq(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Recv(); err != nil { // the role chunk arrives at once
		t.Fatal(err)
	}
	cancel()
	if _, _, err := readStream(t, st); err == nil || errors.Is(err, io.EOF) {
		t.Fatalf("err %v", err)
	}
}

func TestFakeChatDelayHonoursTimeout(t *testing.T) {
	s := newFake(t)
	s.ChatDelay = time.Hour
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := rawClient(s).CreateChatCompletion(ctx, chatReq(false))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v", err)
	}
	if len(s.ChatRequests()) != 0 {
		t.Error("an unanswered request was recorded as served")
	}
}
