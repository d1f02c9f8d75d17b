package urlnorm

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	for _, tt := range []struct {
		in, want string
	}{
		{"https://Example.COM/News/Story", "https://example.com/News/Story"},
		{"HTTPS://example.com:443/a", "https://example.com/a"},
		{"http://example.com:80/a", "http://example.com/a"},
		{"http://example.com:8080/a", "http://example.com:8080/a"},
		{"https://example.com", "https://example.com/"},
		{"https://example.com/a#comments", "https://example.com/a"},
		{"https://example.com/a?utm_source=x&utm_medium=y&id=7", "https://example.com/a?id=7"},
		{"https://example.com/a?b=2&a=1&fbclid=zz&gclid=1", "https://example.com/a?a=1&b=2"},
		{"https://example.com./a", "https://example.com/a"},
		{"  https://example.com/a  ", "https://example.com/a"},
		{"https://bücher.example/a", "https://xn--bcher-kva.example/a"},
		{"https://[::1]:443/a", "https://[::1]/a"},
	} {
		got, err := Normalize(tt.in)
		if err != nil {
			t.Errorf("Normalize(%q) error: %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeSameArticleSameKey(t *testing.T) {
	a, _ := Normalize("https://news.example/story?id=1&utm_campaign=z#top")
	b, _ := Normalize("HTTPS://NEWS.example:443/story?id=1")
	if a != b || a == "" {
		t.Fatalf("keys differ: %q vs %q", a, b)
	}
}

func TestNormalizeRejects(t *testing.T) {
	for _, tt := range []struct {
		in, reason string
	}{
		{"", "empty"},
		{"ftp://example.com/a", "Only http and https"},
		{"file:///etc/passwd", "Only http and https"},
		{"javascript:alert(1)", "Only http and https"},
		{"example.com/a", "no scheme"},
		{"https:///path", "no host"},
		{"http:example.com", "must start with"},
		{"https://user:pw@example.com/", "user name or password"},
		{"https://example.com/" + strings.Repeat("a", 2048), "limit is 2048"},
		{"https://exa mple.com/", "spaces"},
		{"https://example.com/%zz", "could not be parsed"},
		{"httP://..", "no host"},
		{"https://news..example/", "empty label"},
		// IDNA drops characters host names ignore; what is left is checked again (fuzz).
		{"http://\u034f", "no host"},
		{"https://news.\u034f.example/", "empty label"},
	} {
		_, err := Normalize(tt.in)
		if err == nil {
			t.Errorf("Normalize(%q) accepted, want error containing %q", tt.in, tt.reason)
			continue
		}
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.reason) {
			t.Errorf("Normalize(%q) error = %q, want ErrInvalid containing %q", tt.in, err, tt.reason)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"https://example.com/a?utm_source=x#f", "http://[::1]:80/", "HTTP://A.B/%41?b=1&a=2", "https://bücher.example/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		out, err := Normalize(raw)
		if err != nil {
			return
		}
		// Normalising is idempotent: the canonical form is its own canonical form.
		again, err := Normalize(out)
		if err != nil {
			t.Fatalf("Normalize(%q) = %q, which it then rejects: %v", raw, out, err)
		}
		if again != out {
			t.Fatalf("not idempotent: %q -> %q -> %q", raw, out, again)
		}
		if len(out) > MaxLength {
			t.Fatalf("output longer than MaxLength: %d", len(out))
		}
	})
}
