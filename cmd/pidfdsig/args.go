package main

import (
	"flag"
	"strings"
)

// flagsFirst reorders a command line so that flags written after file
// names are still flags (`pidfdsig scan FILE -o json`), as the Tracee and
// OPA command lines allow: it returns the flags, then "--", then the other
// arguments in their order. A flag that takes a value (any but a boolean
// flag) keeps the argument after it, whatever it looks like. Everything
// after "--" stays an argument; "-" alone is an argument (standard input).
// An unknown flag is kept among the flags, for fs.Parse to report.
func flagsFirst(fs *flag.FlagSet, args []string) []string {
	var flags, rest []string
	for i := 0; i < len(args); i++ {
		arg := args[i]
		switch {
		case arg == "--":
			rest = append(rest, args[i+1:]...)
			return append(append(flags, "--"), rest...)
		case len(arg) < 2 || arg[0] != '-':
			rest = append(rest, arg)
		default:
			flags = append(flags, arg)
			if takesValue(fs, arg) && i+1 < len(args) {
				i++
				flags = append(flags, args[i])
			}
		}
	}
	return append(append(flags, "--"), rest...)
}

// takesValue reports whether arg ("-name" or "--name", without "=value")
// is a flag of fs that reads the next argument as its value.
func takesValue(fs *flag.FlagSet, arg string) bool {
	name := strings.TrimPrefix(strings.TrimPrefix(arg, "-"), "-")
	if strings.Contains(name, "=") {
		return false
	}
	f := fs.Lookup(name)
	if f == nil {
		return false
	}
	if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
		return false
	}
	return true
}
