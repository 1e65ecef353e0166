package train

import (
	"os"
	"testing"

	"github.com/tfvision/tfvision/vision"
)

// TestBenchScratch is a manual probe: TFV_BENCH=preset go test -run BenchScratch ./train/
func TestBenchScratch(t *testing.T) {
	preset := os.Getenv("TFV_BENCH")
	if preset == "" {
		t.Skip("set TFV_BENCH=<preset>")
	}
	cfg, err := vision.Preset(preset)
	if err != nil {
		t.Fatal(err)
	}
	for _, train := range modesFromEnv() {
		r, err := BenchModel(goBackend(t), cfg, BenchOptions{Batch: batchFromEnv(), Steps: 3, Warmup: 1, Train: train,
			Progress: func(i int, s float64) { t.Logf("step %d %.2fs", i, s) }})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%+v", r)
	}
}

func batchFromEnv() int {
	if b := os.Getenv("TFV_BATCH"); b != "" {
		n := 0
		for _, c := range b {
			n = n*10 + int(c-'0')
		}
		return n
	}
	return 32
}

func modesFromEnv() []bool {
	switch os.Getenv("TFV_MODE") {
	case "train":
		return []bool{true}
	case "infer":
		return []bool{false}
	}
	return []bool{false, true}
}
