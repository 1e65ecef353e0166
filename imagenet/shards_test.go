package imagenet

import (
	"archive/tar"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/tfvision/tfvision/imagenet/decode"
)

// shardTree writes a 3-class folder tree of n training images (image k has indexColor(k)
// and class k%3) mixing small JPEGs (copied by Pack), large JPEGs (resized), PNGs
// (re-encoded) and, when corrupt, two unreadable files (bad header, truncated); plus 6 val images. It returns the
// root and colour index → label.
func shardTree(t *testing.T, n int, corrupt bool) (string, map[int]int) {
	t.Helper()
	root := t.TempDir()
	labels := map[int]int{}
	for k := range n {
		c := k % 3
		dir := filepath.Join(root, "train", fmt.Sprintf("class%d", c))
		var data []byte
		name := fmt.Sprintf("img%03d", k)
		switch k % 4 {
		case 0, 1:
			data, name = jpegBytes(t, solid(6, 5, indexColor(k))), name+".jpg"
		case 2:
			data, name = jpegBytes(t, solid(40, 30, indexColor(k))), name+".JPEG"
		case 3:
			data, name = pngBytes(t, solid(7, 9, indexColor(k))), name+".png"
		}
		writeFile(t, filepath.Join(dir, name), data)
		labels[k] = c
	}
	for k := n; k < n+6; k++ {
		writeFile(t, filepath.Join(root, "val", fmt.Sprintf("class%d", k%3), fmt.Sprintf("v%03d.jpg", k)), jpegBytes(t, solid(6, 5, indexColor(k))))
		labels[k] = k % 3
	}
	if corrupt {
		writeFile(t, filepath.Join(root, "train", "class0", "broken.jpg"), []byte("\xff\xd8\xffnot a jpeg"))
		whole := jpegBytes(t, solid(40, 30, indexColor(1)))
		writeFile(t, filepath.Join(root, "train", "class1", "truncated.jpg"), whole[:len(whole)*2/3])
	}
	return root, labels
}

