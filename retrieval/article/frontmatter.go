// Package article turns files, HTML pages and URLs into retrieval.Article
// values and back: front matter and plain-text headers, HTML extraction
// (go-readability), loading files and folders with one-line warnings for
// bad ones, the fetcher for URLs, and writing an article as a Markdown file
// with front matter (the source of truth for everything derived).
package article

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/prose"
)

// ParseArticle parses a Markdown or plain-text article. Three layouts are
// understood, tried in this order:
//
//  1. Front matter: YAML between "---" lines (Hugo, Jekyll: folded
//     strings, lists of authors, tags ...; see rankedKeys for the keys read,
//     unknown keys are ignored), or TOML between "+++" lines (Hugo). A
//     "---" block that is not valid YAML but simple "key: value" lines
//     (title: A: B) is still read. Dates are normalised (normalizeDate).
//     Errors wrap ErrFrontMatter and name the line.
//  2. A "# Title" line followed by "Key: value" header lines, as in the
//     evaluation corpus ("Source: ...", "License: ...").
//  3. Plain text: the first line is the title when it looks like one (short,
//     no sentence punctuation at the end); otherwise the title is the ID.
//
// The body is the rest, trimmed. CRLF and CR line endings become LF and a
// UTF-8 byte order mark is dropped, so chunk offsets do not depend on the
// editor that saved the file. Empty, binary, non-UTF-8 and oversized inputs
// are rejected with wrapped sentinels. Hash is set; Path is left to the
// caller.
func ParseArticle(id string, data []byte, opts LoadOptions) (retrieval.Article, error) {
	text, err := checkText(data, opts.maxBytes())
	if err != nil {
		return retrieval.Article{}, err
	}
	a := retrieval.Article{ID: id}
	var body string
	switch {
	case isFrontMatterStart(text, "---"), isFrontMatterStart(text, "+++"):
		if isFrontMatterStart(text, "+++") {
			body, err = parseTOMLFrontMatter(text, &a)
		} else {
			body, err = parseFrontMatter(text, &a)
		}
		if err != nil {
			return retrieval.Article{}, err
		}
		if a.Title == "" {
			// No title key: a leading "# Title" line supplies it.
			if t, rest, ok := markdownTitle(body); ok {
				a.Title, body = t, rest
			}
		}
	default:
		body = parseHeaderLines(text, &a)
	}
	return completeArticle(a, strings.TrimSpace(body))
}

// completeArticle sets a parsed article's body, falls back to the ID for a
// missing title and computes the hash: the last step of every parser, so
// that all of them reject an empty body alike.
func completeArticle(a retrieval.Article, body string) (retrieval.Article, error) {
	// Metadata is printed to terminals and Discord as is: no control
	// characters survive ingest (the body's are dropped where it is shown).
	for _, f := range []*string{&a.Title, &a.Source, &a.Publisher, &a.Author, &a.Published, &a.License, &a.Origin} {
		*f = prose.StripControls(*f)
	}
	a.Body = body
	if a.Body == "" {
		return retrieval.Article{}, ErrEmptyArticle
	}
	if a.Title == "" {
		a.Title = a.ID
	}
	a.Hash = retrieval.HashArticle(a)
	return a, nil
}

// checkText validates raw bytes as article text and returns them normalised
// (BOM removed, line endings LF).
func checkText(data []byte, limit int64) (string, error) {
	if int64(len(data)) > limit {
		return "", fmt.Errorf("%w: %d bytes, the limit is %d", ErrArticleTooLarge, len(data), limit)
	}
	if bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		return "", fmt.Errorf("%w: the file is UTF-16 (byte order mark); save it as UTF-8", ErrInvalidUTF8)
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return "", fmt.Errorf("%w: NUL byte at offset %d", ErrBinaryArticle, i)
	}
	if !utf8.Valid(data) {
		off := firstInvalidUTF8(data)
		return "", fmt.Errorf("%w: invalid byte 0x%02X at offset %d", ErrInvalidUTF8, data[off], off)
	}
	if n := countControl(data); n > 0 && n*100 > len(data) {
		return "", fmt.Errorf("%w: %d control characters in %d bytes", ErrBinaryArticle, n, len(data))
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	return normalizeNewlines(string(data)), nil
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return 0
}

// countControl counts C0 control bytes and DEL other than the whitespace
// ones text files legitimately contain.
func countControl(b []byte) int {
	n := 0
	for _, c := range b {
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v') || c == 0x7F {
			n++
		}
	}
	return n
}

