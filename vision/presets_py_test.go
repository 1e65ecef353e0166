package vision

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// scripts/tfv_presets.py is the PyTorch reference's copy of the presets table. It stays
// hand-written (torch_ref.py, bench-cpu.sh and gpu-check.sh import it where neither Go nor
// a built tfvision may exist), and this file checks it against presets, the source of truth,
// in pure Go so that every `go test` runs the check (no python3 needed). The Python file is
// small and regular, so the test reads it with regular expressions instead of a parser:
//
//   - each helper `def _name(params):` is evaluated symbolically: its `dict(k=v, ...)`,
//     `c = _helper(args)` and `c.update(k=v, ...)` give the fields, where v is a parameter
//     name, a string or a number;
//   - each `"preset": _helper(args),` row of PRESETS is evaluated with those helpers;
//   - each `"preset": count,` row of EXPECTED_PARAMS is compared with the traced Go model.
//
// A line of the Python file that this reading cannot understand fails the test rather than
// being skipped, so the check cannot silently stop checking.

const pyPresetsPath = "../scripts/tfv_presets.py"

var (
	pyDefRe    = regexp.MustCompile(`(?m)^def (_\w+)\(([^)]*)\):\n((?:[ \t]+.*\n|\n)*)`)
	pyDictRe   = regexp.MustCompile(`(?s)dict\((.*?)\)\s*$`)
	pyBaseRe   = regexp.MustCompile(`(?m)^\s+c = (_\w+)\((.*)\)\s*$`)
	pyUpdateRe = regexp.MustCompile(`(?m)^\s+c\.update\((.*)\)\s*$`)
	pyBlockRe  = regexp.MustCompile(`(?ms)^([A-Z_]+) = \{\n(.*?)^\}`)
	pyRowRe    = regexp.MustCompile(`^\s+"([\w-]+)": (?:(_\w+)\((.*)\)|([\d_]+)),\s*(?:#.*)?$`)
)

// pyHelper is one helper function of tfv_presets.py, read symbolically.
type pyHelper struct {
	params []string
	dict   string // kwargs of `return dict(...)`, or ""
	base   string // helper called as `c = base(args)`
	args   string
	update string // kwargs of `c.update(...)`
}

func splitArgs(s string) []string {
	var out []string
	for _, a := range strings.Split(s, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// pyValue resolves a literal or a parameter name to its text ("tokenformer", "192", "0.1").
func pyValue(expr string, env map[string]string) (string, error) {
	if v, ok := env[expr]; ok {
		return v, nil
	}
	if uq, err := strconv.Unquote(strings.ReplaceAll(expr, "'", `"`)); err == nil {
		return uq, nil
	}
	if _, err := strconv.ParseFloat(strings.ReplaceAll(expr, "_", ""), 64); err == nil {
		return strings.ReplaceAll(expr, "_", ""), nil
	}
	return "", fmt.Errorf("cannot read value %q", expr)
}

func (h pyHelper) eval(helpers map[string]pyHelper, args []string) (map[string]string, error) {
	if len(args) != len(h.params) {
		return nil, fmt.Errorf("%d arguments for parameters %v", len(args), h.params)
	}
	env := map[string]string{}
	for i, p := range h.params {
		env[p] = args[i]
	}
	fields := map[string]string{}
	kwargs := func(s string) error {
		for _, kv := range splitArgs(s) {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				return fmt.Errorf("not a keyword argument: %q", kv)
			}
			val, err := pyValue(strings.TrimSpace(v), env)
			if err != nil {
				return err
			}
			fields[strings.TrimSpace(k)] = val
		}
		return nil
	}
	if h.base != "" {
		b, ok := helpers[h.base]
		if !ok {
			return nil, fmt.Errorf("unknown helper %s", h.base)
		}
		var bargs []string
		for _, a := range splitArgs(h.args) {
			v, err := pyValue(a, env)
			if err != nil {
				return nil, err
			}
			bargs = append(bargs, v)
		}
		bf, err := b.eval(helpers, bargs)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", h.base, err)
		}
		for k, v := range bf {
			fields[k] = v
		}
	}
	if err := kwargs(h.dict); err != nil {
		return nil, err
	}
	if err := kwargs(h.update); err != nil {
		return nil, err
	}
	return fields, nil
}

