package llmtest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"newsdesk/summary"
)

// groundedSummaryReference is GroundedSummary as it was before it stopped reading at the
// fifth usable sentence; TestGroundedSummaryMatchesReference holds the two together.
func groundedSummaryReference(c *Call) (s summary.Summary, ok bool) {
	text := c.Article()
	if strings.Contains(c.User(), "\nPart 1:\n") {
		for _, l := range strings.Split(text, "\n") {
			if kp, found := strings.CutPrefix(l, "- "); found && len(s.KeyPoints) < 5 {
				s.KeyPoints = append(s.KeyPoints, kp)
			} else if why, found := strings.CutPrefix(l, "Context: "); found && s.WhyItMatters == "" {
				s.WhyItMatters = why
			}
		}
	} else {
		var picked []string
		for _, sent := range summary.Sentences(text) {
			if summary.WordCount(sent) > summary.MaxKeyPointWords {
				sent = firstClauses(sent, summary.MaxKeyPointWords)
			}
			if n := summary.WordCount(sent); n >= 4 && n <= summary.MaxKeyPointWords {
				picked = append(picked, sent)
			}
		}
		if len(picked) < 4 {
			return s, false
		}
		n := min(4, len(picked)-1)
		s.KeyPoints, s.WhyItMatters = picked[:n], picked[n]
	}
	if len(s.KeyPoints) < 3 || s.WhyItMatters == "" {
		return s, false
	}
	s.WhatItMeansForYou = "The article does not describe any direct effect on readers yet."
	return s, true
}

func userCall(user string) *Call {
	return &Call{Request: openai.ChatCompletionRequest{Messages: []openai.ChatCompletionMessage{{Role: "user", Content: user}}}}
}

var groundedTexts = []string{
	"",
	"One short line.",
	"The council met. It voted. Work starts soon. Residents were told.",
	"The council approved the budget on Tuesday. Work starts in March on forty streets. Residents were told by letter. The mayor said the plan was overdue. Funding comes from the national government.",
	"The council approved the budget on Tuesday.\n\nWork starts in March on forty streets.\nResidents were told by letter.\n\n\n\nThe mayor said the plan was overdue.\n\nFunding comes from the national government. A sixth sentence follows here. And a seventh one here too.",
	"A very long opening sentence that keeps going with many words, several clauses, and far more than the twenty-five words a key point may hold, so that it must be cut at a comma, which the fake model does. Then a short one follows it here. Another short sentence follows. And yet another short sentence. The last sentence of the text.",
	"Onewordsentence. Two words. Three small words. Now four words here. Five words are in this. Six words are in this one.",
	"Site: not metadata but text line one is here.\nTitle: also not metadata here.\nByline: a byline-like line in text.\nThe real first sentence of the story. The second sentence of the story. The third sentence of the story. The fourth sentence of the story.",
	"Ünïcödé café owners met on Monday, the mayor said. \"Prices rose by 12%,\" she told the council.\u2028The tax takes effect in May 2026.\tTraders said the plan was unfair. J. K. Rowling was not there. Dr. Smith said so. It ends.",
}

func TestGroundedSummaryMatchesReference(t *testing.T) {
	var cases []string
	for _, text := range groundedTexts {
		cases = append(cases,
			"Summarise this article.\n\n<<<ARTICLE AB12>>>\nTitle: T\nByline: B\n\n"+text+"\n<<<END ARTICLE AB12>>>\n\nWrite it now.",
			"<<<ARTICLE X>>>\n"+text+"\n<<<END ARTICLE X>>>",
			"Combine.\n\n<<<ARTICLE C0>>>\nTitle: T\n\nPart 1:\n- "+strings.ReplaceAll(text, ". ", ".\n- ")+"\nContext: "+text+"\n\nPart 2:\n- A.\n- B.\nContext: C.\n<<<END ARTICLE C0>>>",
		)
	}
	for _, user := range cases {
		c := userCall(user)
		got, gotOK := GroundedSummary(c)
		want, wantOK := groundedSummaryReference(c)
		if gotOK != wantOK || !slices.Equal(got.KeyPoints, want.KeyPoints) || got.WhyItMatters != want.WhyItMatters || got.WhatItMeansForYou != want.WhatItMeansForYou {
			t.Errorf("GroundedSummary(%q) = %+v, %v; want %+v, %v", user, got, gotOK, want, wantOK)
		}
	}
}

func FuzzGroundedSummary(f *testing.F) {
	for _, text := range groundedTexts {
		f.Add(text)
	}
	f.Fuzz(func(t *testing.T, text string) {
		c := userCall("<<<ARTICLE X>>>\n" + text + "\n<<<END ARTICLE X>>>")
		got, gotOK := GroundedSummary(c)
		want, wantOK := groundedSummaryReference(c)
		if gotOK != wantOK || !slices.Equal(got.KeyPoints, want.KeyPoints) || got.WhyItMatters != want.WhyItMatters {
			t.Errorf("GroundedSummary(%q) = %+v, %v; want %+v, %v", text, got, gotOK, want, wantOK)
		}
	})
}

// TestReplyIsTheCompletionMap: Reply and JSON write what encoding/json writes for the
// completion map and the output struct they stand for.
func TestReplyIsTheCompletionMap(t *testing.T) {
	texts := []string{"", "plain", "<b>&</b> \"q\" \\ \n\t \x01 \u2028 \xff Ünïcödé “x”"}
	for _, model := range []string{"", "bench-model", "m<&>\"x\""} {
		for i, content := range append(texts, JSON(Sample()), JSON(summary.Summary{KeyPoints: []string{}})) {
			c := &Call{Index: i * 1000, Time: time.Unix(1764000000+int64(i), 0), Body: make([]byte, i*997),
				Request: openai.ChatCompletionRequest{Model: model}}
			for _, finish := range []string{"stop", "length", "a<b"} {
				got, want := httptest.NewRecorder(), httptest.NewRecorder()
				Reply(got, c, content, finish)
				writeJSON(want, http.StatusOK, completion(c, map[string]any{"role": "assistant", "content": content}, finish))
				if got.Body.String() != want.Body.String() || !reflect.DeepEqual(got.Header(), want.Header()) || got.Code != want.Code {
					t.Errorf("Reply wrote %d %v %s, want %d %v %s", got.Code, got.Header(), got.Body, want.Code, want.Header(), want.Body)
				}
			}
		}
	}
	for _, s := range []summary.Summary{{}, Sample(), {KeyPoints: []string{}, WhyItMatters: texts[2]}, {KeyPoints: texts, WhatItMeansForYou: "<&>"}} {
		want, _ := json.Marshal(output{KeyPoints: s.KeyPoints, WhyItMatters: s.WhyItMatters, WhatItMeansForYou: s.WhatItMeansForYou, Language: "en"})
		if got := JSON(s); got != string(want) {
			t.Errorf("JSON(%+v) = %s, want %s", s, got, want)
		}
	}
}
