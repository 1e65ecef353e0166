package vision

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tfvision/tfvision/internal/livevars"
)

// Build registers every parameter of the model in store (by tracing the forward graph
// once for a batch of 1; no computation runs) and initialises those without a value.
// Initial values are drawn on the host from a generator seeded by (seed, variable path):
// the same seed gives the same weights on every backend, independently of the order in
// which variables are created. Variables that already hold values (a loaded checkpoint)
// are kept.
func (m *Model) Build(backend compute.Backend, store *model.Store, seed uint64) error {
	if err := m.Trace(backend, store); err != nil {
		return err
	}
	return m.initParams(store, seed)
}

// Trace registers the model's variables in store without initialising them.
func (m *Model) Trace(backend compute.Backend, store *model.Store) error {
	exec, err := model.NewExec(backend, store, func(scope *model.Scope, images *Node) *Node {
		livevars.Live(scope, images.Graph())
		return m.Logits(scope, images, false)
	})
	if err != nil {
		return fmt.Errorf("build %s model: %w", m.Config.Kind, err)
	}
	defer exec.Finalize()
	if _, err := exec.Compile(m.InputShape(1)); err != nil {
		return fmt.Errorf("trace %s model graph: %w", m.Config.Kind, err)
	}
	return nil
}

// initParams fills every model variable that has no value yet.
func (m *Model) initParams(store *model.Store, seed uint64) error {
	var vars []*model.Variable
	for v := range store.IterVariables() {
		if !v.HasValue() && v.Trainable {
			vars = append(vars, v)
		}
	}
	slices.SortFunc(vars, func(a, b *model.Variable) int { return strings.Compare(a.Path(), b.Path()) })
	for _, v := range vars {
		mean, std, err := m.initFor(v.Path())
		if err != nil {
			return err
		}
		t := tensors.FromShape(v.Shape())
		if v.DType() != dtypes.Float32 {
			return fmt.Errorf("init %s: expected float32 master weights, got %s", v.Path(), v.DType())
		}
		rng := rand.New(rand.NewPCG(seed, pathHash(v.Path())))
		tensors.MustMutableFlatData(t, func(flat []float32) {
			for i := range flat {
				flat[i] = float32(mean + std*rng.NormFloat64())
			}
		})
		if err := v.SetValue(t); err != nil {
			return fmt.Errorf("init %s: %w", v.Path(), err)
		}
	}
	return nil
}

// initFor gives the (mean, std) of a normal initialiser for a variable path.
func (m *Model) initFor(path string) (mean, std float64, err error) {
	c := m.Config
	_, name := model.SplitPath(path)
	switch name {
	case "key_tokens":
		return 0, c.keyStd(), nil
	case "value_tokens":
		return 0, c.valueStd(), nil
	case "weights", "pos_embed":
		return 0, c.linearStd(), nil
	case "cls":
		return 0, 1e-6, nil // timm's CLS init: tiny, so all tokens start nearly alike
	case "bias", "beta":
		return 0, 0, nil
	case "gamma":
		return 1, 0, nil
	}
	return 0, 0, fmt.Errorf("vision: no initialiser for variable %q", path)
}

func pathHash(p string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(p))
	return h.Sum64()
}

// NumParams counts the values of store's trainable variables: the model's weights.
// Training state (optimizer moments, EMA, RNG) is always created non-trainable.
func NumParams(store *model.Store) int {
	n := 0
	for v := range store.IterVariables() {
		if v.Trainable {
			n += v.Shape().Size()
		}
	}
	return n
}
