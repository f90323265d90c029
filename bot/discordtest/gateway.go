package discordtest

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// Gateway opcodes used by the fake.
const (
	opDispatch       = 0
	opHeartbeat      = 1
	opIdentify       = 2
	opResume         = 6
	opReconnect      = 7
	opInvalidSession = 9
	opHello          = 10
	opHeartbeatACK   = 11
)

// maxReplay bounds the dispatches kept for RESUME.
const maxReplay = 5000

// gwConn is one gateway websocket connection.
type gwConn struct {
	ws  *websocket.Conn
	wmu sync.Mutex
}

func (c *gwConn) write(v any) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteJSON(v)
}

func (c *gwConn) closeWith(code int, text string) {
	c.wmu.Lock()
	_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), time.Now().Add(time.Second))
	c.wmu.Unlock()
	c.ws.Close()
}

// dispatch is one sent (or queued) op 0 event, kept for RESUME replay.
type dispatch struct {
	Op   int             `json:"op"`
	T    string          `json:"t"`
	S    int64           `json:"s"`
	D    json.RawMessage `json:"d"`
	sent time.Time
}

type frame struct {
	Op int             `json:"op"`
	D  json.RawMessage `json:"d"`
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// serveGateway runs one gateway connection: HELLO, then IDENTIFY or
// RESUME, then heartbeats until the connection ends.
func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request) {
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &gwConn{ws: ws}
	defer func() {
		ws.Close()
		s.mu.Lock()
		if s.conn == c {
			s.conn = nil
			s.notifyLocked()
		}
		s.mu.Unlock()
	}()
	if c.write(map[string]any{"op": opHello, "d": map[string]any{"heartbeat_interval": s.opts.HeartbeatInterval.Milliseconds()}}) != nil {
		return
	}
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			return
		}
		var f frame
		if json.Unmarshal(data, &f) != nil {
			c.closeWith(4002, "Decode error")
			return
		}
		switch f.Op {
		case opHeartbeat:
			s.mu.Lock()
			s.heartbeats++
			s.mu.Unlock()
			if c.write(map[string]any{"op": opHeartbeatACK}) != nil {
				return
			}
		case opIdentify:
			if !s.identify(c, f.D) {
				return
			}
		case opResume:
			if !s.resume(c, f.D) {
				return
			}
		}
	}
}

func (s *Server) tokenOK(tok string) bool {
	return strings.TrimPrefix(tok, "Bot ") == s.opts.Token
}

func (s *Server) identify(c *gwConn, raw json.RawMessage) bool {
	var id struct {
		Token   string           `json:"token"`
		Intents discordgo.Intent `json:"intents"`
	}
	_ = json.Unmarshal(raw, &id)
	if !s.tokenOK(id.Token) {
		c.closeWith(4004, "Authentication failed.")
		return false
	}
	if id.Intents&s.opts.DisallowedIntents != 0 {
		c.closeWith(4014, "Disallowed intent(s).")
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.identifies++
	s.intents = id.Intents
	s.sessionID = "session-" + strconv.Itoa(s.identifies)
	s.seq = 0
	s.dispatched = nil
	s.conn = c
	u := s.bot
	s.dispatchLocked("READY", map[string]any{
		"v": 10, "user": u, "session_id": s.sessionID, "resume_gateway_url": s.gatewayURL(),
		"shard": []int{0, 1}, "application": map[string]any{"id": s.opts.AppID, "flags": 0},
		"guilds": []any{}, "private_channels": []any{},
	})
	return true
}

func (s *Server) resume(c *gwConn, raw json.RawMessage) bool {
	var res struct {
		Token     string `json:"token"`
		SessionID string `json:"session_id"`
		Seq       int64  `json:"seq"`
	}
	_ = json.Unmarshal(raw, &res)
	if !s.tokenOK(res.Token) {
		c.closeWith(4004, "Authentication failed.")
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if res.SessionID != s.sessionID || s.sessionID == "" {
		return c.write(map[string]any{"op": opInvalidSession, "d": false}) == nil
	}
	s.resumes++
	s.conn = c
	for _, d := range s.dispatched {
		if d.S > res.Seq {
			if c.write(d) != nil {
				return false
			}
		}
	}
	s.dispatchLocked("RESUMED", map[string]any{})
	return true
}

// Dispatch sends an op 0 event of type t with data d on the gateway (or
// queues it for replay if the bot is disconnected) and returns its
// sequence number and the time it was written.
func (s *Server) Dispatch(t string, d any) (int64, time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dispatchLocked(t, d)
}

func (s *Server) dispatchLocked(t string, d any) (int64, time.Time) {
	raw, err := json.Marshal(d)
	if err != nil {
		panic("discordtest: marshal dispatch: " + err.Error())
	}
	s.seq++
	ev := dispatch{Op: opDispatch, T: t, S: s.seq, D: raw}
	if s.conn != nil {
		if s.conn.write(ev) != nil {
			// The bot will RESUME and get it replayed.
			s.conn.ws.Close()
		}
	}
	ev.sent = time.Now()
	s.dispatched = append(s.dispatched, ev)
	if len(s.dispatched) > maxReplay {
		s.dispatched = s.dispatched[len(s.dispatched)-maxReplay:]
	}
	s.notifyLocked()
	return ev.S, ev.sent
}

// Drop cuts the gateway connection without a close frame, as a network
// failure would. discordgo then reconnects and sends RESUME.
func (s *Server) Drop() {
	s.mu.Lock()
	c := s.conn
	s.conn = nil
	s.notifyLocked()
	s.mu.Unlock()
	if c != nil {
		_ = c.ws.UnderlyingConn().Close()
	}
}

// Reconnect sends op 7: the client should reconnect and resume.
func (s *Server) Reconnect() { s.sendOp(opReconnect, nil) }

// InvalidSession sends op 9 (not resumable): the client must identify
// again.
func (s *Server) InvalidSession() { s.sendOp(opInvalidSession, false) }

// sendOp writes a non-dispatch op to the connected client, if any.
func (s *Server) sendOp(op int, d any) {
	s.mu.Lock()
	c := s.conn
	s.mu.Unlock()
	if c != nil {
		_ = c.write(map[string]any{"op": op, "d": d})
	}
}

// Connected reports whether a gateway session is live.
func (s *Server) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conn != nil
}

// WaitReady waits until a client has identified and is connected.
func (s *Server) WaitReady(ctx context.Context) error {
	return s.wait(ctx, "gateway READY", func() bool { return s.identifies > 0 && s.conn != nil })
}

// WaitResumes waits until at least n RESUMEs succeeded and the client is
// connected.
func (s *Server) WaitResumes(ctx context.Context, n int) error {
	return s.wait(ctx, "gateway RESUME", func() bool { return s.resumes >= n && s.conn != nil })
}

// Identifies counts IDENTIFY handshakes.
func (s *Server) Identifies() int { s.mu.Lock(); defer s.mu.Unlock(); return s.identifies }

// Heartbeats counts heartbeats received.
func (s *Server) Heartbeats() int { s.mu.Lock(); defer s.mu.Unlock(); return s.heartbeats }

// Intents are the intents of the last IDENTIFY.
func (s *Server) Intents() discordgo.Intent { s.mu.Lock(); defer s.mu.Unlock(); return s.intents }
