package bot

import (
	"fmt"
	"strings"
)

// helpMessage explains the bot, adjusted to how it is configured.
func helpMessage(cfg Config) outMessage {
	var b strings.Builder
	b.WriteString("**I answer questions from a set of articles, and every answer cites its sources.**\n\n")
	b.WriteString("• `/ask question:` — ask anything about the articles. Numbers like [1] point to the Sources list under the answer. Add `private:True` to see the answer alone.\n")
	b.WriteString("• `/summarize article:` — a cited summary of one article (start typing its title). Add `private:True` to see it alone.\n")
	if cfg.Digester != nil {
		b.WriteString("• `/digest` — what happened: recent articles grouped into stories, every sentence cited. Narrow it with `since:` (24h by default), `topic:` or `feed:`.\n")
	}
	b.WriteString("• `/articles` — the articles I know.\n")
	b.WriteString("• `/search query:` — the passages that match best, with scores (only you see them).\n")
	b.WriteString("• Mention me with a question, or reply to one of my answers to ask a follow-up: the reply chain is our conversation.\n")
	if cfg.AutoThread {
		b.WriteString("• Questions get their own thread; inside it, just keep asking, no mention needed.\n")
	}
	if len(cfg.AskChannels) > 0 && !cfg.NoMessageContent {
		var chans []string
		for _, c := range cfg.AskChannels {
			chans = append(chans, "<#"+c+">")
		}
		fmt.Fprintf(&b, "• In %s, any message ending in “?” is a question for me (in a forum, every new post).\n", strings.Join(chans, ", "))
	}
	if cfg.Library != nil {
		b.WriteString("• Curators (Manage Server, or a curator role) add articles to this server's library with `/ingest url:` or `/ingest file:`, or on a message with Apps → **Add to library** (its links and files), and remove them with `/forget`.\n")
	}
	if cfg.Digester != nil && cfg.DigestSchedules != nil {
		b.WriteString("• Curators post a digest in a channel every day with `/digest schedule:daily at:08:00 channel:` (UTC unless `tz:`), stop it with `schedule:off` and see them with `schedule:list`.\n")
	}
	if cfg.Feeds != nil {
		b.WriteString("• Curators follow news feeds for this server with `/feeds add url:` (optionally announcing new articles in a `channel:`), `/feeds list` and `/feeds remove`.\n")
	}
	b.WriteString("\nIf the articles don't hold the answer, I say so instead of guessing. ")
	b.WriteString("Answers marked ⚠️ could not be checked against the articles; 📄 marks answers quoted straight from them. ")
	b.WriteString("Use 👍/👎 under an answer to tell me how I did.")
	fmt.Fprintf(&b, "\n\nLimits: questions up to %d characters, %d questions a minute per person.", cfg.MaxQuestion, cfg.RatePerMinute)
	return outMessage{Content: truncate(b.String(), maxContent)}
}
