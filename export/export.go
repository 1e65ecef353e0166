package export

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tfvision/tfvision/checkpoint"
	"github.com/tfvision/tfvision/vision"
)

// Tensor is one exported weight: float32, row-major.
type Tensor struct {
	Name string
	Dims []int
	Data []float32
}

// weights reads model weights from a store by path, each checked against its size.
type weights struct {
	store *model.Store
	used  map[string]bool
}

func (w weights) get(path string, dims ...int) ([]float32, error) {
	v := w.store.GetVariable(path)
	if v == nil || !v.HasValue() {
		return nil, fmt.Errorf("export: the model has no weight %s", path)
	}
	if got := v.Shape().Dimensions; fmt.Sprint(got) != fmt.Sprint(dims) {
		return nil, fmt.Errorf("export: weight %s is %v, expected %v", path, got, dims)
	}
	t, err := v.Value()
	if err != nil {
		return nil, fmt.Errorf("export: weight %s: %w", path, err)
	}
	data, err := tensors.CopyFlatData[float32](t)
	if err != nil {
		return nil, fmt.Errorf("export: weight %s: %w", path, err)
	}
	w.used[path] = true
	return data, nil
}

// transpose returns the [cols, rows] transpose of a row-major [rows, cols] matrix.
func transpose(a []float32, rows, cols int) []float32 {
	out := make([]float32, len(a))
	for r := range rows {
		for c := range cols {
			out[c*rows+r] = a[r*cols+c]
		}
	}
	return out
}

// Weights maps the model weights in store (a model of cfg) to the exported names and
// layouts, in a fixed order. Every model weight of the store must be used: a weight the
// mapping does not know is an error, not a silent omission.
func Weights(cfg vision.Config, store *model.Store) ([]Tensor, error) {
	w := weights{store: store, used: map[string]bool{}}
	var out []Tensor
	var err error
	add := func(name string, dims []int, data []float32) {
		out = append(out, Tensor{Name: name, Dims: dims, Data: data})
	}
	// get reads path as [dims...] (errors collected in err).
	get := func(path string, dims ...int) []float32 {
		if err != nil {
			return nil
		}
		var d []float32
		d, err = w.get(path, dims...)
		return d
	}
	linearT := func(name, path string, in, out int) {
		wt := get(path+"/weights", in, out)
		b := get(path+"/bias", out)
		if err == nil {
			add(name+".weight", []int{out, in}, transpose(wt, in, out))
			add(name+".bias", []int{out}, b)
		}
	}
	norm := func(name, path string) {
		g, b := get(path+"/gamma", cfg.Dim), get(path+"/beta", cfg.Dim)
		if err == nil {
			add(name+".weight", []int{cfg.Dim}, g)
			add(name+".bias", []int{cfg.Dim}, b)
		}
	}
	d, p, ch := cfg.Dim, cfg.Patch, cfg.Channels

	// Patch embedding: our row (r·p + c)·C + k of W [p·p·C, D] is the conv kernel [d, k, r, c].
	pw, pb := get("/patch_embed/weights", p*p*ch, d), get("/patch_embed/bias", d)
	if err == nil {
		conv := make([]float32, len(pw))
		for r := range p {
			for c := range p {
				for k := range ch {
					row := (r*p+c)*ch + k
					for o := range d {
						conv[((o*ch+k)*p+r)*p+c] = pw[row*d+o]
					}
				}
			}
		}
		add("patch_embed.proj.weight", []int{d, ch, p, p}, conv)
		add("patch_embed.proj.bias", []int{d}, pb)
	}
	if cls := get("/cls", d); err == nil {
		add("cls_token", []int{1, 1, d}, cls)
	}
	if pos := get("/pos_embed", cfg.SeqLen(), d); err == nil {
		add("pos_embed", []int{1, cfg.SeqLen(), d}, pos)
	}
	for i := range cfg.Depth {
		bp, bn := fmt.Sprintf("/block_%02d", i), fmt.Sprintf("blocks.%d", i)
		if cfg.Kind == vision.KindTokenFormer {
			for _, pat := range []string{"attn/query", "attn/key", "attn/value", "attn/out", "ffn"} {
				prefix := bp + "/" + pat
				for _, tok := range []string{"key_tokens", "value_tokens"} {
					v := w.store.GetVariable(prefix + "/" + tok)
					if v == nil {
						err = fmt.Errorf("export: the model has no weight %s/%s", prefix, tok)
						return nil, err
					}
					dims := v.Shape().Dimensions
					data := get(prefix+"/"+tok, dims...)
					if err != nil {
						return nil, err
					}
					add(bn+"."+dotted(pat)+"."+tok, dims, data)
				}
			}
			continue
		}
		norm(bn+".norm1", bp+"/ln1")
		var qkvW, qkvB []float32
		for _, part := range []string{"query", "key", "value"} {
			wt, b := get(bp+"/attn/"+part+"/weights", d, d), get(bp+"/attn/"+part+"/bias", d)
			if err != nil {
				return nil, err
			}
			qkvW = append(qkvW, transpose(wt, d, d)...)
			qkvB = append(qkvB, b...)
		}
		add(bn+".attn.qkv.weight", []int{3 * d, d}, qkvW)
		add(bn+".attn.qkv.bias", []int{3 * d}, qkvB)
		linearT(bn+".attn.proj", bp+"/attn/out", d, d)
		norm(bn+".norm2", bp+"/ln2")
		hidden := 0
		if v := w.store.GetVariable(bp + "/mlp/fc1/bias"); v != nil && len(v.Shape().Dimensions) == 1 {
			hidden = v.Shape().Dimensions[0]
		}
		linearT(bn+".mlp.fc1", bp+"/mlp/fc1", d, hidden)
		linearT(bn+".mlp.fc2", bp+"/mlp/fc2", hidden, d)
	}
	norm("norm", "/norm")
	linearT("head", "/head", d, cfg.NumClasses)
	if err != nil {
		return nil, err
	}
	for v := range store.IterVariables() {
		if checkpoint.IsModelWeight(v.Path()) && v.HasValue() && !w.used[v.Path()] {
			return nil, fmt.Errorf("export: model weight %s has no exported name (a model this exporter does not know)", v.Path())
		}
	}
	return out, nil
}

