package extract

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/net/idna"
)

// deniedPrefixes are the address ranges a default Fetcher never connects to: everything that
// is not a public unicast address (IANA special-purpose registries, IPv4 and IPv6).
var deniedPrefixes = func() []netip.Prefix {
	var ps []netip.Prefix
	for _, s := range []string{
		// IPv4
		"0.0.0.0/8",       // "this network"
		"10.0.0.0/8",      // RFC 1918
		"100.64.0.0/10",   // CGNAT, RFC 6598
		"127.0.0.0/8",     // loopback
		"169.254.0.0/16",  // link-local, cloud metadata
		"172.16.0.0/12",   // RFC 1918
		"192.0.0.0/24",    // IETF protocol assignments
		"192.0.2.0/24",    // TEST-NET-1
		"192.31.196.0/24", // AS112
		"192.52.193.0/24", // AMT
		"192.88.99.0/24",  // 6to4 relay anycast
		"192.168.0.0/16",  // RFC 1918
		"192.175.48.0/24", // AS112 direct delegation
		"198.18.0.0/15",   // benchmarking
		"198.51.100.0/24", // TEST-NET-2
		"203.0.113.0/24",  // TEST-NET-3
		"224.0.0.0/4",     // multicast
		"240.0.0.0/4",     // reserved, includes broadcast
		// IPv6
		"::/128",         // unspecified
		"::1/128",        // loopback
		"::ffff:0:0/96",  // IPv4-mapped (checked after Unmap; kept for safety)
		"::/96",          // IPv4-compatible (deprecated)
		"64:ff9b::/96",   // NAT64 well-known prefix
		"64:ff9b:1::/48", // local-use NAT64
		"100::/64",       // discard-only
		"2001::/23",      // IETF protocol assignments, includes Teredo
		"2001:db8::/32",  // documentation
		"2002::/16",      // 6to4: can embed any IPv4 address
		"3fff::/20",      // documentation
		"5f00::/16",      // SRv6 SIDs
		"fc00::/7",       // unique local
		"fe80::/10",      // link-local
		"fec0::/10",      // site-local (deprecated)
		"ff00::/8",       // multicast
	} {
		ps = append(ps, netip.MustParsePrefix(s))
	}
	return ps
}()

// deniedNames are host names refused before any lookup: they name the machine itself or a
// cloud metadata service, and a clear reason beats a confusing DNS error.
var deniedNames = []string{"localhost", "metadata.google.internal", "metadata", "instance-data"}

// deniedSuffixes are DNS suffixes reserved for local or internal use.
var deniedSuffixes = []string{".localhost", ".local", ".internal", ".home.arpa", ".localdomain", ".intranet", ".lan"}

// errRefusedAddress is the cause wrapped by a guard refusal at dial time.
var errRefusedAddress = errors.New("extract: address refused by the fetch guard")

// guardError reports an address the guard refused at dial time.
type guardError struct {
	addr netip.Addr
	port uint16
	why  string // "private" or "port"
}

func (e *guardError) Error() string {
	return fmt.Sprintf("dial %s: %s", netip.AddrPortFrom(e.addr, e.port), errRefusedAddress)
}

func (e *guardError) Unwrap() error { return errRefusedAddress }

// reason turns the refusal into an editor's sentence.
func (e *guardError) reason() string {
	if e.why == "port" {
		return fmt.Sprintf("The address uses port %d; newsdesk only fetches from the standard web ports 80 and 443.", e.port)
	}
	return fmt.Sprintf("The address points to a private network address (%s), which newsdesk refuses to fetch.", e.addr)
}

// publicAddr reports whether a is a public unicast address newsdesk may connect to.
func publicAddr(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.Zone() != "" {
		return false
	}
	if !a.IsGlobalUnicast() || a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() {
		return false
	}
	if a.Is6() && !netip.MustParsePrefix("2000::/3").Contains(a) {
		return false // only 2000::/3 is allocated for global unicast
	}
	for _, p := range deniedPrefixes {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// guard decides which addresses and ports a Fetcher may connect to.
type guard struct {
	allowPrivate bool
	allowed      []netip.Prefix // extra allowed ranges (tests)
	ports        []uint16       // allowed ports unless allowPrivate
}

// checkAddr returns a *guardError when the fetcher must not connect to ap.
func (g *guard) checkAddr(ap netip.AddrPort) error {
	if g.allowPrivate {
		return nil
	}
	a := ap.Addr().Unmap()
	ok := publicAddr(a)
	for _, p := range g.allowed {
		if p.Contains(a) {
			ok = true
		}
	}
	if !ok {
		return &guardError{addr: a, port: ap.Port(), why: "private"}
	}
	if !g.portAllowed(ap.Port()) {
		return &guardError{addr: a, port: ap.Port(), why: "port"}
	}
	return nil
}

func (g *guard) portAllowed(p uint16) bool {
	if g.allowPrivate {
		return true
	}
	for _, q := range g.ports {
		if p == q {
			return true
		}
	}
	return false
}

// control is a net.Dialer Control hook: it runs after DNS, on the exact address about to be
// connected, for every redirect hop and every Happy Eyeballs attempt. Returning an error here
// means connect(2) is never called.
func (g *guard) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("guard %s %q: %w", network, address, err)
	}
	return g.checkAddr(ap)
}

