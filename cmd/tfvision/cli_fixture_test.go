package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tfvision/tfvision/predict"
)

// The shared fixture: a 3-class ImageNet-layout tree of 16×16 PNGs (each image mostly its
// class colour plus seeded noise) and a tiny TokenFormer trained on it through the real
// `tfvision train` command. Built once per test binary, on first use.

var fixtureClasses = []string{"red", "green", "blue"} // sorted: blue=0, green=1, red=2

const (
	fixtureTrainPerClass = 40
	fixtureValPerClass   = 12
	fixtureSize          = 16
)

// tinyModelArgs are the --set flags of the tiny model every CLI test trains.
var tinyModelArgs = []string{
	"--no-progress",
	"--set", "model.image_size=16", "--set", "model.patch=4", "--set", "model.dim=32",
	"--set", "model.depth=1", "--set", "model.heads=2", "--set", "model.qkv_tokens=16",
	"--set", "model.proj_tokens=16", "--set", "model.ffn_tokens=32", "--set", "model.num_classes=3",
	"--set", "optim.batch_size=16", "--set", "eval.batch_size=12",
}

type fixture struct {
	data     string // dataset root (train/, val/)
	run      string // trained run directory
	trainOut string // stdout of the train command
	err      error
}

var (
	testRoot    string // removed by TestMain
	fixOnce     sync.Once
	fix         fixture
	valPredOnce sync.Once
	valPreds    []predict.Prediction
	valPredErr  error
	evalOnce    sync.Once
	evalOut     string
	evalJSON    string
	evalErr     error
)

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" { // the test binary standing in for tfvision (runBinary)
		main()
		os.Exit(0)
	}
	dir, err := os.MkdirTemp("", "tfvision-cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	testRoot = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// cliResult is what one in-process invocation of the root command produced.
type cliResult struct {
	stdout, stderr string
	err            error
}

// runCLI runs `tfvision args...` in-process with stdin.
func runCLI(t *testing.T, stdin string, args ...string) cliResult {
	t.Helper()
	return runCLICtx(t, context.Background(), stdin, args...)
}

// runCLICtx is runCLI under ctx (cancel it to stand for Ctrl-C).
func runCLICtx(t *testing.T, ctx context.Context, stdin string, args ...string) cliResult {
	t.Helper()
	root := newRoot()
	var out, errOut bytes.Buffer
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetIn(strings.NewReader(stdin))
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	err := root.ExecuteContext(ctx)
	return cliResult{out.String(), errOut.String(), err}
}

// writeColourPNG writes a size×size PNG that is mostly base plus uniform noise in ±amp.
func writeColourPNG(path string, base [3]int, rng *rand.Rand, amp int) error {
	img := image.NewRGBA(image.Rect(0, 0, fixtureSize, fixtureSize))
	clamp := func(v int) uint8 { return uint8(max(0, min(255, v))) }
	for y := 0; y < fixtureSize; y++ {
		for x := 0; x < fixtureSize; x++ {
			var c [3]int
			for k := range c {
				c[k] = base[k] + rng.IntN(2*amp+1) - amp
			}
			img.Set(x, y, color.RGBA{clamp(c[0]), clamp(c[1]), clamp(c[2]), 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

func classColour(name string) [3]int {
	switch name {
	case "red":
		return [3]int{200, 40, 40}
	case "green":
		return [3]int{40, 200, 40}
	}
	return [3]int{40, 40, 200}
}

// ambiguousColour is a 55/45 blend of the class colour and the next class's: the last
// validation image of each class, so that the model is not trivially certain everywhere.
func ambiguousColour(name string) [3]int {
	next := map[string]string{"red": "green", "green": "blue", "blue": "red"}[name]
	a, b := classColour(name), classColour(next)
	var c [3]int
	for k := range c {
		c[k] = (55*a[k] + 45*b[k]) / 100
	}
	return c
}

func makeDataset(root string) error {
	rng := rand.New(rand.NewPCG(7, 11))
	for _, split := range []struct {
		name string
		n    int
	}{{"train", fixtureTrainPerClass}, {"val", fixtureValPerClass}} {
		for _, cls := range fixtureClasses {
			dir := filepath.Join(root, split.name, cls)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			for i := 0; i < split.n; i++ {
				c := classColour(cls)
				if split.name == "val" && i == split.n-1 {
					c = ambiguousColour(cls)
				}
				if err := writeColourPNG(filepath.Join(dir, fmt.Sprintf("%s_%03d.png", cls, i)), c, rng, 60); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// getFixture builds (once) the dataset and trains the tiny model on it.
func getFixture(t *testing.T) fixture {
	t.Helper()
	fixOnce.Do(func() {
		fix.data = filepath.Join(testRoot, "data")
		fix.run = filepath.Join(testRoot, "run")
		if fix.err = makeDataset(fix.data); fix.err != nil {
			return
		}
		args := append([]string{"train", "--config", "demo", "--data", fix.data, "--out", fix.run}, tinyModelArgs...)
		args = append(args, "--set", "optim.epochs=8")
		res := runCLI(t, "", args...)
		fix.trainOut = res.stdout
		if res.err != nil {
			fix.err = fmt.Errorf("train: %w\nstdout:\n%s\nstderr:\n%s", res.err, res.stdout, res.stderr)
		}
	})
	if fix.err != nil {
		t.Fatalf("fixture: %v", fix.err)
	}
	return fix
}

// trueLabel is the class index of a fixture image, from its class folder name (the index
// is the folder's position among the sorted class folder names).
func trueLabel(t *testing.T, path string) int {
	t.Helper()
	sorted := append([]string(nil), fixtureClasses...)
	sort.Strings(sorted)
	cls := filepath.Base(filepath.Dir(path))
	for i, c := range sorted {
		if c == cls {
			return i
		}
	}
	t.Fatalf("%s is not in a class folder", path)
	return -1
}

// getValPredictions runs (once) `predict --format json --topk 3 DATA/val`.
func getValPredictions(t *testing.T) []predict.Prediction {
	t.Helper()
	f := getFixture(t)
	valPredOnce.Do(func() {
		res := runCLI(t, "", "predict", "--checkpoint", f.run, "--format", "json", "--topk", "3", filepath.Join(f.data, "val"))
		if res.err != nil {
			valPredErr = fmt.Errorf("predict: %w\nstderr: %s", res.err, res.stderr)
			return
		}
		if err := json.Unmarshal([]byte(res.stdout), &valPreds); err != nil {
			valPredErr = fmt.Errorf("predict output is not JSON: %w\n%s", err, res.stdout)
		}
	})
	if valPredErr != nil {
		t.Fatal(valPredErr)
	}
	return valPreds
}

// predByBase maps each prediction's file name to it (fixture file names are unique).
func predByBase(preds []predict.Prediction) map[string]predict.Prediction {
	m := map[string]predict.Prediction{}
	for _, p := range preds {
		m[filepath.Base(p.Path)] = p
	}
	return m
}

// getFixtureEval runs (once) `eval --json` on the fixture run; it returns the printed table
// and the JSON file's path.
func getFixtureEval(t *testing.T) (stdout, jsonPath string) {
	t.Helper()
	f := getFixture(t)
	evalOnce.Do(func() {
		evalJSON = filepath.Join(testRoot, "E.json")
		res := runCLI(t, "", "eval", "--checkpoint", f.run, "--data", f.data, "--json", evalJSON, "--batch", "12")
		evalOut = res.stdout
		if res.err != nil {
			evalErr = fmt.Errorf("eval: %w\n%s", res.err, res.stdout)
		}
	})
	if evalErr != nil {
		t.Fatal(evalErr)
	}
	return evalOut, evalJSON
}
