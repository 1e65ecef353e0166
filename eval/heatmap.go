package eval

import (
	"errors"
	"fmt"
	"image/color"
	"io"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/tfvision/tfvision/internal/atomicfile"
)

// MaxHeatMapClasses is the most classes WriteConfusionPNG draws: beyond it a cell is under
// six pixels and the picture says nothing the JSON matrix does not.
const MaxHeatMapClasses = 100

// ErrTooManyClasses is WriteConfusionPNG's error for more than MaxHeatMapClasses classes.
var ErrTooManyClasses = errors.New("eval: too many classes for a confusion heat map")

// Heat map geometry, in pixels (the canvas is drawn at 72 dpi: one point is one pixel).
const (
	heatLeft, heatTop, heatRight, heatBottom = 48, 60, 12, 12
	heatMinWidth                             = 360
)

// HeatMapCell is the side of one cell for n classes, in pixels.
func HeatMapCell(n int) int { return max(6, min(48, 600/max(n, 1))) }

// HeatMapSize is the PNG size WriteConfusionPNG draws for n classes.
func HeatMapSize(n int) (w, h int) {
	c := HeatMapCell(n)
	return max(heatMinWidth, heatLeft+n*c+heatRight), heatTop + n*c + heatBottom
}

// HeatMapCellOrigin is the top-left pixel of cell (true class t, predicted p).
func HeatMapCellOrigin(n, t, p int) (x, y int) {
	c := HeatMapCell(n)
	return heatLeft + p*c, heatTop + t*c
}

// WriteConfusionPNG draws confusion (rows: true class, columns: top-1 prediction) as a heat
// map PNG at path: each row is normalised by its count, white for 0 to dark blue for the
// whole row; rows without images stay light grey. Class indices label the axes up to 30
// classes. More than MaxHeatMapClasses classes: ErrTooManyClasses and no file.
func WriteConfusionPNG(path string, confusion [][]int) error {
	n := len(confusion)
	if n > MaxHeatMapClasses {
		return fmt.Errorf("%w: %d > %d", ErrTooManyClasses, n, MaxHeatMapClasses)
	}
	if n == 0 {
		return errors.New("eval: empty confusion matrix")
	}
	w, h := HeatMapSize(n)
	c := vgimg.NewWith(vgimg.UseWH(vg.Length(w), vg.Length(h)), vgimg.UseDPI(72), vgimg.UseBackgroundColor(color.White))
	cell := HeatMapCell(n)
	rect := func(x, y, wd, ht int) { // image coordinates (y down) → vg (y up)
		var p vg.Path
		y0 := float64(h - y - ht)
		p.Move(vg.Point{X: vg.Length(x), Y: vg.Length(y0)})
		p.Line(vg.Point{X: vg.Length(x + wd), Y: vg.Length(y0)})
		p.Line(vg.Point{X: vg.Length(x + wd), Y: vg.Length(y0 + float64(ht))})
		p.Line(vg.Point{X: vg.Length(x), Y: vg.Length(y0 + float64(ht))})
		p.Close()
		c.Fill(p)
	}
	for t, row := range confusion {
		total := 0
		for _, v := range row {
			total += v
		}
		for p := range n {
			if total == 0 {
				c.SetColor(color.Gray{Y: 230})
			} else {
				c.SetColor(heatColour(float64(row[p]) / float64(total)))
			}
			x, y := HeatMapCellOrigin(n, t, p)
			rect(x, y, cell, cell)
		}
	}
	face := font.DefaultCache.Lookup(plot.DefaultFont, 10)
	c.SetColor(color.Black)
	text := func(x, y int, s string) { c.FillString(face, vg.Point{X: vg.Length(x), Y: vg.Length(h - y)}, s) }
	text(4, 14, "confusion, row-normalised")
	text(heatLeft, 34, "predicted →")
	text(4, heatTop-6, "true ↓")
	if n <= 30 {
		for i := range n {
			x, y := HeatMapCellOrigin(n, i, i)
			text(heatLeft-20, y+cell/2+4, strconv.Itoa(i))
			if i%2 == 0 || cell >= 20 {
				text(x+cell/2-3, heatTop-6, strconv.Itoa(i))
			}
		}
	}
	return atomicfile.Write(path, false, func(wr io.Writer) error {
		_, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(wr)
		return err
	})
}

// heatColour maps a row fraction in [0, 1] from white to dark blue.
func heatColour(v float64) color.RGBA {
	v = max(0, min(1, v))
	mix := func(lo uint8) uint8 { return uint8(255 - v*(255-float64(lo)) + 0.5) }
	return color.RGBA{mix(8), mix(48), mix(107), 255}
}
