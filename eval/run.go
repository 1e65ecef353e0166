package eval

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tfvision/tfvision/augment"
	"github.com/tfvision/tfvision/backend"
	"github.com/tfvision/tfvision/checkpoint"
	"github.com/tfvision/tfvision/configs"
	"github.com/tfvision/tfvision/imagenet"
	"github.com/tfvision/tfvision/vision"
)

// Transform is the eval transform of a run: resize short side to ⌊size/crop_pct⌋, center
// crop, normalise — the same for validation during training, eval and predict.
func Transform(cfg configs.Config) (*augment.Eval, error) {
	interp, err := augment.ParseInterpolation(cfg.Augment.Interpolation)
	if err != nil {
		return nil, fmt.Errorf("augment.interpolation: %w", err)
	}
	return augment.NewEval(augment.EvalConfig{Size: cfg.Model.ImageSize, CropPct: cfg.Augment.CropPct,
		Interp: interp, Mean: vec3(cfg.Augment.Mean), Std: vec3(cfg.Augment.Std)})
}

func vec3(v []float64) [3]float32 {
	var o [3]float32
	for i := range o {
		if i < len(v) {
			o[i] = float32(v[i])
		}
	}
	return o
}

// DType is the compute dtype of a precision name.
func DType(precision string) dtypes.DType {
	if precision == "bf16" {
		return dtypes.BFloat16
	}
	return dtypes.Float32
}

// Run is a trained model loaded from a run directory or a checkpoint file.
type Run struct {
	Config     configs.Config
	Model      *vision.Model
	Store      *model.Store
	Meta       checkpoint.Meta
	Checkpoint string
	// Note says how the run is computed here when it differs from how it was trained.
	Note string
}

// Classes returns the run's label names (index order), from the checkpoint.
func (r *Run) Classes() []imagenet.Class {
	out := make([]imagenet.Class, len(r.Meta.Classes))
	for i, c := range r.Meta.Classes {
		out[i] = imagenet.Class{Index: i, WNID: c.WNID, Name: c.Name}
	}
	return out
}

// ResolveCheckpoint finds the checkpoint to use: a file as is; in a run directory the best
// checkpoint if there is one (prefer="best"), else the latest.
func ResolveCheckpoint(path, prefer string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("checkpoint %s: %w", path, err)
	}
	if !st.IsDir() {
		return path, nil
	}
	dir := filepath.Join(path, "checkpoints")
	if prefer == "best" {
		if best := checkpoint.Best(dir); best != "" {
			return best, nil
		}
	}
	latest, err := checkpoint.Latest(dir)
	if err != nil {
		return "", err
	}
	if latest == "" {
		return "", fmt.Errorf("%s has no checkpoints (expected %s/step-*.safetensors): train first, or pass a checkpoint file", path, dir)
	}
	return latest, nil
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// LoadRun rebuilds the model of a run directory (or checkpoint file) from its saved config
// and loads its weights; with ema the EMA weights replace the raw ones.
func LoadRun(b compute.Backend, path string, ema bool) (*Run, error) {
	ck, err := ResolveCheckpoint(path, "best")
	if err != nil {
		return nil, err
	}
	meta, err := checkpoint.ReadMeta(ck)
	if err != nil {
		return nil, err
	}
	var cfg configs.Config
	if meta.Config != "" {
		cfg, err = configs.LoadYAML([]byte(meta.Config), ck)
	} else {
		cfg, err = configs.LoadRun(path)
	}
	if err != nil {
		return nil, err
	}
	m, err := vision.New(cfg.Model.Config)
	if err != nil {
		return nil, err
	}
	m.DType = DType(cfg.Precision)
	note := ""
	if cfg.Precision == "bf16" && backend.SlowBF16(b) {
		// The weights are float32 masters: f32 inference is exact where bf16 rounds, and on
		// this backend many times faster.
		m.DType = dtypes.Float32
		note = "computing in f32 (the run trained in bf16; the pure-Go backend has no bf16 kernels and the weights are f32)"
	}
	// The run's attention setting described its training machine; here the kernel is
	// whatever this backend does best (the function is the same).
	m.Attention = vision.AttentionAuto
	store := model.NewStore()
	if err := m.Trace(b, store); err != nil {
		return nil, err
	}
	keep := checkpoint.Filter(checkpoint.IsModelWeight)
	if ema {
		keep = func(p string) bool { return strings.HasPrefix(p, checkpoint.EMAScope+"/") }
	}
	loaded, err := checkpoint.LoadExpect(ck, store, keep, checkpoint.ExpectFor(store))
	if err != nil {
		return nil, err
	}
	if !loaded.Checksummed {
		note = joinNote(note, fmt.Sprintf("%s has no checksums (written by an older tfvision): loaded without verification", ck))
	}
	if ema {
		found := 0
		for v := range store.IterVariables() {
			if strings.HasPrefix(v.Path(), checkpoint.EMAScope+"/") {
				target := store.GetVariable(strings.TrimPrefix(v.Path(), checkpoint.EMAScope))
				if target != nil {
					if err := target.SetValue(v.MustValue()); err != nil {
						return nil, err
					}
					found++
				}
			}
		}
		if found == 0 {
			return nil, fmt.Errorf("checkpoint %s has no EMA weights (trained with optim.ema_decay: 0): drop --ema", ck)
		}
	}
	for v := range store.IterVariables() {
		if !v.HasValue() && checkpoint.IsModelWeight(v.Path()) {
			return nil, fmt.Errorf("checkpoint %s lacks variable %s of the model its config describes", ck, v.Path())
		}
	}
	return &Run{Config: cfg, Model: m, Store: store, Meta: meta, Checkpoint: ck, Note: note}, nil
}
