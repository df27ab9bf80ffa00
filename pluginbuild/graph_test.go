package pluginbuild

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	otel    = "go.opentelemetry.io/otel"
	otelSDK = "go.opentelemetry.io/otel/sdk"
	opaPath = "github.com/open-policy-agent/opa"
	jwx     = "github.com/lestrrat-go/jwx/v3"
	tracing = "example.com/tracing"
)

// fakeIndex is a module graph given as tables: "path@version" -> its
// go.mod's requirements, path -> its versions.
type fakeIndex struct {
	reqs map[string]map[string]string
	vers map[string][]string
	// asked counts the requirement look-ups, by "path@version".
	asked map[string]int
}

func (f *fakeIndex) versions(_ context.Context, path string) ([]string, error) {
	v, ok := f.vers[path]
	if !ok {
		return nil, fmt.Errorf("module %s: not found", path)
	}
	return v, nil
}

func (f *fakeIndex) requires(_ context.Context, path, version string) (map[string]string, error) {
	if f.asked == nil {
		f.asked = make(map[string]int)
	}
	f.asked[path+"@"+version]++
	r, ok := f.reqs[path+"@"+version]
	if !ok {
		return nil, fmt.Errorf("%s@%s: no go.mod", path, version)
	}
	return r, nil
}

// otelGraph is OPA v1.13.2's corner of the graph: otel/sdk v1.N requires
// otel v1.N, OPA requires both at v1.39.0, jwx requires nothing pinned.
func otelGraph() *fakeIndex {
	f := &fakeIndex{reqs: map[string]map[string]string{
		opaPath + "@v1.13.2": {otel: "v1.39.0", otelSDK: "v1.39.0", jwx: "v3.0.13"},
		opaPath + "@v1.4.0":  {otel: "v1.34.0", otelSDK: "v1.34.0", jwx: "v3.0.0"},
		jwx + "@v3.0.13":     {"golang.org/x/crypto": "v0.46.0"},
	}, vers: map[string][]string{
		otelSDK: {"v1.33.0", "v1.34.0", "v1.35.0", "v1.36.0", "v1.37.0", "v1.38.0", "v1.39.0", "v1.40.0-rc.1", "v1.40.0"},
		opaPath: {"v1.4.0", "v1.13.2"},
		jwx:     {"v3.0.0", "v3.0.13"},
	}}
	for _, v := range f.vers[otelSDK] {
		f.reqs[otelSDK+"@"+v] = map[string]string{otel: v, "golang.org/x/sys": "v0.29.0"}
	}
	return f
}

