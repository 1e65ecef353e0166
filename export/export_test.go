package export

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/nlpodyssey/safetensors"

	"github.com/tfvision/tfvision/checkpoint"
	"github.com/tfvision/tfvision/eval"
	"github.com/tfvision/tfvision/internal/testbackend"
	"github.com/tfvision/tfvision/label"
	"github.com/tfvision/tfvision/vision"
)

func tinyViT() vision.Config {
	return vision.Config{Kind: vision.KindViT, ImageSize: 8, Patch: 4, Channels: 3, Dim: 16, Depth: 2, Heads: 2, NumClasses: 5}
}

func tinyTokenFormer() vision.Config {
	c := tinyViT()
	c.Kind, c.QKVTokens, c.ProjTokens, c.FFNTokens = vision.KindTokenFormer, 12, 10, 24
	return c
}

// randomModel builds cfg's model with every weight drawn at random (biases, LayerNorm
// scales and shifts included, so a swapped or transposed one shows in the logits) and
// returns it with its logits on fixed random images [batch, H, W, C].
func randomModel(t *testing.T, cfg vision.Config, batch int) (*model.Store, []float32, [][]float32) {
	t.Helper()
	b := testbackend.Go(t)
	m, err := vision.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	store := model.NewStore()
	if err := m.Build(b, store, 1); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, uint64(len(cfg.Kind))))
	for v := range store.IterVariables() {
		if !checkpoint.IsModelWeight(v.Path()) {
			continue
		}
		data := make([]float32, v.Shape().Size())
		for i := range data {
			data[i] = float32(rng.NormFloat64() * 0.3)
			if strings.HasSuffix(v.Path(), "/gamma") {
				data[i] += 1
			}
		}
		if err := v.SetValue(tensors.FromFlatDataAndDimensions(data, v.Shape().Dimensions...)); err != nil {
			t.Fatal(err)
		}
	}
	images := make([]float32, batch*cfg.ImageSize*cfg.ImageSize*cfg.Channels)
	for i := range images {
		images[i] = float32(rng.NormFloat64())
	}
	p, err := eval.NewPredictor(b, m, store, batch)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Finalize()
	logits, err := p.Logits(images, batch)
	if err != nil {
		t.Fatal(err)
	}
	return store, images, logits
}

func value(t *testing.T, store *model.Store, path string) []float32 {
	t.Helper()
	return tensors.MustCopyFlatData[float32](store.GetVariable(path).MustValue())
}

// TestViTExportUsesTimmNamesAndLayouts checks the ViT mapping element by element against
// our variables: the key names are timm's, linear weights are transposed to [out, in], qkv
// stacks q, k, v row-wise, and the patch kernel inverts our (row, col, channel) flattening.
func TestViTExportUsesTimmNamesAndLayouts(t *testing.T) {
	cfg := tinyViT()
	store, _, _ := randomModel(t, cfg, 1)
	ts, err := Weights(cfg, store)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Tensor{}
	var names []string
	for _, x := range ts {
		got[x.Name] = x
		names = append(names, x.Name)
	}
	want := []string{"patch_embed.proj.weight", "patch_embed.proj.bias", "cls_token", "pos_embed"}
	for _, i := range []string{"0", "1"} {
		for _, s := range []string{"norm1", "attn.qkv", "attn.proj", "norm2", "mlp.fc1", "mlp.fc2"} {
			want = append(want, "blocks."+i+"."+s+".weight", "blocks."+i+"."+s+".bias")
		}
	}
	want = append(want, "norm.weight", "norm.bias", "head.weight", "head.bias")
	if !slices.Equal(names, want) {
		t.Fatalf("exported names\n %v\nwant timm's\n %v", names, want)
	}
	d, p := cfg.Dim, cfg.Patch
	dims := map[string][]int{"patch_embed.proj.weight": {d, 3, p, p}, "cls_token": {1, 1, d}, "pos_embed": {1, 5, d},
		"blocks.1.attn.qkv.weight": {3 * d, d}, "blocks.1.attn.qkv.bias": {3 * d}, "blocks.0.mlp.fc1.weight": {4 * d, d},
		"blocks.0.mlp.fc2.weight": {d, 4 * d}, "head.weight": {5, d}}
	for name, dd := range dims {
		if !slices.Equal(got[name].Dims, dd) {
			t.Errorf("%s is %v, want %v", name, got[name].Dims, dd)
		}
	}
	// qkv: row (part·D + o), column i is W_part[i, o]; the bias stacks the same way.
	for part, name := range []string{"query", "key", "value"} {
		w := value(t, store, "/block_01/attn/"+name+"/weights")
		bias := value(t, store, "/block_01/attn/"+name+"/bias")
		for _, io := range [][2]int{{0, 0}, {3, 11}, {15, 2}} {
			i, o := io[0], io[1]
			if g := got["blocks.1.attn.qkv.weight"].Data[(part*d+o)*d+i]; g != w[i*d+o] {
				t.Errorf("qkv.weight[%d, %d] = %g, want %s W[%d, %d] = %g", part*d+o, i, g, name, i, o, w[i*d+o])
			}
			if g := got["blocks.1.attn.qkv.bias"].Data[part*d+o]; g != bias[o] {
				t.Errorf("qkv.bias[%d] = %g, want %g", part*d+o, g, bias[o])
			}
		}
	}
	// Patch kernel [o, k, r, c] is our row (r·p + c)·3 + k.
	pw := value(t, store, "/patch_embed/weights")
	for _, e := range [][4]int{{0, 0, 0, 0}, {5, 2, 1, 3}, {15, 1, 3, 0}} {
		o, k, r, c := e[0], e[1], e[2], e[3]
		if g, w := got["patch_embed.proj.weight"].Data[((o*3+k)*p+r)*p+c], pw[((r*p+c)*3+k)*d+o]; g != w {
			t.Errorf("patch kernel [%d,%d,%d,%d] = %g, want %g", o, k, r, c, g, w)
		}
	}
	hw := value(t, store, "/head/weights")
	if g, w := got["head.weight"].Data[4*d+7], hw[7*5+4]; g != w {
		t.Errorf("head.weight[4, 7] = %g, want W[7, 4] = %g", g, w)
	}
}

