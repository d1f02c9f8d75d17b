package extract

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/unicode"
)

// sniffLen is how much of a page the HTML encoding sniffing algorithm looks at for a
// <meta charset>.
const sniffLen = 1024

// decodeHTML returns body as UTF-8. A byte-order mark wins; then a body that is valid UTF-8
// as a whole is taken as UTF-8, whatever the headers claim (servers often mislabel it, and
// x/net/html/charset would sniff only the first 1024 bytes); then the declared charset, then
// a <meta> charset, then windows-1252 as browsers do. It decodes the whole buffer at once
// instead of streaming through a transform.Reader, which fails on some pages with
// "transform: short internal buffer". Invalid sequences become U+FFFD.
func decodeHTML(body []byte, declared string) []byte {
	switch {
	case bytes.HasPrefix(body, []byte("\xef\xbb\xbf")):
		return toValidUTF8(body[3:])
	case bytes.HasPrefix(body, []byte("\xfe\xff")):
		return decodeWith(unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM), body)
	case bytes.HasPrefix(body, []byte("\xff\xfe")):
		return decodeWith(unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM), body)
	}
	if utf8.Valid(body) {
		return body
	}
	if enc := lookupCharset(declared); enc != nil {
		return decodeWith(enc, body)
	}
	head := body
	if len(head) > sniffLen {
		head = head[:sniffLen]
	}
	enc, _, _ := charset.DetermineEncoding(head, "text/html")
	return decodeWith(enc, body)
}

// lookupCharset maps a charset label to an encoding; nil for unknown or UTF-8 labels (a body
// that claimed UTF-8 but was not valid UTF-8 is better sniffed).
func lookupCharset(label string) encoding.Encoding {
	label = strings.TrimSpace(label)
	if label == "" {
		return nil
	}
	enc, name := charset.Lookup(label)
	if enc == nil || name == "utf-8" {
		return nil
	}
	return enc
}

func decodeWith(enc encoding.Encoding, body []byte) []byte {
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return toValidUTF8(body)
	}
	return toValidUTF8(out)
}

func toValidUTF8(b []byte) []byte {
	if utf8.Valid(b) {
		return b
	}
	return bytes.ToValidUTF8(b, []byte("\uFFFD"))
}
