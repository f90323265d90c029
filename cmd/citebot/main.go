// Command citebot answers questions about a set of articles, with every
// claim cited, on the command line and as a Discord bot.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/citebot/citebot/retrieval/prose"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	if err != nil && ctx.Err() != nil {
		os.Exit(130) // Ctrl-C: the user knows; say nothing
	}
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// usageError marks a mistake in how the command was called (exit status 2),
// as opposed to a failure while doing the work (exit status 1).
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

// exitCode prints err as one sentence on stderr and maps it to the exit
// status: 0 ok, 1 failure, 2 bad usage (a bad setting included), 130
// interrupted (Ctrl-C, printed as nothing).
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	if interrupted(err) {
		return 130
	}
	line := sentence(prose.StripControls(friendlyMessage(err)))
	var u usageError
	var ce *configError
	isUsage := errors.As(err, &u)
	if isUsage && !errors.As(err, &ce) {
		// Only a mistake on the command line is helped by --help.
		line += " Run 'citebot --help' for usage."
	}
	fmt.Fprintf(stderr, "citebot: %s\n", line)
	if isUsage {
		return 2
	}
	return 1
}

// sentence makes an error message read as one sentence ending in a full
// stop. The first letter is left alone: it may start a file name.
func sentence(msg string) string {
	if msg == "" {
		return "unknown error."
	}
	if strings.Contains(msg, "\n") {
		return msg // a list (e.g. candidate articles) ends where it ends
	}
	r := []rune(msg)
	switch r[len(r)-1] {
	case '.', '!', '?':
	default:
		r = append(r, '.')
	}
	return string(r)
}
