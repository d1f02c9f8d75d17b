package logctx

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
)

func TestContextAttributesReachEveryLine(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(Handler{slog.NewTextHandler(&buf, nil)})
	ctx := With(context.Background(), "article_id", "a1", "stage", "summarise")
	ctx = With(ctx, "attempt", 2)
	log.InfoContext(ctx, "model request failed; retrying")
	log.Info("no context, no attributes")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("lines = %q", lines)
	}
	for _, want := range []string{"article_id=a1", "stage=summarise", "attempt=2"} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("line %q lacks %s", lines[0], want)
		}
	}
	if strings.Contains(lines[1], "article_id") {
		t.Errorf("attributes leaked into a line without the context: %q", lines[1])
	}
}
