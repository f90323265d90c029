package retrieval

import (
	"strings"
	"time"
)

// publishedLayouts are the spellings of Article.Published that can be read
// as a date: what front matter usually holds and what the feed reader
// writes (RFC 3339).
var publishedLayouts = []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"}

// PublishedTime reads Published as a date, for sorting and retention; ok
// is false when it is empty or written some other way ("Spring 2022").
func (a Article) PublishedTime() (t time.Time, ok bool) {
	s := strings.TrimSpace(a.Published)
	for _, layout := range publishedLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// DisplayDate is Published the way people read it under Sources: "13 May
// 2022" when it is a date (a time of day is left out), else as written.
func (a Article) DisplayDate() string {
	if t, ok := a.PublishedTime(); ok {
		return t.Format("2 January 2006")
	}
	return strings.TrimSpace(a.Published)
}
