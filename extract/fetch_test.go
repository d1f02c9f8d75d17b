package extract

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
)

// fetchErr fetches u and returns the *Error, failing the test on success or another type.
func fetchErr(t *testing.T, f *Fetcher, u string) *Error {
	t.Helper()
	p, err := f.Fetch(t.Context(), u)
	if err == nil {
		t.Fatalf("Fetch(%s) = page of %d bytes, want an error", u, len(p.HTML))
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Fetch(%s) error %T %v, want *Error", u, err, err)
	}
	if e.Reason == "" || !strings.HasSuffix(e.Reason, ".") {
		t.Errorf("Fetch(%s) reason %q is not a sentence", u, e.Reason)
	}
	return e
}

func TestFetchDecodesCharsets(t *testing.T) {
	latin1, err := charmap.ISO8859_1.NewEncoder().Bytes([]byte("<html><body><p>Café déjà vu, naïve façade.</p></body></html>"))
	if err != nil {
		t.Fatal(err)
	}
	sjis, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte(`<html><head><meta charset="Shift_JIS"></head><body><p>東京の天気は晴れです。</p></body></html>`))
	if err != nil {
		t.Fatal(err)
	}
	// A Latin-1 page whose <meta> comes after 1024 bytes of padding: only the header names it.
	padded, err := charmap.Windows1252.NewEncoder().Bytes([]byte("<html><head>" + strings.Repeat("<!-- pad -->", 200) + "</head><body><p>Grüße aus Köln – “quoted”</p></body></html>"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, contentType string
		body              []byte
		want              string
	}{
		{"ISO-8859-1 named in the header", "text/html; charset=ISO-8859-1", latin1, "Café déjà vu, naïve façade."},
		{"Shift_JIS named in a meta tag", "text/html", sjis, "東京の天気は晴れです。"},
		{"windows-1252 named in the header", "text/html; charset=windows-1252", padded, "Grüße aus Köln – “quoted”"},
		{"UTF-8 mislabelled as ISO-8859-1 stays UTF-8", "text/html; charset=iso-8859-1", []byte("<p>Zürich – naïve</p>"), "Zürich – naïve"},
		{"a UTF-8 byte-order mark wins", "text/html; charset=shift_jis", []byte("\xef\xbb\xbf<p>Øresund</p>"), "<p>Øresund</p>"},
		{"XHTML is accepted", "application/xhtml+xml; charset=utf-8", []byte("<html><body><p>ok</p></body></html>"), "<p>ok</p>"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				w.Write(tt.body)
			}))
			defer srv.Close()
			p, err := NewFetcher(FetchOptions{AllowPrivate: true}).Fetch(t.Context(), srv.URL+"/a")
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if !bytes.Contains(p.HTML, []byte(tt.want)) {
				t.Errorf("Fetch HTML = %q, want it to contain %q", p.HTML, tt.want)
			}
			if p.URL != srv.URL+"/a" || p.ContentType != tt.contentType {
				t.Errorf("Fetch = URL %q type %q, want %q %q", p.URL, p.ContentType, srv.URL+"/a", tt.contentType)
			}
		})
	}
}

func TestFetchSniffsMissingContentType(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = nil // stop net/http from setting one
		if r.URL.Path == "/pdf" {
			w.Write([]byte("%PDF-1.7\n%âãÏÓ\n1 0 obj"))
			return
		}
		w.Write([]byte("<!DOCTYPE html><html><body><p>hello</p></body></html>"))
	}))
	defer srv.Close()
	f := NewFetcher(FetchOptions{AllowPrivate: true})
	p, err := f.Fetch(t.Context(), srv.URL+"/html")
	if err != nil {
		t.Fatalf("Fetch of an untyped HTML page: %v", err)
	}
	if !strings.HasPrefix(p.ContentType, "text/html") {
		t.Errorf("sniffed type = %q, want text/html", p.ContentType)
	}
	if e := fetchErr(t, f, srv.URL+"/pdf"); e.Kind != KindContentType {
		t.Errorf("untyped PDF kind = %q (%s), want %q", e.Kind, e.Reason, KindContentType)
	}
}

