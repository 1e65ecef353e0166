package vision

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Kind selects the projection type of the encoder blocks.
type Kind string

const (
	// KindTokenFormer uses Pattention for Q/K/V/out and the FFN.
	KindTokenFormer Kind = "tokenformer"
	// KindViT uses linear Q/K/V/out with bias and a GELU MLP (the baseline).
	KindViT Kind = "vit"
)

// Norm is the Θ normalisation of Pattention scores.
type Norm string

const (
	// NormL2GELU is Θ = GELU(A/‖A‖₂·√zoom), the published default.
	NormL2GELU Norm = "l2_norm_gelu"
	// NormGELUL2 is Θ = G/‖G‖₂·√zoom with G = GELU(A).
	NormGELUL2 Norm = "gelu_l2_norm"
	// NormSoftmax is Θ = softmax(A)·zoom (the ×n matters: without it outputs shrink with n).
	NormSoftmax Norm = "softmax"
)

// Norms lists the accepted Pattention normalisations.
var Norms = []Norm{NormL2GELU, NormGELUL2, NormSoftmax}

// Config describes one model. Zero values of optional fields mean "the published default";
// Validate fills nothing in, so the saved config of a run is exactly what was built.
type Config struct {
	Kind       Kind    `mapstructure:"kind" yaml:"kind" json:"kind"`
	ImageSize  int     `mapstructure:"image_size" yaml:"image_size" json:"image_size"`
	Patch      int     `mapstructure:"patch" yaml:"patch" json:"patch"`
	Channels   int     `mapstructure:"channels" yaml:"channels" json:"channels"`
	Dim        int     `mapstructure:"dim" yaml:"dim" json:"dim"`
	Depth      int     `mapstructure:"depth" yaml:"depth" json:"depth"`
	Heads      int     `mapstructure:"heads" yaml:"heads" json:"heads"`
	NumClasses int     `mapstructure:"num_classes" yaml:"num_classes" json:"num_classes"`
	DropPath   float64 `mapstructure:"drop_path" yaml:"drop_path" json:"drop_path"`

	// TokenFormer only: parameter-token counts of the Q/K/V, output and FFN Pattentions.
	QKVTokens  int `mapstructure:"qkv_tokens" yaml:"qkv_tokens" json:"qkv_tokens"`
	ProjTokens int `mapstructure:"proj_tokens" yaml:"proj_tokens" json:"proj_tokens"`
	FFNTokens  int `mapstructure:"ffn_tokens" yaml:"ffn_tokens" json:"ffn_tokens"`
	// Norm is the Pattention normalisation ("" = l2_norm_gelu).
	Norm Norm `mapstructure:"norm" yaml:"norm" json:"norm"`
	// Zoom, when > 0, replaces n inside √n (and the ×n of softmax). Holding it at the
	// pre-growth n makes incremental scaling exactly function-preserving.
	Zoom float64 `mapstructure:"zoom" yaml:"zoom" json:"zoom"`
	// QKVZoom, ProjZoom, FFNZoom override Zoom for one group of Pattentions; `tfvision
	// grow --keep-zoom` sets them to the pre-growth token counts.
	QKVZoom  float64 `mapstructure:"qkv_zoom" yaml:"qkv_zoom" json:"qkv_zoom"`
	ProjZoom float64 `mapstructure:"proj_zoom" yaml:"proj_zoom" json:"proj_zoom"`
	FFNZoom  float64 `mapstructure:"ffn_zoom" yaml:"ffn_zoom" json:"ffn_zoom"`
	// Epsilon keeps ‖A‖ of an all-zero score row finite ("" = 1e-5, as the JAX port).
	Epsilon float64 `mapstructure:"epsilon" yaml:"epsilon" json:"epsilon"`

	// LNEps, when > 0, is the epsilon of every LayerNorm of the model. 0 keeps each kind's
	// default: 1e-6 for the parametric LNs (ViT blocks, every model's final norm: timm's ViT
	// value) and 1e-5 for the non-parametric LNs inside TokenFormer blocks (the official
	// TokenFormer code's value).
	LNEps float64 `mapstructure:"ln_eps" yaml:"ln_eps" json:"ln_eps"`

	// ViT only: MLP hidden width as a multiple of Dim (0 = 4).
	MLPRatio float64 `mapstructure:"mlp_ratio" yaml:"mlp_ratio" json:"mlp_ratio"`

	// Initialisation (0 = official defaults): key tokens N(0, KeyStd); value tokens
	// N(0, ValueStd) with default 2/(L·√d) ("wang init" of the official code); linear
	// layers, patch embedding, position embedding and head N(0, LinearStd=0.02).
	KeyStd    float64 `mapstructure:"key_std" yaml:"key_std" json:"key_std"`
	ValueStd  float64 `mapstructure:"value_std" yaml:"value_std" json:"value_std"`
	LinearStd float64 `mapstructure:"linear_std" yaml:"linear_std" json:"linear_std"`
}

// Defaults of the optional fields.
const (
	DefaultEpsilon   = 1e-5
	DefaultMLPRatio  = 4.0
	DefaultKeyStd    = 0.02
	DefaultLinearStd = 0.02
	innerLNEpsilon   = 1e-5 // non-parametric LN inside TokenFormer blocks (official TokenFormer code)
	outerLNEpsilon   = 1e-6 // parametric LNs, as timm's ViT
)

