package extract

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
)

// countingListener accepts and counts TCP connections on addr ("127.0.0.1:0").
func countingListener(t *testing.T, addr string) (port uint16, accepted *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen %s: %v", addr, err)
	}
	t.Cleanup(func() { ln.Close() })
	accepted = new(atomic.Int64)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	return uint16(ln.Addr().(*net.TCPAddr).Port), accepted
}

// fakeDNS stands in for DNS: names in m resolve to their addresses, any other name to
// 127.0.0.1, so a name that slipped past the guard would reach the counting listener.
func fakeDNS(m map[string][]string) func(context.Context, string) ([]netip.Addr, error) {
	return func(_ context.Context, host string) ([]netip.Addr, error) {
		ss, ok := m[strings.ToLower(host)]
		if !ok {
			ss = []string{"127.0.0.1"}
		}
		var out []netip.Addr
		for _, s := range ss {
			out = append(out, netip.MustParseAddr(s))
		}
		return out, nil
	}
}

var hostileDNS = map[string][]string{
	"rebind.example.net":   {"10.1.2.3"},
	"mixed.example.org":    {"192.168.0.10", "10.0.0.1", "::1"},
	"metadata.example.com": {"169.254.169.254"},
	"v6.example.com":       {"fd12:3456::1"},
	"cgnat.example.com":    {"100.100.100.200"},
	"mapped.example.com":   {"::ffff:169.254.169.254"},
}

