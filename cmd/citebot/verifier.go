package main

import (
	"github.com/citebot/citebot/answer"
	"github.com/citebot/citebot/prompts"
)

// verifier is the citation check CITEBOT_VERIFIER asks for; nil means the
// engine's default, the offline lexical verifier (weighing words by their
// rarity in the library).
func (a *app) verifier(llm answer.LLM, renderer *prompts.Renderer) (answer.Verifier, error) {
	switch a.cfg.Verifier {
	case "off":
		return answer.VerifierOff, nil
	case "llm":
		if llm == nil {
			return nil, usageError{&configError{key: "CITEBOT_VERIFIER", msg: "CITEBOT_VERIFIER=llm needs a chat model: set OPENAI_API_KEY or OPENAI_BASE_URL"}}
		}
		return answer.NewLLMVerifier(answer.LLMVerifierConfig{LLM: llm, Prompts: renderer, Logger: a.logger})
	}
	return nil, nil
}
