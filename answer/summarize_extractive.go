package answer

import (
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// The offline summarizer quotes an article's central sentences: each
// sentence is a tf-idf vector of its content words, the article's centroid
// is the sum of the normalised vectors, and a sentence scores its cosine
// with the centroid (what the article is mostly about) plus a position
// prior (news puts the gist first; a paragraph's first sentence states its
// topic). Sentences are picked greedily, skipping any too similar to one
// already picked, and shown in article order.

// Weights of the summary sentence score.
const (
	leadBonus         = 0.15 // the article's first quotable sentence
	earlyWeight       = 0.1  // scaled by how early the paragraph is
	paragraphOpener   = 0.05 // first sentence of a paragraph
	summaryRedundancy = 0.5  // cosine above which a sentence repeats one picked
)

// boilerplate matches sentences that are about the page, not the story.
var boilerplate = regexp.MustCompile(`(?i)^(written by|this article is owned by|watch:|read more|related:|copyright|all rights reserved|click here|subscribe|sign up|follow us|share this|advertisement)`)

type summarySentence struct {
	para       int // index into paragraphs
	start, end int // offsets in the paragraph text
	text       string
	// early is how early its paragraph stands in its article (1 for the
	// first, towards 0 for the last); lead marks the article's first
	// quotable sentence. A digest scores the sentences of several
	// articles together, each placed in its own article.
	early float64
	lead  bool
	vec   map[string]float64
	score float64
}

// extractiveSummary returns n central sentences of paras in article order,
// each followed by its paragraph's [n].
func extractiveSummary(paras []paragraph, n int) string {
	sents := summaryCandidates(paras, n)
	if len(sents) == 0 {
		return ""
	}
	scoreCentrality(sents)
	picked := pickCentral(sents, n)
	var b strings.Builder
	for k, i := range picked {
		s := sents[i]
		if k > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strings.Join(strings.Fields(s.text), " "))
		b.WriteString(" [" + strconv.Itoa(paras[s.para].N) + "]")
	}
	return b.String()
}

// summaryCandidates returns the quotable sentences of paras that are not
// page boilerplate; when nothing looks like prose, the opening sentence of
// each of the first n paragraphs. paras are one article's, so the first
// candidate is its lead.
func summaryCandidates(paras []paragraph, n int) []summarySentence {
	var sents []summarySentence
	for pi, p := range paras {
		for _, s := range passageSentences(p.Text) {
			t := p.Text[s.Start:s.End]
			if !quotable(t) || boilerplate.MatchString(t) {
				continue
			}
			sents = append(sents, summarySentence{para: pi, start: s.Start, end: s.End, text: t})
		}
	}
	if len(sents) == 0 {
		for pi, p := range paras {
			if len(sents) == n {
				break
			}
			s := passageSentences(p.Text)
			if len(s) > 0 {
				sents = append(sents, summarySentence{para: pi, start: s[0].Start, end: s[0].End, text: p.Text[s[0].Start:s[0].End]})
			}
		}
	}
	for i := range sents {
		sents[i].early = 1 - float64(sents[i].para)/float64(len(paras))
		sents[i].lead = i == 0
	}
	return sents
}

// scoreCentrality fills each sentence's vector and score: its cosine with
// the centroid plus the position prior (see the weights above), which each
// sentence carries for its own article (early, lead).
func scoreCentrality(sents []summarySentence) {
	tfidf(sents)
	centroid := make(map[string]float64)
	for _, s := range sents {
		for t, v := range s.vec {
			centroid[t] += v
		}
	}
	normalize(centroid)
	firstOfPara := make(map[int]bool)
	for i := range sents {
		s := &sents[i]
		s.score = cosine(s.vec, centroid) + earlyWeight*s.early
		if s.lead {
			s.score += leadBonus
		}
		if !firstOfPara[s.para] {
			firstOfPara[s.para] = true
			s.score += paragraphOpener
		}
	}
}

// pickCentral returns the indexes of up to n best-scored sentences, in
// article order, skipping any too similar to one already picked.
func pickCentral(sents []summarySentence, n int) []int {
	var picked []int
	order := byScore(len(sents), func(i int) float64 { return sents[i].score })
	for _, i := range order {
		if len(picked) == n {
			break
		}
		redundant := false
		for _, j := range picked {
			if cosine(sents[i].vec, sents[j].vec) > summaryRedundancy {
				redundant = true
				break
			}
		}
		if !redundant {
			picked = append(picked, i)
		}
	}
	sort.Ints(picked)
	return picked
}

// tfidf fills each sentence's vector: sublinear term frequency times
// inverse sentence frequency, L2-normalised.
func tfidf(sents []summarySentence) {
	df := make(map[string]int)
	tfs := make([]map[string]int, len(sents))
	for i, s := range sents {
		tf := make(map[string]int)
		for _, t := range contentTerms(s.text) {
			tf[t]++
		}
		for t := range tf {
			df[t]++
		}
		tfs[i] = tf
	}
	n := float64(len(sents))
	for i, tf := range tfs {
		vec := make(map[string]float64, len(tf))
		for t, c := range tf {
			vec[t] = (1 + math.Log(float64(c))) * math.Log(1+n/float64(df[t]))
		}
		normalize(vec)
		sents[i].vec = vec
	}
}

func normalize(v map[string]float64) {
	var sum float64
	for _, x := range v {
		sum += x * x
	}
	if sum == 0 {
		return
	}
	norm := math.Sqrt(sum)
	for t := range v {
		v[t] /= norm
	}
}

// cosine of two normalised sparse vectors.
func cosine(a, b map[string]float64) float64 {
	if len(a) > len(b) {
		a, b = b, a
	}
	var dot float64
	for t, x := range a {
		dot += x * b[t]
	}
	return dot
}
