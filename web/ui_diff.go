package web

import (
	"html/template"
	"strings"
)

// diffOp is one run of words in a diff: kept ('='), inserted ('+') or deleted ('-').
type diffOp struct {
	Op   byte
	Text string
}

// maxDiffCells bounds the LCS table (words of a × words of b). Summaries are a few hundred
// words; anything larger is shown as replaced wholesale rather than costing memory.
const maxDiffCells = 4_000_000

// diffWords returns a word-level diff from a to b using the longest common subsequence of
// their words. Whitespace is normalised to single spaces: reviewers read words, not blanks.
// A common start and end are matched first, so a typical edit leaves the table small.
func diffWords(a, b string) []diffOp {
	wa, wb := strings.Fields(a), strings.Fields(b)
	type run struct {
		op    byte
		words []string
	}
	var runs []run
	add := func(op byte, ws ...string) {
		if len(ws) == 0 {
			return
		}
		if k := len(runs); k > 0 && runs[k-1].op == op {
			runs[k-1].words = append(runs[k-1].words, ws...)
			return
		}
		runs = append(runs, run{op, append([]string(nil), ws...)})
	}
	pre := 0
	for pre < len(wa) && pre < len(wb) && wa[pre] == wb[pre] {
		pre++
	}
	suf := 0
	for suf < len(wa)-pre && suf < len(wb)-pre && wa[len(wa)-1-suf] == wb[len(wb)-1-suf] {
		suf++
	}
	add('=', wa[:pre]...)
	ma, mb := wa[pre:len(wa)-suf], wb[pre:len(wb)-suf]
	n, m := len(ma), len(mb)
	if n*m > maxDiffCells {
		add('-', ma...)
		add('+', mb...)
	} else {
		// lcs[i][j] is the LCS length of ma[i:] and mb[j:], so the walk below goes forward.
		lcs := make([][]int32, n+1)
		for i := range lcs {
			lcs[i] = make([]int32, m+1)
		}
		for i := n - 1; i >= 0; i-- {
			for j := m - 1; j >= 0; j-- {
				if ma[i] == mb[j] {
					lcs[i][j] = lcs[i+1][j+1] + 1
				} else {
					lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
				}
			}
		}
		i, j := 0, 0
		for i < n && j < m {
			switch {
			case ma[i] == mb[j]:
				add('=', ma[i])
				i, j = i+1, j+1
			case lcs[i+1][j] >= lcs[i][j+1]:
				add('-', ma[i])
				i++
			default:
				add('+', mb[j])
				j++
			}
		}
		add('-', ma[i:]...)
		add('+', mb[j:]...)
	}
	add('=', wa[len(wa)-suf:]...)
	ops := make([]diffOp, len(runs))
	for k, r := range runs {
		ops[k] = diffOp{r.op, strings.Join(r.words, " ")}
	}
	return cleanup(ops)
}

// cleanup makes a diff readable the way people read edits: a word or two that happen to
// match inside a rewritten passage ("the", "about") are folded into the change, so that a
// rewritten sentence shows as one deletion and one insertion instead of confetti.
func cleanup(ops []diffOp) []diffOp {
	const short = 2 // words
	var out []diffOp
	for k := 0; k < len(ops); k++ {
		op := ops[k]
		if op.Op == '=' && k > 0 && k < len(ops)-1 && len(strings.Fields(op.Text)) <= short {
			// Between two changes: part of the rewrite.
			out = append(out, diffOp{'-', op.Text}, diffOp{'+', op.Text})
			continue
		}
		out = append(out, op)
	}
	// Coalesce each run of changes into one deletion followed by one insertion.
	var res []diffOp
	var del, ins []string
	flush := func() {
		if len(del) > 0 {
			res = append(res, diffOp{'-', strings.Join(del, " ")})
		}
		if len(ins) > 0 {
			res = append(res, diffOp{'+', strings.Join(ins, " ")})
		}
		del, ins = nil, nil
	}
	for _, op := range out {
		switch op.Op {
		case '-':
			del = append(del, op.Text)
		case '+':
			ins = append(ins, op.Text)
		default:
			flush()
			res = append(res, op)
		}
	}
	flush()
	return res
}

// diffHTML renders a diff with <del> and <ins>, every word escaped.
func diffHTML(ops []diffOp) template.HTML {
	var b strings.Builder
	for k, op := range ops {
		if k > 0 {
			b.WriteByte(' ')
		}
		text := template.HTMLEscapeString(op.Text)
		switch op.Op {
		case '+':
			b.WriteString(`<ins><span class="sr-only">[added: </span>` + text + `<span class="sr-only">]</span></ins>`)
		case '-':
			b.WriteString(`<del><span class="sr-only">[removed: </span>` + text + `<span class="sr-only">]</span></del>`)
		default:
			b.WriteString(text)
		}
	}
	return template.HTML(b.String())
}

// changed reports whether a diff holds any insertion or deletion.
func changed(ops []diffOp) bool {
	for _, op := range ops {
		if op.Op != '=' {
			return true
		}
	}
	return false
}
