package answer

import (
	"strconv"
	"strings"
)

// digestShape is how many stories a digest of one length shows and how
// many sentences each story gets.
type digestShape struct{ stories, sentences int }

// digestShapes: a short digest is a handful of one-line headlines, a long
// one a page. Stories past the cap are counted in Digest.StoriesLeftOut.
var digestShapes = map[Length]digestShape{
	Short:  {stories: 5, sentences: 1},
	Medium: {stories: 8, sentences: 2},
	Long:   {stories: 12, sentences: 3},
}

// storyPick is one sentence quoted for a story and the source (0-based,
// one per article of the digest) it comes from.
type storyPick struct {
	text   string
	source int
}

// centralSentences returns up to n central sentences of a story's
// articles, most central first: the extractive summarizer's sentence
// scores (summarize_extractive.go), with the centroid taken over all the
// story's articles, so that what several publishers report outranks what
// one adds, and near-repeats across publishers are skipped. first is the
// source number of the story's first article; the others follow it.
func centralSentences(g storyGroup, first, n int) []storyPick {
	var sents []summarySentence
	var of []int // of[para] is the source of the story's para-th paragraph
	for k, a := range g.articles {
		paras := paragraphsOf(a.Body)
		for _, s := range summaryCandidates(paras, n) {
			s.para += len(of)
			sents = append(sents, s)
		}
		for range paras {
			of = append(of, first+k)
		}
	}
	if len(sents) == 0 {
		return nil
	}
	scoreCentrality(sents)
	picked := pickCentral(sents, n)
	order := byScore(len(picked), func(i int) float64 { return sents[picked[i]].score })
	out := make([]storyPick, 0, len(picked))
	for _, i := range order {
		s := sents[picked[i]]
		out = append(out, storyPick{text: strings.Join(strings.Fields(s.text), " "), source: of[s.para]})
	}
	return out
}

// extractiveStory writes one story's paragraph offline: its central
// sentences, each followed by the [n] of the article it quotes.
func extractiveStory(g storyGroup, first, n int) string {
	var b strings.Builder
	for i, p := range centralSentences(g, first, n) {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(p.text + " [" + strconv.Itoa(p.source+1) + "]")
	}
	return b.String()
}
