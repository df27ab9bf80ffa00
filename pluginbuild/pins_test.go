package pluginbuild

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	typesPath = "github.com/aquasecurity/tracee/types"
	typesV    = "v0.0.0-20251205142631-7dc44bdb801c"
	pbPath    = "google.golang.org/protobuf"
	cache     = "/root/go/pkg/mod"
)

// pkg is a listed package of module m at version v (replaced by repl when
// given: "path version", or a directory).
func pkg(importPath, modPath, v string, repl ...string) listedPackage {
	m := &listedModule{Path: modPath, Version: v}
	dir := cache + "/" + escapeModulePath(modPath) + "@" + v
	if len(repl) == 2 {
		m.Replace = &listedModule{Path: repl[0], Version: repl[1]}
		dir = cache + "/" + escapeModulePath(repl[0]) + "@" + repl[1]
	} else if len(repl) == 1 {
		m.Replace = &listedModule{Path: repl[0], Dir: repl[0]}
		dir = repl[0]
	}
	return listedPackage{ImportPath: importPath, Module: m, Dir: dir + importPath[len(modPath):]}
}

func traceeWith(trimpath bool, deps ...Module) *Target {
	tg := loadableTarget()
	tg.Trimpath = trimpath
	tg.Main = Module{Path: "github.com/aquasecurity/tracee", Version: develVersion}
	tg.Deps = deps
	return tg
}

func TestPinsFor(t *testing.T) {
	src := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(src, "types"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(src, "types", "go.mod"), []byte("module "+typesPath+"\n"), 0o644))
	dirTypes := Module{Path: typesPath, Version: "v0.0.0-00010101000000-000000000000", Replace: &Module{Path: "./types"}}
	tests := []struct {
		name      string
		tracee    *Target
		pkgs      []listedPackage
		traceeSrc string
		want      []Pin
		wantErr   error
	}{
		{name: "the same versions need no pin",
			tracee: traceeWith(false, Module{Path: typesPath, Version: typesV}),
			pkgs:   []listedPackage{pkg(typesPath+"/detect", typesPath, typesV)}},
		{name: "a module tracee does not link needs no pin",
			tracee: traceeWith(false),
			pkgs:   []listedPackage{pkg(pbPath+"/proto", pbPath, "v1.36.11")}},
		{name: "a different version is pinned to tracee's",
			tracee: traceeWith(false, Module{Path: pbPath, Version: "v1.36.10"}),
			pkgs:   []listedPackage{pkg(pbPath+"/proto", pbPath, "v1.36.11"), pkg(pbPath+"/encoding/protowire", pbPath, "v1.36.11")},
			want:   []Pin{{Path: pbPath, From: "v1.36.11", Require: "v1.36.10", Replace: pbPath, ReplaceVersion: "v1.36.10"}}},
		{name: "tracee's replacement is reproduced",
			tracee: traceeWith(false, Module{Path: pbPath, Version: "v1.36.10", Replace: &Module{Path: "example.com/fork", Version: "v1.0.0"}}),
			pkgs:   []listedPackage{pkg(pbPath+"/proto", pbPath, "v1.36.11")},
			want:   []Pin{{Path: pbPath, From: "v1.36.11", Require: "v1.36.10", Replace: "example.com/fork", ReplaceVersion: "v1.0.0"}}},
		{name: "a module replaced by tracee's version but selected higher is still pinned, to require it",
			tracee: traceeWith(true, Module{Path: pbPath, Version: "v1.36.10"}),
			pkgs:   []listedPackage{pkg(pbPath+"/proto", pbPath, "v1.36.11", pbPath, "v1.36.10")},
			want: []Pin{{Path: pbPath, From: "v1.36.11 => google.golang.org/protobuf v1.36.10", Require: "v1.36.10",
				Replace: pbPath, ReplaceVersion: "v1.36.10"}}},
		{name: "types compiled from tracee's tree without TRACEE_SRC is refused",
			tracee:  traceeWith(false, dirTypes),
			pkgs:    []listedPackage{pkg(typesPath+"/detect", typesPath, typesV)},
			wantErr: ErrModule},
		{name: "types compiled from tracee's tree is pinned to TRACEE_SRC",
			tracee:    traceeWith(false, dirTypes),
			pkgs:      []listedPackage{pkg(typesPath+"/detect", typesPath, typesV)},
			traceeSrc: src,
			want: []Pin{{Path: typesPath, From: typesV, Require: "v0.0.0-00010101000000-000000000000",
				Replace: filepath.Join(src, "types")}}},
		{name: "a TRACEE_SRC without types is refused",
			tracee:    traceeWith(false, dirTypes),
			pkgs:      []listedPackage{pkg(typesPath+"/detect", typesPath, typesV)},
			traceeSrc: t.TempDir(),
			wantErr:   ErrModule},
		{name: "types already compiled from TRACEE_SRC needs no pin",
			tracee:    traceeWith(false, dirTypes),
			pkgs:      []listedPackage{pkg(typesPath+"/detect", typesPath, "v0.0.0-00010101000000-000000000000", filepath.Join(src, "types"))},
			traceeSrc: src},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pins, errs := pinsFor(tt.tracee, tt.pkgs, tt.traceeSrc, nil)
			if tt.wantErr != nil {
				require.Len(t, errs, 1)
				assert.ErrorIs(t, errs[0], tt.wantErr)
				assert.Contains(t, errs[0].Error(), "TRACEE_SRC")
				return
			}
			require.Empty(t, errs)
			assert.Equal(t, tt.want, pins)
		})
	}
}

