package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/citebot/citebot/retrieval"
)

func (b *Bot) cmdSearch(ctx context.Context, r *responder, data discordgo.ApplicationCommandInteractionData) {
	q := strings.TrimSpace(optString(data.Options, "query"))
	if !b.admitQuestion(ctx, r, q, "Please give me something to search for.") {
		return
	}
	if r.deferReply(ctx, true) != nil {
		return
	}
	passages, err := b.engineFor(r.scope()).Search(ctx, q, b.cfg.SearchK)
	var msg outMessage
	if err != nil {
		ref := b.logFailure("search failed", err)
		msg = errorMessage(fmt.Sprintf("⚠️ The search failed (ref: %s). Please try again in a moment.", ref))
	} else {
		msg = searchResults(q, passages)
	}
	fctx, cancel := b.finalContext()
	defer cancel()
	r.show(fctx, "show search results", msg)
}

// searchResults renders passages as one embed, a field per passage, with
// title, score, a snippet and the source link.
func searchResults(q string, ps []retrieval.Passage) outMessage {
	if len(ps) == 0 {
		return outMessage{Content: "No passage matched “" + escapeMarkdown(truncate(q, 200)) + "”."}
	}
	embed := &discordgo.MessageEmbed{
		Title: truncate("Passages for “"+strings.Join(strings.Fields(q), " ")+"”", maxEmbedTitle),
		Color: embedColor,
	}
	total := textLen(embed.Title)
	for i, p := range ps {
		if i == maxFields {
			break
		}
		name := truncate(fmt.Sprintf("%d. %s (score %.3f)", i+1, displayTitle(p.Article), p.Score), maxFieldName)
		snippet := escapeMarkdown(strings.Join(strings.Fields(p.Chunk.Text), " "))
		link := ""
		if u := safeURL(p.Article.Source); u != "" {
			link = "\n[source](" + u + ")"
		}
		value := truncate(snippet, min(maxFieldValue-textLen(link), 700)) + link
		if strings.TrimSpace(value) == "" {
			value = "(empty passage)"
		}
		if total+textLen(name)+textLen(value) > maxEmbedTotal-100 {
			break
		}
		total += textLen(name) + textLen(value)
		embed.Fields = append(embed.Fields, &discordgo.MessageEmbedField{Name: name, Value: value})
	}
	return outMessage{Embeds: []*discordgo.MessageEmbed{embed}}
}
