package openaitest

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// embeddingBody is the request as sent on the wire; input may be a string,
// an array of strings, an array of tokens or an array of token arrays.
type embeddingBody struct {
	Input          json.RawMessage `json:"input"`
	Model          string          `json:"model"`
	User           string          `json:"user"`
	EncodingFormat string          `json:"encoding_format"`
	Dimensions     int             `json:"dimensions"`
}

// embeddingItem mirrors one element of the response's data array. The
// embedding is a []float32 or, for encoding_format "base64", a string.
type embeddingItem struct {
	Object    string `json:"object"`
	Embedding any    `json:"embedding"`
	Index     int    `json:"index"`
}

func (s *Server) handleEmbeddings(w http.ResponseWriter, r *http.Request) {
	var body embeddingBody
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		badRequest(w, "invalid JSON body: "+err.Error())
		return
	}
	inputs, err := parseInputs(body.Input)
	if err != nil {
		badRequest(w, err.Error())
		return
	}
	if body.Model == "" {
		badRequest(w, "you must provide a model parameter")
		return
	}
	if err := sleep(r.Context(), s.Delay); err != nil {
		return
	}

	s.mu.Lock()
	s.embedReqs = append(s.embedReqs, EmbeddingRequest{
		Input: inputs, Model: body.Model, User: body.User,
		EncodingFormat: body.EncodingFormat, Dimensions: body.Dimensions,
	})
	seed := s.shuffles
	s.shuffles++
	s.mu.Unlock()

	dim := s.dim()
	if body.Dimensions > 0 {
		dim = body.Dimensions
	}
	items := make([]embeddingItem, len(inputs))
	tokens := 0
	for i, text := range inputs {
		var v []float32
		if s.EmbedFunc != nil {
			v = s.EmbedFunc(body.Model, text)
		} else {
			v = Vector(text, dim)
		}
		items[i] = embeddingItem{Object: "embedding", Index: i, Embedding: v}
		if body.EncodingFormat == "base64" {
			items[i].Embedding = encodeBase64(v)
		}
		tokens += countTokens(text)
	}
	if s.ShuffleIndex {
		shuffle(items, seed)
	}
	writeJSON(w, map[string]any{
		"object": "list",
		"data":   items,
		"model":  body.Model,
		"usage":  map[string]int{"prompt_tokens": tokens, "total_tokens": tokens},
	})
}

// parseInputs accepts every input form the API documents and returns one
// text per input; token arrays become their decimal tokens joined by spaces.
func parseInputs(raw json.RawMessage) ([]string, error) {
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err == nil {
		if len(many) == 0 {
			return nil, fmt.Errorf("'input' must not be empty")
		}
		return many, nil
	}
	var tokens []int
	if err := json.Unmarshal(raw, &tokens); err == nil {
		return []string{joinTokens(tokens)}, nil
	}
	var tokenLists [][]int
	if err := json.Unmarshal(raw, &tokenLists); err == nil && len(tokenLists) > 0 {
		out := make([]string, len(tokenLists))
		for i, t := range tokenLists {
			out[i] = joinTokens(t)
		}
		return out, nil
	}
	return nil, fmt.Errorf("'input' must be a string, an array of strings or an array of token arrays")
}

func joinTokens(ts []int) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = strconv.Itoa(t)
	}
	return strings.Join(parts, " ")
}

// Vector is the server's deterministic embedding of text: dim pseudo-random
// components seeded by a hash of the text, L2-normalized (chromem checks
// that OpenAI-compatible vectors are normalized). Tests can call it to know
// what the server will return.
func Vector(text string, dim int) []float32 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(text); i++ {
		h ^= uint64(text[i])
		h *= 1099511628211
	}
	v := make([]float64, dim)
	var sum float64
	for i := range v {
		h = splitmix(h)
		x := float64(int64(h>>11))/float64(1<<52) - 1 // [-1, 1)
		v[i] = x
		sum += x * x
	}
	norm := math.Sqrt(sum)
	out := make([]float32, dim)
	for i, x := range v {
		if norm > 0 {
			out[i] = float32(x / norm)
		}
	}
	return out
}

// splitmix is one step of the SplitMix64 generator: cheap, well mixed,
// deterministic.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	z := x
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// shuffle permutes items deterministically from seed and never leaves more
// than one item in its original order, so a client that ignores Index is
// caught.
func shuffle(items []embeddingItem, seed uint64) {
	if len(items) < 2 {
		return
	}
	x := seed
	for i := len(items) - 1; i > 0; i-- {
		x = splitmix(x)
		j := int(x % uint64(i+1))
		items[i], items[j] = items[j], items[i]
	}
	identity := true
	for i, it := range items {
		if it.Index != i {
			identity = false
			break
		}
	}
	if identity {
		for i, j := 0, len(items)-1; i < j; i, j = i+1, j-1 {
			items[i], items[j] = items[j], items[i]
		}
	}
}

func encodeBase64(v []float32) string {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return base64.StdEncoding.EncodeToString(b)
}

// countTokens approximates a tokenizer: one token per word.
func countTokens(text string) int {
	return len(strings.Fields(text))
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