func TestFetchRedirects(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/hop/{n}", func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscan(r.PathValue("n"), &n)
		if n == 0 {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<p>arrived</p>"))
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/hop/%d", n-1), http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	f := NewFetcher(FetchOptions{AllowPrivate: true})

	t.Run("five redirects are followed", func(t *testing.T) {
		p, err := f.Fetch(t.Context(), srv.URL+"/hop/5")
		if err != nil {
			t.Fatalf("Fetch: %v", err)
		}
		if p.URL != srv.URL+"/hop/0" || !bytes.Contains(p.HTML, []byte("arrived")) {
			t.Errorf("Fetch = %s %q, want the final page", p.URL, p.HTML)
		}
	})
	t.Run("six redirects are refused", func(t *testing.T) {
		e := fetchErr(t, f, srv.URL+"/hop/6")
		if e.Kind != KindTooManyRedirects || !e.Permanent() {
			t.Errorf("kind = %q permanent %v (%s), want permanent %q", e.Kind, e.Permanent(), e.Reason, KindTooManyRedirects)
		}
	})
	t.Run("a redirect to another scheme is refused", func(t *testing.T) {
		mux.HandleFunc("/to-ftp", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "ftp://example.com/file.txt", http.StatusMovedPermanently)
		})
		e := fetchErr(t, f, srv.URL+"/to-ftp")
		if e.Kind != KindRefused || !strings.Contains(e.Reason, "redirects") {
			t.Errorf("kind = %q (%s), want %q about the redirect", e.Kind, e.Reason, KindRefused)
		}
	})
}

func TestFetchStatusAndContentType(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/missing":
			http.NotFound(w, r)
		case "/gone":
			w.WriteHeader(http.StatusGone)
		case "/busy":
			w.Header().Set("Retry-After", "30")
			w.WriteHeader(http.StatusTooManyRequests)
		case "/broken":
			w.WriteHeader(http.StatusServiceUnavailable)
		case "/forbidden":
			w.WriteHeader(http.StatusForbidden)
		case "/report.pdf":
			w.Header().Set("Content-Type", "application/pdf")
			w.Write([]byte("%PDF-1.7"))
		case "/photo":
			w.Header().Set("Content-Type", "image/jpeg")
			w.Write([]byte{0xff, 0xd8, 0xff})
		case "/feed":
			w.Header().Set("Content-Type", "application/rss+xml")
			w.Write([]byte("<rss/>"))
		}
	}))
	defer srv.Close()
	f := NewFetcher(FetchOptions{AllowPrivate: true})
	for _, tt := range []struct {
		path, kind, reason string
		permanent          bool
	}{
		{"/missing", KindHTTPStatus, "The server answered 404 Not Found.", true},
		{"/gone", KindHTTPStatus, "The server answered 410 Gone.", true},
		{"/forbidden", KindHTTPStatus, "403 Forbidden", true},
		{"/busy", KindHTTPStatus, "429 Too Many Requests", false},
		{"/broken", KindHTTPStatus, "503 Service Unavailable", false},
		{"/report.pdf", KindContentType, "The link points to a PDF (application/pdf), not a web page.", true},
		{"/photo", KindContentType, "an image (image/jpeg)", true},
		{"/feed", KindContentType, "application/rss+xml", true},
	} {
		t.Run(tt.path+" is reported", func(t *testing.T) {
			e := fetchErr(t, f, srv.URL+tt.path)
			if e.Kind != tt.kind || !strings.Contains(e.Reason, tt.reason) || e.Permanent() != tt.permanent {
				t.Errorf("error = kind %q reason %q permanent %v, want %q %q %v", e.Kind, e.Reason, e.Permanent(), tt.kind, tt.reason, tt.permanent)
			}
		})
	}
}

