package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/tfvision/tfvision/predict"
)

// predictionWriter streams predictions batch by batch, so what is printed before an
// interrupt stays printed; close ends the output (it is called on interrupt too, so a
// json array is still closed).
type predictionWriter interface {
	write(batch []predict.Prediction) error
	close() error
}

var predictFormats = []string{"table", "csv", "jsonl", "json"}

func newPredictionWriter(w io.Writer, format string) predictionWriter {
	switch format {
	case "json":
		return &jsonArrayWriter{w: w}
	case "jsonl":
		return jsonlWriter{json.NewEncoder(w)}
	case "csv":
		return &csvWriter{w: csv.NewWriter(w)}
	}
	return &tableWriter{w: w}
}

// tableWriter aligns columns within each batch (a batch is flushed as soon as it is done).
type tableWriter struct {
	w      io.Writer
	header bool
}

func (t *tableWriter) write(batch []predict.Prediction) error {
	tw := tabwriter.NewWriter(t.w, 2, 4, 2, ' ', 0)
	if !t.header {
		fmt.Fprintf(tw, "path\trank\tclass\tprob\n")
		t.header = true
	}
	for _, p := range batch {
		if p.Err != "" {
			fmt.Fprintf(tw, "%s\t-\terror: %s\t\n", p.Path, p.Err)
		}
		for r, l := range p.Top {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%.4f\n", p.Path, r+1, l.Name, l.Prob)
		}
	}
	return tw.Flush()
}

func (t *tableWriter) close() error {
	if t.header {
		return nil
	}
	return t.write(nil) // no batch finished: the header alone
}

type csvWriter struct {
	w      *csv.Writer
	header bool
}

func (c *csvWriter) write(batch []predict.Prediction) error {
	if !c.header {
		_ = c.w.Write([]string{"path", "rank", "index", "wnid", "name", "prob", "error"})
		c.header = true
	}
	for _, p := range batch {
		if p.Err != "" {
			_ = c.w.Write([]string{p.Path, "", "", "", "", "", p.Err})
		}
		for r, l := range p.Top {
			_ = c.w.Write([]string{p.Path, strconv.Itoa(r + 1), strconv.Itoa(l.Index), l.WNID, l.Name, strconv.FormatFloat(l.Prob, 'f', 6, 64), ""})
		}
	}
	c.w.Flush()
	return c.w.Error()
}

func (c *csvWriter) close() error {
	if c.header {
		return nil
	}
	return c.write(nil)
}

// jsonlWriter writes one JSON object per file and line.
type jsonlWriter struct{ enc *json.Encoder }

func (j jsonlWriter) write(batch []predict.Prediction) error {
	for _, p := range batch {
		if err := j.enc.Encode(p); err != nil {
			return err
		}
	}
	return nil
}

func (jsonlWriter) close() error { return nil }

// jsonArrayWriter streams one JSON array, element by element.
type jsonArrayWriter struct {
	w io.Writer
	n int
}

func (j *jsonArrayWriter) write(batch []predict.Prediction) error {
	for _, p := range batch {
		b, err := json.MarshalIndent(p, "  ", "  ")
		if err != nil {
			return err
		}
		sep := ",\n  "
		if j.n == 0 {
			sep = "[\n  "
		}
		j.n++
		if _, err := fmt.Fprintf(j.w, "%s%s", sep, b); err != nil {
			return err
		}
	}
	return nil
}

func (j *jsonArrayWriter) close() error {
	end := "\n]\n"
	if j.n == 0 {
		end = "[]\n"
	}
	_, err := io.WriteString(j.w, end)
	return err
}
