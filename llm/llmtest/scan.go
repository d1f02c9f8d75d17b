package llmtest

import (
	"bytes"

	openai "github.com/sashabaranov/go-openai"

	"newsdesk/llm/internal/jsonstr"
)

// scanRequest reads the model and the messages' roles and contents from a chat
// completion body in one pass, skipping everything else (the response format's schema,
// the limits) without decoding it. encoding/json first validated the whole body, then
// decoded it through reflection: a third of the light handler's CPU.
// ok is false for a body this scanner does not read as encoding/json would (keys not
// in lower case, a field of another type, an escape it leaves to encoding/json);
// serveLight decodes those with encoding/json. It checks the syntax of what it skips
// only loosely, which a fake server can afford.
func scanRequest(b []byte) (model string, msgs []openai.ChatCompletionMessage, ok bool) {
	s := scanner{b: b}
	seen := false
	ok = s.object(func(key string) bool {
		switch key {
		case "model":
			return s.null() || s.strTo(&model)
		case "messages":
			if seen {
				return false // encoding/json decodes the second array onto the first
			}
			seen = true
			if s.null() {
				return true
			}
			return s.array(func() bool {
				var m openai.ChatCompletionMessage
				if !s.object(func(key string) bool {
					switch key {
					case "role":
						return s.null() || s.strTo(&m.Role)
					case "content":
						return s.null() || s.strTo(&m.Content)
					}
					return s.skip()
				}) {
					return false
				}
				msgs = append(msgs, m)
				return true
			})
		}
		return s.skip()
	})
	s.space()
	return model, msgs, ok && len(s.b) == 0
}

// scanner reads JSON from the front of b.
type scanner struct{ b []byte }

func (s *scanner) space() { s.b = jsonstr.TrimSpace(s.b) }

// take consumes c, after white space.
func (s *scanner) take(c byte) bool {
	s.space()
	if len(s.b) > 0 && s.b[0] == c {
		s.b = s.b[1:]
		return true
	}
	return false
}

// null consumes a null, if one comes next.
func (s *scanner) null() bool {
	s.space()
	if bytes.HasPrefix(s.b, []byte("null")) {
		s.b = s.b[4:]
		return true
	}
	return false
}

// strTo decodes a string into v.
func (s *scanner) strTo(v *string) bool {
	s.space()
	str, rest, ok := jsonstr.Cut(s.b)
	if ok {
		*v, s.b = str, rest
	}
	return ok
}

// object reads an object, calling member for each key with the scanner at its value.
// Keys must be plain lower-case ASCII: encoding/json matches them to fields without
// regard to case.
func (s *scanner) object(member func(key string) bool) bool {
	if !s.take('{') {
		return false
	}
	if s.take('}') {
		return true
	}
	for {
		var key string
		if !s.strTo(&key) || !lowerASCII(key) || !s.take(':') || !member(key) {
			return false
		}
		if s.take('}') {
			return true
		}
		if !s.take(',') {
			return false
		}
	}
}

func (s *scanner) array(elem func() bool) bool {
	if !s.take('[') {
		return false
	}
	if s.take(']') {
		return true
	}
	for {
		if !elem() {
			return false
		}
		if s.take(']') {
			return true
		}
		if !s.take(',') {
			return false
		}
	}
}

// skip consumes one value of any kind.
func (s *scanner) skip() bool {
	rest, ok := jsonstr.Skip(s.b)
	s.b = rest
	return ok
}

func lowerASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' || c >= 0x80 {
			return false
		}
	}
	return true
}
