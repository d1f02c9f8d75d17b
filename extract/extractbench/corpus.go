package extractbench

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
)

// Page is one corpus page: its HTML and the hand-annotated article body.
type Page struct {
	ID    string
	URL   string
	HTML  []byte
	Truth string
}

// LoadCorpus reads a corpus laid out as the scrapinghub article-extraction-benchmark:
// DIR/ground-truth.json ({id: {"articleBody", "url"}}) and DIR/html/ID.html.gz.
// Pages are returned in ID order.
func LoadCorpus(dir string) ([]Page, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "ground-truth.json"))
	if err != nil {
		return nil, fmt.Errorf("read ground truth: %w", err)
	}
	var truth map[string]struct {
		ArticleBody string `json:"articleBody"`
		URL         string `json:"url"`
	}
	if err := json.Unmarshal(raw, &truth); err != nil {
		return nil, fmt.Errorf("parse ground truth: %w", err)
	}
	pages := make([]Page, 0, len(truth))
	for id, t := range truth {
		html, err := readGzip(filepath.Join(dir, "html", id+".html.gz"))
		if err != nil {
			return nil, fmt.Errorf("page %s: %w", id, err)
		}
		pages = append(pages, Page{ID: id, URL: t.URL, HTML: html, Truth: t.ArticleBody})
	}
	sort.Slice(pages, func(i, j int) bool { return pages[i].ID < pages[j].ID })
	if len(pages) == 0 {
		return nil, fmt.Errorf("corpus %s has no pages", dir)
	}
	return pages, nil
}

func readGzip(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("gunzip %s: %w", path, err)
	}
	defer zr.Close()
	return io.ReadAll(zr)
}
