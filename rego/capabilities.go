package rego

import (
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// deniedBuiltins are withheld from every rule: they reach the network, read
// the clock or a random source, or describe the OPA process, so a rule using
// them could exfiltrate events, stall the engine, or give different verdicts
// on the same events; or a single call of them can build without bound. Names ending in "." deny a whole namespace.
var deniedBuiltins = []string{
	"http.send",
	"net.",
	"opa.runtime",
	"rand.",
	"time.now_ns",
	"uuid.rfc4122",
	"io.jwt.decode_verify", // verifies "exp"/"nbf" against the clock
	"io.jwt.encode_sign",
	"io.jwt.encode_sign_raw",
	"crypto.x509.parse_and_verify_certificates", // verifies against the clock
	"crypto.x509.parse_and_verify_certificates_with_options",
	// One call can build without bound and cannot be interrupted (Go
	// templates loop over their data; a graph has exponentially many
	// paths), so no memory budget could stop it in time.
	"strings.render_template",
	"graph.reachable_paths",
}

// isDenied reports whether builtin name is withheld.
func isDenied(name string) bool {
	for _, d := range deniedBuiltins {
		if name == d || (strings.HasSuffix(d, ".") && strings.HasPrefix(name, d)) {
			return true
		}
	}
	return false
}

// ruleCapabilities returns this OPA version's capabilities less the denied
// builtins and any non-deterministic one, with no network host allowed.
func ruleCapabilities() *ast.Capabilities {
	caps := ast.CapabilitiesForThisVersion()
	kept := caps.Builtins[:0:0]
	for _, b := range caps.Builtins {
		if isDenied(b.Name) || b.Nondeterministic {
			continue
		}
		kept = append(kept, b)
	}
	caps.Builtins = kept
	caps.AllowNet = []string{}
	return caps
}

// deniedCall returns the builtin an "undefined function" compile error is
// about when that builtin exists in OPA but is withheld here.
func deniedCall(e *ast.Error) (string, bool) {
	const prefix = "undefined function "
	name, ok := strings.CutPrefix(e.Message, prefix)
	if !ok {
		return "", false
	}
	if _, exists := ast.BuiltinMap[name]; !exists {
		return "", false
	}
	return name, isDenied(name) || ast.BuiltinMap[name].Nondeterministic
}
