package checkpoint

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/tfvision/tfvision/label"
)

// TestSafetensorsHeaderBytes: the file Save writes is, byte for byte, the safetensors file
// written out by hand here: length, JSON header (tensors sorted by name as JSON objects are,
// the int64 step laid out before the float32 weights), space padding, raw little-endian data.
func TestSafetensorsHeaderBytes(t *testing.T) {
	s := storeWith(t, map[string][]float32{"/w": {1, 2}})
	if _, err := s.CreateVariable("/optimizer/step", tensors.FromScalar(int64(7))); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), Name(7))
	if err := Save(path, s, Meta{Step: 7, Epoch: 1, EpochStep: 2, Config: "seed: 1\n"}); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)

	data := []byte{7, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0x40}
	crc := func(b []byte) string {
		return fmt.Sprintf("crc32c:%08x", crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)))
	}
	stepSum, wSum := crc(data[:8]), crc(data[8:])
	checksums := `{"/optimizer/step":"` + stepSum + `","/w":"` + wSum + `"}`
	// The header checksum covers the metadata (without itself) as sorted JSON and the tensors
	// by name: recompute it from those parts.
	rest := `{"checksums":` + jsonString(checksums) + `,"config":"seed: 1\n","epoch":"1","epoch_loss_steps":"0",` +
		`"epoch_loss_sum":"0","epoch_step":"2","step":"7","tfvision_format":"checkpoint","tfvision_format_version":"3"}`
	hsum := HeaderSum([]byte(rest), []TensorInfo{
		{Path: "/optimizer/step", DType: "Int64", Dims: []int{}, Sum: stepSum},
		{Path: "/w", DType: "Float32", Dims: []int{2}, Sum: wSum}})
	header := `{"/optimizer/step":{"dtype":"I64","shape":[],"data_offsets":[0,8]},` +
		`"/w":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},` +
		`"__metadata__":{"checksums":` + jsonString(checksums) + `,"config":"seed: 1\n","epoch":"1",` +
		`"epoch_loss_steps":"0","epoch_loss_sum":"0","epoch_step":"2","header_checksum":"` + hsum + `",` +
		`"step":"7","tfvision_format":"checkpoint","tfvision_format_version":"3"}}`
	header += strings.Repeat(" ", (8-len(header)%8)%8)
	var want []byte
	want = binary.LittleEndian.AppendUint64(want, uint64(len(header)))
	want = append(want, header...)
	want = append(want, data...)
	if !bytes.Equal(got, want) {
		t.Errorf("file bytes:\n got %q\nwant %q", got, want)
	}
	meta, err := ReadMeta(path)
	if err != nil || meta.Step != 7 || meta.EpochStep != 2 || !meta.Checksummed {
		t.Errorf("ReadMeta: %+v, %v", meta, err)
	}
}

func jsonString(s string) string { b, _ := json.Marshal(s); return string(b) }

// TestMetaRoundTripIsExact: floats (running loss sums, metrics) come back bit for bit, so a
// resumed epoch reports the same mean as an uninterrupted one.
func TestMetaRoundTripIsExact(t *testing.T) {
	meta := Meta{Step: 1874, Epoch: 3, EpochStep: 11, EpochLossSum: 0.1 + 0.2, EpochLossSteps: 11,
		Metrics: map[string]float64{"val_top1": 1.0 / 3}, Config: "model:\n  kind: vit\n",
		Classes: []label.Class{{WNID: "n01", Name: "tench \"fish\" <&>"}, {Index: 1, Name: "日本"}}}
	path := saveStore(t, map[string][]float32{"/w": {1}}, meta)
	if filepath.Base(path) != "step-000001874.safetensors" {
		t.Errorf("name %s", filepath.Base(path))
	}
	got, err := ReadMeta(path)
	if err != nil {
		t.Fatal(err)
	}
	meta.Checksummed = true
	if fmt.Sprintf("%#v", got) != fmt.Sprintf("%#v", meta) {
		t.Errorf("meta round trip:\n got %#v\nwant %#v", got, meta)
	}
}

