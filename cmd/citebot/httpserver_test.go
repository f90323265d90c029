package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/citebot/citebot/bot/discordtest"
	"github.com/citebot/citebot/internal/openai/openaitest"
)

// opsServe is `citebot serve` with CITEBOT_HTTP_ADDR, running in this
// process against a fake Discord and a fake chat model.
type opsServe struct {
	t    *testing.T
	fake *discordtest.Server
	llm  *openaitest.Server
	logs *lockedBuffer
	base string // http://host:port of the ops endpoint
}

// startOpsServe starts serve without waiting for Discord: prepare may
// script the fake first (a slow command registration keeps the bot from
// being ready).
func startOpsServe(t *testing.T, env map[string]string, llm *openaitest.Server, prepare func(*discordtest.Server)) *opsServe {
	t.Helper()
	fake := discordtest.NewServer(discordtest.Options{})
	t.Cleanup(fake.Close)
	prepare(fake)
	env["DISCORD_TOKEN"] = fake.Token()
	logs := &lockedBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	a := &app{getenv: func(k string) string { return env[k] }, stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: logs, discordClient: fake.Client()}
	root := a.rootCommand()
	root.SetArgs([]string{"serve"})
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("serve did not stop")
		}
	})
	s := &opsServe{t: t, fake: fake, llm: llm, logs: logs}
	deadline := time.Now().Add(20 * time.Second)
	for s.base == "" {
		if time.Now().After(deadline) {
			t.Fatalf("the ops endpoint never started\n%s", logs.String())
		}
		time.Sleep(5 * time.Millisecond)
		s.base = s.opsAddr()
	}
	return s
}

// opsAddr finds the endpoint's address in the JSON log, "" before it is
// logged. Every line must be JSON (CITEBOT_LOG_FORMAT=json).
func (s *opsServe) opsAddr() string {
	sc := bufio.NewScanner(strings.NewReader(s.logs.String()))
	for sc.Scan() {
		var line struct{ Msg, Addr string }
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			s.t.Fatalf("a log line is not JSON: %q", sc.Text())
		}
		if line.Msg == "serving /healthz and /metrics" {
			return "http://" + line.Addr
		}
	}
	return ""
}

