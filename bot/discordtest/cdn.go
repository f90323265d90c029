package discordtest

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"path"
	"strconv"

	"github.com/bwmarrin/discordgo"
)

// cdnHost is the host of attachment URLs, as on Discord. Server.Client
// routes it to the fake like every other host.
const cdnHost = "cdn.discordapp.com"

// AttachmentSpec is a file a user attaches to a message or a slash
// command option.
type AttachmentSpec struct {
	Filename    string
	ContentType string // as Discord guesses it, e.g. "text/markdown; charset=utf-8"
	Data        []byte
	// Size is the size Discord declares; 0 means len(Data). A test sets
	// it larger than the data to check that a bot refuses by the declared
	// size before downloading anything.
	Size int
}

// cdnFile is an attachment the fake CDN serves.
type cdnFile struct {
	data      []byte
	signature string // the hm query parameter its URL carries
	downloads int
}

// Attach puts a file on the fake CDN and returns the attachment as
// Discord describes it in messages and in resolved.attachments: an ID, a
// signed https://cdn.discordapp.com/attachments/... URL that the fake
// serves, the content type and the declared size. Put it in
// MessageSpec.Attachments or pass it to the Attachment option.
func (s *Server) Attach(channelID string, spec AttachmentSpec) discordgo.MessageAttachment {
	size := spec.Size
	if size == 0 {
		size = len(spec.Data)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.newIDLocked()
	sum := sha256.Sum256([]byte(id + "\x00" + s.opts.Token))
	f := &cdnFile{data: append([]byte(nil), spec.Data...), signature: hex.EncodeToString(sum[:8])}
	s.files[id] = f
	u := url.URL{
		Scheme:   "https",
		Host:     cdnHost,
		Path:     path.Join("/attachments", channelID, id, spec.Filename),
		RawQuery: "ex=ffffffff&is=00000000&hm=" + f.signature + "&",
	}
	return discordgo.MessageAttachment{
		ID: id, URL: u.String(), ProxyURL: "https://media.discordapp.net" + u.RequestURI(),
		Filename: spec.Filename, ContentType: spec.ContentType, Size: size,
	}
}

// Downloads counts the GETs of an attachment's CDN URL that were served.
func (s *Server) Downloads(attachmentID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f, ok := s.files[attachmentID]; ok {
		return f.downloads
	}
	return 0
}

// getAttachment serves GET /attachments/{cid}/{aid}/{name} as Discord's
// CDN does: the file's bytes, without authentication, only with the
// signature its URL carries. A request with the bot token is answered but
// counted as a problem: the CDN needs no token and must not be given one.
func (s *Server) getAttachment(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if r.Header.Get("Authorization") != "" {
		s.problemLocked("attachment download sent an Authorization header to the CDN")
	}
	f, ok := s.files[r.PathValue("aid")]
	if !ok || r.URL.Query().Get("hm") != f.signature {
		s.mu.Unlock()
		http.Error(w, "This content is no longer available.", http.StatusNotFound)
		return
	}
	f.downloads++
	data := f.data
	s.notifyLocked()
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
}