// writeV2 writes a checkpoint as tfvision did before safetensors (format v2, gob header
// with checksums).
func writeV2(t *testing.T, path string, vals map[string][]float32, meta Meta) {
	t.Helper()
	metaJSON, _ := json.Marshal(meta)
	h := header{Magic: magic, Version: version, Meta: metaJSON}
	var raw [][]byte
	for _, p := range slices.Sorted(func(yield func(string) bool) {
		for p := range vals {
			if !yield(p) {
				return
			}
		}
	}) {
		var b []byte
		for _, x := range vals[p] {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
		}
		h.Paths = append(h.Paths, p)
		h.Tensors = append(h.Tensors, TensorInfo{Path: p, DType: "Float32", Dims: []int{len(vals[p])}, Sum: SumBytes(b)})
		raw = append(raw, b)
	}
	h.Sum = HeaderSum(h.Meta, h.Tensors)
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(h); err != nil {
		t.Fatal(err)
	}
	for _, b := range raw {
		buf.Write(b)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestLegacyV2StillLoadsAndIsListed: a run directory of an older tfvision (.tfvckpt, v2)
// still lists, loads verified, and orders with new files by step.
func TestLegacyV2StillLoadsAndIsListed(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "step-000000005"+LegacyExt)
	writeV2(t, old, map[string][]float32{"/w": {4, 5, 6}}, Meta{Step: 5, Config: "seed: 2\n"})
	store := model.NewStore()
	meta, err := Load(old, store, nil)
	if err != nil || !meta.Checksummed || meta.Step != 5 || meta.Config != "seed: 2\n" {
		t.Fatalf("v2 load: %+v, %v", meta, err)
	}
	if v := store.GetVariable("/w").MustValue().Value().([]float32); v[2] != 6 {
		t.Errorf("v2 values %v", v)
	}
	if err := Save(filepath.Join(dir, Name(9)), store, Meta{Step: 9}); err != nil {
		t.Fatal(err)
	}
	writeV2(t, filepath.Join(dir, "step-000000012"+LegacyExt), map[string][]float32{"/w": {1, 1, 1}}, Meta{Step: 12})
	all, _ := List(dir)
	var names []string
	for _, p := range all {
		names = append(names, filepath.Base(p))
	}
	if want := []string{"step-000000005.tfvckpt", "step-000000009.safetensors", "step-000000012.tfvckpt"}; !slices.Equal(names, want) {
		t.Errorf("List = %v, want %v", names, want)
	}
	if Best(dir) != "" {
		t.Errorf("Best of a dir without best.*: %q", Best(dir))
	}
	writeV2(t, filepath.Join(dir, LegacyBestName), map[string][]float32{"/w": {1, 1, 1}}, Meta{Step: 12})
	if filepath.Base(Best(dir)) != LegacyBestName {
		t.Errorf("Best = %q, want the legacy best", Best(dir))
	}
	if err := Save(filepath.Join(dir, BestName), store, Meta{Step: 13}); err != nil {
		t.Fatal(err)
	}
	if filepath.Base(Best(dir)) != BestName {
		t.Errorf("Best = %q, want %s", Best(dir), BestName)
	}
	// Orphans of both kinds of writes.
	for _, name := range []string{".step-000000003.safetensors.tmp1", ".best.safetensors.tmp2", ".step-000000003.tfvckpt.tmp3", ".best.tfvckpt.tmp4"} {
		os.WriteFile(filepath.Join(dir, name), nil, 0o644)
	}
	if o, _ := Orphans(dir); len(o) != 4 {
		t.Errorf("Orphans = %v, want 4", o)
	}
}

// craftST writes a safetensors checkpoint whose header claims the given tensors (dtype,
// shape, offsets as given) with valid checksums of header and metadata, and no tensor bytes:
// what a crafted or mangled file looks like.
func craftST(t *testing.T, tensorsJSON map[string]string, infos []TensorInfo) string {
	t.Helper()
	md, _ := metaStrings(Meta{Step: 1})
	sums := map[string]string{}
	for _, in := range infos {
		sums[in.Path] = in.Sum
	}
	b, _ := json.Marshal(sums)
	md[keyChecksums] = string(b)
	md[keyHeaderSum] = stHeaderSum(md, infos)
	mdJSON, _ := json.Marshal(md)
	h := `{"__metadata__":` + string(mdJSON)
	for name, js := range tensorsJSON {
		h += "," + jsonString(name) + ":" + js
	}
	h += "}"
	var buf []byte
	buf = binary.LittleEndian.AppendUint64(buf, uint64(len(h)))
	buf = append(buf, h...)
	path := filepath.Join(t.TempDir(), Name(1))
	os.WriteFile(path, buf, 0o644)
	return path
}

// TestSafetensorsCraftedHeadersRefusedBeforeAllocation: shapes and names are checked against
// the model before anything is allocated; a header that is not ours, or whose byte ranges
// do not add up, is refused with the file and the tensor named.
func TestSafetensorsCraftedHeadersRefusedBeforeAllocation(t *testing.T) {
	huge := TensorInfo{DType: "Float32", Dims: []int{100000, 100000}, Sum: "crc32c:00000000"}
	hugeJSON := `{"dtype":"F32","shape":[100000,100000],"data_offsets":[0,40000000000]}`
	named := func(p string) TensorInfo { h := huge; h.Path = p; return h }
	cases := []struct {
		name, path, want string
		corrupt          bool
	}{
		{"huge unknown", craftST(t, map[string]string{"/huge": hugeJSON}, []TensorInfo{named("/huge")}), "unknown tensor /huge", false},
		{"huge known", craftST(t, map[string]string{"/w": hugeJSON}, []TensorInfo{named("/w")}),
			"tensor /w is (Float32)[100000, 100000], this model expects (Float32)[6]", false},
		{"offsets off", craftST(t, map[string]string{"/w": `{"dtype":"F32","shape":[6],"data_offsets":[0,20]}`},
			[]TensorInfo{{Path: "/w", DType: "Float32", Dims: []int{6}, Sum: "crc32c:00000000"}}), "tensor /w: byte range [0 20]", true},
		{"no data", craftST(t, map[string]string{"/w": `{"dtype":"F32","shape":[6],"data_offsets":[0,24]}`},
			[]TensorInfo{{Path: "/w", DType: "Float32", Dims: []int{6}, Sum: "crc32c:00000000"}}), "file truncated?", true},
		{"checksum missing", craftST(t, map[string]string{"/w": `{"dtype":"F32","shape":[6],"data_offsets":[0,24]}`}, nil),
			"tensor /w has no checksum", true},
	}
	for _, c := range cases {
		store := storeWith(t, map[string][]float32{"/w": make([]float32, 6)})
		_, err := LoadExpect(c.path, store, nil, ExpectFor(store))
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.path) || errors.Is(err, ErrCorrupt) != c.corrupt {
			t.Errorf("%s: want an error (corrupt %v) naming %s and containing %q, got %v", c.name, c.corrupt, c.path, c.want, err)
		}
	}
	// A safetensors file without our metadata (exported weights) is not a checkpoint.
	other := filepath.Join(t.TempDir(), "model.safetensors")
	h := `{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}    `
	buf := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
	os.WriteFile(other, append(append(buf, h...), 0, 0, 0, 0), 0o644)
	if _, err := ReadMeta(other); err == nil || !strings.Contains(err.Error(), "not a checkpoint") {
		t.Errorf("foreign safetensors file: %v", err)
	}
}

