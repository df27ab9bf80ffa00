package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/aquasecurity/tracee/types/trace"

	"github.com/pidfdsig/pidfdsig/events"
)

// parseHelp is what `pidfdsig parse -h` prints around the flags.
var parseHelp = commandHelp{
	synopsis: "pidfdsig parse [FLAGS] [FILE...]",
	about: `Decodes every pidfd_send_signal event of Tracee captures: sender, pidfd,
signal, flags, siginfo and result, one call a line. Other events are counted
and skipped.`,
	args: inputArgs,
	exits: []string{
		"0  the inputs were read (bad lines are reported on stderr and skipped)",
		"2  bad usage, an input that could not be read, or no line was an event",
	},
}

// runParse implements `pidfdsig parse`: every pidfd_send_signal event of the
// inputs, decoded, as a table or as JSON lines. Other events are counted and
// skipped. Status 2 when an input could not be read or no line was an event.
func runParse(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("parse", flag.ContinueOnError)
	output := fs.String("o", "table", "output `FORMAT`: table or json (JSON lines)")
	if err := parseCommandLine(fs, parseHelp, args, stdout, stderr); err != nil {
		return usageStatus(stderr, "parse", err)
	}
	printer, err := newCallPrinter(*output, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "pidfdsig parse: %v\n", err)
		return exitError
	}

	var calls, skipped, invalid int
	stats, err := readEvents(fs.Args(), stdin, stderr, func(ev *trace.Event) error {
		if ev.EventName != events.EventPidfdSendSignal {
			skipped++
			return nil
		}
		call, err := events.ParseSendSignal(ev)
		if err != nil {
			invalid++
			fmt.Fprintf(stderr, "pidfdsig parse: %v\n", err)
			return nil
		}
		calls++
		return printer.print(&call)
	})
	if ferr := printer.flush(); err == nil {
		err = ferr
	}
	fmt.Fprintf(stderr, "pidfdsig parse: %d pidfd_send_signal calls, %d other events skipped, %d bad events, %d bad lines\n",
		calls, skipped, invalid, stats.badLines)
	if err != nil {
		fmt.Fprintf(stderr, "pidfdsig parse: %v\n", err)
		return exitError
	}
	if stats.badFiles > 0 {
		fmt.Fprintf(stderr, "pidfdsig parse: exit status 2: %s could not be read\n", plural(stats.badFiles, "input", "inputs"))
		return exitError
	}
	if stats.events == 0 && stats.badLines > 0 {
		fmt.Fprintln(stderr, "pidfdsig parse: exit status 2: no line of the input was an event")
		return exitError
	}
	return exitOK
}

// callPrinter writes decoded calls in one output format.
type callPrinter struct {
	print func(*events.SendSignal) error
	flush func() error
}

func newCallPrinter(format string, w io.Writer) (callPrinter, error) {
	switch format {
	case "json":
		bw := bufio.NewWriter(w)
		enc := json.NewEncoder(bw)
		return callPrinter{
			print: func(c *events.SendSignal) error { return enc.Encode(c.Record()) },
			flush: bw.Flush,
		}, nil
	case "table":
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "HOST_PID\tUID\tCOMM\tPIDFD\tSIGNAL\tFLAGS\tSCOPE\tINFO\tRESULT")
		return callPrinter{
			print: func(c *events.SendSignal) error {
				_, err := fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
					c.Sender.HostPID, c.Sender.UID, c.Sender.Comm, c.PidFD, c.Signal,
					c.Flags, c.Scope(), c.Info, c.Result)
				return err
			},
			flush: tw.Flush,
		}, nil
	default:
		return callPrinter{}, fmt.Errorf("output format %q: want table or json", format)
	}
}
