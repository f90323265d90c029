package answer

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// answerType is the kind of answer a question asks for, guessed from its
// wording. A sentence that answers "When …?" holds a date; one that
// answers "How many …?" a number; "Who …?" and "Where …?" a name the
// question does not already contain. It is a classic and cheap signal for
// picking the answering sentence among several that share the question's
// words.
type answerType int

const (
	anyType answerType = iota
	dateType
	numberType
	nameType
)

var (
	datePrefix   = regexp.MustCompile(`(?i)^\s*(when\b|(in |by |during |since |until )?(what|which) (year|years|date|day|month|century|decade|time|period|era|season)\b|how long ago\b)`)
	numberPrefix = regexp.MustCompile(`(?i)^\s*(how (many|much|long|old|far|large|big|tall|high|wide|deep|heavy|fast|often|frequently)\b|(what|which) (percentage|percent|proportion|fraction|number|amount|size|population|rate|share|age|temperature|distance|length|speed|cost|price|score)\b)`)
	namePrefix   = regexp.MustCompile(`(?i)^\s*(who|whom|whose|where|(what|which) (person|people|man|woman|city|country|state|nation|place|location|company|team|organization|organisation|group|university|school|river|region|town|continent|island|party|army|king|queen|emperor|president|player|author|writer|scientist|leader|band|family|dynasty|newspaper|network|station|church)\b|in (what|which) (city|country|state|place|region|town|continent)\b)`)

	yearPattern  = regexp.MustCompile(`\b(1[0-9]{3}|20[0-9]{2})s?\b|\b[0-9]+(st|nd|rd|th) century\b|\b(january|february|march|april|may|june|july|august|september|october|november|december)\b|\bcentury\b|\bdecades?\b`)
	numberWords  = regexp.MustCompile(`(?i)\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fifteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|hundreds|thousand|thousands|million|millions|billion|billions|trillion|dozen|dozens|half|quarter|third|twice|double|triple|several)\b`)
	digitPattern = regexp.MustCompile(`[0-9]`)
)

// questionType guesses what the question asks for.
func questionType(q string) answerType {
	switch {
	case datePrefix.MatchString(q):
		return dateType
	case numberPrefix.MatchString(q):
		return numberType
	case namePrefix.MatchString(q):
		return nameType
	}
	// "The Broncos beat which team …?": look at the wh-word elsewhere.
	lower := strings.ToLower(q)
	switch {
	case strings.Contains(lower, "what year") || strings.Contains(lower, "which year") || strings.HasPrefix(lower, "in what year"):
		return dateType
	case strings.Contains(lower, "how many") || strings.Contains(lower, "how much"):
		return numberType
	case strings.Contains(lower, " who ") || strings.Contains(lower, " whom "):
		return nameType
	}
	return anyType
}

// typeMatch is +1 when the sentence holds an answer of type t that the
// question does not already contain, -1 when it holds none, 0 for anyType.
func typeMatch(t answerType, sentence, question string) float64 {
	if t == anyType {
		return 0
	}
	if hasType(t, sentence, question) {
		return 1
	}
	return -1
}

func hasType(t answerType, sentence, question string) bool {
	lq := strings.ToLower(question)
	fresh := func(m string) bool { return !strings.Contains(lq, strings.ToLower(m)) }
	switch t {
	case dateType:
		for _, m := range yearPattern.FindAllString(strings.ToLower(sentence), -1) {
			if fresh(m) {
				return true
			}
		}
	case numberType:
		for _, w := range strings.Fields(sentence) {
			w = strings.Trim(w, ".,;:()\"'")
			if digitPattern.MatchString(w) && fresh(w) {
				return true
			}
		}
		for _, m := range numberWords.FindAllString(sentence, -1) {
			if fresh(m) {
				return true
			}
		}
	case nameType:
		words := strings.Fields(sentence)
		for i, w := range words {
			w = strings.Trim(w, ".,;:()\"'“”‘’")
			r, _ := utf8.DecodeRuneInString(w)
			if i == 0 || !unicode.IsUpper(r) || len(w) < 2 {
				continue
			}
			if fresh(w) {
				return true
			}
		}
	}
	return false
}
