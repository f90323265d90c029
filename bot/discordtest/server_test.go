package discordtest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

func session(t *testing.T, s *Server, token string) *discordgo.Session {
	t.Helper()
	dg, err := discordgo.New("Bot " + token)
	if err != nil {
		t.Fatal(err)
	}
	dg.Client = s.Client()
	dg.ShouldRetryOnRateLimit = false
	return dg
}

func TestRESTAuthLimitsAndRateLimits(t *testing.T) {
	s := NewServer(Options{})
	defer s.Close()

	var re *discordgo.RESTError
	if _, err := session(t, s, "nope").User("@me"); !errors.As(err, &re) || re.Response.StatusCode != http.StatusUnauthorized {
		t.Errorf("bad token: %v", err)
	}
	dg := session(t, s, s.Token())
	me, err := dg.User("@me")
	if err != nil || me.ID != s.AppID() || !me.Bot {
		t.Fatalf("users/@me = %+v, %v", me, err)
	}
	// Over the content limit: 400, and recorded as a problem.
	if _, err := dg.ChannelMessageSend("c1", strings.Repeat("x", 2001)); !errors.As(err, &re) || re.Response.StatusCode != 400 {
		t.Errorf("2001-character message: %v", err)
	}
	if p := s.Problems(); len(p) != 1 || !strings.Contains(p[0], "content is 2001 characters") {
		t.Errorf("problems = %v", p)
	}
	// Scripted 429 with retry_after, once.
	s.FailNext("POST", "/channels/c1/messages", 1, 250*time.Millisecond)
	_, err = dg.ChannelMessageSend("c1", "hi")
	var rl *discordgo.RateLimitError
	if !errors.As(err, &rl) || rl.RetryAfter != 250*time.Millisecond {
		t.Errorf("scripted 429: %v", err)
	}
	m, err := dg.ChannelMessageSend("c1", "hi")
	if err != nil || m.Content != "hi" || m.Author.ID != s.AppID() {
		t.Errorf("after the 429: %+v %v", m, err)
	}
	got, err := dg.ChannelMessage("c1", m.ID)
	if err != nil || got.Content != "hi" {
		t.Errorf("fetch: %+v %v", got, err)
	}
	statuses := []int{}
	for _, c := range s.Calls() {
		statuses = append(statuses, c.Status)
	}
	if len(statuses) != 6 || statuses[3] != 429 {
		t.Errorf("recorded statuses %v", statuses)
	}
}

