package bot

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/citebot/citebot/answer"
	"github.com/citebot/citebot/retrieval"
)

// fakeClock is a settable clock for Config.Now.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// digestCall is one Digest call: the scope of the view and the request.
type digestCall struct {
	Scope retrieval.Scope
	Req   answer.DigestRequest
}

// fakeDigester makes digests of scripted stories: shared stories for
// every scope, plus each server's own, streamed word by word.
type fakeDigester struct {
	mu      sync.Mutex
	shared  []fakeStory
	private map[retrieval.Scope][]fakeStory
	calls   []digestCall
	// fail, when set, is returned by every Digest.
	fail error
}

// fakeStory is one story: its title, articles and sentences; a sentence
// cites the articles listed in cites (indexes into arts), and bad marks
// it unsupported.
type fakeStory struct {
	title     string
	arts      []retrieval.Article
	sentences []fakeSentence
}

type fakeSentence struct {
	text  string
	cites []int
	bad   bool
}

func (f *fakeDigester) digesterFor(scope retrieval.Scope) Digester {
	return scopedDigester{f: f, scope: scope}
}

func (f *fakeDigester) requests() []digestCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

type scopedDigester struct {
	f     *fakeDigester
	scope retrieval.Scope
}

func (d scopedDigester) Digest(ctx context.Context, req answer.DigestRequest, onDelta answer.DeltaFunc) (answer.Digest, error) {
	d.f.mu.Lock()
	d.f.calls = append(d.f.calls, digestCall{Scope: d.scope, Req: req})
	stories := append(slices.Clone(d.f.shared), d.f.private[d.scope]...)
	fail := d.f.fail
	d.f.mu.Unlock()
	if fail != nil {
		return answer.Digest{}, fail
	}
	if len(stories) == 0 {
		return answer.Digest{}, &answer.NoDigestArticlesError{Since: req.Since, Until: req.Until, Topic: req.Topic, Feed: req.Feed}
	}
	dg := buildDigest(stories)
	dg.Since, dg.Until = req.Since, req.Until
	if onDelta != nil {
		if err := streamWords(ctx, onDelta, dg.Text, 2*time.Millisecond); err != nil {
			return answer.Digest{}, err
		}
	}
	return dg, nil
}

// buildDigest lays stories out as Engine.Digest does: a paragraph each,
// one citation number per article (first use), a claim per sentence.
func buildDigest(stories []fakeStory) answer.Digest {
	var d answer.Digest
	num := map[string]int{}
	var text strings.Builder
	for si, st := range stories {
		if si > 0 {
			text.WriteString("\n\n")
		}
		start := text.Len()
		for i, s := range st.sentences {
			if i > 0 {
				text.WriteString(" ")
			}
			cstart := text.Len()
			var marks []string
			var cited []int
			for _, ai := range s.cites {
				a := st.arts[ai]
				n, ok := num[a.ID]
				if !ok {
					n = len(num) + 1
					num[a.ID] = n
					d.Citations = append(d.Citations, answer.Citation{N: n, Article: a})
				}
				marks = append(marks, fmt.Sprint(n))
				cited = append(cited, n)
			}
			text.WriteString(s.text)
			if len(marks) > 0 {
				text.WriteString(" [" + strings.Join(marks, ", ") + "]")
			}
			text.WriteString(".")
			v := answer.Supported
			if s.bad {
				v, cited = answer.Unsupported, nil
			}
			d.Claims = append(d.Claims, answer.Claim{Text: s.text, Start: cstart, End: text.Len(), Cited: cited, Verdict: v})
		}
		ids := []string{}
		for _, a := range st.arts {
			ids = append(ids, a.ID)
		}
		d.Stories = append(d.Stories, answer.Story{Title: st.title, Articles: ids, Start: start, End: text.Len()})
	}
	d.Text = text.String()
	d.Grounded = true
	for _, c := range d.Claims {
		if c.Verdict != answer.Supported {
			d.Grounded = false
		}
	}
	d.Extractive = true
	d.Considered = len(num)
	return d
}

