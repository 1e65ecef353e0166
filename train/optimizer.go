package train

import (
	"fmt"
	"math"
	"slices"

	"strings"

	"github.com/tfvision/tfvision/checkpoint"
	"github.com/tfvision/tfvision/internal/livevars"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// Store scopes of training state, kept apart from model variables so the model scope
// alone is the network (counted, exported, grown).
const (
	OptimizerScope = checkpoint.OptimizerScope
	EMAScope       = checkpoint.EMAScope
)

// AdamW holds the hyper-parameters of the update; the learning rate is an input of each
// step (the schedule lives on the host where it is easy to test and to resume).
type AdamW struct {
	Beta1, Beta2, Eps, WeightDecay float64
	// ClipNorm > 0 scales gradients so their global L2 norm is at most ClipNorm.
	ClipNorm float64
	// EMADecay > 0 updates an exponential moving average of the weights after each step.
	EMADecay float64
	// LRScale multiplies the learning rate of the variables it names (by path), in the
	// update and in the decoupled weight decay, as timm's per-group lr_scale; absent = 1.
	LRScale map[string]float64
}

// LayerID is the BEiT/MAE layer of a model variable for layer-wise lr decay: 0 for the
// patch embedding, CLS token and position embedding, i+1 for block i, depth+1 for the
// final norm and the head.
func LayerID(path string, depth int) int {
	switch {
	case strings.HasPrefix(path, "/patch_embed/"), path == "/cls", path == "/pos_embed":
		return 0
	case strings.HasPrefix(path, "/block_"):
		var i int
		if _, err := fmt.Sscanf(path, "/block_%d/", &i); err == nil {
			return i + 1
		}
	}
	return depth + 1
}

// LayerDecayScales are the lr multipliers decay^(depth+1−layer) of vars (nil when decay is
// 0 or 1: no decay).
func LayerDecayScales(vars []*model.Variable, depth int, decay float64) map[string]float64 {
	if decay <= 0 || decay == 1 {
		return nil
	}
	out := make(map[string]float64, len(vars))
	for _, v := range vars {
		out[v.Path()] = math.Pow(decay, float64(depth+1-LayerID(v.Path(), depth)))
	}
	return out
}

// NoDecay reports whether a variable is excluded from weight decay: norms (gamma, beta),
// biases, the CLS token and the position embedding, as in the MAE and DeiT recipes.
func NoDecay(path string) bool {
	_, name := model.SplitPath(path)
	return slices.Contains([]string{"bias", "beta", "gamma", "cls", "pos_embed"}, name)
}

// isModelVar is true for the network's trainable variables (not optimizer/EMA/RNG state).
func isModelVar(v *model.Variable) bool {
	return v.Trainable && checkpoint.IsModelWeight(v.Path())
}

// ModelVars lists the model's trainable variables sorted by path.
func ModelVars(store *model.Store) []*model.Variable {
	var vars []*model.Variable
	for v := range store.IterVariables() {
		if isModelVar(v) {
			vars = append(vars, v)
		}
	}
	slices.SortFunc(vars, func(a, b *model.Variable) int { return strings.Compare(a.Path(), b.Path()) })
	return vars
}

// stateVar returns (creating, zero-filled) the optimizer state variable suffix of v.
func stateVar(store *model.Store, scope string, v *model.Variable, suffix string) *model.Variable {
	path := scope + v.Path()
	if suffix != "" {
		path += "#" + suffix
	}
	if sv := store.GetVariable(path); sv != nil {
		return sv
	}
	sv, err := store.CreateVariable(path, tensors.FromShape(v.Shape()))
	if err != nil {
		panic(err)
	}
	sv.Trainable = false
	return sv
}

// InitEMA creates the EMA copies of the model variables (equal to the weights at creation).
func InitEMA(store *model.Store) error {
	for _, v := range ModelVars(store) {
		path := EMAScope + v.Path()
		if store.GetVariable(path) != nil {
			continue
		}
		val, err := v.Value()
		if err != nil {
			return err
		}
		clone, err := val.LocalClone()
		if err != nil {
			return err
		}
		ev, err := store.CreateVariable(path, clone)
		if err != nil {
			return err
		}
		ev.Trainable = false
	}
	return nil
}

// globalNorm is √Σ‖g‖² over all gradients, in float32.
func globalNorm(grads []*Node) *Node {
	var total *Node
	for _, g := range grads {
		s := ReduceAllSum(Square(ConvertDType(g, dtypes.Float32)))
		if total == nil {
			total = s
		} else {
			total = Add(total, s)
		}
	}
	return Sqrt(total)
}

// Apply builds the update of vars given their gradients and the learning rate (a scalar
// node), returning the pre-clipping global gradient norm. Moments are float32 variables
// under OptimizerScope; the step count is one int64 variable.
func (o AdamW) Apply(store *model.Store, vars []*model.Variable, grads []*Node, lr *Node) *Node {
	g := lr.Graph()
	if !livevars.IsLive(store, g) {
		// Without it the pure-Go backend folds the weights in as constants and every later
		// call of this graph starts again from the values it was compiled with.
		panic("train: AdamW.Apply in a graph that does not read variables live: call livevars.Live first")
	}
	norm := globalNorm(grads)
	if o.ClipNorm > 0 {
		// scale = min(1, clip / (norm + 1e-6)), torch's clip_grad_norm_.
		scale := Min(ScalarOne(g, dtypes.Float32), Div(Scalar(g, dtypes.Float32, o.ClipNorm), AddScalar(norm, 1e-6)))
		for i := range grads {
			grads[i] = Mul(grads[i], scale)
		}
	}
	stepVar := store.GetVariable(OptimizerScope + "/step")
	if stepVar == nil {
		var err error
		stepVar, err = store.CreateVariable(OptimizerScope+"/step", tensors.FromScalar(int64(0)))
		if err != nil {
			panic(err)
		}
		stepVar.Trainable = false
	}
	step := AddScalar(stepVar.NodeValue(g), 1)
	stepVar.SetNodeValue(step)
	t := ConvertDType(step, dtypes.Float64)
	// Bias corrections in float64: β₂^t for t in the 1e5 range loses digits in float32.
	c1 := ConvertDType(OneMinus(Pow(Scalar(g, dtypes.Float64, o.Beta1), t)), dtypes.Float32)
	c2 := ConvertDType(OneMinus(Pow(Scalar(g, dtypes.Float64, o.Beta2), t)), dtypes.Float32)
	lr32 := ConvertDType(lr, dtypes.Float32)
	for i, v := range vars {
		p := v.NodeValue(g)
		lr32 := lr32
		if s, ok := o.LRScale[v.Path()]; ok && s != 1 {
			lr32 = MulScalar(lr32, s)
		}
		grad := ConvertDType(grads[i], dtypes.Float32)
		mv, vv := stateVar(store, OptimizerScope, v, "m"), stateVar(store, OptimizerScope, v, "v")
		m := Add(MulScalar(mv.NodeValue(g), o.Beta1), MulScalar(grad, 1-o.Beta1))
		s := Add(MulScalar(vv.NodeValue(g), o.Beta2), MulScalar(Square(grad), 1-o.Beta2))
		mv.SetNodeValue(m)
		vv.SetNodeValue(s)
		update := Div(Div(m, c1), AddScalar(Sqrt(Div(s, c2)), o.Eps))
		if o.WeightDecay > 0 && !NoDecay(v.Path()) {
			// Decoupled decay (Loshchilov & Hutter): p ← p·(1 − lr·wd) before the Adam step.
			p = Mul(p, OneMinus(MulScalar(lr32, o.WeightDecay)))
		}
		newP := Sub(p, Mul(lr32, update))
		v.SetNodeValue(newP)
		if o.EMADecay > 0 {
			ev := store.GetVariable(EMAScope + v.Path())
			if ev == nil {
				panic("train: EMA enabled but InitEMA was not called")
			}
			ev.SetNodeValue(Add(MulScalar(ev.NodeValue(g), o.EMADecay), MulScalar(newP, 1-o.EMADecay)))
		}
	}
	return norm
}

// softTargetLoss is the mean over real samples of −Σ_c t_c·log softmax(logits)_c.
// weights [B] are 1 for real samples and 0 for the padding of a final partial batch.
func softTargetLoss(logits, targets, weights *Node) *Node {
	perSample := Neg(ReduceSum(Mul(targets, LogSoftmax(logits, -1)), -1))
	total := ReduceAllSum(Mul(perSample, weights))
	count := Max(ReduceAllSum(weights), ScalarOne(logits.Graph(), dtypes.Float32))
	return Div(total, count)
}
