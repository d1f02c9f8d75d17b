package extract

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// Defaults for [FetchOptions] zero values. The user agent names newsdesk honestly; a
// deployment can add its contact URL through FetchOptions.UserAgent.
const (
	DefaultMaxBytes     = 5 << 20
	DefaultTimeout      = 30 * time.Second
	DefaultMaxRedirects = 5
	DefaultUserAgent    = "newsdesk/1 (newsroom article summariser; fetches one page per submitted link)"

	dialTimeout           = 5 * time.Second
	tlsTimeout            = 5 * time.Second
	responseHeaderTimeout = 10 * time.Second
	maxHeaderBytes        = 64 << 10
)

// FetchOptions configures a Fetcher. Zero values mean the defaults in brackets.
type FetchOptions struct {
	AllowPrivate bool          // NEWSDESK_FETCH_ALLOW_PRIVATE: allow loopback/private/link-local and any port (tests, intranets)
	MaxBytes     int64         // [5 MiB] body cap, applied to the decompressed body
	Timeout      time.Duration // [30s] whole fetch including redirects
	MaxRedirects int           // [5]
	UserAgent    string        // [honest "newsdesk/1 (+...)" UA]

	// Test hooks: a resolver standing in for DNS, ranges allowed in spite of the guard, and
	// the ports allowed when AllowPrivate is false ([80, 443]).
	lookup        func(ctx context.Context, host string) ([]netip.Addr, error)
	allowPrefixes []netip.Prefix
	ports         []uint16
}

// Fetcher fetches web pages safely: it refuses private and internal addresses at dial time
// (after DNS, on every redirect hop), ignores proxy settings from the environment, and bounds
// time, redirects, header and body size. A Fetcher is safe for concurrent use.
type Fetcher struct {
	opts   FetchOptions
	guard  *guard
	client *http.Client
	dialer *net.Dialer
}

// Page is a fetched HTML page.
type Page struct {
	URL         string // final URL after redirects
	ContentType string
	HTML        []byte // UTF-8
}

// NewFetcher returns a Fetcher configured by o.
func NewFetcher(o FetchOptions) *Fetcher {
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxRedirects <= 0 {
		o.MaxRedirects = DefaultMaxRedirects
	}
	if o.UserAgent == "" {
		o.UserAgent = DefaultUserAgent
	}
	if o.lookup == nil {
		o.lookup = func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		}
	}
	if o.ports == nil {
		o.ports = []uint16{80, 443}
	}
	f := &Fetcher{
		opts:  o,
		guard: &guard{allowPrivate: o.AllowPrivate, allowed: o.allowPrefixes, ports: o.ports},
	}
	f.dialer = &net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second, Control: f.guard.control}
	tr := &http.Transport{
		Proxy:                  nil, // a proxy would make the guard check the proxy, not the target
		DialContext:            f.dialContext,
		ForceAttemptHTTP2:      true,
		TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:    tlsTimeout,
		ResponseHeaderTimeout:  responseHeaderTimeout,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: maxHeaderBytes,
		MaxIdleConns:           64,
		// A burst often comes from one site (a wire service's morning run): keeping a
		// connection per extract slot (8 by default) open spares the site and us a TCP and
		// TLS handshake per article.
		MaxIdleConnsPerHost: 8,
		IdleConnTimeout:     60 * time.Second,
	}
	f.client = &http.Client{Transport: tr, CheckRedirect: f.checkRedirect}
	return f
}

// dialContext resolves the host itself (so tests can stand in for DNS) and dials the
// addresses in turn; the dialer's Control hook re-checks each one on the socket.
func (f *Fetcher) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("split %q: %w", addr, err)
	}
	port, err := net.LookupPort(network, portStr)
	if err != nil {
		return nil, fmt.Errorf("port %q: %w", portStr, err)
	}
	var addrs []netip.Addr
	if a, ok := parseIPHost(host); ok {
		addrs = []netip.Addr{a}
	} else {
		addrs, err = f.opts.lookup(ctx, host)
		if err != nil {
			return nil, fmt.Errorf("lookup %s: %w", host, err)
		}
	}
	var first error
	for _, a := range addrs {
		ap := netip.AddrPortFrom(a.Unmap(), uint16(port))
		// Checking before dialing gives a clear error even for addresses the kernel would
		// reject anyway; Control checks again on the socket itself.
		if err := f.guard.checkAddr(ap); err != nil {
			if first == nil {
				first = err
			}
			continue
		}
		c, err := f.dialer.DialContext(ctx, network, ap.String())
		if err == nil {
			return c, nil
		}
		if first == nil {
			first = err
		}
	}
	if first == nil {
		first = fmt.Errorf("lookup %s: no addresses", host)
	}
	return nil, first
}

func (f *Fetcher) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > f.opts.MaxRedirects {
		return errorf(KindTooManyRedirects, nil, "The address redirects more than %d times; newsdesk gives up.", f.opts.MaxRedirects)
	}
	if e := f.guard.checkURL(req.URL); e != nil {
		e.Reason = "The address redirects to a refused location: " + lowerFirst(e.Reason)
		return e
	}
	return nil
}

