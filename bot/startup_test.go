package bot

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/citebot/citebot/bot/discordtest"
)

func TestNewRequiresToken(t *testing.T) {
	for _, tok := range []string{"", "   ", "Bot "} {
		_, err := New(Config{Token: tok, Engine: newFakeEngine()})
		if !errors.Is(err, ErrNoToken) {
			t.Errorf("token %q: err = %v, want ErrNoToken", tok, err)
		}
	}
	if _, err := New(Config{Token: "x"}); err == nil {
		t.Error("no engine: want an error")
	}
}

func TestRejectedTokenIsOneClearError(t *testing.T) {
	t.Parallel()
	fake := discordtest.NewServer(discordtest.Options{})
	defer fake.Close()
	logs := &syncBuffer{}
	const bad = "wrong-token-ABCDEF123"
	b, err := New(Config{Token: bad, Engine: newFakeEngine(), HTTPClient: fake.Client(),
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	err = b.Run(ctx)
	if !errors.Is(err, ErrTokenRejected) {
		t.Fatalf("Run = %v, want ErrTokenRejected", err)
	}
	if msg := err.Error(); strings.Contains(msg, bad) || strings.Count(msg, "\n") > 0 {
		t.Errorf("error leaks the token or is not one sentence: %q", msg)
	}
	if strings.Contains(logs.String(), bad) {
		t.Error("token in logs")
	}
	if fake.Identifies() != 0 {
		t.Error("bot connected to the gateway with a rejected token")
	}
}

func TestStartupRegistersCommandsAndIntents(t *testing.T) {
	t.Parallel()
	h := startBot(t, Config{Engine: newFakeEngine(), GuildID: "g1"}, discordtest.Options{})
	cmds := h.fake.Commands("g1")
	var names []string
	for _, c := range cmds {
		names = append(names, c.Name)
	}
	if got := strings.Join(names, ","); got != "ask,summarize,articles,search,help" {
		t.Errorf("guild commands = %s", got)
	}
	if len(h.fake.Commands("")) != 0 {
		t.Error("commands were also registered globally")
	}
	want := discordgo.IntentsGuilds | discordgo.IntentsGuildMessages | discordgo.IntentsDirectMessages | discordgo.IntentMessageContent
	if got := h.fake.Intents(); got != want {
		t.Errorf("intents = %d, want %d", got, want)
	}
	// One bulk overwrite, not one call per command.
	puts := h.fake.CallsMatching(func(c discordtest.Call) bool { return c.Method == "PUT" })
	if len(puts) != 1 || !strings.HasSuffix(puts[0].Path, "/guilds/g1/commands") {
		t.Errorf("command registration calls = %v", puts)
	}
}

func TestStartupGlobalCommandsWithoutMessageContent(t *testing.T) {
	t.Parallel()
	h := startBot(t, Config{Engine: newFakeEngine(), NoMessageContent: true}, discordtest.Options{})
	if len(h.fake.Commands("")) != 5 {
		t.Errorf("global commands = %d, want 5", len(h.fake.Commands("")))
	}
	if h.fake.Intents()&discordgo.IntentMessageContent != 0 {
		t.Error("message content intent requested although switched off")
	}
}

func TestDisallowedIntentIsOneClearError(t *testing.T) {
	t.Parallel()
	fake := discordtest.NewServer(discordtest.Options{DisallowedIntents: discordgo.IntentMessageContent})
	defer fake.Close()
	b, err := New(Config{Token: fake.Token(), Engine: newFakeEngine(), HTTPClient: fake.Client()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := b.Run(ctx); !errors.Is(err, ErrIntentsDisallowed) {
		t.Fatalf("Run = %v, want ErrIntentsDisallowed", err)
	}
}

func TestInvitePermissions(t *testing.T) {
	want := int64(discordgo.PermissionViewChannel | discordgo.PermissionSendMessages | discordgo.PermissionEmbedLinks |
		discordgo.PermissionReadMessageHistory | discordgo.PermissionCreatePublicThreads | discordgo.PermissionSendMessagesInThreads)
	if InvitePermissions != want || InvitePermissions != 309237730304 {
		t.Errorf("InvitePermissions = %d, want %d", InvitePermissions, want)
	}
	u := InviteURL("123")
	if !strings.Contains(u, "scope=bot+applications.commands") || !strings.Contains(u, "permissions=309237730304") || !strings.Contains(u, "client_id=123") {
		t.Errorf("InviteURL = %s", u)
	}
}

func TestGracefulShutdownFinishesInFlight(t *testing.T) {
	t.Parallel()
	eng := newFakeEngine()
	started := make(chan struct{})
	release := make(chan struct{})
	base := eng.ask
	eng.setAsk(func(ctx context.Context, q string, hist []answerTurn, onDelta answerDelta) (answerT, error) {
		close(started)
		<-release
		return base(ctx, q, hist, onDelta)
	})
	h := startBot(t, Config{Engine: eng}, discordtest.Options{})
	sent := h.fake.SlashCommand(guildActor("u1", "c1"), "ask", discordtest.String("question", "What did Austin urge?"))
	<-started
	stopped := make(chan error, 1)
	go func() { stopped <- h.stop() }()
	// While draining, a new question is turned away politely.
	waitUntil(t, func() bool { h.bot.flightMu.Lock(); defer h.bot.flightMu.Unlock(); return h.bot.draining })
	late := h.fake.SlashCommand(guildActor("u2", "c1"), "ask", discordtest.String("question", "Another?"))
	cb := h.callback(late)
	if bodyType(cb) != 4 || bodyFlags(cb)&64 == 0 || !strings.Contains(bodyContent(cb), "restarting") {
		t.Errorf("late question got %s %s", cb, cb.Raw)
	}
	select {
	case err := <-stopped:
		t.Fatalf("Run returned (%v) before the answer in flight finished", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if err := <-stopped; err != nil {
		t.Fatalf("Run = %v", err)
	}
	orig, _ := h.fake.OriginalResponse(sent.ID)
	if !strings.Contains(orig.Content, "[1]") || len(orig.Components) == 0 {
		t.Errorf("in-flight answer not delivered before shutdown: %q", orig.Content)
	}
	if h.fake.Connected() {
		t.Error("gateway still connected after Run returned")
	}
	h.checkHygiene()
}

func TestShutdownTimeoutCancelsAndTellsUser(t *testing.T) {
	t.Parallel()
	eng := newFakeEngine()
	started := make(chan struct{})
	eng.setAsk(func(ctx context.Context, q string, _ []answerTurn, _ answerDelta) (answerT, error) {
		close(started)
		<-ctx.Done()
		return answerT{}, ctx.Err()
	})
	h := startBot(t, Config{Engine: eng, ShutdownTimeout: 100 * time.Millisecond}, discordtest.Options{})
	sent := h.fake.SlashCommand(guildActor("u1", "c1"), "ask", discordtest.String("question", "Will this finish?"))
	<-started
	if err := h.stop(); err != nil {
		t.Fatalf("Run = %v", err)
	}
	// Told privately: the public placeholder goes.
	if text, _ := h.privateNotice(sent); !strings.Contains(text, "restarted") {
		t.Errorf("user not told about the interrupted answer: %q", text)
	}
}
