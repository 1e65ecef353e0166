package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
)

// readmeModelsTable returns the lines of the markdown table under "## Model presets" in the
// README, and their first line number.
func readmeModelsTable(t *testing.T, readme string) ([]string, int) {
	t.Helper()
	lines := strings.Split(readme, "\n")
	in := false
	var table []string
	first := 0
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, "## "):
			if in && len(table) > 0 {
				return table, first
			}
			in = l == "## Model presets"
		case in && strings.HasPrefix(l, "|"):
			if len(table) == 0 {
				first = i + 1
			}
			table = append(table, l)
		case in && len(table) > 0:
			return table, first
		}
	}
	if len(table) == 0 {
		t.Fatal(`README.md: no table under "## Model presets"`)
	}
	return table, first
}

// TestReadmeModelPresetsTable: the README's presets table is what `tfvision models --format
// markdown` prints from vision's presets (the source of truth), so a new or changed preset
// fails here until the README is regenerated.
func TestReadmeModelPresetsTable(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	have, first := readmeModelsTable(t, string(raw))
	var buf bytes.Buffer
	if err := writeModels(&buf, "markdown"); err != nil {
		t.Fatal(err)
	}
	want := strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
	if strings.Join(have, "\n") == strings.Join(want, "\n") {
		return
	}
	var diff strings.Builder
	for i := 0; i < max(len(have), len(want)); i++ {
		var h, w string
		if i < len(have) {
			h = have[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if h != w {
			fmt.Fprintf(&diff, "README.md:%d\n- %s\n+ %s\n", first+i, h, w)
		}
	}
	t.Errorf("README.md's \"## Model presets\" table differs from `tfvision models --format markdown`"+
		" (- README, + generated); paste the generated table in:\n%s", diff.String())
}

func TestModelsFormatUnknown(t *testing.T) {
	if res := runCLI(t, "", "models", "--format", "csv"); res.err == nil ||
		!strings.Contains(res.err.Error(), "unknown --format") {
		t.Errorf("models --format csv: err = %v, want unknown --format", res.err)
	}
}
