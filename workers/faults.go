package workers

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
)

// Faults are deliberate failures for the fault suite (make chaos): they let a test crash a
// worker at the exact points where a bug would lose or duplicate work. They are read from
// NEWSDESK_FAULTS, e.g. "exit-after-extract-commit:0.2,skip-ack:0.1"; unset, nothing happens.
type Faults map[string]float64

// The fault points.
const (
	// FaultExitAfterExtractCommit exits the process after the extract result is committed
	// and before the summarise job is published.
	FaultExitAfterExtractCommit = "exit-after-extract-commit"
	// FaultExitAfterDraftCommit exits after the draft is committed and before the ack.
	FaultExitAfterDraftCommit = "exit-after-draft-commit"
	// FaultSkipAck finishes a job but never acknowledges it, so JetStream delivers it again
	// after its side effect.
	FaultSkipAck = "skip-ack"
)

// ParseFaults reads a fault list; each entry is name or name:probability (default 1).
func ParseFaults(s string) (Faults, error) {
	f := Faults{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, p, hasP := strings.Cut(part, ":")
		prob := 1.0
		if hasP {
			v, err := strconv.ParseFloat(p, 64)
			if err != nil || v < 0 || v > 1 {
				return nil, fmt.Errorf("NEWSDESK_FAULTS: bad probability in %q", part)
			}
			prob = v
		}
		switch name {
		case FaultExitAfterExtractCommit, FaultExitAfterDraftCommit, FaultSkipAck:
		default:
			return nil, fmt.Errorf("NEWSDESK_FAULTS: unknown fault %q", name)
		}
		f[name] = prob
	}
	return f, nil
}

// hit reports whether the named fault fires now.
func (f Faults) hit(name string) bool {
	p, ok := f[name]
	return ok && rand.Float64() < p
}

// crash ends the process at once, as kill -9 would: no deferred cleanup, no acks.
func (f Faults) crash(name string) {
	if f.hit(name) {
		fmt.Fprintf(os.Stderr, "newsdesk: fault %s: exiting\n", name)
		os.Exit(3)
	}
}
