package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	openai "github.com/sashabaranov/go-openai"

	"newsdesk/llm/internal/jsonstr"
	"newsdesk/prompts"
)

// go-openai marshals the whole request by reflection on every call, each message
// through its own MarshalJSON whose output is then scanned and compacted again: the
// article was copied and scanned four times, a fifth of the CPU of a Write. So
// go-openai builds the request only once per output-token limit, with no messages,
// into a recorder instead of the network (a frame); each call sends the frame with the
// messages spliced into its body, encoded as encoding/json encodes them. newFrame
// checks the splice against json.Marshal of the whole request and falls back to
// go-openai when the two differ, so the bytes on the wire stay go-openai's.

// frame is the request go-openai makes for one output-token limit, without messages.
type frame struct {
	// err is go-openai's refusal to make the request at all (a model it does not allow
	// for chat, max_tokens for a reasoning model); Write reports it as before.
	err error
	// req carries the method, URL and headers.
	req *http.Request
	// prefix and suffix are the body before and after the messages array.
	prefix, suffix []byte
	// spliced is false when the splice did not reproduce json.Marshal: complete then
	// sends through go-openai.
	spliced bool
}

// errRecorded is what recorder answers, so that go-openai sends nothing.
var errRecorded = errors.New("llm: request recorded")

// recorder is an [openai.HTTPDoer] that keeps the request it is given.
type recorder struct {
	req  *http.Request
	body []byte
}

func (r *recorder) Do(req *http.Request) (*http.Response, error) {
	r.req = req
	if req.Body != nil {
		r.body, _ = io.ReadAll(req.Body)
		req.Body.Close()
	}
	return nil, errRecorded
}

// frameFor returns the frame for maxOut, made on first use.
func (o *OpenAI) frameFor(maxOut int) *frame {
	o.framesMu.Lock()
	defer o.framesMu.Unlock()
	f, ok := o.frames[maxOut]
	if !ok {
		f = o.newFrame(maxOut)
		o.frames[maxOut] = f
	}
	return f
}

// probeMessages are sent through both encoders when a frame is made; they hold what
// encoding/json escapes.
var probeMessages = []openai.ChatCompletionMessage{
	{Role: openai.ChatMessageRoleSystem, Content: "Rules <<<ARTICLE 0A>>> & \"quotes\" \\ \n\t\r\b\f\x00\x1f\x7f"},
	{Role: openai.ChatMessageRoleUser, Content: "Ünïcödé “text” € \u2028\u2029 \xff\xfe \U0001F600 </script>"},
	{Role: openai.ChatMessageRoleAssistant},
}

func (o *OpenAI) newFrame(maxOut int) *frame {
	req := o.request(maxOut, nil)
	rec := &recorder{}
	cc := o.cc
	cc.HTTPClient = rec
	_, err := openai.NewClientWithConfig(cc).CreateChatCompletion(context.Background(), req)
	if !errors.Is(err, errRecorded) {
		return &frame{err: err}
	}
	f := &frame{req: rec.req}
	const hole = `"messages":null`
	if i := bytes.Index(rec.body, []byte(hole)); i >= 0 {
		f.prefix = rec.body[:i+len(hole)-len("null")]
		f.suffix = rec.body[i+len(hole):]
		req.Messages = probeMessages
		want, err := json.Marshal(req)
		f.spliced = err == nil && bytes.Equal(f.body(probeMessages), want)
	}
	if !f.spliced {
		o.log.Warn("go-openai encodes requests differently than expected; sending through it", "model", o.cfg.Model)
	}
	return f
}

