package configs

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tfvision/tfvision/augment"
	"github.com/tfvision/tfvision/vision"
)

// Config is every knob of a run.
type Config struct {
	// Backend: "" or "auto" (XLA if a PJRT plugin is installed, else pure Go), "go",
	// "xla:cuda", "xla:/abs/path/plugin.so[,memory_fraction=0.9,preallocate=false]".
	Backend string `mapstructure:"backend" yaml:"backend" json:"backend"`
	// BackendAutoInstall lets XLA download a missing PJRT plugin (needs network).
	BackendAutoInstall bool `mapstructure:"backend_auto_install" yaml:"backend_auto_install" json:"backend_auto_install"`
	// Precision: "f32", or "bf16" (bf16 matmuls/activations, f32 master weights, norms and loss).
	Precision Precision `mapstructure:"precision" yaml:"precision" json:"precision"`
	// Attention: "auto" (fused flash attention where the backend has it: XLA-CUDA in bf16),
	// "fused" (required; an error elsewhere) or "decomposed". Speed only: same function.
	Attention vision.Attention `mapstructure:"attention" yaml:"attention" json:"attention"`
	Seed      uint64           `mapstructure:"seed" yaml:"seed" json:"seed"`
	// Out is the run directory (config, checkpoints, metrics, plots).
	Out string `mapstructure:"out" yaml:"out" json:"out"`

	Model      Model      `mapstructure:"model" yaml:"model" json:"model"`
	Data       Data       `mapstructure:"data" yaml:"data" json:"data"`
	Augment    Augment    `mapstructure:"augment" yaml:"augment" json:"augment"`
	Optim      Optim      `mapstructure:"optim" yaml:"optim" json:"optim"`
	Checkpoint Checkpoint `mapstructure:"checkpoint" yaml:"checkpoint" json:"checkpoint"`
	Eval       Eval       `mapstructure:"eval" yaml:"eval" json:"eval"`
	Log        Log        `mapstructure:"log" yaml:"log" json:"log"`
}

// Model is a preset name plus overrides of any vision.Config field.
type Model struct {
	Preset        string `mapstructure:"preset" yaml:"preset" json:"preset"`
	vision.Config `mapstructure:",squash" yaml:",inline" json:",inline"`
}

// Data says where images come from and how the loader runs.
type Data struct {
	Dir string `mapstructure:"dir" yaml:"dir" json:"dir"`
	// Workers decoding images (0 = number of CPUs).
	Workers int `mapstructure:"workers" yaml:"workers" json:"workers"`
	// Prefetch is how many decoded micro-batches the loader keeps ahead (raised to
	// optim.accum_steps so that one whole step is always ready).
	Prefetch int `mapstructure:"prefetch" yaml:"prefetch" json:"prefetch"`
	// Repeats > 1 is DeiT's repeated augmentation (each image several times per epoch).
	Repeats int `mapstructure:"repeats" yaml:"repeats" json:"repeats"`
	// MaxTrain / MaxVal > 0 use a fixed, seeded subset (quick runs, learning tests).
	MaxTrain      int    `mapstructure:"max_train" yaml:"max_train" json:"max_train"`
	MaxVal        int    `mapstructure:"max_val" yaml:"max_val" json:"max_val"`
	DevkitMapping string `mapstructure:"devkit_mapping" yaml:"devkit_mapping" json:"devkit_mapping"`
	// MaxPixels refuses images whose header claims more pixels (width × height) than
	// this, as an unreadable file (counted, substituted in training, masked in eval),
	// before anything is allocated for them. 0 means the default, 178956970 (Pillow's
	// MAX_IMAGE_PIXELS); eval and predict use the run's value (or --max-pixels).
	MaxPixels int64 `mapstructure:"max_pixels" yaml:"max_pixels" json:"max_pixels"`
	// ShardIndex of ShardCount (0 = 1): this host's part of the training data in a
	// multi-host run, each host with its own index. For a packed shard directory
	// (`tfvision data pack`) a part is every ShardCount-th tar file; for folders every
	// ShardCount-th image of the epoch's order. Validation reads the whole val split.
	ShardIndex int `mapstructure:"shard_index" yaml:"shard_index" json:"shard_index"`
	ShardCount int `mapstructure:"shard_count" yaml:"shard_count" json:"shard_count"`
	// ShuffleBuffer is the shuffle buffer, in images, when reading packed shards
	// (0 = 2048); folders are shuffled whole.
	ShuffleBuffer int `mapstructure:"shuffle_buffer" yaml:"shuffle_buffer" json:"shuffle_buffer"`
	// Batches is what the loaders hand the model: "uint8" (pixels, normalised and
	// Mixup-blended in the graph: a quarter of the bytes per prefetched batch and per
	// host→device copy; erased boxes hold 8-bit noise), "float32" (normalised and mixed on
	// the host, timm's unclipped N(0,1) erasing noise), or "auto" / "" (uint8, except on
	// the pure-Go backend, where in-graph elementwise ops cost more than the host loop).
	Batches string `mapstructure:"batches" yaml:"batches" json:"batches"`
}

