package train

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tfvision/tfvision/augment"
	"github.com/tfvision/tfvision/backend"
	"github.com/tfvision/tfvision/checkpoint"
	"github.com/tfvision/tfvision/configs"
	"github.com/tfvision/tfvision/eval"
	"github.com/tfvision/tfvision/imagenet"
	"github.com/tfvision/tfvision/imagenet/decode"
	"github.com/tfvision/tfvision/internal/runlock"
	"github.com/tfvision/tfvision/label"
	"github.com/tfvision/tfvision/run"
	"github.com/tfvision/tfvision/vision"
)

// ErrInterrupted is returned when the context was cancelled (Ctrl-C): a checkpoint of the
// last completed step was written first, so re-running the same command continues.
var ErrInterrupted = errors.New("training interrupted; checkpoint saved, re-run the same command to resume")

// Options are the inputs of Run besides the config.
type Options struct {
	Config configs.Config
	// Init loads model weights (not optimizer state) from a run directory or checkpoint
	// file before training, e.g. a model grown with `tfvision grow`.
	Init string
	// Fresh ignores existing checkpoints in the run directory (otherwise training resumes).
	Fresh bool
	// Out receives human-readable progress (nil = discard).
	Out io.Writer
	// Progress draws a progress bar per epoch on Out.
	Progress bool
	// StopAfter > 0 stops (with a checkpoint) after that many optimizer steps in this
	// invocation: how tests simulate a kill between steps.
	StopAfter int
	// Backend, when set, is used instead of opening cfg.Backend.
	Backend compute.Backend
}

// Summary is what a finished (or interrupted) run reports.
type Summary struct {
	Steps        int64
	Epochs       int
	FinalLoss    float64
	ValTop1      float64
	ValTop5      float64
	EMATop1      float64
	BestTop1     float64
	Seconds      float64
	ImagesPerSec float64 // training images/s over the whole run (compile excluded)
	DataWaitSec  float64 // time steps waited for the loader
	FailedFiles  int
	// Checkpoint is the newest checkpoint file, also after an interrupt or StopAfter
	// (which return ErrInterrupted with the summary so far).
	Checkpoint    string
	ResumedAtStep int64
}

type runner struct {
	opts    Options
	cfg     configs.Config
	out     io.Writer
	backend compute.Backend
	model   *vision.Model
	store   *model.Store
	stepper *Stepper
	sched   Schedule
	mix     *augment.Mixer

	trainLoader, valLoader *imagenet.Loader
	classes                []label.Class
	evalStore              *model.Store
	predictor              *eval.Predictor
	evalNorm               vision.PixelNorm // the eval transform's, for 8-bit validation batches

	dir, ckptDir string
	metrics      *metricsLog
	configYAML   string
	microPerStep int
	stepsPerEp   int // optimizer steps per epoch
	bestTop1     float64
	bestLoss     float64
	lastSave     time.Time
	resumeMeta   checkpoint.Meta
	evalBatch    int
	lock         *runlock.Lock
	// The current epoch's running loss (sum and steps), saved in mid-epoch checkpoints.
	epochLossSum   float64
	epochLossSteps int

	// afterStep, when set, runs after each optimizer step: tests interrupt at a known step.
	afterStep func(step int64)
}

// Run trains per opts.Config, resuming from the run directory's latest checkpoint when there
// is one. It returns ErrInterrupted (after checkpointing) when ctx is cancelled.
func Run(ctx context.Context, opts Options) (Summary, error) {
	r := &runner{opts: opts, cfg: opts.Config, out: opts.Out}
	if r.out == nil {
		r.out = io.Discard
	}
	defer r.close()
	if err := r.setup(); err != nil {
		return Summary{}, err
	}
	return r.loop(ctx)
}

func (r *runner) printf(format string, args ...any) { fmt.Fprintf(r.out, format, args...) }

