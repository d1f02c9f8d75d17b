package extractbench

import (
	"math"
	"slices"
	"testing"
)

func TestTokenize(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"Hello, World!", []string{"Hello", "World"}},
		{"it's 3.5% of_all", []string{"it", "s", "3", "5", "of_all"}},
		{"Zürich — naïve café", []string{"Zürich", "naïve", "café"}},
		{"東京 서울 ٣٤٥", []string{"東京", "서울", "٣٤٥"}},
		{"co\u00adoperate", []string{"co", "operate"}}, // the soft hyphen splits until CleanPrediction removes it
	} {
		if got := Tokenize(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("Tokenize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-12 }

func TestMatch(t *testing.T) {
	for _, tt := range []struct {
		name             string
		truth, pred      string
		tp, fp, fn, p, r float64
	}{
		// 6 tokens → 3 shingles each; identical.
		{"an exact prediction scores one", "a b c d e f", "a b c d e f", 1, 0, 0, 1, 1},
		// truth shingles abcd bcde cdef; pred adds "g": abcd bcde cdef defg → tp 3 fp 1.
		{"an extra token costs precision", "a b c d e f", "a b c d e f g", 3.0 / 4, 1.0 / 4, 0, 3.0 / 4, 1},
		// pred abcd bcde → tp 2 fn 1.
		{"a missing token costs recall", "a b c d e f", "a b c d e", 2.0 / 3, 0, 1.0 / 3, 1, 2.0 / 3},
		// Short texts are one shingle: "a b" vs "a b" match, "a b" vs "a c" do not.
		{"short texts are one shingle", "a b", "a b", 1, 0, 0, 1, 1},
		{"short texts that differ share nothing", "a b", "a c", 0, 0.5, 0.5, 0, 0},
		// An empty prediction: tp=fp=0, precision 0 (and left out of the mean), recall 0.
		{"an empty prediction has zero recall", "a b c d", "", 0, 0, 1, 0, 0},
		// Repeated shingles count as a multiset: truth has "x y z w" twice, pred once.
		{"shingles are a multiset", "x y z w . x y z w", "x y z w", 1.0 / 5, 0, 4.0 / 5, 1, 1.0 / 5},
		// Case matters.
		{"case is kept", "Alpha beta gamma delta", "alpha beta gamma delta", 0, 0.5, 0.5, 0, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := Match(tt.truth, tt.pred)
			if !near(c.TP, tt.tp) || !near(c.FP, tt.fp) || !near(c.FN, tt.fn) {
				t.Errorf("Match(%q, %q) = %+v, want tp %v fp %v fn %v", tt.truth, tt.pred, c, tt.tp, tt.fp, tt.fn)
			}
			if !near(c.Precision(), tt.p) || !near(c.Recall(), tt.r) {
				t.Errorf("P, R = %v, %v, want %v, %v", c.Precision(), c.Recall(), tt.p, tt.r)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	counts := []Counts{
		Match("a b c d e f", "a b c d e f"),   // P 1, R 1
		Match("a b c d e f", "a b c d e f g"), // P .75, R 1
		Match("a b c d e f", "a b c d e"),     // P 1, R 2/3
		Match("a b c d", ""),                  // no prediction: out of P, R 0
	}
	exact := []bool{Exact("a b c d e f", "a, b c; d e f"), false, false, false}
	s := Summarize(counts, exact)
	wantP := (1 + 0.75 + 1) / 3
	wantR := (1 + 1 + 2.0/3 + 0) / 4
	wantF1 := 2 * wantP * wantR / (wantP + wantR)
	if !near(s.Precision, wantP) || !near(s.Recall, wantR) || !near(s.F1, wantF1) || !near(s.Accuracy, 0.25) {
		t.Errorf("Summarize = %+v, want P %v R %v F1 %v acc 0.25", s, wantP, wantR, wantF1)
	}
	// F1 of the means, not the mean of per-page F1.
	var meanF1 float64
	for _, c := range counts[:3] {
		meanF1 += 2 * c.Precision() * c.Recall() / (c.Precision() + c.Recall())
	}
	if near(s.F1, meanF1/4) {
		t.Errorf("Summarize F1 equals the mean of per-page F1; it must be the F1 of the means")
	}
}

func TestCleanPrediction(t *testing.T) {
	if got := Tokenize(CleanPrediction("co\u00adoperate now")); !slices.Equal(got, []string{"cooperate", "now"}) {
		t.Errorf("tokens after CleanPrediction = %q", got)
	}
}
