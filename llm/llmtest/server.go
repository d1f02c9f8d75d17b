// Package llmtest is a scriptable OpenAI-compatible server for tests and fault drills. It
// speaks the real wire format (POST /v1/chat/completions, JSON answers with choices and
// usage, OpenAI error bodies), so the code under test goes through go-openai and HTTP
// exactly as in production.
//
//	srv := llmtest.NewServer(t, llmtest.Sequence(
//		llmtest.RateLimited("1"),        // 429 with Retry-After: 1
//		llmtest.OK(llmtest.Sample()),    // then a good answer
//	))
//	w, _ := llm.NewOpenAI(llm.Config{BaseURL: srv.URL, Model: "test"})
//
// A process that is not a test (a fault suite's separate server) uses [NewHandler] with
// any [Handler] and serves it with net/http.
package llmtest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Call is one request the server received.
type Call struct {
	// Index is the 0-based order of arrival at the server.
	Index int
	Time  time.Time
	// Target is the path and query the call was sent to.
	Target  string
	Header  http.Header
	Body    []byte
	Request openai.ChatCompletionRequest
	// Ctx is done when the client gives up on the request.
	Ctx interface{ Done() <-chan struct{} }
}

// System returns the system message of the call.
func (c *Call) System() string {
	for _, m := range c.Request.Messages {
		if m.Role == openai.ChatMessageRoleSystem {
			return m.Content
		}
	}
	return ""
}

// User returns the first user message of the call (the one with the article).
func (c *Call) User() string {
	for _, m := range c.Request.Messages {
		if m.Role == openai.ChatMessageRoleUser {
			return m.Content
		}
	}
	return ""
}

// Handler writes the answer to one call. The ready-made answers in this package (OK,
// RateLimited, Sequence …) are Handlers.
type Handler func(w http.ResponseWriter, c *Call)

// Recorder is an http.Handler that serves the OpenAI routes with a [Handler] and records
// every chat completion call.
type Recorder struct {
	h     Handler
	light bool
	mu    sync.Mutex
	calls []*Call
	n     int
}

// NewHandler returns a Recorder serving h, for use outside tests (http.ListenAndServe).
// Its routes live under /v1: chat completions, and a models list. Azure's deployments
// route (/openai/deployments/{name}/chat/completions) is served too.
func NewHandler(h Handler) *Recorder { return &Recorder{h: h} }

// NewLightHandler is NewHandler for load tests: it reads only the model and the
// messages' roles and contents of a call, in one pass that skips the rest of the body
// (decoding costs more than writing the answer), and keeps no call but counts them:
// Calls, Bodies and Times stay empty.
func NewLightHandler(h Handler) *Recorder { return &Recorder{h: h, light: true} }

func (rec *Recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	switch {
	case r.Method == http.MethodGet && strings.HasSuffix(path, "/models"):
		writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": []map[string]any{
			{"id": "llmtest-model", "object": "model", "owned_by": "llmtest"}}})
		return
	case strings.HasSuffix(path, "/chat/completions"):
	default:
		WriteError(w, http.StatusNotFound, "invalid_request_error", "unknown_url", "Unknown request URL: "+r.Method+" "+path)
		return
	}
	if r.Method != http.MethodPost {
		WriteError(w, http.StatusMethodNotAllowed, "invalid_request_error", "method_not_allowed", "Use POST for chat completions.")
		return
	}
	body, err := readBody(r)
	if err != nil {
		WriteError(w, http.StatusBadRequest, "invalid_request_error", "bad_body", "Could not read the body: "+err.Error())
		return
	}
	if rec.light {
		rec.serveLight(w, r, body)
		return
	}
	c := &Call{Time: time.Now(), Target: r.URL.RequestURI(), Header: r.Header.Clone(), Body: body, Ctx: r.Context()}
	if err := json.Unmarshal(body, &c.Request); err != nil {
		WriteError(w, http.StatusBadRequest, "invalid_request_error", "invalid_json", "We could not parse the JSON body of your request: "+err.Error())
		return
	}
	if len(c.Request.Messages) == 0 {
		WriteError(w, http.StatusBadRequest, "invalid_request_error", "missing_messages", "'messages' is a required property")
		return
	}
	rec.mu.Lock()
	c.Index = len(rec.calls)
	rec.calls = append(rec.calls, c)
	rec.n++
	rec.mu.Unlock()
	rec.h(w, c)
}

func (rec *Recorder) serveLight(w http.ResponseWriter, r *http.Request, body []byte) {
	model, msgs, ok := scanRequest(body)
	if !ok {
		var req struct {
			Model    string `json:"model"`
			Messages []struct {
				Role    string `json:"role"`
				Content string `json:"content"`
			} `json:"messages"`
		}
		if err := json.Unmarshal(body, &req); err != nil {
			WriteError(w, http.StatusBadRequest, "invalid_request_error", "invalid_json", "We could not parse the JSON body of your request: "+err.Error())
			return
		}
		model, msgs = req.Model, nil
		for _, m := range req.Messages {
			msgs = append(msgs, openai.ChatCompletionMessage{Role: m.Role, Content: m.Content})
		}
	}
	if len(msgs) == 0 {
		WriteError(w, http.StatusBadRequest, "invalid_request_error", "missing_messages", "'messages' is a required property")
		return
	}
	c := &Call{Time: time.Now(), Target: r.URL.RequestURI(), Header: r.Header, Body: body, Ctx: r.Context()}
	c.Request.Model, c.Request.Messages = model, msgs
	rec.mu.Lock()
	c.Index = rec.n
	rec.n++
	rec.mu.Unlock()
	rec.h(w, c)
}

// readBody reads at most 32 MiB of the request body, into one buffer of the size the
// request announces.
func readBody(r *http.Request) ([]byte, error) {
	const limit = 32 << 20
	var b bytes.Buffer
	if n := r.ContentLength; n > 0 && n <= limit {
		b.Grow(int(n) + bytes.MinRead) // ReadFrom wants room for a read past the end
	}
	_, err := b.ReadFrom(io.LimitReader(r.Body, limit))
	return b.Bytes(), err
}

// Requests returns how many chat completion calls arrived.
func (rec *Recorder) Requests() int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.n
}

// Calls returns the calls so far, in order of arrival.
func (rec *Recorder) Calls() []*Call {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]*Call(nil), rec.calls...)
}

// Bodies returns the raw request bodies so far, in order of arrival.
func (rec *Recorder) Bodies() [][]byte {
	var out [][]byte
	for _, c := range rec.Calls() {
		out = append(out, c.Body)
	}
	return out
}

// Times returns the arrival times of the calls so far.
func (rec *Recorder) Times() []time.Time {
	var out []time.Time
	for _, c := range rec.Calls() {
		out = append(out, c.Time)
	}
	return out
}

// Server is a running fake provider.
type Server struct {
	*Recorder
	// URL is the base URL to configure clients with; it ends in /v1.
	URL string
	// Root is the server's address without /v1 (for Azure-style clients).
	Root string
	srv  *httptest.Server
}

// NewServer starts a fake provider answering with h; it is closed when the test ends.
func NewServer(t testing.TB, h Handler) *Server {
	t.Helper()
	rec := NewHandler(h)
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	return &Server{Recorder: rec, URL: srv.URL + "/v1", Root: srv.URL, srv: srv}
}

// Close stops the server early.
func (s *Server) Close() { s.srv.Close() }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// WriteError writes an OpenAI error body {"error":{"message","type","code"}} with status.
func WriteError(w http.ResponseWriter, status int, typ, code, message string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{
		"message": message, "type": typ, "code": code, "param": nil,
	}})
}
