package rego_test

import (
	"fmt"
	"strings"
)

// ruleGen writes small random rules over a Tracee event, for the
// differential tests of the two engines: complete rules with else chains
// and defaults, partial sets and objects, functions, comprehensions,
// every, some/in, with, walk, and builtins the rules may call, over the
// event's fields and the configuration in data. Every choice comes from a
// stream of bytes (a fuzzer's, or a seeded generator's): the same bytes
// give the same rule, and once they run out every choice is the first,
// simplest one, so generation always ends.
type ruleGen struct {
	choices []byte
	pos     int
	fresh   int
	defined []defined // rules and functions of the module so far
}

// kind is what the type checker knows of a term, coarsely: a term of
// kind any (from the input) fits every argument.
type kind uint8

const (
	kindAny kind = iota
	kindNum
	kindStr
	kindBool
	kindColl // any collection: iterated, counted, walked
	kindArr
	kindObj
	kindDyn // a value the checker cannot type: an input field or a variable bound to one
	kindKey // a key bound by iteration: fits only where any value does
)

// fits reports whether a variable of kind have may stand where kind want
// is wanted.
func fits(have, want kind) bool {
	switch {
	case have == kindDyn, want == kindAny && have != kindKey:
		return true
	case want == kindAny:
		return true
	case have == want:
		return true
	case want == kindColl:
		return have == kindArr || have == kindObj
	}
	return false
}

// valueKind returns the kind a variable gets from a term of kind k.
func valueKind(k kind) kind {
	if k == kindAny {
		return kindDyn
	}
	return k
}

// defined is a rule or function a later rule may use.
type defined struct {
	name string
	fn   bool // a function of one argument
	kind kind
}

// bound is a variable in scope.
type bound struct {
	name string
	kind kind
}

// pick returns a choice in [0, n).
func (g *ruleGen) pick(n int) int {
	if n <= 1 || g.pos >= len(g.choices) {
		return 0
	}
	c := g.choices[g.pos]
	g.pos++
	return int(c) % n
}

func (g *ruleGen) oneOf(options ...string) string { return options[g.pick(len(options))] }

func (g *ruleGen) newVar(prefix string) string {
	g.fresh++
	return fmt.Sprintf("%s%d", prefix, g.fresh)
}

// module writes a rule package: the contract's metadata and selection
// (every event), 1-5 generated rules, and tracee_match, an object holding
// each rule's value (or a function's value on an input field), "undefined"
// where it has none.
func (g *ruleGen) module(pkg, id string) string {
	var b strings.Builder
	// The input as any, not as the input schema types it: the rules are
	// written to reach the engines' corners (a number compared with a
	// name, a field no event has), which the schema would refuse at load.
	b.WriteString("# METADATA\n# scope: package\n# schemas:\n#   - input: {}\n")
	fmt.Fprintf(&b, "package %s\n\n", pkg)
	fmt.Fprintf(&b, "__rego_metadoc__ := {\"id\": %q, \"version\": \"1\", \"name\": %q, \"eventName\": %q, \"description\": \"generated\", \"tags\": [], \"properties\": {}}\n\n", id, id, strings.ToLower(id))
	b.WriteString("tracee_selected_events contains {\"source\": \"tracee\", \"name\": \"*\", \"origin\": \"*\"}\n\n")
	n := 1 + g.pick(5)
	for i := range n {
		g.rule(&b, i)
	}
	var fields []string
	for i, d := range g.defined {
		obs := fmt.Sprintf("o%d", i)
		value := d.name
		if d.fn {
			value = fmt.Sprintf("%s(%s)", d.name, g.term(kindAny, nil, 1))
		}
		fmt.Fprintf(&b, "default %s := \"undefined\"\n\n%s := %s\n\n", obs, obs, value)
		fields = append(fields, fmt.Sprintf("%q: %s", d.name, obs))
	}
	fmt.Fprintf(&b, "tracee_match := {%s}\n", strings.Join(fields, ", "))
	return b.String()
}

