package extractbench

import (
	"slices"
	"strings"
	"unicode"
)

// shingleN is the shingle length of the benchmark's evaluate.py.
const shingleN = 4

// Tokenize splits text as Python's re.findall(r'\w+', text) does with Unicode strings: runs
// of letters, numbers and underscores. Case is kept.
func Tokenize(text string) []string {
	return strings.FieldsFunc(text, func(r rune) bool {
		return !(r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r))
	})
}

// shingles returns the multiset of token 4-grams; a text of 1–3 tokens yields one shorter
// shingle and an empty text none, as in evaluate.py's _ngrams.
func shingles(tokens []string) map[string]int {
	m := make(map[string]int, len(tokens))
	n := max(1, len(tokens)-shingleN+1)
	for i := 0; i < n && i < len(tokens); i++ {
		// U+0000 cannot occur inside a \w token, so joining with it keeps shingles distinct.
		m[strings.Join(tokens[i:min(i+shingleN, len(tokens))], "\x00")]++
	}
	return m
}

// Counts are one page's shingle matches, normalised to sum to 1 as evaluate.py does so that
// every page weighs the same.
type Counts struct{ TP, FP, FN float64 }

// Match compares a prediction with the ground truth (evaluate.py string_shingle_matching).
func Match(truth, pred string) Counts {
	ts, ps := shingles(Tokenize(truth)), shingles(Tokenize(pred))
	var c Counts
	for k, t := range ts {
		p := ps[k]
		c.TP += float64(min(t, p))
		c.FN += float64(max(0, t-p))
	}
	for k, p := range ps {
		c.FP += float64(max(0, p-ts[k]))
	}
	if s := c.TP + c.FP + c.FN; s > 0 {
		c.TP, c.FP, c.FN = c.TP/s, c.FP/s, c.FN/s
	}
	return c
}

// Precision is evaluate.py's precision_score.
func (c Counts) Precision() float64 {
	switch {
	case c.FP == 0 && c.FN == 0:
		return 1
	case c.TP == 0 && c.FP == 0:
		return 0
	}
	return c.TP / (c.TP + c.FP)
}

// Recall is evaluate.py's recall_score.
func (c Counts) Recall() float64 {
	switch {
	case c.FP == 0 && c.FN == 0:
		return 1
	case c.TP == 0 && c.FN == 0:
		return 0
	}
	return c.TP / (c.TP + c.FN)
}

// Exact reports whether pred has exactly the ground truth's tokens (evaluate.py accuracy).
func Exact(truth, pred string) bool { return slices.Equal(Tokenize(truth), Tokenize(pred)) }

// Scores are corpus-level figures: precision and recall are means of per-page values (over
// pages with a prediction, and pages with a truth, respectively), F1 is the harmonic mean of
// those two means, and accuracy is the share of exact pages.
type Scores struct{ F1, Precision, Recall, Accuracy float64 }

// Summarize computes corpus scores from per-page counts and exact-match flags.
func Summarize(counts []Counts, exact []bool) Scores {
	var s Scores
	var np, nr int
	for _, c := range counts {
		if c.TP+c.FP > 0 {
			s.Precision += c.Precision()
			np++
		}
		if c.TP+c.FN > 0 {
			s.Recall += c.Recall()
			nr++
		}
	}
	if np > 0 {
		s.Precision /= float64(np)
	}
	if nr > 0 {
		s.Recall /= float64(nr)
	}
	if s.Precision+s.Recall > 0 {
		s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
	}
	for _, e := range exact {
		if e {
			s.Accuracy++
		}
	}
	if len(exact) > 0 {
		s.Accuracy /= float64(len(exact))
	}
	return s
}

// CleanPrediction strips soft hyphens (U+00AD), as the benchmark's runner scripts do before
// scoring.
func CleanPrediction(s string) string { return strings.ReplaceAll(s, "\u00ad", "") }
