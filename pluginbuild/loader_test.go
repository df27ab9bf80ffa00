package pluginbuild_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"plugin"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/aquasecurity/tracee/types/trace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/capture"
	"github.com/pidfdsig/pidfdsig/plugin/bundle"
	"github.com/pidfdsig/pidfdsig/pluginbuild"
)

// userRule is a Rego rule the test hands the plugin through
// PIDFDSIG_REGO_DIR, so that OPA runs inside the .so too.
const userRule = `package tracee.PLUGINTEST_1

__rego_metadoc__ := {
	"id": "PLUGINTEST-1",
	"version": "1",
	"name": "every pidfd_send_signal call",
	"eventName": "pidfdsig_plugin_test",
	"description": "Reports every pidfd_send_signal call, to prove user rules run inside the plugin.",
	"tags": [],
	"properties": {},
}

tracee_selected_events contains {"source": "tracee", "name": "pidfd_send_signal", "origin": "*"}

tracee_match if input.eventName == "pidfd_send_signal"
`

// TestPluginLoadsLikeTraceeAndMatchesInProcess builds the full plugin for
// this test binary (the host, as tracee is in production), opens it the way
// Tracee does, runs every exported signature over the scenario captures,
// and compares the findings with the same bundle built in-process.
func TestPluginLoadsLikeTraceeAndMatchesInProcess(t *testing.T) {
	skipIfShort(t, "TestPluginLoadsLikeTraceeAndMatchesInProcess")
	rules := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(rules, "plugintest.rego"), []byte(userRule), 0o644))
	// Read by the plugin's init, at plugin.Open.
	t.Setenv(bundle.EnvRegoDir, rules)
	t.Setenv(bundle.EnvLive, "0")
	t.Setenv(bundle.EnvConfig, "")
	t.Setenv(bundle.EnvBuiltin, "")

	so := buildPluginForThisBinary(t)
	sigs, dss := openLikeTracee(t, so)

	require.Len(t, dss, 1)
	assert.Equal(t, "pidfdsig", dss[0].Namespace())
	assert.Equal(t, "pidfd_target", dss[0].ID())

	want, err := bundle.New(bundle.Options{RegoDirs: []string{rules}})
	require.NoError(t, err)
	require.Empty(t, want.Problems)
	assert.Equal(t, signatureIDs(t, want.Signatures), signatureIDs(t, sigs))
	assert.Contains(t, signatureIDs(t, sigs), "PLUGINTEST-1")

	events := scenarioEvents(t)
	got := runLikeTracee(t, sigs, dss, events)
	inProcess := runLikeTracee(t, want.Signatures, want.DataSources, events)
	require.NotEmpty(t, inProcess)
	assert.Equal(t, inProcess, got, "the plugin's findings differ from the same bundle run in-process")
	found := make(map[string]bool)
	for _, f := range got {
		found[strings.Fields(f)[0]] = true
	}
	t.Logf("%d events, %d findings from %d signatures: %v", len(events), len(got), len(sigs), found)
	for _, id := range []string{"PFD-1", "PFD-2", "PFD-5", "PLUGINTEST-1"} {
		assert.True(t, found[id], "no %s finding: the scenarios should trigger it", id)
	}
}

// buildPluginForThisBinary plans the plugin against this test binary and
// builds it, once per content: the .so is kept in the temporary directory
// under a hash of everything that goes into it.
func buildPluginForThisBinary(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	root := moduleRoot(t)
	cacheDir := filepath.Join(os.TempDir(), "pidfdsig-plugin-test")
	require.NoError(t, os.MkdirAll(cacheDir, 0o755))
	tmp := filepath.Join(cacheDir, fmt.Sprintf("build-%d.so", os.Getpid()))

	ctx := context.Background()
	if deadline, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(-30*time.Second))
		defer cancel()
	}
	plan, err := pluginbuild.NewPlan(ctx, pluginbuild.Options{TraceeBin: exe, Dir: root, Output: tmp})
	require.NoError(t, err, "this test binary must be a host the plugin can be built for")
	defer plan.Close()
	assert.Empty(t, plan.Pins, "the test binary links the project's own module versions")
	assert.Empty(t, plan.Rewrites)
	assert.Equal(t, raceEnabled, slices.Contains(plan.Args, "-race"), "the plugin needs -race exactly when the host has it")

	so := filepath.Join(cacheDir, contentKey(t, root, plan)+".so")
	if _, err := os.Stat(so); err == nil {
		t.Logf("reusing %s", so)
		return so
	}
	var log bytes.Buffer
	start := time.Now()
	err = plan.Build(ctx, &log, &log)
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("building the plugin did not finish before the test deadline: run go test with a longer -timeout (it takes minutes on a cold build cache)\n%s", log.String())
	}
	require.NoError(t, err, log.String())
	t.Logf("built the plugin in %s", time.Since(start).Round(time.Second))
	require.NoError(t, os.Rename(tmp, so))
	pruneCache(t, cacheDir, 4)
	return so
}

// pruneCache keeps the newest keep plugins of the cache: each source change
// leaves a 50 MB .so behind.
func pruneCache(t *testing.T, dir string, keep int) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	type built struct {
		name string
		mod  time.Time
	}
	var sos []built
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !strings.HasSuffix(e.Name(), ".so") || strings.HasPrefix(e.Name(), "build-") {
			continue
		}
		sos = append(sos, built{e.Name(), info.ModTime()})
	}
	slices.SortFunc(sos, func(a, b built) int { return b.mod.Compare(a.mod) })
	for _, old := range sos[min(keep, len(sos)):] {
		_ = os.Remove(filepath.Join(dir, old.name))
	}
}

