package webhooks

import (
	"net/http"
	"time"
)

// NewClientForTest exposes the delivery client to the black-box tests.
func NewClientForTest(timeout time.Duration, allowLoopback bool) *http.Client {
	return newClient(timeout, allowLoopback)
}
