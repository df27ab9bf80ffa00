package signatures

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"strings"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/pidfdsig/pidfdsig/events"
)

// ErrConfig is wrapped by every error LoadConfig, ParseConfig and
// Config.Validate return; test with errors.Is.
var ErrConfig = errors.New("signatures config")

// Config tunes the signatures. The zero value is not useful: start from
// DefaultConfig and change what you need, or load a file with LoadConfig,
// which overlays the file on DefaultConfig. Every key is documented in
// CONFIG.md; the json tags are the keys of the YAML and JSON files.
type Config struct {
	// Disabled lists signature IDs ("PFD-4") that New leaves out.
	Disabled []string `json:"disabled"`
	// Allow lists the senders whose calls are not reported.
	Allow []AllowRule `json:"allow"`
	// CrossUser tunes PFD-1.
	CrossUser CrossUserConfig `json:"cross_user"`
	// UnusualFlags tunes PFD-2.
	UnusualFlags UnusualFlagsConfig `json:"unusual_flags"`
	// SignalProbe tunes PFD-4.
	SignalProbe SignalProbeConfig `json:"signal_probe"`
	// SecurityTools tunes PFD-5.
	SecurityTools SecurityToolsConfig `json:"security_tools"`
}

// AllowRule describes senders whose calls a signature does not report. A
// sender matches when every criterion the rule sets holds; a rule must set
// Comm or Exe.
type AllowRule struct {
	// Description says why the rule exists; it is not matched.
	Description string `json:"description,omitempty"`
	// Comm lists process names (the kernel's comm, at most 15 bytes: longer
	// names are compared on their first 15 bytes).
	Comm []string `json:"comm,omitempty"`
	// Exe lists executable path globs (path.Match syntax; a trailing "/**"
	// matches everything below a directory).
	Exe []string `json:"exe,omitempty"`
	// MatchUnknownExe lets the rule match a sender whose executable Tracee
	// did not report (Tracee v0.24.1 often leaves it empty): the Exe
	// criterion is then skipped. Comm alone can be forged with prctl, so
	// combine it with UIDs or TargetInContainer.
	MatchUnknownExe bool `json:"match_unknown_exe,omitempty"`
	// UIDs, when set, restricts the rule to senders with one of these uids.
	UIDs []uint32 `json:"uids,omitempty"`
	// TargetInContainer restricts the rule to calls whose target is known to
	// run in a container (a container id, or a pid namespace other than the
	// sender's). Whether it is the sender's own container cannot be told
	// from Tracee's events.
	TargetInContainer bool `json:"target_in_container,omitempty"`
	// Signatures lists the IDs the rule applies to; empty means all.
	Signatures []string `json:"signatures,omitempty"`
}

// UnmarshalJSON decodes a rule from scratch, rejecting unknown keys.
// (encoding/json would otherwise decode a file's rule over the default rule
// at the same index, merging the two.)
func (r *AllowRule) UnmarshalJSON(b []byte) error {
	type plain AllowRule // without this method
	var p plain
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return err
	}
	*r = AllowRule(p)
	return nil
}

// CrossUserConfig tunes PFD-1 (pidfd_cross_user_signal).
type CrossUserConfig struct {
	// IncludeRootSenders reports senders with uid 0 too. Off by default:
	// root signalling other users' processes is everyday administration.
	IncludeRootSenders bool `json:"include_root_senders"`
}

// UnusualFlagsConfig tunes PFD-2 (pidfd_unusual_flags).
type UnusualFlagsConfig struct {
	// IgnoreOwnProcessGroups skips a process-group kill or stop whose target
	// (the group leader) is known to belong to the sender's uid: a shell or
	// supervisor managing its own jobs. Invalid flags are reported anyway.
	IgnoreOwnProcessGroups bool `json:"ignore_own_process_groups"`
}

// SignalProbeConfig tunes PFD-4 (pidfd_signal_probe).
type SignalProbeConfig struct {
	// Threshold is how many distinct foreign targets a sender must probe
	// within Window to be reported.
	Threshold int `json:"threshold"`
	// Window is the sliding window, in event time. After a finding the
	// sender is not reported again for one Window.
	Window Duration `json:"window"`
	// IncludeRootSenders counts probes by uid 0 too.
	IncludeRootSenders bool `json:"include_root_senders"`
	// MaxSenders caps the senders tracked at once; the least recently seen
	// is evicted when full.
	MaxSenders int `json:"max_senders"`
	// MaxTargetsPerSender caps the targets remembered per sender (at least
	// Threshold); the oldest is forgotten when full.
	MaxTargetsPerSender int `json:"max_targets_per_sender"`
}

// SecurityToolsConfig tunes PFD-5 (pidfd_security_tool_kill).
type SecurityToolsConfig struct {
	// Names lists process names (comm) of security and audit agents.
	Names []string `json:"names"`
	// Exe lists executable path globs of security and audit agents.
	Exe []string `json:"exe"`
	// Signals lists the signal names reported ("SIGKILL", "SIGSTOP", ...).
	Signals []string `json:"signals"`
	// IgnoreSameTool skips calls whose sender runs the same program as the
	// target (the same executable, or the same name when an executable is
	// unknown): an agent's watchdog restarting its worker. A name can be
	// forged with prctl; executables cannot.
	IgnoreSameTool bool `json:"ignore_same_tool"`
}

