package configs

import (
	"fmt"
	"strings"

	"github.com/gomlx/compute/dtypes"

	"github.com/tfvision/tfvision/augment"
	"github.com/tfvision/tfvision/vision"
)

// This file turns a validated Config into the components train, eval and predict build
// from it, so that each of them reads a key the same way and none imports another for it.

// Precision is the precision key: how the model computes (master weights stay f32).
type Precision string

const (
	F32  Precision = "f32"
	BF16 Precision = "bf16"
)

// DType is the dtype the model computes in.
func (p Precision) DType() dtypes.DType {
	if p == BF16 {
		return dtypes.BFloat16
	}
	return dtypes.Float32
}

// Interp is augment.interpolation as augment's enum.
func (c Config) Interp() (augment.Interpolation, error) {
	interp, err := augment.ParseInterpolation(c.Augment.Interpolation)
	if err != nil {
		return 0, fmt.Errorf("augment.interpolation: %w", err)
	}
	return interp, nil
}

// TrainSpec is the training transform as an augment op spec: augment.train_pp, or the
// per-image keys written as one (augment.TrainConfig.Spec), which builds what the keys
// always built, bit for bit.
func (c Config) TrainSpec() (string, error) {
	a := c.Augment
	if a.TrainPP != "" {
		return a.TrainPP, nil
	}
	interp, err := c.Interp()
	if err != nil {
		return "", err
	}
	if len(a.Scale) != 2 || len(a.Ratio) != 2 {
		return "", fmt.Errorf("augment.scale = %v, augment.ratio = %v: each needs exactly 2 numbers", a.Scale, a.Ratio)
	}
	return augment.TrainConfig{Size: c.Model.ImageSize, Scale: [2]float64{a.Scale[0], a.Scale[1]},
		Ratio: [2]float64{a.Ratio[0], a.Ratio[1]}, Interp: interp, HFlip: a.HFlip, RandAugment: a.RandAugment,
		ReProb: a.ReProb, Mean: vec3(a.Mean), Std: vec3(a.Std)}.Spec(), nil
}

// TrainTransform is the per-image training transform of the augment section, built
// from TrainSpec.
func (c Config) TrainTransform() (*augment.Train, error) {
	spec, err := c.TrainSpec()
	if err != nil {
		return nil, err
	}
	t, err := augment.NewTrainSpec(spec, c.Model.ImageSize)
	if err != nil {
		if c.Augment.TrainPP != "" {
			return nil, fmt.Errorf("augment.train_pp: %w", err)
		}
		return nil, fmt.Errorf("augment: the per-image keys as a spec, %q: %w", spec, err)
	}
	return t, nil
}

// EvalSpec is the eval transform as an augment op spec: augment.eval_pp, or the keys
// written as one (augment.EvalConfig.Spec): resize the short side to ⌊size/crop_pct⌋,
// center crop, normalise.
func (c Config) EvalSpec() (string, error) {
	if c.Augment.EvalPP != "" {
		return c.Augment.EvalPP, nil
	}
	interp, err := c.Interp()
	if err != nil {
		return "", err
	}
	if !(c.Augment.CropPct > 0 && c.Augment.CropPct <= 1) {
		return "", fmt.Errorf("augment.crop_pct = %g: must be in (0, 1]", c.Augment.CropPct)
	}
	return augment.EvalConfig{Size: c.Model.ImageSize, CropPct: c.Augment.CropPct,
		Interp: interp, Mean: vec3(c.Augment.Mean), Std: vec3(c.Augment.Std)}.Spec(), nil
}

// EvalTransform is the eval transform of a run, built from EvalSpec. Validation during
// training, eval and predict all use it, so they agree on preprocessing.
func (c Config) EvalTransform() (*augment.Eval, error) {
	spec, err := c.EvalSpec()
	if err != nil {
		return nil, err
	}
	e, err := augment.NewEvalSpec(spec, c.Model.ImageSize)
	if err != nil {
		if c.Augment.EvalPP != "" {
			return nil, fmt.Errorf("augment.eval_pp: %w", err)
		}
		return nil, fmt.Errorf("augment: the eval keys as a spec, %q: %w", spec, err)
	}
	return e, nil
}

// Mixer is the batch-level Mixup/CutMix of the augment section; nil when neither is on
// (targets are then label-smoothed one-hots).
func (c Config) Mixer() (*augment.Mixer, error) {
	a := c.Augment
	if (a.Mixup <= 0 && a.Cutmix <= 0) || a.MixProb <= 0 {
		return nil, nil
	}
	return augment.NewMixer(augment.MixConfig{MixupAlpha: a.Mixup, CutmixAlpha: a.Cutmix, Prob: a.MixProb,
		SwitchProb: a.SwitchProb, LabelSmoothing: a.LabelSmoothing, NumClasses: c.Model.NumClasses})
}

// NewModel builds the model the config describes, computing in its precision with its
// attention setting.
func (c Config) NewModel() (*vision.Model, error) {
	m, err := vision.New(c.Model.Config)
	if err != nil {
		return nil, err
	}
	m.DType = c.Precision.DType()
	if m.Attention, err = vision.ParseAttention(string(c.Attention)); err != nil {
		return nil, err
	}
	return m, nil
}

// vec3 reads a validated 3-number key (mean, std); missing entries are 0, which
// augment's own checks then reject by name.
func vec3(v []float64) [3]float32 {
	var o [3]float32
	for i := range o {
		if i < len(v) {
			o[i] = float32(v[i])
		}
	}
	return o
}

// PixelBatches reports whether the loaders deliver 8-bit batches (normalised, and
// Mixup-blended, in the step graph) on the backend named backend ("go", "go:…",
// "xla:cuda", …: compute.Backend's String, or a spec for commands that open none). It is
// data.batches, "auto" being uint8 except on the pure-Go backend. Training, eval and
// predict all decide with it, so that they preprocess alike.
func (c Config) PixelBatches(backend string) bool {
	switch c.Data.Batches {
	case "uint8":
		return true
	case "float32":
		return false
	}
	// Measured on the Go backend (README, data.batches): normalising a 128×112×112 batch
	// in the graph took 50–70 ms against 5–8 ms in a loader worker, and 112-px runs trained
	// at 0.81× (0.70× with Mixup/CutMix) the images/s of float32 batches; XLA fuses the same
	// ops into the step's first kernel.
	return backend != "go" && !strings.HasPrefix(backend, "go:")
}

// EvalPixelNorm is what an inference Predictor on the backend named backend needs to take
// 8-bit batches: the normalisation of tf (the eval transform) when PixelBatches says so,
// else the zero PixelNorm (float batches). eval and predict set Predictor.PixelNorm from it.
func (c Config) EvalPixelNorm(backend string, tf *augment.Eval) vision.PixelNorm {
	if !c.PixelBatches(backend) {
		return vision.PixelNorm{}
	}
	return PixelNormOf(tf.Normalisation())
}

// PixelNormOf is the in-graph normalisation matching a transform's mean and std (as its
// Normalisation method returns them), bit-identical to the host's.
func PixelNormOf(mean, std [3]float32) vision.PixelNorm {
	scale, bias := augment.NormalizeAffine(mean, std)
	return vision.PixelNorm{Scale: scale, Bias: bias}
}