// TestPythonReaderOpensCheckpoint: an independent reader (scripts/safetensors_dump.py, the
// Python standard library only) opens a checkpoint we wrote, lists every tensor with the
// shape we saved and recomputes the CRC32C of its bytes to the value in __metadata__.
func TestPythonReaderOpensCheckpoint(t *testing.T) {
	const python = "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		t.Skip("no /usr/bin/python3: the independent reader is not run")
	}
	s := storeWith(t, map[string][]float32{"/block_00/attn/query/weights": {1, 2, 3, 4, 5, 6}, "/ema/block_00/attn/query/weights": {0.5, 0.25, 0, -1, 7, 8}})
	if _, err := s.CreateVariable("/optimizer/step", tensors.FromScalar(int64(1874))); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), Name(1874))
	if err := Save(path, s, Meta{Step: 1874, Config: "seed: 3\n"}); err != nil {
		t.Fatal(err)
	}
	_, file, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(file), "..", "scripts", "safetensors_dump.py")
	cmd := exec.Command(python, script, "--json", path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", script, err, stderr.String())
	}
	var rep struct {
		Metadata map[string]string `json:"metadata"`
		Tensors  []struct {
			Name   string `json:"name"`
			DType  string `json:"dtype"`
			Shape  []int  `json:"shape"`
			CRC32C string `json:"crc32c"`
			Stored string `json:"stored_crc32c"`
		} `json:"tensors"`
	}
	if err := json.NewDecoder(io.Reader(bytes.NewReader(out))).Decode(&rep); err != nil {
		t.Fatalf("reader output %q: %v", out, err)
	}
	if rep.Metadata["step"] != "1874" || rep.Metadata["config"] != "seed: 3\n" {
		t.Errorf("metadata as Python reads it: %v", rep.Metadata)
	}
	want := map[string]string{"/block_00/attn/query/weights": "F32[6]", "/ema/block_00/attn/query/weights": "F32[6]", "/optimizer/step": "I64[]"}
	if len(rep.Tensors) != len(want) {
		t.Errorf("Python sees %d tensors, want %d", len(rep.Tensors), len(want))
	}
	for _, tn := range rep.Tensors {
		if got := fmt.Sprintf("%s%v", tn.DType, tn.Shape); strings.ReplaceAll(got, " ", ",") != want[tn.Name] {
			t.Errorf("Python: %s is %s, want %s", tn.Name, got, want[tn.Name])
		}
		if tn.CRC32C != tn.Stored || !strings.HasPrefix(tn.CRC32C, "crc32c:") {
			t.Errorf("Python: %s checksum %s, stored %s", tn.Name, tn.CRC32C, tn.Stored)
		}
	}
}
