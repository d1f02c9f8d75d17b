package llmtest

import "testing"

// TestDataBlock holds dataBlock to articleRe.
func TestDataBlock(t *testing.T) {
	for _, u := range []string{
		"", "<<<ARTICLE a1>>>\ntext\n<<<END ARTICLE a1>>>", "x <<<ARTICLE >>>\nno id\n<<<END ARTICLE a>>> <<<ARTICLE b>>>\nyes\n<<<END ARTICLE b>>>",
		"<<<ARTICLE a>>>\n\n<<<END ARTICLE a>>>", "<<<ARTICLE a>>>\nx\n<<<END ARTICLE >>>\ny\n<<<END ARTICLE z>>>", "<<<ARTICLE a>>>\nunterminated",
		"<<<ARTICLE a>>> no newline\n<<<END ARTICLE a>>>", "<<<ARTICLE a-b>>>\nx\n<<<END ARTICLE a>>>", "<<<ARTICLE Q9>>>\nline one\nline two\n<<<END ARTICLE Q9>>>\ntail",
	} {
		got, ok := dataBlock(u)
		m := articleRe.FindStringSubmatch(u)
		if ok != (m != nil) || ok && got != m[2] {
			t.Errorf("dataBlock(%q) = %q, %v; articleRe finds %q", u, got, ok, m)
		}
	}
}
