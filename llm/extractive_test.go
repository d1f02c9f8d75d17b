package llm_test

import (
	"errors"
	"strings"
	"testing"

	"newsdesk/llm"
	"newsdesk/summary"
)

func TestExtractive(t *testing.T) {
	t.Run("lead sentences become key points, labelled as extractive", func(t *testing.T) {
		res, err := llm.NewExtractive().Write(t.Context(), request())
		if err != nil {
			t.Fatalf("Write: %v", err)
		}
		if res.Author != llm.AuthorExtractive || res.Usage != (llm.Usage{}) || res.Requests != 0 {
			t.Errorf("Write result = %+v, want an extractive author, no usage, no requests", res)
		}
		if err := summary.Validate(res.Summary); err != nil {
			t.Errorf("Validate(extractive draft) = %v", err)
		}
		for i, kp := range res.Summary.KeyPoints {
			if !strings.Contains(article, kp) {
				t.Errorf("key point %d %q is not copied from the article", i, kp)
			}
		}
		if !strings.Contains(res.Summary.WhyItMatters, "No language model") || len(res.Notes) == 0 {
			t.Errorf("draft does not say it was made without a model: %+v", res)
		}
		if flags := summary.Check(res.Summary, summary.Source{Text: article, Lang: "en"}); len(flags) > 0 {
			t.Errorf("Check(extractive draft) = %+v, want no flags", flags)
		}
	})
	t.Run("a thin text is an insufficient source", func(t *testing.T) {
		_, err := llm.NewExtractive().Write(t.Context(), llm.Request{Text: "Subscribe now. Sign in."})
		if !errors.Is(err, llm.ErrInsufficientSource) || !isPermanent(err) {
			t.Fatalf("Write error = %v, want a permanent insufficient-source error", err)
		}
	})
}
