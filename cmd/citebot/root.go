package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/spf13/cobra"

	"github.com/citebot/citebot/answer"
	"github.com/citebot/citebot/retrieval"
)

// app carries what every subcommand needs: the streams, the environment
// and the parsed global flags. It is built fresh by each run call, so tests
// can run the whole binary in-process without shared state.
type app struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer

	dataFlag  string
	seedsFlag string
	envFile   string

	cfg Config
	// allowPrivate is `ingest --allow-private`: URL ingestion may reach
	// private and loopback addresses.
	allowPrivate bool
	// guildFlag is --guild on the commands that answer: that server's view
	// (shared library plus its own articles).
	guildFlag string
	logger    *slog.Logger

	// discordClient, when set by a test, carries Discord traffic to a
	// fake Discord; nil in production.
	discordClient *http.Client

	// announcer, set by serve once its bot exists, posts new feed items
	// in their feeds' channels (feeds_bot.go).
	announcer atomic.Pointer[announcer]
}

// run is the whole program: main only calls it. Tests call it directly.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return runWithInput(ctx, args, getenv, os.Stdin, stdout, stderr)
}

// runWithInput is run with an explicit standard input, for `chat` tests.
func runWithInput(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	a := &app{getenv: getenv, stdin: stdin, stdout: &controlFilter{w: stdout}, stderr: stderr}
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err != nil && isCobraUsageError(err) {
		return usageError{err}
	}
	return err
}

// isCobraUsageError recognises the errors cobra makes itself for an
// unknown command or flag, which carry no type of their own.
func isCobraUsageError(err error) bool {
	msg := err.Error()
	for _, prefix := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "flag needs an argument", "invalid argument", "required flag"} {
		if strings.HasPrefix(msg, prefix) {
			return true
		}
	}
	return false
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "citebot",
		Short: "Answer questions about articles, with every claim cited",
		Long: `citebot answers questions about a set of articles, on the command line and
as a Discord bot, and every answer points back to the passages it came from.

With no keys set it works offline: a built-in embedder and extractive,
cited answers. Set OPENAI_API_KEY or OPENAI_BASE_URL to answer through an
OpenAI-compatible chat model (OpenAI, Ollama, vLLM, llama.cpp).`,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.setup(); err != nil {
				return err
			}
			a.flagDefaults(cmd)
			return nil
		},
	}
	root.PersistentFlags().StringVar(&a.dataFlag, "data", "", "data directory for the store (env CITEBOT_DATA_DIR, default ./data)")
	root.PersistentFlags().StringVar(&a.seedsFlag, "seeds", "", "directory of seed articles (env CITEBOT_SEEDS_DIR, default ./seeds, else the built-in seeds)")
	root.PersistentFlags().StringVar(&a.envFile, "env-file", ".env", "optional file of KEY=value settings; real environment variables win")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(
		a.ingestCommand(),
		a.sourcesCommand(),
		a.forgetCommand(),
		a.articlesCommand(),
		a.searchCommand(),
		a.askCommand(),
		a.summarizeCommand(),
		a.digestCommand(),
		a.chatCommand(),
		a.evalCommand(),
		a.serveCommand(),
		a.feedbackCommand(),
		a.configCommand(),
		a.checkCommand(),
		a.feedsCommand(),
		a.versionCommand(root),
	)
	return root
}

// setup reads the configuration once the global flags are parsed.
func (a *app) setup() error {
	e, err := loadEnv(a.getenv, a.envFile)
	if err != nil {
		return err
	}
	cfg, err := loadConfig(e, a.dataFlag, a.seedsFlag)
	if err != nil {
		return usageError{err}
	}
	a.cfg = cfg
	a.logger = newLogger(a.stderr, cfg)
	for _, w := range cfg.warnings {
		fmt.Fprintf(a.stderr, "citebot: warning: %s\n", w)
	}
	return nil
}

// addGuildFlag adds --guild, the Discord server whose view a command
// answers from.
func (a *app) addGuildFlag(cmd *cobra.Command) {
	cmd.Flags().StringVar(&a.guildFlag, "guild", "", "answer from this Discord server's view (server ID): the shared library plus its own articles")
}

// addKFlag adds -k, the number of passages. It starts at answer.DefaultK
// for --help and is set to the configured K by flagDefaults.
func addKFlag(cmd *cobra.Command, k *int, usage string) {
	cmd.Flags().IntVarP(k, "k", "k", answer.DefaultK, usage+"; CITEBOT_K sets the default")
}

// checkK validates -k: from 1 to retrieval.MaxK.
func checkK(k int) error {
	if k < 1 || k > retrieval.MaxK {
		return usageError{fmt.Errorf("-k must be from 1 to %d, not %d", retrieval.MaxK, k)}
	}
	return nil
}

// flagDefaults makes the flags that mirror a setting default to its
// configured value, so that leaving out -k means CITEBOT_K in every
// command.
func (a *app) flagDefaults(cmd *cobra.Command) {
	if f := cmd.Flags().Lookup("k"); f != nil && !f.Changed {
		_ = f.Value.Set(strconv.Itoa(a.cfg.K)) // an int always parses
	}
}

// exactArgs is cobra.ExactArgs with a friendlier message and the usage
// exit status.
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usageError{fmt.Errorf("%s needs %s", cmd.Name(), what)}
		}
		return nil
	}
}

// joinedArgs accepts a question given as one quoted argument or as several
// words, so `citebot ask how long was the call` works too.
func joinedArgs(what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if strings.TrimSpace(strings.Join(args, " ")) == "" {
			return usageError{fmt.Errorf("%s needs %s", cmd.Name(), what)}
		}
		return nil
	}
}
