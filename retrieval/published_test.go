package retrieval

import "testing"

func TestDisplayDate(t *testing.T) {
	for in, want := range map[string]string{
		"2022-05-13":                "13 May 2022",
		"2022-05-13T10:00:00Z":      "13 May 2022",
		"2022-05-13T23:30:00-04:00": "13 May 2022", // the day where it was published
		"2022-05-13 08:15":          "13 May 2022",
		"Spring 2022":               "Spring 2022",
		"":                          "",
	} {
		a := Article{Published: in}
		if got := a.DisplayDate(); got != want {
			t.Errorf("DisplayDate(%q) = %q, want %q", in, got, want)
		}
		if _, ok := a.PublishedTime(); ok != (want != in) {
			t.Errorf("PublishedTime(%q) ok = %v", in, ok)
		}
	}
}
