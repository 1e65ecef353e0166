package augment

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// The spec language (see doc.go for the grammar as users read it). Parsing is in two
// steps: parseSpec turns the string into calls (name, arguments, positions) without
// knowing any op, then each call's registered builder reads its arguments through Args.
// Keeping the syntax free of op knowledge is what lets an op be added without touching
// the parser.

// SpecError is a spec that does not parse or build. Op is the 1-based op index (0 when
// the error is not inside one op) and Col the 1-based byte column in the spec string,
// so a long train_pp line can be fixed without counting by hand.
type SpecError struct {
	Op     int
	OpText string
	Col    int
	Msg    string
}

func (e *SpecError) Error() string {
	if e.Op == 0 {
		return fmt.Sprintf("column %d: %s", e.Col, e.Msg)
	}
	return fmt.Sprintf("op %d %q (column %d): %s", e.Op, e.OpText, e.Col, e.Msg)
}

type valueKind int

const (
	numberValue valueKind = iota
	stringValue           // quoted
	identValue            // bare word: bicubic, inf
	tupleValue
)

type value struct {
	kind  valueKind
	text  string // source text; numbers are re-parsed from it at the precision the op asks for
	num   float64
	elems []value
	col   int
}

func (v value) describe() string {
	switch v.kind {
	case stringValue:
		return strconv.Quote(v.text)
	case tupleValue:
		return "a tuple"
	}
	return v.text
}

type specArg struct {
	key string // "" for a positional argument
	val value
}

// call is one op as written: name(args...).
type call struct {
	name string
	text string // the op's source text, quoted in errors
	col  int
	idx  int
	args []specArg
}

// parseSpec splits spec into calls. It knows the syntax only; names and arguments are
// checked by the builders.
func parseSpec(spec string) ([]call, error) {
	p := &parser{s: spec}
	var calls []call
	for {
		p.skipSpace()
		c, err := p.call(len(calls) + 1)
		if err != nil {
			return nil, err
		}
		calls = append(calls, c)
		p.skipSpace()
		if p.i == len(p.s) {
			return calls, nil
		}
		if p.s[p.i] != '|' {
			return nil, p.errf(len(calls), c.text, "want '|' between ops, got %q", p.s[p.i:p.i+1])
		}
		p.i++
	}
}

type parser struct {
	s string
	i int
}

func (p *parser) skipSpace() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *parser) errf(op int, opText, format string, args ...any) error {
	return &SpecError{Op: op, OpText: opText, Col: p.i + 1, Msg: fmt.Sprintf(format, args...)}
}

func isIdentStart(b byte) bool { return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }
func isIdentByte(b byte) bool  { return isIdentStart(b) || b >= '0' && b <= '9' }

func (p *parser) ident() string {
	start := p.i
	if p.i < len(p.s) && isIdentStart(p.s[p.i]) {
		p.i++
		for p.i < len(p.s) && isIdentByte(p.s[p.i]) {
			p.i++
		}
	}
	return p.s[start:p.i]
}

// opText is the op's source from start up to the next top-level '|' (or the end), for
// error messages about an op that did not parse to its end.
func (p *parser) opText(start int) string {
	depth := 0
	for j := start; j < len(p.s); j++ {
		switch p.s[j] {
		case '(':
			depth++
		case ')':
			depth--
		case '|':
			if depth <= 0 {
				return strings.TrimSpace(p.s[start:j])
			}
		}
	}
	return strings.TrimSpace(p.s[start:])
}

func (p *parser) call(idx int) (call, error) {
	start := p.i
	c := call{idx: idx, col: start + 1}
	c.name = p.ident()
	if c.name == "" {
		if p.i == len(p.s) || p.s[p.i] == '|' {
			return c, p.errf(0, "", "empty op (spec %q)", p.s)
		}
		return c, p.errf(idx, p.opText(start), "want an op name, got %q", p.s[p.i:p.i+1])
	}
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == '(' {
		p.i++
		if err := p.argList(&c, start); err != nil {
			return c, err
		}
	}
	c.text = strings.TrimSpace(p.s[start:p.i])
	return c, nil
}