// readPyPresets returns the fields of every preset of tfv_presets.py and its expected
// parameter counts.
func readPyPresets(t *testing.T) (map[string]map[string]string, map[string]int) {
	t.Helper()
	src, err := os.ReadFile(pyPresetsPath)
	if err != nil {
		t.Fatal(err)
	}
	text := string(src)
	helpers := map[string]pyHelper{}
	for _, m := range pyDefRe.FindAllStringSubmatch(text, -1) {
		h := pyHelper{params: splitArgs(m[2])}
		body := m[3]
		if d := pyDictRe.FindStringSubmatch(body); d != nil {
			h.dict = strings.Join(strings.Fields(d[1]), " ")
		}
		if b := pyBaseRe.FindStringSubmatch(body); b != nil {
			h.base, h.args = b[1], b[2]
		}
		if u := pyUpdateRe.FindStringSubmatch(body); u != nil {
			h.update = u[1]
		}
		helpers[m[1]] = h
	}
	presets, params := map[string]map[string]string{}, map[string]int{}
	for _, blk := range pyBlockRe.FindAllStringSubmatch(text, -1) {
		for _, line := range strings.Split(blk[2], "\n") {
			if strings.TrimSpace(line) == "" {
				continue
			}
			m := pyRowRe.FindStringSubmatch(line)
			if m == nil {
				t.Fatalf("%s: %s: cannot read line %q", pyPresetsPath, blk[1], line)
			}
			switch blk[1] {
			case "PRESETS":
				h, ok := helpers[m[2]]
				if m[2] == "" || !ok {
					t.Fatalf("%s: PRESETS[%q]: unknown helper in %q", pyPresetsPath, m[1], line)
				}
				f, err := h.eval(helpers, splitArgs(m[3]))
				if err != nil {
					t.Fatalf("%s: PRESETS[%q]: %v", pyPresetsPath, m[1], err)
				}
				presets[m[1]] = f
			case "EXPECTED_PARAMS":
				n, err := strconv.Atoi(strings.ReplaceAll(m[4], "_", ""))
				if err != nil {
					t.Fatalf("%s: EXPECTED_PARAMS[%q]: %v", pyPresetsPath, m[1], err)
				}
				params[m[1]] = n
			default:
				t.Fatalf("%s: unexpected table %s", pyPresetsPath, blk[1])
			}
		}
	}
	if len(presets) == 0 {
		t.Fatalf("%s: no PRESETS read", pyPresetsPath)
	}
	return presets, params
}

// goFields is a preset's config as the Python side names it (its JSON keys), zero fields
// left out.
func goFields(t *testing.T, c Config) map[string]string {
	t.Helper()
	raw, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for k, v := range m {
		switch v := v.(type) {
		case string:
			if v != "" {
				out[k] = v
			}
		case float64:
			if v != 0 {
				out[k] = strconv.FormatFloat(v, 'g', -1, 64)
			}
		default:
			t.Fatalf("config field %s has unexpected JSON type %T", k, v)
		}
	}
	return out
}

func sameValue(a, b string) bool {
	fa, ea := strconv.ParseFloat(a, 64)
	fb, eb := strconv.ParseFloat(b, 64)
	if ea == nil && eb == nil {
		return fa == fb
	}
	return a == b
}

// TestPythonPresetsMatchGo: scripts/tfv_presets.py has exactly the Go presets, field by
// field, and its EXPECTED_PARAMS equal the parameter counts of the built Go models.
func TestPythonPresetsMatchGo(t *testing.T) {
	py, pyParams := readPyPresets(t)
	for _, name := range PresetNames() {
		if _, ok := py[name]; !ok {
			t.Errorf("preset %s: missing from %s PRESETS", name, pyPresetsPath)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(py)) {
		c, err := Preset(name)
		if err != nil {
			t.Errorf("preset %s: in %s but not in vision: %v", name, pyPresetsPath, err)
			continue
		}
		goF, pyF := goFields(t, c), py[name]
		// torch_ref.py's Pattention defaults to l2_norm_gelu, so the Python table omits it.
		if _, ok := pyF["norm"]; !ok && goF["norm"] == string(NormL2GELU) {
			delete(goF, "norm")
		}
		for k, v := range goF {
			if pv, ok := pyF[k]; !ok {
				t.Errorf("preset %s field %s: Go has %s, %s has none", name, k, v, pyPresetsPath)
			} else if !sameValue(v, pv) {
				t.Errorf("preset %s field %s: Go has %s, %s has %s", name, k, v, pyPresetsPath, pv)
			}
		}
		for k, pv := range pyF {
			if _, ok := goF[k]; !ok {
				t.Errorf("preset %s field %s: %s has %s, Go has none (zero)", name, k, pyPresetsPath, pv)
			}
		}
	}
	if len(pyParams) == 0 {
		t.Fatalf("%s: no EXPECTED_PARAMS read", pyPresetsPath)
	}
	b := goBackend(t)
	for name, want := range pyParams {
		c, err := Preset(name)
		if err != nil {
			t.Errorf("EXPECTED_PARAMS[%s]: %v", name, err)
			continue
		}
		if got := tracedParams(t, b, c); got != want {
			t.Errorf("preset %s: %s EXPECTED_PARAMS says %d parameters, the Go model has %d",
				name, pyPresetsPath, want, got)
		}
	}
}

// TestPythonFLOPsMatchGo: tfv_presets.flops_per_image (a formula, which the pure-Go test
// above cannot read) gives Config.FLOPs for every preset. Needs python3; skipped without it.
func TestPythonFLOPsMatchGo(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not found")
	}
	cmd := exec.Command(py, "-c", `import json, tfv_presets as p
print(json.dumps({n: p.flops_per_image(p.preset_config(n)) for n in p.PRESETS}))`)
	cmd.Dir = "../scripts"
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	var flops map[string]float64
	if err := json.Unmarshal(out, &flops); err != nil {
		t.Fatalf("python3 output %q: %v", out, err)
	}
	for _, name := range PresetNames() {
		c, _ := Preset(name)
		if got, ok := flops[name]; !ok {
			t.Errorf("preset %s: no FLOPs from %s", name, pyPresetsPath)
		} else if want := c.FLOPs(); math.Abs(got-want) > 1e-12*want {
			t.Errorf("preset %s: %s flops_per_image = %g, Go Config.FLOPs = %g", name, pyPresetsPath, got, want)
		}
	}
}
