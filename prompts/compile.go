package prompts

import (
	"fmt"
	"strconv"
	"text/template/parse"
)

// The prompt files stay text/template, but Render does not execute them with it:
// text/template looks every field up by reflection on every call, 28 µs and 81
// allocations for the prompt of a bench pipeline article, against 3 µs and 4
// compiled. At init each parse tree is compiled into closures over [view] instead.
// They know only what the prompts use (fields, if/else, a range with $i and $n, inc);
// anything else in a template fails the compilation, and so the program's start.
// TestCompiledMatchesTemplate holds the output to text/template's.

// program appends a template's output for v to b.
type program func(b []byte, v *view) []byte

// frame holds the variables of the range being executed ([view].loop).
type frame struct {
	i int
	n string
}

type kind int

const (
	kindString kind = iota
	kindInt
	kindBool
	kindList
)

// value is what a pipeline evaluates to; kind says which field holds it.
type value struct {
	kind kind
	s    string
	n    int
	b    bool
	l    []string
}

func (x value) truth() bool {
	switch x.kind {
	case kindString:
		return x.s != ""
	case kindInt:
		return x.n != 0
	case kindBool:
		return x.b
	}
	return len(x.l) > 0
}

func (x value) append(b []byte) []byte {
	switch x.kind {
	case kindString:
		return append(b, x.s...)
	case kindInt:
		return strconv.AppendInt(b, int64(x.n), 10)
	case kindBool:
		return strconv.AppendBool(b, x.b)
	}
	panic("prompts: a list cannot be printed") // compile rejects it
}

type field struct {
	kind kind
	get  func(v *view) value
}

// fields are the fields of view a template may use.
var fields = map[string]field{
	"Title":           {kindString, func(v *view) value { return value{s: v.Title} }},
	"Byline":          {kindString, func(v *view) value { return value{s: v.Byline} }},
	"SiteName":        {kindString, func(v *view) value { return value{s: v.SiteName} }},
	"Text":            {kindString, func(v *view) value { return value{s: v.Text} }},
	"Language":        {kindString, func(v *view) value { return value{s: v.Language} }},
	"Instructions":    {kindString, func(v *view) value { return value{s: v.Instructions} }},
	"Boundary":        {kindString, func(v *view) value { return value{s: v.Boundary} }},
	"LanguageName":    {kindString, func(v *view) value { return value{s: v.LanguageName} }},
	"Part":            {kindInt, func(v *view) value { return value{kind: kindInt, n: v.Part} }},
	"Parts":           {kindInt, func(v *view) value { return value{kind: kindInt, n: v.Parts} }},
	"British":         {kindBool, func(v *view) value { return value{kind: kindBool, b: v.British} }},
	"HasInstructions": {kindBool, func(v *view) value { return value{kind: kindBool, b: v.HasInstructions} }},
	"Combine":         {kindBool, func(v *view) value { return value{kind: kindBool, b: v.Combine} }},
	"Notes":           {kindList, func(v *view) value { return value{kind: kindList, l: v.Notes} }},
}

func mustCompile(name string) program {
	t := templates.Lookup(name)
	if t == nil || t.Tree == nil {
		panic("prompts: no template " + name)
	}
	c := compiler{name: name}
	return c.list(t.Tree.Root)
}

// compiler turns one template's parse tree into a program, panicking on what it does
// not know.
type compiler struct {
	name string
	// vars are the range's variables in scope: the index, then the element.
	vars []string
}

func (c *compiler) fail(n parse.Node, format string, args ...any) {
	panic(fmt.Sprintf("prompts: %s: cannot compile %q: %s", c.name, n.String(), fmt.Sprintf(format, args...)))
}

func (c *compiler) list(l *parse.ListNode) program {
	if l == nil {
		return func(b []byte, _ *view) []byte { return b }
	}
	ps := make([]program, 0, len(l.Nodes))
	for _, n := range l.Nodes {
		if p := c.node(n); p != nil {
			ps = append(ps, p)
		}
	}
	return func(b []byte, v *view) []byte {
		for _, p := range ps {
			b = p(b, v)
		}
		return b
	}
}