func (p *parser) argList(c *call, start int) error {
	keyed := false
	for {
		p.skipSpace()
		if p.i < len(p.s) && p.s[p.i] == ')' {
			p.i++
			return nil
		}
		a := specArg{}
		save := p.i
		if id := p.ident(); id != "" {
			p.skipSpace()
			if p.i < len(p.s) && p.s[p.i] == '=' {
				p.i++
				a.key = id
				for _, prev := range c.args {
					if prev.key == id {
						p.i = save
						return p.errf(c.idx, p.opText(start), "argument %s given twice", id)
					}
				}
			} else {
				p.i = save
			}
		}
		if a.key == "" && keyed {
			return p.errf(c.idx, p.opText(start), "positional argument after a keyword argument")
		}
		keyed = keyed || a.key != ""
		p.skipSpace()
		v, err := p.value(c.idx, p.opText(start))
		if err != nil {
			return err
		}
		a.val = v
		c.args = append(c.args, a)
		p.skipSpace()
		if p.i == len(p.s) {
			return p.errf(c.idx, p.opText(start), "missing ')'")
		}
		switch p.s[p.i] {
		case ',':
			p.i++
		case ')':
		default:
			return p.errf(c.idx, p.opText(start), "want ',' or ')' after argument %d, got %q", len(c.args), p.s[p.i:p.i+1])
		}
	}
}

func (p *parser) value(op int, opText string) (value, error) {
	if p.i == len(p.s) {
		return value{}, p.errf(op, opText, "missing value")
	}
	v := value{col: p.i + 1}
	switch b := p.s[p.i]; {
	case b == '(':
		p.i++
		v.kind = tupleValue
		for {
			p.skipSpace()
			if p.i < len(p.s) && p.s[p.i] == ')' {
				p.i++
				break
			}
			e, err := p.value(op, opText)
			if err != nil {
				return v, err
			}
			if e.kind == tupleValue {
				return v, &SpecError{Op: op, OpText: opText, Col: e.col, Msg: "tuples do not nest"}
			}
			v.elems = append(v.elems, e)
			p.skipSpace()
			if p.i == len(p.s) {
				return v, p.errf(op, opText, "missing ')' closing the tuple")
			}
			if p.s[p.i] == ',' {
				p.i++
			} else if p.s[p.i] != ')' {
				return v, p.errf(op, opText, "want ',' or ')' in tuple, got %q", p.s[p.i:p.i+1])
			}
		}
		v.text = p.s[v.col-1 : p.i]
	case b == '"' || b == '\'':
		end := strings.IndexByte(p.s[p.i+1:], b)
		if end < 0 {
			return v, p.errf(op, opText, "unterminated string")
		}
		v.kind, v.text = stringValue, p.s[p.i+1:p.i+1+end]
		p.i += end + 2
	case isIdentStart(b):
		v.kind, v.text = identValue, p.ident()
	case b >= '0' && b <= '9' || b == '.' || b == '-' || b == '+':
		start := p.i
		for p.i < len(p.s) && (isIdentByte(p.s[p.i]) || strings.IndexByte(".+-", p.s[p.i]) >= 0) {
			// an exponent sign belongs to the number; any other sign starts a new token
			if (p.s[p.i] == '+' || p.s[p.i] == '-') && p.i > start && p.s[p.i-1] != 'e' && p.s[p.i-1] != 'E' {
				break
			}
			p.i++
		}
		v.kind, v.text = numberValue, p.s[start:p.i]
		f, err := strconv.ParseFloat(v.text, 64)
		if err != nil || math.IsNaN(f) {
			p.i = start
			return v, p.errf(op, opText, "bad number %q", v.text)
		}
		v.num = f
	default:
		return v, p.errf(op, opText, "want a value (number, tuple, 'string' or name), got %q", p.s[p.i:p.i+1])
	}
	return v, nil
}
