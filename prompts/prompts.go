// Package prompts holds the summarisation prompt of newsdesk as embedded text templates,
// its version, and the JSON schema of the model's answer.
//
// The article is untrusted text. [Render] puts it in a data block whose markers carry a
// random per-request code (spotlighting), and the system prompt tells the model that
// text inside the block is data, never instructions. A reviewer's regenerate guidance
// goes in a block of its own.
//
//	sys, user := prompts.Render(prompts.Input{Title: t, Text: text, Language: "en"})
//
// Change the templates only together with [Version]: drafts record the version that
// wrote them, and cached generations are keyed by it.
package prompts

import (
	"bytes"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"encoding/json"
	"strings"
	"text/template"
	"unicode/utf8"
)

// Version names the prompt templates and schema; drafts store it.
const Version = "summary-v1"

// SchemaName is the name sent with the JSON schema in the response_format.
const SchemaName = "news_summary"

//go:embed system.txt user.txt
var files embed.FS

var templates = template.Must(template.New("").Funcs(template.FuncMap{
	"inc": func(i int) int { return i + 1 },
}).ParseFS(files, "system.txt", "user.txt"))

// Input is what one summarisation request is made from. All text fields are untrusted.
type Input struct {
	Title, Byline, SiteName string
	// Text is the article's plain text (or one part of it when Parts > 0).
	Text string
	// Language is the ISO 639-1 code of the language to write in; empty means English.
	Language string
	// Instructions is a reviewer's guidance for a regenerated draft; it goes in a
	// delimited block of its own.
	Instructions string
	// Part and Parts are set (1-based) when a long article is summarised in parts.
	Part, Parts int
	// Notes, when set, are the summaries of the parts of a long article, and the request
	// combines them; Text is then ignored.
	Notes []string
}

type view struct {
	Input
	Boundary        string
	LanguageName    string
	British         bool
	HasInstructions bool
	Combine         bool
}

// Render returns the system and user messages for in. Every call picks a new random
// boundary code for the data block; text inside that could close the block early is
// made harmless first.
func Render(in Input) (system, user string) {
	v := newView(in, newBoundary())
	return execute("system.txt", v), execute("user.txt", v)
}

// Size returns len(system) + len(user) of what Render(in) returns.
func Size(in Input) int {
	v := newView(in, "000000000000000000") // every boundary code has this length
	return len(execute("system.txt", v)) + len(execute("user.txt", v))
}

func newView(in Input, boundary string) view {
	v := view{
		Input:        in,
		Boundary:     boundary,
		LanguageName: LanguageName(in.Language),
		Combine:      len(in.Notes) > 0,
	}
	v.British = v.LanguageName == "English"
	v.Title, v.Byline, v.SiteName = clean(in.Title), clean(in.Byline), clean(in.SiteName)
	v.Text = clean(in.Text)
	v.Instructions = clean(in.Instructions)
	v.HasInstructions = strings.TrimSpace(v.Instructions) != ""
	if len(in.Notes) > 0 {
		v.Notes = make([]string, len(in.Notes))
		for i, n := range in.Notes {
			v.Notes[i] = clean(n)
		}
	}
	return v
}

// execute runs the template named name for v.
func execute(name string, v view) string {
	var b bytes.Buffer
	// The instructions are a few kilobytes; sized up front, the article is copied once.
	b.Grow(len(v.Text) + len(v.Instructions) + 8<<10)
	if err := templates.ExecuteTemplate(&b, name, v); err != nil {
		// The templates are embedded and parsed at init; an error here is a bug.
		panic("prompts: " + err.Error())
	}
	return string(append(bytes.TrimSpace(b.Bytes()), '\n'))
}

func newBoundary() string {
	var b [9]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return strings.ToUpper(hex.EncodeToString(b[:]))
}

// markers breaks any "<<<" or ">>>" run, so that text from a page can never forge the
// data block's markers, even if it guessed the code.
var markers = strings.NewReplacer("<<<", "< < <", ">>>", "> > >")

