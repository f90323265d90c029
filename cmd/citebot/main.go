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
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// usageError marks a mistake in how the command was called (exit status 2),
// as opposed to a failure while doing the work (exit status 1).
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

// exitCode prints err as one sentence on stderr and maps it to the exit
// status: 0 ok, 1 failure, 2 bad usage.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	fmt.Fprintf(stderr, "citebot: %s\n", sentence(prose.StripControls(err.Error())))
	var u usageError
	if errors.As(err, &u) {
		fmt.Fprintln(stderr, "Run 'citebot --help' for usage.")
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
