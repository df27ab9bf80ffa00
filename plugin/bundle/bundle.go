// Package bundle assembles what the pidfdsig Tracee plugin exports: the
// built-in PFD signatures, the user's Rego rules, and the pidfd_target data
// source, all sharing one target.Tracker so that the event stream is
// followed once. The plugin's main package only hands a bundle to Tracee;
// tests build the same bundle in-process and compare.
//
// The built-in signatures exist twice, as Go code (package signatures) and
// as Rego rules (package rego), with the same IDs and event names. A bundle
// carries one of the two (Options.Builtin, Go by default): Tracee would
// otherwise define every PFD event twice and report every finding twice.
// User rules come on top, except one whose ID is already taken.
//
// The main call, in the plugin:
//
//	b := bundle.FromEnv()
//	for _, p := range b.Problems {
//		log.Print(p)
//	}
//	ExportedSignatures, ExportedDataSources = b.Signatures, b.DataSources
//
// Built with the tag pidfdsig_noopa the bundle links no OPA: it carries the
// Go signatures only and reports user rules as a Problem.
package bundle

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/aquasecurity/tracee/types/detect"

	"github.com/pidfdsig/pidfdsig/signatures"
	"github.com/pidfdsig/pidfdsig/target"
)

// Environment variables FromEnv reads.
const (
	// EnvConfig names a YAML or JSON signatures configuration file
	// (signatures.LoadConfig).
	EnvConfig = "PIDFDSIG_CONFIG"
	// EnvRegoDir lists directories (colon-separated, like PATH) of user Rego
	// rules. Package rego reads the same variable when used on its own.
	EnvRegoDir = "PIDFDSIG_REGO_DIR"
	// EnvBuiltin chooses the implementation of the built-in signatures:
	// "go" (the default) or "rego".
	EnvBuiltin = "PIDFDSIG_BUILTIN"
	// EnvLive set to "0" keeps the target tracker offline: no reads of this
	// host's /proc for pidfds the event stream does not explain.
	EnvLive = "PIDFDSIG_LIVE"
	// EnvLiveRate bounds the live lookups: a number per second for calls
	// that send a signal, and as many again for sig-0 probes (default
	// target.DefaultLiveRate), or "unlimited" (see target.WithLiveRate).
	EnvLiveRate = "PIDFDSIG_LIVE_RATE"
	// EnvRegoEngine chooses what evaluates the Rego rules: "plan" (the
	// default: OPA's plans run in Go) or "topdown" (OPA's evaluator).
	EnvRegoEngine = "PIDFDSIG_REGO_ENGINE"
)

// The Rego engines EnvRegoEngine names.
const (
	RegoEnginePlan    = "plan"
	RegoEngineTopdown = "topdown"
)

// Builtin names an implementation of the built-in PFD signatures.
type Builtin string

// The implementations.
const (
	BuiltinGo   Builtin = "go"
	BuiltinRego Builtin = "rego"
)

// Options say what a bundle carries.
type Options struct {
	// Config tunes the signatures and rules; signatures.DefaultConfig()
	// when nil.
	Config *signatures.Config
	// RegoDirs are directories (or files) of user Rego rules.
	RegoDirs []string
	// Builtin chooses the built-in signatures' implementation; BuiltinGo
	// when empty.
	Builtin Builtin
	// Live lets the tracker read this host for pidfds the event stream
	// does not explain; nil keeps it offline, as replaying a capture needs.
	Live target.LiveResolver
	// LiveRate bounds Live's lookups per second for each class of call
	// (target.WithLiveRate); 0 means target.DefaultLiveRate, math.Inf(1)
	// no bound.
	LiveRate float64
	// RegoEngine chooses what evaluates the Rego rules: RegoEnginePlan
	// when empty, or RegoEngineTopdown.
	RegoEngine string
	// Report receives, once, when the first pidfd_send_signal arrives, a
	// line naming the companion events whose Followers Tracee did not
	// start (not selected), and what the tracker loses without them (see
	// target.Coverage.Messages); nil reports nothing.
	Report func(string)
	// Getenv, when set, reads the Rego evaluation limits
	// (PIDFDSIG_REGO_TIMEOUT, PIDFDSIG_REGO_MEMORY, PIDFDSIG_REGO_STRIKES;
	// see rego.LimitsFromEnv); FromEnv sets it to os.Getenv.
	Getenv func(string) string
	// HostFeatures, when set, are the kernel features this host lacks,
	// instead of what target.MissingHostFeatures reads from /sys.
	HostFeatures *target.HostFeature
}

