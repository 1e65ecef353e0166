package augment

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Args are one op's arguments as a builder sees them. A builder reads each parameter
// once, in the op's positional order: its k-th read takes the k-th positional argument,
// or else the keyword argument of the same name, or else the default. Reading in
// declaration order is what binds positions to names, so an op needs no separate
// parameter list; after the builder returns, any argument it did not read is an error
// that lists the names it did read.
//
// An accessor that cannot convert its argument records the error and returns the
// default; the pipeline reports the first such error, so builders need not check after
// every read.
type Args struct {
	c      *call
	params []string
	cols   map[string]int
	err    error
	interp Interpolation
	size   int
}

// Name is the op's name as written.
func (a *Args) Name() string { return a.c.name }

// Size is the output size the transform was asked for (the model's image size), 0 when
// the caller left it to the spec. Geometric ops default their size to it.
func (a *Args) Size() int { return a.size }

// take binds the next parameter to name and returns its value, if given, with the label
// errors use for it.
func (a *Args) take(name string) (v value, label string, ok bool) {
	k := len(a.params)
	a.params = append(a.params, name)
	var pos, kw *specArg
	npos := 0
	for i := range a.c.args {
		arg := &a.c.args[i]
		if arg.key == "" {
			if npos == k {
				pos = arg
			}
			npos++
		} else if arg.key == name {
			kw = arg
		}
	}
	switch {
	case pos != nil && kw != nil:
		a.fail(kw.val.col, "argument %s given twice (as argument %d and by name)", name, k+1)
		return value{}, "", false
	case pos != nil:
		a.cols[name] = pos.val.col
		return pos.val, fmt.Sprintf("argument %d (%s)", k+1, name), true
	case kw != nil:
		a.cols[name] = kw.val.col
		return kw.val, "argument " + name, true
	}
	return value{}, "", false
}

func (a *Args) fail(col int, format string, args ...any) {
	if a.err == nil {
		a.err = &SpecError{Op: a.c.idx, OpText: a.c.text, Col: col, Msg: fmt.Sprintf(format, args...)}
	}
}

// Errorf is an error about the argument name (read before), positioned at it, for
// builders' range checks.
func (a *Args) Errorf(name string, format string, args ...any) error {
	col, ok := a.cols[name]
	if !ok {
		col = a.c.col
	}
	return &SpecError{Op: a.c.idx, OpText: a.c.text, Col: col, Msg: name + ": " + fmt.Sprintf(format, args...)}
}

// Err is the first error an accessor recorded.
func (a *Args) Err() error { return a.err }

func (a *Args) number(v value, label string, bits int) (float64, bool) {
	text := v.text
	switch {
	case v.kind == identValue && strings.EqualFold(text, "inf"):
		return math.Inf(1), true
	case v.kind != numberValue:
		a.fail(v.col, "%s: want a number, got %s", label, v.describe())
		return 0, false
	}
	// Re-parse the text at the precision asked for: a float32 parameter rounded from
	// the float64 value could differ from the float32 nearest to the written decimal.
	f, err := strconv.ParseFloat(text, bits)
	if err != nil {
		a.fail(v.col, "%s: bad number %s", label, text)
		return 0, false
	}
	return f, true
}

// Float reads a number (a bare inf is +Inf).
func (a *Args) Float(name string, def float64) float64 {
	v, label, ok := a.take(name)
	if !ok {
		return def
	}
	if f, ok := a.number(v, label, 64); ok {
		return f
	}
	return def
}

// Int reads a whole number.
func (a *Args) Int(name string, def int) int {
	v, label, ok := a.take(name)
	if !ok {
		return def
	}
	f, ok := a.number(v, label, 64)
	if !ok {
		return def
	}
	if f != math.Trunc(f) || math.Abs(f) > 1<<31 {
		a.fail(v.col, "%s: want a whole number, got %s", label, v.text)
		return def
	}
	return int(f)
}

func (a *Args) tuple(name string, n, bits int) ([]float64, bool) {
	v, label, ok := a.take(name)
	if !ok {
		return nil, false
	}
	if v.kind != tupleValue || len(v.elems) != n {
		a.fail(v.col, "%s: want a tuple of %d numbers like (%s), got %s", label, n,
			strings.TrimSuffix(strings.Repeat("x,", n), ","), v.describe())
		return nil, false
	}
	out := make([]float64, n)
	for i, e := range v.elems {
		f, ok := a.number(e, fmt.Sprintf("%s element %d", label, i+1), bits)
		if !ok {
			return nil, false
		}
		out[i] = f
	}
	return out, true
}

// Pair reads a tuple of two numbers, (lo, hi).
func (a *Args) Pair(name string, def [2]float64) [2]float64 {
	if t, ok := a.tuple(name, 2, 64); ok {
		return [2]float64{t[0], t[1]}
	}
	return def
}

// RGB reads a tuple of three float32 numbers, one per channel (mean, std): parsed at
// float32 precision, so "0.485" gives the same float32 as a Go constant 0.485 does.
func (a *Args) RGB(name string, def [3]float32) [3]float32 {
	if t, ok := a.tuple(name, 3, 32); ok {
		return [3]float32{float32(t[0]), float32(t[1]), float32(t[2])}
	}
	return def
}

// String reads a quoted string or a bare name.
func (a *Args) String(name string, def string) string {
	v, label, ok := a.take(name)
	if !ok {
		return def
	}
	if v.kind != stringValue && v.kind != identValue {
		a.fail(v.col, "%s: want a name or a quoted string, got %s", label, v.describe())
		return def
	}
	return v.text
}

// Interp reads an interpolation (bilinear, bicubic, nearest). Its default is the
// filter of the geometric op before this one (bicubic before any), as timm passes the
// training interpolation to RandAugment.
func (a *Args) Interp(name string) Interpolation {
	s := a.String(name, "")
	if s == "" {
		return a.interp
	}
	in, err := ParseInterpolation(s)
	if err != nil {
		a.fail(a.cols[name], "%s: %q, want bilinear, bicubic or nearest", name, s)
		return a.interp
	}
	return in
}

// leftover reports arguments the builder did not read.
func (a *Args) leftover() error {
	npos := 0
	for _, arg := range a.c.args {
		if arg.key == "" {
			npos++
			if npos > len(a.params) {
				return &SpecError{Op: a.c.idx, OpText: a.c.text, Col: arg.val.col,
					Msg: fmt.Sprintf("%s takes at most %d arguments (%s), got %d", a.c.name, len(a.params), a.paramList(), a.positional())}
			}
		} else if !slices.Contains(a.params, arg.key) {
			return &SpecError{Op: a.c.idx, OpText: a.c.text, Col: arg.val.col,
				Msg: fmt.Sprintf("unknown argument %s (%s takes %s)", arg.key, a.c.name, a.paramList())}
		}
	}
	return nil
}

func (a *Args) positional() int {
	n := 0
	for _, arg := range a.c.args {
		if arg.key == "" {
			n++
		}
	}
	return n
}

func (a *Args) paramList() string {
	if len(a.params) == 0 {
		return "no arguments"
	}
	return strings.Join(a.params, ", ")
}
