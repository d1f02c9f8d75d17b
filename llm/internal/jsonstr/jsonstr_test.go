package jsonstr

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

var jsonStrings = []string{
	"", "plain", "<<<ARTICLE 0A1B>>> & </script>", "\"\\/", "\n\r\t\b\f\v\x00\x01\x1f\x7f",
	"Ünïcödé “quotes” — € \u2028\u2029 \U0001F600", "\xff\xfe bad \xe2\x80 cut", "\xef\xbf\xbd real U+FFFD", "\xed\xa0\x80 surrogate",
}

func TestAppendIsJSONMarshal(t *testing.T) {
	for _, s := range jsonStrings {
		checkAppend(t, s)
	}
}

func FuzzAppend(f *testing.F) {
	for _, s := range jsonStrings {
		f.Add(s)
	}
	f.Fuzz(checkAppend)
}

func checkAppend(t *testing.T, s string) {
	want, _ := json.Marshal(s)
	if got := Append([]byte("x"), s); !bytes.Equal(got[1:], want) || got[0] != 'x' {
		t.Errorf("Append(%q) = %s, want %s", s, got[1:], want)
	}
}

var quoted = []string{
	`""`, `"plain" rest`, `"\u003c\u003c\u003cARTICLE 0A\u003e\u003e\u003e \n\t\r\b\f \" \\ \/"`, `"\u00e9\u20AC\u0000\u2028"`,
	`"Ünïcödé “quotes”"`, `"\ud83d\ude00 pair"`, `"\ud83d alone"`, `"\x"`, `"\'"`, `"\u12"`, `"\u12G4"`, `"unterminated`,
	`"ends in \`, "\"bad \xff utf8\"", "\"ctl \x01\"", "\"tab \t raw\"", `"\"`, `"\\"`, `"a\\"b`, `x"not a string"`, ``,
}

func TestCutIsJSONUnmarshal(t *testing.T) {
	for _, s := range quoted {
		checkCut(t, []byte(s))
	}
}

func FuzzCut(f *testing.F) {
	for _, s := range quoted {
		f.Add([]byte(s))
	}
	f.Fuzz(checkCut)
}

// checkCut: whatever Cut decodes, encoding/json decodes to the same string, and Cut
// declines only what it says it declines.
func checkCut(t *testing.T, b []byte) {
	s, rest, ok := Cut(b)
	if !ok {
		if !bytes.Equal(rest, b) {
			t.Errorf("Cut(%q) declined but moved on to %q", b, rest)
		}
		// It must decline nothing plain: a valid string without escapes or control
		// characters.
		if len(b) > 1 && b[0] == '"' {
			if i := bytes.IndexByte(b[1:], '"'); i >= 0 {
				span := b[1 : 1+i]
				if utf8.Valid(span) && bytes.IndexByte(span, '\\') < 0 && bytes.IndexFunc(span, func(r rune) bool { return r < 0x20 }) < 0 {
					t.Errorf("Cut(%q) declined a plain string", b)
				}
			}
		}
		return
	}
	token := b[:len(b)-len(rest)]
	var want string
	if err := json.Unmarshal(token, &want); err != nil {
		t.Fatalf("Cut(%q) = %q, but encoding/json fails on %q: %v", b, s, token, err)
	}
	if s != want {
		t.Errorf("Cut(%q) = %q, want %q", b, s, want)
	}
}

var values = []string{`""`, ` "a\"b\\" `, `{}`, `[]`, `{"a":[1,{"b":"}]"}],"c":null}`, `[true,false,null,-1.5e3]`, ` 12 `, `"\\\\"`, `{"k":"\\\""}`}

func TestSkip(t *testing.T) {
	for _, v := range values {
		checkSkip(t, []byte(v))
	}
}

func FuzzSkip(f *testing.F) {
	for _, v := range values {
		f.Add([]byte(v))
	}
	f.Fuzz(checkSkip)
}

// checkSkip: Skip consumes a whole valid value and leaves what follows.
func checkSkip(t *testing.T, b []byte) {
	if !json.Valid(b) {
		return
	}
	rest, ok := Skip(append(b, ",x"...))
	if !ok || string(TrimSpace(rest)) != ",x" {
		t.Errorf("Skip(%q) = %q, %v; want the value consumed", b, rest, ok)
	}
}

// BenchmarkAppend encodes a 7 kB prompt.
func BenchmarkAppend(b *testing.B) {
	s := strings.Repeat("The harbour authority on Thursday published plan \"000042\",\na set of <<<measures>>> — costing €120m. ", 70)
	buf := make([]byte, 0, 2*len(s))
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		buf = Append(buf[:0], s)
	}
}
