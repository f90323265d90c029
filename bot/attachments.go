package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/bwmarrin/discordgo"
)

// articleExts are the file extensions the library reads (Markdown, text,
// HTML, PDF).
var articleExts = map[string]bool{".md": true, ".markdown": true, ".txt": true, ".html": true, ".htm": true, ".pdf": true}

// articleTypes map the content types Discord gives such files to the
// extension that tells the library how to read them.
var articleTypes = map[string]string{
	"text/markdown": ".md", "text/x-markdown": ".md", "text/plain": ".txt", "text/html": ".html",
	"application/pdf": ".pdf",
}

// cdnHosts are where Discord serves attachments. The bot downloads from
// nowhere else, so an attachment cannot point it at another server.
var cdnHosts = map[string]bool{"cdn.discordapp.com": true, "media.discordapp.net": true}

const unsupportedFileText = "I can only add Markdown, text, HTML or PDF files (.md, .txt, .html or .pdf)."

// articleFileName is the name AddFile gets for att: its own when the
// extension is one the library reads, else with the extension its content
// type implies; "" when neither says it is Markdown, text, HTML or PDF.
func articleFileName(att *discordgo.MessageAttachment) string {
	name := path.Base(strings.ReplaceAll(att.Filename, `\`, "/"))
	if name == "." || name == "/" {
		name = "attachment"
	}
	if articleExts[strings.ToLower(path.Ext(name))] {
		return name
	}
	mt, _, err := mime.ParseMediaType(att.ContentType)
	if ext, ok := articleTypes[strings.ToLower(mt)]; ok && err == nil {
		return strings.TrimSuffix(name, path.Ext(name)) + ext
	}
	return ""
}

// addAttachment adds the article in an attached file: refused by its type
// or declared size before anything is downloaded, then downloaded (capped)
// and handed to the library.
func (b *Bot) addAttachment(ctx context.Context, c curation, att *discordgo.MessageAttachment) outcome {
	if att == nil {
		return outcome{failure: "I couldn't find the attached file. Please attach it again."}
	}
	name := articleFileName(att)
	if name == "" {
		return outcome{failure: unsupportedFileText}
	}
	if limit := b.cfg.MaxArticleBytes; int64(att.Size) > limit {
		return outcome{failure: fmt.Sprintf("That file is %s; the limit is %s.", formatBytes(int64(att.Size)), formatBytes(limit))}
	}
	data, err := b.download(ctx, att)
	if err != nil {
		return outcome{failure: b.curationFailure(c, "add", err)}
	}
	added, err := b.cfg.Library.AddFile(ctx, c.scope, name, data)
	return b.settle(c, added, err)
}

// download reads an attachment from Discord's CDN with the bot's HTTP
// client, at most MaxArticleBytes of it: the declared size may be wrong.
// No token goes along; the CDN URL is signed.
func (b *Bot) download(ctx context.Context, att *discordgo.MessageAttachment) ([]byte, error) {
	u, err := url.Parse(att.URL)
	if err != nil || u.Scheme != "https" || !cdnHosts[strings.ToLower(u.Hostname())] {
		return nil, fmt.Errorf("download attachment %s: its URL is not on Discord's CDN", att.ID)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("download attachment %s: %w", att.ID, err)
	}
	resp, err := b.s.Client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its message quotes the signed URL
		}
		return nil, fmt.Errorf("download attachment %s: %w", att.ID, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("download attachment %s: Discord's CDN answered %s", att.ID, resp.Status)
	}
	limit := b.cfg.MaxArticleBytes
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("download attachment %s: %w", att.ID, err)
	}
	if int64(len(data)) > limit {
		return nil, UserError{Message: fmt.Sprintf("That file is larger than the limit of %s.", formatBytes(limit))}
	}
	return data, nil
}

// formatBytes is a size for people: "820 KB", "5 MB", "7.5 MB".
func formatBytes(n int64) string {
	const mb = 1 << 20
	if n < mb {
		return fmt.Sprintf("%d KB", (n+1023)/1024)
	}
	s := fmt.Sprintf("%.1f", float64(n)/mb)
	return strings.TrimSuffix(s, ".0") + " MB"
}
