package rego

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/pidfdsig/pidfdsig/rego/internal/limits"
)

// DefaultMemoryBudget bounds what one rule's evaluation of one event
// builds unless WithMemoryBudget says otherwise: 64 MiB.
const DefaultMemoryBudget = 64 << 20

// DefaultMaxStrikes is how many failed evaluations (timeouts, memory
// budget, any other error) switch a rule off unless WithMaxStrikes says
// otherwise.
const DefaultMaxStrikes = 5

// The environment variables New reads for the limits, unless
// WithoutEnvironment; LimitsFromEnv reads them for other callers.
const (
	// EnvEvalTimeout is a Go duration ("100ms", "1s"): WithEvalTimeout.
	EnvEvalTimeout = "PIDFDSIG_REGO_TIMEOUT"
	// EnvMemoryBudget is a size in bytes, with an optional KiB, MiB or
	// GiB suffix ("64MiB"): WithMemoryBudget.
	EnvMemoryBudget = "PIDFDSIG_REGO_MEMORY"
	// EnvMaxStrikes is a count, or "off" (never switch a rule off):
	// WithMaxStrikes.
	EnvMaxStrikes = "PIDFDSIG_REGO_STRIKES"
)

// ErrMemoryBudget is the error an evaluation that would build more than its
// memory budget ends with (wrapped in an EvalError); test with errors.Is.
var ErrMemoryBudget = limits.ErrBudget

// ErrTimeout is the error an evaluation cut short by its time bound ends
// with (wrapped in an EvalError, with OPA's eval_cancel_error).
var ErrTimeout = errors.New("evaluation timed out")

// ErrSwitchedOff wraps the reason a rule was switched off; see
// Signature.SwitchedOff.
var ErrSwitchedOff = errors.New("rule switched off")

// WithMemoryBudget bounds what one rule's evaluation of one event builds
// to about n bytes: on the plan machine, every array, set and object
// member and every string the evaluation builds, and what OPA's builtins
// return; on both engines, each call of a builtin whose output can outgrow
// its arguments (numbers.range, sprintf, concat, strings.replace,
// json.marshal, walk...) is checked before it starts; on OPA's evaluator,
// the process's allocation while the evaluation runs. An evaluation over
// budget fails with ErrMemoryBudget, is logged and counted
// (Stats.OverBudget) and reports nothing. n <= 0 restores
// DefaultMemoryBudget.
func WithMemoryBudget(n int64) Option {
	return func(o *options) {
		if n <= 0 {
			n = DefaultMemoryBudget
		}
		o.memoryBudget = n
	}
}

// WithMaxStrikes switches a user rule off after n failed evaluations
// (timeouts, memory budget, any other evaluation error): it is reported
// once, with its file and the last error, to the logger at error level,
// and skips every later event; the other rules go on. The built-in rules
// are never switched off. n < 0 never switches a rule off; 0 restores
// DefaultMaxStrikes.
func WithMaxStrikes(n int) Option {
	return func(o *options) {
		if n == 0 {
			n = DefaultMaxStrikes
		}
		o.maxStrikes = n
	}
}

// LimitsFromEnv returns the options that PIDFDSIG_REGO_TIMEOUT,
// PIDFDSIG_REGO_MEMORY and PIDFDSIG_REGO_STRIKES ask for, read with
// getenv (os.Getenv), for callers that build a Runtime WithoutEnvironment.
// A variable that does not parse is left out and reported.
func LimitsFromEnv(getenv func(string) string) ([]Option, []error) {
	var opts []Option
	var errs []error
	if v := getenv(EnvEvalTimeout); v != "" {
		if d, err := time.ParseDuration(v); err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("rego: %s=%q: not a positive duration", EnvEvalTimeout, v))
		} else {
			opts = append(opts, WithEvalTimeout(d))
		}
	}
	if v := getenv(EnvMemoryBudget); v != "" {
		if n, err := parseBytes(v); err != nil {
			errs = append(errs, fmt.Errorf("rego: %s=%q: %w", EnvMemoryBudget, v, err))
		} else {
			opts = append(opts, WithMemoryBudget(n))
		}
	}
	if v := getenv(EnvMaxStrikes); v != "" {
		n, err := strconv.Atoi(v)
		switch {
		case v == "off":
			opts = append(opts, WithMaxStrikes(-1))
		case err != nil || n <= 0:
			errs = append(errs, fmt.Errorf("rego: %s=%q: not a positive count or \"off\"", EnvMaxStrikes, v))
		default:
			opts = append(opts, WithMaxStrikes(n))
		}
	}
	return opts, errs
}

// parseBytes reads "67108864", "64MiB", "512KiB", "1GiB".
func parseBytes(s string) (int64, error) {
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}} {
		if rest, ok := strings.CutSuffix(s, u.suffix); ok {
			s, mult = strings.TrimSpace(rest), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return 0, errors.New("not a positive size (bytes, or with a KiB, MiB or GiB suffix)")
	}
	return n * mult, nil
}

// withEnvLimits returns the options with the limits the environment
// sets under those opts set explicitly: defaults, then the environment,
// then opts, applied to a fresh set. Variables that do not parse are
// logged and ignored.
func withEnvLimits(o options, opts []Option) options {
	env, errs := LimitsFromEnv(os.Getenv)
	for _, err := range errs {
		o.logger.Warnw("pidfdsig: rego limit ignored", "error", err.Error())
	}
	if len(env) == 0 {
		return o
	}
	fresh := defaultOptions()
	for _, opt := range append(env, opts...) {
		opt(&fresh)
	}
	return fresh
}
