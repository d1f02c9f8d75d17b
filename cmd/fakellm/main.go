// Command fakellm is an OpenAI-compatible server for demos and fault drills on a machine with
// no model: it answers chat completions in the real wire format with a summary built from the
// article's own sentences. It is a stand-in for a provider, never part of a deployment.
//
//	go run ./cmd/fakellm -addr 127.0.0.1:9090 [-latency 2s] [-fail 0.1]
//	OPENAI_BASE_URL=http://127.0.0.1:9090/v1 OPENAI_API_KEY=x make run
package main

import (
	"context"
	"flag"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"regexp"
	"time"

	"newsdesk/llm"
	"newsdesk/llm/llmtest"
)

var articleRe = regexp.MustCompile(`(?s)<<<ARTICLE ([^>]+)>>>(.*?)<<<END ARTICLE `)

func main() {
	addr := flag.String("addr", "127.0.0.1:9090", "listen address")
	latency := flag.Duration("latency", 0, "delay before each answer")
	fail := flag.Float64("fail", 0, "share of requests answered 503 (0..1)")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))

	ext := llm.NewExtractive()
	answer := func(w http.ResponseWriter, c *llmtest.Call) {
		if *latency > 0 {
			time.Sleep(*latency)
		}
		if rand.Float64() < *fail {
			llmtest.ServerError(http.StatusServiceUnavailable)(w, c)
			return
		}
		text := c.User()
		if m := articleRe.FindStringSubmatch(text); m != nil {
			text = m[2]
		}
		res, err := ext.Write(context.Background(), llm.Request{Text: text})
		if err != nil {
			llmtest.Insufficient("the text has fewer than three full sentences")(w, c)
			return
		}
		llmtest.OK(res.Summary)(w, c)
	}
	rec := llmtest.NewHandler(answer)
	log.Info("fake OpenAI-compatible server", "base_url", "http://"+*addr+"/v1")
	srv := &http.Server{Addr: *addr, Handler: rec, ReadHeaderTimeout: 5 * time.Second}
	if err := srv.ListenAndServe(); err != nil {
		log.Error("serve", "err", err)
		os.Exit(1)
	}
}
