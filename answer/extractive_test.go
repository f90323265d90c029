package answer

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/prose"
)

func TestQuestionType(t *testing.T) {
	for q, want := range map[string]answerType{
		"When did the war begin?":                     dateType,
		"In what year was Tesla born?":                dateType,
		"What century saw the Black Death?":           dateType,
		"How many people live in Warsaw?":             numberType,
		"What percentage of Victorians are Catholic?": numberType,
		"How long did the call last?":                 numberType,
		"Who founded the company?":                    nameType,
		"Where is St Aloysius' College located?":      nameType,
		"Which country hosted the games?":             nameType,
		"The Broncos beat which team in 2015?":        anyType,
		"The game was won by who?":                    anyType,
		"What did Austin urge?":                       anyType,
		"Why were the reports issued?":                anyType,
	} {
		if got := questionType(q); got != want {
			t.Errorf("questionType(%q) = %v, want %v", q, got, want)
		}
	}
}

func TestTypeMatch(t *testing.T) {
	for _, tt := range []struct {
		typ      answerType
		sentence string
		question string
		want     float64
	}{
		{dateType, "The war began in 1914.", "When did the war begin?", 1},
		{dateType, "The war began after the assassination.", "When did the war begin?", -1},
		{dateType, "In 1914 it began.", "Did the 1914 war begin?", -1}, // the year is in the question
		{numberType, "About 1.7 million people live there.", "How many people live in Warsaw?", 1},
		{numberType, "Twelve people came.", "How many came?", 1},
		{numberType, "Many people came.", "How many came?", -1},
		{nameType, "It was founded by Henry Ford.", "Who founded the company?", 1},
		{nameType, "It was founded by a mechanic.", "Who founded the company?", -1},
		{anyType, "Anything.", "Why?", 0},
	} {
		if got := typeMatch(tt.typ, tt.sentence, tt.question); got != tt.want {
			t.Errorf("typeMatch(%v, %q, %q) = %v, want %v", tt.typ, tt.sentence, tt.question, got, tt.want)
		}
	}
}

func TestProximityAndBigrams(t *testing.T) {
	if p := proximity([]string{"a", "b", "x", "y"}, []string{"a", "b"}); p != 1 {
		t.Errorf("adjacent proximity = %v", p)
	}
	if p := proximity([]string{"a", "x", "y", "b", "a"}, []string{"a", "b"}); p != 1 {
		t.Errorf("proximity takes the shortest window: %v", p)
	}
	if p := proximity([]string{"a", "x", "x", "b"}, []string{"a", "b"}); math.Abs(p-0.5) > 1e-9 {
		t.Errorf("spread proximity = %v, want 0.5", p)
	}
	if p := proximity([]string{"a"}, []string{"a", "b"}); p != 0 {
		t.Errorf("one match proximity = %v", p)
	}
	if b := bigrams([]string{"immedi", "ceasefir", "ukrain"}, []string{"urg", "immedi", "ceasefir"}); math.Abs(b-0.5) > 1e-9 {
		t.Errorf("bigrams = %v, want 0.5", b)
	}
}

func TestExtractiveQuotesOnePassage(t *testing.T) {
	// The answer quotes only from the passage of its best sentence, so it
	// cites one source, and skips headings and near-duplicates.
	a := article("volcano", "Volcanoes of Io",
		"## Eruptions on Io",
		"Io is the most volcanically active body in the Solar System. Its volcanoes erupt lava fountains hundreds of kilometres high.",
		"Io is the most volcanically active body in the Solar System, astronomers say.")
	b := article("moon", "The Moon", "The Moon has no active volcanoes today. Its maria are ancient lava plains.")
	e, _ := offlineEngine(t, a, b)
	ans, err := e.Ask(context.Background(), "How high do the lava fountains of Io's volcanoes erupt?", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ans.Text, "hundreds of kilometres high") || len(ans.Citations) != 1 || ans.Citations[0].Article.ID != "volcano" {
		t.Errorf("answer %q citations %+v", ans.Text, ans.Citations)
	}
	if strings.Contains(ans.Text, "##") || strings.Count(ans.Text, "most volcanically active") > 1 {
		t.Errorf("heading or near-duplicate quoted: %q", ans.Text)
	}
	if n := len(ParseCitations(ans.Text)); n < 1 || n > extractiveMaxSentences {
		t.Errorf("%d quoted sentences", n)
	}
}