// Bundle is what the plugin exports.
type Bundle struct {
	// Signatures are the built-in signatures, then the user rules.
	Signatures []detect.Signature
	// DataSources holds the pidfd_target data source of the shared tracker.
	DataSources []detect.DataSource
	// Problems are what was left out, and why: companion events this
	// kernel cannot give Tracee, user rule files that do not load, a rule
	// whose ID is taken, Rego asked of the Go-only variant; and a rule that
	// loaded but runs on OPA's evaluator (OPA could not plan it).
	Problems []error
	// Notices say what this host costs detection: the companion events
	// its kernel cannot give Tracee, and which pidfds are then resolved
	// only by a live lookup. Nothing is left out for them.
	Notices []string
	// Followers feed the shared tracker its companion events, one
	// signature each (they are the last of Signatures). The signatures
	// select pidfd_send_signal alone, so that Tracee removing a companion
	// event it cannot trace takes down only that event's Follower.
	Followers *target.Followers
}

// New builds a bundle. It fails only for an invalid configuration,
// Builtin or RegoEngine; anything else that goes wrong leaves a part out
// and is listed in Problems.
func New(o Options) (Bundle, error) {
	cfg := signatures.DefaultConfig()
	if o.Config != nil {
		cfg = *o.Config
	}
	if err := cfg.Validate(); err != nil {
		return Bundle{}, err
	}
	builtin, err := o.builtin()
	if err != nil {
		return Bundle{}, err
	}
	var topts []target.Option
	if o.Live != nil {
		topts = append(topts, target.WithLive(o.Live), target.WithLiveRate(o.LiveRate))
		if o.Report != nil {
			report := o.Report
			topts = append(topts, target.WithOverBudgetReport(func(perSecond float64) {
				report(fmt.Sprintf("live lookups went over their budget of %g a second (%s): "+
					"calls past it get the event stream's answer only, often an unknown target; "+
					"some process signals through pidfds the stream cannot explain faster than that", perSecond, EnvLiveRate))
			}))
		}
	}
	tracker := target.NewTracker(topts...)
	var fopts []target.FollowersOption
	if o.HostFeatures != nil {
		fopts = append(fopts, target.WithHostFeatures(*o.HostFeatures))
	}
	if o.Report != nil {
		report := o.Report
		fopts = append(fopts, target.WithCoverageReport(func(c target.Coverage) {
			// What this host cannot give is in Notices already.
			for _, m := range (target.Coverage{NotSelected: c.NotSelected}).Messages() {
				report(m)
			}
		}))
	}
	followers := target.NewFollowers(tracker, fopts...)
	resolver := followers.Resolver()
	b := Bundle{DataSources: []detect.DataSource{target.NewDataSource(tracker)}, Followers: followers}
	b.Notices = target.Coverage{Unavailable: followers.Unavailable()}.Messages()
	if builtin == BuiltinRego && !withOPA {
		b.Problems = append(b.Problems, fmt.Errorf("%s=rego: this plugin was built without OPA (go-only variant): using the Go signatures", EnvBuiltin))
		builtin = BuiltinGo
	}
	if builtin == BuiltinGo {
		if b.Signatures, err = signatures.New(cfg, signatures.WithResolver(resolver)); err != nil {
			return Bundle{}, err
		}
	}
	topdown := false
	switch o.RegoEngine {
	case "", RegoEnginePlan:
	case RegoEngineTopdown:
		topdown = true
	default:
		return Bundle{}, fmt.Errorf("unknown Rego engine %q: want %q or %q", o.RegoEngine, RegoEnginePlan, RegoEngineTopdown)
	}
	rules, problems := regoSignatures(cfg, resolver, builtin == BuiltinRego, topdown, o.RegoDirs, o.Getenv)
	b.Problems = append(b.Problems, problems...)
	b.add(rules)
	b.Signatures = append(b.Signatures, followers.Signatures()...)
	return b, nil
}

