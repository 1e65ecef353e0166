package vision

// FLOPs counts multiply-adds ×2 of one forward pass for one image: every matmul (patch
// embedding, projections or Pattentions, attention scores and mixing, head). Normalisations,
// GELU and softmax are left out, as in fvcore/timm counts, so numbers compare with theirs.
func (c Config) FLOPs() float64 {
	s, d := float64(c.SeqLen()), float64(c.Dim)
	n := float64(c.NumPatches())
	patchIn := float64(c.Patch * c.Patch * c.Channels)
	total := 2 * n * patchIn * d // patch embedding
	attn := 2 * 2 * s * s * d    // Q·Kᵀ and A·V over all heads
	var proj float64
	if c.Kind == KindTokenFormer {
		// Pattention d→d with n tokens: X·Kᵀ then Θ·V, 2·n·(d_in+d_out) per token.
		proj = 2 * s * (3*float64(c.QKVTokens)*2*d + float64(c.ProjTokens)*2*d + float64(c.FFNTokens)*2*d)
	} else {
		proj = 2 * s * (4*d*d + 2*d*float64(c.mlpHidden()))
	}
	total += float64(c.Depth) * (attn + proj)
	total += 2 * d * float64(c.NumClasses)
	return total
}