// Duration is a time.Duration written as a Go duration string ("10s",
// "1m30s") in configuration files.
type Duration time.Duration

// String formats d like time.Duration ("10s").
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalJSON writes d as a duration string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(d.String())
}

// UnmarshalJSON reads a duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration %s: want a string such as \"10s\"", b)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration %q: %w", s, err)
	}
	*d = Duration(v)
	return nil
}

// Defaults of the PFD-4 tuning.
const (
	DefaultProbeThreshold  = 5
	DefaultProbeWindow     = 10 * time.Second
	DefaultProbeMaxSenders = 1024
	DefaultProbeMaxTargets = 64
)

// maxCommLen is the longest process name the kernel keeps (TASK_COMM_LEN
// less the terminating NUL).
const maxCommLen = 15

// globDescendants ends a glob that matches everything below a directory.
const globDescendants = "/**"

// DefaultConfig returns the configuration the signatures use when given no
// other: the allowlist of init systems and container runtimes, PFD-4 at 5
// distinct foreign targets within 10s, and the built-in list of security
// and audit agents.
func DefaultConfig() Config {
	return Config{
		Disabled: []string{},
		Allow: []AllowRule{
			{
				Description:     "init systems (PID 1, root) stop and signal services of every user",
				Comm:            []string{"systemd", "init"},
				Exe:             []string{"/usr/lib/systemd/systemd", "/lib/systemd/systemd", "/sbin/init", "/usr/sbin/init"},
				MatchUnknownExe: true,
				UIDs:            []uint32{0},
				Signatures:      []string{IDCrossUserSignal, IDUnusualFlags, IDForgedSiginfo, IDSignalProbe},
			},
			{
				Description: "container runtimes signal the processes of the containers they run",
				Comm: []string{"runc", "crun", "youki", "conmon",
					"containerd-shim", "containerd-shim-runc-v2", "containerd-shim-runsc-v1", "runsc"},
				Exe: []string{"/usr/bin/runc", "/usr/sbin/runc", "/usr/local/bin/runc", "/usr/local/sbin/runc",
					"/usr/bin/crun", "/usr/local/bin/crun", "/usr/bin/youki", "/usr/local/bin/youki",
					"/usr/bin/conmon", "/usr/libexec/podman/conmon", "/usr/local/libexec/podman/conmon",
					"/usr/bin/containerd-shim*", "/usr/local/bin/containerd-shim*", "/usr/bin/runsc", "/usr/local/bin/runsc"},
				MatchUnknownExe:   true,
				TargetInContainer: true,
				Signatures:        []string{IDCrossUserSignal, IDUnusualFlags, IDForgedSiginfo, IDSignalProbe},
			},
		},
		UnusualFlags: UnusualFlagsConfig{IgnoreOwnProcessGroups: true},
		SignalProbe: SignalProbeConfig{
			Threshold:           DefaultProbeThreshold,
			Window:              Duration(DefaultProbeWindow),
			MaxSenders:          DefaultProbeMaxSenders,
			MaxTargetsPerSender: DefaultProbeMaxTargets,
		},
		SecurityTools: SecurityToolsConfig{
			Names:          defaultSecurityToolNames(),
			Exe:            defaultSecurityToolExe(),
			Signals:        []string{"SIGKILL", "SIGTERM", "SIGINT", "SIGQUIT", "SIGSTOP", "SIGTSTP"},
			IgnoreSameTool: true,
		},
	}
}

// defaultSecurityToolNames is the built-in list of security and audit agents
// by process name. Names longer than 15 bytes are matched on their first 15.
func defaultSecurityToolNames() []string {
	return []string{
		// runtime security sensors
		"tracee", "tracee-ebpf", "tracee-rules", "falco", "tetragon", "sysdig", "dragent",
		"kubearmor", "sysmon",
		// audit
		"auditd", "audispd", "auditbeat", "go-audit",
		// host intrusion detection and endpoint agents
		"osqueryd", "wazuh-agentd", "wazuh-execd", "wazuh-logcollector", "wazuh-modulesd",
		"wazuh-syscheckd", "ossec-agentd", "ossec-syscheckd",
		"falcon-sensor", "falcond", "s1-agent", "s1-orchestrator", "sentinelone-agent",
		"mdatp", "wdavdaemon", "elastic-agent", "elastic-endpoint",
		"cbagentd", "cbdaemon", "ds_agent", "clamd",
	}
}