func TestResolveGraph(t *testing.T) {
	opaKept := map[string]bool{opaPath: true}
	tests := []struct {
		name     string
		idx      func() *fakeIndex
		in       graphInput
		wantDown map[string]string
		wantWhy  map[string]string
		wantKept []string
		wantErr  []string // substrings of a refusal (ErrConflict)
	}{
		{name: "a graph whose requirements the pins satisfy needs no downgrade",
			idx: otelGraph,
			in: graphInput{
				linked: []moduleVersion{{otelSDK, "v1.34.0"}, {jwx, "v3.0.13"}},
				fixed:  map[string]string{otel: "v1.34.0", "golang.org/x/crypto": "v0.47.0"},
			},
			wantDown: map[string]string{}},
		{name: "otel pinned down to tracee's v1.34.0 takes otel/sdk down to v1.34.0 and keeps OPA",
			idx: otelGraph,
			in: graphInput{
				linked: []moduleVersion{{opaPath, "v1.13.2"}, {otelSDK, "v1.39.0"}, {jwx, "v3.0.13"}},
				fixed:  map[string]string{otel: "v1.34.0"},
				keep:   opaKept,
			},
			wantDown: map[string]string{otelSDK: "v1.34.0"},
			wantWhy:  map[string]string{otelSDK: otelSDK + " v1.39.0 requires " + otel + " v1.39.0, the build has v1.34.0"},
			wantKept: []string{
				opaPath + " v1.13.2 requires " + otel + " v1.39.0, the build has v1.34.0",
				opaPath + " v1.13.2 requires " + otelSDK + " v1.39.0, the build has v1.34.0",
			}},
		{name: "a module tracee links is never downgraded, whatever it requires",
			idx: otelGraph,
			in: graphInput{
				linked: []moduleVersion{{otelSDK, "v1.39.0"}},
				fixed:  map[string]string{otel: "v1.34.0", otelSDK: "v1.39.0"},
			},
			wantDown: map[string]string{}},
		{name: "prereleases are passed over and versions only go down",
			idx: otelGraph,
			in: graphInput{
				linked: []moduleVersion{{otelSDK, "v1.40.0"}},
				fixed:  map[string]string{otel: "v1.39.0"},
			},
			wantDown: map[string]string{otelSDK: "v1.39.0"},
			wantWhy:  map[string]string{otelSDK: otelSDK + " v1.40.0 requires " + otel + " v1.40.0, the build has v1.39.0"}},
		{name: "a dependent of a downgraded module is downgraded in turn",
			idx: func() *fakeIndex {
				f := otelGraph()
				f.vers[tracing] = []string{"v1.0.0", "v1.1.0", "v1.2.0"}
				f.reqs[tracing+"@v1.2.0"] = map[string]string{otelSDK: "v1.39.0"}
				f.reqs[tracing+"@v1.1.0"] = map[string]string{otelSDK: "v1.35.0"}
				f.reqs[tracing+"@v1.0.0"] = map[string]string{otelSDK: "v1.30.0"}
				return f
			},
			in: graphInput{
				linked: []moduleVersion{{tracing, "v1.2.0"}, {otelSDK, "v1.39.0"}},
				fixed:  map[string]string{otel: "v1.34.0"},
			},
			wantDown: map[string]string{otelSDK: "v1.34.0", tracing: "v1.0.0"},
			wantWhy: map[string]string{
				otelSDK: otelSDK + " v1.39.0 requires " + otel + " v1.39.0, the build has v1.34.0",
				tracing: tracing + " v1.2.0 requires " + otelSDK + " v1.39.0, the build has v1.34.0",
			}},
		{name: "OPA, when not kept, goes down to a release tracee's versions allow",
			idx: otelGraph,
			in: graphInput{
				linked: []moduleVersion{{opaPath, "v1.13.2"}, {otelSDK, "v1.39.0"}},
				fixed:  map[string]string{otel: "v1.34.0"},
			},
			wantDown: map[string]string{otelSDK: "v1.34.0", opaPath: "v1.4.0"},
			wantWhy: map[string]string{
				otelSDK: otelSDK + " v1.39.0 requires " + otel + " v1.39.0, the build has v1.34.0",
				opaPath: opaPath + " v1.13.2 requires " + otel + " v1.39.0, the build has v1.34.0",
			}},
		{name: "an earlier downgrade stands and is checked again",
			idx: otelGraph,
			in: graphInput{
				linked: []moduleVersion{{otelSDK, "v1.39.0"}},
				fixed:  map[string]string{otel: "v1.33.0"},
				down:   map[string]string{otelSDK: "v1.34.0"},
			},
			wantDown: map[string]string{otelSDK: "v1.33.0"},
			wantWhy:  map[string]string{otelSDK: otelSDK + " v1.34.0 requires " + otel + " v1.34.0, the build has v1.33.0"}},
		{name: "a module with no release old enough is refused, naming it and the requirement",
			idx: otelGraph,
			in: graphInput{
				linked: []moduleVersion{{otelSDK, "v1.39.0"}},
				fixed:  map[string]string{otel: "v1.20.0"},
			},
			wantErr: []string{otelSDK, "requires " + otel + " v1.39.0, the build has v1.20.0", "-go-only", "GO_ONLY=1"}},
		{name: "every module without a consistent release is named",
			idx: func() *fakeIndex {
				f := otelGraph()
				f.reqs[jwx+"@v3.0.13"] = map[string]string{"golang.org/x/crypto": "v0.46.0"}
				f.reqs[jwx+"@v3.0.0"] = map[string]string{"golang.org/x/crypto": "v0.41.0"}
				return f
			},
			in: graphInput{
				linked: []moduleVersion{{otelSDK, "v1.39.0"}, {jwx, "v3.0.13"}},
				fixed:  map[string]string{otel: "v1.20.0", "golang.org/x/crypto": "v0.40.0"},
			},
			wantErr: []string{otelSDK + "@v1.39.0 requires " + otel, jwx + "@v3.0.13 requires golang.org/x/crypto v0.46.0, the build has v0.40.0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := resolveGraph(context.Background(), tt.idx(), tt.in)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, ErrConflict)
				var r *Refusal
				require.True(t, errors.As(err, &r))
				for _, s := range tt.wantErr {
					assert.Contains(t, err.Error(), s)
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantDown, res.down)
			why := make(map[string]string)
			for m, c := range res.why {
				why[m] = c.String()
			}
			if tt.wantWhy == nil {
				tt.wantWhy = map[string]string{}
			}
			assert.Equal(t, tt.wantWhy, why)
			var kept []string
			for _, c := range res.kept {
				kept = append(kept, c.String())
			}
			assert.Equal(t, tt.wantKept, kept)
		})
	}
}

