package imagenet

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// A reader for the parts of MATLAB's level-5 MAT-file format that the
// ILSVRC2012 devkit's data/meta.mat uses: numeric, char, struct, cell and
// object arrays, plain or inside miCOMPRESSED (zlib) elements, in either byte
// order. Sparse arrays, function handles and other classes are skipped (their
// element length is known), not decoded.

// MAT-file data types (the tag's type field).
const (
	miINT8       = 1
	miUINT8      = 2
	miINT16      = 3
	miUINT16     = 4
	miINT32      = 5
	miUINT32     = 6
	miSINGLE     = 7
	miDOUBLE     = 9
	miINT64      = 12
	miUINT64     = 13
	miMATRIX     = 14
	miCOMPRESSED = 15
	miUTF8       = 16
	miUTF16      = 17
	miUTF32      = 18
)

// MATLAB array classes (the low byte of the array flags).
const (
	mxCELL   = 1
	mxSTRUCT = 2
	mxOBJECT = 3
	mxCHAR   = 4
	mxSPARSE = 5
	mxDOUBLE = 6
	mxUINT64 = 15
)

// maxMATInflate bounds what one miCOMPRESSED element may inflate to; the real
// meta.mat inflates to a few MB.
const maxMATInflate = 1 << 28

// matArray is one decoded MATLAB array.
type matArray struct {
	Name  string
	Class int   // mx* class
	Dims  []int // MATLAB dimensions, column-major
	Num   []float64
	Chars []rune       // mxCHAR, column-major
	Field []string     // mxSTRUCT / mxOBJECT field names
	Elem  [][]matArray // struct element (column-major) → field → value
	Cell  []matArray   // mxCELL elements, column-major
}

// count is the number of elements (product of Dims).
func (a *matArray) count() int {
	n := 1
	for _, d := range a.Dims {
		n *= d
	}
	return n
}

// String returns a char array as text: a row vector as is, a 2-D char matrix
// as its rows joined by "\n" (MATLAB stores chars column-major).
func (a *matArray) String() string {
	if len(a.Dims) != 2 || a.Dims[0] <= 1 {
		return string(a.Chars)
	}
	r, c := a.Dims[0], a.Dims[1]
	rows := make([]string, r)
	for i := range rows {
		row := make([]rune, 0, c)
		for j := 0; j < c && i+r*j < len(a.Chars); j++ {
			row = append(row, a.Chars[i+r*j])
		}
		rows[i] = string(row)
	}
	return strings.Join(rows, "\n")
}

// field returns the value of field name of struct element i, or nil.
func (a *matArray) field(i int, name string) *matArray {
	for f, n := range a.Field {
		if n == name && i < len(a.Elem) {
			return &a.Elem[i][f]
		}
	}
	return nil
}

// matParser decodes one buffer of data elements.
type matParser struct {
	path  string           // file, for errors
	where string           // "" or " (in the compressed element at offset N)"
	bo    binary.ByteOrder // from the header's endian indicator
	buf   []byte
	off   int
	base  int // offset of buf[0] in the file or inflated stream, for errors

	lastData int // offset in buf of the data of the last element read
}

func (p *matParser) errf(off int, format string, args ...any) error {
	return fmt.Errorf("imagenet: MAT-file %s: offset %d%s: %s", p.path, p.base+off, p.where, fmt.Sprintf(format, args...))
}

// element reads one tagged data element at p.off and advances past it and its
// padding. It returns the element's type, its data and the tag's offset.
func (p *matParser) element() (typ uint32, data []byte, at int, err error) {
	at = p.off
	if len(p.buf)-p.off < 8 {
		return 0, nil, at, p.errf(at, "truncated: a data element tag needs 8 bytes, %d left", len(p.buf)-p.off)
	}
	word := p.bo.Uint32(p.buf[p.off:])
	if hi := word >> 16; hi != 0 { // small data element: type and size share 4 bytes
		n := int(hi)
		if n > 4 {
			return 0, nil, at, p.errf(at, "small data element claims %d bytes (at most 4)", n)
		}
		typ = word & 0xffff
		data = p.buf[p.off+4 : p.off+4+n]
		p.lastData = p.off + 4
		p.off += 8
		return typ, data, at, nil
	}
	typ = word
	n64 := uint64(p.bo.Uint32(p.buf[p.off+4:]))
	left := uint64(len(p.buf) - p.off - 8)
	if n64 > left {
		return 0, nil, at, p.errf(at, "truncated: data element of type %d claims %d bytes, only %d left", typ, n64, left)
	}
	n := int(n64)
	data = p.buf[p.off+8 : p.off+8+n]
	p.lastData = p.off + 8
	p.off += 8 + n
	if typ != miCOMPRESSED { // compressed elements are not padded
		if pad := (8 - n%8) % 8; pad <= len(p.buf)-p.off {
			p.off += pad
		} else {
			p.off = len(p.buf)
		}
	}
	return typ, data, at, nil
}