// Augment is the train and eval transform (timm semantics).
//
// The per-image transforms are op specs (package augment's doc has the grammar and the
// ops): train_pp and eval_pp, big_vision style, or when "" (the default) the per-image
// keys written as a spec (Config.TrainSpec, EvalSpec), so configs without them build what they
// always did, bit for bit. Mixup, cutmix, mix_prob, switch_prob and label_smoothing stay
// keys and are not ops: they mix images and relabel across a batch, not within one
// image.
type Augment struct {
	Scale          []float64 `mapstructure:"scale" yaml:"scale" json:"scale"`
	Ratio          []float64 `mapstructure:"ratio" yaml:"ratio" json:"ratio"`
	Interpolation  string    `mapstructure:"interpolation" yaml:"interpolation" json:"interpolation"`
	HFlip          float64   `mapstructure:"hflip" yaml:"hflip" json:"hflip"`
	RandAugment    string    `mapstructure:"rand_augment" yaml:"rand_augment" json:"rand_augment"`
	ReProb         float64   `mapstructure:"re_prob" yaml:"re_prob" json:"re_prob"`
	Mixup          float64   `mapstructure:"mixup" yaml:"mixup" json:"mixup"`
	Cutmix         float64   `mapstructure:"cutmix" yaml:"cutmix" json:"cutmix"`
	MixProb        float64   `mapstructure:"mix_prob" yaml:"mix_prob" json:"mix_prob"`
	SwitchProb     float64   `mapstructure:"switch_prob" yaml:"switch_prob" json:"switch_prob"`
	LabelSmoothing float64   `mapstructure:"label_smoothing" yaml:"label_smoothing" json:"label_smoothing"`
	Mean           []float64 `mapstructure:"mean" yaml:"mean" json:"mean"`
	Std            []float64 `mapstructure:"std" yaml:"std" json:"std"`
	CropPct        float64   `mapstructure:"crop_pct" yaml:"crop_pct" json:"crop_pct"`
	// TrainPP is the training transform as a spec, e.g.
	// "rrc(scale=(0.08,1))|flip|randaug(2,9,mstd=0.5,inc=1)|erase(0.25)" (rrc's size and
	// normalise default to model.image_size and the ImageNet statistics). It replaces
	// scale, ratio, hflip, rand_augment and re_prob, which must then stay at their
	// defaults: a key that no longer acts but was changed is an error, never silently
	// dropped. interpolation, mean and std keep acting on eval unless eval_pp is set too.
	TrainPP string `mapstructure:"train_pp" yaml:"train_pp" json:"train_pp"`
	// EvalPP is the eval transform as a spec, e.g. "resize(256)|center_crop(224)"; it
	// replaces crop_pct (and interpolation, mean and std with train_pp). Train and eval
	// must normalise with the same mean and std, whichever way each is given.
	EvalPP string `mapstructure:"eval_pp" yaml:"eval_pp" json:"eval_pp"`
}

