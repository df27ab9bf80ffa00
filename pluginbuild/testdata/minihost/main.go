// Command minihost stands in for tracee in the tests: a dynamically linked
// Go program that loads a signature plugin the way Tracee does and prints
// what it exports.
package main

import (
	"fmt"
	"os"
	"plugin"

	"github.com/aquasecurity/tracee/types/detect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

func main() {
	// Link protobuf, so that the plugin shares a module version with us.
	_ = proto.Size(wrapperspb.String("minihost"))
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: minihost PLUGIN.so")
		os.Exit(2)
	}
	p, err := plugin.Open(os.Args[1])
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(1)
	}
	sym, err := p.Lookup("ExportedSignatures")
	if err != nil {
		fmt.Println("lookup:", err)
		os.Exit(1)
	}
	sigs := *sym.(*[]detect.Signature)
	for _, s := range sigs {
		m, err := s.GetMetadata()
		if err != nil {
			fmt.Println("metadata:", err)
			os.Exit(1)
		}
		fmt.Println("loaded", m.ID)
	}
}
