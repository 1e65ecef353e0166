package predict

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/tfvision/tfvision/eval"
	"github.com/tfvision/tfvision/imagenet"
	"github.com/tfvision/tfvision/imagenet/decode"
	"github.com/tfvision/tfvision/label"
)

// Label is one of a prediction's top-k classes.
type Label struct {
	Index int     `json:"index"`
	WNID  string  `json:"wnid,omitempty"`
	Name  string  `json:"name"`
	Prob  float64 `json:"prob"`
}

// Prediction is the result for one file: Top, or Err when it could not be read.
type Prediction struct {
	Path string  `json:"path"`
	Top  []Label `json:"top,omitempty"`
	Err  string  `json:"error,omitempty"`
}

var imageExt = map[string]bool{".jpg": true, ".jpeg": true, ".png": true, ".gif": true}

// CollectPaths expands arguments into image files: files as given, folders recursively
// (image extensions only, sorted), and "-" for newline-separated paths read from stdin.
func CollectPaths(args []string, stdin io.Reader) ([]string, error) {
	var out []string
	for _, a := range args {
		if a == "-" {
			sc := bufio.NewScanner(stdin)
			for sc.Scan() {
				if p := strings.TrimSpace(sc.Text()); p != "" {
					out = append(out, p)
				}
			}
			if err := sc.Err(); err != nil {
				return nil, fmt.Errorf("read paths from stdin: %w", err)
			}
			continue
		}
		st, err := os.Stat(a)
		if err != nil {
			// Reported per file by Classify, so one bad argument doesn't stop the rest.
			out = append(out, a)
			continue
		}
		if !st.IsDir() {
			out = append(out, a)
			continue
		}
		var found []string
		err = filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && strings.HasPrefix(d.Name(), ".") && p != a {
				return filepath.SkipDir
			}
			if !d.IsDir() && imageExt[strings.ToLower(filepath.Ext(p))] && !strings.HasPrefix(d.Name(), ".") {
				found = append(found, p)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("walk %s: %w", a, err)
		}
		sort.Strings(found)
		out = append(out, found...)
	}
	return out, nil
}

// Classify decodes, transforms and classifies paths in batches with workers decoding in
// parallel; unreadable files get Err and the others are still classified. Each finished
// batch goes to emit, in the order of paths, as soon as it is done, so an interrupt (ctx
// cancelled) keeps everything emitted; Classify then returns an error wrapping ctx's.
// Images whose header claims more than maxPixels pixels (<= 0: imagenet's default) are
// unreadable files too. A predictor with a PixelNorm gets 8-bit batches (normalised in its
// graph) from a transform that can write them (imagenet.PixelTransform), as eval's loader
// does, so both see the same pixels.
func Classify(ctx context.Context, p *eval.Predictor, tf imagenet.Transform, classes []label.Class, paths []string, topk, workers int,
	maxPixels int64, emit func([]Prediction) error) error {
	h, w := tf.Size()
	per := h * w * 3
	if workers <= 0 {
		workers = 1
	}
	// One input buffer for every batch: rows of unreadable files (and those past a short
	// last batch) hold stale pixels, whose logits are never read.
	pt, pixels := tf.(imagenet.PixelTransform)
	pixels = pixels && p.PixelNorm.Valid()
	var buf []float32
	var pbuf []uint8
	if pixels {
		pbuf = make([]uint8, p.Batch*per)
	} else {
		buf = make([]float32, p.Batch*per)
	}
	for start := 0; start < len(paths); start += p.Batch {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("interrupted after %d of %d files: %w", start, len(paths), err)
		}
		end := min(start+p.Batch, len(paths))
		preds := make([]Prediction, end-start)
		ok := make([]bool, end-start)
		var wg sync.WaitGroup
		next := make(chan int)
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range next {
					preds[j].Path = paths[start+j]
					img, err := imagenet.DecodeFor(paths[start+j], tf, maxPixels)
					if err == nil && pixels {
						err = pt.ApplyBytes(img, nil, pbuf[j*per:(j+1)*per])
					} else if err == nil {
						err = tf.Apply(img, nil, buf[j*per:(j+1)*per])
					}
					if img != nil {
						decode.Recycle(img) // the transform wrote its output; the next decode reuses the pixels
					}
					if err != nil {
						preds[j].Err = err.Error()
						continue
					}
					ok[j] = true
				}
			}()
		}
		for j := range preds {
			next <- j
		}
		close(next)
		wg.Wait()
		var logits [][]float32
		var err error
		if pixels {
			logits, err = p.LogitsPixels(pbuf, end-start)
		} else {
			logits, err = p.Logits(buf, end-start)
		}
		if err != nil {
			return err
		}
		for j, row := range logits {
			if !ok[j] {
				continue
			}
			probs := eval.Softmax(row)
			for _, k := range eval.TopK(probs, topk) {
				l := Label{Index: k, Name: fmt.Sprint(k), Prob: probs[k]}
				if k < len(classes) {
					l.WNID, l.Name = classes[k].WNID, classes[k].Name
				}
				preds[j].Top = append(preds[j].Top, l)
			}
		}
		if err := emit(preds); err != nil {
			return err
		}
	}
	return nil
}
