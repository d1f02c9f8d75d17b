package web

import (
	"math"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strconv"
	"time"

	"newsdesk/ratelimit"
)

// Environment variables that set the rate limits, read when the routes are built. Their
// format is ratelimit.ParseRate's: "120/m", "10/m:5", "off".
const (
	SubmitRateEnv = "NEWSDESK_SUBMIT_RATE"
	SignInRateEnv = "NEWSDESK_SIGNIN_RATE"
)

// Default limits. Submit counts requests, not URLs: a batch of 10,000 URLs is one request, so
// the limit stops a runaway script or a stolen token hammering the API, not bulk imports.
// Sign-in counts every attempt from one client address, right or wrong: ten a minute is
// plenty for a person and hopeless for guessing a 256-bit token.
var (
	DefaultSubmitRate = ratelimit.Rate{Events: 120, Per: time.Minute, Burst: 120}
	DefaultSignInRate = ratelimit.Rate{Events: 10, Per: time.Minute, Burst: 10}
)

// rateFromEnv reads a rate from the environment. A malformed value is logged and the
// default used: a typo must not switch a limit off.
func (s *Server) rateFromEnv(name string, def ratelimit.Rate) ratelimit.Rate {
	v, ok := os.LookupEnv(name)
	if !ok {
		return def
	}
	r, err := ratelimit.ParseRate(v)
	if err != nil {
		s.log.Error("ignoring malformed rate limit; using the default", "env", name, "err", err, "default", def.String())
		return def
	}
	return r
}

// limitSubmit wraps the submit handler with a per-token limit ([SubmitRateEnv]). It runs
// inside [Server.need], so the key is the authenticated token's id, never anything the
// client chose.
func (s *Server) limitSubmit(h http.HandlerFunc) http.HandlerFunc {
	return s.limitPerToken(ratelimit.New(s.rateFromEnv(SubmitRateEnv, DefaultSubmitRate), nil), h)
}

// limitPerToken refuses a token's requests beyond lim's rate with 429 and Retry-After.
func (s *Server) limitPerToken(lim *ratelimit.Limiter, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := principalFrom(r.Context())
		if ok, wait := lim.Allow("token:" + strconv.FormatInt(p.TokenID, 10)); !ok {
			s.log.Warn("rate limited", "limit", "per_token", "token_id", p.TokenID, "path", r.URL.Path)
			setRetryAfter(w, wait)
			writeJSON(w, http.StatusTooManyRequests, map[string]string{
				"error": "too many requests for this token; retry in " + strconv.Itoa(retrySeconds(wait)) + " s",
			})
			return
		}
		h(w, r)
	}
}

// LimitSignIn wraps a sign-in handler with a per-client-address limit ([SignInRateEnv]).
// Only POSTs count: showing the form is free.
func (s *Server) LimitSignIn(h http.Handler) http.Handler {
	return s.limitPerClient(ratelimit.New(s.rateFromEnv(SignInRateEnv, DefaultSignInRate), nil), h)
}

// limitPerClient refuses a client address's POSTs beyond lim's rate with 429 and
// Retry-After.
func (s *Server) limitPerClient(lim *ratelimit.Limiter, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			key := clientKey(r.RemoteAddr)
			if ok, wait := lim.Allow(key); !ok {
				s.log.Warn("rate limited", "limit", "per_client", "client", key, "path", r.URL.Path)
				setRetryAfter(w, wait)
				http.Error(w, "Too many sign-in attempts from your address. Try again in "+
					strconv.Itoa(retrySeconds(wait))+" seconds.", http.StatusTooManyRequests)
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

// clientKey is the limiter key of a connection's peer address. An IPv6 client usually holds
// a whole /64, so it is keyed by its /64: otherwise one machine could rotate addresses.
// X-Forwarded-For is not read: it is whatever the client says. Behind a reverse proxy every
// client shares the proxy's address, which makes the limit stricter, never looser.
func clientKey(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return "addr:" + host
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return "ip6:" + p.String()
	}
	return "ip4:" + ip.String()
}

func retrySeconds(d time.Duration) int { return max(1, int(math.Ceil(d.Seconds()))) }

func setRetryAfter(w http.ResponseWriter, d time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(retrySeconds(d)))
}
