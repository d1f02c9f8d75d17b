package llmtest_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"newsdesk/llm/llmtest"
	"newsdesk/prompts"
	"newsdesk/summary"
)

// benchParagraphs are those of bench pipeline's pages.
var benchParagraphs = llmtest.NewsParagraphs("000042")

// requestBody is the body the summarise worker sends for in, as go-openai marshals it.
func requestBody(t testing.TB, in prompts.Input) []byte {
	t.Helper()
	sys, user := prompts.Render(in)
	b, err := json.Marshal(openai.ChatCompletionRequest{
		Model:     "bench-model",
		Messages:  []openai.ChatCompletionMessage{{Role: "system", Content: sys}, {Role: "user", Content: user}},
		MaxTokens: 1500, //lint:ignore SA1019 what the worker sends to servers that are not OpenAI's
		ResponseFormat: &openai.ChatCompletionResponseFormat{
			Type:       openai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{Name: prompts.SchemaName, Schema: prompts.Schema(), Strict: true},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func benchInput() prompts.Input {
	return prompts.Input{Title: llmtest.NewsTitle("000042"), Byline: llmtest.NewsByline,
		SiteName: llmtest.NewsSiteName, Language: "en", Text: strings.Join(benchParagraphs, "\n\n")}
}

// BenchmarkLightHandler is bench pipeline's fake model answering one draft request.
func BenchmarkLightHandler(b *testing.B) {
	body := requestBody(b, benchInput())
	h := llmtest.NewLightHandler(llmtest.Grounded())
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/v1/chat/completions", bytes.NewReader(body)))
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}

var createdRe = regexp.MustCompile(`"created":\d+`)

// TestLightHandlerAnswersAsTheFullHandler: for the requests bench pipeline's worker
// makes, the light handler's answer is the full handler's, byte for byte but for the
// time, and its summary is grounded in the article with no flag.
func TestLightHandlerAnswersAsTheFullHandler(t *testing.T) {
	long := benchInput()
	long.Part, long.Parts = 2, 3
	odd := benchInput()
	odd.Title = "Quotes “here” & <there>"
	odd.Text = "Ünïcödé café owners met on Monday, the mayor said. \"Prices rose by 12%,\" she told the council.\u2028" +
		"The tax takes effect in May 2026.\tTraders said the plan was unfair. Site: not metadata.\n\n" +
		strings.Join(benchParagraphs[:3], "\n") + "\n\nByline: also not metadata. Invalid \xff byte, control \x01 and a <<<marker>>>."
	instructed := benchInput()
	instructed.Instructions = "Lead with the cost. Byline: x"
	thin := prompts.Input{Title: "Cookies", Text: "Accept cookies to continue."}
	combine := prompts.Input{Title: "T", Notes: []string{
		"- The harbour authority published a flood plan on Thursday.\n- The sea wall would rise by eighty centimetres.\nContext: Storms have grown more frequent.",
		"- The city council must approve the plan.\n- A vote is expected in January.\n- Residents can comment on the proposals.\nContext: The national fund needs approval.",
	}}
	for _, tt := range []struct {
		name     string
		in       prompts.Input
		grounded bool
	}{
		{"a bench pipeline article", benchInput(), true},
		{"a part of a long article", long, true},
		{"odd characters, and lines like metadata", odd, true},
		{"a reviewer's instructions", instructed, true},
		{"a thin page", thin, false},
		{"combining parts", combine, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body := requestBody(t, tt.in)
			var answers [2][]byte
			for i, h := range []http.Handler{llmtest.NewHandler(llmtest.Grounded()), llmtest.NewLightHandler(llmtest.Grounded())} {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/v1/chat/completions", bytes.NewReader(body)))
				if w.Code != http.StatusOK {
					t.Fatalf("status %d: %s", w.Code, w.Body)
				}
				answers[i] = createdRe.ReplaceAll(w.Body.Bytes(), []byte(`"created":0`))
			}
			if !bytes.Equal(answers[0], answers[1]) {
				t.Fatalf("light answer:\n%s\nfull answer:\n%s", answers[1], answers[0])
			}
			if !tt.grounded {
				return
			}
			var resp openai.ChatCompletionResponse
			var out struct {
				KeyPoints         []string `json:"key_points"`
				WhyItMatters      string   `json:"why_it_matters"`
				WhatItMeansForYou string   `json:"what_it_means_for_you"`
			}
			if err := json.Unmarshal(answers[1], &resp); err != nil || len(resp.Choices) != 1 {
				t.Fatalf("answer %s: %v", answers[1], err)
			}
			if err := json.Unmarshal([]byte(resp.Choices[0].Message.Content), &out); err != nil || len(out.KeyPoints) < 3 {
				t.Fatalf("content %s: %v", resp.Choices[0].Message.Content, err)
			}
			s := summary.Summary{KeyPoints: out.KeyPoints, WhyItMatters: out.WhyItMatters, WhatItMeansForYou: out.WhatItMeansForYou}
			if flags := summary.Check(s, summary.Source{Title: tt.in.Title, Text: tt.in.Text, Lang: "en"}); len(flags) > 0 {
				t.Errorf("summary %+v has flags %+v", s, flags)
			}
		})
	}
}
