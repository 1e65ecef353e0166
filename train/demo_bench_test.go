package train

import (
	"os"
	"testing"

	"github.com/tfvision/tfvision/configs"
)

func TestBenchDemoScratch(t *testing.T) {
	if os.Getenv("TFV_DEMO") == "" {
		t.Skip("set TFV_DEMO=1")
	}
	cfg, err := configs.Load(configs.Source{File: "demo"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := BenchModel(goBackend(t), cfg.Model.Config, BenchOptions{Batch: 128, Steps: 5, Warmup: 1, Train: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", r)
}
