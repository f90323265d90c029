// Package discordtest is a fake Discord for tests: a REST API and a
// websocket gateway on loopback that speak Discord's real wire protocol, so
// the bot under test runs the real discordgo client against it.
//
// The REST side answers the routes the bot uses (gateway discovery,
// users/@me, bulk command overwrite, interaction callbacks, webhook edits
// and follow-ups, channel messages and threads), checks every message
// against Discord's size limits, and records each call (method, path, JSON
// body, time, status) so tests can assert what a user would have seen.
// Command registrations are kept as sent (Registrations). A fake CDN
// serves the files tests attach (Attach, Downloads).
// The gateway does the real handshake (HELLO op 10, IDENTIFY op 2, READY,
// heartbeat op 1 → ACK op 11, RESUME op 6 → RESUMED with replay of missed
// dispatches, op 7 reconnect, op 9 invalid session) and lets tests inject
// INTERACTION_CREATE (slash commands with string, number and attachment
// options, autocomplete, message context-menu commands, button clicks;
// members with the permissions a test gives them) and MESSAGE_CREATE
// dispatches, drop the connection, and script 429 answers.
//
// The bot reaches the fake through Server.Client, an *http.Client whose
// transport sends every discord.com request to the fake; the fake's
// GET /api/v9/gateway answers with its own ws:// URL. No package globals
// of discordgo are touched.
package discordtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Options configure a Server. Zero values mean the documented defaults.
type Options struct {
	// Token is the valid bot token, without the "Bot " prefix
	// (default "fake-bot-token"). Any other token gets 401 on REST and
	// close code 4004 on the gateway.
	Token string
	// AppID is the application ID, also the bot user's ID
	// (default "100000000000000001").
	AppID string
	// BotName is the bot user's name (default "citebot").
	BotName string
	// HeartbeatInterval is sent in HELLO (default 41.25 s, as Discord).
	HeartbeatInterval time.Duration
	// DisallowedIntents are intents the "developer portal" has not
	// enabled; an IDENTIFY asking for any of them is closed with 4014,
	// as Discord does for privileged intents.
	DisallowedIntents discordgo.Intent
}

// Server is a running fake Discord. It is safe for concurrent use.
type Server struct {
	opts Options
	http *httptest.Server
	bot  discordgo.User

	mu       sync.Mutex
	changed  chan struct{} // closed and replaced on every state change
	calls    []Call
	failures []*failure
	problems []string

	// REST state.
	nextID       int64
	messages     map[string]*discordgo.Message
	channelMsgs  map[string][]string // channel ID → message IDs, oldest first
	deleted      []string            // responses deleted through webhooks
	channels     map[string]*discordgo.Channel
	interactions map[string]*interaction // by interaction ID
	byToken      map[string]*interaction // by interaction token
	commands     map[string][]*discordgo.ApplicationCommand
	registered   []Registration
	files        map[string]*cdnFile // attachment ID → file on the fake CDN

	// Gateway state.
	conn       *gwConn
	sessionID  string
	seq        int64
	dispatched []dispatch
	identifies int
	resumes    int
	intents    discordgo.Intent
	heartbeats int
}

// NewServer starts a fake Discord on loopback. Close it when done.
func NewServer(opts Options) *Server {
	if opts.Token == "" {
		opts.Token = "fake-bot-token"
	}
	if opts.AppID == "" {
		opts.AppID = "100000000000000001"
	}
	if opts.BotName == "" {
		opts.BotName = "citebot"
	}
	if opts.HeartbeatInterval <= 0 {
		opts.HeartbeatInterval = 41250 * time.Millisecond
	}
	s := &Server{
		opts:         opts,
		bot:          discordgo.User{ID: opts.AppID, Username: opts.BotName, Bot: true},
		changed:      make(chan struct{}),
		nextID:       1200000000000000000,
		messages:     map[string]*discordgo.Message{},
		channelMsgs:  map[string][]string{},
		channels:     map[string]*discordgo.Channel{},
		interactions: map[string]*interaction{},
		byToken:      map[string]*interaction{},
		commands:     map[string][]*discordgo.ApplicationCommand{},
		files:        map[string]*cdnFile{},
	}
	s.http = httptest.NewServer(s.routes())
	return s
}

// Close stops the server and closes the gateway connection.
func (s *Server) Close() {
	s.mu.Lock()
	c := s.conn
	s.conn = nil
	s.mu.Unlock()
	if c != nil {
		c.ws.Close()
	}
	s.http.CloseClientConnections()
	s.http.Close()
}

// Token is the valid bot token (without "Bot ").
func (s *Server) Token() string { return s.opts.Token }

// AppID is the application ID (also the bot user's ID).
func (s *Server) AppID() string { return s.opts.AppID }

// Mention is how a message mentions the bot: "<@ID>".
func (s *Server) Mention() string { return "<@" + s.opts.AppID + ">" }