// request is the go-openai request for msgs with at most maxOut output tokens.
func (o *OpenAI) request(maxOut int, msgs []openai.ChatCompletionMessage) openai.ChatCompletionRequest {
	req := openai.ChatCompletionRequest{Model: o.cfg.Model, Messages: msgs, ReasoningEffort: o.cfg.ReasoningEffort}
	if o.cfg.TokenLimitField == MaxTokens {
		// Deprecated by OpenAI, but the only field Ollama and llama.cpp read.
		req.MaxTokens = maxOut //lint:ignore SA1019 see above
	} else {
		req.MaxCompletionTokens = maxOut
	}
	if o.cfg.DisableThinking {
		req.ChatTemplateKwargs = map[string]any{"enable_thinking": false}
	}
	switch o.cfg.ResponseFormat {
	case FormatJSONSchema:
		req.ResponseFormat = &openai.ChatCompletionResponseFormat{
			Type: openai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{
				Name: prompts.SchemaName, Schema: prompts.Schema(), Strict: true,
			},
		}
	case FormatJSONObject:
		req.ResponseFormat = &openai.ChatCompletionResponseFormat{Type: openai.ChatCompletionResponseFormatTypeJSONObject}
	}
	return req
}

// body is the request body for msgs: the frame's with msgs spliced in.
func (f *frame) body(msgs []openai.ChatCompletionMessage) []byte {
	n := len(f.prefix) + len(f.suffix) + 2
	for _, m := range msgs {
		// Escapes make prompts a few percent longer: newlines, quotes, the markers' <>.
		n += len(m.Role) + len(m.Content) + len(m.Content)/16 + 32
	}
	b := make([]byte, 0, n)
	b = append(b, f.prefix...)
	b = appendMessages(b, msgs)
	return append(b, f.suffix...)
}

// appendMessages appends msgs as json.Marshal writes them.
func appendMessages(b []byte, msgs []openai.ChatCompletionMessage) []byte {
	if msgs == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, m := range msgs {
		if i > 0 {
			b = append(b, ',')
		}
		if m.Refusal != "" || m.MultiContent != nil || m.Name != "" || m.ReasoningContent != "" ||
			m.FunctionCall != nil || m.ToolCalls != nil || m.ToolCallID != "" {
			// Not a message Write makes; go-openai's own encoding.
			j, err := json.Marshal(m)
			if err != nil {
				panic("llm: " + err.Error()) // only a message with both contents fails, and none has
			}
			b = append(b, j...)
			continue
		}
		b = append(b, `{"role":`...)
		b = jsonstr.Append(b, m.Role)
		if m.Content != "" {
			b = append(b, `,"content":`...)
			b = jsonstr.Append(b, m.Content)
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

// send posts body with the frame's URL and headers and reads the answer as go-openai's
// CreateChatCompletion does: the same response type, errors and headers.
func (o *OpenAI) send(ctx context.Context, f *frame, body []byte) (resp openai.ChatCompletionResponse, err error) {
	req := f.req.Clone(ctx)
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	res, err := o.cc.HTTPClient.Do(req)
	if err != nil {
		return resp, err
	}
	defer res.Body.Close()
	resp.SetHeader(res.Header)
	if res.StatusCode < http.StatusOK || res.StatusCode >= http.StatusBadRequest {
		return resp, errorResponse(res)
	}
	return resp, json.NewDecoder(res.Body).Decode(&resp)
}

// errorResponse is go-openai's error for a failed response: an [*openai.APIError] when
// the body is an OpenAI error object, else an [*openai.RequestError].
func errorResponse(res *http.Response) error {
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return fmt.Errorf("error, reading response body: %w", err)
	}
	var errRes openai.ErrorResponse
	err = json.Unmarshal(body, &errRes)
	if err != nil || errRes.Error == nil {
		reqErr := &openai.RequestError{HTTPStatus: res.Status, HTTPStatusCode: res.StatusCode, Err: err, Body: body}
		if errRes.Error != nil {
			reqErr.Err = errRes.Error
		}
		return reqErr
	}
	errRes.Error.HTTPStatus = res.Status
	errRes.Error.HTTPStatusCode = res.StatusCode
	return errRes.Error
}