// Optim is the optimizer and schedule.
type Optim struct {
	Epochs int `mapstructure:"epochs" yaml:"epochs" json:"epochs"`
	// Steps > 0 fixes the number of optimizer steps (and the schedule is in steps).
	Steps int `mapstructure:"steps" yaml:"steps" json:"steps"`
	// BatchSize is the global batch of one optimizer step (all devices, all accumulation steps).
	BatchSize  int `mapstructure:"batch_size" yaml:"batch_size" json:"batch_size"`
	AccumSteps int `mapstructure:"accum_steps" yaml:"accum_steps" json:"accum_steps"`
	// LR > 0 is used as is; otherwise lr = base_lr · batch_size / base_batch.
	LR           float64 `mapstructure:"lr" yaml:"lr" json:"lr"`
	BaseLR       float64 `mapstructure:"base_lr" yaml:"base_lr" json:"base_lr"`
	BaseBatch    int     `mapstructure:"base_batch" yaml:"base_batch" json:"base_batch"`
	MinLR        float64 `mapstructure:"min_lr" yaml:"min_lr" json:"min_lr"`
	WarmupEpochs float64 `mapstructure:"warmup_epochs" yaml:"warmup_epochs" json:"warmup_epochs"`
	WarmupSteps  int     `mapstructure:"warmup_steps" yaml:"warmup_steps" json:"warmup_steps"`
	WarmupLR     float64 `mapstructure:"warmup_lr" yaml:"warmup_lr" json:"warmup_lr"`
	WeightDecay  float64 `mapstructure:"weight_decay" yaml:"weight_decay" json:"weight_decay"`
	Beta1        float64 `mapstructure:"beta1" yaml:"beta1" json:"beta1"`
	Beta2        float64 `mapstructure:"beta2" yaml:"beta2" json:"beta2"`
	Eps          float64 `mapstructure:"eps" yaml:"eps" json:"eps"`
	// ClipGrad > 0 clips the global gradient norm.
	ClipGrad float64 `mapstructure:"clip_grad" yaml:"clip_grad" json:"clip_grad"`
	// LayerDecay in (0, 1) is layer-wise lr decay for fine-tuning (BEiT/MAE): block i gets
	// lr·decay^(depth−i), patch/CLS/position embeddings lr·decay^(depth+1), the final norm
	// and head the full lr. 0 (or 1) = off.
	LayerDecay float64 `mapstructure:"layer_decay" yaml:"layer_decay" json:"layer_decay"`
	// EMADecay > 0 keeps an exponential moving average of the weights (0.9999 = momentum 1e-4).
	EMADecay float64 `mapstructure:"ema_decay" yaml:"ema_decay" json:"ema_decay"`
}

// Checkpoint says when checkpoints are written and which are kept.
type Checkpoint struct {
	EverySteps   int     `mapstructure:"every_steps" yaml:"every_steps" json:"every_steps"`
	EveryMinutes float64 `mapstructure:"every_minutes" yaml:"every_minutes" json:"every_minutes"`
	KeepLast     int     `mapstructure:"keep_last" yaml:"keep_last" json:"keep_last"`
	KeepBest     bool    `mapstructure:"keep_best" yaml:"keep_best" json:"keep_best"`
}

// Eval is validation during training.
type Eval struct {
	EveryEpochs int `mapstructure:"every_epochs" yaml:"every_epochs" json:"every_epochs"`
	BatchSize   int `mapstructure:"batch_size" yaml:"batch_size" json:"batch_size"`
}

// Log is progress output.
type Log struct {
	Progress   bool `mapstructure:"progress" yaml:"progress" json:"progress"`
	EverySteps int  `mapstructure:"every_steps" yaml:"every_steps" json:"every_steps"`
}

