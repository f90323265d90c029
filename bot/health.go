package bot

import (
	"errors"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Health reports whether the bot can answer now: nil once it is online
// (gateway connected, commands registered) and its gateway session is
// live; otherwise an error saying why not. It is what a health check
// (/healthz) asks, so it never blocks for long.
func (b *Bot) Health() error {
	select {
	case <-b.ready:
	default:
		return errors.New("not connected to Discord yet")
	}
	b.flightMu.Lock()
	draining := b.draining
	b.flightMu.Unlock()
	if draining {
		return errors.New("shutting down")
	}
	if !b.gatewayLive() {
		return errors.New("Discord gateway disconnected; reconnecting")
	}
	return nil
}

// gatewayLive reads discordgo's own view of the session: DataReady goes
// false the moment a connection fails (before the Disconnect event, which
// discordgo emits a second later) and true again once a reconnected
// session sends its heartbeat. discordgo holds the session lock while it
// closes or dials, which can take long; a lock held for more than a few
// milliseconds therefore means "not live" rather than a stalled check.
func (b *Bot) gatewayLive() bool {
	for range 20 {
		if b.s.TryRLock() {
			live := b.s.DataReady
			b.s.RUnlock()
			return live
		}
		time.Sleep(time.Millisecond)
	}
	return false
}

// watchGateway adds the handlers that count gateway reconnects for
// Metrics: every RESUMED, and every READY after the first (a new session
// after an invalid one). It returns their removers.
func (b *Bot) watchGateway() []func() {
	var readies atomic.Int64
	return []func(){
		b.s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Ready) {
			if readies.Add(1) > 1 {
				b.cfg.Metrics.GatewayReconnect()
			}
		}),
		b.s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Resumed) { b.cfg.Metrics.GatewayReconnect() }),
	}
}
