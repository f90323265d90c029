package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/citebot/citebot/answer"
)

// maxChatTurns bounds the history sent with a follow-up: older turns fall
// off so prompts stay small.
const maxChatTurns = 6

const chatHelp = `Ask a question about the articles; follow-up questions keep the conversation.
Commands:
  /new    start a new conversation
  /quit   leave (also /exit, Ctrl-D, or Ctrl-C twice)
  /help   show this help`

func (a *app) chatCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "chat",
		Short: "Ask questions interactively, with follow-ups (/quit or Ctrl-D to leave)",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			eng, ix, err := a.openEngine(ctx)
			if err != nil {
				return err
			}
			defer ix.Close()
			lines, err := a.chatLines()
			if err != nil {
				return err
			}
			defer lines.Close()
			return a.chatLoop(ctx, eng, lines)
		},
	}
	a.addGuildFlag(cmd)
	return cmd
}

// chatLines reads the user's lines: with line editing and history when
// both ends are a terminal, plainly otherwise (pipes, tests).
func (a *app) chatLines() (lineReader, error) {
	inTTY, inOK := terminalFile(a.stdin)
	outTTY, outOK := terminalFile(a.stdout)
	if inOK && outOK {
		return newEditLines(inTTY, outTTY, a.cfg.DataDir)
	}
	return newPlainLines(a.stdin, a.stdout), nil
}

// chatSession is the state of one chat: the conversation so far, whether
// the extractive notice was shown, whether the last read was a Ctrl-C.
type chatSession struct {
	history     []answer.Turn
	noteShown   bool
	interrupted bool
}

// chatLoop reads lines until /quit, Ctrl-D or a second Ctrl-C, and
// answers each question with the conversation as context.
func (a *app) chatLoop(ctx context.Context, eng *answer.Engine, lines lineReader) error {
	interactive := isTerminal(a.stdout)
	if interactive {
		fmt.Fprintln(a.stdout, wrapText("Ask about the articles. Follow-up questions keep the conversation; /new starts over, /quit leaves, /help lists the commands.", termWidth(a.stdout), ""))
	}
	var cs chatSession
	for {
		raw, err := lines.ReadLine()
		if errors.Is(err, errChatInterrupt) {
			if cs.interrupted {
				return nil
			}
			cs.interrupted = true
			fmt.Fprintln(a.stdout, "(Ctrl-C again or Ctrl-D to leave)")
			continue
		}
		cs.interrupted = false
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		line := strings.TrimSpace(raw)
		switch {
		case line == "":
		case strings.HasPrefix(line, "/"):
			if a.chatCommandLine(line, &cs) {
				return nil
			}
		default:
			if err := a.chatAsk(ctx, eng, line, &cs, interactive); err != nil {
				return err
			}
		}
	}
}

// chatCommandLine runs a /command; it reports whether the chat ends.
func (a *app) chatCommandLine(line string, cs *chatSession) (quit bool) {
	switch name := strings.ToLower(strings.Fields(line)[0]); name {
	case "/quit", "/exit":
		return true
	case "/new":
		cs.history = nil
		fmt.Fprintln(a.stdout, "(new conversation)")
	case "/help", "/?":
		fmt.Fprintln(a.stdout, chatHelp)
	default:
		fmt.Fprintf(a.stdout, "Unknown command %s: /help lists the commands.\n", oneLine(name, 40))
	}
	return false
}

// chatAsk answers one question and adds it to the conversation. Only a
// cancelled context ends the chat; other failures are one sentence.
func (a *app) chatAsk(ctx context.Context, eng *answer.Engine, line string, cs *chatSession, interactive bool) error {
	width := termWidth(a.stdout)
	s := &streamer{w: a.stdout, live: interactive, width: width}
	ans, err := eng.Ask(ctx, line, cs.history, s.delta)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		fmt.Fprintf(a.stdout, "Sorry: %s\n", sentence(err.Error()))
		return nil
	}
	s.finish(shownText(ans))
	printSourcesWith(a.stdout, ans, sourcesOptions{width: width, skipExtractiveNote: cs.noteShown})
	if ans.Extractive && !ans.Refused {
		cs.noteShown = true
	}
	fmt.Fprintln(a.stdout)
	cs.history = append(cs.history, answer.Turn{Question: line, Answer: ans.Text})
	if len(cs.history) > maxChatTurns {
		cs.history = cs.history[len(cs.history)-maxChatTurns:]
	}
	return nil
}
