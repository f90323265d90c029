package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/chzyer/readline"
	"golang.org/x/term"
)

// chatHistoryFile is the prompt's history, kept in the data dir.
const chatHistoryFile = "chat_history"

// errChatInterrupt is returned by a lineReader when Ctrl-C was pressed; the
// line typed so far is discarded.
var errChatInterrupt = errors.New("interrupt")

// lineReader reads the chat's input one line at a time. It returns io.EOF
// at the end of the input (Ctrl-D on a terminal).
type lineReader interface {
	ReadLine() (string, error)
	Close() error
}

// plainLines reads lines from a pipe or file, printing the prompt itself.
type plainLines struct {
	out io.Writer
	in  *bufio.Scanner
}

func newPlainLines(in io.Reader, out io.Writer) *plainLines {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	return &plainLines{out: out, in: sc}
}

func (p *plainLines) ReadLine() (string, error) {
	fmt.Fprint(p.out, "> ")
	if !p.in.Scan() {
		fmt.Fprintln(p.out)
		if err := p.in.Err(); err != nil {
			return "", err
		}
		return "", io.EOF
	}
	return p.in.Text(), nil
}

func (p *plainLines) Close() error { return nil }

// editLines is the terminal prompt: line editing and history through
// readline, reading and writing the terminal itself (not the control
// filter, which would drop the cursor movements readline draws with).
type editLines struct {
	rl   *readline.Instance
	path string
}

// terminalFile returns the *os.File behind r or w when it is a terminal.
func terminalFile(v any) (*os.File, bool) {
	if cf, ok := v.(*controlFilter); ok {
		v = cf.w
	}
	f, ok := v.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil, false
	}
	return f, true
}

// newEditLines starts a readline prompt on the terminals in and out, with
// its history in dataDir (mode 0600; no history when dataDir is empty or
// cannot be written).
func newEditLines(in, out *os.File, dataDir string) (*editLines, error) {
	path := ""
	if dataDir != "" {
		if err := os.MkdirAll(dataDir, 0o700); err == nil {
			path = filepath.Join(dataDir, chatHistoryFile)
			if f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600); err == nil {
				f.Close()
				_ = os.Chmod(path, 0o600)
			} else {
				path = ""
			}
		}
	}
	inFd, outFd := int(in.Fd()), int(out.Fd())
	var saved *readline.State
	rl, err := readline.NewEx(&readline.Config{
		Prompt:          "> ",
		HistoryFile:     path,
		HistoryLimit:    1000,
		InterruptPrompt: "^C",
		EOFPrompt:       "",
		Stdin:           readline.NewCancelableStdin(in),
		Stdout:          out,
		Stderr:          out,
		FuncIsTerminal:  func() bool { return true },
		FuncMakeRaw: func() error {
			// readline's raw mode keeps output processing (OPOST), so the
			// newline it writes after Enter also returns the carriage.
			st, err := readline.MakeRaw(inFd)
			if err == nil {
				saved = st
			}
			return err
		},
		FuncExitRaw: func() error {
			if saved == nil {
				return nil
			}
			st := saved
			saved = nil
			return readline.Restore(inFd, st)
		},
		FuncGetWidth: func() int {
			w, _, err := term.GetSize(outFd)
			if err != nil || w <= 0 {
				return 80
			}
			return w
		},
	})
	if err != nil {
		return nil, err
	}
	if path != "" {
		_ = os.Chmod(path, 0o600) // readline may have rewritten it
	}
	return &editLines{rl: rl, path: path}, nil
}

func (e *editLines) ReadLine() (string, error) {
	line, err := e.rl.Readline()
	switch {
	case errors.Is(err, readline.ErrInterrupt):
		return "", errChatInterrupt
	case err != nil:
		return "", err // io.EOF on Ctrl-D
	}
	return line, nil
}

func (e *editLines) Close() error {
	err := e.rl.Close()
	if e.path != "" {
		_ = os.Chmod(e.path, 0o600)
	}
	return err
}
