// Package engine is kept for the module's own packages that imported it
// before the engine was made public: every name is an alias of package
// github.com/pidfdsig/pidfdsig/engine, which new code should import.
package engine

import (
	"github.com/aquasecurity/tracee/types/detect"

	"github.com/pidfdsig/pidfdsig/engine"
)

// Engine is engine.Engine.
type Engine = engine.Engine

// Options is engine.Options.
type Options = engine.Options

// New is engine.New.
func New(sigs []detect.Signature, opts Options) (*Engine, error) { return engine.New(sigs, opts) }