// rule writes rule number i: one of the shapes Rego has.
func (g *ruleGen) rule(b *strings.Builder, i int) {
	switch g.pick(6) {
	case 0: // complete, with an else chain and a default
		name := fmt.Sprintf("r%d", i)
		k := kind(g.pick(int(kindObj) + 1))
		if g.pick(2) == 1 {
			fmt.Fprintf(b, "default %s := %s\n\n", name, g.literalOf(k))
		}
		fmt.Fprintf(b, "%s := %s if {\n%s}", name, g.term(k, nil, 2), g.body(nil, 2))
		for range g.pick(3) {
			fmt.Fprintf(b, " else := %s if {\n%s}", g.term(k, nil, 1), g.body(nil, 2))
		}
		if g.pick(2) == 1 {
			fmt.Fprintf(b, " else := %s", g.literalOf(k))
		}
		b.WriteString("\n\n")
		g.defined = append(g.defined, defined{name: name, kind: k})
	case 1: // partial set, one or two definitions
		name := fmt.Sprintf("s%d", i)
		for range 1 + g.pick(2) {
			sc := []bound{}
			body := g.body(&sc, 2)
			fmt.Fprintf(b, "%s contains %s if {\n%s}\n\n", name, g.term(kindAny, &sc, 1), body)
		}
		g.defined = append(g.defined, defined{name: name, kind: kindDyn})
	case 2: // partial object, keyed by what the body binds
		name := fmt.Sprintf("m%d", i)
		for range 1 + g.pick(2) {
			sc := []bound{}
			body := g.body(&sc, 2)
			key := g.term(kindStr, &sc, 0)
			fmt.Fprintf(b, "%s[%s] := %s if {\n%s}\n\n", name, key, g.term(kindAny, &sc, 1), body)
		}
		g.defined = append(g.defined, defined{name: name, kind: kindObj})
	case 3: // function of one argument, maybe with two definitions or an else
		name := fmt.Sprintf("f%d", i)
		k := kind(g.pick(int(kindObj) + 1))
		for range 1 + g.pick(2) {
			arg := g.newVar("a")
			sc := []bound{{name: arg, kind: kindDyn}}
			body := g.body(&sc, 2)
			fmt.Fprintf(b, "%s(%s) := %s if {\n%s}", name, arg, g.term(k, &sc, 1), body)
			if g.pick(3) == 0 {
				fmt.Fprintf(b, " else := %s", g.literalOf(k))
			}
			b.WriteString("\n\n")
		}
		g.defined = append(g.defined, defined{name: name, fn: true, kind: k})
	case 4: // boolean rule, defined by alternatives
		name := fmt.Sprintf("b%d", i)
		for range 1 + g.pick(3) {
			fmt.Fprintf(b, "%s if {\n%s}\n\n", name, g.body(nil, 2))
		}
		g.defined = append(g.defined, defined{name: name, kind: kindBool})
	default: // a value computed from a comprehension over the input
		name := fmt.Sprintf("c%d", i)
		fmt.Fprintf(b, "%s := %s\n\n", name, g.comprehension(kindColl, nil, 2))
		g.defined = append(g.defined, defined{name: name, kind: kindDyn})
	}
}

// body writes 1-4 literals, one per line, binding variables into sc.
func (g *ruleGen) body(sc *[]bound, depth int) string {
	if sc == nil {
		sc = &[]bound{}
	}
	var b strings.Builder
	for range 1 + g.pick(4) {
		fmt.Fprintf(&b, "\t%s\n", g.literal(sc, depth))
	}
	return b.String()
}

