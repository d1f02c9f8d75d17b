package extract

import (
	"flag"
	"os"
	"strings"
	"testing"
)

// TestMain shortens the fuzzer's minimisation of new inputs (60 s by default) unless the
// command line sets it. The extractor links a lot of instrumented code, so nearly every early
// input finds new coverage, and minimising each one through the whole extractor would use up
// a short CI fuzz run (-fuzztime=10s) on a handful of inputs.
func TestMain(m *testing.M) {
	set := false
	for _, a := range os.Args[1:] {
		if strings.Contains(a, "fuzzminimizetime") {
			set = true
		}
	}
	if !set {
		if f := flag.Lookup("test.fuzzminimizetime"); f != nil {
			f.Value.Set("1s")
		}
	}
	os.Exit(m.Run())
}
