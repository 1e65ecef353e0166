package timm

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tfvision/tfvision/vision"
)

// LNEps is the epsilon of every LayerNorm of timm's VisionTransformer.
const LNEps = 1e-6

// Model is a timm model name resolved to one of our presets.
type Model struct {
	Name   string // as given, e.g. vit_base_patch16_224.augreg2_in21k_ft_in1k
	Preset string // e.g. vit-b16
	Config vision.Config
	// Pretrained is the preprocessing the named weights were trained with.
	Pretrained Pretrained
}

// Pretrained is the part of timm's pretrained_cfg that eval needs.
type Pretrained struct {
	InputSize     int
	Mean, Std     []float64
	CropPct       float64
	Interpolation string
}

// Preprocessing constants of timm (timm.data.constants).
var (
	ImageNetMean  = []float64{0.485, 0.456, 0.406}
	ImageNetStd   = []float64{0.229, 0.224, 0.225}
	InceptionMean = []float64{0.5, 0.5, 0.5}
	InceptionStd  = []float64{0.5, 0.5, 0.5}
)

var sizes = map[string]string{"tiny": "vit-ti16", "small": "vit-s16", "base": "vit-b16", "large": "vit-l16"}

var nameRE = regexp.MustCompile(`^vit_(tiny|small|base|large)_patch16_(\d+)(?:[._](.+))?$`)

// Names lists examples of accepted model names.
func Names() []string {
	return []string{"vit_tiny_patch16_224", "vit_small_patch16_224", "vit_base_patch16_224", "vit_large_patch16_224",
		"vit_base_patch16_384", "vit_base_patch16_224.augreg2_in21k_ft_in1k"}
}

// Resolve maps a timm ViT name (optionally with its pretrained tag after "." or "_") to our
// preset, at the name's input size, with timm's ViT LayerNorm epsilon. The preprocessing
// defaults follow timm's pretrained configs: names without a tag (timm's default tag of
// these models is augreg*) and augreg* tags use mean/std 0.5 (Inception), others ImageNet's;
// bicubic; crop_pct 0.9 at 224 px and 1.0 above (timm's 384 px configs).
func Resolve(name string) (Model, error) {
	m := nameRE.FindStringSubmatch(name)
	if m == nil {
		return Model{}, fmt.Errorf("timm model %q: only ViT patch-16 models (vit_{tiny,small,base,large}_patch16_SIZE[.tag]) can be imported, e.g. %s",
			name, strings.Join(Names(), ", "))
	}
	preset := sizes[m[1]]
	cfg, err := vision.Preset(preset)
	if err != nil {
		return Model{}, err
	}
	size, _ := strconv.Atoi(m[2])
	if size <= 0 || size%cfg.Patch != 0 {
		return Model{}, fmt.Errorf("timm model %q: input size %d is not a multiple of the patch size %d", name, size, cfg.Patch)
	}
	cfg.ImageSize = size
	cfg.LNEps = LNEps
	tag := m[3]
	p := Pretrained{InputSize: size, Mean: ImageNetMean, Std: ImageNetStd, CropPct: 0.9, Interpolation: "bicubic"}
	if tag == "" || strings.Contains(tag, "augreg") {
		p.Mean, p.Std = InceptionMean, InceptionStd
	}
	if size > 224 {
		p.CropPct = 1.0
	}
	return Model{Name: name, Preset: preset, Config: cfg, Pretrained: p}, nil
}

// NumClasses is the class count of a state dict's head (head.weight [classes, dim]).
func NumClasses(sd map[string]Tensor) (int, error) {
	h, ok := sd["head.weight"]
	if !ok || len(h.Shape) != 2 {
		return 0, fmt.Errorf("state dict has no 2-D head.weight (a headless, num_classes=0 model): only classifiers can be imported")
	}
	return h.Shape[0], nil
}

// transform is how one timm tensor becomes one of our variables.
type transform int

