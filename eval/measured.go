package eval

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tfvision/tfvision/internal/atomicfile"
)

// MeasuredDir is the folder of a run directory where eval keeps its last result per data set.
const MeasuredDir = "evals"

// Measured is the last eval of a run on one data set, kept in RUN/evals/ so that a later
// eval of another run on the same data can show it beside the published baselines.
type Measured struct {
	Run        string    `json:"run"`   // the run directory as given
	Model      string    `json:"model"` // the name in the eval table (preset, else the run's name)
	Checkpoint string    `json:"checkpoint"`
	Step       int64     `json:"step"`
	EMA        bool      `json:"ema"`
	Data       string    `json:"data"` // absolute path of the data set root
	Images     int       `json:"images"`
	Top1       float64   `json:"top1"`
	Top5       float64   `json:"top5"`
	RealTop1   *float64  `json:"real_top1,omitempty"`
	Date       time.Time `json:"date"`
}

// measuredFile is the file of m's data set (and weights: EMA or not) in runDir/evals:
// the data folder's name, a hash of its absolute path (two data sets both called "val" do not
// collide), "-ema" for the EMA weights.
func measuredFile(runDir, dataAbs string, ema bool) string {
	sum := sha256.Sum256([]byte(dataAbs))
	base := strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ':' || r < ' ' {
			return '_'
		}
		return r
	}, filepath.Base(dataAbs))
	name := base + "-" + hex.EncodeToString(sum[:4])
	if ema {
		name += "-ema"
	}
	return filepath.Join(runDir, MeasuredDir, name+".json")
}

// SaveMeasured writes m as runDir/evals/<data>-<hash>[-ema].json, replacing the previous
// eval of the same run on the same data.
func SaveMeasured(runDir string, m Measured) error {
	if !filepath.IsAbs(m.Data) {
		return fmt.Errorf("eval: measured data path %q is not absolute", m.Data)
	}
	path := measuredFile(runDir, m.Data, m.EMA)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(path, false, append(b, '\n'))
}

// LoadMeasured returns the evals of runDir on the data set at dataAbs (plain weights first,
// then EMA); none is not an error.
func LoadMeasured(runDir, dataAbs string) ([]Measured, error) {
	var out []Measured
	for _, ema := range []bool{false, true} {
		b, err := os.ReadFile(measuredFile(runDir, dataAbs, ema))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		var m Measured
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("%s: %w", measuredFile(runDir, dataAbs, ema), err)
		}
		if m.Data == dataAbs { // a hash collision is not the same data
			out = append(out, m)
		}
	}
	return out, nil
}

// WriteMeasured prints the measured rows, best top-1 first.
func WriteMeasured(w io.Writer, rows []Measured) {
	rows = append([]Measured(nil), rows...)
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Top1 > rows[j].Top1 })
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "measured run\tmodel\ttop-1\ttop-5\timages\tevaluated\n")
	for _, m := range rows {
		model := m.Model
		if m.EMA && !strings.HasSuffix(model, "(EMA)") { // rows saved before the flag alone said it
			model += " (EMA)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%.2f\t%.2f\t%d\t%s\n", m.Run, model, m.Top1, m.Top5, m.Images, m.Date.UTC().Format("2006-01-02 15:04"))
	}
	tw.Flush()
}
