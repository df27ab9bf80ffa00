package rego

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
)

// inputSchemaJSON is the JSON Schema of a rule's input (schema/input.json):
// Tracee's trace.Event JSON plus input.pidfdsig.
//
//go:embed schema/input.json
var inputSchemaJSON []byte

// InputSchemaRef is the schema reference rule files name in a METADATA
// schemas annotation (`- input: schema.input`) and under which the loader
// and `opa check --schema rego/schema` know the input schema.
const InputSchemaRef = "schema.input"

// InputSchema returns the JSON Schema (draft-07) of a rule's input, as
// published in rego/schema/input.json. The loader type-checks every rule
// against it, so a rule reading a field the input never has (a misspelt
// input.pidfdsig.call.signl) does not load.
func InputSchema() []byte { return bytes.Clone(inputSchemaJSON) }

// decodedInputSchema is the input schema as the OPA compiler takes it,
// decoded once: the compiler only reads it.
var decodedInputSchema = sync.OnceValues(func() (any, error) {
	var v any
	if err := json.Unmarshal(inputSchemaJSON, &v); err != nil {
		return nil, fmt.Errorf("rego: input schema: %w", err)
	}
	return v, nil
})

// inputSchemaSet returns the schema set the loader compiles with: the input
// schema as the global input type, and as schema.input for rules that
// name it in a schemas annotation.
func inputSchemaSet() (*ast.SchemaSet, error) {
	v, err := decodedInputSchema()
	if err != nil {
		return nil, err
	}
	ss := ast.NewSchemaSet()
	ss.Put(ast.SchemaRootRef, v)
	ss.Put(ast.MustParseRef(InputSchemaRef), v)
	return ss, nil
}
