package main

import (
	"fmt"
	"io"
	"runtime/debug"
)

// opaModule is the module whose version `pidfdsig version` reports as
// OPA's.
const opaModule = "github.com/open-policy-agent/opa"

// versionReport is what `pidfdsig version` prints.
type versionReport struct {
	Module string // the module version, or "(devel)" with the VCS revision
	Go     string // the Go toolchain that built the binary
	OPA    string // the linked OPA module version, or "not linked"
}

// newVersionReport reads a binary's build information; ok is false when
// the binary carries none.
func newVersionReport(bi *debug.BuildInfo, ok bool) versionReport {
	if !ok || bi == nil {
		return versionReport{Module: "unknown (no build information)", Go: "unknown", OPA: "unknown"}
	}
	r := versionReport{Module: bi.Main.Version, Go: bi.GoVersion, OPA: "not linked"}
	if r.Module == "" || r.Module == "(devel)" {
		r.Module = "(devel)" + vcsSuffix(bi.Settings)
	}
	for _, dep := range bi.Deps {
		if dep.Path != opaModule {
			continue
		}
		r.OPA = dep.Version
		if dep.Replace != nil {
			r.OPA = dep.Replace.Version + " (replaces " + dep.Version + ")"
		}
	}
	return r
}

// vcsSuffix renders " revision REV[, modified]" from the vcs.* build
// settings, or "" when there are none.
func vcsSuffix(settings []debug.BuildSetting) string {
	var rev, modified string
	for _, s := range settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev == "" {
		return ""
	}
	if modified == "true" {
		return " revision " + rev + ", modified"
	}
	return " revision " + rev
}

// write prints the report, one "name: version" a line.
func (r versionReport) write(w io.Writer) {
	fmt.Fprintf(w, "pidfdsig %s\ngo: %s\nopa: %s\n", r.Module, r.Go, r.OPA)
}

// runVersion implements `pidfdsig version` and `pidfdsig --version`.
func runVersion(stdout io.Writer) int {
	newVersionReport(debug.ReadBuildInfo()).write(stdout)
	return exitOK
}