func (c *compiler) node(n parse.Node) program {
	switch n := n.(type) {
	case *parse.TextNode:
		text := string(n.Text)
		return func(b []byte, _ *view) []byte { return append(b, text...) }
	case *parse.CommentNode:
		return nil
	case *parse.ActionNode:
		if len(n.Pipe.Decl) > 0 {
			c.fail(n, "declarations are only known in range")
		}
		get, k := c.pipe(n.Pipe)
		if k == kindList {
			c.fail(n, "a list cannot be printed")
		}
		return func(b []byte, v *view) []byte { return get(v).append(b) }
	case *parse.IfNode:
		cond, _ := c.pipe(n.Pipe)
		then, els := c.list(n.List), c.list(n.ElseList)
		return func(b []byte, v *view) []byte {
			if cond(v).truth() {
				return then(b, v)
			}
			return els(b, v)
		}
	case *parse.RangeNode:
		if n.ElseList != nil || len(n.Pipe.Decl) != 2 || len(n.Pipe.Cmds) != 1 {
			c.fail(n, "only {{range $i, $x := .List}} without else is known")
		}
		if fn, ok := n.Pipe.Cmds[0].Args[0].(*parse.FieldNode); !ok || len(n.Pipe.Cmds[0].Args) != 1 || len(fn.Ident) != 1 || fields[fn.Ident[0]].kind != kindList {
			c.fail(n, "range is only known over a list field")
		}
		get, _ := c.pipe(&parse.PipeNode{Cmds: n.Pipe.Cmds})
		outer := c.vars
		c.vars = []string{n.Pipe.Decl[0].Ident[0], n.Pipe.Decl[1].Ident[0]}
		body := c.list(n.List)
		c.vars = outer
		return func(b []byte, v *view) []byte {
			saved := v.loop
			for i, x := range get(v).l {
				v.loop = frame{i, x}
				b = body(b, v)
			}
			v.loop = saved
			return b
		}
	}
	c.fail(n, "%T is not known", n)
	return nil
}

// pipe compiles a pipeline of one command: a field, a range variable, or inc of either.
func (c *compiler) pipe(p *parse.PipeNode) (func(v *view) value, kind) {
	if len(p.Decl) > 0 || len(p.Cmds) != 1 {
		c.fail(p, "only a pipeline of one command is known")
	}
	args := p.Cmds[0].Args
	switch {
	case len(args) == 1:
		return c.operand(args[0])
	case len(args) == 2:
		if id, ok := args[0].(*parse.IdentifierNode); ok && id.Ident == "inc" {
			get, k := c.operand(args[1])
			if k != kindInt {
				c.fail(p, "inc takes an int")
			}
			return func(v *view) value { return value{kind: kindInt, n: get(v).n + 1} }, kindInt
		}
	}
	c.fail(p, "only a field, a variable or inc is known")
	return nil, 0
}

func (c *compiler) operand(n parse.Node) (func(v *view) value, kind) {
	switch n := n.(type) {
	case *parse.FieldNode:
		fd, ok := fields[n.Ident[0]]
		if len(n.Ident) != 1 || !ok {
			c.fail(n, "unknown field")
		}
		return func(v *view) value { return fd.get(v) }, fd.kind
	case *parse.VariableNode:
		if len(n.Ident) == 1 && len(c.vars) == 2 {
			switch n.Ident[0] {
			case c.vars[0]:
				return func(v *view) value { return value{kind: kindInt, n: v.loop.i} }, kindInt
			case c.vars[1]:
				return func(v *view) value { return value{s: v.loop.n} }, kindString
			}
		}
		c.fail(n, "unknown variable")
	}
	c.fail(n, "%T is not known", n)
	return nil, 0
}
