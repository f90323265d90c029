package main

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/citebot/citebot/answer"
)

// maxChatTurns bounds the history sent with a follow-up: older turns fall
// off so prompts stay small.
const maxChatTurns = 6

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
			if interactive {
				fmt.Fprintln(a.stdout, "Ask about the articles. Follow-up questions keep the conversation; /new starts over, /quit leaves.")
			}
			var history []answer.Turn
			in := bufio.NewScanner(a.stdin)
			in.Buffer(make([]byte, 64*1024), 1<<20)
			for {
				fmt.Fprint(a.stdout, "> ")
				if !in.Scan() {
					fmt.Fprintln(a.stdout)
					return in.Err()
				}
				line := strings.TrimSpace(in.Text())
				switch line {
				case "":
					continue
				case "/quit", "/exit":
					return nil
				case "/new":
					history = nil
					fmt.Fprintln(a.stdout, "(new conversation)")
					continue
				}
				s := &streamer{w: a.stdout, live: interactive}
				ans, err := eng.Ask(ctx, line, history, s.delta)
				if err != nil {
					if ctx.Err() != nil {
						return ctx.Err()
					}
					fmt.Fprintf(a.stdout, "Sorry: %s\n", sentence(err.Error()))
					continue
				}
				s.finish(shownText(ans))
				printSources(a.stdout, ans)
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