// TestExportMatchesPyTorch: the exported file, loaded strictly into a timm-layout ViT and
// into scripts/tokenformer_torch.py in PyTorch, gives our logits on the same images to 1e-4.
func TestExportMatchesPyTorch(t *testing.T) {
	const python = "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import torch").Run(); err != nil {
		t.Skipf("%s -c 'import torch' fails (%v): the PyTorch check of exported files is not run (Debian: apt install python3-torch)", python, err)
	}
	_, file, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(file), "..", "scripts", "export_check.py")
	l2gelu := tinyTokenFormer()
	geluL2 := tinyTokenFormer()
	geluL2.Norm, geluL2.Zoom, geluL2.QKVZoom, geluL2.FFNZoom, geluL2.Epsilon = vision.NormGELUL2, 9, 7, 30, 1e-4
	soft := tinyTokenFormer()
	soft.Norm, soft.ProjZoom, soft.Depth = vision.NormSoftmax, 4, 1
	vit := tinyViT()
	vit.MLPRatio = 2
	for name, cfg := range map[string]vision.Config{"vit": vit, "tokenformer": l2gelu, "tokenformer-gelu_l2_norm-zooms": geluL2, "tokenformer-softmax": soft} {
		t.Run(name, func(t *testing.T) {
			const batch = 3
			store, images, logits := randomModel(t, cfg, batch)
			dir := t.TempDir()
			ts, err := Weights(cfg, store)
			if err != nil {
				t.Fatal(err)
			}
			md, err := Metadata(cfg, checkpoint.Meta{Step: 3}, "test", false)
			if err != nil {
				t.Fatal(err)
			}
			weights := filepath.Join(dir, "model.safetensors")
			if err := Write(weights, ts, md); err != nil {
				t.Fatal(err)
			}
			var flat []float32
			for _, row := range logits {
				flat = append(flat, row...)
			}
			writeF32(t, filepath.Join(dir, "images.f32"), images)
			writeF32(t, filepath.Join(dir, "logits.f32"), flat)
			cmd := exec.Command(python, script, "--weights", weights, "--images", filepath.Join(dir, "images.f32"),
				"--logits", filepath.Join(dir, "logits.f32"), "--tol", "1e-4")
			out, err := cmd.CombinedOutput()
			t.Logf("%s", out)
			if err != nil {
				t.Fatalf("export_check.py: %v\n%s", err, out)
			}
			var rep struct {
				MaxAbsDiff float64 `json:"max_abs_diff"`
			}
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			if err := json.Unmarshal([]byte(lines[len(lines)-1]), &rep); err != nil || math.IsNaN(rep.MaxAbsDiff) || rep.MaxAbsDiff > 1e-4 {
				t.Errorf("PyTorch vs Go logits: %s (%v)", out, err)
			}
		})
	}
}

func writeF32(t *testing.T, path string, data []float32) {
	t.Helper()
	var b []byte
	for _, x := range data {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestExportFileReadsWithTheLibrary: the written file is a valid safetensors file for
// github.com/nlpodyssey/safetensors (whole-file validation), float32, metadata included,
// and is refused as a checkpoint.
func TestExportFileReadsWithTheLibrary(t *testing.T) {
	cfg := tinyTokenFormer()
	store, _, _ := randomModel(t, cfg, 1)
	ts, err := Weights(cfg, store)
	if err != nil {
		t.Fatal(err)
	}
	md, _ := Metadata(cfg, checkpoint.Meta{Step: 9, Classes: []label.Class{{Name: "a"}}}, "run", true)
	path := filepath.Join(t.TempDir(), "tf.safetensors")
	if err := Write(path, ts, md); err != nil {
		t.Fatal(err)
	}
	blob, _ := os.ReadFile(path)
	st, err := safetensors.Deserialize(blob)
	if err != nil {
		t.Fatal(err)
	}
	if st.Len() != len(ts) {
		t.Errorf("%d tensors in the file, %d exported", st.Len(), len(ts))
	}
	tv, ok := st.Tensor("blocks.1.attn.out.value_tokens")
	if !ok || tv.DType() != safetensors.F32 || !slices.Equal(tv.Shape(), []uint64{10, 16}) {
		t.Fatalf("blocks.1.attn.out.value_tokens: %v %v %v", ok, tv.DType(), tv.Shape())
	}
	want := value(t, store, "/block_01/attn/out/value_tokens")
	if got := math.Float32frombits(binary.LittleEndian.Uint32(tv.Data()[4*13:])); got != want[13] {
		t.Errorf("value_tokens[13] = %g, want %g", got, want[13])
	}
	if _, err := checkpoint.ReadMeta(path); err == nil || !strings.Contains(err.Error(), "not a checkpoint") {
		t.Errorf("an export read as a checkpoint: %v", err)
	}
}
