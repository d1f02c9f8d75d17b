package llmtest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"newsdesk/llm/llmtest"
	"newsdesk/prompts"
)

func post(t *testing.T, url, body string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func TestServerWireFormat(t *testing.T) {
	srv := llmtest.NewServer(t, llmtest.Sequence(llmtest.OK(llmtest.Sample()), llmtest.RateLimited("3")))
	_, user := prompts.Render(prompts.Input{Title: "T", Text: "Body text."})
	req, _ := json.Marshal(openai.ChatCompletionRequest{Model: "m", Messages: []openai.ChatCompletionMessage{{Role: "user", Content: user}}})

	resp, body := post(t, srv.URL+"/chat/completions", string(req))
	var ok openai.ChatCompletionResponse
	if err := json.Unmarshal(body, &ok); err != nil || resp.StatusCode != 200 || len(ok.Choices) != 1 || ok.Usage.TotalTokens == 0 || ok.Model != "m" {
		t.Errorf("OK answer = %d %s (%v)", resp.StatusCode, body, err)
	}
	resp, body = post(t, srv.URL+"/chat/completions", string(req))
	var e openai.ErrorResponse
	if err := json.Unmarshal(body, &e); err != nil || resp.StatusCode != 429 || e.Error == nil || e.Error.Message == "" || resp.Header.Get("Retry-After") != "3" {
		t.Errorf("429 answer = %d %s %v", resp.StatusCode, body, resp.Header)
	}
	if resp, body = post(t, srv.URL+"/chat/completions", "{not json"); resp.StatusCode != 400 || !bytes.Contains(body, []byte(`"error"`)) {
		t.Errorf("bad JSON answer = %d %s", resp.StatusCode, body)
	}
	if resp, _ = post(t, srv.URL+"/embeddings", string(req)); resp.StatusCode != 404 {
		t.Errorf("unknown route answer = %d, want 404", resp.StatusCode)
	}
	if srv.Requests() != 2 || len(srv.Bodies()) != 2 || len(srv.Times()) != 2 {
		t.Errorf("server recorded %d calls, want the 2 valid ones", srv.Requests())
	}
	if got := srv.Calls()[0].Article(); got != "Body text." {
		t.Errorf("Call.Article() = %q, want the data block without metadata", got)
	}
}

// TestLightHandler: the load-test handler answers the same wire format from the messages
// alone, and counts the calls.
func TestLightHandler(t *testing.T) {
	rec := llmtest.NewLightHandler(llmtest.Grounded())
	srv := httptest.NewServer(rec)
	defer srv.Close()
	text := "The council approved the budget on Tuesday. Work starts in March on forty streets. Residents were told by letter. The mayor said the plan was overdue. Funding comes from the national government."
	_, user := prompts.Render(prompts.Input{Title: "T", Text: text})
	req, _ := json.Marshal(openai.ChatCompletionRequest{Model: "m", Messages: []openai.ChatCompletionMessage{{Role: "user", Content: user}}})
	resp, body := post(t, srv.URL+"/v1/chat/completions", string(req))
	var ok openai.ChatCompletionResponse
	if err := json.Unmarshal(body, &ok); err != nil || resp.StatusCode != 200 || len(ok.Choices) != 1 || !strings.Contains(ok.Choices[0].Message.Content, "The council approved the budget on Tuesday.") {
		t.Fatalf("answer = %d %s (%v)", resp.StatusCode, body, err)
	}
	if resp, _ := post(t, srv.URL+"/v1/chat/completions", `{"model":"m","messages":[]}`); resp.StatusCode != 400 {
		t.Errorf("no messages: %d, want 400", resp.StatusCode)
	}
	if rec.Requests() != 1 || len(rec.Calls()) != 0 {
		t.Errorf("Requests() = %d, Calls() = %d; want 1 and 0", rec.Requests(), len(rec.Calls()))
	}
}