const (
	copyAs     transform = iota // same values, reshaped
	transposed                  // torch Linear weight [out, in] → our W [in, out]
	patchEmbed                  // conv weight [D, C, p, p] → [p·p·C, D] in (row, col, channel) order
)

type mapping struct {
	key    string
	dims   []int // the timm tensor's expected shape
	path   string
	rows   [2]int // a row range of the timm tensor (qkv split); zero = all
	how    transform
	target []int // our variable's shape
}

// mappings lists, for cfg, every timm tensor and the variable it fills.
func mappings(cfg vision.Config) []mapping {
	d, p, c, hidden := cfg.Dim, cfg.Patch, cfg.Channels, cfg.MLPHidden()
	ms := []mapping{
		{key: "patch_embed.proj.weight", dims: []int{d, c, p, p}, path: "/patch_embed/weights", how: patchEmbed, target: []int{p * p * c, d}},
		{key: "patch_embed.proj.bias", dims: []int{d}, path: "/patch_embed/bias", target: []int{d}},
		{key: "cls_token", dims: []int{1, 1, d}, path: "/cls", target: []int{d}},
		{key: "pos_embed", dims: []int{1, cfg.SeqLen(), d}, path: "/pos_embed", target: []int{cfg.SeqLen(), d}},
		{key: "norm.weight", dims: []int{d}, path: "/norm/gamma", target: []int{d}},
		{key: "norm.bias", dims: []int{d}, path: "/norm/beta", target: []int{d}},
		{key: "head.weight", dims: []int{cfg.NumClasses, d}, path: "/head/weights", how: transposed, target: []int{d, cfg.NumClasses}},
		{key: "head.bias", dims: []int{cfg.NumClasses}, path: "/head/bias", target: []int{cfg.NumClasses}},
	}
	for i := 0; i < cfg.Depth; i++ {
		tp, op := fmt.Sprintf("blocks.%d.", i), fmt.Sprintf("/block_%02d/", i)
		lin := func(key, path string, in, out int) {
			ms = append(ms, mapping{key: tp + key + ".weight", dims: []int{out, in}, path: op + path + "/weights", how: transposed, target: []int{in, out}},
				mapping{key: tp + key + ".bias", dims: []int{out}, path: op + path + "/bias", target: []int{out}})
		}
		norm := func(key, path string) {
			ms = append(ms, mapping{key: tp + key + ".weight", dims: []int{d}, path: op + path + "/gamma", target: []int{d}},
				mapping{key: tp + key + ".bias", dims: []int{d}, path: op + path + "/beta", target: []int{d}})
		}
		norm("norm1", "ln1")
		for j, name := range []string{"query", "key", "value"} {
			rows := [2]int{j * d, (j + 1) * d}
			ms = append(ms, mapping{key: tp + "attn.qkv.weight", dims: []int{3 * d, d}, path: op + "attn/" + name + "/weights", rows: rows, how: transposed, target: []int{d, d}},
				mapping{key: tp + "attn.qkv.bias", dims: []int{3 * d}, path: op + "attn/" + name + "/bias", rows: rows, target: []int{d}})
		}
		lin("attn.proj", "attn/out", d, d)
		norm("norm2", "ln2")
		lin("mlp.fc1", "mlp/fc1", d, hidden)
		lin("mlp.fc2", "mlp/fc2", hidden, d)
	}
	return ms
}

