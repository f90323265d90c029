package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"github.com/citebot/citebot/answer"
	"github.com/citebot/citebot/retrieval"
)

// Bot is citebot connected to Discord. Create it with New and start it
// with Run.
type Bot struct {
	cfg  Config
	log  *slog.Logger
	s    *discordgo.Session
	salt string

	allowedChannels map[string]bool
	allowedRoles    map[string]bool
	askChannels     map[string]bool
	curatorRoles    map[string]bool

	limiter *userLimiter
	queue   *queue

	// Caches, all bounded.
	records  *lru[string, *answerRecord]      // feedback ID → answer
	votes    *lru[string, Feedback]           // feedback ID + voter hash → their vote
	botRoles *lru[string, string]             // guild → the bot's managed role
	turns    *lru[string, *answerRecord]      // bot message ID → answer it belongs to
	messages *lru[string, *discordgo.Message] // fetched messages (reply chains)
	threads  *lru[string, []answer.Turn]      // threads the bot opened → conversation
	parents  *lru[string, string]             // channel → parent ("" = none)

	artMu    sync.Mutex                            // one article list fetch at a time
	articles *lru[retrieval.Scope, articleListing] // scope → its articles, briefly

	appID, botID string
	botName      string
	ready        chan struct{}
	runOnce      sync.Once

	// In-flight tracking for graceful shutdown.
	flightMu sync.Mutex
	inFlight int
	draining bool
	idle     chan struct{} // closed when draining and inFlight reaches 0
	hard     context.Context
	hardStop context.CancelFunc

	// jobDone, if set (tests), is called with a job's origin when it ends.
	jobDone func(origin string)
}

// articleCacheTTL keeps autocomplete fast without going stale for long.
const articleCacheTTL = 30 * time.Second

// New checks cfg and prepares a bot; nothing touches the network until
// Run.
func New(cfg Config) (*Bot, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	salt := cfg.FeedbackSalt
	if salt == "" {
		salt = randomHex(16)
		cfg.Logger.Warn("CITEBOT_FEEDBACK_SALT is not set: feedback user hashes use a random salt and cannot be linked across restarts")
	}
	hard, stop := context.WithCancel(context.Background())
	b := &Bot{
		cfg:             cfg,
		log:             cfg.Logger,
		s:               newSession(cfg),
		salt:            salt,
		allowedChannels: set(cfg.AllowedChannels),
		allowedRoles:    set(cfg.AllowedRoles),
		askChannels:     set(cfg.AskChannels),
		curatorRoles:    set(cfg.CuratorRoles),
		limiter:         newUserLimiter(cfg.RatePerMinute),
		queue:           newQueue(cfg.MaxConcurrent, cfg.Metrics.Queue),
		records:         newLRU[string, *answerRecord](2000),
		votes:           newLRU[string, Feedback](4000),
		botRoles:        newLRU[string, string](2000),
		turns:           newLRU[string, *answerRecord](4000),
		messages:        newLRU[string, *discordgo.Message](2000),
		threads:         newLRU[string, []answer.Turn](1000),
		parents:         newLRU[string, string](2000),
		articles:        newLRU[retrieval.Scope, articleListing](1000),
		ready:           make(chan struct{}),
		idle:            make(chan struct{}),
		hard:            hard,
		hardStop:        stop,
	}
	return b, nil
}

// Run connects to Discord, registers the slash commands and serves until
// ctx ends; then it takes no new questions, lets answers in flight finish
// (up to ShutdownTimeout), and closes the gateway. A missing or rejected
// token, refused intents or a failed command registration end Run with
// one clear error.
func Run(ctx context.Context, cfg Config) error {
	b, err := New(cfg)
	if err != nil {
		return err
	}
	return b.Run(ctx)
}

// Ready is closed once the bot is connected and its commands registered.
func (b *Bot) Ready() <-chan struct{} { return b.ready }

