package run

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tfvision/tfvision/backend"
	"github.com/tfvision/tfvision/checkpoint"
	"github.com/tfvision/tfvision/configs"
	"github.com/tfvision/tfvision/label"
	"github.com/tfvision/tfvision/vision"
)

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

// Classes are the run's classes, label by label (empty for a checkpoint that saved none).
func (r *Run) Classes() []label.Class { return r.Meta.Classes }

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

// Load rebuilds the model of a run directory (or checkpoint file) from its saved config
// and loads its weights; with ema the EMA weights replace the raw ones.
func Load(b compute.Backend, path string, ema bool) (*Run, error) {
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
	m, err := cfg.NewModel()
	if err != nil {
		return nil, err
	}
	note := ""
	if cfg.Precision == configs.BF16 && backend.SlowBF16(b) {
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

// MaxPixels is the pixel limit for reading images with this run (eval, predict): override
// when > 0, else the run's data.max_pixels (0 in configs older than the key, which the
// loader reads as its default).
func (r *Run) MaxPixels(override int64) int64 {
	if override > 0 {
		return override
	}
	return r.Config.Data.MaxPixels
}
