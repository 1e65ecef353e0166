package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckParityCommand runs the command, pure Go against itself, for what the shell
// adds to train/parity (whose tests hold the numbers): the backends named, one line per
// check then "parity OK", --tolerance reaching the checks, and the JSON fields
// scripts/gpu-check.sh reads.
func TestCheckParityCommand(t *testing.T) {
	path := filepath.Join(t.TempDir(), "parity.json")
	r := runCLI(t, "", "check", "parity", "--backend", "go", "--tolerance", "0.05", "--json", path)
	if r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.stdout)
	}
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	prefixes := []string{"reference: backend ", "target:    backend ", "f32 logits: max |diff| 0 (", "bf16 logits (decomposed attention): ",
		"bf16 gradients: cosine with f32 ", "training on target (f32): ", "training on target (bf16): ", "parity OK"}
	if len(lines) != len(prefixes) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(prefixes), r.stdout)
	}
	for i, p := range prefixes {
		if !strings.HasPrefix(lines[i], p) {
			t.Errorf("line %d %q, want prefix %q", i+1, lines[i], p)
		}
	}
	if !strings.HasSuffix(lines[2], "; tolerance 0.05)") {
		t.Errorf("f32 line %q does not show --tolerance 0.05", lines[2])
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var res map[string]any
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatal(err)
	}
	if res["tolerance"] != 0.05 || res["relative_diff"] != 0.0 || res["attention_bf16"] != "decomposed" ||
		res["bf16_logits_rel_err"] != res["bf16_logits_rel_err_go"] {
		t.Errorf("JSON tolerance %v relative_diff %v attention_bf16 %v bf16_logits_rel_err %v (go %v); want 0.05, 0, decomposed, equal",
			res["tolerance"], res["relative_diff"], res["attention_bf16"], res["bf16_logits_rel_err"], res["bf16_logits_rel_err_go"])
	}
	if c, ok := res["bf16_grad_cosine"].(float64); !ok || c < 0.999 {
		t.Errorf("JSON bf16_grad_cosine %v, want ≥ 0.999", res["bf16_grad_cosine"])
	}
	if f, ok := res["failures"].([]any); !ok || len(f) != 0 {
		t.Errorf("JSON failures %v, want []", res["failures"])
	}
}

// TestCheckParityCommandErrors: a check that cannot run exits non-zero (status 1) without
// "parity OK", and --json still gets what was measured.
func TestCheckParityCommandErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "parity.json")
	r := runCLI(t, "", "check", "parity", "--backend", "go", "--tolerance", "-1", "--json", path)
	if r.err == nil || !strings.Contains(r.err.Error(), "tolerance") || exitCode(r.err) != 1 || strings.Contains(r.stdout, "parity OK") {
		t.Errorf("--tolerance -1: err %v (status %d), stdout:\n%s", r.err, exitCode(r.err), r.stdout)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var res map[string]any
	if err := json.Unmarshal(data, &res); err != nil || res["tolerance"] != -1.0 {
		t.Errorf("JSON after an error: %v, tolerance %v; want -1", err, res["tolerance"])
	}
	if r := runCLI(t, "", "check", "parity", "--backend", "go", "extra"); r.err == nil {
		t.Errorf("a positional argument was accepted")
	}
}