func (r *runner) setup() error {
	cfg := r.cfg
	if err := cfg.Validate(); err != nil {
		return err
	}
	var err error
	r.backend = r.opts.Backend
	if r.backend == nil {
		if r.backend, err = backend.Open(cfg.Backend, backend.Options{AutoInstall: cfg.BackendAutoInstall}); err != nil {
			return err
		}
	}
	r.printf("tfvision train: %s\n", backend.Describe(r.backend))
	r.dir = cfg.Out
	r.ckptDir = filepath.Join(r.dir, "checkpoints")
	yamlBytes, err := configs.Marshal(cfg)
	if err != nil {
		return err
	}
	r.configYAML = string(yamlBytes)

	// Data.
	if cfg.Data.Dir == "" {
		return fmt.Errorf("data.dir is empty: pass --data DIR (an ImageNet-layout tree; `tfvision data mnist --out DIR` makes a small one)")
	}
	if _, err := os.Stat(cfg.Data.Dir); err != nil {
		return fmt.Errorf("data.dir %s: %w\n  hint: pass --data DIR with an ImageNet-layout tree; `tfvision data mnist --out %s` writes the demo's", cfg.Data.Dir, err, cfg.Data.Dir)
	}
	ds, err := imagenet.Open(cfg.Data.Dir, imagenet.Options{DevkitMapping: cfg.Data.DevkitMapping})
	if err != nil {
		return fmt.Errorf("open dataset: %w", err)
	}
	if ds.Train.Len() == 0 {
		return fmt.Errorf("dataset %s has no training images (expected %s/train/<class>/...)", cfg.Data.Dir, cfg.Data.Dir)
	}
	if len(ds.Classes) != cfg.Model.NumClasses {
		return fmt.Errorf("dataset %s has %d classes but model.num_classes = %d: set --set model.num_classes=%d",
			cfg.Data.Dir, len(ds.Classes), cfg.Model.NumClasses, len(ds.Classes))
	}
	r.printf("config (also in %s):\n%s\n", filepath.Join(r.dir, "config.yaml"), indent(r.configYAML))
	r.classes = ds.Classes
	trainSplit := subset(ds.Train, cfg.Data.MaxTrain, cfg.Seed)
	r.printf("data: %s (%s layout), %d classes, %d training images", cfg.Data.Dir, ds.Layout, len(ds.Classes), trainSplit.Len())
	if ds.Train.Ignored.Count > 0 {
		r.printf(" (%d files ignored, e.g. %s)", ds.Train.Ignored.Count, strings.Join(ds.Train.Ignored.Examples, "; "))
	}
	r.printf("\n")
	if ix := ds.Shards; ix != nil {
		r.printf("shards: %d training tar files (images packed at short side <= %d, JPEG quality %d); this host reads part %d of %d (data.shard_index/shard_count), shuffle buffer %d\n",
			len(ds.Train.Shards), ix.MaxSide, ix.Quality, cfg.Data.ShardIndex, max(cfg.Data.ShardCount, 1), shuffleBuffer(cfg))
	}
	r.microPerStep = cfg.Optim.AccumSteps
	micro := cfg.Optim.BatchSize / cfg.Optim.AccumSteps
	tt, err := cfg.TrainTransform()
	if err != nil {
		return err
	}
	// Decoded batches ahead cover at least one optimizer step (all its micro-batches), so a
	// step's data is ready while the previous step runs, whatever accum_steps is.
	prefetch := max(cfg.Data.Prefetch, r.microPerStep)
	pixels := cfg.PixelBatches(r.backend.String()) // the train and val loaders alike
	r.trainLoader, err = imagenet.NewLoader(trainSplit, imagenet.LoaderConfig{BatchSize: micro, Workers: cfg.Data.Workers,
		Prefetch: prefetch, Seed: cfg.Seed, Shuffle: true, Repeats: cfg.Data.Repeats, DropLast: true, Transform: tt,
		MaxPixels: cfg.Data.MaxPixels, ShardIndex: cfg.Data.ShardIndex, ShardCount: cfg.Data.ShardCount,
		ShuffleBuffer: cfg.Data.ShuffleBuffer, Pixels: pixels})
	if err != nil {
		return fmt.Errorf("train loader: %w", err)
	}
	r.printf("loader: %d decode workers, %d micro-batches of %d decoded ahead, the next step staged on the device during each step\n",
		r.trainLoader.Workers(), r.trainLoader.Prefetch(), micro)
	if pixels {
		r.printf("batches: uint8 pixels, normalised (and Mixup-blended) on the device (data.batches)\n")
	} else {
		r.printf("batches: float32, normalised and mixed on the host (data.batches)\n")
	}
	r.printf("JPEG decoder: %s; images over %d pixels are refused (data.max_pixels)\n", decode.JPEGDecoder(), maxPixels(cfg))
	r.stepsPerEp = r.trainLoader.StepsPerEpoch() / r.microPerStep
	if r.stepsPerEp == 0 {
		return fmt.Errorf("optim.batch_size = %d is larger than the %d training images: lower it", cfg.Optim.BatchSize, trainSplit.Len())
	}
	if ds.Val.Len() > 0 && cfg.Eval.EveryEpochs > 0 {
		et, err := cfg.EvalTransform()
		if err != nil {
			return err
		}
		valSplit := subset(ds.Val, cfg.Data.MaxVal, cfg.Seed+1)
		evalBatch := cfg.Eval.BatchSize
		if evalBatch == 0 {
			evalBatch = micro
		}
		r.evalBatch = evalBatch
		r.valLoader, err = imagenet.NewLoader(valSplit, imagenet.LoaderConfig{BatchSize: evalBatch, Workers: cfg.Data.Workers,
			Prefetch: cfg.Data.Prefetch, Seed: cfg.Seed, Transform: et, NoSubstitute: true, MaxPixels: cfg.Data.MaxPixels,
			Pixels: pixels})
		if err != nil {
			return fmt.Errorf("val loader: %w", err)
		}
		r.evalNorm = configs.PixelNormOf(et.Normalisation())
		r.printf("validation: %d images\n", valSplit.Len())
	}
	if r.mix, err = cfg.Mixer(); err != nil {
		return err
	}

	// The run directory is created (and locked) only once the data is known to be usable.
	if err := r.lockRunDir(); err != nil {
		return err
	}

	// Model, weights and optimizer state.
	if r.model, err = cfg.NewModel(); err != nil {
		return err
	}
	attention, err := r.model.AttentionPath(r.backend)
	if err != nil {
		return err
	}
	r.store = model.NewStore()
	if err := r.restoreOrInit(); err != nil {
		return err
	}
	opt := AdamW{Beta1: cfg.Optim.Beta1, Beta2: cfg.Optim.Beta2, Eps: cfg.Optim.Eps, WeightDecay: cfg.Optim.WeightDecay,
		ClipNorm: cfg.Optim.ClipGrad, EMADecay: cfg.Optim.EMADecay,
		LRScale: LayerDecayScales(ModelVars(r.store), cfg.Model.Depth, cfg.Optim.LayerDecay)}
	if opt.LRScale != nil {
		r.printf("layer-wise lr decay %g: embeddings ×%.3g, block 0 ×%.3g … block %d ×%.3g, head ×1\n", cfg.Optim.LayerDecay,
			math.Pow(cfg.Optim.LayerDecay, float64(cfg.Model.Depth+1)), math.Pow(cfg.Optim.LayerDecay, float64(cfg.Model.Depth)),
			cfg.Model.Depth-1, cfg.Optim.LayerDecay)
	}
	if r.stepper, err = NewStepper(r.backend, r.model, r.store, opt, r.microPerStep); err != nil {
		return err
	}
	r.stepper.PixelNorm = configs.PixelNormOf(tt.Normalisation())
	if d := r.stepper.Devices(); d > 1 {
		r.printf("data parallel over %d devices: global batch %d, %d per device per micro-step\n", d, cfg.Optim.BatchSize, micro/d)
	}
	total := int64(cfg.Optim.Steps)
	if total == 0 {
		total = int64(cfg.Optim.Epochs * r.stepsPerEp)
	}
	warm := int64(cfg.Optim.WarmupSteps)
	if warm == 0 {
		warm = int64(math.Round(cfg.Optim.WarmupEpochs * float64(r.stepsPerEp)))
	}
	r.sched = Schedule{PeakLR: cfg.LearningRate(), MinLR: cfg.Optim.MinLR, WarmupLR: cfg.Optim.WarmupLR, Warmup: warm, Total: total}
	if w := backend.BF16Warning(r.backend, string(cfg.Precision)); w != "" {
		r.printf("%s\n", w)
	}
	r.printf("model: %s, %.2fM parameters, %.2f GFLOPs/image; %s precision, %s attention\n", modelName(cfg), float64(vision.NumParams(r.store))/1e6, cfg.Model.FLOPs()/1e9, cfg.Precision, attention)
	r.printf("optimizer: AdamW lr %.3g (batch %d = %d × %d accumulation), %d steps (%d per epoch), %d warmup, cosine to %.3g\n",
		r.sched.PeakLR, cfg.Optim.BatchSize, micro, r.microPerStep, total, r.stepsPerEp, warm, cfg.Optim.MinLR)
	if r.valLoader != nil {
		r.evalStore = model.NewStore()
		for _, v := range ModelVars(r.store) {
			if _, err := r.evalStore.CreateVariable(v.Path(), v.MustValue()); err != nil {
				return err
			}
		}
		if r.predictor, err = eval.NewPredictor(r.backend, r.model, r.evalStore, r.evalBatch); err != nil {
			return err
		}
		r.predictor.PixelNorm = r.evalNorm
	}
	if err := os.WriteFile(filepath.Join(r.dir, "config.yaml"), yamlBytes, 0o644); err != nil {
		return fmt.Errorf("save config: %w", err)
	}
	r.metrics, err = openMetrics(r.dir, StepCount(r.store))
	return err
}