// contentKey hashes what the plugin is built from: the plan's settings
// (without its temporary paths), go.mod, go.sum and every source file of
// the module but tests and test data.
func contentKey(t *testing.T, root string, plan *pluginbuild.Plan) string {
	t.Helper()
	h := sha256.New()
	fmt.Fprintln(h, plan.Toolchain.GoVersion, plan.Env)
	for _, a := range plan.Args {
		if !strings.HasPrefix(a, "-modfile=") && a != plan.Output {
			fmt.Fprintln(h, a)
		}
	}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "bin") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(name, "_test.go") || strings.HasSuffix(name, ".so") || !d.Type().IsRegular() {
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		fmt.Fprintln(h, path)
		_, err = io.Copy(h, f)
		return err
	})
	require.NoError(t, err)
	return hex.EncodeToString(h.Sum(nil))[:24]
}

// openLikeTracee does what Tracee's signature loader does with a .so.
func openLikeTracee(t *testing.T, so string) ([]detect.Signature, []detect.DataSource) {
	t.Helper()
	p, err := plugin.Open(so)
	require.NoError(t, err)
	sym, err := p.Lookup("ExportedSignatures")
	require.NoError(t, err)
	sigs, ok := sym.(*[]detect.Signature)
	require.True(t, ok, "ExportedSignatures is %T, Tracee asserts *[]detect.Signature", sym)
	sym, err = p.Lookup("ExportedDataSources")
	require.NoError(t, err)
	dss, ok := sym.(*[]detect.DataSource)
	require.True(t, ok, "ExportedDataSources is %T, Tracee asserts *[]detect.DataSource", sym)
	return *sigs, *dss
}

func signatureIDs(t *testing.T, sigs []detect.Signature) []string {
	t.Helper()
	ids := make([]string, 0, len(sigs))
	for _, s := range sigs {
		m, err := s.GetMetadata()
		require.NoError(t, err)
		ids = append(ids, m.ID)
	}
	return ids
}

// scenarioEvents reads the scenario captures, or the Tracee samples when
// there are none, in file order.
func scenarioEvents(t *testing.T) []trace.Event {
	t.Helper()
	root := moduleRoot(t)
	files, err := filepath.Glob(filepath.Join(root, "testdata", "scenarios", "*.jsonl"))
	require.NoError(t, err)
	if len(files) == 0 {
		files, err = filepath.Glob(filepath.Join(root, "testdata", "tracee-samples", "*.jsonl"))
		require.NoError(t, err)
	}
	require.NotEmpty(t, files)
	slices.Sort(files)
	var evs []trace.Event
	skipped := make(map[string]int) // error text -> lines
	defer func() {
		for msg, n := range skipped {
			t.Logf("skipped %d undecodable lines, e.g. %s", n, msg)
		}
	}()
	for _, name := range files {
		f, err := os.Open(name)
		require.NoError(t, err)
		r := capture.NewReader(f)
		for {
			var ev trace.Event
			err := r.Next(&ev)
			if errors.Is(err, io.EOF) {
				break
			}
			// A line the reader cannot decode is capture's business: both
			// runs skip it alike.
			var lerr *capture.LineError
			if errors.As(err, &lerr) {
				skipped[lerr.Err.Error()]++
				continue
			}
			require.NoError(t, err, name)
			evs = append(evs, ev)
		}
		require.NoError(t, f.Close())
	}
	return evs
}

// runLikeTracee initialises every signature as Tracee's engine does, hands
// each event to the signatures that select it, and returns one line per
// finding: ID, event name, timestamp, sender and data.
func runLikeTracee(t *testing.T, sigs []detect.Signature, dss []detect.DataSource, evs []trace.Event) []string {
	t.Helper()
	var findings []string
	callback := func(f *detect.Finding) {
		ev, _ := f.Event.Payload.(trace.Event)
		data, err := json.Marshal(f.Data)
		require.NoError(t, err)
		findings = append(findings, fmt.Sprintf("%s %s ts=%d pid=%d %s",
			f.SigMetadata.ID, f.SigMetadata.EventName, ev.Timestamp, ev.HostProcessID, data))
	}
	getDS := func(namespace, id string) (detect.DataSource, bool) {
		for _, ds := range dss {
			if ds.Namespace() == namespace && ds.ID() == id {
				return ds, true
			}
		}
		return nil, false
	}
	selected := make([][]detect.SignatureEventSelector, len(sigs))
	for i, s := range sigs {
		require.NoError(t, s.Init(detect.SignatureContext{Callback: callback, Logger: testLogger{t}, GetDataSource: getDS}))
		sel, err := s.GetSelectedEvents()
		require.NoError(t, err)
		selected[i] = sel
	}
	for _, ev := range evs {
		for i, s := range sigs {
			if selects(selected[i], &ev) {
				require.NoError(t, s.OnEvent(ev.ToProtocol()))
			}
		}
	}
	for _, s := range sigs {
		require.NoError(t, s.OnSignal(detect.SignalSourceComplete("tracee")))
		s.Close()
	}
	return findings
}

func selects(sel []detect.SignatureEventSelector, ev *trace.Event) bool {
	for _, s := range sel {
		if (s.Name == ev.EventName || s.Name == "*") && (s.Source == "tracee" || s.Source == "*" || s.Source == "") {
			return true
		}
	}
	return false
}

// testLogger sends the signatures' logs to the test log.
type testLogger struct{ t *testing.T }

func (l testLogger) log(msg string, kv []interface{}) { l.t.Log(append([]interface{}{msg}, kv...)...) }

func (l testLogger) Debugw(string, ...interface{})        {}
func (l testLogger) Infow(msg string, kv ...interface{})  { l.log(msg, kv) }
func (l testLogger) Warnw(msg string, kv ...interface{})  { l.log(msg, kv) }
func (l testLogger) Errorw(msg string, kv ...interface{}) { l.log(msg, kv) }
