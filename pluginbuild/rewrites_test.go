package pluginbuild

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRewritesFor(t *testing.T) {
	pbPinned := func(p string) listedPackage { return pkg(p, pbPath, "v1.36.11", pbPath, "v1.36.10") }
	tests := []struct {
		name        string
		tracee      *Target
		pkgs        []listedPackage
		want        []Rewrite
		wantUnknown int
		wantErr     error
	}{
		{name: "-trimpath with the selected version equal needs no rewrite",
			tracee: traceeWith(true, Module{Path: pbPath, Version: "v1.36.10"}),
			pkgs:   []listedPackage{pkg(pbPath+"/proto", pbPath, "v1.36.10")}},
		{name: "-trimpath with a version pinned down rewrites the module to tracee's version",
			tracee: traceeWith(true, Module{Path: pbPath, Version: "v1.36.10"}),
			pkgs:   []listedPackage{pbPinned(pbPath + "/proto"), pbPinned(pbPath + "/encoding/protowire")},
			want: []Rewrite{{Module: pbPath, Packages: []string{pbPath + "/proto", pbPath + "/encoding/protowire"},
				From: cache + "/google.golang.org/protobuf@v1.36.10", To: pbPath + "@v1.36.10", Pattern: pbPath + "/..."}}},
		{name: "a rewrite names packages when the module pattern would match others",
			tracee: traceeWith(true, Module{Path: pbPath, Version: "v1.36.10"}),
			pkgs:   []listedPackage{pbPinned(pbPath + "/proto"), pbPinned(pbPath + "/encoding/protowire"), pkg(pbPath+"/nested/x", pbPath+"/nested", "v1.0.0")},
			want: []Rewrite{{Module: pbPath, Packages: []string{pbPath + "/proto", pbPath + "/encoding/protowire"},
				From: cache + "/google.golang.org/protobuf@v1.36.10", To: pbPath + "@v1.36.10"}}},
		{name: "without -trimpath another module cache is rewritten to tracee's",
			tracee: func() *Target {
				tg := traceeWith(false, Module{Path: typesPath, Version: typesV})
				tg.ModCache = "/go/pkg/mod"
				return tg
			}(),
			pkgs: []listedPackage{pkg(typesPath+"/detect", typesPath, typesV)},
			want: []Rewrite{{Module: typesPath, Packages: []string{typesPath + "/detect"},
				From: cache + "/" + typesPath + "@" + typesV, To: "/go/pkg/mod/" + typesPath + "@" + typesV}}},
		{name: "without -trimpath the function table's directory wins",
			tracee: func() *Target {
				tg := traceeWith(false, Module{Path: typesPath, Version: typesV, Replace: &Module{Path: "./types"}})
				tg.PackageDirs = map[string]string{typesPath + "/trace": "/tracee/types/trace"}
				return tg
			}(),
			pkgs: []listedPackage{pkg(typesPath+"/detect", typesPath, typesV, "/src/tracee/types")},
			want: []Rewrite{{Module: typesPath, Packages: []string{typesPath + "/detect"}, From: "/src/tracee/types", To: "/tracee/types"}}},
		{name: "without -trimpath and no trace of the directory, the package is counted unknown",
			tracee:      traceeWith(false, Module{Path: typesPath, Version: typesV}),
			pkgs:        []listedPackage{pkg(typesPath+"/detect", typesPath, typesV)},
			wantUnknown: 1},
		{name: "a cgo package that needs a rewrite is refused",
			tracee: traceeWith(true, Module{Path: pbPath, Version: "v1.36.10"}),
			pkgs: []listedPackage{func() listedPackage {
				p := pbPinned(pbPath + "/proto")
				p.CgoFiles = []string{"c.go"}
				return p
			}()},
			wantErr: ErrModule},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rws, unknown, errs := rewritesFor(tt.tracee, tt.pkgs)
			if tt.wantErr != nil {
				require.Len(t, errs, 1)
				assert.ErrorIs(t, errs[0], tt.wantErr)
				return
			}
			require.Empty(t, errs)
			assert.Equal(t, tt.want, rws)
			assert.Equal(t, tt.wantUnknown, unknown)
		})
	}
}

func TestRewriteFlags(t *testing.T) {
	rw := Rewrite{Module: pbPath, Packages: []string{pbPath + "/proto"}, From: "/a", To: "b@v1", Asm: true}
	tests := []struct {
		name    string
		gcflags string
		rws     []Rewrite
		want    []string
		wantErr bool
	}{
		{name: "no rewrite, no flag"},
		{name: "one package gets compiler and assembler flags", rws: []Rewrite{rw},
			want: []string{"-gcflags=" + pbPath + "/proto=-trimpath=/a=>b@v1", "-asmflags=" + pbPath + "/proto=-trimpath=/a=>b@v1"}},
		{name: "a module pattern is one flag", rws: []Rewrite{{Module: pbPath, Packages: []string{"x", "y"}, From: "/a", To: "b@v1", Pattern: pbPath + "/..."}},
			want: []string{"-gcflags=" + pbPath + "/...=-trimpath=/a=>b@v1"}},
		{name: "tracee's flags for all packages are kept", gcflags: "all=-N -l", rws: []Rewrite{{Module: pbPath, Packages: []string{"x"}, From: "/a", To: "b"}},
			want: []string{"-gcflags=x=-N -l -trimpath=/a=>b"}},
		{name: "tracee's flags for the main package do not apply to dependencies", gcflags: "-N -l", rws: []Rewrite{{Module: pbPath, Packages: []string{"x"}, From: "/a", To: "b"}},
			want: []string{"-gcflags=x=-trimpath=/a=>b"}},
		{name: "tracee's per-package flags cannot be combined", gcflags: "example.com/...=-N", rws: []Rewrite{rw}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := loadableTarget()
			tg.Gcflags = tt.gcflags
			flags, err := rewriteFlags(tg, tt.rws)
			if tt.wantErr {
				assert.ErrorIs(t, err, ErrModule)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, flags)
		})
	}
}
