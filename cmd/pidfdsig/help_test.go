package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestHelpExitsZeroWithSynopsisArgumentsFlagsAndStatuses(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string // substrings of stdout
	}{
		{"scan -h", []string{"scan", "-h"}, []string{"usage: pidfdsig scan [FLAGS] [FILE...]", "FILE  a Tracee capture",
			"-     standard input", "  -rules DIR\n", "  -o FORMAT\n", "  -live\n", "1  findings reported", "2  an error"}},
		{"scan --help after a file", []string{"scan", legacySample, "--help"}, []string{"usage: pidfdsig scan", "exit status:"}},
		{"scan -help", []string{"scan", "-help"}, []string{"usage: pidfdsig scan"}},
		{"parse -h", []string{"parse", "-h"}, []string{"usage: pidfdsig parse [FLAGS] [FILE...]", "FILE  a Tracee capture",
			"  -o FORMAT\n", "0  the inputs were read", "2  bad usage"}},
		{"rules -h", []string{"rules", "-h"}, []string{"usage: pidfdsig rules [FLAGS]", "  -rules DIR\n", "  -config FILE\n",
			"  -require-plan\n", "1  with -require-plan", "2  bad usage"}},
		{"pidfdsig -h", []string{"-h"}, []string{"usage: pidfdsig COMMAND", "scan", "parse", "rules", "version", "exit status: 0"}},
		{"pidfdsig --help", []string{"--help"}, []string{"usage: pidfdsig COMMAND"}},
		{"pidfdsig help", []string{"help"}, []string{"usage: pidfdsig COMMAND"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, stderr := runCmd(t, "", tt.args...)
			assert.Equal(t, exitOK, code, stderr)
			assert.Empty(t, stderr, "help goes to stdout")
			for _, want := range tt.want {
				assert.Contains(t, out, want)
			}
			assert.NotContains(t, out, " value\n", "every flag's value is named")
		})
	}
}

func TestPluginHelp(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout bool // the usage is on stdout (help asked for), else on stderr
		wantErr    string
	}{
		{name: "plugin -h", args: []string{"plugin", "-h"}, wantCode: exitOK, wantStdout: true},
		{name: "plugin build -h", args: []string{"plugin", "build", "-h"}, wantCode: exitOK, wantStdout: true},
		{name: "plugin build --help", args: []string{"plugin", "build", "--help"}, wantCode: exitOK, wantStdout: true},
		{name: "bad flag", args: []string{"plugin", "build", "-no-such-flag"}, wantCode: exitError,
			wantErr: "flag provided but not defined: -no-such-flag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, stderr := runCmd(t, "", tt.args...)
			assert.Equal(t, tt.wantCode, code)
			usage, other := stderr, out
			if tt.wantStdout {
				usage, other = out, stderr
			}
			assert.Empty(t, other)
			assert.Contains(t, usage, "usage: pidfdsig plugin build")
			assert.Contains(t, usage, "-tracee BIN")
			assert.Contains(t, usage, "exit status:")
			assert.Contains(t, usage, tt.wantErr)
		})
	}
}

func TestBadFlagsPointAtHelp(t *testing.T) {
	for _, cmd := range []string{"scan", "parse", "rules"} {
		t.Run(cmd, func(t *testing.T) {
			code, out, stderr := runCmd(t, "", cmd, "-no-such-flag")
			assert.Equal(t, exitError, code)
			assert.Empty(t, out)
			assert.Contains(t, stderr, "flag provided but not defined: -no-such-flag")
			assert.Contains(t, stderr, "run 'pidfdsig "+cmd+" -h' for help")
		})
	}
}
