package article

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/BurntSushi/toml"
	"go.yaml.in/yaml/v3"

	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/prose"
)

// Structured front matter: YAML between "---" lines (Hugo, Jekyll, Eleventy
// ...) through go.yaml.in/yaml/v3, and TOML between "+++" lines (Hugo)
// through github.com/BurntSushi/toml. Only the top-level keys that map to an
// Article field are read (see rankedKeys); the rest (tags, draft, lastmod,
// description, nested tables) is ignored.

// rankedKeys lists, for each Article field, the front matter keys that set
// it, the preferred one first (keys are compared in lower case).
var rankedKeys = []struct {
	field func(*retrieval.Article) *string
	keys  []string
}{
	{func(a *retrieval.Article) *string { return &a.Title }, []string{"title"}},
	{func(a *retrieval.Article) *string { return &a.Source }, []string{"source", "canonical_url", "canonicalurl", "url", "link"}},
	{func(a *retrieval.Article) *string { return &a.Author }, []string{"author", "authors", "byline", "by"}},
	{func(a *retrieval.Article) *string { return &a.Publisher }, []string{"publisher", "site", "site_name"}},
	{func(a *retrieval.Article) *string { return &a.Published }, []string{"published", "publishdate", "publish_date", "date", "pubdate", "published_at"}},
	{func(a *retrieval.Article) *string { return &a.License }, []string{"license", "licence"}},
	{func(a *retrieval.Article) *string { return &a.Origin }, []string{"origin"}},
}

// applyStructured sets a's fields from the top-level values of a front
// matter block (lower-cased key → text; the first spelling of a key wins).
func applyStructured(a *retrieval.Article, values map[string]string) {
	for _, rk := range rankedKeys {
		f := rk.field(a)
		for _, k := range rk.keys {
			v := strings.TrimSpace(prose.StripControls(values[k]))
			if v == "" {
				continue
			}
			// Hugo's url is the page's path ("/posts/x/"), not a citation:
			// url and link count only as absolute web addresses.
			if (k == "url" || k == "link") && !isWebURL(v) {
				continue
			}
			if f == &a.Published {
				v = normalizeDate(v)
			}
			*f = v
			break
		}
	}
}

func isWebURL(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://")
}

// yamlLineRE finds the line number in a go-yaml error message.
var yamlLineRE = regexp.MustCompile(`line (\d+): `)

// parseYAMLBlock reads a YAML front matter block (without its --- lines;
// the block's first line is line 2 of the file). The error says on which
// line of the file the problem is, or line 0 when the library did not say.
func parseYAMLBlock(block string) (values map[string]string, line int, err error) {
	defer func() {
		if r := recover(); r != nil { // the library must not take the process down
			values, line, err = nil, 0, fmt.Errorf("the YAML parser failed: %v", r)
		}
	}()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(block), &doc); err != nil {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		if m := yamlLineRE.FindStringSubmatchIndex(msg); m != nil {
			n, _ := strconv.Atoi(msg[m[2]:m[3]])
			return nil, n + 1, fmt.Errorf("%s", msg[:m[0]]+msg[m[1]:])
		}
		return nil, 0, fmt.Errorf("%s", msg)
	}
	values = map[string]string{}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return values, 0, nil // an empty block
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, root.Line + 1, fmt.Errorf("the front matter is not key: value lines")
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			continue
		}
		if k.Value == "" || strings.ContainsFunc(k.Value, unicode.IsSpace) {
			return nil, k.Line + 1, fmt.Errorf("%q is not a key: value line (a key is one word)", prose.Shorten(k.Value, 60))
		}
		key := strings.ToLower(k.Value)
		if _, seen := values[key]; !seen {
			values[key] = yamlText(v, 0)
		}
	}
	return values, 0, nil
}

