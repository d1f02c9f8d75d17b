package extract

import (
	"errors"
	"mime"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// FuzzExtract feeds arbitrary bytes to Extract: it must not panic (Extract recovers the
// libraries' panics, so a finding here is a panic in our own code or a non-*Error failure),
// must return an *Error on failure, and must return valid UTF-8 text.
//
// The seeds are small on purpose (testdata/fuzz/FuzzExtract holds more): the fuzzer minimises
// every input that finds new coverage, and minimising a page of several kilobytes through
// the whole extractor takes longer than a short CI fuzz run.
func FuzzExtract(f *testing.F) {
	f.Add([]byte("<html><body>" + strings.Repeat("<div>", 170) + "deep</body></html>"))
	f.Add([]byte("<p>" + strings.Repeat("<b><i>x", 60) + "</p>"))
	f.Add([]byte("\xff\xfe<\x00p\x00>\x00"))
	f.Add([]byte(`<meta charset="shift_jis"><p>\x82\xa0\x82\xa2</p>`))
	f.Add([]byte(`<script type="application/ld+json">{"@graph":[{"@type":"NewsArticle","author":[[[{}]]]}]}</script>`))
	u, _ := url.Parse("https://news.example.com/2026/03/story")
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 1<<20 {
			return // the fetcher caps pages; keep the fuzzer on interesting sizes
		}
		a, err := Extract(b, u)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Reason == "" {
				t.Fatalf("Extract error %T %v, want *Error with a reason", err, err)
			}
			if e.Err != nil && strings.Contains(e.Err.Error(), "extract panic") {
				t.Fatalf("an extractor panicked: %v", e.Err)
			}
		}
		if a != nil && (!utf8.ValidString(a.Text) || !utf8.ValidString(a.Title)) {
			t.Fatalf("Extract returned invalid UTF-8")
		}
	})
}

// FuzzDecodeHTML checks the charset decoder: any bytes and any declared charset give valid
// UTF-8, and valid UTF-8 without a byte-order mark comes back unchanged.
func FuzzDecodeHTML(f *testing.F) {
	f.Add([]byte("<p>Caf\xe9</p>"), "iso-8859-1")
	f.Add([]byte("<meta charset=shift_jis><p>\x93\x8c\x8b\x9e</p>"), "")
	f.Add([]byte("\xfe\xff\x00<\x00p"), "")
	f.Add([]byte("\xef\xbb\xbf<p>ok</p>"), "utf-8")
	f.Add([]byte("<p>Zürich</p>"), "windows-1252")
	f.Add([]byte("\x1b$B"), "iso-2022-jp")
	f.Add([]byte{0xff, 0xff, 0xff}, "utf-16")
	f.Fuzz(func(t *testing.T, body []byte, declared string) {
		out := decodeHTML(body, declared)
		if !utf8.Valid(out) {
			t.Fatalf("decodeHTML(%q, %q) = %q, not valid UTF-8", body, declared, out)
		}
		if utf8.Valid(body) && !strings.HasPrefix(string(body), "\ufeff") && len(body) >= 2 &&
			!(body[0] == 0xfe && body[1] == 0xff) && !(body[0] == 0xff && body[1] == 0xfe) && string(out) != string(body) {
			t.Fatalf("decodeHTML changed valid UTF-8 %q into %q", body, out)
		}
	})
}

// FuzzGuardURL checks the URL guard: whatever the host spelling, a URL the default guard lets
// through never names a non-public IP address, and checking never panics.
func FuzzGuardURL(f *testing.F) {
	for _, s := range []string{"http://127.0.0.1/", "http://2130706433/", "http://0x7f.1/", "http://[::ffff:10.0.0.1]/",
		"http://example.com/", "https://8.8.8.8/", "http://0177.0.0.01/", "http://1.2.3/", "http://[fe80::1%25lo]/", "http://a@b/",
		"http://①②⑦.0.0.1/", "http://127。0。0。1/", "http://ⅰⅹ.example/"} {
		f.Add(s)
	}
	g := &guard{ports: []uint16{80, 443}}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := url.Parse(raw)
		if err != nil {
			return
		}
		if e := g.checkURL(u); e != nil {
			return
		}
		host := u.Hostname()
		if ascii, err := idna.Lookup.ToASCII(host); err == nil {
			host = ascii // what net/http will resolve
		}
		if a, ok := parseIPHost(host); ok && !publicAddr(a) {
			t.Fatalf("checkURL accepted %q, whose host %q is the non-public address %s", raw, host, a)
		}
		if a, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil && !publicAddr(a) {
			t.Fatalf("checkURL accepted %q (%s)", raw, a)
		}
	})
}

// FuzzDecodePage checks the fetcher's content-type and charset handling together: any
// Content-Type header and body either give an HTML page in valid UTF-8 or a content_type
// error with a reason.
func FuzzDecodePage(f *testing.F) {
	f.Add("text/html; charset=iso-8859-1", []byte("<p>Caf\xe9</p>"))
	f.Add("", []byte("%PDF-1.7"))
	f.Add("", []byte("<!DOCTYPE html><p>hi</p>"))
	f.Add("application/xhtml+xml;charset=\"shift_jis\"", []byte("<p>\x93\x8c</p>"))
	f.Add("text/html; charset", []byte("<p>malformed header</p>"))
	f.Add("image/png", []byte("\x89PNG\r\n"))
	f.Add("TEXT/HTML; CHARSET=UTF-16LE", []byte("<\x00p\x00>\x00"))
	f.Fuzz(func(t *testing.T, ct string, body []byte) {
		p, e := decodePage(ct, body)
		if e != nil {
			if e.Kind != KindContentType || e.Reason == "" {
				t.Fatalf("decodePage(%q) error %+v, want a content_type error with a reason", ct, e)
			}
			return
		}
		if !utf8.Valid(p.HTML) {
			t.Fatalf("decodePage(%q, %q) HTML is not valid UTF-8", ct, body)
		}
		mt, _, _ := mime.ParseMediaType(p.ContentType)
		if mt != "text/html" && mt != "application/xhtml+xml" {
			t.Fatalf("decodePage(%q) accepted type %q", ct, p.ContentType)
		}
	})
}
