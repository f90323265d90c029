// Package prompts renders the chat messages citebot sends to a language
// model, such as the grounded answer, the follow-up rewrite and the article
// summary.
//
// Each prompt is a text/template file (answer.tmpl, rewrite.tmpl,
// summary.tmpl, verify.tmpl) embedded in the binary; Render renders any of
// them by name, and typed wrappers (Answer, Rewrite, Summary, Verify)
// check their data first. A file
// defines two templates, "system" and "user", and each becomes one chat
// message, so an operator can tune the wording of either without touching
// Go code: New(dir) uses a file of the same name in dir instead of the
// embedded one (the PROMPTS_DIR setting). A new prompt is one more .tmpl
// file, its sample data in samples, and a wrapper.
//
// Article text and user text are data, never instructions: templates place
// them inside delimited blocks (<passage n="1" ...> ... </passage>) and the
// text function neutralises any delimiter tag that appears inside them, so
// an article cannot close its block and speak as the system. The package
// knows nothing about HTTP, retrieval or the answer engine.
package prompts

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/template"
)

// Message is one chat message.
type Message struct {
	// Role is "system", "user" or "assistant".
	Role    string
	Content string
}

// Chat message roles.
const (
	RoleSystem    = "system"
	RoleUser      = "user"
	RoleAssistant = "assistant"
)

// Passage is one numbered piece of article text shown to the model: a
// retrieved passage for answers, a paragraph for summaries. N is the number
// the model cites as [N].
type Passage struct {
	N                                int
	Title, Author, Published, Source string
	Text                             string
}

// Turn is one earlier exchange of a conversation, oldest first.
type Turn struct{ Question, Answer string }

// AnswerData fills answer.tmpl.
type AnswerData struct {
	Question string
	// History is the conversation so far. It is shown as context inside
	// the user message (with the [n] markers of earlier answers removed),
	// not as separate chat turns; callers bound its length.
	History  []Turn
	Passages []Passage
	// Today is the date the question is asked ("13 May 2022"), so that the
	// model can tell how old each passage's date is; "" leaves it out.
	Today string
}

// RewriteData fills rewrite.tmpl.
type RewriteData struct {
	Question string
	History  []Turn
}

// SummaryData fills summary.tmpl.
type SummaryData struct {
	Title, Author, Published, Source string
	// Length is "short", "medium" or "long"; "" means "medium".
	Length     string
	Paragraphs []Passage
}

// VerifyData fills verify.tmpl: every cited claim of one answer or
// summary and the passages they cite, so that a model judges them all in
// one request.
type VerifyData struct {
	// Question is what the claims answer ("" for a summary).
	Question string
	Claims   []VerifyClaim
	// Passages are the passages some claim cites, each once.
	Passages []VerifyPassage
}

// VerifyClaim is one claim to judge.
type VerifyClaim struct {
	// N numbers the claim from 1; the model's verdicts name it.
	N    int
	Text string
	// Sentence is the whole sentence when Text is only a clause of it
	// ("and in 1990"), shown as context; "" when Text is the sentence.
	Sentence string
	// Passages are the numbers (VerifyPassage.N) of the passages it cites.
	Passages []int
}

// VerifyPassage is one cited passage, by the number its claims cite.
type VerifyPassage struct {
	N    int
	Text string
}

// Template file names, embedded and looked up in the override directory.
// A prompt's name is its file name without templateExt.
const (
	AnswerFile  = "answer.tmpl"
	RewriteFile = "rewrite.tmpl"
	SummaryFile = "summary.tmpl"
	VerifyFile  = "verify.tmpl"
)

const templateExt = ".tmpl"

//go:embed *.tmpl
var embedded embed.FS

// Renderer renders prompts from parsed templates, one per embedded
// template file. It is safe for concurrent use.
type Renderer struct {
	templates map[string]*template.Template // by prompt name
	names     []string                      // sorted, for error messages
}

// New parses the embedded templates, each replaced by a file of the same
// name in overrideDir when one exists ("" = no overrides). Every template
// is parsed and executed once on its sample data here, so a broken
// override fails at start with an error naming its file rather than on the
// first question.
func New(overrideDir string) (*Renderer, error) {
	if overrideDir != "" {
		st, err := os.Stat(overrideDir)
		if err != nil {
			return nil, fmt.Errorf("prompts dir: %w", err)
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("prompts dir %s is not a directory", overrideDir)
		}
	}
	files, err := fs.Glob(embedded, "*"+templateExt)
	if err != nil {
		return nil, fmt.Errorf("list embedded prompt templates: %w", err)
	}
	r := &Renderer{templates: make(map[string]*template.Template, len(files))}
	for _, file := range files {
		t, err := load(overrideDir, file)
		if err != nil {
			return nil, err
		}
		name := strings.TrimSuffix(file, templateExt)
		if sample, ok := samples[name]; ok {
			if _, err := render(t, sample); err != nil {
				return nil, fmt.Errorf("prompt template %s: %w", t.Name(), err)
			}
		}
		r.templates[name] = t
		r.names = append(r.names, name)
	}
	return r, nil
}

