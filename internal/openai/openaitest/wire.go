package openaitest

// The fake decodes and encodes the wire JSON with these small types of its
// own rather than a client library's, so that the fake and the client under
// test cannot share a mistake in a struct tag.

// ChatRequest is a chat completion request as received. Fields the fake
// does not use are not decoded.
type ChatRequest struct {
	Model               string         `json:"model"`
	Messages            []ChatMessage  `json:"messages"`
	Stream              bool           `json:"stream"`
	StreamOptions       *StreamOptions `json:"stream_options,omitempty"`
	Temperature         *float64       `json:"temperature,omitempty"`
	MaxTokens           int            `json:"max_tokens,omitempty"`
	MaxCompletionTokens int            `json:"max_completion_tokens,omitempty"`
	// ResponseFormat is nil unless the client asked for structured output.
	ResponseFormat *ResponseFormat `json:"response_format,omitempty"`
}

// ResponseFormat is a request's response_format: {"type":"json_object"}
// asks for a reply that is one JSON object.
type ResponseFormat struct {
	Type string `json:"type"`
}

// ChatMessage is one message of a chat request or reply.
type ChatMessage struct {
	Role    string `json:"role,omitempty"`
	Content string `json:"content"`
}

// StreamOptions asks a streamed reply for a final usage chunk.
type StreamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

// EmbeddingRequest is an embeddings request as received, with every input
// form turned into one text per input.
type EmbeddingRequest struct {
	Input          []string
	Model          string
	User           string
	EncodingFormat string
	Dimensions     int
}

// Usage is the token count the fake reports (one token per word).
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// chatChoice is one choice of a non-streamed reply.
type chatChoice struct {
	Index        int         `json:"index"`
	Message      ChatMessage `json:"message"`
	FinishReason string      `json:"finish_reason"`
}

// chatResponse is a non-streamed reply.
type chatResponse struct {
	ID      string       `json:"id"`
	Object  string       `json:"object"`
	Created int64        `json:"created"`
	Model   string       `json:"model"`
	Choices []chatChoice `json:"choices"`
	Usage   Usage        `json:"usage"`
}

// streamChoice is one choice of a streamed chunk; finish_reason is null
// until the last content chunk, as OpenAI sends it.
type streamChoice struct {
	Index        int         `json:"index"`
	Delta        ChatMessage `json:"delta"`
	FinishReason *string     `json:"finish_reason"`
}

// streamChunk is one server-sent event of a streamed reply.
type streamChunk struct {
	ID      string         `json:"id"`
	Object  string         `json:"object"`
	Created int64          `json:"created"`
	Model   string         `json:"model"`
	Choices []streamChoice `json:"choices"`
	Usage   *Usage         `json:"usage,omitempty"`
}