func normalizeNewlines(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

// nextLine splits s at its first newline: the line without "\n", and the rest.
func nextLine(s string) (line, rest string, ok bool) {
	if s == "" {
		return "", "", false
	}
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i], s[i+1:], true
	}
	return s, "", true
}

func isFrontMatterStart(text, fence string) bool {
	line, _, _ := nextLine(text)
	return strings.TrimRightFunc(line, unicode.IsSpace) == fence
}

// splitFrontMatter finds the block between the fence on line 1 and the
// next fence line ("---" or "..." for YAML, "+++" for TOML): the block's
// text and what follows the closing line.
func splitFrontMatter(text, fence string) (block, body string, err error) {
	_, rest, _ := nextLine(text) // the opening fence
	for r := rest; ; {
		line, after, ok := nextLine(r)
		if !ok {
			break
		}
		if t := strings.TrimSpace(line); t == fence || (fence == "---" && t == "...") {
			return rest[:len(rest)-len(r)], after, nil
		}
		r = after
	}
	return "", "", fmt.Errorf("%w: the %s on line 1 is never closed (add a line with %s after the last key line)", ErrFrontMatter, fence, fence)
}

// parseFrontMatter reads the --- block at the start of text into a and
// returns what follows it. The block is read as YAML; a block that is not
// valid YAML but is simple "key: value" lines (title: A: B) is read by the
// simple parser, as before YAML was supported. When both fail, the error
// names the line: the simple parser's when it found a bad value (an
// unterminated quote) no later than YAML's error, else YAML's.
func parseFrontMatter(text string, a *retrieval.Article) (string, error) {
	// Find the closing line first: a missing one is the likelier mistake
	// than the first body line that is not "key: value".
	block, body, err := splitFrontMatter(text, "---")
	if err != nil {
		return "", err
	}
	values, yline, yerr := parseYAMLBlock(block)
	if yerr == nil {
		applyStructured(a, values)
		return body, nil
	}
	serr := parseSimpleBlock(block, a)
	if serr == nil {
		return body, nil
	}
	if yline > 0 && !(serr.value && serr.line <= yline) {
		return "", fmt.Errorf("%w: line %d: %v", ErrFrontMatter, yline, yerr)
	}
	return "", fmt.Errorf("%w: line %d: %s", ErrFrontMatter, serr.line, serr.msg)
}

// parseTOMLFrontMatter reads the +++ block (Hugo's TOML front matter) at
// the start of text into a and returns what follows it.
func parseTOMLFrontMatter(text string, a *retrieval.Article) (string, error) {
	block, body, err := splitFrontMatter(text, "+++")
	if err != nil {
		return "", err
	}
	values, line, err := parseTOMLBlock(block)
	if err != nil {
		if line > 0 {
			return "", fmt.Errorf("%w: line %d: %v", ErrFrontMatter, line, err)
		}
		return "", fmt.Errorf("%w: %v", ErrFrontMatter, err)
	}
	applyStructured(a, values)
	return body, nil
}

// simpleError is the simple parser's complaint about one line; value is
// set for a bad value (quotes) rather than a line that is not key: value.
type simpleError struct {
	line  int
	msg   string
	value bool
}

// parseSimpleBlock reads "key: value" lines (values may be quoted, lists
// of "- item" lines continue a key) into a: the parser from before YAML,
// kept for blocks YAML rejects.
func parseSimpleBlock(block string, a *retrieval.Article) *simpleError {
	lineNo := 1
	lastKey := ""
	for {
		line, after, ok := nextLine(block)
		if !ok {
			return nil
		}
		lineNo++
		block = after
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "" || strings.HasPrefix(trimmed, "#"):
			continue // blank line or YAML comment
		case strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t"):
			// An indented "- item" continues a list value (authors:, tags:).
			item, isItem := strings.CutPrefix(trimmed, "- ")
			if !isItem || lastKey == "" {
				return &simpleError{line: lineNo, msg: fmt.Sprintf("%q is not a key: value line", prose.Shorten(line, 60))}
			}
			v, err := unquote(strings.TrimSpace(item))
			if err != nil {
				return &simpleError{line: lineNo, msg: err.Error(), value: true}
			}
			appendField(a, lastKey, v)
			continue
		}
		key, value, ok := splitKeyValue(line)
		if !ok {
			return &simpleError{line: lineNo, msg: fmt.Sprintf("%q is not a key: value line", prose.Shorten(line, 60))}
		}
		v, err := unquote(value)
		if err != nil {
			return &simpleError{line: lineNo, msg: key + ": " + err.Error(), value: true}
		}
		lastKey = key
		setField(a, key, v)
	}
}

