package extractbench

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// writeCorpus lays out a tiny corpus the way the scrapinghub benchmark does.
func writeCorpus(t *testing.T, pages map[string][2]string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "html"), 0o755); err != nil {
		t.Fatal(err)
	}
	truth := map[string]map[string]string{}
	for id, p := range pages {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write([]byte(p[0]))
		zw.Close()
		if err := os.WriteFile(filepath.Join(dir, "html", id+".html.gz"), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		truth[id] = map[string]string{"articleBody": p[1], "url": "https://news.example.com/2026/" + id}
	}
	b, _ := json.Marshal(truth)
	if err := os.WriteFile(filepath.Join(dir, "ground-truth.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestRunAndReport(t *testing.T) {
	para := strings.Repeat("The council approved the new flood barrier after a long debate about its cost and height. ", 6)
	body := "<p>" + para + "</p><p>" + para + "</p><p>" + para + "</p>"
	page := `<!DOCTYPE html><html lang="en"><head><title>Barrier approved</title></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav><article><h1>Barrier approved</h1>` + body + `</article>
<footer><a href="/about">About us and our other fine publications</a></footer></body></html>`
	truth := para + "\n\n" + para + "\n\n" + para
	dir := writeCorpus(t, map[string][2]string{
		"a1": {page, truth},
		"b2": {page, truth + " An ending the extractors cannot know about at all."},
	})
	pages, err := LoadCorpus(dir)
	if err != nil {
		t.Fatalf("LoadCorpus: %v", err)
	}
	if len(pages) != 2 || pages[0].ID != "a1" || pages[1].URL != "https://news.example.com/2026/b2" {
		t.Fatalf("LoadCorpus = %d pages %+v", len(pages), pages)
	}
	rs, err := Run(t.Context(), pages, 1, Newsdesk(), Readeck())
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	for _, r := range rs {
		if r.Scores.Recall >= 1 || r.Scores.Recall < 0.8 || r.Scores.Accuracy != 0.5 {
			t.Errorf("%s scores = %+v, want recall in [0.8, 1) and accuracy 0.5", r.Name, r.Scores)
		}
		if r.MeanMS <= 0 {
			t.Errorf("%s mean time = %v, want > 0", r.Name, r.MeanMS)
		}
	}
	var out bytes.Buffer
	if err := Report(&out, len(pages), rs); err != nil {
		t.Fatalf("Report: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	last := lines[len(lines)-1]
	re := regexp.MustCompile(`^extract: F1 \d\.\d{3} P \d\.\d{3} R \d\.\d{3} acc \d\.\d{3} mean_ms \d+\.\d baseline_F1 \d\.\d{3} speed_vs_baseline \d+\.\d{2}$`)
	if !re.MatchString(last) {
		t.Errorf("last line %q does not match %s\n%s", last, re, out.String())
	}
}
