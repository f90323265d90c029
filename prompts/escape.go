package prompts

import (
	"regexp"
	"strings"
	"text/template"
)

// funcs are the functions every prompt template can call.
var funcs = template.FuncMap{
	"attr":   attr,
	"text":   text,
	"nocite": nocite,
}

// delimiter matches an opening or closing tag of any block the prompts
// use, in any case and with stray spaces ("</passage>", "< / Passage",
// "<question"), so that text inside a block cannot end it or open a
// block of its own.
var delimiter = regexp.MustCompile(`(?i)<(\s*/?\s*(?:passages?|paragraphs?|article|question|conversation|claims?|system|user|assistant)\b)`)

// text neutralises block delimiters inside article or user text by
// writing their "<" as "&lt;". Everything else is left as it is, so the
// model reads the text as written.
func text(s string) string {
	return delimiter.ReplaceAllString(s, "&lt;$1")
}

// attrEscaper escapes a value for a double-quoted attribute of a block's
// opening tag; newlines become spaces so the tag stays on one line.
var attrEscaper = strings.NewReplacer(
	`"`, "&quot;", "<", "&lt;", ">", "&gt;",
	"\r\n", " ", "\n", " ", "\r", " ",
)

func attr(s string) string {
	return attrEscaper.Replace(strings.TrimSpace(s))
}

// citation matches the [n]-style markers of an earlier answer: [1],
// [1, 3], [1-2], [1][3] and full-width 【1】.
var citation = regexp.MustCompile(`\s*(?:\[\s*\d+(?:\s*[,–-]\s*\d+)*\s*\]|【\s*\d+\s*】)`)

// nocite removes citation markers from an earlier answer: their numbers
// pointed at the passages of that turn, not at the ones shown now.
func nocite(s string) string {
	return strings.TrimSpace(citation.ReplaceAllString(s, ""))
}
