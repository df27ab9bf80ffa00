// Package yamldetector holds no code: its tests check that the YAML
// detectors beside them are well-formed for Tracee's detector schema and
// that their CEL conditions say what package events says about flags and
// signals.
package yamldetector

import (
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"github.com/pidfdsig/pidfdsig/events"
)

// detector is the part of Tracee's YAML detector schema these files use.
type detector struct {
	Type          string `json:"type"`
	ID            string `json:"id"`
	ProducedEvent struct {
		Name        string   `json:"name"`
		Version     string   `json:"version"`
		Description string   `json:"description"`
		Tags        []string `json:"tags"`
		Fields      []struct {
			Name string `json:"name"`
			Type string `json:"type"`
		} `json:"fields"`
	} `json:"produced_event"`
	Requirements struct {
		Events []struct {
			Name       string `json:"name"`
			Dependency string `json:"dependency"`
		} `json:"events"`
	} `json:"requirements"`
	Conditions []string `json:"conditions"`
	Threat     struct {
		Name        string `json:"name"`
		Severity    string `json:"severity"`
		Description string `json:"description"`
		Mitre       struct {
			Technique struct {
				ID   string `json:"id"`
				Name string `json:"name"`
			} `json:"technique"`
			Tactic struct {
				Name string `json:"name"`
			} `json:"tactic"`
		} `json:"mitre"`
	} `json:"threat"`
	AutoPopulate map[string]bool `json:"auto_populate"`
	Output       struct {
		Fields []struct {
			Name       string `json:"name"`
			Expression string `json:"expression"`
			Optional   bool   `json:"optional"`
		} `json:"fields"`
	} `json:"output"`
}

func load(t *testing.T, name string) detector {
	t.Helper()
	b, err := os.ReadFile(name)
	require.NoError(t, err)
	var d detector
	require.NoError(t, yaml.UnmarshalStrict(b, &d, yaml.DisallowUnknownFields), name)
	return d
}

func TestDetectorsFollowTheSchema(t *testing.T) {
	fieldTypes := []string{"string", "int32", "int64", "uint32", "uint64", "bool", "bytes"}
	for _, name := range []string{"pidfd_unusual_flags.yaml", "pidfd_process_group_kill.yaml"} {
		t.Run(name, func(t *testing.T) {
			d := load(t, name)
			assert.Equal(t, "detector", d.Type, "Tracee main refuses a file without type: detector")
			assert.Regexp(t, `^PFD-YAML-`, d.ID)
			assert.NotEmpty(t, d.Threat.Name)
			for _, c := range append(slices.Clone(d.Conditions), outputExpressions(d)...) {
				// Tracee main's CEL environment has getEventData and
				// hasData; an unknown function is refused at load.
				assert.NotRegexp(t, `(^|[^A-Za-z])getData\(`, c, "Tracee's CEL function is getEventData")
			}
			assert.Equal(t, strings.TrimSuffix(name, ".yaml")+"_yaml", d.ProducedEvent.Name)
			assert.Regexp(t, `^\d+\.\d+\.\d+$`, d.ProducedEvent.Version)
			assert.NotEmpty(t, d.ProducedEvent.Description)
			require.Len(t, d.Requirements.Events, 1)
			assert.Equal(t, events.EventPidfdSendSignal, d.Requirements.Events[0].Name)
			assert.NotEmpty(t, d.Conditions)
			assert.Contains(t, []string{"low", "medium", "high", "critical"}, d.Threat.Severity)
			assert.Regexp(t, `^T\d{4}(\.\d{3})?$`, d.Threat.Mitre.Technique.ID)
			assert.True(t, d.AutoPopulate["threat"])
			declared := make(map[string]bool)
			for _, f := range d.ProducedEvent.Fields {
				assert.Contains(t, fieldTypes, f.Type, f.Name)
				declared[f.Name] = true
			}
			for _, f := range d.Output.Fields {
				assert.True(t, declared[f.Name], "output field %s is not declared in produced_event", f.Name)
			}
		})
	}
}

// intList reads the first "[3u, 5u]" or "[17, 18]" list of a condition.
func intList(t *testing.T, cond string) []int64 {
	t.Helper()
	m := regexp.MustCompile(`\[([0-9u, ]+)\]`).FindStringSubmatch(cond)
	require.NotNil(t, m, cond)
	var out []int64
	for _, s := range strings.Split(m[1], ",") {
		n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(s), "u"), 10, 64)
		require.NoError(t, err)
		out = append(out, n)
	}
	return out
}

func TestUnusualFlagsConditionMatchesPackageEvents(t *testing.T) {
	d := load(t, "pidfd_unusual_flags.yaml")
	require.Len(t, d.Conditions, 1)
	cond := d.Conditions[0]
	require.Contains(t, cond, `getEventData("flags") > 7u`)
	multiple := intList(t, cond)
	yamlSays := func(f uint32) bool { return f > 7 || slices.Contains(multiple, int64(f)) }
	for _, f := range []uint32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 0x80, 1 << 31, ^uint32(0)} {
		want := !events.Flags(f).Valid()
		assert.Equal(t, want, yamlSays(f), "flags %#x", f)
	}
}

func TestProcessGroupKillConditionMatchesPackageEvents(t *testing.T) {
	d := load(t, "pidfd_process_group_kill.yaml")
	require.Len(t, d.Conditions, 3)
	assert.Equal(t, `getEventData("flags") == 4u`, d.Conditions[0])
	assert.Equal(t, uint32(events.PIDFD_SIGNAL_PROCESS_GROUP), uint32(4))
	sigCond := d.Conditions[1]
	require.Contains(t, sigCond, `getEventData("sig") >= 1 && getEventData("sig") <= 64`)
	harmless := intList(t, sigCond)
	yamlSays := func(sig int64) bool { return sig >= 1 && sig <= 64 && !slices.Contains(harmless, sig) }
	for sig := int64(-1); sig <= 65; sig++ {
		a := events.Signal(sig).DefaultAction()
		want := a == events.ActionTerminate || a == events.ActionStop
		assert.Equal(t, want, yamlSays(sig), "signal %d (%s)", sig, events.Signal(sig))
	}
}

// outputExpressions are the CEL expressions of a detector's output fields.
func outputExpressions(d detector) []string {
	var out []string
	for _, f := range d.Output.Fields {
		out = append(out, f.Expression)
	}
	return out
}
