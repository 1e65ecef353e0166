package augment

import (
	"fmt"
	"image"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// ImageOp is one step on an 8-bit image, in place. Random steps draw from rng.
type ImageOp func(img *image.NRGBA, rng *rand.Rand)

// OpBuilder makes an ImageOp from the raw (trimmed) arguments of a spec.
type OpBuilder func(args []string) (ImageOp, error)

// A big_vision-style registry: pipelines are written as strings like
// "equalize|rotate(15)|posterize(3)|randaug(rand-m9-mstd0.5-inc1)", so that
// experiments (and debugging a single op on a real image) need no code. The
// fused Train/Eval transforms remain the fast path; these ops act on the
// 8-bit image at output size, where RandAugment runs.
var registry = struct {
	sync.RWMutex
	m map[string]OpBuilder
}{m: map[string]OpBuilder{}}

// RegisterOp adds (or replaces) a named op builder.
func RegisterOp(name string, b OpBuilder) {
	registry.Lock()
	defer registry.Unlock()
	registry.m[name] = b
}

// RegisteredOps returns the registered names, sorted.
func RegisteredOps() []string {
	registry.RLock()
	defer registry.RUnlock()
	names := make([]string, 0, len(registry.m))
	for n := range registry.m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ParseOps parses "op|op(arg, arg)|…" into ops applied left to right by the
// returned function. Errors name the offending op.
func ParseOps(spec string) (ImageOp, error) {
	var ops []ImageOp
	for _, part := range strings.Split(spec, "|") {
		part = strings.TrimSpace(part)
		name, args := part, []string(nil)
		if i := strings.IndexByte(part, '('); i >= 0 {
			if !strings.HasSuffix(part, ")") {
				return nil, fmt.Errorf("augment: op %q: missing ')'", part)
			}
			name = strings.TrimSpace(part[:i])
			if inner := strings.TrimSpace(part[i+1 : len(part)-1]); inner != "" {
				for _, a := range strings.Split(inner, ",") {
					args = append(args, strings.TrimSpace(a))
				}
			}
		}
		registry.RLock()
		b, ok := registry.m[name]
		registry.RUnlock()
		if !ok {
			return nil, fmt.Errorf("augment: unknown op %q in %q (registered: %s)", name, spec, strings.Join(RegisteredOps(), ", "))
		}
		op, err := b(args)
		if err != nil {
			return nil, fmt.Errorf("augment: op %q: %w", part, err)
		}
		ops = append(ops, op)
	}
	return func(img *image.NRGBA, rng *rand.Rand) {
		for _, op := range ops {
			op(img, rng)
		}
	}, nil
}

// floatArgs parses exactly n numeric arguments.
func floatArgs(args []string, n int) ([]float64, error) {
	if len(args) != n {
		return nil, fmt.Errorf("want %d argument(s), got %d", n, len(args))
	}
	out := make([]float64, n)
	for i, a := range args {
		v, err := strconv.ParseFloat(a, 64)
		if err != nil {
			return nil, fmt.Errorf("argument %q is not a number", a)
		}
		out[i] = v
	}
	return out, nil
}

func noArgs(f func(*image.NRGBA)) OpBuilder {
	return func(args []string) (ImageOp, error) {
		if len(args) != 0 {
			return nil, fmt.Errorf("takes no arguments")
		}
		return func(img *image.NRGBA, _ *rand.Rand) { f(img) }, nil
	}
}

func oneArg(f func(*image.NRGBA, float64)) OpBuilder {
	return func(args []string) (ImageOp, error) {
		v, err := floatArgs(args, 1)
		if err != nil {
			return nil, err
		}
		return func(img *image.NRGBA, _ *rand.Rand) { f(img, v[0]) }, nil
	}
}

// The geometric ops use bicubic, the recipe's interpolation.
func init() {
	RegisterOp("invert", noArgs(Invert))
	RegisterOp("autocontrast", noArgs(AutoContrast))
	RegisterOp("equalize", noArgs(Equalize))
	RegisterOp("flip_lr", noArgs(flipLR))
	RegisterOp("posterize", oneArg(func(m *image.NRGBA, v float64) { Posterize(m, int(v)) }))
	RegisterOp("solarize", oneArg(func(m *image.NRGBA, v float64) { Solarize(m, int(v)) }))
	RegisterOp("solarize_add", oneArg(func(m *image.NRGBA, v float64) { SolarizeAdd(m, int(v), 128) }))
	RegisterOp("color", oneArg(Color))
	RegisterOp("contrast", oneArg(Contrast))
	RegisterOp("brightness", oneArg(Brightness))
	RegisterOp("sharpness", oneArg(Sharpness))
	RegisterOp("rotate", oneArg(func(m *image.NRGBA, v float64) { Rotate(m, v, Bicubic) }))
	RegisterOp("shear_x", oneArg(func(m *image.NRGBA, v float64) { Affine(m, [6]float64{1, v, 0, 0, 1, 0}, Bicubic) }))
	RegisterOp("shear_y", oneArg(func(m *image.NRGBA, v float64) { Affine(m, [6]float64{1, 0, 0, v, 1, 0}, Bicubic) }))
	RegisterOp("translate_x", oneArg(func(m *image.NRGBA, v float64) { Affine(m, [6]float64{1, 0, v, 0, 1, 0}, Bicubic) }))
	RegisterOp("translate_y", oneArg(func(m *image.NRGBA, v float64) { Affine(m, [6]float64{1, 0, 0, 0, 1, v}, Bicubic) }))
	RegisterOp("randaug", func(args []string) (ImageOp, error) {
		if len(args) != 1 {
			return nil, fmt.Errorf("want one timm spec, e.g. randaug(rand-m9-mstd0.5-inc1)")
		}
		c, err := ParseRandAugment(args[0])
		if err != nil {
			return nil, err
		}
		c.Interp = Bicubic
		ra := NewRandAugment(c)
		return ra.Apply, nil
	})
}

// flipLR mirrors the image horizontally.
func flipLR(img *image.NRGBA) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	for y := 0; y < h; y++ {
		row := img.Pix[y*img.Stride : y*img.Stride+4*w]
		for i, j := 0, w-1; i < j; i, j = i+1, j-1 {
			for c := range 4 {
				row[4*i+c], row[4*j+c] = row[4*j+c], row[4*i+c]
			}
		}
	}
}
