package prompts

import (
	"errors"
	"fmt"
)

// DigestFile is the template of one story of a digest.
const DigestFile = "digest.tmpl"

// DigestData fills digest.tmpl: the articles of one story, numbered as the
// whole digest numbers them, so that the model's [n] needs no mapping.
type DigestData struct {
	// Length is "short", "medium" or "long"; "" means "medium".
	Length string
	// Today is the date the digest is written ("13 May 2022"); "" leaves
	// it out.
	Today    string
	Articles []Passage
}

func init() {
	samples["digest"] = DigestData{Length: "medium", Today: "1 January 2024", Articles: []Passage{samplePassage}}
}

// Digest renders the prompt for one story of a digest. As with Summary,
// an unknown length is an error rather than a silent "medium".
func (r *Renderer) Digest(d DigestData) ([]Message, error) {
	switch d.Length {
	case "":
		d.Length = "medium"
	case "short", "medium", "long":
	default:
		return nil, fmt.Errorf("digest prompt: unknown length %q (want short, medium or long)", d.Length)
	}
	if len(d.Articles) == 0 {
		return nil, errors.New("digest prompt: no articles")
	}
	return r.Render("digest", d)
}
