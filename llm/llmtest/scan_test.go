package llmtest

import (
	"encoding/json"
	"reflect"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"newsdesk/prompts"
)

var scanBodies = []string{
	`{"model":"m","messages":[{"role":"user","content":"hi"}]}`,
	` { "model" : "m\u00e9" , "messages" : [ { "role" : "system" , "content" : "a\nb \u003c\u003c\u003c" } , {"content":null,"role":"user","name":"x"} ] , "max_tokens" : 1500 , "stream" : false } `,
	`{"messages":[{"role":"user","content":"x","tool_calls":[{"id":"1","function":{"arguments":"{\"a\":[1,2]}"}}]}],"response_format":{"type":"json_schema","json_schema":{"name":"n","schema":{"additionalProperties":false,"required":["a"]},"strict":true}}}`,
	`{"model":null,"messages":null}`, `{"model":"a","model":null,"messages":[]}`, `{}`, `{"messages":[{}]}`,
	`{"Model":"m","messages":[{"role":"user","content":"x"}]}`, `{"messages":[{"Role":"user","content":"x"}]}`,
	`{"messages":[{"role":"user","content":"x"}],"messages":[{"role":"system"}]}`, `{"messages":[null]}`,
	`{"messages":[{"role":"user","content":["part"]}]}`, `{"model":5,"messages":[]}`, `[]`, `null`, `{not json`,
	`{"messages":[{"role":"user","content":"x"}]} trailing`, `{"messages":[{"role":"user","content":"\ud83d\ude00"}]}`,
	"{\"messages\":[{\"role\":\"user\",\"content\":\"bad \xff\"}]}", `{"messages":[{"role":"user","content":"x"}],"n":1e5,"t":true,"f":false,"s":"\"}]"}`,
	`{"messages":[{"role":"user","content":"x"},]}`, `{"a":1,}`, `{"messages":[{"role":"user","content":"x"}],"x":{"y":[{"z":"}"}]}}`,
}

// The fake model's parse of a body: what serveLight made with encoding/json.
type lightRequest struct {
	Model    string `json:"model"`
	Messages []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"messages"`
}

func TestScanRequestIsJSONUnmarshal(t *testing.T) {
	for _, b := range scanBodies {
		checkScanRequest(t, []byte(b))
	}
	// And the worker's own requests go the fast way.
	sys, user := prompts.Render(prompts.Input{Title: "T <b>", Text: "Body “text” & \"quotes\".\n\nMore.", Instructions: "Shorter."})
	body, _ := json.Marshal(openai.ChatCompletionRequest{Model: "m", MaxCompletionTokens: 1500,
		Messages: []openai.ChatCompletionMessage{{Role: "system", Content: sys}, {Role: "user", Content: user}},
		ResponseFormat: &openai.ChatCompletionResponseFormat{Type: "json_schema", JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{
			Name: prompts.SchemaName, Schema: prompts.Schema(), Strict: true}}})
	if _, msgs, ok := scanRequest(body); !ok || len(msgs) != 2 || msgs[1].Content != user {
		t.Errorf("scanRequest declined or misread a worker's request: %v, %d messages", ok, len(msgs))
	}
	checkScanRequest(t, body)
}

func FuzzScanRequest(f *testing.F) {
	for _, b := range scanBodies {
		f.Add([]byte(b))
	}
	f.Fuzz(checkScanRequest)
}

// checkScanRequest: on valid JSON that scanRequest reads, it reads what encoding/json
// decodes. (It reads some invalid JSON too, loosely.)
func checkScanRequest(t *testing.T, b []byte) {
	model, msgs, ok := scanRequest(b)
	if !ok || !json.Valid(b) {
		return
	}
	var want lightRequest
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatalf("scanRequest(%s) read it, but encoding/json fails: %v", b, err)
	}
	var got lightRequest
	got.Model = model
	for _, m := range msgs {
		got.Messages = append(got.Messages, struct {
			Role    string `json:"role"`
			Content string `json:"content"`
		}{m.Role, m.Content})
	}
	if len(got.Messages) == 0 && len(want.Messages) == 0 {
		got.Messages, want.Messages = nil, nil
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("scanRequest(%s) = %+v, want %+v", b, got, want)
	}
}
