package imagenet

import (
	"path/filepath"
	"runtime/debug"
	"slices"
	"testing"

	"github.com/tfvision/tfvision/augment"
	"github.com/tfvision/tfvision/label"
)

// TestReleasedBatchesAreRewritten: batches built on released memory (deliberately filled
// with junk before release) equal the batches of a loader that never recycles, padding
// and unreadable slots included (zero), for float and 8-bit batches, listed files and
// packed shards alike.
func TestReleasedBatchesAreRewritten(t *testing.T) {
	// A collection empties sync.Pools; without one, every batch after the first epoch is
	// built on released memory, so the check cannot pass by luck.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	dir := t.TempDir()
	sp := flatSplit(t, dir, 10, 3)
	bad := filepath.Join(dir, "broken.jpg")
	writeFile(t, bad, []byte("not a jpeg at all"))
	sp.Samples = append(sp.Samples[:4], append([]Sample{{Path: bad, Label: 1}}, sp.Samples[4:]...)...)
	ecfg := augment.DefaultEvalConfig()
	ecfg.Size = 8
	ev, err := augment.NewEval(ecfg)
	if err != nil {
		t.Fatal(err)
	}
	packed := t.TempDir()
	if _, err := Pack(&Dataset{Root: dir, Layout: "folders", Train: sp, Classes: []label.Class{{Index: 0, Name: "a"}, {Index: 1, Name: "b"}, {Index: 2, Name: "c"}}}, packed, PackOptions{ShardBytes: 4 << 10}); err != nil {
		t.Fatal(err)
	}
	ds, err := Open(packed, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		split *Split
		cfg   LoaderConfig
	}{
		{"floats", sp, LoaderConfig{BatchSize: 4, Workers: 2, NoSubstitute: true, Transform: nearestTransform{h: 4, w: 4}}},
		{"pixels", sp, LoaderConfig{BatchSize: 4, Workers: 2, NoSubstitute: true, Transform: ev, Pixels: true}},
		{"shards", ds.Train, LoaderConfig{BatchSize: 4, Workers: 2, Transform: ev, Pixels: true, Shuffle: true, Seed: 3}},
	} {
		want := collect(t, mustLoader(t, c.split, c.cfg), 0, 0)
		l := mustLoader(t, c.split, c.cfg)
		for epoch := range 3 { // later epochs run on the first one's released memory
			var got []Batch
			for b := range l.Epoch(t.Context(), 0, 0) {
				got = append(got, Batch{Images: slices.Clone(b.Images), Pixels: slices.Clone(b.Pixels),
					Labels: b.Labels, Indices: b.Indices, Valid: b.Valid})
				for i := range b.Images {
					b.Images[i] = -7
				}
				for i := range b.Pixels {
					b.Pixels[i] = 0x5a
				}
				l.Release(b)
			}
			if len(got) != len(want) {
				t.Fatalf("%s epoch %d: %d batches, want %d", c.name, epoch, len(got), len(want))
			}
			for i := range got {
				g, w := got[i], want[i]
				if !slices.Equal(g.Images, w.Images) || !slices.Equal(g.Pixels, w.Pixels) ||
					!slices.Equal(g.Indices, w.Indices) || g.Valid != w.Valid {
					t.Fatalf("%s epoch %d batch %d differs from a fresh loader's (indices %v vs %v)", c.name, epoch, i, g.Indices, w.Indices)
				}
			}
			if !slices.Contains(got[len(got)-1].Indices, -1) {
				t.Fatalf("%s: the last batch has no padding slot to check", c.name)
			}
		}
	}
}