// Run is the package-level Run for an existing Bot. It may be called once.
func (b *Bot) Run(ctx context.Context) error {
	err := errors.New("bot: Run called twice")
	b.runOnce.Do(func() { err = b.run(ctx) })
	return err
}

func (b *Bot) run(ctx context.Context) error {
	defer b.hardStop()
	defer b.s.Client.CloseIdleConnections()

	// 1. The token: one REST call tells a bad token from a network problem.
	var me *discordgo.User
	err := b.restN(ctx, "check token", 0, func(opts ...discordgo.RequestOption) error {
		var err error
		me, err = b.s.User("@me", opts...)
		return err
	})
	if restStatus(err) == 401 {
		return ErrTokenRejected
	}
	if err != nil {
		return fmt.Errorf("connect to Discord: %w", err)
	}
	b.botID, b.botName = me.ID, me.Username

	// 2. Handlers, then the gateway.
	removers := []func(){
		b.s.AddHandler(b.onRawInteraction),
		b.s.AddHandler(b.onRawGuild),
		b.s.AddHandler(b.onMessage),
		b.s.AddHandler(func(_ *discordgo.Session, r *discordgo.Ready) {
			b.log.Info("gateway ready", "user", r.User.Username, "guilds", len(r.Guilds))
		}),
		b.s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Resumed) { b.log.Info("gateway session resumed") }),
		b.s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Disconnect) { b.log.Info("gateway disconnected") }),
	}
	removers = append(removers, b.watchGateway()...)
	defer func() {
		for _, rm := range removers {
			rm()
		}
	}()
	if err := b.open(ctx); err != nil {
		return err
	}
	defer b.closeGateway()

	b.appID = b.botID
	b.s.State.RLock()
	if app := b.s.State.Ready.Application; app != nil && app.ID != "" {
		b.appID = app.ID
	}
	b.s.State.RUnlock()

	// 3. Commands: one idempotent bulk overwrite.
	err = b.rest(ctx, "register slash commands", func(opts ...discordgo.RequestOption) error {
		_, err := b.s.ApplicationCommandBulkOverwrite(b.appID, b.cfg.GuildID, commands(b.cfg), opts...)
		return err
	})
	if err != nil {
		if st := restStatus(err); st == 403 {
			return fmt.Errorf("register slash commands: Discord said %d; invite the bot with the applications.commands scope (%s)", st, InviteURL(b.appID))
		}
		return fmt.Errorf("register slash commands: %w", err)
	}
	where := "globally (may take up to an hour to appear)"
	if b.cfg.GuildID != "" {
		where = "in guild " + b.cfg.GuildID
	}
	b.log.Info("citebot is online", "user", me.Username, "commands", where, "invite", InviteURL(b.appID))
	close(b.ready)
	if b.cfg.DigestSchedules != nil && b.cfg.Digester != nil {
		go b.runDigestSchedule(ctx)
	}

	<-ctx.Done()
	b.shutdown()
	return nil
}

// open connects the gateway. discordgo's Open has no context, so it runs
// aside and ctx only bounds the wait.
func (b *Bot) open(ctx context.Context) error {
	done := make(chan error, 1)
	go func() { done <- b.s.Open() }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		go func() {
			if <-done == nil {
				b.s.Close()
			}
		}()
		return fmt.Errorf("connect to the Discord gateway: %w", ctx.Err())
	}
	if err == nil {
		return nil
	}
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		switch ce.Code {
		case 4004:
			return ErrTokenRejected
		case 4013, 4014:
			return ErrIntentsDisallowed
		}
	}
	return fmt.Errorf("connect to the Discord gateway: %s", b.redact(err))
}

func (b *Bot) closeGateway() {
	if err := b.s.Close(); err != nil {
		b.log.Warn("close gateway", "err", b.redact(err))
	}
}