// TestGuardRefusesHostileURLs checks that the default guard refuses every hostile URL with a
// clear reason and that none of them makes a connection. The counting listener's port is
// allowed, so for loopback spellings the address check alone stands between the fetch and
// the listener.
func TestGuardRefusesHostileURLs(t *testing.T) {
	port, accepted := countingListener(t, "127.0.0.1:0")
	f := NewFetcher(FetchOptions{lookup: fakeDNS(hostileDNS), ports: []uint16{80, 443, port}})
	P := fmt.Sprint(port)
	const private = "private network address"
	const internal = "local or internal host"
	hostile := []struct{ url, want string }{
		// Loopback in every spelling.
		{"http://127.0.0.1:" + P + "/", private + " (127.0.0.1)"},
		{"http://127.1:" + P + "/", private + " (127.0.0.1)"},
		{"http://2130706433:" + P + "/", private + " (127.0.0.1)"},
		{"http://0x7f000001:" + P + "/", private + " (127.0.0.1)"},
		{"http://0177.0.0.1:" + P + "/", private + " (127.0.0.1)"},
		{"http://0x7f.0.0.1:" + P + "/", private + " (127.0.0.1)"},
		{"http://127.000.000.001:" + P + "/", private + " (127.0.0.1)"},
		{"http://127.255.255.254:" + P + "/", private},
		{"http://[::1]:" + P + "/", private + " (::1)"},
		{"http://[::ffff:127.0.0.1]:" + P + "/", private + " (127.0.0.1)"},
		{"http://[::ffff:7f00:1]:" + P + "/", private + " (127.0.0.1)"},
		{"http://[0:0:0:0:0:ffff:127.0.0.1]:" + P + "/", private + " (127.0.0.1)"},
		{"http://localhost:" + P + "/", internal},
		{"http://LOCALHOST.:" + P + "/", internal},
		{"http://app.localhost:" + P + "/", internal},
		{"http://0.0.0.0:" + P + "/", private + " (0.0.0.0)"},
		{"http://0:" + P + "/", private + " (0.0.0.0)"},
		{"http://[::]:" + P + "/", private + " (::)"},
		{"http://①②⑦.0.0.1:" + P + "/", private + " (127.0.0.1)"}, // IDNA maps enclosed digits to 127
		{"http://127。0。0。1:" + P + "/", private + " (127.0.0.1)"}, // ideographic full stops
		// Private, shared and link-local ranges, cloud metadata.
		{"http://10.0.0.1/", private},
		{"http://10.255.255.255/", private},
		{"http://172.16.0.1/", private},
		{"http://172.31.255.254/", private},
		{"http://192.168.1.1/", private},
		{"http://100.64.0.1/", private},
		{"http://169.254.169.254/latest/meta-data/", private + " (169.254.169.254)"},
		{"http://169.254.169.254:80/computeMetadata/v1/", private + " (169.254.169.254)"},
		{"http://[fd00:ec2::254]/", private},
		{"http://metadata.google.internal/computeMetadata/v1/", internal},
		{"http://metadata/computeMetadata/v1/", internal},
		{"http://[fd12:3456::1]/", private},
		{"http://[fe80::1]/", private},
		{"http://[fe80::1%25eth0]/", private},
		{"http://224.0.0.1/", private},
		{"http://255.255.255.255/", private},
		{"http://[ff02::1]/", private},
		{"http://192.0.0.170/", private},
		{"http://198.18.0.1/", private},
		{"http://[64:ff9b::a9fe:a9fe]/", private},
		{"http://[2002:7f00:1::]/", private},
		// Public-looking names that resolve to private addresses (DNS rebinding).
		{"http://news.example.com:" + P + "/story", private + " (127.0.0.1)"},
		{"http://rebind.example.net/", private + " (10.1.2.3)"},
		{"http://mixed.example.org/", private},
		{"http://metadata.example.com/latest/meta-data/", private + " (169.254.169.254)"},
		{"http://v6.example.com/", private + " (fd12:3456::1)"},
		{"http://cgnat.example.com/", private + " (100.100.100.200)"},
		{"http://mapped.example.com/", private + " (169.254.169.254)"},
		// Internal names.
		{"http://intranet/", "single-label"},
		{"http://printer.local/", internal},
		{"http://router.home.arpa/", internal},
		{"http://db.internal/", internal},
		// Other schemes.
		{"file:///etc/passwd", "file: scheme"},
		{"gopher://127.0.0.1:70/_GET", "gopher: scheme"},
		{"ftp://example.com/file.txt", "ftp: scheme"},
		{"data:text/html,<h1>hi</h1>", "data: scheme"},
		{"javascript:alert(1)", "javascript: scheme"},
		{"dict://127.0.0.1:11211/stats", "dict: scheme"},
		{"//127.0.0.1/", "no scheme"},
		// Credentials in the URL.
		{"http://user:secret@example.com/", "user name or password"},
		{"http://user@news.example.com:" + P + "/", "user name or password"},
		{"http://example.com@127.0.0.1:" + P + "/", "user name or password"},
		// Odd ports.
		{"http://example.com:22/", "port 22"},
		{"http://example.com:6379/", "port 6379"},
		{"https://example.com:8443/", "port 8443"},
		{"http://example.com:0/", "invalid port"},
	}
	for _, tt := range hostile {
		t.Run(tt.url+" is refused", func(t *testing.T) {
			e := fetchErr(t, f, tt.url)
			if e.Kind != KindRefused && e.Kind != KindBadURL {
				t.Errorf("kind = %q (%s), want %q", e.Kind, e.Reason, KindRefused)
			}
			if !e.Permanent() {
				t.Errorf("a refusal must be permanent: %s", e.Reason)
			}
			if !strings.Contains(e.Reason, tt.want) {
				t.Errorf("reason = %q, want it to mention %q", e.Reason, tt.want)
			}
		})
	}
	if n := accepted.Load(); n != 0 {
		t.Errorf("the listener accepted %d connections, want 0", n)
	}
	t.Logf("%d hostile URLs refused", len(hostile))
}

