// Command traceemainhost stands in for Tracee's main branch: it links the
// modules Tracee main and OPA both use, at the versions Tracee main's go.mod
// requires, and loads a signature plugin the way Tracee does.
package main

import (
	"fmt"
	"os"
	"plugin"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/sirupsen/logrus"
	"go.opentelemetry.io/otel"
	"golang.org/x/crypto/sha3"
	"golang.org/x/sync/errgroup"
	"golang.org/x/sys/unix"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"
	"sigs.k8s.io/yaml"
)

func main() {
	_ = prometheus.NewCounter(prometheus.CounterOpts{Name: "x"})
	logrus.SetLevel(logrus.WarnLevel)
	_ = otel.GetTracerProvider()
	_ = sha3.New256()
	var g errgroup.Group
	_ = g.Wait()
	_ = unix.Getpid()
	_ = proto.Size(wrapperspb.String("x"))
	_, _ = yaml.Marshal(map[string]int{"a": 1})
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
	for _, s := range *sym.(*[]detect.Signature) {
		m, _ := s.GetMetadata()
		fmt.Println("loaded", m.ID)
	}
}
