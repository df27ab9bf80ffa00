package rego

import (
	"os"
	"path/filepath"
	"time"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/aquasecurity/tracee/types/trace"

	"github.com/pidfdsig/pidfdsig/events"
	"github.com/pidfdsig/pidfdsig/signatures"
	"github.com/pidfdsig/pidfdsig/target"
)

// EnvRuleDirs names the environment variable New reads for extra rule
// directories: a colon-separated list, like PATH.
const EnvRuleDirs = "PIDFDSIG_REGO_DIR"

// EnvEngine names the environment variable New reads for the engine that
// evaluates the rules, unless WithoutEnvironment: "plan" (the default) or
// "topdown" (as WithTopdown). Another value is logged and ignored.
const EnvEngine = "PIDFDSIG_REGO_ENGINE"

// DefaultEvalTimeout bounds one rule's evaluation of one event unless
// WithEvalTimeout says otherwise.
const DefaultEvalTimeout = 100 * time.Millisecond

// Resolver tells which process a pidfd_send_signal call signals; the rules
// see its answer as input.pidfdsig.target. *target.Tracker implements it,
// and so does anything the Go signatures accept, so one instance can serve
// both. Observe must be idempotent: every rule observes every event it is
// given, as every Go signature does.
type Resolver interface {
	Observe(ev *trace.Event)
	Resolve(ev *trace.Event, call *events.SendSignal) target.Target
}

// Option changes how New builds a Runtime.
type Option func(*options)

type options struct {
	dirs        []string
	useEnv      bool
	builtin     bool
	resolver    Resolver
	config      signatures.Config
	logger      detect.Logger
	evalTimeout time.Duration
	topdown     bool
	// memoryBudget and maxStrikes: see limits.go.
	memoryBudget int64
	maxStrikes   int
}

func defaultOptions() options {
	return options{
		useEnv:      true,
		builtin:     true,
		config:      signatures.DefaultConfig(),
		logger:      nopLogger{},
		evalTimeout: DefaultEvalTimeout,

		memoryBudget: DefaultMemoryBudget,
		maxStrikes:   DefaultMaxStrikes,
	}
}

// WithTopdown evaluates every rule with OPA's own evaluator (topdown), as
// rules not planned are. By default a rule runs on the plan machine: OPA
// plans it (the plan its Wasm compiler starts from) and the runtime runs
// the plan in Go, with the same results and errors, tens of times faster.
func WithTopdown() Option {
	return func(o *options) { o.topdown = true }
}

// WithRuleDirs loads extra rules from each directory (recursively: every
// *.rego file but *_test.rego) or file, after the built-in rules. A
// *_test.rego file named directly is skipped too.
func WithRuleDirs(dirs ...string) Option {
	return func(o *options) { o.dirs = append(o.dirs, dirs...) }
}

// WithoutEnvironment stops New from reading PIDFDSIG_REGO_DIR.
func WithoutEnvironment() Option {
	return func(o *options) { o.useEnv = false }
}

// WithoutBuiltinRules leaves out the embedded PFD rules (the helper
// libraries stay), for running user rules alone.
func WithoutBuiltinRules() Option {
	return func(o *options) { o.builtin = false }
}

// WithResolver shares r, normally the *target.Tracker the Go signatures
// use. Without it the runtime follows the event stream with a tracker of
// its own.
func WithResolver(r Resolver) Option {
	return func(o *options) { o.resolver = r }
}

// WithConfig hands the Go signatures' configuration to the rules as
// data.pidfdsig.config (its JSON form), so both agree on allowlists, the
// PFD-4 threshold and window, the PFD-5 list and root senders. The default
// is signatures.DefaultConfig(). Config.Disabled leaves rules out as it
// leaves Go signatures out.
func WithConfig(cfg signatures.Config) Option {
	return func(o *options) { o.config = cfg }
}

// WithLogger receives load problems (each LoadError, as a warning) and,
// for signatures whose Init context carries no logger, evaluation errors.
func WithLogger(l detect.Logger) Option {
	return func(o *options) {
		if l != nil {
			o.logger = l
		}
	}
}

// WithEvalTimeout bounds one rule's evaluation of one event, builtin calls
// included; an evaluation cut short fails with ErrTimeout, is logged and
// counted (Stats.Timeouts) and reports nothing.
// d <= 0 restores DefaultEvalTimeout.
func WithEvalTimeout(d time.Duration) Option {
	return func(o *options) {
		if d <= 0 {
			d = DefaultEvalTimeout
		}
		o.evalTimeout = d
	}
}

// ruleDirs returns the option directories followed by the environment's.
func (o *options) ruleDirs() []string {
	dirs := append([]string(nil), o.dirs...)
	if !o.useEnv {
		return dirs
	}
	for _, d := range filepath.SplitList(os.Getenv(EnvRuleDirs)) {
		if d != "" {
			dirs = append(dirs, d)
		}
	}
	return dirs
}

// nopLogger discards everything.
type nopLogger struct{}

func (nopLogger) Debugw(string, ...interface{}) {}
func (nopLogger) Infow(string, ...interface{})  {}
func (nopLogger) Warnw(string, ...interface{})  {}
func (nopLogger) Errorw(string, ...interface{}) {}