// literal writes one expression of a body.
func (g *ruleGen) literal(sc *[]bound, depth int) string {
	switch g.pick(13) {
	case 0:
		return g.comparison(sc, depth)
	case 1: // assignment
		k := kind(g.pick(int(kindObj) + 1))
		v := g.newVar("x")
		t := g.term(k, sc, depth)
		*sc = append(*sc, bound{name: v, kind: valueKind(k)})
		return fmt.Sprintf("%s := %s", v, t)
	case 2: // iteration over values
		v := g.newVar("e")
		t := g.term(kindColl, sc, depth)
		*sc = append(*sc, bound{name: v, kind: kindDyn})
		return fmt.Sprintf("some %s in %s", v, t)
	case 3: // iteration over keys and values
		k, v := g.newVar("k"), g.newVar("v")
		t := g.term(kindColl, sc, depth)
		*sc = append(*sc, bound{name: k, kind: kindKey}, bound{name: v, kind: kindDyn})
		return fmt.Sprintf("some %s, %s in %s", k, v, t)
	case 4: // membership
		return fmt.Sprintf("%s in %s", g.term(kindAny, sc, depth-1), g.term(kindColl, sc, depth-1))
	case 5:
		return "not " + g.comparison(sc, depth-1)
	case 6: // every
		v := g.newVar("y")
		coll := g.term(kindColl, sc, depth-1)
		inner := append(append([]bound(nil), *sc...), bound{name: v, kind: kindDyn})
		op := g.oneOf("==", "!=", "<", ">=")
		return fmt.Sprintf("every %s in %s {\n\t\t%s %s %s\n\t}", v, coll, v, op, g.term(kindAny, &inner, depth-1))
	case 7: // a boolean test
		return g.term(kindBool, sc, depth)
	case 8: // walk, binding a path and a value
		p, v := g.newVar("p"), g.newVar("w")
		t := g.term(kindColl, sc, depth-1)
		*sc = append(*sc, bound{name: p, kind: kindArr}, bound{name: v, kind: kindDyn})
		return fmt.Sprintf("walk(%s, [%s, %s])", t, p, v)
	case 9: // an earlier rule or function, maybe with the input or data replaced
		return g.useEarlier(sc, depth)
	case 10: // a lookup that may be undefined
		v := g.newVar("l")
		t := fmt.Sprintf("%s[%s]", g.oneOf(collectionPaths...), g.term(kindAny, sc, 0))
		*sc = append(*sc, bound{name: v, kind: kindDyn})
		return fmt.Sprintf("%s := %s", v, t)
	case 11: // unification
		v := g.newVar("u")
		t := g.term(kindAny, sc, depth-1)
		*sc = append(*sc, bound{name: v, kind: kindDyn})
		return fmt.Sprintf("%s = %s", v, t)
	default:
		return g.comparison(sc, depth)
	}
}

// useEarlier binds the value of an earlier rule or function, sometimes
// under with.
func (g *ruleGen) useEarlier(sc *[]bound, depth int) string {
	if len(g.defined) == 0 {
		return g.comparison(sc, depth)
	}
	d := g.defined[g.pick(len(g.defined))]
	ref := d.name
	if d.fn {
		ref = fmt.Sprintf("%s(%s)", d.name, g.term(kindAny, sc, depth-1))
	}
	v := g.newVar("z")
	expr := fmt.Sprintf("%s := %s", v, ref)
	switch g.pick(4) {
	case 1:
		expr += fmt.Sprintf(" with input.%s as %s", g.oneOf(withInputPaths...), g.term(kindAny, nil, 0))
	case 2:
		expr += fmt.Sprintf(" with data.pidfdsig.config.%s as %s", g.oneOf("signal_probe.threshold", "allow", "disabled", "signal_probe"), g.term(kindAny, nil, 0))
	}
	*sc = append(*sc, bound{name: v, kind: valueKind(d.kind)})
	return expr
}

func (g *ruleGen) comparison(sc *[]bound, depth int) string {
	k := kind(g.pick(3))                             // any, number, string
	if g.pick(3) == 0 && sc != nil && len(*sc) > 0 { // a variable in scope, compared
		v := (*sc)[g.pick(len(*sc))]
		return fmt.Sprintf("%s %s %s", v.name, g.oneOf("==", "!=", "<", ">="), g.term(kindAny, sc, depth-1))
	}
	op := g.oneOf("==", "!=", "<", "<=", ">", ">=")
	return fmt.Sprintf("%s %s %s", g.term(k, sc, depth-1), op, g.term(k, sc, depth-1))
}

