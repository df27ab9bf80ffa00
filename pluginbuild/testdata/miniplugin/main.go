// Command miniplugin is the smallest signature plugin: one signature that
// reports nothing. The tests build it for minihost.
package main

import (
	"github.com/aquasecurity/tracee/types/detect"
	// client_model requires protobuf v1.36.6: a host with an older
	// protobuf makes the plugin pin protobuf below what it selects.
	"github.com/aquasecurity/tracee/types/protocol"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

type quiet struct{}

func (quiet) GetMetadata() (detect.SignatureMetadata, error) {
	// Use protobuf, so that the plugin shares a module version with the host.
	return detect.SignatureMetadata{ID: "MINI-1", Version: "1", Name: "quiet", Description: "reports nothing",
		Properties: map[string]any{"size": proto.Size(wrapperspb.String("x")), "metric": (&dto.Metric{}).String()}}, nil
}
func (quiet) GetSelectedEvents() ([]detect.SignatureEventSelector, error) { return nil, nil }
func (quiet) Init(detect.SignatureContext) error                          { return nil }
func (quiet) Close()                                                      {}
func (quiet) OnEvent(protocol.Event) error                                { return nil }
func (quiet) OnSignal(detect.Signal) error                                { return nil }

// ExportedSignatures is what Tracee looks up.
var ExportedSignatures = []detect.Signature{quiet{}}
