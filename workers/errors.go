package workers

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"
)

// permanentError marks an error that retrying cannot fix.
type permanentError struct{ err error }

func (e permanentError) Error() string   { return e.err.Error() }
func (e permanentError) Unwrap() error   { return e.err }
func (e permanentError) Permanent() bool { return true }

func permanentf(format string, args ...any) error {
	return permanentError{fmt.Errorf(format, args...)}
}

// busyError says another worker holds the job's lease.
type busyError struct{ wait time.Duration }

func (e *busyError) Error() string { return "another worker holds the lease" }

// classify returns the reason shown to editors and whether the error is permanent. Errors
// from extract and llm say so themselves through a Permanent method; anything else (Postgres
// or NATS trouble, a timeout) is transient.
func classify(err error) (reason string, permanent bool) {
	var p interface{ Permanent() bool }
	if errors.As(err, &p) {
		return err.Error(), p.Permanent()
	}
	if errors.Is(err, errDeadline) {
		return err.Error(), false
	}
	return "Temporary problem: " + err.Error(), false
}

var errDeadline = errors.New("the job ran out of time")

func retryAfter(err error) time.Duration {
	var r interface{ RetryAfter() time.Duration }
	if errors.As(err, &r) {
		return r.RetryAfter()
	}
	return 0
}

func defaultID() string {
	h, _ := os.Hostname()
	return h + "-" + strconv.Itoa(os.Getpid())
}
