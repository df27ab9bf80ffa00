package pluginbuild_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/plugin/bundle"
	"github.com/pidfdsig/pidfdsig/pluginbuild"
)

// signatureEvents are the events of PFD-1 to PFD-6, as `tracee list` shows
// them.
var signatureEvents = []string{
	"pidfd_cross_user_signal", "pidfd_unusual_flags", "pidfd_forged_siginfo",
	"pidfd_signal_probe", "pidfd_security_tool_kill", "pidfd_container_escape_signal",
}

// realTracee is a tracee binary to build for.
type realTracee struct {
	name string
	bin  string
	src  string
}

// bundledTraceeScript returns the tracee.sh of the real Tracee binaries
// (shared/tracee beside the project checkout or one of its parents), ""
// when there is none.
func bundledTraceeScript(t *testing.T) string {
	for dir := moduleRoot(t); ; dir = filepath.Dir(dir) {
		script := filepath.Join(dir, "shared", "tracee", "tracee.sh")
		if _, err := os.Stat(script); err == nil {
			return script
		}
		if dir == filepath.Dir(dir) {
			return ""
		}
	}
}

// realTracees lists the tracee binaries at hand: the bundled v0.24.1 and
// main, and TRACEE_BIN (with TRACEE_SRC) when set.
func realTracees(t *testing.T) []realTracee {
	var out []realTracee
	if script := bundledTraceeScript(t); script != "" {
		for _, v := range []struct{ version, src string }{
			{"v0.24.1", ""},
			{"main", filepath.Join(filepath.Dir(script), "tracee-main-src")},
		} {
			path, err := exec.Command(script, v.version, "--path").Output()
			if err != nil {
				t.Logf("bundled tracee %s not usable: %v", v.version, err)
				continue
			}
			out = append(out, realTracee{name: "bundled " + v.version, bin: strings.TrimSpace(string(path)), src: v.src})
		}
	}
	if bin := os.Getenv("TRACEE_BIN"); bin != "" {
		out = append(out, realTracee{name: "TRACEE_BIN", bin: bin, src: os.Getenv("TRACEE_SRC")})
	}
	return out
}