func TestResolveGraphReportsIndexFailures(t *testing.T) {
	tests := []struct {
		name string
		idx  *fakeIndex
		want string
	}{
		{"a go.mod that cannot be read",
			&fakeIndex{vers: map[string][]string{otelSDK: {"v1.34.0"}}},
			"requirements of " + otelSDK + "@v1.39.0"},
		{"a version list that cannot be read",
			&fakeIndex{reqs: map[string]map[string]string{otelSDK + "@v1.39.0": {otel: "v1.39.0"}}},
			"versions of " + otelSDK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := resolveGraph(context.Background(), tt.idx, graphInput{
				linked: []moduleVersion{{otelSDK, "v1.39.0"}},
				fixed:  map[string]string{otel: "v1.34.0"},
			})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotErrorIs(t, err, ErrConflict)
		})
	}
}

func TestGraphInputFor(t *testing.T) {
	tracee := traceeWith(false,
		Module{Path: otel, Version: "v1.34.0"},
		Module{Path: typesPath, Version: "v0.0.0-00010101000000-000000000000", Replace: &Module{Path: "./types"}})
	pkgs := []listedPackage{
		{ImportPath: "github.com/pidfdsig/pidfdsig/plugin", Module: &listedModule{Path: "github.com/pidfdsig/pidfdsig", Main: true}},
		{ImportPath: "fmt", Standard: true},
		pkg(otel+"/attribute", otel, "v1.39.0", otel, "v1.34.0"),
		pkg(otelSDK+"/trace", otelSDK, "v1.39.0", otelSDK, "v1.34.0"),
		pkg(otelSDK+"/resource", otelSDK, "v1.39.0", otelSDK, "v1.34.0"),
		pkg(opaPath+"/v1/rego", opaPath, "v1.13.2"),
		pkg(typesPath+"/detect", typesPath, typesV, "/src/tracee/types"),
		pkg("example.com/fork/x", "example.com/fork", "v1.0.0", "example.com/other", "v2.0.0"),
	}
	pins := []Pin{
		{Path: otel, From: "v1.39.0", Require: "v1.34.0", Replace: otel, ReplaceVersion: "v1.34.0"},
		{Path: otelSDK, From: "v1.39.0", Require: "v1.34.0", Replace: otelSDK, ReplaceVersion: "v1.34.0", Reason: "r"},
	}
	keep := map[string]bool{opaPath: true}
	got := graphInputFor(tracee, pkgs, pins, keep)
	assert.Equal(t, graphInput{
		linked: []moduleVersion{{otelSDK, "v1.34.0"}, {opaPath, "v1.13.2"}},
		fixed:  map[string]string{otel: "v1.34.0"},
		down:   map[string]string{otelSDK: "v1.34.0"},
		keep:   keep,
	}, got)
}

func TestPinStringNamesTheReasonOfADowngrade(t *testing.T) {
	tests := []struct {
		name string
		pin  Pin
		want string
	}{
		{"a pin to tracee's version", Pin{Path: otel, From: "v1.39.0", Replace: otel, ReplaceVersion: "v1.34.0"},
			otel + " v1.39.0 -> v1.34.0"},
		{"a downgraded dependent", Pin{Path: otelSDK, From: "v1.39.0", Replace: otelSDK, ReplaceVersion: "v1.34.0",
			Reason: otelSDK + " v1.39.0 requires " + otel + " v1.39.0, the build has v1.34.0"},
			otelSDK + " v1.39.0 -> v1.34.0 (downgraded with its dependency: " + otelSDK + " v1.39.0 requires " + otel +
				" v1.39.0, the build has v1.34.0)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.pin.String())
		})
	}
}

