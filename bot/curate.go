package bot

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/citebot/citebot/retrieval"
)

// Library lets curators change one server's library from Discord. The bot
// defines it so that it need not know how articles are fetched, parsed,
// stored or indexed; the caller adapts its library to it. Every call names
// the scope it changes, always one server's (never the shared library).
type Library interface {
	AddURL(ctx context.Context, scope retrieval.Scope, url string) (Added, error)
	AddFile(ctx context.Context, scope retrieval.Scope, name string, data []byte) (Added, error)
	Forget(ctx context.Context, scope retrieval.Scope, articleID string) (retrieval.Article, error)
}

// Added is what one AddURL or AddFile put in the library, which is what
// the curator is told.
type Added struct {
	Article   retrieval.Article // ID, Title, Source
	Passages  int               // chunks indexed
	Duplicate bool              // the same content was already there, as Article
}

// UserError is a failure whose Message is one sentence fit to show the
// person who asked (a refused URL, an empty or binary file, an unknown
// article). Other errors get a generic message and a log reference, so
// nothing internal reaches Discord. Return it as a value or a pointer,
// wrapped or not.
type UserError struct{ Message string }

func (e UserError) Error() string { return e.Message }

// userMessage is the sentence of a UserError in err's chain, or "".
func userMessage(err error) string {
	var v UserError
	if errors.As(err, &v) {
		return v.Message
	}
	var p *UserError
	if errors.As(err, &p) && p != nil {
		return p.Message
	}
	return ""
}

// Names of the curation commands.
const (
	cmdIngest       = "ingest"
	cmdForget       = "forget"
	cmdAddToLibrary = "Add to library"
)

// Actions, as logged with each change.
const (
	actionIngestURL  = "ingest url"
	actionIngestFile = "ingest file"
	actionMessage    = "context menu"
	actionForget     = "forget"
)

// The sentences of the curation commands.
const (
	ingestUsage     = "Give /ingest exactly one of url: (a link) or file: (a Markdown, text, HTML or PDF file)."
	notCuratorText  = "Only members with the Manage Server permission (or a curator role) can change the library."
	addInDMText     = "Articles can only be added in a server."
	forgetInDMText  = "Articles can only be removed in a server."
	notWebLinkText  = "That is not a link I can fetch: give one that starts with http:// or https://."
	sharedForgetTxt = "That article is in the shared library, which can't be changed from Discord."
	noArticleText   = "I found no article to add there."
)

// curation is one library change requested from Discord: where it
// applies, who asked (hashed, for the log) and how.
type curation struct {
	scope  retrieval.Scope
	user   string
	action string
}

// onCurationCommand runs a curation command; false when name is not one
// (or no Library is configured, so none is registered).
func (b *Bot) onCurationCommand(ctx context.Context, r *responder, data discordgo.ApplicationCommandInteractionData) bool {
	if data.Name == cmdFeeds && b.cfg.Feeds != nil {
		b.cmdFeeds(ctx, r, data)
		return true
	}
	if b.cfg.Library == nil {
		return false
	}
	switch {
	case data.Name == cmdIngest:
		b.cmdIngest(ctx, r, data)
	case data.Name == cmdForget:
		b.cmdForget(ctx, r, data)
	case data.Name == cmdAddToLibrary && data.CommandType == discordgo.MessageApplicationCommand:
		b.cmdAddMessage(ctx, r, data)
	default:
		return false
	}
	return true
}

// startCuration acknowledges a curation command at once, privately, and
// checks that it may change a library: in a server, by a curator. When it
// may not, it tells the user and returns false.
func (b *Bot) startCuration(ctx context.Context, r *responder, action string) (curation, bool) {
	if r.deferReply(ctx, true) != nil {
		return curation{}, false
	}
	c := curation{scope: r.scope(), user: b.hashUser(userOf(r.i).ID), action: action}
	refusal := ""
	switch {
	case r.i.GuildID == "" && action == actionForget:
		refusal = forgetInDMText
	case r.i.GuildID == "" && action == actionFeeds:
		refusal = feedsInDMText
	case r.i.GuildID == "" && action == actionDigestSchedule:
		refusal = digestInDMText
	case r.i.GuildID == "":
		refusal = addInDMText
	case !b.mayCurate(r.i.Member):
		refusal = notCuratorText
		b.log.Info("library change refused: not a curator", "action", action, "scope", string(c.scope), "user", c.user)
	}
	if refusal != "" {
		b.finishCuration(r, refusal)
		return curation{}, false
	}
	return c, true
}

// mayCurate reports whether member may change its server's library:
// Manage Server (administrators hold every permission) or a curator role.
func (b *Bot) mayCurate(member *discordgo.Member) bool {
	if member == nil {
		return false
	}
	if member.Permissions&(discordgo.PermissionManageGuild|discordgo.PermissionAdministrator) != 0 {
		return true
	}
	for _, role := range member.Roles {
		if b.curatorRoles[role] {
			return true
		}
	}
	return false
}

