package bot

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/bwmarrin/discordgo"
)

// maxMessageItems bounds what one "Add to library" adds, so one click
// cannot start an unbounded amount of fetching and indexing.
const maxMessageItems = 10

// webLinkRE finds http(s) links in message text; <…> around a link (which
// hides its preview) is not part of it.
var webLinkRE = regexp.MustCompile(`https?://[^\s<>]+`)

// libraryItem is one thing on a message to add: a link or an attachment.
type libraryItem struct {
	link string
	file *discordgo.MessageAttachment
}

// label names the item in the reply.
func (it libraryItem) label() string {
	if it.file != nil {
		return "`" + strings.ReplaceAll(truncate(it.file.Filename, 80), "`", "'") + "`"
	}
	if textLen(it.link) <= 200 {
		return "<" + it.link + ">"
	}
	return "`" + strings.ReplaceAll(truncate(it.link, 80), "`", "'") + "`"
}

// cmdAddMessage is "Add to library" on a message: every http(s) link and
// every Markdown, text, HTML or PDF attachment is added, with one line of
// outcome each in one private reply.
func (b *Bot) cmdAddMessage(ctx context.Context, r *responder, data discordgo.ApplicationCommandInteractionData) {
	c, ok := b.startCuration(ctx, r, actionMessage)
	if !ok {
		return
	}
	var msg *discordgo.Message
	if data.Resolved != nil {
		msg = data.Resolved.Messages[data.TargetID]
	}
	items, skipped := messageItems(msg)
	if len(items) == 0 {
		b.finishCuration(r, "That message has no links or Markdown, text, HTML or PDF files to add.")
		return
	}
	var lines []string
	added := 0
	for i, it := range items {
		if i == maxMessageItems {
			lines = append(lines, fmt.Sprintf("…and %d more, not added: at most %d at a time.", len(items)-i, maxMessageItems))
			break
		}
		var o outcome
		if it.file != nil {
			o = b.addAttachment(ctx, c, it.file)
		} else {
			o = b.addLink(ctx, c, it.link)
		}
		if o.failure == "" && !o.added.Duplicate {
			added++
		}
		lines = append(lines, o.line(it.label()))
	}
	if skipped > 0 {
		lines = append(lines, fmt.Sprintf("Skipped %d other %s: only Markdown, text, HTML or PDF files can be added.", skipped, plural(skipped, "file", "files")))
	}
	if added > 0 {
		lines = append(lines, "You can ask about "+plural(added, "it", "them")+" now.")
	}
	b.finishCuration(r, strings.Join(lines, "\n"))
}

// messageItems are the links (in order, without repeats) and the
// supported attachments of msg, and how many attachments were skipped as
// not Markdown, text, HTML or PDF.
func messageItems(msg *discordgo.Message) (items []libraryItem, skipped int) {
	if msg == nil {
		return nil, 0
	}
	seen := map[string]bool{}
	for _, link := range webLinkRE.FindAllString(msg.Content, -1) {
		link = trimLink(link)
		if !seen[link] && isWebLink(link) {
			seen[link] = true
			items = append(items, libraryItem{link: link})
		}
	}
	for _, att := range msg.Attachments {
		if att == nil {
			continue
		}
		if articleFileName(att) == "" {
			skipped++
			continue
		}
		items = append(items, libraryItem{file: att})
	}
	return items, skipped
}

// trimLink drops what follows a link in prose rather than belonging to
// it: trailing punctuation, Markdown emphasis, and a closing parenthesis
// without its opening one (a link in parentheses, unlike Wikipedia's).
func trimLink(link string) string {
	for link != "" {
		last := link[len(link)-1]
		switch {
		case strings.IndexByte(".,;:!?'\"*_~|]}>", last) >= 0:
			link = link[:len(link)-1]
		case last == ')' && strings.Count(link, "(") < strings.Count(link, ")"):
			link = link[:len(link)-1]
		default:
			return link
		}
	}
	return link
}

// line is the outcome of one item of "Add to library".
func (o outcome) line(label string) string {
	a := o.added.Article
	switch {
	case o.failure != "":
		return "⚠️ " + label + ": " + o.failure
	case o.added.Duplicate:
		return "➖ " + label + ": already in the library as " + articleName(a) + "."
	}
	return fmt.Sprintf("✅ %s: added %s (%s, %s).", label, boldTitle(a), codeID(a.ID), passages(o.added.Passages))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