// load reads and parses one template file: from overrideDir when it holds
// name, else the embedded copy. The template is named by the file it came
// from, so errors say which file is wrong.
func load(overrideDir, name string) (*template.Template, error) {
	var (
		data   []byte
		source = "embedded " + name
		err    error
	)
	if overrideDir != "" {
		path := filepath.Join(overrideDir, name)
		data, err = os.ReadFile(path)
		switch {
		case err == nil:
			source = path
		case errors.Is(err, fs.ErrNotExist):
			data = nil
		default:
			return nil, fmt.Errorf("read prompt template: %w", err)
		}
	}
	if data == nil {
		if data, err = embedded.ReadFile(name); err != nil {
			return nil, fmt.Errorf("embedded prompt template %s: %w", name, err)
		}
	}
	t, err := template.New(source).Funcs(funcs).Option("missingkey=error").Parse(string(data))
	if err != nil {
		return nil, fmt.Errorf("parse prompt template %s: %w", source, err)
	}
	for _, part := range []string{RoleSystem, RoleUser} {
		if t.Lookup(part) == nil {
			return nil, fmt.Errorf("prompt template %s: no {{define %q}} block (a prompt file defines \"system\" and \"user\")", source, part)
		}
	}
	return t, nil
}

// Render renders the prompt called name (its template file without
// ".tmpl": "answer", "rewrite", "summary") with data, the type its
// template expects (AnswerData for "answer"). It checks nothing about the
// data; the typed wrappers below do.
func (r *Renderer) Render(name string, data any) ([]Message, error) {
	t, ok := r.templates[name]
	if !ok {
		return nil, fmt.Errorf("unknown prompt %q (the prompts are %s)", name, strings.Join(r.names, ", "))
	}
	return render(t, data)
}

// Answer renders the grounded-answer prompt.
func (r *Renderer) Answer(d AnswerData) ([]Message, error) {
	if strings.TrimSpace(d.Question) == "" {
		return nil, errors.New("answer prompt: empty question")
	}
	return r.Render("answer", d)
}

// Rewrite renders the prompt that turns a follow-up question and its
// history into one standalone search query.
func (r *Renderer) Rewrite(d RewriteData) ([]Message, error) {
	if strings.TrimSpace(d.Question) == "" {
		return nil, errors.New("rewrite prompt: empty question")
	}
	return r.Render("rewrite", d)
}

// Summary renders the article-summary prompt. The template words each
// length differently, so an unknown one is an error rather than a
// silent "medium".
func (r *Renderer) Summary(d SummaryData) ([]Message, error) {
	switch d.Length {
	case "":
		d.Length = "medium"
	case "short", "medium", "long":
	default:
		return nil, fmt.Errorf("summary prompt: unknown length %q (want short, medium or long)", d.Length)
	}
	if len(d.Paragraphs) == 0 {
		return nil, errors.New("summary prompt: no paragraphs")
	}
	return r.Render("summary", d)
}

// Verify renders the prompt of the model verifier. Every claim must cite
// at least one passage and every number it cites must be among
// d.Passages: a verdict against a passage the model was not shown would
// mean nothing.
func (r *Renderer) Verify(d VerifyData) ([]Message, error) {
	if len(d.Claims) == 0 {
		return nil, errors.New("verify prompt: no claims")
	}
	shown := make(map[int]bool, len(d.Passages))
	for _, p := range d.Passages {
		shown[p.N] = true
	}
	for _, c := range d.Claims {
		if len(c.Passages) == 0 {
			return nil, fmt.Errorf("verify prompt: claim %d cites no passage", c.N)
		}
		for _, n := range c.Passages {
			if !shown[n] {
				return nil, fmt.Errorf("verify prompt: claim %d cites passage %d, which is not given", c.N, n)
			}
		}
	}
	return r.Render("verify", d)
}

// render executes the "system" and "user" templates of t into two
// messages, trimmed of surrounding blank space.
func render(t *template.Template, data any) ([]Message, error) {
	msgs := make([]Message, 0, 2)
	for _, role := range []string{RoleSystem, RoleUser} {
		var b bytes.Buffer
		if err := t.ExecuteTemplate(&b, role, data); err != nil {
			return nil, fmt.Errorf("render %s: %w", t.Name(), err)
		}
		msgs = append(msgs, Message{Role: role, Content: strings.TrimSpace(b.String())})
	}
	return msgs, nil
}

// samples holds, by prompt name, the data New renders every template with
// once, to catch a broken override at start. Every embedded template needs
// one (TestEveryPromptHasSample).
var samples = map[string]any{
	"answer":  AnswerData{Question: "Q?", History: sampleTurns, Passages: []Passage{samplePassage}, Today: "1 January 2024"},
	"rewrite": RewriteData{Question: "Q?", History: sampleTurns},
	"summary": SummaryData{Title: "T", Author: "A", Published: "2022-05-13", Source: "https://example.com/a", Length: "medium", Paragraphs: []Passage{samplePassage}},
	"verify": VerifyData{Question: "Q?", Claims: []VerifyClaim{{N: 1, Text: "a clause", Sentence: "A sentence with a clause.", Passages: []int{1}}},
		Passages: []VerifyPassage{{N: 1, Text: "Text."}}},
}

var (
	sampleTurns   = []Turn{{Question: "Who called?", Answer: "The minister called [1]."}}
	samplePassage = Passage{N: 1, Title: "T", Author: "A", Published: "2022-05-13", Source: "https://example.com/a", Text: "Text."}
)
