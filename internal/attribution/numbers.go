package attribution

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/citebot/citebot/retrieval/prose"
)

// A number in a claim is a detail the evidence must hold: a claim that
// changes "an hour" into "three days", or 1990 into 1992, has the right
// subject and the wrong fact, and word coverage cannot see it. Numbers are
// compared by value, so "10" and "ten", "1,000" and "1000", "100k" and
// "100,000", "24th" and "24" all meet.

var (
	digitNumber = regexp.MustCompile(`\b(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?:st|nd|rd|th|s)?(?:\s*(k|thousand|million|mn|m|billion|bn|trillion)\b)?`)
	// articleNumber reads "an hour", "a dozen" and "a million" as numbers
	// in evidence: "1 hour" and "12 eggs" are what a claim makes of them.
	articleNumber = regexp.MustCompile(`\b(a|an)\s+(hundred|thousand|million|billion|dozen|hour|day|week|month|year|decade|century|minute|second|mile|kilometre|kilometer|metre|meter|foot|inch|pound|kilogram)\b`)
	wordNumber    = regexp.MustCompile(`\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[- ](one|two|three|four|five|six|seven|eight|nine))?(?:\s+(hundred|thousand|million|billion|trillion)\b)?\b`)
)

var wordValue = map[string]float64{
	"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
	"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
	"seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
	"sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}

var scaleValue = map[string]float64{
	"k": 1e3, "thousand": 1e3, "hundred": 100, "million": 1e6, "mn": 1e6, "m": 1e6,
	"billion": 1e9, "bn": 1e9, "trillion": 1e12,
}

// numbers returns the values of the numbers in text, normalized to
// strings. withOne, for evidence, also reads "one" as 1 and "an hour" as
// 1 (hour): evidence may spell a number so, but in a claim "one" is mostly
// a pronoun ("one of the largest") and "a" an article.
func numbers(text string, withOne bool) []string {
	var out []string
	text = strings.ToLower(text)
	for _, m := range digitNumber.FindAllStringSubmatch(text, -1) {
		v, err := strconv.ParseFloat(strings.ReplaceAll(m[1], ",", ""), 64)
		if err != nil {
			continue
		}
		if s, ok := scaleValue[m[2]]; ok {
			v *= s
		}
		out = append(out, formatNumber(v))
	}
	if withOne {
		for _, m := range articleNumber.FindAllStringSubmatch(text, -1) {
			v := 1.0
			switch w := m[2]; w {
			case "dozen":
				v = 12
			default:
				if s, ok := scaleValue[w]; ok {
					v = s
				}
			}
			out = append(out, formatNumber(v))
		}
	}
	for _, m := range wordNumber.FindAllStringSubmatch(text, -1) {
		head := m[1]
		if head == "one" && m[2] == "" && m[3] == "" && !withOne {
			continue
		}
		v := wordValue[head] + wordValue[m[2]]
		if s, ok := scaleValue[m[3]]; ok {
			v *= s
		}
		out = append(out, formatNumber(v))
	}
	return out
}

func formatNumber(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// monthStems maps the stems of month abbreviations to the full month's
// stem, so that "Feb. 24" supports "February 24".
var monthStems = stemMap(map[string]string{
	"jan": "january", "feb": "february", "mar": "march", "apr": "april", "jun": "june", "jul": "july",
	"aug": "august", "sep": "september", "sept": "september", "oct": "october", "nov": "november",
	"dec": "december",
})

// numberStems are the stems of the number words.
var numberStems = func() map[string]bool {
	m := make(map[string]bool)
	for w := range wordValue {
		for _, t := range prose.Tokenize(w) {
			m[t] = true
		}
	}
	for w := range scaleValue {
		if len(w) > 2 {
			m[prose.Tokenize(w)[0]] = true
		}
	}
	return m
}()

func stemMap(words map[string]string) map[string]string {
	m := make(map[string]string, len(words))
	for k, v := range words {
		m[prose.Tokenize(k)[0]] = prose.Tokenize(v)[0]
	}
	return m
}

// isNumeric reports whether a term (a stem) is a number, digits or a
// number word: numbers are compared by value (see numbers), not as words.
func isNumeric(t string) bool {
	if numberStems[t] {
		return true
	}
	for i := 0; i < len(t); i++ {
		if t[i] < '0' || t[i] > '9' {
			return false
		}
	}
	return t != ""
}