// Default is the paper's ImageNet recipe for TokenFormer-B/16 (TokenFormer paper, arXiv 2410.23168); YAML files
// override parts of it.
func Default() Config {
	return Config{
		Precision: F32, Attention: vision.AttentionAuto, Seed: 0, Out: "runs/default",
		Model: Model{Preset: "tokenformer-b16-matched"},
		Data:  Data{Workers: 0, Prefetch: 4, Repeats: 1, MaxPixels: DefaultMaxPixels, Batches: "auto"},
		Augment: Augment{Scale: []float64{0.08, 1}, Ratio: []float64{3.0 / 4, 4.0 / 3}, Interpolation: "bicubic",
			HFlip: 0.5, RandAugment: "rand-m9-mstd0.5-inc1", ReProb: 0.25, Mixup: 0.8, Cutmix: 1.0, MixProb: 1,
			SwitchProb: 0.5, LabelSmoothing: 0.1, Mean: []float64{0.485, 0.456, 0.406},
			Std: []float64{0.229, 0.224, 0.225}, CropPct: 0.875},
		Optim: Optim{Epochs: 300, BatchSize: 4096, AccumSteps: 1, BaseLR: 1e-4, BaseBatch: 256, MinLR: 1e-5,
			WarmupEpochs: 20, WeightDecay: 0.3, Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, EMADecay: 0.9999},
		Checkpoint: Checkpoint{EveryMinutes: 30, KeepLast: 3, KeepBest: true},
		Eval:       Eval{EveryEpochs: 1},
		Log:        Log{Progress: true, EverySteps: 10},
	}
}

// DefaultMaxPixels is data.max_pixels' default: Pillow's MAX_IMAGE_PIXELS (about
// 13,400 × 13,400), the same as decode.DefaultMaxPixels.
const DefaultMaxPixels = 178956970

// Precisions and Interpolations are the accepted values of those keys.
var (
	Precisions     = []Precision{F32, BF16}
	Interpolations = []string{"bicubic", "bilinear", "nearest"}
)

// LearningRate is the peak lr after batch scaling.
func (c Config) LearningRate() float64 {
	if c.Optim.LR > 0 {
		return c.Optim.LR
	}
	return c.Optim.BaseLR * float64(c.Optim.BatchSize) / float64(c.Optim.BaseBatch)
}