// finishCuration shows the outcome in place of the deferred reply. It runs
// on the final context: a change that went through is reported even when
// the handler's deadline has passed.
func (b *Bot) finishCuration(r *responder, text string) {
	fctx, cancel := b.finalContext()
	defer cancel()
	r.show(fctx, "show library change", errorMessage(text))
}

func (b *Bot) cmdIngest(ctx context.Context, r *responder, data discordgo.ApplicationCommandInteractionData) {
	link := strings.TrimSpace(optString(data.Options, "url"))
	fileID := optString(data.Options, "file")
	action := actionIngestURL
	if fileID != "" {
		action = actionIngestFile
	}
	c, ok := b.startCuration(ctx, r, action)
	if !ok {
		return
	}
	var text string
	switch {
	case (link == "") == (fileID == ""):
		text = ingestUsage
	case link != "":
		text = b.addLink(ctx, c, link).sentence()
	default:
		text = b.addAttachment(ctx, c, resolvedAttachment(data, fileID)).sentence()
	}
	b.finishCuration(r, text)
}

// resolvedAttachment is the attachment an attachment option names.
func resolvedAttachment(data discordgo.ApplicationCommandInteractionData, id string) *discordgo.MessageAttachment {
	if data.Resolved == nil {
		return nil
	}
	return data.Resolved.Attachments[id]
}

// outcome is what became of one thing to add: what the library added, or
// the sentence that says why nothing was.
type outcome struct {
	added   Added
	failure string
}

// addLink adds the article at an http(s) link.
func (b *Bot) addLink(ctx context.Context, c curation, link string) outcome {
	if !isWebLink(link) {
		return outcome{failure: notWebLinkText}
	}
	added, err := b.cfg.Library.AddURL(ctx, c.scope, link)
	return b.settle(c, added, err)
}

// isWebLink reports whether s is an absolute http or https URL with a host.
func isWebLink(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// settle turns a library's answer into an outcome, logging the change and
// dropping the cached article list of the scope it changed.
func (b *Bot) settle(c curation, added Added, err error) outcome {
	if err != nil {
		return outcome{failure: b.curationFailure(c, "add", err)}
	}
	a := added.Article
	if a.ID == "" {
		b.log.Warn("library added nothing and reported no error", "action", c.action, "scope", string(c.scope), "user", c.user)
		return outcome{failure: noArticleText}
	}
	msg := "library changed"
	if added.Duplicate {
		msg = "already in the library"
	} else {
		b.forgetArticleList(c.scope)
	}
	b.log.Info(msg, "action", c.action, "article", a.ID, "scope", string(c.scope), "user", c.user, "passages", added.Passages)
	return outcome{added: added}
}

// curationFailure is the sentence for a failed change: a UserError's own,
// or a generic one with a reference that matches the log line.
func (b *Bot) curationFailure(c curation, verb string, err error) string {
	if msg := userMessage(err); msg != "" {
		b.log.Info("library change refused", "action", c.action, "scope", string(c.scope), "user", c.user, "reason", msg)
		return msg
	}
	ref := b.logFailure("library "+c.action+" failed", err)
	return fmt.Sprintf("Something failed on my side while trying to %s that (ref: %s). Please try again later.", verb, ref)
}

// forgetArticleList drops scope's cached article list after a change, so
// /articles and autocomplete show it at once. It waits for a fetch in
// progress, which may have read the list from before the change.
func (b *Bot) forgetArticleList(scope retrieval.Scope) {
	b.artMu.Lock()
	defer b.artMu.Unlock()
	b.articles.remove(scope)
}

// sentence is the reply to a single /ingest.
func (o outcome) sentence() string {
	switch {
	case o.failure != "":
		return o.failure
	case o.added.Duplicate:
		return "That is already in the library as " + articleName(o.added.Article) + "."
	}
	a := o.added.Article
	return fmt.Sprintf("Added %s (%s, %s). You can ask about it now.", boldTitle(a), codeID(a.ID), passages(o.added.Passages))
}

// articleName is "**Title** (`id`)".
func articleName(a retrieval.Article) string {
	return boldTitle(a) + " (" + codeID(a.ID) + ")"
}

// boldTitle is an article's title in bold, shortened and escaped.
func boldTitle(a retrieval.Article) string {
	return "**" + escapeMarkdown(truncate(displayTitle(a), 150)) + "**"
}

// codeID shows an article ID as inline code.
func codeID(id string) string {
	return "`" + strings.ReplaceAll(truncate(id, 80), "`", "'") + "`"
}

func passages(n int) string {
	if n == 1 {
		return "1 passage"
	}
	return fmt.Sprintf("%d passages", n)
}