// checkURL validates a URL before any connection: scheme, credentials, host, port and the
// host names and numeric spellings that resolve to private addresses. It may rewrite an
// unusual numeric IPv4 spelling (0x08080808) into dotted form so every layer sees one address.
func (g *guard) checkURL(u *url.URL) *Error {
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
	case "":
		return errorf(KindBadURL, nil, "The address %q has no scheme; it must start with http:// or https://.", shorten(u.String()))
	default:
		return errorf(KindRefused, nil, "The address uses the %s: scheme; newsdesk only fetches http and https web pages.", strings.ToLower(u.Scheme))
	}
	if u.User != nil {
		return errorf(KindRefused, nil, "The address contains a user name or password; newsdesk refuses to send credentials.")
	}
	if u.Opaque != "" {
		return errorf(KindBadURL, nil, "The address %q is malformed.", shorten(u.String()))
	}
	host := strings.ToLower(u.Hostname())
	if !isASCII(host) && !strings.Contains(host, ":") {
		// Check the name the transport will resolve: IDNA maps "①②⑦.0.0.1" and
		// "127。0。0。1" to 127.0.0.1, as net/http does before dialing.
		ascii, err := idna.Lookup.ToASCII(host)
		if err != nil {
			return errorf(KindBadURL, err, "The address %q has an invalid international domain name.", shorten(u.String()))
		}
		host = ascii
	}
	host = strings.TrimSuffix(host, ".")
	if host == "" {
		return errorf(KindBadURL, nil, "The address %q has no host name.", shorten(u.String()))
	}
	port := uint16(80)
	if strings.EqualFold(u.Scheme, "https") {
		port = 443
	}
	if p := u.Port(); p != "" {
		n, err := strconv.ParseUint(p, 10, 16)
		if err != nil || n == 0 {
			return errorf(KindBadURL, nil, "The address has an invalid port %q.", p)
		}
		port = uint16(n)
	}
	// A private address is the more serious refusal: report it before an odd port.
	if a, ok := parseIPHost(host); ok && !g.allowPrivate {
		var ge *guardError
		if err := g.checkAddr(netip.AddrPortFrom(a, port)); errors.As(err, &ge) && ge.why == "private" {
			return &Error{Kind: KindRefused, Reason: ge.reason(), Err: err}
		}
	}
	if !g.portAllowed(port) {
		return errorf(KindRefused, nil, "The address uses port %d; newsdesk only fetches from the standard web ports 80 and 443.", port)
	}
	if g.allowPrivate {
		return nil
	}
	if a, ok := parseIPHost(host); ok {
		if err := g.checkAddr(netip.AddrPortFrom(a, port)); err != nil {
			var ge *guardError
			errors.As(err, &ge)
			return &Error{Kind: KindRefused, Reason: ge.reason(), Err: err}
		}
		if a.Is4() && a.String() != host {
			// Dial the canonical form: resolvers disagree on "0x08.8.8.8".
			if u.Port() != "" {
				u.Host = a.String() + ":" + u.Port()
			} else {
				u.Host = a.String()
			}
		}
		return nil
	}
	for _, n := range deniedNames {
		if host == n {
			return errorf(KindRefused, nil, "The address names %s, a local or internal host, which newsdesk refuses to fetch.", host)
		}
	}
	for _, s := range deniedSuffixes {
		if strings.HasSuffix(host, s) {
			return errorf(KindRefused, nil, "The address names %s, a local or internal host, which newsdesk refuses to fetch.", host)
		}
	}
	if !strings.Contains(host, ".") {
		return errorf(KindRefused, nil, "The address names %s, a single-label (intranet) host, which newsdesk refuses to fetch.", host)
	}
	return nil
}

// parseIPHost parses a URL host as an IP address, accepting the numeric IPv4 spellings
// browsers and inet_aton accept (2130706433, 0x7f000001, 0177.1, 127.1), so none of them can
// slip past the guard as a "name".
func parseIPHost(host string) (netip.Addr, bool) {
	h := strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if a, err := netip.ParseAddr(h); err == nil {
		return a.Unmap(), true
	}
	return parseLooseIPv4(host)
}

// parseLooseIPv4 implements the WHATWG URL IPv4 parser: 1–4 dot-separated parts, each
// decimal, octal (leading 0) or hex (0x); the last part fills the remaining bytes.
func parseLooseIPv4(host string) (netip.Addr, bool) {
	parts := strings.Split(strings.TrimSuffix(host, "."), ".")
	if len(parts) == 0 || len(parts) > 4 {
		return netip.Addr{}, false
	}
	nums := make([]uint64, len(parts))
	for i, p := range parts {
		if p == "" {
			return netip.Addr{}, false
		}
		base := 10
		switch {
		case strings.HasPrefix(p, "0x") || strings.HasPrefix(p, "0X"):
			base, p = 16, p[2:]
			if p == "" {
				p = "0"
			}
		case len(p) > 1 && p[0] == '0':
			base, p = 8, p[1:]
		}
		n, err := strconv.ParseUint(p, base, 32)
		if err != nil {
			return netip.Addr{}, false
		}
		nums[i] = n
	}
	var v uint64
	for i, n := range nums[:len(nums)-1] {
		if n > 255 {
			return netip.Addr{}, false
		}
		v |= n << (8 * (3 - i))
	}
	last := nums[len(nums)-1]
	if last >= 1<<(8*(5-len(nums))) {
		return netip.Addr{}, false
	}
	v |= last
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func shorten(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}
