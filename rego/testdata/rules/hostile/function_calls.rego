# METADATA
# title: HOSTILE-10 exponential function calls
# description: Forty levels of functions, each calling the one below twice with new arguments, a trillion calls.
package tracee.HOSTILE_10

__rego_metadoc__ := {
	"id": "HOSTILE-10",
	"version": "1",
	"name": "exponential function calls",
	"eventName": "hostile_10",
	"description": "Forty levels of functions, each calling the one below twice with new arguments: a trillion calls.",
	"tags": ["hostile"],
	"properties": {"Severity": 0},
}

tracee_selected_events contains {"source": "tracee", "name": "pidfd_send_signal", "origin": "*"}

f0(x) := x + 1

f1(x) := f0(x + x) + f0((x + x) + 1)

f2(x) := f1(x + x) + f1((x + x) + 1)

f3(x) := f2(x + x) + f2((x + x) + 1)

f4(x) := f3(x + x) + f3((x + x) + 1)

f5(x) := f4(x + x) + f4((x + x) + 1)

f6(x) := f5(x + x) + f5((x + x) + 1)

f7(x) := f6(x + x) + f6((x + x) + 1)

f8(x) := f7(x + x) + f7((x + x) + 1)

f9(x) := f8(x + x) + f8((x + x) + 1)

f10(x) := f9(x + x) + f9((x + x) + 1)

f11(x) := f10(x + x) + f10((x + x) + 1)

f12(x) := f11(x + x) + f11((x + x) + 1)

f13(x) := f12(x + x) + f12((x + x) + 1)

f14(x) := f13(x + x) + f13((x + x) + 1)

f15(x) := f14(x + x) + f14((x + x) + 1)

f16(x) := f15(x + x) + f15((x + x) + 1)

f17(x) := f16(x + x) + f16((x + x) + 1)

f18(x) := f17(x + x) + f17((x + x) + 1)

f19(x) := f18(x + x) + f18((x + x) + 1)

f20(x) := f19(x + x) + f19((x + x) + 1)

f21(x) := f20(x + x) + f20((x + x) + 1)

f22(x) := f21(x + x) + f21((x + x) + 1)

f23(x) := f22(x + x) + f22((x + x) + 1)

f24(x) := f23(x + x) + f23((x + x) + 1)

f25(x) := f24(x + x) + f24((x + x) + 1)

f26(x) := f25(x + x) + f25((x + x) + 1)

f27(x) := f26(x + x) + f26((x + x) + 1)

f28(x) := f27(x + x) + f27((x + x) + 1)

f29(x) := f28(x + x) + f28((x + x) + 1)

f30(x) := f29(x + x) + f29((x + x) + 1)

f31(x) := f30(x + x) + f30((x + x) + 1)

f32(x) := f31(x + x) + f31((x + x) + 1)

f33(x) := f32(x + x) + f32((x + x) + 1)

f34(x) := f33(x + x) + f33((x + x) + 1)

f35(x) := f34(x + x) + f34((x + x) + 1)

f36(x) := f35(x + x) + f35((x + x) + 1)

f37(x) := f36(x + x) + f36((x + x) + 1)

f38(x) := f37(x + x) + f37((x + x) + 1)

f39(x) := f38(x + x) + f38((x + x) + 1)

f40(x) := f39(x + x) + f39((x + x) + 1)

tracee_match if f40(1) == 0