func TestPlanDowngrades(t *testing.T) {
	pkgs := []listedPackage{
		pkg(otelSDK+"/trace", otelSDK, "v1.39.0", otelSDK, "v1.35.0"),
		pkg(jwx+"/jwk", jwx, "v3.0.13"),
		pkg(otel+"/attribute", otel, "v1.39.0", otel, "v1.34.0"),
	}
	earlier := Pin{Path: otelSDK, From: "v1.39.0", Require: "v1.35.0", Replace: otelSDK, ReplaceVersion: "v1.35.0", Reason: "earlier"}
	why := func(m string) Conflict {
		return Conflict{Module: m, Version: "v9", Requires: otel, Wants: "v1.39.0", Has: "v1.34.0"}
	}
	tests := []struct {
		name string
		res  graphResult
		want []Pin
	}{
		{name: "nothing downgraded gives no pin",
			res: graphResult{down: map[string]string{}}},
		{name: "an unchanged downgrade gives no new pin",
			res: graphResult{down: map[string]string{otelSDK: "v1.35.0"}, why: map[string]Conflict{otelSDK: why(otelSDK)}}},
		{name: "a lowered downgrade keeps the first From, a new one takes the listed version",
			res: graphResult{
				down: map[string]string{otelSDK: "v1.34.0", jwx: "v3.0.10"},
				why:  map[string]Conflict{otelSDK: why(otelSDK), jwx: why(jwx)},
			},
			want: []Pin{
				{Path: otelSDK, From: "v1.39.0", Require: "v1.34.0", Replace: otelSDK, ReplaceVersion: "v1.34.0", Reason: why(otelSDK).String()},
				{Path: jwx, From: "v3.0.13", Require: "v3.0.10", Replace: jwx, ReplaceVersion: "v3.0.10", Reason: why(jwx).String()},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &Plan{Pins: []Pin{earlier}}
			assert.Equal(t, tt.want, p.downgrades(pkgs, tt.res))
		})
	}
}

func TestFailureHintNamesConflictsAndTheGoOnlyVariant(t *testing.T) {
	down := Pin{Path: otelSDK, From: "v1.39.0", Require: "v1.34.0", Replace: otelSDK, ReplaceVersion: "v1.34.0", Reason: "r"}
	conflict := Conflict{Module: opaPath, Version: "v1.13.2", Requires: otel, Wants: "v1.39.0", Has: "v1.34.0"}
	tests := []struct {
		name    string
		plan    Plan
		want    []string
		notWant []string
	}{
		{name: "nothing moved down: no hint", plan: Plan{Variant: "full"}, notWant: []string{"-go-only"}},
		{name: "a full build names the downgrades, the conflicts and -go-only",
			plan: Plan{Variant: "full", Pins: []Pin{down}, Conflicts: []Conflict{conflict}},
			want: []string{down.String(), conflict.String(), "-go-only", "GO_ONLY=1"}},
		{name: "a go-only build does not suggest itself",
			plan: Plan{Variant: "go-only", Pins: []Pin{down}},
			want: []string{down.String()}, notWant: []string{"-go-only"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hint := tt.plan.failureHint()
			if tt.want == nil {
				assert.Empty(t, hint)
			}
			for _, s := range tt.want {
				assert.Contains(t, hint, s)
			}
			for _, s := range tt.notWant {
				assert.NotContains(t, hint, s)
			}
		})
	}
}

func TestLoadErrorsNamesThePackages(t *testing.T) {
	ok := pkg(otel+"/attribute", otel, "v1.34.0")
	broken := pkg(otelSDK+"/resource", otelSDK, "v1.39.0")
	broken.Error = &struct{ Err string }{Err: "no required module provides package " + otel + "/semconv/v1.37.0"}
	assert.NoError(t, loadErrors([]listedPackage{ok}))
	err := loadErrors([]listedPackage{ok, broken})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "package "+otelSDK+"/resource: no required module provides package "+otel+"/semconv/v1.37.0")
}
