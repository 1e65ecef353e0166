package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nlpodyssey/safetensors"

	"github.com/tfvision/tfvision/checkpoint"
)

// TestExportCommand: `tfvision export` of the trained TokenFormer fixture writes a
// safetensors file with the documented names, no training state, float32; the run itself
// checkpoints as safetensors.
func TestExportCommand(t *testing.T) {
	f := getFixture(t)
	if f.err != nil {
		t.Fatal(f.err)
	}
	cks, _ := checkpoint.List(filepath.Join(f.run, "checkpoints"))
	if len(cks) == 0 || !strings.HasSuffix(cks[len(cks)-1], ".safetensors") {
		t.Errorf("run checkpoints %v: want step-*.safetensors", cks)
	}
	out := filepath.Join(t.TempDir(), "tf.safetensors")
	res := runCLI(t, "", "export", "--checkpoint", f.run, "--out", out)
	if res.err != nil {
		t.Fatalf("export: %v\n%s%s", res.err, res.stdout, res.stderr)
	}
	if !strings.Contains(res.stdout, "exported ") || !strings.Contains(res.stdout, "TokenFormer names") {
		t.Errorf("export output: %q", res.stdout)
	}
	blob, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	st, err := safetensors.Deserialize(blob)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range st.Names() {
		if strings.HasPrefix(name, "/") || strings.Contains(name, "optimizer") || strings.Contains(name, "ema") {
			t.Errorf("exported %s: not a documented model weight name", name)
		}
	}
	// tinyModelArgs: depth 1, dim 32, 16 qkv tokens, 3 classes, 16×16 images of 4×4 patches.
	for name, shape := range map[string][]uint64{"blocks.0.attn.query.key_tokens": {16, 32}, "blocks.0.ffn.value_tokens": {32, 32},
		"patch_embed.proj.weight": {32, 3, 4, 4}, "pos_embed": {1, 17, 32}, "head.weight": {3, 32}} {
		tv, ok := st.Tensor(name)
		if !ok || tv.DType() != safetensors.F32 || !slices.Equal(tv.Shape(), shape) {
			t.Errorf("%s: present %v, dtype %v, shape %v, want F32 %v", name, ok, tv.DType(), tv.Shape(), shape)
		}
	}
	res = runCLI(t, "", "export", "--checkpoint", f.run, "--out", filepath.Join(t.TempDir(), "ema.safetensors"), "--ema")
	if res.err != nil && !strings.Contains(res.err.Error(), "no EMA weights") {
		t.Errorf("export --ema: %v", res.err)
	}
}
