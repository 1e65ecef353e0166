package vision

import (
	"fmt"
	"slices"
	"strings"
)

// presets are the named models. TokenFormer presets without "-matched" follow the authors'
// language models (n_qkv = n_proj = d, n_ffn = 4d); "-matched" ones use the token counts of
// the paper's ViT-matched vision models (TokenFormer, arXiv 2410.23168, ImageNet table:
// TokenFormer-B/16† n_qkv = n_proj = 576, n_ffn = 2304; L/16† 768 and 3072).
var presets = map[string]Config{
	"tokenformer-ti16":        tokenformer(192, 12, 3, 192, 768),
	"tokenformer-s16":         tokenformer(384, 12, 6, 384, 1536),
	"tokenformer-b16":         tokenformer(768, 12, 12, 768, 3072),
	"tokenformer-b16-matched": tokenformer(768, 12, 12, 576, 2304),
	"tokenformer-l16":         tokenformer(1024, 24, 16, 1024, 4096),
	"tokenformer-l16-matched": tokenformer(1024, 24, 16, 768, 3072),
	"vit-ti16":                vit(192, 12, 3),
	"vit-s16":                 vit(384, 12, 6),
	"vit-b16":                 vit(768, 12, 12),
	"vit-l16":                 vit(1024, 24, 16),
}

func base(kind Kind, dim, depth, heads int) Config {
	return Config{Kind: kind, ImageSize: 224, Patch: 16, Channels: 3, Dim: dim, Depth: depth,
		Heads: heads, NumClasses: 1000, DropPath: 0.1}
}

func tokenformer(dim, depth, heads, n, nFFN int) Config {
	c := base(KindTokenFormer, dim, depth, heads)
	c.QKVTokens, c.ProjTokens, c.FFNTokens, c.Norm = n, n, nFFN, NormL2GELU
	return c
}

func vit(dim, depth, heads int) Config {
	c := base(KindViT, dim, depth, heads)
	c.MLPRatio = DefaultMLPRatio
	return c
}

// PresetNames lists the presets in a stable order (TokenFormer first, then ViT, by size).
func PresetNames() []string {
	names := make([]string, 0, len(presets))
	for n := range presets {
		names = append(names, n)
	}
	order := func(n string) int {
		for i, s := range []string{"ti16", "s16", "b16", "b16-matched", "l16", "l16-matched"} {
			if strings.HasSuffix(n, "-"+s) {
				return i
			}
		}
		return 99
	}
	slices.SortFunc(names, func(a, b string) int {
		ka, kb := strings.HasPrefix(a, "vit"), strings.HasPrefix(b, "vit")
		if ka != kb {
			if ka {
				return 1
			}
			return -1
		}
		return order(a) - order(b)
	})
	return names
}

// Preset returns a copy of the named preset's config.
func Preset(name string) (Config, error) {
	c, ok := presets[name]
	if !ok {
		return Config{}, fmt.Errorf("unknown model preset %q: choose one of %s (see `tfvision models`)",
			name, strings.Join(PresetNames(), ", "))
	}
	return c, nil
}