// splitKeyValue splits "key: value" where key is a plain identifier.
func splitKeyValue(line string) (key, value string, ok bool) {
	k, v, found := strings.Cut(line, ":")
	if !found || !isKey(k) {
		return "", "", false
	}
	if v != "" && v[0] != ' ' && v[0] != '\t' { // "http://x" is not key "http"
		return "", "", false
	}
	return strings.ToLower(k), strings.TrimSpace(v), true
}

func isKey(k string) bool {
	if k == "" || len(k) > 64 {
		return false
	}
	for i, r := range k {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case i > 0 && (r == '_' || r == '-' || (r >= '0' && r <= '9')):
		default:
			return false
		}
	}
	return true
}

// unquote removes YAML-style double or single quotes from a value.
func unquote(v string) (string, error) {
	if len(v) >= 1 && (v[0] == '"' || v[0] == '\'') {
		q := v[0]
		if len(v) < 2 || v[len(v)-1] != q {
			return "", fmt.Errorf("unterminated quoted value %s", prose.Shorten(v, 60))
		}
		if q == '\'' {
			return strings.ReplaceAll(v[1:len(v)-1], "''", "'"), nil
		}
		s, err := strconv.Unquote(v)
		if err != nil {
			return "", fmt.Errorf("bad double-quoted value %s", prose.Shorten(v, 60))
		}
		return s, nil
	}
	return v, nil
}

// fieldFor maps a front matter or header key to the Article field it sets.
func fieldFor(a *retrieval.Article, key string) *string {
	switch strings.ToLower(key) {
	case "title":
		return &a.Title
	case "source", "url", "link", "canonical_url":
		return &a.Source
	case "author", "authors", "byline", "by":
		return &a.Author
	case "publisher", "site", "site_name":
		return &a.Publisher
	case "published", "date", "pubdate", "published_at", "publishdate", "publish_date":
		return &a.Published
	case "license", "licence":
		return &a.License
	case "origin":
		return &a.Origin
	}
	return nil
}

// setField sets a known field; the first value wins (so "source" beats a
// later "url"). Unknown keys (tags, draft, ...) are ignored.
func setField(a *retrieval.Article, key, v string) {
	if f := fieldFor(a, key); f != nil && *f == "" {
		*f = strings.TrimSpace(v)
		if f == &a.Published {
			*f = normalizeDate(*f)
		}
	}
}

// appendField adds a list item to a field ("authors:\n  - A\n  - B" → "A, B").
func appendField(a *retrieval.Article, key, v string) {
	f := fieldFor(a, key)
	if f == nil || v == "" {
		return
	}
	if *f == "" {
		*f = v
	} else {
		*f += ", " + v
	}
}

// headerKeys are the "Key: value" lines accepted after a "# Title" line.
var headerKeys = map[string]bool{
	"source": true, "url": true, "link": true, "author": true, "by": true, "byline": true,
	"publisher": true, "published": true, "date": true, "license": true, "licence": true,
}

// parseHeaderLines handles layouts 2 and 3 of ParseArticle.
func parseHeaderLines(text string, a *retrieval.Article) string {
	rest := strings.TrimLeftFunc(text, unicode.IsSpace)
	first, after, _ := nextLine(rest)
	if t, ok := strings.CutPrefix(first, "# "); ok {
		a.Title = strings.TrimSpace(t)
		rest = after
	} else if prose.LooksLikeTitle(first) && strings.TrimSpace(after) != "" {
		a.Title = strings.TrimSpace(first)
		rest = after
	} else {
		return text
	}
	for {
		line, after, ok := nextLine(rest)
		if !ok {
			return rest
		}
		k, v, isKV := splitKeyValue(line)
		if !isKV || !headerKeys[k] {
			return rest
		}
		setField(a, k, v)
		rest = after
	}
}

// markdownTitle takes a leading "# Title" line off body.
func markdownTitle(body string) (title, rest string, ok bool) {
	first, after, _ := nextLine(strings.TrimLeftFunc(body, unicode.IsSpace))
	t, found := strings.CutPrefix(first, "# ")
	if !found || strings.TrimSpace(t) == "" {
		return "", body, false
	}
	return strings.TrimSpace(t), after, true
}