func TestFetchLimits(t *testing.T) {
	var bomb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	zw.Write([]byte("<html><body>"))
	zeros := make([]byte, 1<<20)
	for range 64 { // 64 MiB of zeros in about 64 KiB
		zw.Write(zeros)
	}
	zw.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		switch r.URL.Path {
		case "/big":
			w.Write(bytes.Repeat([]byte("<p>filler text</p>"), 200))
		case "/big-chunked":
			for range 200 {
				w.Write([]byte("<p>filler text</p>"))
				w.(http.Flusher).Flush()
			}
		case "/bomb":
			if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
				t.Errorf("request Accept-Encoding = %q, want the transport's gzip", r.Header.Get("Accept-Encoding"))
			}
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(bomb.Bytes())
		case "/huge-header":
			w.Header().Set("X-Padding", strings.Repeat("a", 100<<10))
			w.Write([]byte("<p>hi</p>"))
		case "/slow":
			select {
			case <-time.After(5 * time.Second):
			case <-r.Context().Done():
			}
		}
	}))
	defer srv.Close()

	t.Run("a body over the cap is refused", func(t *testing.T) {
		f := NewFetcher(FetchOptions{AllowPrivate: true, MaxBytes: 1000})
		for _, p := range []string{"/big", "/big-chunked"} {
			if e := fetchErr(t, f, srv.URL+p); e.Kind != KindTooLarge || !e.Permanent() {
				t.Errorf("%s: kind = %q (%s), want permanent %q", p, e.Kind, e.Reason, KindTooLarge)
			}
		}
	})
	t.Run("a gzip bomb is capped after decompression", func(t *testing.T) {
		f := NewFetcher(FetchOptions{AllowPrivate: true})
		start := time.Now()
		e := fetchErr(t, f, srv.URL+"/bomb")
		if e.Kind != KindTooLarge || !strings.Contains(e.Reason, "5 MiB") {
			t.Errorf("kind = %q (%s), want %q naming 5 MiB", e.Kind, e.Reason, KindTooLarge)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("the bomb took %s to refuse; the cap should stop it early", d)
		}
	})
	t.Run("response headers over 64 KiB are refused", func(t *testing.T) {
		e := fetchErr(t, NewFetcher(FetchOptions{AllowPrivate: true}), srv.URL+"/huge-header")
		if e.Kind != KindTooLarge {
			t.Errorf("kind = %q (%s), want %q", e.Kind, e.Reason, KindTooLarge)
		}
	})
	t.Run("a slow server times out and may be retried", func(t *testing.T) {
		e := fetchErr(t, NewFetcher(FetchOptions{AllowPrivate: true, Timeout: 300 * time.Millisecond}), srv.URL+"/slow")
		if e.Kind != KindTimeout || e.Permanent() {
			t.Errorf("kind = %q permanent %v (%s), want transient %q", e.Kind, e.Permanent(), e.Reason, KindTimeout)
		}
	})
}

// A burst from one site keeps one connection per extract slot instead of opening a new one
// (a TCP and TLS handshake) for most pages.
func TestFetchReusesConnectionsToOneSite(t *testing.T) {
	const slots, waves = 8, 4
	var opened atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(20 * time.Millisecond) // so that a wave's fetches overlap
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<!DOCTYPE html><html><body><p>hello</p></body></html>"))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			opened.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	f := NewFetcher(FetchOptions{AllowPrivate: true})
	for w := range waves {
		var wg sync.WaitGroup
		for i := range slots {
			wg.Go(func() {
				if _, err := f.Fetch(t.Context(), fmt.Sprintf("%s/%d/%d", srv.URL, w, i)); err != nil {
					t.Errorf("Fetch: %v", err)
				}
			})
		}
		wg.Wait()
	}
	if n := opened.Load(); n > slots {
		t.Errorf("%d waves of %d fetches opened %d connections, want at most %d", waves, slots, n, slots)
	}
}