// The event's fields a term may read (what the runtime builds, and what
// it may leave out), and the configuration's.
var (
	inputPaths = []string{
		"input.processName", "input.userId", "input.eventName", "input.returnValue",
		"input.hostProcessId", "input.processId", "input.args[0].value", "input.args[1].value",
		"input.args[3].value", "input.args[1].name", "input.pidfdsig.call.sig", "input.pidfdsig.call.signal",
		"input.pidfdsig.call.flags", "input.pidfdsig.call.sender.comm", "input.pidfdsig.target.uid",
		"input.pidfdsig.target.source", "input.timestamp", "input.missing", "input.container.id",
		"input.contextFlags.isCompat", "input.argsNum", "input.pidNamespace", "input.eventId",
		"data.pidfdsig.config.signal_probe.threshold", "data.pidfdsig.config.allow[0].comm[1]",
		"data.pidfdsig.config.cross_user", "input.executable.path", "input.hostName",
	}
	collectionPaths = []string{
		"input.args", "input.pidfdsig.call.flag_names", "input.pidfdsig.call", "input.pidfdsig.target",
		"input.matchedPolicies", "input.pidfdsig", "input", "input.args[2]", "input.container",
		"data.pidfdsig.config.allow", "data.pidfdsig.config.signal_probe", "data.pidfdsig.config.allow[0].comm",
		"data.pidfdsig.config.disabled", "data.pidfdsig.config",
	}
	withInputPaths = []string{"processName", "userId", "args", "pidfdsig.call.sig", "pidfdsig", "returnValue"}
)

// literalOf writes a constant of kind k.
func (g *ruleGen) literalOf(k kind) string {
	switch k {
	case kindNum:
		return g.oneOf("0", "1", "-3", "2.5", "10", "424", "1e3", "9223372036854775807", "18446744073709551616", "0.1")
	case kindStr:
		return g.oneOf(`"bash"`, `""`, `"SIGUSR1"`, `"a,b,c"`, `"pidfd_send_signal"`, `"tracked"`, `"Äö"`, `"10"`, `"sig"`)
	case kindBool:
		return g.oneOf("true", "false")
	case kindColl:
		return g.oneOf("[]", "[1, 2, 3]", `["a", "b"]`, `{"a": 1, "b": [2]}`, `{"x", "y"}`, "set()", "{}", `{1: "one", "k": 2}`)
	case kindArr:
		return g.oneOf("[]", "[1, 2, 3]", `["a", "b"]`, `[3, "x", null, 1.5]`)
	case kindObj:
		return g.oneOf("{}", `{"a": 1, "b": [2]}`, `{1: "one", "k": 2}`, `{"sig": 10, "signal": "SIGUSR1"}`)
	case kindDyn:
		return g.oneOf(inputPaths...)
	}
	return g.oneOf("null", "1", `"bash"`, "true", "[1]", "{}")
}

// term writes a term of kind k (or of kind any, which fits it) over the
// variables in scope, nested at most depth deep.
func (g *ruleGen) term(k kind, sc *[]bound, depth int) string {
	choice := g.pick(6)
	if depth <= 0 && choice >= 3 {
		choice %= 3
	}
	switch choice {
	case 0:
		return g.literalOf(k)
	case 1: // a variable in scope of a fitting kind
		if sc != nil {
			var fit []string
			for _, v := range *sc {
				if fits(v.kind, k) {
					fit = append(fit, v.name)
				}
			}
			if len(fit) > 0 {
				return fit[g.pick(len(fit))]
			}
		}
		return g.oneOf(inputPaths...)
	case 2:
		if k == kindColl || k == kindArr || k == kindObj {
			return g.oneOf(collectionPaths...)
		}
		return g.oneOf(inputPaths...)
	case 3:
		if k == kindDyn || k == kindKey {
			return g.oneOf(inputPaths...)
		}
		return g.call(k, sc, depth)
	case 4:
		return g.composite(k, sc, depth)
	}
	switch k {
	case kindColl, kindAny, kindArr, kindObj:
		return g.comprehension(k, sc, depth)
	case kindDyn, kindKey:
		return g.oneOf(inputPaths...)
	}
	return g.call(k, sc, depth)
}