// newsArticle is a dated article of a publisher.
func newsArticle(id, title, publisher, date string) retrieval.Article {
	return retrieval.Article{ID: id, Title: title, Publisher: publisher, Published: date, Source: "https://news.example/" + id}
}

// twoStories are a shared story of two articles and a second of one,
// whose last sentence the articles do not support.
func twoStories() []fakeStory {
	return []fakeStory{
		{title: "Ceasefire talks", arts: []retrieval.Article{
			newsArticle("talks-a", "Austin calls Shoigu", "Latin Post", "2022-05-14"),
			newsArticle("talks-b", "First call since the war began", "Daily Wire", "2022-05-13"),
		}, sentences: []fakeSentence{
			{text: "Austin urged an immediate ceasefire in a call with Shoigu", cites: []int{0, 1}},
			{text: "The call lasted about an hour", cites: []int{0}},
		}},
		{title: "Zebra migration", arts: []retrieval.Article{
			newsArticle("zebras", "Okavango zebras on the move", "Nature Desk", "2022-05-12"),
		}, sentences: []fakeSentence{
			{text: "The zebras migrate about 500 kilometres", cites: []int{0}},
			{text: "They never stop for water", cites: []int{0}, bad: true},
		}},
	}
}

// memSchedules is DigestSchedules in memory; the same value across two
// bots is a store that survives the restart between them.
type memSchedules struct {
	mu     sync.Mutex
	list   map[string]DigestSchedule // guild/channel → schedule
	lists  int                       // DigestSchedules calls
	claims []string                  // "guild/channel/day" of each claim won
}

func (m *memSchedules) DigestSchedules(_ context.Context, guildID string) ([]DigestSchedule, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lists++
	var out []DigestSchedule
	for _, s := range m.list {
		if guildID == "" || s.GuildID == guildID {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b DigestSchedule) int { return strings.Compare(a.ChannelID, b.ChannelID) })
	return out, nil
}

func (m *memSchedules) PutDigestSchedule(_ context.Context, s DigestSchedule) (DigestSchedule, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.list == nil {
		m.list = map[string]DigestSchedule{}
	}
	key := s.GuildID + "/" + s.ChannelID
	old, replaced := m.list[key]
	if replaced && old.LastDay > s.LastDay {
		s.LastDay = old.LastDay
	}
	m.list[key] = s
	return s, replaced, nil
}

func (m *memSchedules) RemoveDigestSchedule(_ context.Context, guildID, channelID string) (DigestSchedule, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	key := guildID + "/" + channelID
	s, ok := m.list[key]
	if !ok {
		return DigestSchedule{}, fmt.Errorf("channel %s: %w", channelID, ErrNoDigestSchedule)
	}
	delete(m.list, key)
	return s, nil
}

func (m *memSchedules) ClaimDigestDay(_ context.Context, guildID, channelID, day string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	key := guildID + "/" + channelID
	s, ok := m.list[key]
	if !ok || s.LastDay >= day {
		return false, nil
	}
	s.LastDay = day
	m.list[key] = s
	m.claims = append(m.claims, key+"/"+day)
	return true, nil
}

func (m *memSchedules) ReleaseDigestDay(_ context.Context, guildID, channelID, day, previous string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	key := guildID + "/" + channelID
	if s, ok := m.list[key]; ok && s.LastDay == day {
		s.LastDay = previous
		m.list[key] = s
	}
	return nil
}

// listCalls counts the scheduler's looks (one DigestSchedules each).
func (m *memSchedules) listCalls() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lists
}

func (m *memSchedules) wonClaims() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.claims)
}

func (m *memSchedules) get(guildID, channelID string) (DigestSchedule, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.list[guildID+"/"+channelID]
	return s, ok
}