// readMATFile reads every variable of a level-5 MAT-file.
func readMATFile(path string) ([]matArray, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("imagenet: MAT-file: %w", err)
	}
	return parseMAT(path, b)
}

// parseMAT decodes the variables of a level-5 MAT-file held in b.
func parseMAT(path string, b []byte) ([]matArray, error) {
	if len(b) < 128 {
		return nil, fmt.Errorf("imagenet: MAT-file %s: %d bytes, shorter than the 128-byte header: truncated or not a MAT-file", path, len(b))
	}
	var bo binary.ByteOrder
	switch string(b[126:128]) {
	case "IM":
		bo = binary.LittleEndian
	case "MI":
		bo = binary.BigEndian
	default:
		return nil, fmt.Errorf("imagenet: MAT-file %s: endian indicator %q at offset 126 is not \"IM\" or \"MI\": not a level-5 MAT-file (v7.3/HDF5 files are not supported)", path, b[126:128])
	}
	if v := bo.Uint16(b[124:]); v != 0x0100 {
		return nil, fmt.Errorf("imagenet: MAT-file %s: header version %#04x, want 0x0100 (level 5)", path, v)
	}
	p := &matParser{path: path, bo: bo, buf: b, off: 128}
	var vars []matArray
	for p.off < len(p.buf) {
		typ, data, at, err := p.element()
		if err != nil {
			return nil, err
		}
		switch typ {
		case miMATRIX:
			a, err := p.matrix(data, at+8)
			if err != nil {
				return nil, err
			}
			vars = append(vars, a)
		case miCOMPRESSED:
			zr, err := zlib.NewReader(bytes.NewReader(data))
			if err != nil {
				return nil, p.errf(at, "compressed element: %v", err)
			}
			raw, err := io.ReadAll(io.LimitReader(zr, maxMATInflate+1))
			if err != nil {
				return nil, p.errf(at, "compressed element (%d bytes): zlib: %v (truncated file?)", len(data), err)
			}
			if len(raw) > maxMATInflate {
				return nil, p.errf(at, "compressed element inflates past %d bytes", maxMATInflate)
			}
			sub := &matParser{path: path, where: fmt.Sprintf(" (inside the compressed element at offset %d)", at), bo: bo, buf: raw}
			for sub.off < len(sub.buf) {
				st, sd, sat, err := sub.element()
				if err != nil {
					return nil, err
				}
				if st != miMATRIX {
					continue
				}
				a, err := sub.matrix(sd, sat+8)
				if err != nil {
					return nil, err
				}
				vars = append(vars, a)
			}
		}
		// Other top-level elements are not variables: skipped.
	}
	return vars, nil
}

