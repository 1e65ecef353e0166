package train

import (
	"io"

	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tfvision/tfvision/internal/atomicfile"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Record is one line of metrics.jsonl: a training step (Step > 0, Kind "train") or an
// epoch summary (Kind "epoch").
type Record struct {
	Kind         string  `json:"kind"`
	Step         int64   `json:"step"`
	Epoch        int     `json:"epoch"`
	Loss         float64 `json:"loss,omitempty"`
	LR           float64 `json:"lr,omitempty"`
	GradNorm     float64 `json:"grad_norm,omitempty"`
	ImagesPerSec float64 `json:"images_per_sec,omitempty"`
	DataWaitSec  float64 `json:"data_wait_sec,omitempty"`
	ValTop1      float64 `json:"val_top1,omitempty"`
	ValTop5      float64 `json:"val_top5,omitempty"`
	ValLoss      float64 `json:"val_loss,omitempty"`
	EMATop1      float64 `json:"ema_val_top1,omitempty"`
	EMATop5      float64 `json:"ema_val_top5,omitempty"`
	Seconds      float64 `json:"seconds,omitempty"`
	FailedFiles  int     `json:"failed_files,omitempty"`
}

// metricsLog appends records to run/metrics.jsonl.
type metricsLog struct {
	path string
	f    *os.File
	all  []Record
}

// openMetrics opens the log, dropping records past step (the resume point after a crash:
// those steps are about to be run again and must not appear twice).
func openMetrics(dir string, keepUpTo int64) (*metricsLog, error) {
	path := filepath.Join(dir, "metrics.jsonl")
	var kept []Record
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("metrics log: %w (move it aside to start a new one)", err)
	}
	if err == nil {
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var r Record
			if json.Unmarshal(sc.Bytes(), &r) == nil && r.Step <= keepUpTo {
				kept = append(kept, r)
			}
		}
	}
	// Rewritten atomically with every write checked: a failed rewrite (a full disk) leaves
	// the old file whole instead of a truncated one.
	err = atomicfile.Write(path, true, func(w io.Writer) error {
		for _, r := range kept {
			b, err := json.Marshal(r)
			if err != nil {
				return err
			}
			if _, err := w.Write(append(b, '\n')); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("metrics log: %w (the previous %s is unchanged)", err, path)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("metrics log: %w", err)
	}
	return &metricsLog{path: path, f: f, all: kept}, nil
}

func (m *metricsLog) add(r Record) error {
	m.all = append(m.all, r)
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if _, err = m.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("metrics log %s: %w", m.path, err)
	}
	return nil
}

func (m *metricsLog) Close() error { return m.f.Close() }

// plot draws training loss per step and validation top-1 per epoch into curves.png.
func (m *metricsLog) plot(path string) error {
	var loss, top1, ema plotter.XYs
	for _, r := range m.all {
		switch r.Kind {
		case "train":
			loss = append(loss, plotter.XY{X: float64(r.Step), Y: r.Loss})
		case "epoch":
			if r.ValTop1 > 0 {
				top1 = append(top1, plotter.XY{X: float64(r.Step), Y: r.ValTop1})
			}
			if r.EMATop1 > 0 {
				ema = append(ema, plotter.XY{X: float64(r.Step), Y: r.EMATop1})
			}
		}
	}
	if len(loss) == 0 {
		return nil
	}
	lp := plot.New()
	lp.Title.Text = "training loss"
	lp.X.Label.Text = "step"
	if l, err := plotter.NewLine(loss); err == nil {
		lp.Add(l)
	}
	ap := plot.New()
	ap.Title.Text = "validation top-1 (%)"
	ap.X.Label.Text = "step"
	for i, series := range []plotter.XYs{top1, ema} {
		if len(series) == 0 {
			continue
		}
		l, p, err := plotter.NewLinePoints(series)
		if err != nil {
			continue
		}
		if i == 1 {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
			ap.Legend.Add("EMA", l, p)
		} else {
			ap.Legend.Add("weights", l, p)
		}
		ap.Add(l, p)
	}
	img := vgimg.New(10*vg.Inch, 4*vg.Inch)
	tiles := plot.Align([][]*plot.Plot{{lp, ap}}, draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Millimeter * 5}, draw.New(img))
	lp.Draw(tiles[0][0])
	ap.Draw(tiles[0][1])
	return atomicfile.Write(path, false, func(w io.Writer) error {
		_, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(w)
		return err
	})
}