func (o Options) builtin() (Builtin, error) {
	switch o.Builtin {
	case "", BuiltinGo:
		return BuiltinGo, nil
	case BuiltinRego:
		return BuiltinRego, nil
	}
	return "", fmt.Errorf("unknown built-in implementation %q: want %q or %q", o.Builtin, BuiltinGo, BuiltinRego)
}

// add appends rules whose IDs are free; the others become Problems.
func (b *Bundle) add(rules []detect.Signature) {
	taken := make(map[string]bool)
	for _, s := range b.Signatures {
		if m, err := s.GetMetadata(); err == nil {
			taken[m.ID] = true
		}
	}
	for _, s := range rules {
		m, err := s.GetMetadata()
		if err != nil {
			b.Problems = append(b.Problems, fmt.Errorf("a rule without metadata left out: %w", err))
			continue
		}
		if taken[m.ID] {
			b.Problems = append(b.Problems, fmt.Errorf("rule %s (%s) left out: the ID is taken", m.ID, m.EventName))
			continue
		}
		taken[m.ID] = true
		b.Signatures = append(b.Signatures, s)
	}
}

// parseLiveRate reads EnvLiveRate: empty for the default (0), a positive
// number, or "unlimited".
func parseLiveRate(s string) (float64, error) {
	switch s {
	case "":
		return 0, nil
	case "unlimited":
		return math.Inf(1), nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || !(v > 0) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%q is not a positive number of lookups per second nor \"unlimited\"", s)
	}
	return v, nil
}

// FromEnv builds the bundle the environment asks for (EnvConfig,
// EnvRegoDir, EnvBuiltin, EnvLive: live resolution is on unless it is
// "0"; EnvLiveRate). A configuration or choice that is invalid is
// reported in Problems and replaced by the default, so that a typo never
// switches detection off.
func FromEnv() Bundle {
	return FromEnvReporting(nil)
}

// FromEnvReporting is FromEnv with Options.Report set to report.
func FromEnvReporting(report func(string)) Bundle {
	var problems []error
	o := Options{
		Report:     report,
		Getenv:     os.Getenv,
		RegoDirs:   filepath.SplitList(os.Getenv(EnvRegoDir)),
		Builtin:    Builtin(os.Getenv(EnvBuiltin)),
		RegoEngine: os.Getenv(EnvRegoEngine),
	}
	if name := os.Getenv(EnvConfig); name != "" {
		cfg, err := signatures.LoadConfig(name)
		if err != nil {
			problems = append(problems, fmt.Errorf("%s=%s: %w: using the default configuration", EnvConfig, name, err))
		} else {
			o.Config = &cfg
		}
	}
	if os.Getenv(EnvLive) != "0" {
		o.Live = target.NewProcfsResolver("")
		rate, err := parseLiveRate(os.Getenv(EnvLiveRate))
		if err != nil {
			problems = append(problems, fmt.Errorf("%s: %w: using %d per second", EnvLiveRate, err, target.DefaultLiveRate))
		}
		o.LiveRate = rate
	}
	b, err := New(o)
	if err != nil {
		problems = append(problems, fmt.Errorf("%w: using the defaults", err))
		o.Config, o.Builtin, o.RegoEngine = nil, "", ""
		b, _ = New(o) // the defaults are valid
	}
	b.Problems = append(problems, b.Problems...)
	return b
}