// Validate checks every value a run depends on and names the offending key.
func (c Config) Validate() error {
	if err := c.Model.Config.Validate(); err != nil {
		return err
	}
	if !slices.Contains(Precisions, c.Precision) {
		names := make([]string, len(Precisions))
		for i, p := range Precisions {
			names[i] = string(p)
		}
		return fmt.Errorf("precision = %q: allowed values are %s", c.Precision, strings.Join(names, ", "))
	}
	if _, err := vision.ParseAttention(string(c.Attention)); err != nil {
		return err
	}
	a := c.Augment
	if !slices.Contains(Interpolations, a.Interpolation) {
		return fmt.Errorf("augment.interpolation = %q: allowed values are %s", a.Interpolation, strings.Join(Interpolations, ", "))
	}
	pairs := []struct {
		key string
		v   []float64
		n   int
	}{{"augment.scale", a.Scale, 2}, {"augment.ratio", a.Ratio, 2}, {"augment.mean", a.Mean, 3}, {"augment.std", a.Std, 3}}
	for _, p := range pairs {
		if len(p.v) != p.n {
			return fmt.Errorf("%s = %v: needs exactly %d numbers", p.key, p.v, p.n)
		}
	}
	if a.Scale[0] <= 0 || a.Scale[0] > a.Scale[1] || a.Scale[1] > 1 {
		return fmt.Errorf("augment.scale = %v: needs 0 < min <= max <= 1", a.Scale)
	}
	if a.Ratio[0] <= 0 || a.Ratio[0] > a.Ratio[1] {
		return fmt.Errorf("augment.ratio = %v: needs 0 < min <= max", a.Ratio)
	}
	for _, s := range a.Std {
		if s <= 0 {
			return fmt.Errorf("augment.std = %v: every value must be > 0", a.Std)
		}
	}
	probs := []struct {
		key string
		v   float64
	}{{"augment.hflip", a.HFlip}, {"augment.re_prob", a.ReProb}, {"augment.mix_prob", a.MixProb},
		{"augment.switch_prob", a.SwitchProb}, {"augment.label_smoothing", a.LabelSmoothing}}
	for _, p := range probs {
		if p.v < 0 || p.v > 1 {
			return fmt.Errorf("%s = %g: must be in [0, 1]", p.key, p.v)
		}
	}
	if a.Mixup < 0 || a.Cutmix < 0 {
		return fmt.Errorf("augment.mixup = %g, augment.cutmix = %g: alphas must be >= 0 (0 = off)", a.Mixup, a.Cutmix)
	}
	if a.CropPct <= 0 || a.CropPct > 1 {
		return fmt.Errorf("augment.crop_pct = %g: must be in (0, 1]", a.CropPct)
	}
	if err := c.validateSpecs(); err != nil {
		return err
	}
	o := c.Optim
	switch {
	case o.Epochs <= 0 && o.Steps <= 0:
		return fmt.Errorf("optim.epochs = %d and optim.steps = %d: set one of them > 0", o.Epochs, o.Steps)
	case o.BatchSize <= 0:
		return fmt.Errorf("optim.batch_size = %d: must be > 0", o.BatchSize)
	case o.AccumSteps <= 0:
		return fmt.Errorf("optim.accum_steps = %d: must be >= 1", o.AccumSteps)
	case o.BatchSize%o.AccumSteps != 0:
		return fmt.Errorf("optim.batch_size = %d is not divisible by optim.accum_steps = %d", o.BatchSize, o.AccumSteps)
	case o.LR <= 0 && (o.BaseLR <= 0 || o.BaseBatch <= 0):
		return fmt.Errorf("optim.lr = %g: set optim.lr > 0, or optim.base_lr and optim.base_batch > 0", o.LR)
	case o.MinLR < 0 || o.MinLR > c.LearningRate():
		return fmt.Errorf("optim.min_lr = %g: must be in [0, lr = %g]", o.MinLR, c.LearningRate())
	case o.WarmupEpochs < 0 || o.WarmupSteps < 0:
		return fmt.Errorf("optim.warmup_epochs / optim.warmup_steps must be >= 0")
	case o.WeightDecay < 0:
		return fmt.Errorf("optim.weight_decay = %g: must be >= 0", o.WeightDecay)
	case o.Beta1 < 0 || o.Beta1 >= 1 || o.Beta2 < 0 || o.Beta2 >= 1:
		return fmt.Errorf("optim.beta1 = %g, optim.beta2 = %g: must be in [0, 1)", o.Beta1, o.Beta2)
	case o.Eps <= 0:
		return fmt.Errorf("optim.eps = %g: must be > 0", o.Eps)
	case o.ClipGrad < 0:
		return fmt.Errorf("optim.clip_grad = %g: must be >= 0 (0 = off)", o.ClipGrad)
	case o.LayerDecay < 0 || o.LayerDecay > 1:
		return fmt.Errorf("optim.layer_decay = %g: must be in (0, 1] (0 = off)", o.LayerDecay)
	case o.EMADecay < 0 || o.EMADecay >= 1:
		return fmt.Errorf("optim.ema_decay = %g: must be in [0, 1) (0 = off)", o.EMADecay)
	}
	if c.Data.Workers < 0 || c.Data.Prefetch < 0 || c.Data.Repeats < 0 || c.Data.MaxTrain < 0 || c.Data.MaxVal < 0 {
		return fmt.Errorf("data.workers, prefetch, repeats, max_train and max_val must be >= 0")
	}
	switch c.Data.Batches {
	case "", "auto", "uint8", "float32":
	default:
		return fmt.Errorf("data.batches = %q: want auto, uint8 or float32", c.Data.Batches)
	}
	if c.Data.ShardCount < 0 || c.Data.ShuffleBuffer < 0 || c.Data.ShardIndex < 0 || c.Data.ShardIndex >= max(c.Data.ShardCount, 1) {
		return fmt.Errorf("data.shard_index = %d, data.shard_count = %d, data.shuffle_buffer = %d: want 0 <= shard_index < shard_count (0 = 1) and shuffle_buffer >= 0",
			c.Data.ShardIndex, c.Data.ShardCount, c.Data.ShuffleBuffer)
	}
	if c.Data.MaxPixels < 0 {
		return fmt.Errorf("data.max_pixels = %d: must be >= 0 (0 = the default, %d)", c.Data.MaxPixels, DefaultMaxPixels)
	}
	if c.Checkpoint.KeepLast < 1 {
		return fmt.Errorf("checkpoint.keep_last = %d: must be >= 1", c.Checkpoint.KeepLast)
	}
	if c.Checkpoint.EverySteps < 0 || c.Checkpoint.EveryMinutes < 0 || c.Eval.EveryEpochs < 0 || c.Eval.BatchSize < 0 || c.Log.EverySteps < 0 {
		return fmt.Errorf("checkpoint.every_*, eval.every_epochs, eval.batch_size and log.every_steps must be >= 0")
	}
	if c.Out == "" {
		return fmt.Errorf("out is empty: give a run directory with --out DIR")
	}
	return nil
}

