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
	paras := []string{
		"The harbour authority on Thursday published flood defence plan 000042, a set of measures meant to protect the old town and the container terminal from storm surges that have grown more frequent over the past decade.",
		"Plan 000042 proposes raising the sea wall along the eastern quay by eighty centimetres, installing four new pumping stations and replacing the lock gates at the mouth of the inner basin, which date from the nineteen fifties.",
		"The authority estimates that the work in plan 000042 will cost one hundred and twenty million euros over six years. About half would come from the national climate adaptation fund, according to documents released with the plan.",
		"Officials said the measures in plan 000042 were drawn up after the storm of last February, when water overtopped the quay in three places and flooded more than two hundred homes and shops in the lower streets.",
		"Shopkeepers in the old town welcomed plan 000042 but asked for the works to be scheduled outside the summer season. Several said the February flood had cost them weeks of trade and thousands of euros in repairs.",
		"Environmental groups raised concerns about plan 000042 and its effect on the salt marsh north of the harbour, where the new pumping stations would discharge. They asked for an independent study before construction begins.",
		"The port's container operator said it supported plan 000042 because a single day of closure costs shipping lines and hauliers several million euros. It said it would contribute to the cost of the new lock gates.",
		"Under plan 000042, the first phase would begin next spring with the eastern quay. The lock gates would follow in the third year, when ships can be diverted to the outer terminal for a period of about four months.",
		"The city council must approve plan 000042 before the national fund can release money. A vote is expected in January, after a period of public consultation during which residents can comment on the proposals.",
		"Engineers who reviewed plan 000042 for the authority said the higher wall would cope with the storms expected by the middle of the century, but that further measures would likely be needed after that.",
		"Residents can read plan 000042 at the town hall and at the harbour office, and a public meeting is scheduled for the second week of December in the old fish market hall.",
		"The authority said it would publish monthly progress reports on plan 000042 once work starts, including costs and any delays, so that residents and businesses can follow the project.",
	}
	return llm.Request{
		Title:    "Harbour authority sets out flood plan 000042",
		Byline:   "By Morgan Tide, coastal affairs correspondent",
		SiteName: "The Bench Courier",
		Lang:     "en",
		Text:     strings.Join(paras, "\n\n"),
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
