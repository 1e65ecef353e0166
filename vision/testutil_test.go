package vision

import (
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tfvision/tfvision/internal/testbackend"
)

func goBackend(t testing.TB) compute.Backend { t.Helper(); return testbackend.Go(t) }

// tracedParams is the parameter count of the model c builds (traced: shapes only, no values).
func tracedParams(t testing.TB, b compute.Backend, c Config) int {
	t.Helper()
	m, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	store := model.NewStore()
	if err := m.Trace(b, store); err != nil {
		t.Fatal(err)
	}
	return NumParams(store)
}

// tiny is a model small enough for unit tests on 2 cores.
func tiny(kind Kind) Config {
	c := Config{Kind: kind, ImageSize: 8, Patch: 4, Channels: 3, Dim: 16, Depth: 2, Heads: 2,
		NumClasses: 5, QKVTokens: 12, ProjTokens: 10, FFNTokens: 24}
	if kind == KindViT {
		c.QKVTokens, c.ProjTokens, c.FFNTokens = 0, 0, 0
	}
	return c
}