// clean drops characters that hide text from a reviewer but not from a model:
// zero-width characters, bidirectional controls and Unicode tag characters ("ASCII
// smuggling"); then it breaks marker runs. Like strings.Map it also turns invalid UTF-8
// into U+FFFD. Text that needs none of this is returned as it is, without a copy.
func clean(s string) string {
	if needsMap(s) {
		s = strings.Map(func(r rune) rune {
			if hidden(r) {
				return -1
			}
			return r
		}, s)
	}
	if strings.Contains(s, "<<<") || strings.Contains(s, ">>>") {
		s = markers.Replace(s)
	}
	return s
}

func hidden(r rune) bool {
	switch {
	case r >= 0x200b && r <= 0x200d, r == 0x2060, r == 0xfeff,
		r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069,
		r >= 0xe0000 && r <= 0xe007f:
		return true
	}
	return false
}

// needsMap reports whether strings.Map in clean would change s: it holds a hidden
// character or invalid UTF-8.
func needsMap(s string) bool {
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || hidden(r) {
			return true
		}
		i += size
	}
	return false
}

var languageNames = map[string]string{
	"en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian",
	"nl": "Dutch", "pt": "Portuguese", "sv": "Swedish", "da": "Danish", "no": "Norwegian",
	"nb": "Norwegian", "fi": "Finnish", "pl": "Polish", "cs": "Czech", "ro": "Romanian",
	"hu": "Hungarian", "el": "Greek", "tr": "Turkish", "ru": "Russian", "uk": "Ukrainian",
	"ja": "Japanese", "zh": "Chinese", "ko": "Korean", "ar": "Arabic", "he": "Hebrew",
	"hi": "Hindi", "id": "Indonesian", "ca": "Catalan", "ga": "Irish", "cy": "Welsh",
}

// LanguageName returns the English name of an ISO 639-1 code ("de" → "German"); an empty
// code means English, and an unknown one is returned as it is.
func LanguageName(code string) string {
	code = strings.ToLower(strings.TrimSpace(code))
	if i := strings.IndexAny(code, "-_"); i > 0 {
		code = code[:i] // "en-GB" → "en"
	}
	if code == "" {
		return "English"
	}
	if n, ok := languageNames[code]; ok {
		return n
	}
	return code
}

// Output is the model's answer, as the schema describes it.
type Output struct {
	KeyPoints          []string `json:"key_points"`
	WhyItMatters       string   `json:"why_it_matters"`
	WhatItMeansForYou  string   `json:"what_it_means_for_you"`
	Language           string   `json:"language"`
	InsufficientSource bool     `json:"insufficient_source"`
	InsufficientReason string   `json:"insufficient_reason"`
}

// schema is written by hand rather than generated: strict mode needs every property
// required and no additional properties, and the descriptions carry the house style to
// models that read them. Counts and lengths are checked in Go (summary.Validate), since
// not every server accepts minItems/maxItems.
const schema = `{
  "type": "object",
  "properties": {
    "key_points": {
      "type": "array",
      "description": "3 to 5 key points, most important first; each one sentence of at most 25 words, only facts stated in the article",
      "items": {"type": "string"}
    },
    "why_it_matters": {"type": "string", "description": "1 to 2 sentences, at most 50 words, using only context in the article"},
    "what_it_means_for_you": {"type": "string", "description": "1 to 3 sentences, at most 60 words; say plainly when the article establishes no direct effect on readers"},
    "language": {"type": "string", "description": "ISO 639-1 code of the language written in"},
    "insufficient_source": {"type": "boolean", "description": "true if the text is not a news article or too thin to summarise"},
    "insufficient_reason": {"type": "string", "description": "why the source is insufficient, or an empty string"}
  },
  "required": ["key_points", "why_it_matters", "what_it_means_for_you", "language", "insufficient_source", "insufficient_reason"],
  "additionalProperties": false
}`

// Schema returns the strict JSON schema of [Output], ready for a json_schema
// response_format.
func Schema() json.RawMessage { return json.RawMessage(schema) }
