package answer

import "time"

// DefaultDigestMaxArticles is how many articles one digest covers at most
// (CITEBOT_DIGEST_MAX_ARTICLES): the newest, the rest are counted in
// Digest.LeftOut.
const DefaultDigestMaxArticles = 30

// DigestRequest says which articles a digest summarizes: the dated
// articles of the engine's view (scope) published in [Since, Until),
// optionally only those a Topic search finds in that window, or only the
// items of one Feed.
type DigestRequest struct {
	// Since and Until bound the publication dates (zero Until = now; zero
	// Since = Until minus 24 hours). Undated articles are never in a
	// digest.
	Since, Until time.Time
	// Topic, when set, keeps the articles of the window that retrieval
	// for it finds relevant.
	Topic string
	// Feed, when set, keeps only the items of that feed (its ID, as
	// `citebot feeds list` shows it).
	Feed string
	// Length sets how many stories and sentences per story ("" = Medium).
	Length Length
	// MaxArticles caps the articles covered (DefaultDigestMaxArticles).
	MaxArticles int
}

// Story is one group of related articles in a digest and the sentences
// that summarize it.
type Story struct {
	// Title is a short headline for the story (the title of its most
	// central article).
	Title string `json:"title"`
	// Articles are the IDs of the articles grouped into the story, most
	// central first.
	Articles []string `json:"articles"`
	// Start and End delimit the story's sentences in Digest.Text (byte
	// offsets); its claims are the Digest.Claims inside that span.
	Start int `json:"start"`
	End   int `json:"end"`
	// Newest is the publication date of its newest article.
	Newest time.Time `json:"newest"`
}

// Digest is the result of Engine.Digest: an Answer whose Text holds the
// stories one paragraph each, whose Citations name each article once (the
// citation number is per article, not per passage), and whose Claims
// carry a verdict for every sentence.
type Digest struct {
	Answer
	Stories []Story `json:"stories"`
	// Since and Until are the window the digest covers.
	Since time.Time `json:"since"`
	Until time.Time `json:"until"`
	// Considered is how many articles matched the window, topic and feed;
	// LeftOut how many of those the cap left out.
	Considered int `json:"considered"`
	LeftOut    int `json:"left_out"`
	// StoriesLeftOut is how many stories past the length's cap (5 short,
	// 8 medium, 12 long) were not summarized: the smallest and oldest.
	StoriesLeftOut int `json:"stories_left_out"`
	// Requests is how many chat-model calls the digest made (0 offline).
	Requests int `json:"requests"`
}
