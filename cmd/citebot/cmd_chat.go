package main

import (
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
			interactive := isTerminal(a.stdout)
			var lines lineReader
			inTTY, inOK := terminalFile(a.stdin)
			outTTY, outOK := terminalFile(a.stdout)
			if inOK && outOK {
				el, err := newEditLines(inTTY, outTTY, a.cfg.DataDir)
				if err != nil {
					return err
				}
				lines = el
			} else {
				lines = newPlainLines(a.stdin, a.stdout)
			}
			defer lines.Close()
			if interactive {
				fmt.Fprintln(a.stdout, wrapText("Ask about the articles. Follow-up questions keep the conversation; /new starts over, /quit leaves, /help lists the commands.", termWidth(a.stdout), ""))
			}
			var (
				history     []answer.Turn
				noteShown   bool // the extractive notice, once per session
				interrupted bool // the last read ended in Ctrl-C
			)
			for {
				raw, err := lines.ReadLine()
				if errors.Is(err, errChatInterrupt) {
					if interrupted {
						return nil
					}
					interrupted = true
					fmt.Fprintln(a.stdout, "(Ctrl-C again or Ctrl-D to leave)")
					continue
				}
				interrupted = false
				if errors.Is(err, io.EOF) {
					return nil
				}
				if err != nil {
					return err
				}
				line := strings.TrimSpace(raw)
				if line == "" {
					continue
				}
				if strings.HasPrefix(line, "/") {
					switch name := strings.ToLower(strings.Fields(line)[0]); name {
					case "/quit", "/exit":
						return nil
					case "/new":
						history = nil
						fmt.Fprintln(a.stdout, "(new conversation)")
					case "/help", "/?":
						fmt.Fprintln(a.stdout, chatHelp)
					default:
						fmt.Fprintf(a.stdout, "Unknown command %s: /help lists the commands.\n", oneLine(name, 40))
					}
					continue
				}
				width := termWidth(a.stdout)
				s := &streamer{w: a.stdout, live: interactive, width: width}
				ans, err := eng.Ask(ctx, line, history, s.delta)
				if err != nil {
					if ctx.Err() != nil {
						return ctx.Err()
					}
					fmt.Fprintf(a.stdout, "Sorry: %s\n", sentence(err.Error()))
					continue
				}
				s.finish(shownText(ans))
				printSourcesWith(a.stdout, ans, sourcesOptions{width: width, skipExtractiveNote: noteShown})
				if ans.Extractive && !ans.Refused {
					noteShown = true
				}
				fmt.Fprintln(a.stdout)
				history = append(history, answer.Turn{Question: line, Answer: ans.Text})
				if len(history) > maxChatTurns {
					history = history[len(history)-maxChatTurns:]
				}
			}
		},
	}
	a.addGuildFlag(cmd)
	return cmd
}
