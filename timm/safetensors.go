package timm

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"

	"github.com/nlpodyssey/safetensors"
)

// Tensor is one tensor of a state dict, converted to float32 (row-major, torch layout).
type Tensor struct {
	Shape []int
	Data  []float32
}

// ReadSafetensors reads every tensor of a safetensors file as float32 (F32, F16, BF16 and
// F64 are accepted) and the header's __metadata__.
func ReadSafetensors(path string) (map[string]Tensor, map[string]string, error) {
	buf, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	st, err := safetensors.Deserialize(buf)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: not a safetensors file: %w", path, err)
	}
	_, meta, err := safetensors.ReadMetadata(buf)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	out := make(map[string]Tensor, st.Len())
	for _, nt := range st.Tensors() {
		tv := nt.TensorView
		shape := make([]int, len(tv.Shape()))
		n := 1
		for i, d := range tv.Shape() {
			shape[i] = int(d)
			n *= int(d)
		}
		data, err := toFloat32(tv.DType(), tv.Data(), n)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: tensor %s: %w", path, nt.Name, err)
		}
		out[nt.Name] = Tensor{Shape: shape, Data: data}
	}
	return out, meta.Metadata(), nil
}

func toFloat32(dt safetensors.DType, raw []byte, n int) ([]float32, error) {
	if uint64(len(raw)) != uint64(n)*dt.Size() {
		return nil, fmt.Errorf("%d bytes for %d %s values", len(raw), n, dt)
	}
	out := make([]float32, n)
	le := binary.LittleEndian
	switch dt {
	case safetensors.F32:
		for i := range out {
			out[i] = math.Float32frombits(le.Uint32(raw[4*i:]))
		}
	case safetensors.F64:
		for i := range out {
			out[i] = float32(math.Float64frombits(le.Uint64(raw[8*i:])))
		}
	case safetensors.BF16:
		for i := range out {
			out[i] = math.Float32frombits(uint32(le.Uint16(raw[2*i:])) << 16)
		}
	case safetensors.F16:
		for i := range out {
			out[i] = halfToFloat32(le.Uint16(raw[2*i:]))
		}
	default:
		return nil, fmt.Errorf("dtype %s: only F32, F16, BF16 and F64 weights can be imported", dt)
	}
	return out, nil
}

// halfToFloat32 converts an IEEE 754 binary16 value.
func halfToFloat32(h uint16) float32 {
	sign := float32(1)
	if h&0x8000 != 0 {
		sign = -1
	}
	exp := int(h>>10) & 0x1f
	frac := float64(h & 0x3ff)
	switch exp {
	case 0:
		return sign * float32(math.Ldexp(frac, -24))
	case 0x1f:
		if frac != 0 {
			return float32(math.NaN())
		}
		return sign * float32(math.Inf(1))
	}
	return sign * float32(math.Ldexp(1+frac/1024, exp-15))
}