// Convert maps a timm VisionTransformer state dict (global_pool "token", class token, no
// layer scale, no qk-norm) onto the variables of our ViT of config cfg, by variable path.
// Unknown or missing keys, and tensors of the wrong shape, are one error listing them all.
func Convert(sd map[string]Tensor, cfg vision.Config) (map[string]*tensors.Tensor, error) {
	if cfg.Kind != vision.KindViT {
		return nil, fmt.Errorf("timm import: model.kind = %q, timm ViT weights need %q", cfg.Kind, vision.KindViT)
	}
	ms := mappings(cfg)
	used := map[string]bool{}
	var missing, wrong []string
	for _, m := range ms {
		t, ok := sd[m.key]
		if !ok {
			if !used[m.key] && !slices.Contains(missing, m.key) {
				missing = append(missing, m.key)
			}
			continue
		}
		if !used[m.key] && !slices.Equal(t.Shape, m.dims) {
			wrong = append(wrong, fmt.Sprintf("%s is %v, %s expects %v", m.key, t.Shape, describe(cfg), m.dims))
		}
		used[m.key] = true
	}
	var unknown []string
	for k := range sd {
		if !used[k] {
			unknown = append(unknown, k)
		}
	}
	slices.Sort(unknown)
	var problems []string
	if len(missing) > 0 {
		problems = append(problems, fmt.Sprintf("missing keys: %s", strings.Join(missing, ", ")))
	}
	if len(unknown) > 0 {
		problems = append(problems, fmt.Sprintf("unknown keys: %s", strings.Join(unknown, ", ")))
	}
	if len(wrong) > 0 {
		problems = append(problems, fmt.Sprintf("shape mismatches: %s", strings.Join(wrong, "; ")))
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("timm state dict does not fit %s:\n  %s", describe(cfg), strings.Join(problems, "\n  "))
	}
	out := make(map[string]*tensors.Tensor, len(ms))
	for _, m := range ms {
		out[m.path] = convert(sd[m.key], m)
	}
	return out, nil
}

func describe(c vision.Config) string {
	return fmt.Sprintf("ViT dim %d, depth %d, patch %d, %d px, %d classes", c.Dim, c.Depth, c.Patch, c.ImageSize, c.NumClasses)
}

func convert(t Tensor, m mapping) *tensors.Tensor {
	src := t.Data
	if m.rows != ([2]int{}) {
		cols := 1
		for _, d := range t.Shape[1:] {
			cols *= d
		}
		src = src[m.rows[0]*cols : m.rows[1]*cols]
	}
	dst := make([]float32, len(src))
	switch m.how {
	case copyAs:
		copy(dst, src)
	case transposed:
		in, out := m.target[0], m.target[1]
		for o := 0; o < out; o++ {
			for i := 0; i < in; i++ {
				dst[i*out+o] = src[o*in+i]
			}
		}
	case patchEmbed:
		d, c, p := t.Shape[0], t.Shape[1], t.Shape[2]
		for o := 0; o < d; o++ {
			for ch := 0; ch < c; ch++ {
				for r := 0; r < p; r++ {
					for col := 0; col < p; col++ {
						dst[((r*p+col)*c+ch)*d+o] = src[((o*c+ch)*p+r)*p+col]
					}
				}
			}
		}
	}
	return tensors.FromFlatDataAndDimensions(dst, m.target...)
}

// Import builds a store holding our ViT of config cfg with the weights of state dict sd.
func Import(backend compute.Backend, sd map[string]Tensor, cfg vision.Config) (*model.Store, error) {
	vals, err := Convert(sd, cfg)
	if err != nil {
		return nil, err
	}
	m, err := vision.New(cfg)
	if err != nil {
		return nil, err
	}
	store := model.NewStore()
	if err := m.Trace(backend, store); err != nil {
		return nil, err
	}
	for v := range store.IterVariables() {
		if !v.Trainable {
			continue
		}
		t, ok := vals[v.Path()]
		if !ok {
			return nil, fmt.Errorf("timm import: no timm tensor maps to our variable %s", v.Path())
		}
		if !t.Shape().Equal(v.Shape()) {
			return nil, fmt.Errorf("timm import: %s is %s, the model expects %s", v.Path(), t.Shape(), v.Shape())
		}
		if err := v.SetValue(t); err != nil {
			return nil, err
		}
		delete(vals, v.Path())
	}
	if len(vals) > 0 {
		var left []string
		for p := range vals {
			left = append(left, p)
		}
		slices.Sort(left)
		return nil, fmt.Errorf("timm import: converted tensors without a variable in the model: %s", strings.Join(left, ", "))
	}
	return store, nil
}
