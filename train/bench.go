package train

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tfvision/tfvision/internal/cputime"
	"github.com/tfvision/tfvision/internal/livevars"
	"github.com/tfvision/tfvision/vision"
)

// BenchOptions configure BenchModel.
type BenchOptions struct {
	Batch, Steps, Warmup int
	Train                bool
	DType                dtypes.DType // compute dtype (float32 or bfloat16)
	Attention            vision.Attention
	// Progress, when set, is called after each step (warm-up included).
	Progress func(step int, seconds float64)
}

// BenchResult is what `tfvision bench model` prints (also as JSON).
type BenchResult struct {
	Preset       string  `json:"preset,omitempty"`
	Mode         string  `json:"mode"`
	Batch        int     `json:"batch"`
	Image        int     `json:"image"`
	DType        string  `json:"dtype"`
	Attention    string  `json:"attention"` // the kernel used: fused or decomposed
	Backend      string  `json:"backend"`
	Params       int     `json:"params"`
	StepMSMedian float64 `json:"step_ms_median"`
	// CPUSecMedian is the median process CPU time (user+system) of a timed step: less
	// sensitive to other load than wall time. Images per CPU-second compare runs made
	// on a busy machine.
	CPUSecMedian    float64 `json:"cpu_sec_per_step_median"`
	ImagesPerCPUSec float64 `json:"images_per_cpu_sec"`
	ImagesPerSec    float64 `json:"images_per_sec"`
	GFLOPsPerSec    float64 `json:"gflops_per_sec"`
	FLOPsPerImage   float64 `json:"flops_per_image"`
	CompileSec      float64 `json:"compile_and_first_step_sec"`
	Steps           int     `json:"steps"`
}

// BenchModel times forward (inference) or forward+backward+AdamW (training) steps of cfg on
// synthetic data: the median of Steps timed steps after Warmup untimed ones (the first of
// which compiles). Training FLOPs are counted as 3× forward, the usual convention.
func BenchModel(backend compute.Backend, cfg vision.Config, opts BenchOptions) (BenchResult, error) {
	if opts.Batch <= 0 || opts.Steps <= 0 || opts.Warmup < 1 {
		return BenchResult{}, fmt.Errorf("bench: batch, steps must be > 0 and warmup >= 1")
	}
	m, err := vision.New(cfg)
	if err != nil {
		return BenchResult{}, err
	}
	if opts.DType != dtypes.InvalidDType {
		m.DType = opts.DType
	}
	m.Attention = opts.Attention
	attention, err := m.AttentionPath(backend)
	if err != nil {
		return BenchResult{}, err
	}
	store := model.NewStore()
	if err := m.Build(backend, store, 1); err != nil {
		return BenchResult{}, err
	}
	if err := store.SetRNGStateFromSeed(1); err != nil {
		return BenchResult{}, err
	}
	images := tensors.FromShape(m.InputShape(opts.Batch))
	tensors.MustMutableFlatData(images, func(f []float32) {
		for i := range f {
			f[i] = float32(math.Sin(float64(i) * 0.001))
		}
	})
	var run func() error
	if opts.Train {
		targets := tensors.FromShape(shapes.Make(dtypes.Float32, opts.Batch, cfg.NumClasses))
		tensors.MustMutableFlatData(targets, func(f []float32) {
			for i := 0; i < opts.Batch; i++ {
				f[i*cfg.NumClasses+i%cfg.NumClasses] = 1
			}
		})
		weights := tensors.FromShape(shapes.Make(dtypes.Float32, opts.Batch))
		tensors.MustMutableFlatData(weights, func(f []float32) {
			for i := range f {
				f[i] = 1
			}
		})
		st, err := NewStepper(backend, m, store, AdamW{Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, WeightDecay: 0.05}, 1)
		if err != nil {
			return BenchResult{}, err
		}
		defer st.Finalize()
		mb := []MicroBatch{{Images: images, Targets: targets, Weights: weights}}
		run = func() error { _, _, err := st.Step(mb, 1e-4); return err }
	} else {
		exec, err := model.NewExec(backend, store, func(scope *model.Scope, x *Node) *Node {
			livevars.Live(scope, x.Graph())
			return m.Logits(scope, x, false)
		})
		if err != nil {
			return BenchResult{}, err
		}
		defer exec.Finalize()
		run = func() error {
			out, err := exec.Call1(images)
			if err == nil {
				out.FinalizeAll()
			}
			return err
		}
	}
	res := BenchResult{Mode: "infer", Batch: opts.Batch, Image: cfg.ImageSize, DType: m.DType.String(),
		Attention: string(attention),
		Backend:   backend.Name(), Params: vision.NumParams(store), FLOPsPerImage: cfg.FLOPs(), Steps: opts.Steps}
	if opts.Train {
		res.Mode = "train"
		res.FLOPsPerImage *= 3
	}
	var times, cpus []float64
	for i := 0; i < opts.Warmup+opts.Steps; i++ {
		start, cpu0 := time.Now(), cputime.Seconds()
		if err := run(); err != nil {
			return res, err
		}
		sec, cpu := time.Since(start).Seconds(), cputime.Seconds()-cpu0
		if i == 0 {
			res.CompileSec = sec
		}
		if i >= opts.Warmup {
			times = append(times, sec)
			cpus = append(cpus, cpu)
		}
		if opts.Progress != nil {
			opts.Progress(i, sec)
		}
	}
	med := median(times)
	res.StepMSMedian = med * 1000
	if res.CPUSecMedian = median(cpus); res.CPUSecMedian > 0 {
		res.ImagesPerCPUSec = float64(opts.Batch) / res.CPUSecMedian
	}
	res.ImagesPerSec = float64(opts.Batch) / med
	res.GFLOPsPerSec = res.ImagesPerSec * res.FLOPsPerImage / 1e9
	return res, nil
}

// median of a non-empty slice (sorted in place).
func median(v []float64) float64 {
	slices.Sort(v)
	m := v[len(v)/2]
	if len(v)%2 == 0 {
		m = (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	return m
}
