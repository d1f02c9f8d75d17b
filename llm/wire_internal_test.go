package llm

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"reflect"
	"regexp"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"newsdesk/llm/llmtest"
)

func wireWriter(t *testing.T, cfg Config) *OpenAI {
	t.Helper()
	cfg.Logger = slog.New(slog.NewTextHandler(t.Output(), nil))
	o, err := NewOpenAI(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// goOpenAIRequest is the request go-openai itself sends for msgs.
func goOpenAIRequest(t *testing.T, o *OpenAI, maxOut int, msgs []openai.ChatCompletionMessage) *recorder {
	t.Helper()
	rec := &recorder{}
	cc := o.cc
	cc.HTTPClient = rec
	if _, err := openai.NewClientWithConfig(cc).CreateChatCompletion(context.Background(), o.request(maxOut, msgs)); !errors.Is(err, errRecorded) {
		t.Fatalf("CreateChatCompletion: %v", err)
	}
	return rec
}

// TestFrameBodyIsGoOpenAIs: for every kind of configuration, the spliced body is the
// body go-openai sends, and no configuration falls back to go-openai.
func TestFrameBodyIsGoOpenAIs(t *testing.T) {
	msgs := [][]openai.ChatCompletionMessage{
		{{Role: "system", Content: "S"}, {Role: "user", Content: "U <<<ARTICLE 0A>>>\n\"x\" & y \u2028 \xff"}},
		{{Role: "system", Content: ""}, {Role: "user", Content: "U"}, {Role: "assistant", Content: "{\"key_points\":[]}"},
			{Role: "user", Content: "That answer cannot be used."}},
		{{Role: "user", Content: "U", Name: "editor"}, {Role: "assistant", Refusal: "No."}},
	}
	for _, cfg := range []Config{
		{Model: "m", BaseURL: "http://localhost:1/v1"},
		{Model: "m \"quoted\" <model>", BaseURL: "http://localhost:1/v1/", APIKey: "k", ResponseFormat: FormatJSONObject, TokenLimitField: MaxCompletionTokens},
		{Model: "gpt-4o-mini", ResponseFormat: FormatPlain, ReasoningEffort: "low", DisableThinking: true},
		{Model: "dep", BaseURL: "https://x.openai.azure.com", AzureAPIVersion: "2024-10-21", APIKey: "k"},
		{Model: "messages", BaseURL: "http://u:p@localhost:1/v1", TokenLimitField: MaxTokens},
	} {
		o := wireWriter(t, cfg)
		for _, maxOut := range []int{1500, 3000} {
			f := o.frameFor(maxOut)
			if f.err != nil || !f.spliced {
				t.Fatalf("frame for %+v, %d: err %v, spliced %v; want a spliced frame", cfg, maxOut, f.err, f.spliced)
			}
			for _, m := range msgs {
				want := goOpenAIRequest(t, o, maxOut, m)
				if got := f.body(m); !bytes.Equal(got, want.body) {
					t.Errorf("body for %+v:\n got %s\nwant %s", cfg, got, want.body)
				}
				if got, want := f.req.URL.String(), want.req.URL.String(); got != want {
					t.Errorf("URL for %+v = %s, want %s", cfg, got, want)
				}
				if got, want := f.req.Header, want.req.Header; !reflect.DeepEqual(got, want) {
					t.Errorf("headers for %+v = %v, want %v", cfg, got, want)
				}
			}
		}
	}
}

// TestFrameKeepsGoOpenAIsRefusal: a request go-openai will not make is not made.
func TestFrameKeepsGoOpenAIsRefusal(t *testing.T) {
	o := wireWriter(t, Config{Model: "o3-mini", TokenLimitField: MaxTokens})
	if f := o.frameFor(1500); !errors.Is(f.err, openai.ErrReasoningModelMaxTokensDeprecated) {
		t.Errorf("frame error = %v, want %v", f.err, openai.ErrReasoningModelMaxTokensDeprecated)
	}
}

// TestUnsplicedFrameSendsThroughGoOpenAI: when the splice does not reproduce
// go-openai's body, Write sends through go-openai, and the requests are the same.
func TestUnsplicedFrameSendsThroughGoOpenAI(t *testing.T) {
	srv := llmtest.NewServer(t, llmtest.OK(llmtest.Sample()))
	req := Request{Title: "Bridge <approved>", Lang: "en", Text: "The council approved the bridge on Tuesday. Work starts in March & ends in May."}
	for _, splice := range []bool{true, false} {
		o := wireWriter(t, Config{BaseURL: srv.URL, APIKey: "sk-test", Model: "m"})
		if !splice {
			f := o.frameFor(o.cfg.MaxOutputTokens)
			o.frames[o.cfg.MaxOutputTokens] = &frame{req: f.req}
		}
		if _, err := o.Write(t.Context(), req); err != nil {
			t.Fatalf("Write: %v", err)
		}
	}
	calls := srv.Calls()
	boundary := regexp.MustCompile(`[0-9A-F]{18}`)
	spliced, through := boundary.ReplaceAll(calls[0].Body, nil), boundary.ReplaceAll(calls[1].Body, nil)
	if !bytes.Equal(spliced, through) || !reflect.DeepEqual(calls[0].Header, calls[1].Header) || calls[0].Target != calls[1].Target {
		t.Errorf("spliced request:\n%s %v\n%s\nthrough go-openai:\n%s %v\n%s",
			calls[0].Target, calls[0].Header, spliced, calls[1].Target, calls[1].Header, through)
	}
}