func TestPinEditFlags(t *testing.T) {
	tests := []struct {
		name string
		pin  Pin
		want []string
	}{
		{"a version pin requires and replaces", Pin{Path: pbPath, Require: "v1.36.10", Replace: pbPath, ReplaceVersion: "v1.36.10"},
			[]string{"-require=google.golang.org/protobuf@v1.36.10", "-replace=google.golang.org/protobuf=google.golang.org/protobuf@v1.36.10"}},
		{"a directory pin replaces with the directory", Pin{Path: typesPath, Require: typesV, Replace: "/src/tracee/types"},
			[]string{"-require=" + typesPath + "@" + typesV, "-replace=" + typesPath + "=/src/tracee/types"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.pin.editFlags())
		})
	}
}

func TestCheckSums(t *testing.T) {
	tracee := traceeWith(false,
		Module{Path: pbPath, Version: "v1.36.10", Sum: "h1:tracee"},
		Module{Path: typesPath, Version: typesV, Sum: "h1:types"})
	pkgs := []listedPackage{pkg(pbPath+"/proto", pbPath, "v1.36.10"), pkg(typesPath+"/detect", typesPath, typesV)}
	tests := []struct {
		name string
		sums map[string]string
		want int
	}{
		{"equal hashes pass", map[string]string{pbPath + " v1.36.10": "h1:tracee", typesPath + " " + typesV: "h1:types"}, 0},
		{"a missing hash passes", map[string]string{}, 0},
		{"a different hash is refused", map[string]string{pbPath + " v1.36.10": "h1:other"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := checkSums(tracee, pkgs, tt.sums)
			assert.Len(t, errs, tt.want)
			for _, err := range errs {
				assert.ErrorIs(t, err, ErrModule)
			}
		})
	}
}

func TestModCacheFromDirs(t *testing.T) {
	tests := []struct {
		name     string
		trimpath bool
		dirs     map[string]string
		want     string
	}{
		{"the prefix before module@version is the cache", false,
			map[string]string{typesPath + "/trace": "/go/pkg/mod/" + typesPath + "@" + typesV + "/trace"}, "/go/pkg/mod"},
		{"-trimpath paths show no cache", true,
			map[string]string{typesPath + "/trace": typesPath + "@" + typesV + "/trace"}, ""},
		{"a directory build shows no cache", false,
			map[string]string{typesPath + "/trace": "/tracee/types/trace"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := traceeWith(tt.trimpath, Module{Path: typesPath, Version: typesV})
			tg.PackageDirs = tt.dirs
			assert.Equal(t, tt.want, tg.modCacheFromDirs())
		})
	}
}
