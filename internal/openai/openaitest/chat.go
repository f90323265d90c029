package openaitest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode"
)

func (s *Server) handleChat(w http.ResponseWriter, r *http.Request) {
	var req ChatRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		badRequest(w, "invalid JSON body: "+err.Error())
		return
	}
	if req.Model == "" {
		badRequest(w, "you must provide a model parameter")
		return
	}
	if len(req.Messages) == 0 {
		badRequest(w, "'messages' must not be empty")
		return
	}
	if err := sleep(r.Context(), s.ChatDelay); err != nil {
		return
	}
	s.mu.Lock()
	s.chatReqs = append(s.chatReqs, req)
	n := len(s.chatReqs)
	s.mu.Unlock()

	reply := defaultReply(req)
	if s.ChatFunc != nil {
		reply = s.ChatFunc(req)
	}
	id := fmt.Sprintf("chatcmpl-fake-%d", n)
	usage := Usage{PromptTokens: promptTokens(req), CompletionTokens: countTokens(reply)}
	usage.TotalTokens = usage.PromptTokens + usage.CompletionTokens
	if req.Stream {
		s.stream(w, r, req, id, reply, usage)
		return
	}
	writeJSON(w, chatResponse{
		ID: id, Object: "chat.completion", Created: time.Now().Unix(), Model: req.Model,
		Choices: []chatChoice{{
			Index:        0,
			Message:      ChatMessage{Role: "assistant", Content: reply},
			FinishReason: "stop",
		}},
		Usage: usage,
	})
}

// stream answers as server-sent events the way OpenAI does: a first chunk
// with the role, content deltas of a few words each (flushed one by one),
// a chunk with finish_reason, an optional usage chunk with empty choices,
// and "data: [DONE]".
func (s *Server) stream(w http.ResponseWriter, r *http.Request, req ChatRequest, id, reply string, usage Usage) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	drop := s.nextDrop()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)

	created := time.Now().Unix()
	chunk := func(delta ChatMessage, finish string) streamChunk {
		c := streamChunk{
			ID: id, Object: "chat.completion.chunk", Created: created, Model: req.Model,
			Choices: []streamChoice{{Index: 0, Delta: delta}},
		}
		if finish != "" {
			c.Choices[0].FinishReason = &finish
		}
		return c
	}
	send := func(v any) bool {
		b, err := json.Marshal(v)
		if err != nil {
			return false
		}
		if _, err := fmt.Fprintf(w, "data: %s\n\n", b); err != nil {
			return false
		}
		flusher.Flush()
		return true
	}

	if !send(chunk(ChatMessage{Role: "assistant"}, "")) {
		return
	}
	for i, piece := range splitDeltas(reply, s.wordsPerDelta()) {
		if i == drop {
			// The server vanishes mid-answer: net/http closes the
			// connection without ending the chunked body.
			panic(http.ErrAbortHandler)
		}
		if err := sleep(r.Context(), s.DeltaDelay); err != nil {
			return
		}
		if !send(chunk(ChatMessage{Content: piece}, "")) {
			return
		}
	}
	if drop >= 0 {
		panic(http.ErrAbortHandler)
	}
	if !send(chunk(ChatMessage{}, "stop")) {
		return
	}
	if req.StreamOptions != nil && req.StreamOptions.IncludeUsage {
		if !send(streamChunk{
			ID: id, Object: "chat.completion.chunk", Created: created, Model: req.Model,
			Choices: []streamChoice{}, Usage: &usage,
		}) {
			return
		}
	}
	_, _ = io.WriteString(w, "data: [DONE]\n\n")
	flusher.Flush()
}

// splitDeltas cuts text into pieces of n words each; each piece keeps the
// whitespace that follows its words, so the pieces concatenate to text.
func splitDeltas(text string, n int) []string {
	var pieces []string
	words, start := 0, 0
	inWord := false
	for i, r := range text {
		space := unicode.IsSpace(r)
		if !space && !inWord {
			if words == n {
				pieces = append(pieces, text[start:i])
				start, words = i, 0
			}
			words++
		}
		inWord = !space
	}
	if start < len(text) {
		pieces = append(pieces, text[start:])
	}
	return pieces
}

// defaultReply echoes the last user message.
func defaultReply(req ChatRequest) string {
	for i := len(req.Messages) - 1; i >= 0; i-- {
		if m := req.Messages[i]; m.Role == "user" {
			return "echo: " + m.Content
		}
	}
	return "echo: (no user message)"
}

func promptTokens(req ChatRequest) int {
	var b strings.Builder
	for _, m := range req.Messages {
		b.WriteString(m.Content)
		b.WriteByte(' ')
	}
	return countTokens(b.String())
}
