package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// apiClient talks to a running newsdesk over its HTTP API.
type apiClient struct {
	base  string
	token string
	http  *http.Client
}

func newAPIClient(getenv func(string) string, server, token string) (*apiClient, error) {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return nil, err
	}
	if server == "" {
		server = getenv("NEWSDESK_URL")
	}
	if server == "" {
		server = "http://" + cfg.Addr
	}
	if token == "" {
		token = getenv("NEWSDESK_TOKEN")
	}
	if token == "" {
		token = cfg.AdminToken
	}
	if token == "" {
		if b, err := os.ReadFile(filepath.Join(cfg.DataDir, "admin-token")); err == nil {
			token = strings.TrimSpace(string(b))
		}
	}
	if token == "" {
		return nil, errors.New("no token: set NEWSDESK_TOKEN (create one with `newsdesk token create`)")
	}
	return &apiClient{base: strings.TrimRight(server, "/"), token: token, http: &http.Client{Timeout: 60 * time.Second}}, nil
}

func (c *apiClient) do(ctx context.Context, method, path string, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode >= 400 {
		var e struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(raw, &e)
		if e.Error == "" {
			e.Error = strings.TrimSpace(string(raw))
		}
		return resp.StatusCode, fmt.Errorf("%s %s: %d: %s", method, path, resp.StatusCode, e.Error)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: decode: %w", method, path, err)
		}
	}
	return resp.StatusCode, nil
}

func submit(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("submit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	wait := fs.Bool("wait", false, "wait until every article has a draft or has failed, showing progress")
	server := fs.String("server", "", "newsdesk base URL (NEWSDESK_URL; default http://NEWSDESK_ADDR)")
	token := fs.String("token", "", "API token (NEWSDESK_TOKEN)")
	timeout := fs.Duration("timeout", 30*time.Minute, "with --wait, give up after this long")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	var urls []string
	for _, a := range fs.Args() {
		if a == "-" {
			sc := bufio.NewScanner(stdin)
			sc.Buffer(make([]byte, 64<<10), 1<<20)
			for sc.Scan() {
				if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
					urls = append(urls, line)
				}
			}
			if err := sc.Err(); err != nil {
				return fmt.Errorf("read stdin: %w", err)
			}
			continue
		}
		urls = append(urls, a)
	}
	if len(urls) == 0 {
		fmt.Fprintln(stderr, "usage: newsdesk submit [--wait] URL... | -")
		return errUsage
	}
	c, err := newAPIClient(getenv, *server, *token)
	if err != nil {
		return err
	}
	type item struct {
		ID      string `json:"id"`
		URL     string `json:"url"`
		Status  string `json:"status"`
		Created bool   `json:"created"`
	}
	var all []item
	for start := 0; start < len(urls); start += 10_000 {
		var res struct {
			Articles []item `json:"articles"`
		}
		if _, err := c.do(ctx, http.MethodPost, "/api/v1/articles", map[string]any{"urls": urls[start:min(start+10_000, len(urls))]}, &res); err != nil {
			return err
		}
		all = append(all, res.Articles...)
	}
	for _, it := range all {
		note := "new"
		if !it.Created {
			note = "already submitted"
		}
		fmt.Fprintf(stdout, "%s\t%s\t%s\t%s\n", it.ID, it.Status, note, it.URL)
	}
	if !*wait {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	done := map[string]string{}
	last := ""
	for len(done) < len(all) {
		counts := map[string]int{}
		for _, it := range all {
			if _, ok := done[it.ID]; ok {
				counts[done[it.ID]]++
				continue
			}
			var a struct {
				Status string `json:"status"`
				Error  string `json:"error"`
				Title  string `json:"title"`
			}
			if _, err := c.do(ctx, http.MethodGet, "/api/v1/articles/"+it.ID, nil, &a); err != nil {
				return err
			}
			counts[a.Status]++
			switch a.Status {
			case "queued", "extracting", "summarising":
			case "failed":
				done[it.ID] = a.Status
				fmt.Fprintf(stdout, "failed\t%s\t%s\n", it.URL, a.Error)
			default:
				done[it.ID] = a.Status
				fmt.Fprintf(stdout, "%s\t%s\t%s\n", a.Status, it.URL, a.Title)
			}
		}
		line := fmt.Sprintf("progress: %d/%d done (queued %d, extracting %d, summarising %d, draft %d, failed %d)",
			len(done), len(all), counts["queued"], counts["extracting"], counts["summarising"], counts["draft"], counts["failed"])
		if line != last {
			fmt.Fprintln(stderr, line)
			last = line
		}
		if len(done) == len(all) {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("gave up waiting: %w", ctx.Err())
		case <-time.After(time.Second):
		}
	}
	failed := 0
	for _, s := range done {
		if s == "failed" {
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d articles failed", failed, len(all))
	}
	return nil
}