func TestExtractiveNothingQuotable(t *testing.T) {
	e, _ := NewEngine(Config{Retriever: newFixedRetriever([]retrieval.Passage{{
		Article: retrieval.Article{ID: "h", Title: "Heading only"},
		Chunk:   retrieval.Chunk{ArticleID: "h", Text: "## Heading only"},
	}}), RefusalFloor: -1})
	ans, err := e.Ask(context.Background(), "What is the heading?", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !ans.Refused || len(ans.Citations) != 0 {
		t.Errorf("nothing quotable: refused %v citations %+v", ans.Refused, ans.Citations)
	}
}

// rarityRetriever adds library-wide term rarity to a fixedRetriever, as
// index.Index has it.
type rarityRetriever struct {
	*fixedRetriever
	rarity map[string]float64 // by plain word; stemmed on use
}

func (r *rarityRetriever) TermRarity(terms []string) map[string]float64 {
	out := make(map[string]float64, len(terms))
	for _, t := range terms {
		out[t] = 1
		for w, v := range r.rarity {
			if prose.Tokenize(w)[0] == t {
				out[t] = v
			}
		}
	}
	return out
}

// The retrieved passages all share the question's subject, so among them
// the subject looks common. Weighing question words by their rarity in the
// whole library keeps the sentence about the subject ahead of one that only
// matches generic words.
func TestExtractiveWeighsWordsByLibraryRarity(t *testing.T) {
	pharmacy := article("pharmacy", "Pharmacy",
		"Pharmacists know the physiological effects of drugs on the human body in great detail.")
	oxygen := article("oxygen", "Oxygen",
		"Oxygen is a chemical element with symbol O. Oxygen makes up almost half of the crust of the Earth by mass. Oxygen has a mild euphoric effect and is sold in oxygen bars.")
	ps := []retrieval.Passage{
		{Article: pharmacy, Chunk: retrieval.Chunk{ArticleID: "pharmacy", Text: pharmacy.Body, End: len(pharmacy.Body)}},
		{Article: oxygen, Chunk: retrieval.Chunk{ArticleID: "oxygen", Text: oxygen.Body, End: len(oxygen.Body)}},
	}
	question := "What is the effect of oxygen on humans?"
	ask := func(r Retriever) Answer {
		t.Helper()
		e, err := NewEngine(Config{Retriever: r, RefusalFloor: -1})
		if err != nil {
			t.Fatal(err)
		}
		ans, err := e.Ask(context.Background(), question, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(ans.Citations) == 0 {
			t.Fatalf("no citation: %+v", ans)
		}
		return ans
	}

	// Without library statistics, "oxygen" is in three of four candidate
	// sentences and weighs least: the pharmacy sentence wins.
	local := ask(newFixedRetriever(ps))
	if got := local.Citations[0].Article.ID; got != "pharmacy" {
		t.Fatalf("candidate-only weights cited %q; the test no longer shows the difference", got)
	}

	lib := ask(&rarityRetriever{fixedRetriever: newFixedRetriever(ps),
		rarity: map[string]float64{"oxygen": 3, "effect": 0.7, "humans": 0.6}})
	if got := lib.Citations[0].Article.ID; got != "oxygen" || !strings.Contains(lib.Text, "euphoric") {
		t.Fatalf("library weights: cited %q, answer %q; want the oxygen sentence", got, lib.Text)
	}
}

// On the real index the extractive reader takes its weights from the
// index's TermRarity (the production path; the test above shows why it
// matters) and, in a library where "effect" and "humans" are common and
// "oxygen" is rare, quotes the oxygen sentence.
func TestExtractiveLibraryRarityOnRealIndex(t *testing.T) {
	arts := []retrieval.Article{
		article("pharmacy", "Pharmacy",
			"Pharmacists know the physiological effects of drugs on the human body in great detail."),
		article("oxygen", "Oxygen",
			"Oxygen is a chemical element with symbol O. Oxygen makes up almost half of the crust of the Earth by mass. Oxygen has a mild euphoric effect and is sold in oxygen bars."),
		article("caffeine", "Caffeine", "Caffeine has a stimulating effect on humans who drink coffee in the morning."),
		article("noise", "Noise", "Loud noise has a harmful effect on the hearing of humans over many years."),
		article("sleep", "Sleep", "Lack of sleep has a lasting effect on the memory of humans and animals alike."),
		article("light", "Light", "Blue light has an effect on how humans fall asleep at night, studies show."),
	}
	e, r := offlineEngine(t, arts...)
	e.cfg.RefusalFloor = -1
	ans, err := e.Ask(context.Background(), "What is the effect of oxygen on humans?", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.rarityCalls.Load() == 0 {
		t.Fatal("TermRarity not consulted")
	}
	if len(ans.Citations) == 0 || ans.Citations[0].Article.ID != "oxygen" || !strings.Contains(ans.Text, "euphoric") {
		t.Fatalf("cited %+v, answer %q; want the oxygen sentence", ans.Citations, ans.Text)
	}
}