// TestGuardRefusesRedirectsIntoPrivateSpace serves a redirector on 127.0.0.2 (allowed for
// this test only) that points into loopback and metadata space; the counting listener on
// 127.0.0.1 must see no connection.
func TestGuardRefusesRedirectsIntoPrivateSpace(t *testing.T) {
	port, accepted := countingListener(t, "127.0.0.1:0")
	var served atomic.Int64
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatalf("listen on 127.0.0.2: %v", err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	redirector := "http://" + ln.Addr().String() + "/?to="
	rport := uint16(ln.Addr().(*net.TCPAddr).Port)
	f := NewFetcher(FetchOptions{
		lookup:        fakeDNS(hostileDNS),
		ports:         []uint16{80, 443, port, rport},
		allowPrefixes: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")},
	})
	P := fmt.Sprint(port)
	targets := []struct{ to, want string }{
		{"http://127.0.0.1:" + P + "/", "private network address (127.0.0.1)"},
		{"http://[::1]:" + P + "/", "private network address (::1)"},
		{"http://169.254.169.254/latest/meta-data/", "private network address (169.254.169.254)"},
		{"http://news.example.com:" + P + "/", "private network address (127.0.0.1)"},
		{"http://2130706433:" + P + "/", "private network address (127.0.0.1)"},
		{"http://metadata.google.internal/", "local or internal host"},
		{"file:///etc/passwd", "file: scheme"},
		{"http://user:pw@news.example.com:" + P + "/", "user name or password"},
	}
	for _, tt := range targets {
		t.Run("a redirect to "+tt.to+" is refused", func(t *testing.T) {
			before := served.Load()
			e := fetchErr(t, f, redirector+tt.to)
			if served.Load() != before+1 {
				t.Fatalf("the redirector was not reached; the test proves nothing")
			}
			if e.Kind != KindRefused || !strings.Contains(e.Reason, tt.want) {
				t.Errorf("error = %q %q, want %q mentioning %q", e.Kind, e.Reason, KindRefused, tt.want)
			}
		})
	}
	if n := accepted.Load(); n != 0 {
		t.Errorf("the listener accepted %d connections, want 0", n)
	}
}

// TestGuardAllowPrivate checks the switch tests and intranets use, and that the listener
// really counts: without it the same fetch connects.
func TestGuardAllowPrivate(t *testing.T) {
	port, accepted := countingListener(t, "127.0.0.1:0")
	f := NewFetcher(FetchOptions{AllowPrivate: true})
	_, err := f.Fetch(t.Context(), fmt.Sprintf("http://127.0.0.1:%d/", port))
	if err == nil {
		t.Fatal("Fetch from a listener that hangs up succeeded")
	}
	if n := accepted.Load(); n != 1 {
		t.Errorf("with AllowPrivate the listener accepted %d connections, want 1", n)
	}
}

func TestPublicAddr(t *testing.T) {
	for _, tt := range []struct {
		addr string
		want bool
	}{
		{"8.8.8.8", true},
		{"1.1.1.1", true},
		{"93.184.215.14", true},
		{"2606:4700:4700::1111", true},
		{"::ffff:8.8.8.8", true},
		{"127.0.0.1", false},
		{"10.0.0.1", false},
		{"100.64.0.1", false},
		{"169.254.169.254", false},
		{"192.0.2.1", false},
		{"::ffff:10.0.0.1", false},
		{"fc00::1", false},
		{"2001:db8::1", false},
		{"2001::1", false}, // Teredo
	} {
		if got := publicAddr(netip.MustParseAddr(tt.addr)); got != tt.want {
			t.Errorf("publicAddr(%s) = %v, want %v", tt.addr, got, tt.want)
		}
	}
}

// TestGuardControlHook dials through the dialer alone, skipping the fetcher's own pre-check:
// the Control hook must still stop the connection on the socket.
func TestGuardControlHook(t *testing.T) {
	port, accepted := countingListener(t, "127.0.0.1:0")
	f := NewFetcher(FetchOptions{ports: []uint16{port}})
	for _, addr := range []string{fmt.Sprintf("127.0.0.1:%d", port), fmt.Sprintf("[::ffff:127.0.0.1]:%d", port)} {
		c, err := f.dialer.DialContext(t.Context(), "tcp", addr)
		if err == nil {
			c.Close()
			t.Errorf("dial %s succeeded, want the guard's refusal", addr)
			continue
		}
		var ge *guardError
		if !errors.As(err, &ge) {
			t.Errorf("dial %s error = %v, want a guard refusal", addr, err)
		}
	}
	if n := accepted.Load(); n != 0 {
		t.Errorf("the listener accepted %d connections, want 0", n)
	}
}

// TestFetchIgnoresProxyEnvironment checks that proxies from the environment are not used:
// with a proxy, the guard would check the proxy's address instead of the target's.
func TestFetchIgnoresProxyEnvironment(t *testing.T) {
	proxyPort, proxied := countingListener(t, "127.0.0.1:0")
	t.Setenv("HTTP_PROXY", fmt.Sprintf("http://127.0.0.1:%d", proxyPort))
	t.Setenv("HTTPS_PROXY", fmt.Sprintf("http://127.0.0.1:%d", proxyPort))
	t.Setenv("NO_PROXY", "")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<p>direct</p>"))
	}))
	defer srv.Close()
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	f := NewFetcher(FetchOptions{AllowPrivate: true, lookup: fakeDNS(nil)})
	p, err := f.Fetch(t.Context(), fmt.Sprintf("http://news.example.com:%d/", port))
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if !strings.Contains(string(p.HTML), "direct") {
		t.Errorf("Fetch = %q, want the page served directly", p.HTML)
	}
	if n := proxied.Load(); n != 0 {
		t.Errorf("the proxy from the environment received %d connections, want 0", n)
	}
}
