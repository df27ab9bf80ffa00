//go:build linux

package kernelrec

import (
	"os"
	"testing"
)

// TestMain lets the test binary double as the recordings' helper
// processes (see IsHelper).
func TestMain(m *testing.M) {
	if IsHelper() {
		os.Exit(HelperMain())
	}
	os.Exit(m.Run())
}
