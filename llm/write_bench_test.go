package llm_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"newsdesk/llm"
	"newsdesk/llm/llmtest"
)

// benchArticle is shaped like the pages of bench pipeline: twelve paragraphs, about
// 2,700 bytes.
func benchArticle() llm.Request {
	return llm.Request{
		Title:    llmtest.NewsTitle("000042"),
		Byline:   llmtest.NewsByline,
		SiteName: llmtest.NewsSiteName,
		Lang:     "en",
		Text:     strings.Join(llmtest.NewsParagraphs("000042"), "\n\n"),
	}
}

// BenchmarkWrite is one draft of a bench pipeline article, as the summarise worker asks
// for it. "client" answers every request with the same recorded bytes, so that what it
// measures is the client; "light" answers with bench pipeline's fake model, in process.
func BenchmarkWrite(b *testing.B) {
	req := benchArticle()
	// The answer the fake model gives to this article, recorded once.
	rec := httptest.NewRecorder()
	llmtest.Grounded()(rec, benchCall(b, req))
	answer := rec.Body.Bytes()

	for _, tt := range []struct {
		name string
		h    http.Handler
	}{
		{"client", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(answer)
		})},
		{"light", llmtest.NewLightHandler(llmtest.Grounded())},
	} {
		b.Run(tt.name, func(b *testing.B) {
			srv := httptest.NewServer(tt.h)
			defer srv.Close()
			w := benchWriter(b, srv.URL+"/v1")
			b.ReportAllocs()
			for b.Loop() {
				if _, err := w.Write(b.Context(), req); err != nil {
					b.Fatalf("Write: %v", err)
				}
			}
		})
	}
}

func benchWriter(b *testing.B, url string) *llm.OpenAI {
	b.Helper()
	w, err := llm.NewOpenAI(llm.Config{
		BaseURL: url, APIKey: "bench", Model: "bench-model", Timeout: 5 * time.Second,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		b.Fatal(err)
	}
	return w
}

// benchCall makes the call the fake model sees for req, by sending it once to a
// recording server.
func benchCall(b *testing.B, req llm.Request) *llmtest.Call {
	b.Helper()
	srv := llmtest.NewServer(b, llmtest.Grounded())
	if _, err := benchWriter(b, srv.URL).Write(b.Context(), req); err != nil {
		b.Fatalf("Write: %v", err)
	}
	return srv.Calls()[0]
}
