package llm

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"newsdesk/prompts"
)

// The functions below are estimateTokens and parseOutput as they were before their fast
// paths; the tests hold the fast ones to them.

func estimateTokensReference(s string) int {
	n := 0
	run, kind := 0, 0
	flush := func() {
		switch kind {
		case 1:
			n += (run + 3) / 4
		case 2:
			n += (run + 2) / 3
		}
		run, kind = 0, 0
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		k := 0
		switch {
		case unicode.IsLetter(r) && size >= 3:
			flush()
			n++
			continue
		case unicode.IsLetter(r) || unicode.IsMark(r):
			k = 1
		case unicode.IsDigit(r):
			k = 2
		}
		if k != kind {
			flush()
		}
		if k == 0 {
			if !unicode.IsSpace(r) {
				n++
			}
			continue
		}
		kind = k
		run += size
	}
	flush()
	return n
}

func parseOutputReference(content string) (prompts.Output, error) {
	s := thinkRe.ReplaceAllString(content, "")
	if loc := openThinkRe.FindStringIndex(s); loc != nil {
		s = s[:loc[0]]
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return prompts.Output{}, errors.New("the answer is empty")
	}
	candidates := []string{s}
	for _, m := range fenceRe.FindAllStringSubmatch(s, -1) {
		candidates = append(candidates, m[1])
	}
	candidates = append(candidates, objects(s)...)
	var firstErr error
	for _, c := range candidates {
		c = strings.TrimSpace(c)
		c = strings.TrimSpace(strings.TrimPrefix(c, "json"))
		if !strings.HasPrefix(c, "{") {
			continue
		}
		out, err := decodeOutput(c)
		if err == nil {
			return out, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	if firstErr != nil {
		return prompts.Output{}, firstErr
	}
	return prompts.Output{}, errNoJSON
}

var referenceTexts = []string{
	"", " ", "The council approved a £12 million budget on Tuesday, 4 March 2025.\n\tWork starts\r\nsoon\v\f!",
	"abc123def 4567 x-y_z (a) [b] {c} \"q\" 'r' <<<ARTICLE 0A1B>>> \\n \x00\x1f\x7f",
	"Ünïcödé “quotes” — € 12 ½ ٣ 日本語のテキスト नमस्ते e\u0301 \u00a0\u0085\u2028 \xff\xfe end",
	`{"key_points":["A {b}.","C.","D."],"why_it_matters":"W.","what_it_means_for_you":"M.","language":"en","insufficient_source":false,"insufficient_reason":""}`,
	"```json\n{\"bullets\":[\"x\"]}\n```", "<think>{</think>{}", `{"a":{"b":"}"}}`, "{{{{", `"\"}"`,
	"Sure:\n```\n{\"key_points\": \"A.\\nB.\"}\n```\nand {\"why_it_matters\": 3} then {\"whyItMatters\":\"W.\"}",
	"<reasoning>thinking", "<THINK>x</think> json {\"Insufficient-Source\": \"true\", \"reason\": 1}", "prose only < > ```",
	"```\n{bad json}\n``` {\"language\":\"en\"} {\"what this means for you\":\"M.\"}",
}

func TestEstimateTokensMatchesReference(t *testing.T) {
	for _, s := range referenceTexts {
		if got, want := estimateTokens(s), estimateTokensReference(s); got != want {
			t.Errorf("estimateTokens(%q) = %d, want %d", s, got, want)
		}
	}
}

func FuzzEstimateTokens(f *testing.F) {
	for _, s := range referenceTexts {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := estimateTokens(s), estimateTokensReference(s); got != want {
			t.Errorf("estimateTokens(%q) = %d, want %d", s, got, want)
		}
	})
}

func TestParseOutputMatchesReference(t *testing.T) {
	for _, s := range referenceTexts {
		checkParseOutput(t, s)
	}
}

func FuzzParseOutputMatchesReference(f *testing.F) {
	for _, s := range referenceTexts {
		f.Add(s)
	}
	f.Fuzz(checkParseOutput)
}

func checkParseOutput(t *testing.T, s string) {
	got, gotErr := parseOutput(s)
	want, wantErr := parseOutputReference(s)
	if !reflect.DeepEqual(got, want) || (gotErr == nil) != (wantErr == nil) || gotErr != nil && gotErr.Error() != wantErr.Error() {
		t.Errorf("parseOutput(%q) = %+v, %v; want %+v, %v", s, got, gotErr, want, wantErr)
	}
}