// composite writes an operator expression or a collection literal.
func (g *ruleGen) composite(k kind, sc *[]bound, depth int) string {
	switch k {
	case kindNum:
		return fmt.Sprintf("(%s %s %s)", g.term(kindNum, sc, depth-1), g.oneOf("+", "-", "*", "/", "%"), g.term(kindNum, sc, depth-1))
	case kindStr:
		return fmt.Sprintf("concat(%q, [%s, %s])", g.oneOf("", "-", ","), g.term(kindStr, sc, depth-1), g.term(kindStr, sc, depth-1))
	case kindBool:
		return g.call(kindBool, sc, depth)
	case kindDyn, kindKey:
		return g.oneOf(inputPaths...)
	}
	a, b := g.term(kindAny, sc, depth-1), g.term(kindAny, sc, depth-1)
	choice := g.pick(5)
	switch {
	case k == kindArr:
		choice = 0
	case k == kindObj:
		choice = 2
	}
	switch choice {
	case 0:
		return fmt.Sprintf("[%s, %s]", a, b)
	case 1:
		return fmt.Sprintf("{%s, %s}", a, b)
	case 2:
		return fmt.Sprintf("{%q: %s, %s: %s}", g.oneOf("k", "sig", "a"), a, g.term(kindStr, sc, 0), b)
	case 3:
		return fmt.Sprintf("(%s | {%s})", g.oneOf(`{"x", "y"}`, "set()", `{1, "a"}`), a)
	}
	return fmt.Sprintf("[%s, %s][%s]", a, b, g.oneOf("0", "1"))
}

// comprehension writes an array, set or object comprehension; its
// variables stay inside it.
func (g *ruleGen) comprehension(k kind, sc *[]bound, depth int) string {
	inner := []bound{}
	if sc != nil {
		inner = append(inner, *sc...)
	}
	key, v := g.newVar("ck"), g.newVar("cv")
	src := g.term(kindColl, &inner, depth-1)
	inner = append(inner, bound{name: key, kind: kindKey}, bound{name: v, kind: kindDyn})
	body := fmt.Sprintf("some %s, %s in %s", key, v, src)
	for range g.pick(3) {
		body += "; " + g.literal(&inner, depth-1)
	}
	choice := g.pick(3)
	switch k {
	case kindArr:
		choice = 0
	case kindObj:
		choice = 2
	}
	switch choice {
	case 0:
		return fmt.Sprintf("[%s | %s]", g.term(kindAny, &inner, depth-1), body)
	case 1:
		return fmt.Sprintf("{%s | %s}", g.term(kindAny, &inner, depth-1), body)
	}
	return fmt.Sprintf("{%s: %s | %s}", key, g.term(kindAny, &inner, depth-1), body)
}

// builtinCall is a builtin the rules may call, with its arguments' and
// result's kinds. Arguments that could make a call huge (a range, a
// shift) are small constants.
type builtinCall struct {
	name   string
	args   []kind
	result kind
	fixed  []string // constant arguments, in place of generated ones
}

