package vision

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// GrowOptions say how many parameter tokens every Pattention of each group has after
// growing (0 keeps the current count; counts never shrink).
type GrowOptions struct {
	QKVTokens, ProjTokens, FFNTokens int
	// KeepZoom holds √n at the pre-growth counts, which makes the grown model compute
	// exactly the old function at step 0 for the GELU norms: zero new keys score 0 and
	// GELU(0) = 0 (TokenFormer's incremental scaling, arXiv 2410.23168). Grow refuses it
	// with NormSoftmax, where a zero key still scores softmax(0) > 0.
	KeepZoom bool
	// NewValueStd is the std of the appended value tokens (0 = the config's value init
	// std). They must not be zero, or neither new keys nor values would ever learn.
	NewValueStd float64
	Seed        uint64
}

// pattentionGroup names the group of the Pattention owning a key/value variable path.
func pattentionGroup(path string) string {
	switch {
	case strings.Contains(path, "/attn/query/"), strings.Contains(path, "/attn/key/"), strings.Contains(path, "/attn/value/"):
		return "qkv"
	case strings.Contains(path, "/attn/out/"):
		return "proj"
	case strings.Contains(path, "/ffn/"):
		return "ffn"
	}
	return ""
}

// Grow appends parameter tokens to every Pattention in store (model weights of cfg): new
// key tokens are zero — their scores are 0 and GELU(0) = 0, so they add nothing at first —
// and new value tokens are small random values. It returns the grown model's config.
// Optimizer state is not carried over: continue with a fresh optimizer and schedule, as
// the authors' released code does.
func Grow(store *model.Store, cfg Config, opts GrowOptions) (Config, error) {
	if cfg.Kind != KindTokenFormer {
		return cfg, fmt.Errorf("grow: only tokenformer models have parameter tokens (model.kind = %q)", cfg.Kind)
	}
	if opts.KeepZoom && cfg.norm() == NormSoftmax {
		// softmax(A)·zoom gives a zero key the score exp(0)/Σ > 0: the new tokens take
		// probability mass from the old ones and add their random values (issue 14 measured
		// logits moving by 40-112%). No choice of new keys scores 0 for every input.
		return cfg, fmt.Errorf("grow: --keep-zoom cannot preserve the function with model.norm: %s "+
			"(a zero new key still scores softmax(0) > 0 and shifts every output); "+
			"grow without --keep-zoom and train on, or use model.norm %s or %s", NormSoftmax, NormL2GELU, NormGELUL2)
	}
	target := map[string]int{"qkv": cfg.QKVTokens, "proj": cfg.ProjTokens, "ffn": cfg.FFNTokens}
	for group, n := range map[string]int{"qkv": opts.QKVTokens, "proj": opts.ProjTokens, "ffn": opts.FFNTokens} {
		if n == 0 {
			continue
		}
		if n < target[group] {
			return cfg, fmt.Errorf("grow: %s tokens %d < current %d: growing never removes tokens", group, n, target[group])
		}
		target[group] = n
	}
	valueStd := opts.NewValueStd
	if valueStd == 0 {
		valueStd = cfg.valueStd()
	}
	grown := 0
	var paths []*model.Variable
	for v := range store.IterVariables() {
		paths = append(paths, v)
	}
	for _, v := range paths {
		p := v.Path()
		if !v.Trainable { // optimizer moments, EMA: not carried over to the grown model
			continue
		}
		_, name := model.SplitPath(p)
		if name != "key_tokens" && name != "value_tokens" {
			continue
		}
		group := pattentionGroup(p)
		if group == "" {
			return cfg, fmt.Errorf("grow: cannot tell which Pattention %s belongs to", p)
		}
		old := v.Shape().Dimensions
		n, width := old[0], old[1]
		newN := target[group]
		if newN == n {
			continue
		}
		val, err := v.Value()
		if err != nil {
			return cfg, err
		}
		t := tensors.FromShape(shapes.Make(dtypes.Float32, newN, width))
		rng := rand.New(rand.NewPCG(opts.Seed, pathHash(p)))
		tensors.MustConstFlatData(val, func(src []float32) {
			tensors.MustMutableFlatData(t, func(dst []float32) {
				copy(dst, src)
				if name == "value_tokens" {
					for i := len(src); i < len(dst); i++ {
						dst[i] = float32(valueStd * rng.NormFloat64())
					}
				}
			})
		})
		if err := store.DeleteVariable(p); err != nil {
			return cfg, err
		}
		if _, err := store.CreateVariable(p, t); err != nil {
			return cfg, err
		}
		grown++
	}
	if grown == 0 {
		return cfg, fmt.Errorf("grow: nothing to grow (target counts equal the current ones, or the store holds no Pattention weights)")
	}
	out := cfg
	if opts.KeepZoom {
		keep := func(group string, n int) float64 {
			if z := cfg.zoomFor(group); z > 0 {
				return z
			}
			return float64(n)
		}
		out.QKVZoom, out.ProjZoom, out.FFNZoom = keep("qkv", cfg.QKVTokens), keep("proj", cfg.ProjTokens), keep("ffn", cfg.FFNTokens)
	}
	out.QKVTokens, out.ProjTokens, out.FFNTokens = target["qkv"], target["proj"], target["ffn"]
	return out, out.Validate()
}