// matrix decodes the body of a miMATRIX element; base is its offset in p.buf
// (for errors).
func (p *matParser) matrix(body []byte, base int) (matArray, error) {
	var a matArray
	if len(body) == 0 { // an empty array inside a cell or struct
		a.Class = mxDOUBLE
		a.Dims = []int{0, 0}
		return a, nil
	}
	sub := &matParser{path: p.path, where: p.where, bo: p.bo, buf: body, base: p.base + base}
	next := func(what string) (uint32, []byte, error) {
		typ, data, _, err := sub.element()
		if err != nil {
			return 0, nil, fmt.Errorf("%w (reading the %s of array %q)", err, what, a.Name)
		}
		return typ, data, nil
	}

	_, flags, err := next("array flags")
	if err != nil {
		return a, err
	}
	if len(flags) < 4 {
		return a, p.errf(base, "array flags element has %d bytes, want 8", len(flags))
	}
	a.Class = int(p.bo.Uint32(flags) & 0xff)
	if a.Class == mxSPARSE || a.Class < mxCELL || a.Class > mxUINT64 {
		return a, nil // not decoded; its length was known, so the caller goes on
	}
	typ, dimData, err := next("dimensions")
	if err != nil {
		return a, err
	}
	dims, err := p.numbers(typ, dimData, base)
	if err != nil {
		return a, err
	}
	for _, d := range dims {
		if d < 0 || d != math.Trunc(d) || d > math.MaxInt32 {
			return a, p.errf(base, "bad dimension %v", d)
		}
		a.Dims = append(a.Dims, int(d))
	}
	_, name, err := next("array name")
	if err != nil {
		return a, err
	}
	a.Name = string(name)
	n := 1
	for _, d := range a.Dims {
		if n *= d; n > len(body)*8 && n > 1<<20 { // an array cannot hold more than its bytes allow
			return a, p.errf(base, "array %q: dimensions %v are too large for a %d-byte element", a.Name, a.Dims, len(body))
		}
	}
	switch a.Class {
	case mxCELL:
		if n > len(body)/8 {
			return a, p.errf(base, "cell array of %d elements cannot fit in %d bytes", n, len(body))
		}
		a.Cell = make([]matArray, n)
		for i := range a.Cell {
			typ, data, err := next("cell element")
			if err != nil {
				return a, err
			}
			if typ != miMATRIX {
				return a, p.errf(base, "cell element %d has data type %d, want miMATRIX (14)", i+1, typ)
			}
			if a.Cell[i], err = p.matrix(data, base+sub.lastData); err != nil {
				return a, err
			}
		}
	case mxSTRUCT, mxOBJECT:
		if a.Class == mxOBJECT {
			if _, _, err := next("object class name"); err != nil {
				return a, err
			}
		}
		typ, lenData, err := next("field name length")
		if err != nil {
			return a, err
		}
		fl, err := p.numbers(typ, lenData, base)
		if err != nil {
			return a, err
		}
		_, names, err := next("field names")
		if err != nil {
			return a, err
		}
		if len(fl) != 1 || fl[0] < 1 || fl[0] > 1<<16 {
			return a, p.errf(base, "bad struct field name length %v", fl)
		}
		w := int(fl[0])
		if len(names)%w != 0 {
			return a, p.errf(base, "struct field names: %d bytes is not a multiple of the field name length %d", len(names), w)
		}
		for i := 0; i < len(names); i += w {
			f := names[i : i+w]
			if z := bytes.IndexByte(f, 0); z >= 0 {
				f = f[:z]
			}
			a.Field = append(a.Field, string(f))
		}
		nf := len(a.Field)
		if nf > 0 && n > len(body)/(8*nf) {
			return a, p.errf(base, "struct array of %d elements × %d fields cannot fit in %d bytes", n, nf, len(body))
		}
		a.Elem = make([][]matArray, n)
		for i := range a.Elem {
			a.Elem[i] = make([]matArray, nf)
			for f := range a.Field {
				typ, data, err := next("struct field")
				if err != nil {
					return a, err
				}
				if typ != miMATRIX {
					return a, p.errf(base, "struct element %d field %s has data type %d, want miMATRIX (14)", i+1, a.Field[f], typ)
				}
				if a.Elem[i][f], err = p.matrix(data, base+sub.lastData); err != nil {
					return a, err
				}
				a.Elem[i][f].Name = a.Field[f]
			}
		}
	case mxCHAR:
		if n == 0 {
			return a, nil
		}
		typ, data, err := next("char data")
		if err != nil {
			return a, err
		}
		if a.Chars, err = p.chars(typ, data, base); err != nil {
			return a, err
		}
	default: // numeric: real part (an imaginary part, if any, follows and is ignored)
		if n == 0 {
			return a, nil
		}
		typ, data, err := next("numeric data")
		if err != nil {
			return a, err
		}
		if a.Num, err = p.numbers(typ, data, base); err != nil {
			return a, err
		}
		if len(a.Num) != n {
			return a, p.errf(base, "array %q: %d values for %v dimensions", a.Name, len(a.Num), a.Dims)
		}
	}
	return a, nil
}

// numbers converts numeric data of any MAT data type to float64 (MATLAB
// stores doubles in the smallest type that holds them exactly).
func (p *matParser) numbers(typ uint32, d []byte, base int) ([]float64, error) {
	size := map[uint32]int{miINT8: 1, miUINT8: 1, miINT16: 2, miUINT16: 2, miINT32: 4, miUINT32: 4,
		miSINGLE: 4, miDOUBLE: 8, miINT64: 8, miUINT64: 8}[typ]
	if size == 0 {
		return nil, p.errf(base, "data type %d is not numeric", typ)
	}
	if len(d)%size != 0 {
		return nil, p.errf(base, "%d bytes of data type %d is not a whole number of %d-byte values", len(d), typ, size)
	}
	out := make([]float64, len(d)/size)
	bo := p.bo
	for i := range out {
		x := d[i*size:]
		switch typ {
		case miINT8:
			out[i] = float64(int8(x[0]))
		case miUINT8:
			out[i] = float64(x[0])
		case miINT16:
			out[i] = float64(int16(bo.Uint16(x)))
		case miUINT16:
			out[i] = float64(bo.Uint16(x))
		case miINT32:
			out[i] = float64(int32(bo.Uint32(x)))
		case miUINT32:
			out[i] = float64(bo.Uint32(x))
		case miSINGLE:
			out[i] = float64(math.Float32frombits(bo.Uint32(x)))
		case miDOUBLE:
			out[i] = math.Float64frombits(bo.Uint64(x))
		case miINT64:
			out[i] = float64(int64(bo.Uint64(x)))
		case miUINT64:
			out[i] = float64(bo.Uint64(x))
		}
	}
	return out, nil
}

