package main

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// flagValueRE matches pflag's message for a value that does not parse:
// invalid argument "abc" for "-k, --k" flag: strconv.ParseInt: ...
var flagValueRE = regexp.MustCompile(`^invalid argument "(.*)" for "(.*?)" flag: (.*)$`)

// friendlyMessage is err as the user should read it: no Go function names
// (strconv.ParseInt), the flag as it is typed (-k), cobra's suggestions
// on the same line.
func friendlyMessage(err error) string {
	msg := err.Error()
	if m := flagValueRE.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("%s must be %s, not %q", flagName(m[2]), flagWant(m[3]), m[1])
	}
	if rest, ok := strings.CutPrefix(msg, "flag needs an argument: "); ok {
		// 'k' in -k, or --json
		if i := strings.LastIndex(rest, " in "); i >= 0 {
			rest = rest[i+len(" in "):]
		}
		return rest + " needs a value"
	}
	if rest, ok := strings.CutPrefix(msg, "unknown shorthand flag: "); ok {
		if i := strings.LastIndex(rest, " in "); i >= 0 {
			rest = rest[i+len(" in "):]
		}
		return "unknown flag " + rest
	}
	if rest, ok := strings.CutPrefix(msg, "unknown flag: "); ok {
		return "unknown flag " + rest
	}
	if strings.HasPrefix(msg, "unknown command ") {
		// unknown command "x" for "citebot"\n\nDid you mean this?\n\tfoo\n
		head, tail, _ := strings.Cut(msg, "\n")
		head = strings.TrimSuffix(head, ` for "citebot"`)
		if sugg := strings.Fields(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(tail), "Did you mean this?"))); len(sugg) > 0 {
			head += "; did you mean " + strings.Join(sugg, " or ") + "?"
		}
		return head
	}
	return stripGoInternals(msg)
}

// flagName turns pflag's "-k, --k" or "--json" into the flag as typed.
func flagName(s string) string {
	if short, long, ok := strings.Cut(s, ", "); ok {
		if strings.TrimLeft(long, "-") == strings.TrimLeft(short, "-") {
			return short
		}
		return long
	}
	return s
}

// flagWant says what a flag's parse error wanted, from the parser named
// in it.
func flagWant(cause string) string {
	switch {
	case strings.Contains(cause, "ParseInt"), strings.Contains(cause, "ParseUint"), strings.Contains(cause, "Atoi"):
		return "a whole number"
	case strings.Contains(cause, "ParseFloat"):
		return "a number"
	case strings.Contains(cause, "ParseBool"):
		return "true or false"
	case strings.Contains(cause, "time: "), strings.Contains(cause, "duration"):
		return "a duration such as 30s or 2m"
	}
	return "a valid value"
}

// goFuncRE matches a Go function name that wrapped errors carry, such as
// "strconv.ParseInt: ".
var goFuncRE = regexp.MustCompile(`\bstrconv\.\w+: `)

// dialRE matches the Go network layer's "dial tcp 127.0.0.1:1: connect: "
// before a cause such as "connection refused".
var dialRE = regexp.MustCompile(`dial (tcp|udp)[46]? \S+: (connect: )?`)

// openRE matches "open PATH: no such file or directory".
var openRE = regexp.MustCompile(`open (\S+): no such file or directory`)

// stripGoInternals removes the Go function names and the network layer's
// jargon from msg.
func stripGoInternals(msg string) string {
	msg = goFuncRE.ReplaceAllString(msg, "")
	msg = dialRE.ReplaceAllString(msg, "")
	return openRE.ReplaceAllString(msg, "$1 does not exist")
}

// interrupted reports whether err is the cancellation Ctrl-C causes.
func interrupted(err error) bool { return errors.Is(err, context.Canceled) }