// shutdown stops taking questions and waits for answers in flight, at
// most ShutdownTimeout; after that they are cancelled and get a short
// grace to tell their users.
func (b *Bot) shutdown() {
	b.flightMu.Lock()
	b.draining = true
	if b.inFlight == 0 {
		close(b.idle)
	}
	n := b.inFlight
	b.flightMu.Unlock()
	b.log.Info("shutting down", "in_flight", n)
	t := time.NewTimer(b.cfg.ShutdownTimeout)
	defer t.Stop()
	select {
	case <-b.idle:
		return
	case <-t.C:
	}
	b.log.Warn("answers still running at the shutdown deadline; cancelling them")
	b.hardStop()
	grace := time.NewTimer(b.cfg.RESTTimeout + time.Second)
	defer grace.Stop()
	select {
	case <-b.idle:
	case <-grace.C:
	}
}

// begin registers a handler in flight; false while shutting down.
func (b *Bot) begin() bool {
	b.flightMu.Lock()
	defer b.flightMu.Unlock()
	if b.draining {
		return false
	}
	b.inFlight++
	return true
}

func (b *Bot) end() {
	b.flightMu.Lock()
	defer b.flightMu.Unlock()
	b.inFlight--
	if b.draining && b.inFlight == 0 {
		close(b.idle)
	}
}

// serve runs the handler of one gateway event: counted in flight, so
// shutdown waits for it; under the handler context; and with a panic
// turned into a log entry and a notice through tell. It returns false,
// without running handle, once shutdown has begun; true otherwise, even
// when handle panicked.
func (b *Bot) serve(where string, tell func(ctx context.Context, text string), handle func(ctx context.Context)) (started bool) {
	if !b.begin() {
		return false
	}
	started = true
	defer b.end()
	ctx, cancel := b.handlerContext()
	defer cancel()
	defer b.recoverPanic(where, func(text string) {
		fctx, cancel := b.finalContext()
		defer cancel()
		tell(fctx, text)
	})
	handle(ctx)
	return started
}

// engineFor is the engine that answers requests from scope.
func (b *Bot) engineFor(scope retrieval.Scope) Engine {
	if b.cfg.EngineFor != nil {
		return b.cfg.EngineFor(scope)
	}
	return b.cfg.Engine
}

// scopeOf is the library view of a request from guildID: that server's,
// or for a DM ("") the shared one.
func scopeOf(guildID string) retrieval.Scope {
	if guildID == "" {
		return retrieval.Shared
	}
	return retrieval.GuildScope(guildID)
}

// handlerContext is the context of one handler: it survives the end of
// Run's ctx (answers in flight finish) but not the hard stop.
func (b *Bot) handlerContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.hard, b.cfg.AnswerTimeout)
}

// finalContext is for the last message of a handler, which must go out
// even when the answer was cancelled.
func (b *Bot) finalContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), b.cfg.RESTTimeout*time.Duration(b.cfg.RateLimitRetries+1)+maxRetryAfter)
}

// recoverPanic turns a handler panic into a log entry with the stack and
// a reference the user sees. tell must not panic (it is guarded anyway).
func (b *Bot) recoverPanic(where string, tell func(text string)) {
	r := recover()
	if r == nil {
		return
	}
	ref := randomHex(4)
	b.log.Error("handler panic", "where", where, "ref", ref, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
	if tell == nil {
		return
	}
	defer func() {
		if r2 := recover(); r2 != nil {
			b.log.Error("panic while reporting a panic", "ref", ref, "panic", fmt.Sprint(r2))
		}
	}()
	tell(fmt.Sprintf("Something went wrong on my side (ref: %s). Please try again.", ref))
}

// logFailure logs an unexpected error under a fresh reference and returns
// it, so the notice the user sees can quote what the log says.
func (b *Bot) logFailure(msg string, err error) (ref string) {
	ref = randomHex(4)
	b.log.Error(msg, "ref", ref, "err", b.redact(err))
	return ref
}

func randomHex(n int) string {
	buf := make([]byte, n)
	_, _ = rand.Read(buf)
	return hex.EncodeToString(buf)
}