func (s *opsServe) get(path string) (int, string) {
	s.t.Helper()
	resp, err := http.Get(s.base + path)
	if err != nil {
		s.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// health is /healthz's status code and report.
func (s *opsServe) health() (int, healthReport) {
	s.t.Helper()
	code, body := s.get("/healthz")
	var rep healthReport
	if err := json.Unmarshal([]byte(body), &rep); err != nil {
		s.t.Fatalf("/healthz body is not JSON: %q", body)
	}
	return code, rep
}

// waitHealth polls /healthz until it answers code.
func (s *opsServe) waitHealth(code int) healthReport {
	s.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got, rep := s.health()
		if got == code {
			return rep
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("/healthz stayed %d %+v, want %d", got, rep, code)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (s *opsServe) scrape() map[string]*dto.MetricFamily {
	s.t.Helper()
	code, body := s.get("/metrics")
	if code != 200 {
		s.t.Fatalf("/metrics = %d: %s", code, body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		s.t.Fatalf("parse /metrics: %v\n%s", err, body)
	}
	return fams
}

// metric is the value of the series of name with labels (name=value
// pairs): a counter's or gauge's value, a histogram's count; -1 if none.
func (s *opsServe) metric(name string, labels ...string) float64 {
	s.t.Helper()
	return seriesValue(s.scrape()[name], labels)
}

// waitMetric polls /metrics until the series reaches at least want.
func (s *opsServe) waitMetric(want float64, name string, labels ...string) {
	s.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := s.metric(name, labels...)
		if got >= want {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%s%v = %v, want %v\n%s", name, labels, got, want, s.logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func seriesValue(f *dto.MetricFamily, labels []string) float64 {
	if f == nil {
		return -1
	}
next:
	for _, m := range f.GetMetric() {
		for i := 0; i+1 < len(labels); i += 2 {
			found := false
			for _, l := range m.GetLabel() {
				found = found || (l.GetName() == labels[i] && l.GetValue() == labels[i+1])
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue()
		case m.Gauge != nil:
			return m.GetGauge().GetValue()
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount())
		}
	}
	return -1
}

// ask sends /ask as who and returns the interaction.
func (s *opsServe) ask(who discordtest.Actor, q string) discordtest.Sent {
	return s.fake.SlashCommand(who, "ask", discordtest.String("question", q))
}

func actor(user string) discordtest.Actor {
	return discordtest.Actor{UserID: user, Username: user, GuildID: "1001", ChannelID: "c1"}
}

// Questions the fake chat model answers in a scripted way.
const (
	qAustin = "What did Lloyd Austin urge during his call with Sergei Shoigu?"
	qPony   = "What did Austin urge, and did he want a pony?"
	qHold   = "How long did the call between Austin and Shoigu last?"
	qRecipe = "What is the best recipe for banana bread?"
)

func scriptedModel(hold <-chan struct{}) *openaitest.Server {
	llm := openaitest.NewServer()
	llm.ChatFunc = func(req openaitest.ChatRequest) string {
		var all strings.Builder
		for _, m := range req.Messages {
			all.WriteString(m.Content)
		}
		switch {
		case strings.Contains(all.String(), "pony"):
			return `Austin urged an "immediate ceasefire" in Ukraine [1]. He also wanted a pony [9].`
		case strings.Contains(all.String(), "How long"):
			<-hold
		}
		return `Austin urged an "immediate ceasefire" in Ukraine [1].`
	}
	return llm
}

// serve with CITEBOT_HTTP_ADDR: /healthz is 503 until the bot is online,
// 200 while it is, 503 while the gateway is down and 200 again after the
// resume; every metric is on /metrics from the start, named citebot_…,
// and moves when its event happens.
func TestServeHealthAndMetrics(t *testing.T) {
	hold := make(chan struct{})
	llm := scriptedModel(hold)
	t.Cleanup(llm.Close)
	release := sync.OnceFunc(func() { close(hold) })
	t.Cleanup(release) // before llm.Close, which waits for held replies
	env := map[string]string{
		"CITEBOT_DATA_DIR": t.TempDir(), "CITEBOT_HTTP_ADDR": "127.0.0.1:0", "CITEBOT_LOG_FORMAT": "json", "CITEBOT_LOG_LEVEL": "info",
		"CITEBOT_SYNC_INTERVAL": "50ms", "CITEBOT_FEEDBACK_SALT": "salt", "DISCORD_RATE_PER_MINUTE": "2", "DISCORD_MAX_CONCURRENT": "1",
		"OPENAI_BASE_URL": llm.URL(), "OPENAI_API_KEY": testKey, "CITEBOT_LLM_RETRIES": "0",
	}
	s := startOpsServe(t, env, llm, func(fake *discordtest.Server) {
		fake.SlowNext("PUT", "/commands", 1, 2*time.Second) // not ready for 2 s
	})

	code, rep := s.health()
	if code != http.StatusServiceUnavailable || rep.Status != "unavailable" || !strings.HasPrefix(rep.Reason, "discord: ") || rep.Store != "ok" {
		t.Errorf("/healthz before the bot is online = %d %+v", code, rep)
	}
	s.checkNames()
	if rep := s.waitHealth(http.StatusOK); rep.Status != "ok" || rep.Discord != "connected" || rep.Store != "ok" || rep.Reason != "" {
		t.Errorf("/healthz online = %+v", rep)
	}
	t.Run("answers", s.checkAnswerMetrics)
	t.Run("guards", s.checkGuardMetrics)
	t.Run("queue", func(t *testing.T) { s.checkQueueMetrics(t, release) })
	t.Run("library", s.checkLibraryMetrics)
	t.Run("gateway", s.checkGatewayMetrics)
}

// checkNames checks every metric is served before any event, and only
// citebot_… ones.
func (s *opsServe) checkNames() {
	fams := s.scrape()
	for _, name := range []string{"citebot_questions_total", "citebot_answers_total", "citebot_answer_stage_duration_seconds",
		"citebot_llm_tokens_total", "citebot_queue_depth", "citebot_rate_limited_total", "citebot_feedback_votes_total",
		"citebot_articles", "citebot_chunks", "citebot_library_syncs_total", "citebot_library_sync_lag_seconds",
		"citebot_library_generation", "citebot_discord_rest_rate_limited_total", "citebot_discord_gateway_reconnects_total",
		"citebot_discord_gateway_up", "citebot_build_info"} {
		if fams[name] == nil {
			s.t.Errorf("%s is not on /metrics", name)
		}
	}
	for name := range fams {
		if !strings.HasPrefix(name, "citebot_") {
			s.t.Errorf("%s is not named citebot_…", name)
		}
	}
	if v := seriesValue(fams["citebot_discord_gateway_up"], nil); v != 0 {
		s.t.Errorf("gateway up before the bot is online = %v", v)
	}
}

// Questions by source, answers by outcome, stage latencies and tokens.
func (s *opsServe) checkAnswerMetrics(t *testing.T) {
	s.ask(actor("a1"), qAustin)
	s.waitMetric(1, "citebot_answers_total", "outcome", "answered")
	if s.metric("citebot_questions_total", "source", "slash") != 1 || s.metric("citebot_llm_tokens_total") <= 0 ||
		s.metric("citebot_answer_stage_duration_seconds", "stage", "llm") != 1 ||
		s.metric("citebot_answer_stage_duration_seconds", "stage", "retrieval") != 1 {
		t.Errorf("after one /ask:\n%s", s.dump("citebot_questions_total", "citebot_llm_tokens_total", "citebot_answer_stage_duration_seconds"))
	}
	s.fake.SendMessage(actor("a2"), discordtest.MessageSpec{Content: s.fake.Mention() + " " + qAustin})
	s.waitMetric(1, "citebot_questions_total", "source", "mention")
	s.waitMetric(2, "citebot_answers_total", "outcome", "answered")

	s.ask(actor("a3"), qPony)
	s.waitMetric(1, "citebot_answers_total", "outcome", "ungrounded")
	s.ask(actor("a4"), qRecipe)
	s.waitMetric(1, "citebot_answers_total", "outcome", "refused")
	s.llm.FailNext(1, http.StatusInternalServerError, "", "")
	s.ask(actor("a5"), qAustin)
	s.waitMetric(1, "citebot_answers_total", "outcome", "error")
}

// Rate-limit refusals, feedback votes and Discord's 429s.
func (s *opsServe) checkGuardMetrics(t *testing.T) {
	s.fake.FailNext("PATCH", "/messages/@original", 1, 10*time.Millisecond)
	first := s.ask(actor("g1"), qAustin)
	s.waitMetric(1, "citebot_discord_rest_rate_limited_total")
	s.ask(actor("g1"), qAustin)
	s.ask(actor("g1"), qAustin) // the third within a minute: refused
	s.waitMetric(1, "citebot_rate_limited_total")

	var orig discordgo.Message
	waitUntilTrue(t, func() bool { // the answer is counted before it is delivered
		orig, _ = s.fake.OriginalResponse(first.ID)
		return len(orig.Components) == 1
	})
	up := orig.Components[0].(*discordgo.ActionsRow).Components[0].(*discordgo.Button).CustomID
	s.fake.ClickButton(actor("voter"), orig.ID, up)
	s.waitMetric(1, "citebot_feedback_votes_total", "vote", "up")
}

// The queue depth rises while a question waits for the one slot.
func (s *opsServe) checkQueueMetrics(t *testing.T, release func()) {
	s.ask(actor("q1"), qHold)
	waitUntilTrue(t, func() bool {
		for _, r := range s.llm.ChatRequests() {
			for _, m := range r.Messages {
				if strings.Contains(m.Content, "How long") {
					return true
				}
			}
		}
		return false
	})
	s.ask(actor("q2"), qAustin)
	s.waitMetric(1, "citebot_queue_depth")
	release()
	s.waitMetric(6, "citebot_answers_total", "outcome", "answered")
	if d := s.metric("citebot_queue_depth"); d != 0 {
		t.Errorf("queue depth after both answers = %v", d)
	}
}

// Articles and chunks by scope, the generation, syncs and their lag.
func (s *opsServe) checkLibraryMetrics(t *testing.T) {
	s.waitMetric(1, "citebot_library_syncs_total", "result", "ok")
	if lag := s.metric("citebot_library_sync_lag_seconds"); lag < 0 || lag > 10 {
		t.Errorf("sync lag = %v", lag)
	}
	if s.metric("citebot_articles", "scope", "shared") < 1 || s.metric("citebot_chunks", "scope", "shared") < 1 {
		t.Errorf("the seed is not counted:\n%s", s.dump("citebot_articles", "citebot_chunks"))
	}
	gen := s.metric("citebot_library_generation")
	curator := actor("boss")
	curator.Permissions = discordtest.MemberPermissions | discordgo.PermissionManageGuild
	att := s.fake.Attach("c1", discordtest.AttachmentSpec{Filename: "lighthouse.md", ContentType: "text/markdown", Data: []byte(lighthouseArticle)})
	s.fake.SlashCommand(curator, "ingest", discordtest.Attachment("file", att))
	s.waitMetric(1, "citebot_articles", "scope", "1001")
	if s.metric("citebot_chunks", "scope", "1001") < 1 || s.metric("citebot_library_generation") == gen {
		t.Errorf("after /ingest:\n%s", s.dump("citebot_chunks", "citebot_library_generation"))
	}
}

// A dropped gateway makes /healthz 503 until the session resumes, which
// counts as a reconnect.
func (s *opsServe) checkGatewayMetrics(t *testing.T) {
	if up := s.metric("citebot_discord_gateway_up"); up != 1 {
		t.Errorf("gateway up while online = %v", up)
	}
	s.fake.Drop()
	if rep := s.waitHealth(http.StatusServiceUnavailable); !strings.Contains(rep.Reason, "gateway") {
		t.Errorf("/healthz after the drop = %+v", rep)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.fake.WaitResumes(ctx, 1); err != nil {
		t.Fatal(err)
	}
	s.waitHealth(http.StatusOK)
	s.waitMetric(1, "citebot_discord_gateway_reconnects_total")
}

// dump is the exposition lines of the named metrics, for failures.
func (s *opsServe) dump(names ...string) string {
	_, body := s.get("/metrics")
	var out []string
	for _, line := range strings.Split(body, "\n") {
		for _, n := range names {
			if strings.HasPrefix(line, n) {
				out = append(out, line)
			}
		}
	}
	return strings.Join(out, "\n")
}

func waitUntilTrue(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 20 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
