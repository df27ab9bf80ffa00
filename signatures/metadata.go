package signatures

import (
	"maps"
	"slices"

	"github.com/aquasecurity/tracee/types/detect"

	"github.com/pidfdsig/pidfdsig/target"
)

// Signature IDs, fixed: findings, configuration files and the Rego rules
// refer to them.
const (
	IDCrossUserSignal       = "PFD-1"
	IDUnusualFlags          = "PFD-2"
	IDForgedSiginfo         = "PFD-3"
	IDSignalProbe           = "PFD-4"
	IDSecurityToolKill      = "PFD-5"
	IDContainerEscapeSignal = "PFD-6"
)

// allIDs lists the signature IDs in order.
var allIDs = [...]string{
	IDCrossUserSignal, IDUnusualFlags, IDForgedSiginfo,
	IDSignalProbe, IDSecurityToolKill, IDContainerEscapeSignal,
}

func knownID(id string) bool { return slices.Contains(allIDs[:], id) }

// Severities on Tracee's 0..4 scale.
const (
	severityInfo     = 0
	severityLow      = 1
	severityMedium   = 2
	severityHigh     = 3
	severityCritical = 4
)

// signatureVersion is the Version of every signature's metadata.
const signatureVersion = "1"

// signatureTags are the Tags of every signature's metadata. Tracee turns
// tags into event sets: target.FollowerTag lets `--events pidfdsig` select
// every signature of the plugin and its Followers at once.
var signatureTags = []string{"linux", "container", "pidfd", target.FollowerTag}

// technique is a MITRE ATT&CK technique as Tracee's signatures describe it
// in their metadata properties.
type technique struct {
	category      string // tactic, Tracee style: "defense-evasion"
	name          string // technique name
	externalID    string // "T1562.001"
	externalIDv19 string // the id in ATT&CK v19 when it was renumbered, else ""
	stixID        string // "attack-pattern--..."
}

// The techniques the signatures report. See the package documentation for
// which signature picks which.
var (
	techDisableTools = technique{
		category: "defense-evasion", name: "Disable or Modify Tools",
		externalID: "T1562.001", externalIDv19: "T1685",
		stixID: "attack-pattern--ac08589e-ee59-4935-8667-d845e38fe579",
	}
	techServiceStop = technique{
		category: "impact", name: "Service Stop", externalID: "T1489",
		stixID: "attack-pattern--20fb2507-d71c-455d-9b6d-6104461cf26b",
	}
	techRootkit = technique{
		category: "defense-evasion", name: "Rootkit", externalID: "T1014",
		stixID: "attack-pattern--0f20e3cb-245b-4a61-8a91-2d93f7cb0e9b",
	}
	techSystemChecks = technique{
		category: "defense-evasion", name: "System Checks", externalID: "T1497.001",
		stixID: "attack-pattern--29be378d-262d-4e99-b00d-852d573628e6",
	}
	techMasquerading = technique{
		category: "defense-evasion", name: "Masquerading", externalID: "T1036",
		stixID: "attack-pattern--42e8de7b-37b2-4258-905a-6897815e58e0",
	}
	techProcessDiscovery = technique{
		category: "discovery", name: "Process Discovery", externalID: "T1057",
		stixID: "attack-pattern--8f4a33ec-8b1f-4b80-a2f6-642b2e479580",
	}
	techEscapeToHost = technique{
		category: "privilege-escalation", name: "Escape to Host", externalID: "T1611",
		stixID: "attack-pattern--4a5b7ade-8bb5-4853-84ed-23f262002665",
	}
)

// properties returns the metadata properties of a finding of severity sev
// classified as t, with the keys Tracee's signatures use.
func (t *technique) properties(sev int) map[string]interface{} {
	p := map[string]interface{}{
		"Severity":    sev,
		"Category":    t.category,
		"Technique":   t.name,
		"external_id": t.externalID,
		"id":          t.stixID,
	}
	if t.externalIDv19 != "" {
		p["external_id_v19"] = t.externalIDv19
	}
	return p
}

// newMetadata builds a signature's metadata; sev and tech are its highest
// severity and its main technique, which each finding refines.
func newMetadata(id, name, eventName, description string, sev int, tech *technique) detect.SignatureMetadata {
	return detect.SignatureMetadata{
		ID:          id,
		Version:     signatureVersion,
		Name:        name,
		EventName:   eventName,
		Description: description,
		Tags:        signatureTags,
		Properties:  tech.properties(sev),
	}
}

// cloneMetadata returns a copy of m sharing nothing mutable with it.
func cloneMetadata(m *detect.SignatureMetadata) detect.SignatureMetadata {
	c := *m
	c.Tags = slices.Clone(m.Tags)
	c.Properties = maps.Clone(m.Properties)
	return c
}

// reasons is a set of the reasons a finding fired, reported in its data
// under "reasons" by name.
type reasons uint16

// The reasons, in the order they are reported.
const (
	reasonDelivered reasons = 1 << iota
	reasonPermissionDenied
	reasonRootSender
	reasonUnknownFlags
	reasonMultipleScopes
	reasonProcessGroupKill
	reasonSameUID
	reasonTargetSavedUID
	reasonProbeThreshold
	reasonToolName
	reasonToolExe
	reasonOtherContainer
	reasonHostProcess
	reasonOutsidePidNamespace
)

var reasonNames = [...]string{
	"delivered", "permission_denied", "root_sender", "unknown_flags",
	"multiple_scopes", "process_group_kill", "same_uid", "target_saved_uid",
	"probe_threshold", "tool_name", "tool_exe", "other_container",
	"host_process", "outside_pid_namespace",
}

// names returns the names of the reasons in r; never nil.
func (r reasons) names() []string {
	names := make([]string, 0, 4)
	for i, name := range reasonNames {
		if r&(1<<i) != 0 {
			names = append(names, name)
		}
	}
	return names
}

// verdict is what a signature's match returns for a call it reports.
type verdict struct {
	severity  int
	technique *technique
	reasons   reasons
}
