//go:build long

package train

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/tfvision/tfvision/configs"
	"github.com/tfvision/tfvision/imagenet/datagen"
)

// TestDemoConfigLearnsMNIST is the learning-level check (build tag "long", run by .ci/run):
// the embedded demo config, through the real loader and training loop on the pure-Go
// backend, trained on 24,000 MNIST images for the demo's 3 epochs, must reach ≥ 85% top-1
// on 2,000 test images (the full demo reaches 97.68%).
func TestDemoConfigLearnsMNIST(t *testing.T) {
	idx, err := datagen.LocateMNIST()
	if err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	if _, _, err := datagen.ExportMNIST(idx, data, 24000, 2000); err != nil {
		t.Fatal(err)
	}
	cfg, err := configs.Load(configs.Source{File: "demo", Flags: map[string]string{"data.dir": data, "out": filepath.Join(t.TempDir(), "run")},
		Sets: []string{"log.progress=false"}})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	sum, err := Run(context.Background(), Options{Config: cfg, Backend: goBackend(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("MNIST subset: top-1 %.2f%%, top-5 %.2f%% after %d steps in %s (%.0f images/s)", sum.ValTop1, sum.ValTop5, sum.Steps, time.Since(start).Round(time.Second), sum.ImagesPerSec)
	if sum.ValTop1 < 85 {
		t.Errorf("demo config reached top-1 %.2f%% on the MNIST subset, want ≥ 85%%", sum.ValTop1)
	}
}