// validateSpecs builds both transforms, so a bad spec or rand_augment string fails at
// load time with its key, and refuses a per-image key that a spec has made dead while
// it differs from its default: precedence would silently drop it (hflip: 0 next to a
// train_pp with flip), and the spec is where the value belongs.
func (c Config) validateSpecs() error {
	a, d := c.Augment, Default().Augment
	keys := []struct {
		key         string
		changed     bool
		train, eval bool // read by the default train / eval spec
		value, def  any
	}{
		{"augment.scale", !slices.Equal(a.Scale, d.Scale), true, false, a.Scale, d.Scale},
		{"augment.ratio", !slices.Equal(a.Ratio, d.Ratio), true, false, a.Ratio, d.Ratio},
		{"augment.hflip", a.HFlip != d.HFlip, true, false, a.HFlip, d.HFlip},
		{"augment.rand_augment", a.RandAugment != d.RandAugment, true, false, fmt.Sprintf("%q", a.RandAugment), fmt.Sprintf("%q", d.RandAugment)},
		{"augment.re_prob", a.ReProb != d.ReProb, true, false, a.ReProb, d.ReProb},
		{"augment.crop_pct", a.CropPct != d.CropPct, false, true, a.CropPct, d.CropPct},
		{"augment.interpolation", a.Interpolation != d.Interpolation, true, true, a.Interpolation, d.Interpolation},
		{"augment.mean", !slices.Equal(a.Mean, d.Mean), true, true, a.Mean, d.Mean},
		{"augment.std", !slices.Equal(a.Std, d.Std), true, true, a.Std, d.Std},
	}
	for _, k := range keys {
		deadTrain, deadEval := !k.train || a.TrainPP != "", !k.eval || a.EvalPP != ""
		if !k.changed || !deadTrain || !deadEval {
			continue
		}
		by := "augment.train_pp replaces"
		switch {
		case k.train && k.eval:
			by = "augment.train_pp and augment.eval_pp replace"
		case k.eval:
			by = "augment.eval_pp replaces"
		}
		return fmt.Errorf("%s = %v, but %s it (default %v): put the value in the spec, or leave the key at its default",
			k.key, k.value, by, k.def)
	}
	if a.TrainPP == "" && a.RandAugment != "" {
		if _, err := augment.ParseRandAugment(a.RandAugment); err != nil {
			return fmt.Errorf("augment.rand_augment = %q: %w", a.RandAugment, err)
		}
	}
	tr, err := c.TrainTransform()
	if err != nil {
		return err
	}
	ev, err := c.EvalTransform()
	if err != nil {
		return err
	}
	tm, ts := tr.Normalisation()
	em, es := ev.Normalisation()
	if tm != em || ts != es {
		return fmt.Errorf("augment: train normalises with mean %v std %v but eval with mean %v std %v (%s): "+
			"a model must be evaluated with its training statistics; give both specs the same normalise(...)",
			tm, ts, em, es, "from "+specSource(a.TrainPP != "", "train_pp")+" and "+specSource(a.EvalPP != "", "eval_pp"))
	}
	return nil
}

func specSource(set bool, key string) string {
	if set {
		return "augment." + key
	}
	return "augment.mean/std"
}