// runTracee runs tracee with args and the plugin's environment, and
// returns its combined output and error.
func runTracee(bin string, env []string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// loadedSignatures has tracee load the .so files of dir and returns which
// of events its signatures provide, and tracee's output. Tracee v0.24.1
// lists them with `list --signatures-dir`. Main's list has no such flag:
// its analyze command loads the signatures that provide the events asked
// for (the input is empty) and logs how many it loaded, so the events are
// returned when that count is len(events), none otherwise.
func loadedSignatures(t *testing.T, bin string, env []string, dir string, events []string) ([]string, string) {
	t.Helper()
	var loaded []string
	out, err := runTracee(bin, env, "list", "--signatures-dir", dir)
	if err == nil {
		for _, ev := range events {
			if regexp.MustCompile(`(?m)^\| ` + regexp.QuoteMeta(ev) + ` +\|`).MatchString(out) {
				loaded = append(loaded, ev)
			}
		}
		return loaded, out
	}
	require.Contains(t, out, "unknown flag: --signatures-dir", "tracee list --signatures-dir %s: %v", dir, err)
	empty := filepath.Join(t.TempDir(), "none.json")
	require.NoError(t, os.WriteFile(empty, nil, 0o644))
	args := []string{"analyze", "--signatures-dir", dir, "--source", empty}
	for _, ev := range events {
		args = append(args, "-e", ev)
	}
	out, err = runTracee(bin, env, args...)
	require.NoError(t, err, "tracee %s:\n%s", strings.Join(args, " "), out)
	m := regexp.MustCompile(`"Signatures loaded","total":(\d+)`).FindStringSubmatch(out)
	require.NotNil(t, m, "tracee analyze logs no loaded signatures:\n%s", out)
	if n, err := strconv.Atoi(m[1]); err == nil && n == len(events) {
		loaded = events
	}
	return loaded, out
}

// listCase is one `tracee list` run: the plugin's environment and the
// events tracee must list.
type listCase struct {
	name   string
	env    []string
	listed []string
}

// TestFullPluginBuildsAndLoadsInRealTracee builds the full (OPA) plugin
// and the Go-only one with pluginbuild.Build for each real tracee binary at
// hand, and has that tracee list the signatures it loads from them: the
// six PFD events, the built-in Rego rules (PIDFDSIG_BUILTIN=rego) and a
// user Rego rule, with no complaint from the plugin.
func TestFullPluginBuildsAndLoadsInRealTracee(t *testing.T) {
	skipIfShort(t, "TestFullPluginBuildsAndLoadsInRealTracee")
	tracees := realTracees(t)
	if len(tracees) == 0 {
		t.Skip("no real tracee binary: neither shared/tracee/tracee.sh beside the checkout nor TRACEE_BIN")
	}
	rules := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(rules, "plugintest.rego"), []byte(userRule), 0o644))
	for _, tr := range tracees {
		for _, goOnly := range []bool{false, true} {
			variant := map[bool]string{false: "full", true: "go-only"}[goOnly]
			t.Run(tr.name+" "+variant, func(t *testing.T) {
				dir := t.TempDir()
				var log bytes.Buffer
				plan, err := pluginbuild.Build(context.Background(), pluginbuild.Options{
					TraceeBin: tr.bin, TraceeSrc: tr.src, GoOnly: goOnly,
					Dir: moduleRoot(t), Output: filepath.Join(dir, "pidfdsig.so"),
				}, &log, &log)
				if errors.Is(err, pluginbuild.ErrToolchain) {
					t.Skipf("tracee's Go toolchain is not available here: %v", err)
				}
				if err != nil && offline(log.String()+err.Error()) {
					t.Skipf("the Go module proxy is out of reach: %v", err)
				}
				require.NoError(t, err, log.String())
				assert.Equal(t, variant, plan.Variant)
				for _, pin := range plan.Pins {
					if pin.Reason != "" {
						t.Logf("downgraded with tracee's versions: %s", pin)
					}
				}
				if os.Geteuid() != 0 {
					t.Skipf("built %s; loading it into tracee needs root", plan.Output)
				}
				cases := []listCase{{"go signatures", []string{bundle.EnvLive + "=0"}, signatureEvents}}
				if !goOnly {
					cases = append(cases, listCase{"rego built-ins and a user rule",
						[]string{bundle.EnvLive + "=0", bundle.EnvBuiltin + "=rego", bundle.EnvRegoDir + "=" + rules},
						append([]string{"pidfdsig_plugin_test"}, signatureEvents...)})
				}
				for _, c := range cases {
					loaded, out := loadedSignatures(t, tr.bin, c.env, dir, c.listed)
					assert.Equal(t, c.listed, loaded, "%s: the events tracee's loaded signatures provide:\n%s", c.name, out)
					assert.Empty(t, pluginComplaints(out), "%s: the plugin complains at load:\n%s", c.name, out)
					assert.NotContains(t, out, "Opening plugin", "%s: tracee fails to open the plugin", c.name)
				}
			})
		}
	}
}

// pluginComplaints returns the plugin's stderr lines in out other than its
// notices about companion events the kernel cannot give Tracee: on a
// kernel without kprobes (dup, dup2, dup3 cannot attach) the plugin says
// so at load by design, and that is not a complaint.
func pluginComplaints(out string) []string {
	var complaints []string
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, "pidfdsig plugin:") {
			continue
		}
		if strings.HasPrefix(line, "pidfdsig plugin: companion events this kernel cannot give Tracee") {
			continue
		}
		complaints = append(complaints, line)
	}
	return complaints
}

func TestPluginComplaints(t *testing.T) {
	tests := []struct {
		name string
		out  string
		want []string
	}{
		{"nothing from the plugin", `{"level":"info","msg":"Signatures loaded"}`, nil},
		{"the kprobe notice only", "pidfdsig plugin: companion events this kernel cannot give Tracee, so ...: dup (this kernel has no kprobes)\n", nil},
		{"a problem beside the notice",
			"pidfdsig plugin: companion events this kernel cannot give Tracee: dup\npidfdsig plugin: rules: x.rego: does not compile\n",
			[]string{"pidfdsig plugin: rules: x.rego: does not compile"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, pluginComplaints(tt.out))
		})
	}
}