func TestGatewayHandshakeInjectionAndResume(t *testing.T) {
	s := NewServer(Options{HeartbeatInterval: 50 * time.Millisecond})
	defer s.Close()
	dg := session(t, s, s.Token())
	dg.Identify.Intents = discordgo.IntentsGuilds
	got := make(chan *discordgo.InteractionCreate, 4)
	dg.AddHandler(func(_ *discordgo.Session, ic *discordgo.InteractionCreate) { got <- ic })
	if err := dg.Open(); err != nil {
		t.Fatal(err)
	}
	defer dg.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	if dg.State.User == nil || dg.State.User.ID != s.AppID() || dg.State.Ready.Application.ID != s.AppID() {
		t.Errorf("READY did not carry the bot user and application")
	}
	sent := s.SlashCommand(Actor{UserID: "u1", GuildID: "g1", ChannelID: "c1", Roles: []string{"r"}}, "ask", String("question", "why?"))
	ic := <-got
	data := ic.ApplicationCommandData()
	if ic.ID != sent.ID || ic.Token != sent.Token || data.Name != "ask" || data.Options[0].StringValue() != "why?" || ic.Member.User.ID != "u1" {
		t.Errorf("interaction = %+v %+v", ic.Interaction, data)
	}
	waitFor(t, func() bool { return s.Heartbeats() >= 2 })

	s.Drop()
	if err := s.WaitResumes(ctx, 1); err != nil {
		t.Fatal(err)
	}
	sent = s.SlashCommand(Actor{UserID: "u2", ChannelID: "dm"}, "help")
	if ic := <-got; ic.ID != sent.ID || ic.User == nil || ic.User.ID != "u2" {
		t.Errorf("after RESUME: %+v", ic.Interaction)
	}
	if s.Identifies() != 1 {
		t.Errorf("%d identifies", s.Identifies())
	}
	// Responses: one acknowledgement only.
	if err := dg.InteractionRespond(ic.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}); err != nil {
		t.Fatal(err)
	}
	if err := dg.InteractionRespond(ic.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}); err == nil {
		t.Error("second acknowledgement accepted")
	}
	content := "done"
	if _, err := dg.InteractionResponseEdit(ic.Interaction, &discordgo.WebhookEdit{Content: &content}); err != nil {
		t.Fatal(err)
	}
	if m, ok := s.OriginalResponse(ic.ID); !ok || m.Content != "done" {
		t.Errorf("@original = %+v", m)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestFakeCDNServesAttachments(t *testing.T) {
	s := NewServer(Options{})
	defer s.Close()
	att := s.Attach("c1", AttachmentSpec{Filename: "notes.md", ContentType: "text/markdown", Data: []byte("# Notes")})
	if !strings.HasPrefix(att.URL, "https://cdn.discordapp.com/attachments/c1/"+att.ID+"/notes.md?") || att.Size != 7 {
		t.Errorf("attachment = %+v", att)
	}
	get := func(u string, auth bool) (int, string) {
		req, _ := http.NewRequest("GET", u, nil)
		if auth {
			req.Header.Set("Authorization", "Bot "+s.Token())
		}
		resp, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b := new(strings.Builder)
		_, _ = io.Copy(b, resp.Body)
		return resp.StatusCode, b.String()
	}
	if code, body := get(att.URL, false); code != 200 || body != "# Notes" || s.Downloads(att.ID) != 1 {
		t.Errorf("download: %d %q, %d downloads", code, body, s.Downloads(att.ID))
	}
	if code, _ := get(strings.Split(att.URL, "?")[0], false); code != 404 || s.Downloads(att.ID) != 1 {
		t.Errorf("unsigned URL answered %d", code)
	}
	if len(s.Problems()) != 0 {
		t.Errorf("problems: %v", s.Problems())
	}
	get(att.URL, true)
	if p := s.Problems(); len(p) != 1 || !strings.Contains(p[0], "Authorization") {
		t.Errorf("token sent to the CDN not flagged: %v", p)
	}
}

func TestRegistrationChecksContextMenuCommands(t *testing.T) {
	s := NewServer(Options{})
	defer s.Close()
	dg := session(t, s, s.Token())
	perm := int64(discordgo.PermissionManageGuild)
	ok := []*discordgo.ApplicationCommand{
		{Type: discordgo.MessageApplicationCommand, Name: "Add to library", DefaultMemberPermissions: &perm},
		{Type: discordgo.ChatApplicationCommand, Name: "forget", Description: "Remove", Options: []*discordgo.ApplicationCommandOption{}},
	}
	if _, err := dg.ApplicationCommandBulkOverwrite(s.AppID(), "g1", ok); err != nil {
		t.Fatal(err)
	}
	regs := s.Registrations()
	if len(regs) != 1 || regs[0].GuildID != "g1" || regs[0].Commands[0]["default_member_permissions"] != "32" {
		t.Errorf("registrations = %+v", regs)
	}
	bad := []*discordgo.ApplicationCommand{
		{Type: discordgo.MessageApplicationCommand, Name: "Add to library", Description: "not allowed"},
		{Type: discordgo.ChatApplicationCommand, Name: "Forget", Description: "uppercase"},
	}
	if _, err := dg.ApplicationCommandBulkOverwrite(s.AppID(), "g1", bad); err == nil {
		t.Error("bad commands accepted")
	}
	if p := s.Problems(); len(p) != 1 || !strings.Contains(p[0], "has a description") || !strings.Contains(p[0], `"Forget" must be`) {
		t.Errorf("problems = %v", p)
	}
	if len(s.Registrations()) != 1 {
		t.Error("a refused overwrite was recorded")
	}
}
