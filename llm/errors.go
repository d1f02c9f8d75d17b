package llm

import (
	"errors"
	"time"
)

// Sentinel errors that [Error] values wrap, for errors.Is. Each comes with an editor-
// readable message in the [Error] itself.
var (
	// ErrInsufficientSource is wrapped by the permanent error Write returns when the model
	// (or the extractive writer) finds the article too thin to summarise.
	ErrInsufficientSource = errors.New("llm: source insufficient for a summary")
	// ErrUnusableAnswer is wrapped by the permanent error Write returns when the model's
	// answer could not be parsed or validated twice.
	ErrUnusableAnswer = errors.New("llm: unusable answer")
	// ErrRefused is wrapped by permanent errors for provider refusals: a 4xx status, a
	// model refusal or a content filter.
	ErrRefused = errors.New("llm: refused")
	// ErrQuota is wrapped by the permanent error for a 429 insufficient_quota answer.
	ErrQuota = errors.New("llm: quota exhausted")
	// ErrRateLimited is wrapped by the transient error for a 429 that outlasted the
	// in-process retries.
	ErrRateLimited = errors.New("llm: rate limited")
	// ErrUnavailable is wrapped by transient errors for 5xx answers, timeouts and network
	// failures that outlasted the in-process retries.
	ErrUnavailable = errors.New("llm: provider unavailable")
	// ErrContextLength is wrapped by the permanent error for a prompt the provider says is
	// longer than the model's context, or that it read only in part. Write retries such
	// an article in smaller parts before it returns this.
	ErrContextLength = errors.New("llm: context length exceeded")
	// ErrTooLong is wrapped by the permanent error for an article that would take more
	// parts than Config.MaxParts.
	ErrTooLong = errors.New("llm: article too long")
)

// Error is the error Write returns. Its message is written for an editor ("The model
// provider refused the request: 401 Incorrect API key provided"). Permanent errors
// cannot be fixed by retrying the same request; transient ones may say how long to wait.
type Error struct {
	// Msg is the editor-facing message.
	Msg string
	// Status is the provider's HTTP status, when there was one.
	Status int
	// Code is the provider's error code or type, when it sent one.
	Code string
	// Kind is one of the sentinel errors above.
	Kind error
	// Err is the underlying error, if any.
	Err error

	permanent bool
	wait      time.Duration
}

func (e *Error) Error() string { return e.Msg }

// Unwrap returns the sentinel kind and the underlying error.
func (e *Error) Unwrap() []error {
	var errs []error
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// Permanent reports whether retrying the same request cannot help.
func (e *Error) Permanent() bool { return e.permanent }

// RetryAfter is how long the provider asked to wait before the next request, or zero.
func (e *Error) RetryAfter() time.Duration { return e.wait }

func permanent(kind error, msg string, err error) *Error {
	return &Error{Msg: msg, Kind: kind, Err: err, permanent: true}
}

func transient(kind error, msg string, err error) *Error {
	return &Error{Msg: msg, Kind: kind, Err: err}
}
