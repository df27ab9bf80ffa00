// A stand-in for Tracee main in pluginbuild's tests: the versions below are
// those of Tracee main's go.mod for the modules OPA uses too.
module example.com/traceemainhost

go 1.25.0

require (
	github.com/aquasecurity/tracee/types v0.0.0-20251205142631-7dc44bdb801c
	github.com/prometheus/client_golang v1.22.0
	github.com/sirupsen/logrus v1.9.3
	go.opentelemetry.io/otel v1.39.0
	golang.org/x/crypto v0.50.0
	golang.org/x/sync v0.20.0
	golang.org/x/sys v0.43.0
	google.golang.org/protobuf v1.36.10
	sigs.k8s.io/yaml v1.4.0
)

require (
	github.com/beorn7/perks v1.0.1 // indirect
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/go-logr/logr v1.4.3 // indirect
	github.com/go-logr/stdr v1.2.2 // indirect
	github.com/munnerz/goautoneg v0.0.0-20191010083416-a7dc8b61c822 // indirect
	github.com/prometheus/client_model v0.6.1 // indirect
	github.com/prometheus/common v0.62.0 // indirect
	github.com/prometheus/procfs v0.15.1 // indirect
	go.opentelemetry.io/auto/sdk v1.2.1 // indirect
	go.opentelemetry.io/otel/metric v1.39.0 // indirect
	go.opentelemetry.io/otel/trace v1.39.0 // indirect
)
