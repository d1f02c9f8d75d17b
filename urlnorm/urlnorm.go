// Package urlnorm turns the article URLs editors paste into one canonical form, so that the
// same article submitted twice (with a different tracking tag, fragment or host case) is
// recognised as the same article.
package urlnorm

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"sort"
	"strings"

	"golang.org/x/net/idna"
)

// MaxLength is the longest URL newsdesk accepts, in bytes.
const MaxLength = 2048

// Error explains to an editor why a URL was not accepted.
type Error struct{ Reason string }

func (e *Error) Error() string { return e.Reason }

// ErrInvalid matches every [*Error] with errors.Is.
var ErrInvalid = errors.New("urlnorm: invalid URL")

// Is reports whether target is [ErrInvalid].
func (e *Error) Is(target error) bool { return target == ErrInvalid }

func invalid(format string, args ...any) error { return &Error{Reason: fmt.Sprintf(format, args...)} }

// trackingParams are query parameters that identify a campaign or a click, never an article.
var trackingParams = map[string]bool{
	"fbclid": true, "gclid": true, "dclid": true, "gbraid": true, "wbraid": true, "msclkid": true,
	"yclid": true, "igshid": true, "mc_cid": true, "mc_eid": true, "_ga": true, "_gl": true,
	"ref_src": true, "ref_url": true, "ocid": true, "cmpid": true, "s_cid": true, "__twitter_impression": true,
	"at_medium": true, "at_campaign": true, "at_custom1": true, "at_custom2": true, "at_custom3": true, "at_custom4": true,
	"smid": true, "smtyp": true, "sr_share": true, "share": true, "ito": true, "cid": false,
}

func isTracking(key string) bool {
	k := strings.ToLower(key)
	return strings.HasPrefix(k, "utm_") || strings.HasPrefix(k, "hsa_") || trackingParams[k]
}

// checkHost refuses an empty host name or one with an empty label.
func checkHost(host string) error {
	if host == "" {
		return invalid("The URL has no host name.")
	}
	if strings.HasPrefix(host, ".") || strings.Contains(host, "..") {
		return invalid("The host name %q has an empty label.", host)
	}
	return nil
}

// Normalize validates raw and returns its canonical form: scheme and host lower-cased, IDN
// hosts in punycode, default ports and fragments removed, tracking parameters dropped and the
// remaining query parameters sorted. It returns an [*Error] with a reason an editor
// understands when raw is not an absolute http(s) URL.
func Normalize(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", invalid("The URL is empty.")
	}
	if len(raw) > MaxLength {
		return "", invalid("The URL is %d bytes long; the limit is %d.", len(raw), MaxLength)
	}
	if strings.ContainsAny(raw, " \t\r\n\x00") {
		return "", invalid("The URL contains spaces or control characters.")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", invalid("The URL could not be parsed: %v.", strings.TrimPrefix(err.Error(), "parse "))
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		if scheme == "" {
			return "", invalid("The URL has no scheme; it must start with http:// or https://.")
		}
		return "", invalid("Only http and https URLs can be summarised, not %s:.", scheme)
	}
	if u.Opaque != "" {
		return "", invalid("The URL must start with %s:// followed by a host name.", scheme)
	}
	if u.User != nil {
		return "", invalid("URLs with a user name or password are not accepted.")
	}
	host := strings.TrimRight(strings.ToLower(u.Hostname()), ".")
	if err := checkHost(host); err != nil {
		return "", err
	}
	if net.ParseIP(host) == nil {
		ascii, err := idna.Lookup.ToASCII(host)
		if err != nil {
			return "", invalid("The host name %q is not valid.", host)
		}
		// The mapping drops characters that host names ignore (U+034F, say), so what is
		// left must pass the same checks: "http://\u034f" has no host at all.
		host = strings.TrimRight(ascii, ".")
		if err := checkHost(host); err != nil {
			return "", err
		}
	}
	port := u.Port()
	if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		port = ""
	}
	hostport := host
	if strings.Contains(host, ":") {
		hostport = "[" + host + "]"
	}
	if port != "" {
		hostport += ":" + port
	}

	q := u.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		if !isTracking(k) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		vals := q[k]
		sort.Strings(vals)
		for _, v := range vals {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(url.QueryEscape(k))
			if v != "" {
				b.WriteByte('=')
				b.WriteString(url.QueryEscape(v))
			}
		}
	}

	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	out := scheme + "://" + hostport + path
	if b.Len() > 0 {
		out += "?" + b.String()
	}
	if len(out) > MaxLength {
		return "", invalid("The URL is %d bytes long; the limit is %d.", len(out), MaxLength)
	}
	return out, nil
}
