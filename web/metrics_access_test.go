package web

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"newsdesk/store"
	"newsdesk/testenv"
)

func TestMetricsOpenOnLoopbackOnly(t *testing.T) {
	db := store.New(testenv.Pool(t))
	s := New(db, nil, Config{Metrics: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("m 1\n")) })})
	h := s.Handler()
	for _, tt := range []struct {
		name, remote, forwarded string
		want                    int
	}{
		{"a scraper on this machine", "127.0.0.1:4000", "", http.StatusOK},
		{"a scraper on IPv6 loopback", "[::1]:4000", "", http.StatusOK},
		{"another machine without a token", "192.0.2.7:4000", "", http.StatusUnauthorized},
		{"a request relayed by a local proxy", "127.0.0.1:4000", "198.51.100.9", http.StatusUnauthorized},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/metrics", nil)
			r.RemoteAddr = tt.remote
			if tt.forwarded != "" {
				r.Header.Set("X-Forwarded-For", tt.forwarded)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.want {
				t.Fatalf("status %d, want %d", w.Code, tt.want)
			}
		})
	}
}