// chars decodes char-array data: UTF-16/UINT16 (MATLAB), UTF-8/UINT8 (scipy),
// UTF-32.
func (p *matParser) chars(typ uint32, d []byte, base int) ([]rune, error) {
	switch typ {
	case miUINT8, miINT8:
		r := make([]rune, len(d))
		for i, c := range d {
			r[i] = rune(c)
		}
		return r, nil
	case miUTF8:
		if !utf8.Valid(d) {
			return nil, p.errf(base, "char data is not valid UTF-8")
		}
		return []rune(string(d)), nil
	case miUINT16, miUTF16:
		if len(d)%2 != 0 {
			return nil, p.errf(base, "UTF-16 char data has an odd length %d", len(d))
		}
		u := make([]uint16, len(d)/2)
		for i := range u {
			u[i] = p.bo.Uint16(d[2*i:])
		}
		return utf16.Decode(u), nil
	case miUTF32, miUINT32, miINT32:
		if len(d)%4 != 0 {
			return nil, p.errf(base, "UTF-32 char data length %d is not a multiple of 4", len(d))
		}
		r := make([]rune, len(d)/4)
		for i := range r {
			r[i] = rune(p.bo.Uint32(d[4*i:]))
		}
		return r, nil
	}
	return nil, p.errf(base, "char data has data type %d, want a character type", typ)
}

// ReadDevkitMeta reads the ILSVRC2012 devkit's data/meta.mat: the struct array
// `synsets` (fields ILSVRC2012_ID, WNID, words, num_children, …). It returns
// the leaf synsets (num_children == 0, ILSVRC2012_IDs 1..1000 in the real
// file) as ILSVRC2012_ID → wnid, and wnid → words (the class names).
func ReadDevkitMeta(path string) (ids map[int]string, names map[string]string, err error) {
	vars, err := readMATFile(path)
	if err != nil {
		return nil, nil, err
	}
	var s *matArray
	for i := range vars {
		if vars[i].Name == "synsets" {
			s = &vars[i]
		}
	}
	if s == nil {
		return nil, nil, fmt.Errorf("imagenet: devkit meta %s: no variable `synsets` (is this the ILSVRC2012 devkit's data/meta.mat?)", path)
	}
	if s.Class != mxSTRUCT {
		return nil, nil, fmt.Errorf("imagenet: devkit meta %s: `synsets` is MATLAB class %d, want a struct array", path, s.Class)
	}
	for _, f := range []string{"ILSVRC2012_ID", "WNID"} {
		if s.field(0, f) == nil && len(s.Elem) > 0 {
			return nil, nil, fmt.Errorf("imagenet: devkit meta %s: `synsets` has no field %s (fields: %s)", path, f, strings.Join(s.Field, ", "))
		}
	}
	ids, names = map[int]string{}, map[string]string{}
	seen := map[string]int{}
	for i := range s.Elem {
		if nc := s.field(i, "num_children"); nc != nil && len(nc.Num) == 1 && nc.Num[0] != 0 {
			continue // an inner node of the hierarchy, not a class
		}
		idA, wA := s.field(i, "ILSVRC2012_ID"), s.field(i, "WNID")
		if len(idA.Num) != 1 || idA.Num[0] != math.Trunc(idA.Num[0]) || idA.Num[0] < 1 || idA.Num[0] > math.MaxInt32 {
			return nil, nil, fmt.Errorf("imagenet: devkit meta %s: synsets(%d).ILSVRC2012_ID is %v, want one integer ≥ 1", path, i+1, idA.Num)
		}
		id, wnid := int(idA.Num[0]), strings.TrimSpace(wA.String())
		if !wnidRE.MatchString(wnid) {
			return nil, nil, fmt.Errorf("imagenet: devkit meta %s: synsets(%d).WNID is %q, not a wnid", path, i+1, wnid)
		}
		if w, dup := ids[id]; dup {
			return nil, nil, fmt.Errorf("imagenet: devkit meta %s: ILSVRC2012_ID %d given twice (%s, %s)", path, id, w, wnid)
		}
		if j, dup := seen[wnid]; dup {
			return nil, nil, fmt.Errorf("imagenet: devkit meta %s: wnid %s in synsets(%d) and synsets(%d)", path, wnid, j, i+1)
		}
		ids[id], seen[wnid] = wnid, i+1
		if wd := s.field(i, "words"); wd != nil && wd.Class == mxCHAR {
			if t := strings.TrimSpace(wd.String()); t != "" {
				names[wnid] = t
			}
		}
	}
	if len(ids) == 0 {
		return nil, nil, fmt.Errorf("imagenet: devkit meta %s: `synsets` has no leaf entries (num_children == 0)", path)
	}
	return ids, names, nil
}
