package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// commandHelp is what `pidfdsig COMMAND -h` prints besides the flags.
type commandHelp struct {
	synopsis string   // "pidfdsig scan [FLAGS] [FILE...]"
	about    string   // what the command does, a few lines
	args     []string // "NAME  meaning" lines; none when the command takes no argument
	exits    []string // "N  meaning" lines
}

// inputArgs describes the FILE arguments of scan and parse.
var inputArgs = []string{
	"FILE  a Tracee capture (tracee --output json), v0.24.1 or main-branch format",
	"-     standard input (also read when no FILE is given)",
}

// errFlagsReported: the flag package has already said on stderr what is
// wrong with the command line.
var errFlagsReported = errors.New("bad flags, reported")

// parseCommandLine parses a subcommand's flags, which may follow its
// arguments (see flagsFirst). On -h or --help it prints h and the flags on
// stdout and returns flag.ErrHelp; on bad flags, errFlagsReported.
func parseCommandLine(fs *flag.FlagSet, h commandHelp, args []string, stdout, stderr io.Writer) error {
	fs.SetOutput(stderr)
	fs.Usage = func() {} // the flag package has printed the error; the hint follows
	err := fs.Parse(flagsFirst(fs, args))
	switch {
	case errors.Is(err, flag.ErrHelp):
		h.print(stdout, fs)
		return flag.ErrHelp
	case err != nil:
		fmt.Fprintf(stderr, "run 'pidfdsig %s -h' for help\n", fs.Name())
		return errFlagsReported
	}
	return nil
}

// usageStatus turns a command-line error into the exit status, printing
// it unless it was printed already: 0 after -h, 2 otherwise.
func usageStatus(stderr io.Writer, command string, err error) int {
	switch {
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case !errors.Is(err, errFlagsReported):
		fmt.Fprintf(stderr, "pidfdsig %s: %v\n", command, err)
	}
	return exitError
}

// print writes the synopsis, description, arguments, flags and exit
// statuses.
func (h commandHelp) print(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, "usage: %s\n\n%s\n", h.synopsis, strings.TrimSpace(h.about))
	if len(h.args) > 0 {
		fmt.Fprintln(w, "\narguments:")
		for _, a := range h.args {
			fmt.Fprintf(w, "  %s\n", a)
		}
	}
	fmt.Fprintln(w, "\nflags (before or after the arguments; -- ends them):")
	printFlags(w, fs)
	fmt.Fprintln(w, "\nexit status:")
	for _, e := range h.exits {
		fmt.Fprintf(w, "  %s\n", e)
	}
}

// printFlags lists fs's flags as "-name VALUE", the value named by the
// backquoted word of the usage string, then the usage and the default.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		valueName, usage := flag.UnquoteUsage(f)
		head := "  -" + f.Name
		if valueName != "" {
			head += " " + valueName
		}
		fmt.Fprintln(w, head)
		line := "      " + usage
		if f.DefValue != "" && f.DefValue != "false" {
			line += fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintln(w, line)
	})
}