// defaultSecurityToolExe is the built-in list of security and audit agents by
// executable path.
func defaultSecurityToolExe() []string {
	return []string{
		"/usr/bin/tracee*", "/usr/local/bin/tracee*", "/tracee/tracee*",
		"/usr/bin/falco", "/usr/local/bin/falco",
		"/usr/bin/tetragon", "/usr/local/bin/tetragon",
		"/usr/bin/sysdig", "/opt/draios/bin/**",
		"/sbin/auditd", "/usr/sbin/auditd", "/sbin/audispd", "/usr/sbin/audispd", "/usr/share/auditbeat/bin/auditbeat",
		"/usr/bin/osqueryd", "/opt/osquery/bin/osqueryd",
		"/var/ossec/bin/**",
		"/opt/CrowdStrike/**", "/opt/sentinelone/bin/**", "/opt/microsoft/mdatp/sbin/**",
		"/opt/Elastic/Agent/**", "/opt/Elastic/Endpoint/**",
		"/opt/carbonblack/**", "/opt/ds_agent/**",
	}
}

// LoadConfig reads a YAML or JSON configuration file and returns it overlaid
// on DefaultConfig (see ParseConfig).
func LoadConfig(name string) (Config, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return Config{}, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	cfg, err := ParseConfig(b)
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", name, err)
	}
	return cfg, nil
}

// ParseConfig decodes a YAML or JSON document over DefaultConfig: keys the
// document sets replace the defaults (lists are replaced, not extended),
// the others keep their default. An unknown key is an error naming it, and
// the result is validated.
func ParseConfig(data []byte) (Config, error) {
	cfg := DefaultConfig()
	if len(bytes.TrimSpace(data)) == 0 {
		return cfg, nil
	}
	if err := yaml.UnmarshalStrict(data, &cfg); err != nil {
		return Config{}, fmt.Errorf("%w: %s", ErrConfig, cleanYAMLError(err))
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// cleanYAMLError drops sigs.k8s.io/yaml's conversion prefixes, keeping the
// decoder's message (`json: unknown field "foo"`).
func cleanYAMLError(err error) string {
	msg := err.Error()
	for _, p := range []string{"error unmarshaling JSON: while decoding JSON: ", "error unmarshaling JSON: ", "error converting YAML to JSON: "} {
		msg = strings.TrimPrefix(msg, p)
	}
	return msg
}

// errUnknownID starts the message about a signature ID that does not exist.
const errUnknownID = "unknown signature id"

// Validate reports the first problem of c: an unknown signature id, an allow
// rule that matches nothing or has a bad glob, an unknown signal name, or a
// PFD-4 bound out of range.
func (c *Config) Validate() error {
	for _, id := range c.Disabled {
		if !knownID(id) {
			return fmt.Errorf("%w: disabled: %s %q", ErrConfig, errUnknownID, id)
		}
	}
	for i := range c.Allow {
		if err := c.Allow[i].validate(); err != nil {
			return fmt.Errorf("%w: allow[%d]: %w", ErrConfig, i, err)
		}
	}
	if err := c.SignalProbe.validate(); err != nil {
		return fmt.Errorf("%w: signal_probe: %w", ErrConfig, err)
	}
	if err := c.SecurityTools.validate(); err != nil {
		return fmt.Errorf("%w: security_tools: %w", ErrConfig, err)
	}
	return nil
}

func (r *AllowRule) validate() error {
	if len(r.Comm) == 0 && len(r.Exe) == 0 {
		return errors.New("a rule needs comm or exe")
	}
	if err := validateGlobs(r.Exe); err != nil {
		return fmt.Errorf("exe: %w", err)
	}
	for _, id := range r.Signatures {
		if !knownID(id) {
			return fmt.Errorf("signatures: %s %q", errUnknownID, id)
		}
	}
	return nil
}

func (p *SignalProbeConfig) validate() error {
	switch {
	case p.Threshold < 1:
		return fmt.Errorf("threshold %d: want at least 1", p.Threshold)
	case p.Window <= 0:
		return fmt.Errorf("window %s: want a positive duration", time.Duration(p.Window))
	case p.MaxSenders < 1:
		return fmt.Errorf("max_senders %d: want at least 1", p.MaxSenders)
	case p.MaxTargetsPerSender < p.Threshold:
		return fmt.Errorf("max_targets_per_sender %d: want at least threshold (%d)", p.MaxTargetsPerSender, p.Threshold)
	}
	return nil
}

func (s *SecurityToolsConfig) validate() error {
	if err := validateGlobs(s.Exe); err != nil {
		return fmt.Errorf("exe: %w", err)
	}
	for _, name := range s.Signals {
		if _, ok := signalByName(name); !ok {
			return fmt.Errorf("signals: unknown signal %q", name)
		}
	}
	return nil
}

func validateGlobs(globs []string) error {
	for _, g := range globs {
		if g == "" {
			return errors.New("empty glob")
		}
		if _, err := path.Match(strings.TrimSuffix(g, globDescendants), ""); err != nil {
			return fmt.Errorf("glob %q: %w", g, err)
		}
	}
	return nil
}

// signalByName returns the signal named name ("SIGKILL", "SIGRTMIN+3").
func signalByName(name string) (events.Signal, bool) {
	for s := events.SignalProbe + 1; s <= events.SIGRTMAX; s++ {
		if s.String() == name {
			return s, true
		}
	}
	return 0, false
}
