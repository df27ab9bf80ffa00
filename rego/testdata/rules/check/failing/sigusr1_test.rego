package tracee.USER_3_test

import data.tracee.USER_3
import data.tracee.pidfdsig.fixtures as f

test_alice_signalling_bob_fires if {
	d := USER_3.tracee_match with input as f.enriched(f.by(f.alice, f.sample), f.bob)
	d.reasons == ["sigusr2"]
}

test_alice_signalling_her_child_does_not_fire if {
	not USER_3.tracee_match with input as f.enriched(f.by(f.alice, f.sample), f.alice_child)
}