// NumPatches is the number of patch tokens (without CLS).
func (c Config) NumPatches() int { return (c.ImageSize / c.Patch) * (c.ImageSize / c.Patch) }

// SeqLen is the number of tokens the encoder sees (patches + CLS).
func (c Config) SeqLen() int { return c.NumPatches() + 1 }

// HeadDim is the per-head width of attention.
func (c Config) HeadDim() int { return c.Dim / c.Heads }

func (c Config) norm() Norm {
	if c.Norm == "" {
		return NormL2GELU
	}
	return c.Norm
}

// zoomFor is the zoom of one Pattention group (0 = its token count).
func (c Config) zoomFor(group string) float64 {
	z := map[string]float64{"qkv": c.QKVZoom, "proj": c.ProjZoom, "ffn": c.FFNZoom}[group]
	if z == 0 {
		z = c.Zoom
	}
	return z
}

func (c Config) epsilon() float64 {
	if c.Epsilon == 0 {
		return DefaultEpsilon
	}
	return c.Epsilon
}

// BlockLNEps is the LayerNorm epsilon inside the encoder blocks.
func (c Config) BlockLNEps() float64 {
	switch {
	case c.LNEps > 0:
		return c.LNEps
	case c.Kind == KindTokenFormer:
		return innerLNEpsilon
	}
	return outerLNEpsilon
}

// FinalLNEps is the epsilon of the LayerNorm before the head.
func (c Config) FinalLNEps() float64 {
	if c.LNEps > 0 {
		return c.LNEps
	}
	return outerLNEpsilon
}

func (c Config) mlpHidden() int {
	r := c.MLPRatio
	if r == 0 {
		r = DefaultMLPRatio
	}
	return int(math.Round(r * float64(c.Dim)))
}

func (c Config) keyStd() float64 {
	if c.KeyStd == 0 {
		return DefaultKeyStd
	}
	return c.KeyStd
}

func (c Config) valueStd() float64 {
	if c.ValueStd == 0 {
		return 2 / (float64(c.Depth) * math.Sqrt(float64(c.Dim)))
	}
	return c.ValueStd
}

func (c Config) linearStd() float64 {
	if c.LinearStd == 0 {
		return DefaultLinearStd
	}
	return c.LinearStd
}

// Validate reports the first inconsistent field by its config key and what is allowed.
func (c Config) Validate() error {
	positive := []struct {
		key string
		v   int
	}{{"image_size", c.ImageSize}, {"patch", c.Patch}, {"channels", c.Channels}, {"dim", c.Dim},
		{"depth", c.Depth}, {"heads", c.Heads}, {"num_classes", c.NumClasses}}
	for _, p := range positive {
		if p.v <= 0 {
			return fmt.Errorf("model.%s = %d: must be a positive integer", p.key, p.v)
		}
	}
	switch c.Kind {
	case KindTokenFormer:
		for _, p := range []struct {
			key string
			v   int
		}{{"qkv_tokens", c.QKVTokens}, {"proj_tokens", c.ProjTokens}, {"ffn_tokens", c.FFNTokens}} {
			if p.v <= 0 {
				return fmt.Errorf("model.%s = %d: a tokenformer needs a positive parameter-token count", p.key, p.v)
			}
		}
		if !slices.Contains(Norms, c.norm()) {
			return fmt.Errorf("model.norm = %q: allowed values are %s", c.Norm, joinNorms())
		}
	case KindViT:
		if c.MLPRatio < 0 {
			return fmt.Errorf("model.mlp_ratio = %g: must be >= 0 (0 means 4)", c.MLPRatio)
		}
	default:
		return fmt.Errorf("model.kind = %q: allowed values are %q and %q", c.Kind, KindTokenFormer, KindViT)
	}
	if c.ImageSize%c.Patch != 0 {
		return fmt.Errorf("model.image_size = %d is not divisible by model.patch = %d", c.ImageSize, c.Patch)
	}
	if c.Dim%c.Heads != 0 {
		return fmt.Errorf("model.dim = %d is not divisible by model.heads = %d", c.Dim, c.Heads)
	}
	if c.DropPath < 0 || c.DropPath >= 1 {
		return fmt.Errorf("model.drop_path = %g: must be in [0, 1)", c.DropPath)
	}
	if c.Zoom < 0 || c.QKVZoom < 0 || c.ProjZoom < 0 || c.FFNZoom < 0 || c.Epsilon < 0 || c.LNEps < 0 || c.KeyStd < 0 || c.ValueStd < 0 || c.LinearStd < 0 {
		return fmt.Errorf("model.zoom, epsilon, ln_eps, key_std, value_std and linear_std must be >= 0 (0 = default)")
	}
	return nil
}

func joinNorms() string {
	s := make([]string, len(Norms))
	for i, n := range Norms {
		s[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(s, ", ")
}

// MLPHidden is the ViT MLP's hidden width (mlp_ratio · dim).
func (c Config) MLPHidden() int { return c.mlpHidden() }
