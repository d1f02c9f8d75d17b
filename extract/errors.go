package extract

import (
	"fmt"
	"net/http"
)

// Kinds of [Error]. The worker shows Reason to editors and uses Permanent to decide whether a
// retry can help; Kind is for logs, metrics and tests.
const (
	KindRefused          = "refused"            // the guard refused the address, scheme, port or credentials
	KindHTTPStatus       = "http_status"        // the server answered with a non-2xx status
	KindContentType      = "content_type"       // the response is not an HTML page
	KindTooLarge         = "too_large"          // body or headers over the limits
	KindNotArticle       = "not_article"        // the page is not an article (quality gate)
	KindNetwork          = "network"            // DNS, connection or TLS failure
	KindTimeout          = "timeout"            // the fetch took too long
	KindTooManyRedirects = "too_many_redirects" // more redirects than allowed
	KindBadURL           = "bad_url"            // the URL cannot be fetched as written
)

// Error is returned by [Fetcher.Fetch], [Extract] and [FromText] for every failure.
// Reason is one sentence an editor understands; Err, when set, is the underlying cause.
type Error struct {
	Kind   string
	Reason string
	Err    error

	status int // HTTP status for KindHTTPStatus; decides Permanent
}

// Error returns the reason, followed by the cause when there is one.
func (e *Error) Error() string {
	if e.Err == nil {
		return e.Reason
	}
	return e.Reason + " (" + e.Err.Error() + ")"
}

// Unwrap returns the underlying cause, if any.
func (e *Error) Unwrap() error { return e.Err }

// Permanent reports whether retrying cannot help. Only network failures, timeouts, 5xx answers
// and 429 Too Many Requests (and 408) are transient.
func (e *Error) Permanent() bool {
	switch e.Kind {
	case KindNetwork, KindTimeout:
		return false
	case KindHTTPStatus:
		return !(e.status >= 500 || e.status == http.StatusTooManyRequests || e.status == http.StatusRequestTimeout)
	}
	return true
}

// StatusCode returns the HTTP status for errors of kind http_status, else 0.
func (e *Error) StatusCode() int { return e.status }

func errorf(kind string, cause error, format string, args ...any) *Error {
	return &Error{Kind: kind, Reason: fmt.Sprintf(format, args...), Err: cause}
}

// notArticle builds the quality gate's error.
func notArticle(format string, args ...any) *Error {
	return errorf(KindNotArticle, nil, format, args...)
}
