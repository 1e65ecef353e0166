package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tfvision/tfvision/imagenet/decode"
	"github.com/tfvision/tfvision/internal/hostile"
	"github.com/tfvision/tfvision/predict"
)

// runMainEnv makes the test binary run tfvision's main (see TestMain), so that tests can
// run the real command in a separate process: under prlimit, or with another environment.
// Not TFVISION_*: those are config keys (configs.Load).
const runMainEnv = "TFV_CLI_TEST_RUN_MAIN"

// runBinary runs `tfvision args...` as a child process (this test binary running main),
// prefixed by wrapper (e.g. prlimit) when given, with extra environment variables.
func runBinary(t *testing.T, wrapper []string, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	argv := append(append(append([]string{}, wrapper...), os.Args[0]), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(append(os.Environ(), runMainEnv+"=1"), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatalf("run %v: %v", argv, err)
	}
	return out.String(), errOut.String(), code
}

// TestVersionNamesJPEGDecoder: `tfvision version` and the train start-up lines say which
// JPEG decoder is in use, and TFVISION_JPEG=std forces the standard library's (without
// being taken for a config key).
func TestVersionNamesJPEGDecoder(t *testing.T) {
	f := getFixture(t)
	if want := "JPEG decoder: " + decode.JPEGDecoder() + "; images over 178956970 pixels are refused (data.max_pixels)\n"; !strings.Contains(f.trainOut, want) {
		t.Errorf("train output lacks %q:\n%s", want, f.trainOut)
	}
	args := append([]string{"train", "--config", "demo", "--data", f.data, "--out", filepath.Join(t.TempDir(), "run")}, tinyModelArgs...)
	out, errOut, code := runBinary(t, nil, []string{"TFVISION_JPEG=std"}, append(args, "--set", "optim.epochs=1", "--set", "data.max_pixels=1000")...)
	if code != 0 || !strings.Contains(out, "JPEG decoder: image/jpeg (standard library; TFVISION_JPEG=std); images over 1000 pixels") {
		t.Errorf("TFVISION_JPEG=std train: exit %d\n%s%s", code, out, errOut)
	}
	res := runCLI(t, "", "version")
	if res.err != nil || !strings.Contains(res.stdout, "\njpeg "+decode.JPEGDecoder()+"\n") {
		t.Errorf("version (err %v) does not name the JPEG decoder %q:\n%s", res.err, decode.JPEGDecoder(), res.stdout)
	}
	out, errOut, code = runBinary(t, nil, []string{"TFVISION_JPEG=std"}, "version")
	if code != 0 || !strings.Contains(out, "\njpeg image/jpeg (standard library; TFVISION_JPEG=std)\n") {
		t.Errorf("TFVISION_JPEG=std version: exit %d\n%s%s", code, out, errOut)
	}
	if decode.Turbo() {
		out, _, _ := runBinary(t, nil, []string{"TFVISION_JPEG=auto"}, "version")
		if !strings.Contains(out, "\njpeg libjpeg-turbo (libturbojpeg.so.0, loaded at run time)\n") {
			t.Errorf("TFVISION_JPEG=auto version does not name libjpeg-turbo:\n%s", out)
		}
	}
}

// TestPredictHugeHeadersUnderMemoryCap (issue 13 item 1): a 70-byte PNG and a ~600-byte
// progressive JPEG whose headers claim 60000 × 60000 made predict allocate 14.4 GB and,
// under a 4 GB address-space cap, die with no output at all. Now they are per-file
// errors naming the limit and the good files are classified, under that cap, with each
// JPEG decoder; --max-pixels lowers the limit.
func TestPredictHugeHeadersUnderMemoryCap(t *testing.T) {
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		t.Skip("prlimit (util-linux) not installed: cannot cap the address space")
	}
	f := getFixture(t)
	dir := t.TempDir()
	good := []string{"blue_000.png", "green_003.png", "red_007.png"}
	for _, name := range good {
		data, err := os.ReadFile(filepath.Join(f.data, "val", strings.SplitN(name, "_", 2)[0], name))
		if err != nil {
			t.Fatal(err)
		}
		writeTestFile(t, filepath.Join(dir, name), data)
	}
	writeTestFile(t, filepath.Join(dir, "huge.png"), hostile.PNG(60000, 60000))
	writeTestFile(t, filepath.Join(dir, "huge-progressive.jpg"), hostile.ProgressiveJPEG(60000, 60000))
	decoders := []string{"std"}
	if decode.Turbo() {
		decoders = append(decoders, "auto")
	} else {
		t.Logf("libjpeg-turbo not loaded (%s): only the image/jpeg path is checked", decode.JPEGDecoder())
	}
	capAS := []string{prlimit, "--as=4000000000", "--"}
	for _, dec := range decoders {
		t.Run(dec, func(t *testing.T) {
			out, errOut, code := runBinary(t, capAS, []string{"TFVISION_JPEG=" + dec},
				"predict", "--checkpoint", f.run, "--format", "json", "--topk", "2", dir)
			if code != 1 {
				t.Fatalf("exit %d, want 1 (two files unreadable)\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
			}
			var preds []predict.Prediction
			if err := json.Unmarshal([]byte(out), &preds); err != nil {
				t.Fatalf("stdout is not the JSON predictions: %v\n%s\nstderr:\n%s", err, out, errOut)
			}
			if len(preds) != 5 {
				t.Fatalf("%d predictions, want 5:\n%s", len(preds), out)
			}
			for _, p := range preds {
				base := filepath.Base(p.Path)
				if strings.HasPrefix(base, "huge") {
					if !strings.Contains(p.Err, "60000 × 60000") || !strings.Contains(p.Err, "data.max_pixels") || len(p.Top) != 0 {
						t.Errorf("%s: error %q, %d labels; want the pixel-limit error", base, p.Err, len(p.Top))
					}
				} else if p.Err != "" || len(p.Top) != 2 {
					t.Errorf("%s: error %q, %d labels; want 2 labels", base, p.Err, len(p.Top))
				}
			}
			if !strings.Contains(errOut, "2 unreadable") {
				t.Errorf("stderr does not count 2 unreadable files:\n%s", errOut)
			}
		})
	}
	// --max-pixels below 16×16 refuses the good files too.
	res := runCLI(t, "", "predict", "--checkpoint", f.run, "--format", "json", "--max-pixels", "255", filepath.Join(dir, good[0]))
	if res.err == nil || !strings.Contains(res.stdout, "over the limit of 255") {
		t.Errorf("--max-pixels 255: err %v\n%s", res.err, res.stdout)
	}
}

// TestEvalHugeHeaderInValTree (issue 13 item 3): a file claiming 60000 × 60000 inside the
// validation tree is one unreadable file, counted and masked; eval goes on.
func TestEvalHugeHeaderInValTree(t *testing.T) {
	f := getFixture(t)
	root := copyVal(t, f.data, nil, nil)
	writeTestFile(t, filepath.Join(root, "val", "green", "zz_huge.png"), hostile.PNG(60000, 60000))
	rep := evalOneUnreadable(t, f, root, "a huge-header file")
	if rep.Result.Failed != 1 || rep.Result.Images != 3*fixtureValPerClass {
		t.Errorf("failed_files = %d, images = %d; want 1 and %d", rep.Result.Failed, rep.Result.Images, 3*fixtureValPerClass)
	}
}

func writeTestFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