// dotted turns a scope path ("attn/query") into a torch module path ("attn.query").
func dotted(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c == '/' {
			b[i] = '.'
		}
	}
	return string(b)
}

// Metadata is the __metadata__ of an exported file: "format": "pt" (what Hugging Face
// loaders look for), the model config as JSON (scripts/tokenformer_torch.py builds the
// module from it), the LayerNorm epsilons, and where the weights came from.
func Metadata(cfg vision.Config, meta checkpoint.Meta, source string, ema bool) (map[string]string, error) {
	cj, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	md := map[string]string{
		"format":                "pt",
		"tfvision_export":       "1",
		"model_config":          string(cj),
		"layer_norm_eps":        "1e-06", // parametric LNs (timm's ViT value)
		"tokenformer_inner_eps": "1e-05", // non-parametric LNs inside TokenFormer blocks
		"source_checkpoint":     source,
		"source_step":           strconv.FormatInt(meta.Step, 10),
		"ema":                   strconv.FormatBool(ema),
	}
	if len(meta.Classes) > 0 {
		b, err := json.Marshal(meta.Classes)
		if err != nil {
			return nil, err
		}
		md["classes"] = string(b)
	}
	return md, nil
}

// Write writes the tensors as a safetensors file (float32), atomically.
func Write(path string, ts []Tensor, metadata map[string]string) error {
	names := make([]string, len(ts))
	values := make([]*tensors.Tensor, len(ts))
	for i, t := range ts {
		names[i] = t.Name
		values[i] = tensors.FromFlatDataAndDimensions(t.Data, t.Dims...)
	}
	return checkpoint.WriteSafetensors(path, names, values, metadata, false)
}