// yamlText is a value as text: a scalar as written, a list joined with ", "
// (authors), a mapping by its name (author: {name: ..., email: ...}).
func yamlText(n *yaml.Node, depth int) string {
	if n == nil || depth > 4 {
		return ""
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return ""
		}
		return strings.TrimSpace(n.Value)
	case yaml.AliasNode:
		return yamlText(n.Alias, depth+1)
	case yaml.SequenceNode:
		var parts []string
		for _, c := range n.Content {
			if s := yamlText(c, depth+1); s != "" {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, ", ")
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := strings.ToLower(n.Content[i].Value); k == "name" || k == "display_name" {
				return yamlText(n.Content[i+1], depth+1)
			}
		}
	}
	return ""
}

// parseTOMLBlock reads a TOML front matter block (without its +++ lines).
func parseTOMLBlock(block string) (values map[string]string, line int, err error) {
	defer func() {
		if r := recover(); r != nil {
			values, line, err = nil, 0, fmt.Errorf("the TOML parser failed: %v", r)
		}
	}()
	var m map[string]any
	if _, err := toml.Decode(block, &m); err != nil {
		if pe, ok := err.(toml.ParseError); ok {
			return nil, pe.Position.Line + 1, fmt.Errorf("%s", pe.Message)
		}
		return nil, 0, err
	}
	values = map[string]string{}
	for k, v := range m {
		key := strings.ToLower(k)
		if _, seen := values[key]; !seen || k == key {
			values[key] = anyText(v, 0)
		}
	}
	return values, 0, nil
}

// anyText is yamlText for decoded TOML values.
func anyText(v any, depth int) string {
	if depth > 4 {
		return ""
	}
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case time.Time:
		switch x.Location().String() {
		case "date-local":
			return x.Format("2006-01-02")
		case "datetime-local":
			return x.Format("2006-01-02T15:04:05")
		case "time-local":
			return ""
		}
		return x.Format(time.RFC3339)
	case int64, float64, bool:
		return fmt.Sprint(x)
	case []any:
		var parts []string
		for _, c := range x {
			if s := anyText(c, depth+1); s != "" {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, ", ")
	case []map[string]any:
		var parts []string
		for _, c := range x {
			if s := anyText(c, depth+1); s != "" {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, ", ")
	case map[string]any:
		for k, c := range x {
			if k := strings.ToLower(k); k == "name" || k == "display_name" {
				return anyText(c, depth+1)
			}
		}
	}
	return ""
}

// extraDateLayouts are common front matter date spellings that
// retrieval.Article.PublishedTime does not read (Jekyll's "2016-03-10
// 21:01:56 -0500", RFC 1123 with a numeric zone, "May 13, 2022"); normalizeDate rewrites them.
var extraDateLayouts = []struct {
	layout      string
	zone, clock bool
}{
	{"2006-01-02 15:04:05 -0700", true, true},
	{"2006-01-02 15:04:05 -07:00", true, true},
	{"2006-01-02 15:04:05Z07:00", true, true},
	{"2006-01-02T15:04:05-0700", true, true},
	{"2006-01-02T15:04Z07:00", true, true},
	{"2006-01-02 15:04 -0700", true, true},
	{"2006-01-02T15:04", false, true},
	{time.RFC1123Z, true, true},
	{"Mon, 2 Jan 2006 15:04:05 -0700", true, true},
	{"2006/01/02", false, false},
	{"January 2, 2006", false, false},
	{"Jan 2, 2006", false, false},
	{"2 January 2006", false, false},
	{"2 Jan 2006", false, false},
}

// normalizeDate rewrites a publication date into a form PublishedTime
// reads: YYYY-MM-DD for a day, RFC 3339 for a moment with a zone,
// YYYY-MM-DDTHH:MM:SS without one. A date PublishedTime already reads, or
// one it cannot be made to read ("Spring 2022"), is kept as written, so
// normalizing twice changes nothing.
func normalizeDate(s string) string {
	s = strings.TrimSpace(s)
	if _, ok := (retrieval.Article{Published: s}).PublishedTime(); ok {
		return s
	}
	for _, l := range extraDateLayouts {
		t, err := time.Parse(l.layout, s)
		if err != nil {
			continue
		}
		switch {
		case !l.clock:
			return t.Format("2006-01-02")
		case l.zone:
			return t.Format(time.RFC3339)
		default:
			return t.Format("2006-01-02T15:04:05")
		}
	}
	return s
}
