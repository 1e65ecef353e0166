// Package vision builds TokenFormer and plain ViT image classifiers as GoMLX graphs.
//
// A TokenFormer replaces every linear projection of a ViT block by Pattention: attention
// between the input tokens and a set of learnable parameter tokens (keys K [n, d_in] and
// values V [n, d_out]). Both model kinds share everything else — patch embedding, CLS
// token, learned position embedding, multi-head softmax attention, drop path, final
// LayerNorm and linear head — so a comparison between them isolates the projections.
//
// The package knows nothing about files or data: it maps a [B, H, W, C] float tensor to
// [B, classes] logits. Everything else builds on it, so it must not import imagenet,
// augment, train, eval, checkpoint, configs, run, predict or cmd. Models are built from a [Config], usually one of the named
// presets ([Preset], [PresetNames]); parameters are initialised on the host from (seed, variable path) so a run
// is reproducible whatever the backend or the order in which variables were created.
//
// The math (Pattention, block, initialisation) follows the TokenFormer paper (Wang et al.,
// "TokenFormer: Rethinking Transformer Scaling with Tokenized Model Parameters", ICLR 2025,
// arXiv 2410.23168) and its official code; pattention.go and model.go state the formulas.
package vision
