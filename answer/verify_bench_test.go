package answer

import (
	"context"
	"testing"
)

// benchPassages are five retrieved passages of news-length prose.
var benchPassages = []string{
	"Defense Secretary Lloyd Austin spoke with Russian Defense Minister Sergei Shoigu on Friday, the first call " +
		"between the two since the invasion of Ukraine began on Feb. 24. The call lasted about an hour, a Pentagon " +
		"spokesman said. Austin urged an immediate ceasefire and stressed the importance of keeping lines of " +
		"communication open. The spokesman declined to describe Shoigu's reply. Officials had sought the call for " +
		"weeks, and Russian officials had refused every request until this week.",
	"The Pentagon has tried since February to reach senior Russian military leaders. Gen. Mark Milley, chairman " +
		"of the Joint Chiefs of Staff, has also been unable to speak with his Russian counterpart, Gen. Valery " +
		"Gerasimov. Analysts said the call could lower the risk of an accidental clash between the two militaries.",
	"Ukraine's forces have pushed Russian troops back from Kyiv, and the fighting has moved to the east of the " +
		"country. More than 1,000 civilians have died in the region since March, according to the United Nations, " +
		"which says the real number is likely much higher.",
	"Sourdough bread rises slowly because wild yeast and lactic acid bacteria ferment the dough overnight. Bakers " +
		"keep a starter alive for years by feeding it flour and water every day.",
	"The Moon orbits the Earth about once every 27 days, and the same side always faces the planet. Its pull on " +
		"the oceans causes two high tides a day in most places.",
}

// benchClaims are three claims of a model answer citing them.
var benchClaims = []Statement{
	{Text: "Austin and Shoigu spoke for about an hour on Friday, their first call since the invasion began.",
		Sentence: "Austin and Shoigu spoke for about an hour on Friday, their first call since the invasion began.", Cited: []int{0, 1}},
	{Text: "Austin called for an immediate ceasefire in Ukraine", Sentence: "Austin called for an immediate ceasefire in Ukraine, and Milley has not reached Gerasimov.", Cited: []int{0}},
	{Text: "and Milley has not reached Gerasimov", Sentence: "Austin called for an immediate ceasefire in Ukraine, and Milley has not reached Gerasimov.", Cited: []int{1, 2}},
}

// BenchmarkVerify is the offline verifier's time for one answer: three
// claims against five passages (p50 target: under 2 ms).
func BenchmarkVerify(b *testing.B) {
	ctx := context.Background()
	v := LexicalVerifier{}
	for b.Loop() {
		if _, err := v.Verify(ctx, "How long did Austin and Shoigu talk?", benchClaims, benchPassages); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/answer")
}