func packTree(t *testing.T, root string, o PackOptions) (string, *ShardIndex) {
	t.Helper()
	ds, err := Open(root, Options{NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "shards")
	ix, err := Pack(ds, out, o)
	if err != nil {
		t.Fatal(err)
	}
	return out, ix
}

// colourIndex finds the sample whose indexColor is nearest to slot j of b.
func colourIndex(b Batch, j int, labels map[int]int) (int, float64) {
	size := 4 * 4 * 3
	img := b.Images[j*size : (j+1)*size]
	best, bestD := -1, math.Inf(1)
	for k := range labels {
		c := indexColor(k)
		d := math.Abs(float64(img[0])*255-float64(c.R)) + math.Abs(float64(img[1])*255-float64(c.G))
		if d < bestD {
			best, bestD = k, d
		}
	}
	return best, bestD
}

// epochIDs checks every batch's content and returns the ids in order; ids must map
// one-to-one to colours (a sample is the same image whichever epoch it is read in).
func epochIDs(t *testing.T, bs []Batch, labels map[int]int, idColour map[int]int) []int {
	t.Helper()
	var ids []int
	for _, b := range bs {
		for j, id := range b.Indices {
			if id < 0 {
				continue
			}
			k, d := colourIndex(b, j, labels)
			if d > 10 {
				t.Fatalf("step %d slot %d: colour matches no image (off by %.1f)", b.Step, j, d)
			}
			if int(b.Labels[j]) != labels[k] {
				t.Fatalf("step %d slot %d: image %d has label %d, want %d", b.Step, j, k, b.Labels[j], labels[k])
			}
			if prev, ok := idColour[id]; ok && prev != k {
				t.Fatalf("id %d was image %d, now %d", id, prev, k)
			}
			idColour[id] = k
			ids = append(ids, id)
		}
	}
	return ids
}

func TestPackAndReadShards(t *testing.T) {
	const n = 40
	root, labels := shardTree(t, n, true)
	out, ix := packTree(t, root, PackOptions{MaxSide: 16, ShardBytes: 6 << 10, Seed: 3, Workers: 2})
	tr := ix.Splits["train"]
	if tr.Total != n || tr.Skipped != 2 || tr.Copied != n/2 || tr.Reencoded != n/2 {
		t.Fatalf("train split %+v: want %d samples, 2 skipped, %d copied, %d re-encoded", tr, n, n/2, n/2)
	}
	if len(tr.Shards) < 4 {
		t.Fatalf("%d shards, want several with 6 KiB shards", len(tr.Shards))
	}
	if ix.Splits["val"].Total != 6 || ix.MaxSide != 16 || ix.Quality != 90 || len(ix.Classes) != 3 || ix.Classes[0].WNID != "class0" {
		t.Fatalf("index %+v", ix)
	}
	// Members: NNNNNN.jpg + NNNNNN.cls; resized images have short side 16.
	f, err := os.Open(filepath.Join(out, tr.Shards[0].File))
	if err != nil {
		t.Fatal(err)
	}
	rd := tar.NewReader(f)
	var names []string
	for {
		h, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		if strings.HasSuffix(h.Name, ".jpg") {
			data, _ := io.ReadAll(rd)
			img, err := decode.Bytes(data, decode.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if s := img.Bounds().Size(); min(s.X, s.Y) > 16 {
				t.Fatalf("%s is %v, short side over max_side 16", h.Name, s)
			}
		}
	}
	f.Close()
	if len(names) != 2*tr.Shards[0].Count || names[0] != "000000.jpg" || names[1] != "000000.cls" {
		t.Fatalf("members %v", names)
	}

	ds, err := Open(out, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Layout != "shards" || ds.Train.Len() != n || ds.Val.Len() != 6 || len(ds.Classes) != 3 {
		t.Fatalf("opened %s layout, %d train, %d val, %d classes", ds.Layout, ds.Train.Len(), ds.Val.Len(), len(ds.Classes))
	}
	cfg := LoaderConfig{BatchSize: 6, Workers: 3, Prefetch: 2, Seed: 7, Shuffle: true, ShuffleBuffer: 8,
		Transform: nearestTransform{h: 4, w: 4}}
	l := mustLoader(t, ds.Train, cfg)
	idColour := map[int]int{}
	var epochs [][]int
	for e := range 3 {
		ids := epochIDs(t, collect(t, l, e, 0), labels, idColour)
		got := append([]int(nil), ids...)
		sort.Ints(got)
		for i, id := range got {
			if id != i {
				t.Fatalf("epoch %d: ids %v, want each of 0…%d once", e, got, n-1)
			}
		}
		epochs = append(epochs, ids)
	}
	if len(idColour) != n {
		t.Fatalf("%d distinct images, want %d", len(idColour), n)
	}
	if reflect.DeepEqual(epochs[0], epochs[1]) || reflect.DeepEqual(epochs[1], epochs[2]) {
		t.Fatal("epochs have the same order")
	}
	if st := l.Stats(); st.Failed != 0 || st.Decoded != 3*n {
		t.Fatalf("stats %+v", st)
	}
	// Same seed, one worker: identical batches. Another seed: another order.
	cfg1 := cfg
	cfg1.Workers = 1
	if a, b := collect(t, l, 1, 0), collect(t, mustLoader(t, ds.Train, cfg1), 1, 0); !reflect.DeepEqual(a, b) {
		t.Fatal("same seed, different worker count: different batches")
	}
	cfg2 := cfg
	cfg2.Seed = 8
	if ids := epochIDs(t, collect(t, mustLoader(t, ds.Train, cfg2), 1, 0), labels, idColour); reflect.DeepEqual(ids, epochs[1]) {
		t.Fatal("another seed gives the same order")
	}
	// Unshuffled (eval): the packed order.
	ev := mustLoader(t, ds.Val, LoaderConfig{BatchSize: 4, Workers: 2, Transform: nearestTransform{h: 4, w: 4}})
	if ids := epochIDs(t, collect(t, ev, 0, 0), labels, map[int]int{}); !reflect.DeepEqual(ids, []int{0, 1, 2, 3, 4, 5}) {
		t.Fatalf("val ids %v", ids)
	}
}

func TestShardResumeMidEpoch(t *testing.T) {
	root, _ := shardTree(t, 30, false)
	out, _ := packTree(t, root, PackOptions{MaxSide: 16, ShardBytes: 5 << 10, Seed: 1})
	ds, err := Open(out, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, cfg := range []LoaderConfig{
		{BatchSize: 4, Workers: 2, Seed: 5, Shuffle: true, ShuffleBuffer: 6, DropLast: true, Transform: nearestTransform{h: 4, w: 4, jitter: true}},
		{BatchSize: 4, Workers: 3, Seed: 5, Shuffle: true, Repeats: 3, Transform: nearestTransform{h: 4, w: 4, jitter: true}},
	} {
		l := mustLoader(t, ds.Train, cfg)
		full := collect(t, l, 2, 0)
		if len(full) != l.StepsPerEpoch() {
			t.Fatalf("%d batches, want %d", len(full), l.StepsPerEpoch())
		}
		for _, start := range []int{1, 3, len(full) - 1} {
			resumed := collect(t, mustLoader(t, ds.Train, cfg), 2, start)
			if !reflect.DeepEqual(resumed, full[start:]) {
				t.Fatalf("repeats %d: resumed at step %d: batches differ from the uninterrupted epoch", cfg.Repeats, start)
			}
		}
	}
}

func TestShardHostsPartition(t *testing.T) {
	const n = 36
	root, _ := shardTree(t, n, false)
	out, ix := packTree(t, root, PackOptions{MaxSide: 16, ShardBytes: 5 << 10})
	ds, err := Open(out, Options{})
	if err != nil {
		t.Fatal(err)
	}
	files := len(ix.Splits["train"].Shards)
	for _, hosts := range []int{2, 3} {
		seen := map[int]int{}
		steps := -1
		for k := range hosts {
			l := mustLoader(t, ds.Train, LoaderConfig{BatchSize: 4, Workers: 2, Seed: 2, Shuffle: true,
				ShardIndex: k, ShardCount: hosts, Transform: nearestTransform{h: 4, w: 4}})
			if steps >= 0 && l.StepsPerEpoch() != steps {
				t.Fatalf("host %d: %d steps, host 0 %d", k, l.StepsPerEpoch(), steps)
			}
			steps = l.StepsPerEpoch()
			for _, b := range collect(t, l, 1, 0) {
				for _, id := range b.Indices {
					if id >= 0 {
						seen[id]++
						// Host k reads the files i with i % hosts == k.
						for i, f := range ix.Splits["train"].Shards {
							if id >= f.Start && id < f.Start+f.Count && i%hosts != k {
								t.Fatalf("host %d got id %d of shard %d", k, id, i)
							}
						}
					}
				}
			}
		}
		if len(seen) != n {
			t.Fatalf("%d hosts saw %d distinct samples, want %d", hosts, len(seen), n)
		}
		for id, c := range seen {
			if c != 1 {
				t.Fatalf("%d hosts: sample %d read %d times", hosts, id, c)
			}
		}
	}
	if _, err := NewLoader(ds.Train, LoaderConfig{BatchSize: 4, ShardIndex: 0, ShardCount: files + 1, Transform: nearestTransform{h: 4, w: 4}}); err == nil {
		t.Fatal("more hosts than shard files: want an error")
	}
}

func TestShardUnreadableMembers(t *testing.T) {
	root, _ := shardTree(t, 20, false)
	out, ix := packTree(t, root, PackOptions{MaxSide: 16, ShardBytes: 1 << 20})
	sh := ix.Splits["train"].Shards
	if len(sh) != 1 {
		t.Fatalf("%d shards", len(sh))
	}
	// Cut the tar in the middle: the samples after the cut are unreadable, counted, masked.
	p := filepath.Join(out, sh[0].File)
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	ds, err := Open(out, Options{})
	if err != nil {
		t.Fatal(err)
	}
	l := mustLoader(t, ds.Train, LoaderConfig{BatchSize: 4, Workers: 2, Seed: 1, Shuffle: true, Transform: nearestTransform{h: 4, w: 4}})
	valid := 0
	for _, b := range collect(t, l, 0, 0) {
		valid += b.Valid
	}
	st := l.Stats()
	if st.Failed == 0 || valid+st.Failed != 20 || valid != st.Decoded {
		t.Fatalf("valid %d, stats %+v: want every sample either delivered or counted", valid, st)
	}
	if !strings.Contains(st.FailedExamples[0], sh[0].File) {
		t.Fatalf("failure %q does not name the shard", st.FailedExamples[0])
	}
}

func TestPackRefusesNonEmptyOut(t *testing.T) {
	root, _ := shardTree(t, 4, false)
	ds, err := Open(root, Options{NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	writeFile(t, filepath.Join(out, "old.tar"), []byte("x"))
	if _, err := Pack(ds, out, PackOptions{}); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("err %v", err)
	}
}

func TestPackBytesGrayAndResize(t *testing.T) {
	g := image.NewGray(image.Rect(0, 0, 50, 40))
	for i := range g.Pix {
		g.Pix[i] = uint8(i)
	}
	data, re, err := packBytes(pngBytes(t, g), PackOptions{MaxSide: 20, Quality: 90})
	if err != nil || !re {
		t.Fatal(err, re)
	}
	cfg, _, err := image.DecodeConfig(strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Width != 25 || cfg.Height != 20 || cfg.ColorModel != color.GrayModel {
		t.Fatalf("resized to %dx%d %T, want a one-channel 25x20 JPEG", cfg.Width, cfg.Height, cfg.ColorModel)
	}
	if _, _, err := packBytes([]byte("GIF89a"), PackOptions{MaxSide: 20}); err == nil {
		t.Fatal("truncated GIF: want an error")
	} else if errors.Is(err, decode.ErrEmpty) {
		t.Fatal(err)
	}
}

func TestPackIsDeterministic(t *testing.T) {
	root, _ := shardTree(t, 12, false)
	a, ixa := packTree(t, root, PackOptions{MaxSide: 16, ShardBytes: 6 << 10, Seed: 9, Workers: 3})
	b, ixb := packTree(t, root, PackOptions{MaxSide: 16, ShardBytes: 6 << 10, Seed: 9, Workers: 1})
	if !reflect.DeepEqual(ixa, ixb) {
		t.Fatalf("indexes differ:\n%+v\n%+v", ixa, ixb)
	}
	for _, f := range ixa.Splits["train"].Shards {
		da, _ := os.ReadFile(filepath.Join(a, f.File))
		db, _ := os.ReadFile(filepath.Join(b, f.File))
		if len(da) == 0 || string(da) != string(db) {
			t.Fatalf("%s differs between two packs of the same tree", f.File)
		}
	}
}