func modelName(cfg configs.Config) string {
	if cfg.Model.Preset != "" {
		return cfg.Model.Preset
	}
	c := cfg.Model.Config
	return fmt.Sprintf("%s d%d×%d", c.Kind, c.Dim, c.Depth)
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n  ")
}

// restoreOrInit loads the latest checkpoint of the run (resume), or initialises the model
// (optionally from --init weights) and the RNG.
func (r *runner) restoreOrInit() error {
	if !r.opts.Fresh {
		candidates, err := checkpoint.List(r.ckptDir)
		if err != nil {
			return err
		}
		if len(candidates) > 0 {
			return r.resume(candidates)
		}
	}
	if r.opts.Init != "" {
		// Trace first so loading checks every saved shape against this config's model.
		if err := r.model.Trace(r.backend, r.store); err != nil {
			return err
		}
		ck, err := run.ResolveCheckpoint(r.opts.Init, "latest")
		if err != nil {
			return fmt.Errorf("--init: %w", err)
		}
		notes, err := InitWeights(ck, r.store, r.cfg.Model.Config)
		if err != nil {
			return fmt.Errorf("--init: %w", err)
		}
		r.printf("initialised weights from %s\n", ck)
		for _, n := range notes {
			r.printf("  %s\n", n)
		}
	}
	if err := r.model.Build(r.backend, r.store, r.cfg.Seed); err != nil {
		return err
	}
	return r.store.SetRNGStateFromSeed(int64(r.cfg.Seed))
}

// sameModel refuses to resume a run whose model section changed.
func sameModel(savedYAML string, cfg configs.Config) error {
	if savedYAML == "" {
		return nil
	}
	saved, err := configs.LoadYAML([]byte(savedYAML), "checkpoint")
	if err != nil {
		return err
	}
	if saved.Model.Config != cfg.Model.Config {
		return fmt.Errorf("the model config differs from the one the run was started with (%+v vs %+v): use a new --out, or --fresh", saved.Model.Config, cfg.Model.Config)
	}
	return nil
}

func (r *runner) close() {
	if r.stepper != nil {
		r.stepper.Finalize()
	}
	if r.predictor != nil {
		r.predictor.Finalize()
	}
	if r.metrics != nil {
		r.metrics.Close()
	}
	r.lock.Release()
}