// Fetch GETs an http(s) URL safely and returns the body decoded to UTF-8.
// Every failure is an *[Error]; its Permanent method tells whether a retry can help.
func (f *Fetcher) Fetch(ctx context.Context, rawURL string) (*Page, error) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		return nil, errorf(KindBadURL, err, "The address %q is not a valid URL.", shorten(rawURL))
	}
	if e := f.guard.checkURL(u); e != nil {
		return nil, e
	}
	ctx, cancel := context.WithTimeout(ctx, f.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, errorf(KindBadURL, err, "The address %q is not a valid URL.", shorten(rawURL))
	}
	req.Header.Set("User-Agent", f.opts.UserAgent)
	req.Header.Set("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1")
	// No Accept-Encoding: the transport then asks for gzip itself and decompresses, so the
	// body cap below bounds the decompressed size.
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, f.classify(ctx, err)
	}
	defer resp.Body.Close()
	final := resp.Request.URL.String()

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, statusError(resp.StatusCode)
	}
	ct := resp.Header.Get("Content-Type")
	if mt, _, _ := mime.ParseMediaType(ct); mt != "" {
		// Refuse a declared PDF or image before reading it.
		if e := checkMediaType(mt); e != nil {
			return nil, e
		}
	}
	if resp.ContentLength > f.opts.MaxBytes {
		return nil, tooLarge(f.opts.MaxBytes)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, f.opts.MaxBytes+1))
	if err != nil {
		return nil, f.classify(ctx, err)
	}
	if int64(len(body)) > f.opts.MaxBytes {
		return nil, tooLarge(f.opts.MaxBytes)
	}
	p, e := decodePage(ct, body)
	if e != nil {
		return nil, e
	}
	p.URL = final
	return p, nil
}

// decodePage checks that a response with Content-Type ct (possibly empty or malformed) is an
// HTML page, sniffing the body as browsers do when no usable type is declared, and decodes
// the body to UTF-8.
func decodePage(ct string, body []byte) (*Page, *Error) {
	mt, params, _ := mime.ParseMediaType(ct)
	if mt == "" {
		ct = http.DetectContentType(body)
		mt, params, _ = mime.ParseMediaType(ct)
	}
	if e := checkMediaType(mt); e != nil {
		return nil, e
	}
	return &Page{ContentType: ct, HTML: decodeHTML(body, params["charset"])}, nil
}

// classify turns a transport error into an *Error.
func (f *Fetcher) classify(ctx context.Context, err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var ge *guardError
	if errors.As(err, &ge) {
		return &Error{Kind: KindRefused, Reason: ge.reason(), Err: err}
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return errorf(KindTimeout, err, "The site did not answer within %s.", f.opts.Timeout)
	}
	if errors.Is(err, context.Canceled) {
		return errorf(KindNetwork, err, "The fetch was cancelled.")
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return errorf(KindTimeout, err, "The site did not answer in time.")
	}
	if strings.Contains(err.Error(), "server response headers exceeded") {
		return errorf(KindTooLarge, err, "The site sent response headers larger than %d KiB; newsdesk refuses them.", maxHeaderBytes>>10)
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		if dnsErr.IsNotFound {
			// A name that does not exist will not start existing on a retry soon enough.
			return &Error{Kind: KindBadURL, Reason: fmt.Sprintf("The site %s does not exist (no DNS record).", dnsErr.Name), Err: err}
		}
		return errorf(KindNetwork, err, "The site's name %s could not be looked up.", dnsErr.Name)
	}
	var certErr *tls.CertificateVerificationError
	if errors.As(err, &certErr) {
		return errorf(KindNetwork, err, "The site's security certificate is not valid.")
	}
	return errorf(KindNetwork, err, "The site could not be reached.")
}

func statusError(code int) *Error {
	text := http.StatusText(code)
	if text == "" {
		text = "(unknown status)"
	}
	var reason string
	switch {
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		reason = fmt.Sprintf("The server answered %d %s; the page may need a login or block automated readers.", code, text)
	case code == http.StatusTooManyRequests:
		reason = fmt.Sprintf("The server answered %d %s; newsdesk will try again later.", code, text)
	case code >= 500:
		reason = fmt.Sprintf("The server answered %d %s; the site has a problem, newsdesk will try again later.", code, text)
	default:
		reason = fmt.Sprintf("The server answered %d %s.", code, text)
	}
	return &Error{Kind: KindHTTPStatus, Reason: reason, status: code}
}

func tooLarge(limit int64) *Error {
	return errorf(KindTooLarge, nil, "The page is larger than %s, newsdesk's limit.", formatBytes(limit))
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// checkMediaType accepts HTML media types only and names what the link points to otherwise.
func checkMediaType(mt string) *Error {
	switch mt {
	case "text/html", "application/xhtml+xml":
		return nil
	}
	what := "a file of type " + mt
	switch {
	case mt == "application/pdf":
		what = "a PDF (" + mt + ")"
	case strings.HasPrefix(mt, "image/"):
		what = "an image (" + mt + ")"
	case strings.HasPrefix(mt, "video/"):
		what = "a video (" + mt + ")"
	case strings.HasPrefix(mt, "audio/"):
		what = "an audio file (" + mt + ")"
	case mt == "text/plain":
		what = "a plain text file (" + mt + ")"
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		what = "JSON data (" + mt + ")"
	case mt == "application/xml" || mt == "text/xml" || strings.HasSuffix(mt, "+xml"):
		what = "an XML document or feed (" + mt + ")"
	case strings.Contains(mt, "zip") || mt == "application/octet-stream":
		what = "a download (" + mt + ")"
	case strings.Contains(mt, "word") || strings.Contains(mt, "officedocument") || strings.Contains(mt, "opendocument"):
		what = "an office document (" + mt + ")"
	}
	return errorf(KindContentType, nil, "The link points to %s, not a web page.", what)
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