var builtinCalls = []builtinCall{
	{name: "count", args: []kind{kindColl}, result: kindNum},
	{name: "sum", args: []kind{kindArr}, result: kindNum},
	{name: "max", args: []kind{kindArr}, result: kindAny},
	{name: "sort", args: []kind{kindArr}, result: kindArr},
	{name: "abs", args: []kind{kindNum}, result: kindNum},
	{name: "round", args: []kind{kindNum}, result: kindNum},
	{name: "floor", args: []kind{kindNum}, result: kindNum},
	{name: "to_number", args: []kind{kindDyn}, result: kindNum},
	{name: "format_int", args: []kind{kindNum}, fixed: []string{"16"}, result: kindStr},
	{name: "numbers.range", fixed: []string{"1", "4"}, result: kindArr},
	{name: "bits.and", args: []kind{kindNum, kindNum}, result: kindNum},
	{name: "bits.or", args: []kind{kindNum, kindNum}, result: kindNum},
	{name: "bits.lsh", args: []kind{kindNum}, fixed: []string{"3"}, result: kindNum},
	{name: "lower", args: []kind{kindStr}, result: kindStr},
	{name: "upper", args: []kind{kindStr}, result: kindStr},
	{name: "trim_space", args: []kind{kindStr}, result: kindStr},
	{name: "split", args: []kind{kindStr}, fixed: []string{`","`}, result: kindArr},
	{name: "replace", args: []kind{kindStr, kindStr, kindStr}, result: kindStr},
	{name: "substring", args: []kind{kindStr}, fixed: []string{"1", "3"}, result: kindStr},
	{name: "indexof", args: []kind{kindStr, kindStr}, result: kindNum},
	{name: "sprintf", args: []kind{kindStr, kindArr}, result: kindStr},
	{name: "sprintf", fixed: []string{`"%v-%d-%s"`}, args: []kind{kindArr}, result: kindStr},
	{name: "concat", args: []kind{kindStr, kindDyn}, result: kindStr},
	{name: "strings.reverse", args: []kind{kindStr}, result: kindStr},
	{name: "json.marshal", args: []kind{kindAny}, result: kindStr},
	{name: "type_name", args: []kind{kindAny}, result: kindStr},
	{name: "object.get", args: []kind{kindObj, kindAny, kindAny}, result: kindAny},
	{name: "object.keys", args: []kind{kindObj}, result: kindColl},
	{name: "object.union", args: []kind{kindObj, kindObj}, result: kindObj},
	{name: "object.remove", args: []kind{kindObj, kindArr}, result: kindObj},
	{name: "array.concat", args: []kind{kindArr, kindArr}, result: kindArr},
	{name: "array.slice", args: []kind{kindArr}, fixed: []string{"0", "2"}, result: kindArr},
	{name: "union", args: []kind{kindDyn}, result: kindColl},
	{name: "intersection", args: []kind{kindDyn}, result: kindColl},
	{name: "startswith", args: []kind{kindStr, kindStr}, result: kindBool},
	{name: "endswith", args: []kind{kindStr, kindStr}, result: kindBool},
	{name: "contains", args: []kind{kindStr, kindStr}, result: kindBool},
	{name: "regex.match", fixed: []string{`"^[a-z]+[0-9]*$"`}, args: []kind{kindStr}, result: kindBool},
	{name: "glob.match", fixed: []string{`"*sh"`, "null"}, args: []kind{kindStr}, result: kindBool},
	{name: "is_number", args: []kind{kindAny}, result: kindBool},
	{name: "is_string", args: []kind{kindAny}, result: kindBool},
	{name: "is_object", args: []kind{kindAny}, result: kindBool},
	{name: "object.subset", args: []kind{kindDyn, kindDyn}, result: kindBool},
	{name: "strings.any_prefix_match", args: []kind{kindDyn, kindDyn}, result: kindBool},
	{name: "semver.is_valid", args: []kind{kindAny}, result: kindBool},
	{name: "units.parse_bytes", args: []kind{kindStr}, result: kindNum},
	{name: "base64.encode", args: []kind{kindStr}, result: kindStr},
	{name: "crypto.sha256", args: []kind{kindStr}, result: kindStr},
	{name: "trim", args: []kind{kindStr}, fixed: []string{`"/ "`}, result: kindStr},
}

// call writes a builtin call whose result fits kind k.
func (g *ruleGen) call(k kind, sc *[]bound, depth int) string {
	var fit []builtinCall
	for _, c := range builtinCalls {
		if c.result == k || c.result == kindAny || k == kindAny || (k == kindColl && (c.result == kindArr || c.result == kindObj)) {
			fit = append(fit, c)
		}
	}
	c := fit[g.pick(len(fit))]
	var args []string
	for _, a := range c.args {
		args = append(args, g.term(a, sc, depth-1))
	}
	// Fixed arguments go where the builtin wants them.
	switch c.name {
	case "regex.match", "sprintf":
		args = append(c.fixed, args...)
	case "glob.match":
		args = append(c.fixed, args...)
	default:
		args = append(args, c.fixed...)
	}
	return fmt.Sprintf("%s(%s)", c.name, strings.Join(args, ", "))
}
