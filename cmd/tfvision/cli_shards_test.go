package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tfvision/tfvision/imagenet"
)

// TestDataPackEvalAndTrain packs the fixture tree (16×16 noisy PNGs, so every image is
// re-encoded as a JPEG at quality 90), evaluates the fixture model on the shards and on the
// folders, and trains an epoch from the shards.
func TestDataPackEvalAndTrain(t *testing.T) {
	f := getFixture(t)
	_, folderJSON := getFixtureEval(t)
	shards := filepath.Join(testRoot, "fixture-shards")
	res := runCLI(t, "", "data", "pack", "--data", f.data, "--out", shards, "--shard-mb", "0.05", "--workers", "2")
	if res.err != nil {
		t.Fatalf("pack: %v\n%s", res.err, res.stdout)
	}
	if !strings.Contains(res.stdout, "train: 120 images in ") || !strings.Contains(res.stdout, "val: 36 images in ") {
		t.Fatalf("pack output:\n%s", res.stdout)
	}
	ix, err := imagenet.ReadShardIndex(shards)
	if err != nil {
		t.Fatal(err)
	}
	if len(ix.Splits["train"].Shards) < 2 || ix.Splits["train"].Reencoded != 120 || ix.Quality != 90 || ix.MaxSide != 320 {
		t.Fatalf("index %+v, train %+v", ix, ix.Splits["train"])
	}

	shardJSON := filepath.Join(testRoot, "E-shards.json")
	res = runCLI(t, "", "eval", "--checkpoint", f.run, "--data", shards, "--json", shardJSON, "--batch", "12")
	if res.err != nil {
		t.Fatalf("eval on shards: %v\n%s", res.err, res.stdout)
	}
	folders, packed := readEvalReport(t, folderJSON), readEvalReport(t, shardJSON)
	if packed.Result.Images != 36 || folders.Result.Images != 36 {
		t.Fatalf("images: %d on shards, %d on folders, want 36", packed.Result.Images, folders.Result.Images)
	}
	// What PNG → JPEG q90 changes on this data: logged; the top-1 may move by an image at most.
	t.Logf("fixture val: top-1 %.2f%% (loss %.4f) on folders, %.2f%% (loss %.4f) on shards",
		folders.Result.Top1, folders.Result.Loss, packed.Result.Top1, packed.Result.Loss)
	if d := math.Abs(folders.Result.Top1 - packed.Result.Top1); d > 100.0/36+1e-9 {
		t.Fatalf("top-1 differs by %.2f points between folders and shards", d)
	}
	// --max takes the first images of the packed (shuffled) order.
	res = runCLI(t, "", "eval", "--checkpoint", f.run, "--data", shards, "--max", "10", "--batch", "4")
	if res.err != nil || !strings.Contains(res.stdout, "(10 images") {
		t.Fatalf("eval --max 10 on shards: %v\n%s", res.err, res.stdout)
	}

	run := filepath.Join(testRoot, "run-shards")
	args := append([]string{"train", "--config", "demo", "--data", shards, "--out", run}, tinyModelArgs...)
	args = append(args, "--set", "optim.epochs=1", "--set", "data.shuffle_buffer=16")
	res = runCLI(t, "", args...)
	if res.err != nil {
		t.Fatalf("train on shards: %v\n%s\n%s", res.err, res.stdout, res.stderr)
	}
	if !strings.Contains(res.stdout, "(shards layout)") || !strings.Contains(res.stdout, "this host reads part 0 of 1") {
		t.Fatalf("train output does not describe the shards:\n%s", res.stdout)
	}
	// A second host's part of a 2-host run, as each host would start it.
	args = append([]string{"train", "--config", "demo", "--data", shards, "--out", run + "-host1"}, tinyModelArgs...)
	args = append(args, "--set", "optim.epochs=1", "--set", "data.shard_index=1", "--set", "data.shard_count=2")
	if res = runCLI(t, "", args...); res.err != nil || !strings.Contains(res.stdout, "part 1 of 2") {
		t.Fatalf("train host 1 of 2: %v\n%s", res.err, res.stdout)
	}
	if res = runCLI(t, "", append(args, "--set", "data.shard_index=2")...); res.err == nil || !strings.Contains(res.err.Error(), "shard_index") {
		t.Fatalf("shard_index 2 of 2: want a config error, got %v", res.err)
	}
	data, _ := os.ReadFile(filepath.Join(shards, imagenet.ShardIndexName))
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil || raw["format"] != imagenet.ShardFormat {
		t.Fatalf("index.json: %v %v", err, raw["format"])
	}
}
