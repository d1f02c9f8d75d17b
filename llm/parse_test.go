package llm

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseOutput(t *testing.T) {
	const obj = `{"key_points":["A {b}.","C.","D."],"why_it_matters":"W.","what_it_means_for_you":"M.","language":"en","insufficient_source":false,"insufficient_reason":""}`
	for _, tt := range []struct {
		name, content string
		ok            bool
	}{
		{"plain JSON", obj, true},
		{"fenced with a language", "```json\n" + obj + "\n```", true},
		{"fenced without a language", "```\n" + obj + "\n```", true},
		{"a json prefix", "json\n" + obj, true},
		{"prose around", "Sure! Here it is:\n" + obj + "\nHope this helps {really}.", true},
		{"a think block with braces", "<think>I need {a} plan</think>" + obj, true},
		{"an unterminated think block", "<think>still thinking about " + obj, false},
		{"alternative field names", `{"bullets":["A.","C.","D."],"whyItMatters":"W.","What this means for you":"M."}`, true},
		{"key points as one string", `{"key_points":"A.\nC.\nD.","why_it_matters":"W.","what_it_means_for_you":"M."}`, true},
		{"broken JSON", obj[:len(obj)-1], false},
		{"no summary fields", `{"answer":"hello"}`, false},
		{"empty", "   ", false},
		{"wrong type", `{"key_points":[1,2,3],"why_it_matters":"W.","what_it_means_for_you":"M."}`, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, err := parseOutput(tt.content)
			if (err == nil) != tt.ok {
				t.Fatalf("parseOutput() error = %v, want ok %v", err, tt.ok)
			}
			if tt.ok && (len(out.KeyPoints) != 3 || out.WhyItMatters != "W." || out.WhatItMeansForYou != "M.") {
				t.Errorf("parseOutput() = %+v", out)
			}
		})
	}
	out, _ := parseOutput(obj)
	if !slices.Equal(out.KeyPoints, []string{"A {b}.", "C.", "D."}) {
		t.Errorf("braces inside strings broke the key points: %q", out.KeyPoints)
	}
}

// FuzzParseOutput: the parser never panics, and whatever it accepts came from the
// content it was given.
func FuzzParseOutput(f *testing.F) {
	for _, s := range []string{
		`{"key_points":["A.","B.","C."],"why_it_matters":"W.","what_it_means_for_you":"M."}`,
		"```json\n{\"bullets\":[\"x\"]}\n```", "<think>{</think>{}", `{"a":{"b":"}"}}`, "{{{{", `"\"}"`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, content string) {
		out, err := parseOutput(content)
		if err != nil {
			return
		}
		decoded := asDecoded(content)
		for _, kp := range out.KeyPoints {
			for _, w := range strings.Fields(kp) {
				if len(w) > 3 && !strings.Contains(decoded, strings.Trim(w, `\"`)) && !strings.Contains(content, `\`) {
					t.Fatalf("key point word %q is not in the content %q", w, content)
				}
			}
		}
	})
}

// asDecoded is s with every byte that is not part of valid UTF-8 replaced by U+FFFD, as
// encoding/json decodes such bytes inside a string.
func asDecoded(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// TestParseOutputFieldNamedTwice: an answer that names a field twice reads the same every
// time (decoding goes through a map, whose order is random): the schema's own name wins,
// and among the other names the last in sorted order does.
func TestParseOutputFieldNamedTwice(t *testing.T) {
	for _, tt := range []struct {
		content string
		want    []string
	}{
		{`{"keypoints":["A."],"key_points":["B."],"bullets":["C."]}`, []string{"B."}},
		{`{"key_points":["B."],"Key_Points":["A."]}`, []string{"B."}},
		{`{"keypoints":[""],"poInts":["08"]}`, []string{"08"}}, // found by FuzzParseOutputMatchesReference
		{`{"points":["P."],"bullets":["B."]}`, []string{"P."}},
	} {
		// Map order changes from run to run; a few dozen decodes see several orders.
		for range 50 {
			out, err := parseOutput(tt.content)
			if err != nil {
				t.Fatalf("parseOutput(%s): %v", tt.content, err)
			}
			if !slices.Equal(out.KeyPoints, tt.want) {
				t.Fatalf("parseOutput(%s).KeyPoints = %q, want %q", tt.content, out.KeyPoints, tt.want)
			}
		}
	}
}