// Client returns an HTTP client whose transport sends every request for
// discord.com (and any other host) to the fake. Give it to the bot as its
// Discord HTTP client.
func (s *Server) Client() *http.Client {
	target, _ := url.Parse(s.http.URL)
	return &http.Client{Transport: &rewriter{target: target, next: s.http.Client().Transport}, Timeout: 30 * time.Second}
}

// rewriter redirects requests to the fake server, keeping path and query.
type rewriter struct {
	target *url.URL
	next   http.RoundTripper
}

func (r *rewriter) RoundTrip(req *http.Request) (*http.Response, error) {
	out := req.Clone(req.Context())
	out.URL.Scheme = r.target.Scheme
	out.URL.Host = r.target.Host
	out.Host = r.target.Host
	return r.next.RoundTrip(out)
}

// gatewayURL is the ws:// URL the fake hands out in GET /gateway.
func (s *Server) gatewayURL() string {
	return "ws" + strings.TrimPrefix(s.http.URL, "http") + "/ws/"
}

// newIDLocked returns a fresh snowflake-like ID. Callers hold s.mu.
func (s *Server) newIDLocked() string {
	s.nextID++
	return strconv.FormatInt(s.nextID, 10)
}

// notifyLocked wakes every waiter. Callers hold s.mu.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// wait blocks until cond (called with s.mu held) is true or ctx ends.
func (s *Server) wait(ctx context.Context, what string, cond func() bool) error {
	for {
		s.mu.Lock()
		if cond() {
			s.mu.Unlock()
			return nil
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("discordtest: waiting for %s: %w", what, ctx.Err())
		}
	}
}

// Problems are protocol or limit violations the fake saw in requests
// (each also answered with an error status). A well-behaved bot leaves
// this empty.
func (s *Server) Problems() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.problems...)
}

func (s *Server) problemLocked(format string, args ...any) string {
	p := fmt.Sprintf(format, args...)
	s.problems = append(s.problems, p)
	return p
}

// Message returns a copy of a stored message (user or bot) by ID.
func (s *Server) Message(id string) (discordgo.Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages[id]
	if !ok {
		return discordgo.Message{}, false
	}
	return copyMessage(m), true
}

// ChannelMessages returns copies of the messages in a channel, oldest first.
func (s *Server) ChannelMessages(channelID string) []discordgo.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []discordgo.Message
	for _, id := range s.channelMsgs[channelID] {
		out = append(out, copyMessage(s.messages[id]))
	}
	return out
}

// Commands returns the commands last registered with a bulk overwrite,
// for a guild or, with guildID "", globally.
func (s *Server) Commands(guildID string) []*discordgo.ApplicationCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*discordgo.ApplicationCommand(nil), s.commands[guildID]...)
}

// Registration is one bulk overwrite of the commands, as the bot sent it.
type Registration struct {
	// GuildID is the server the commands were registered to ("" =
	// globally).
	GuildID string
	// Commands are the commands as JSON objects, exactly as sent, so a
	// test can check wire details such as default_member_permissions (a
	// decimal string) that the parsed ApplicationCommand hides.
	Commands []map[string]any
	Time     time.Time
}

// Registrations returns every accepted bulk overwrite of the commands, in
// order.
func (s *Server) Registrations() []Registration {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Registration, len(s.registered))
	for i, r := range s.registered {
		b, _ := json.Marshal(r.Commands)
		out[i] = Registration{GuildID: r.GuildID, Time: r.Time}
		_ = json.Unmarshal(b, &out[i].Commands)
	}
	return out
}

// copyMessage deep-copies through JSON so callers cannot race the server.
// Components (which discordgo.Message does not marshal) are shared: the
// server replaces the slice on edits and never changes it in place.
func copyMessage(m *discordgo.Message) discordgo.Message {
	b, _ := json.Marshal(m)
	var out discordgo.Message
	_ = json.Unmarshal(b, &out)
	out.Components = m.Components
	if m.ReferencedMessage != nil {
		rc := copyMessage(m.ReferencedMessage)
		out.ReferencedMessage = &rc
	}
	return out
}

// wireMessage marshals a message as Discord sends it, components
// included (discordgo.Message leaves them out of its JSON).
type wireMessage struct{ m *discordgo.Message }

func wire(m *discordgo.Message) wireMessage { return wireMessage{m} }

func (w wireMessage) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(w.m)
	if err != nil {
		return nil, err
	}
	var obj map[string]any
	if err := json.Unmarshal(b, &obj); err != nil {
		return nil, err
	}
	comps := w.m.Components
	if comps == nil {
		comps = []discordgo.MessageComponent{}
	}
	obj["components"] = comps
	if w.m.ReferencedMessage != nil {
		obj["referenced_message"] = wire(w.m.ReferencedMessage)
	}
	return json.Marshal(obj)
}
