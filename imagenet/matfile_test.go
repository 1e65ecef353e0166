package imagenet

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf16"
)

// testdata/meta_small*.mat come from testdata/gen_meta.py (scipy.io.savemat):
// leaves 1..4 plus two inner synsets.
var smallMetaIDs = map[int]string{1: "n02119789", 2: "n03000134", 3: "n01440764", 4: "n02085620"}

func TestReadDevkitMetaScipy(t *testing.T) {
	for _, f := range []string{"meta_small.mat", "meta_small_nozip.mat"} {
		t.Run(f, func(t *testing.T) {
			ids, names, err := ReadDevkitMeta(filepath.Join("testdata", f))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(ids, smallMetaIDs) {
				t.Errorf("ids = %v, want %v", ids, smallMetaIDs)
			}
			if names["n02119789"] != "kit fox, Vulpes macrotis" || names["n01440764"] != "tench, Tinca tinca" || len(names) != 4 {
				t.Errorf("names = %v", names)
			}
		})
	}
}

func TestReadMATFileScipyDetails(t *testing.T) {
	vars, err := readMATFile(filepath.Join("testdata", "meta_small.mat"))
	if err != nil {
		t.Fatal(err)
	}
	if len(vars) != 1 || vars[0].Name != "synsets" || !reflect.DeepEqual(vars[0].Dims, []int{6, 1}) {
		t.Fatalf("vars: %+v", vars)
	}
	s := &vars[0]
	if got := s.field(5, "children").Num; !reflect.DeepEqual(got, []float64{5, 2, 3, 4}) {
		t.Errorf("synsets(6).children = %v", got)
	}
	if c := s.field(0, "children"); c.count() != 0 || len(c.Num) != 0 {
		t.Errorf("synsets(1).children = %+v, want empty", c)
	}
	if g := s.field(3, "gloss").String(); g != "an old breed of tiny dog" {
		t.Errorf("gloss %q", g)
	}
}

// matBuilder writes MAT-file elements the way MATLAB does (not scipy): chars
// as miUTF16, doubles stored in the smallest exact integer type, small data
// element format for ≤ 4 bytes.
type matBuilder struct{ bo matByteOrder }

type matByteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

func (m matBuilder) elem(typ uint32, data []byte) []byte {
	var b []byte
	if len(data) <= 4 && typ != miMATRIX && typ != miCOMPRESSED {
		b = m.bo.AppendUint32(b, uint32(len(data))<<16|typ)
		b = append(b, data...)
		return append(b, make([]byte, 4-len(data))...)
	}
	b = m.bo.AppendUint32(b, typ)
	b = m.bo.AppendUint32(b, uint32(len(data)))
	b = append(b, data...)
	return append(b, make([]byte, (8-len(data)%8)%8)...)
}

func (m matBuilder) header(class uint32, name string, dims ...int32) []byte {
	var fl, dd []byte
	fl = m.bo.AppendUint32(fl, class)
	fl = m.bo.AppendUint32(fl, 0)
	for _, d := range dims {
		dd = m.bo.AppendUint32(dd, uint32(d))
	}
	b := m.elem(miUINT32, fl)
	b = append(b, m.elem(miINT32, dd)...)
	return append(b, m.elem(miINT8, []byte(name))...)
}

func (m matBuilder) str(s string) []byte {
	u := utf16.Encode([]rune(s))
	var d []byte
	for _, c := range u {
		d = m.bo.AppendUint16(d, c)
	}
	b := m.header(mxCHAR, "", 1, int32(len(u)))
	return m.elem(miMATRIX, append(b, m.elem(miUTF16, d)...))
}

// num writes a 1×1 double stored as miUINT8 (small) or miUINT16.
func (m matBuilder) num(v int) []byte {
	b := m.header(mxDOUBLE, "", 1, 1)
	if v < 256 {
		b = append(b, m.elem(miUINT8, []byte{byte(v)})...)
	} else {
		b = append(b, m.elem(miUINT16, m.bo.AppendUint16(nil, uint16(v)))...)
	}
	return m.elem(miMATRIX, b)
}

type matSynset struct {
	id       int
	wnid     string
	words    string
	children int
}

func (m matBuilder) file(compress bool, rows []matSynset) []byte {
	fields := []string{"ILSVRC2012_ID", "WNID", "words", "num_children"}
	const fw = 32
	var names []byte
	for _, f := range fields {
		names = append(names, append([]byte(f), make([]byte, fw-len(f))...)...)
	}
	body := m.header(mxSTRUCT, "synsets", int32(len(rows)), 1)
	body = append(body, m.elem(miINT32, m.bo.AppendUint32(nil, fw))...)
	body = append(body, m.elem(miINT8, names)...)
	for _, r := range rows {
		body = append(body, m.num(r.id)...)
		body = append(body, m.str(r.wnid)...)
		body = append(body, m.str(r.words)...)
		body = append(body, m.num(r.children)...)
	}
	v := m.elem(miMATRIX, body)
	hdr := make([]byte, 128)
	copy(hdr, "MATLAB 5.0 MAT-file, Platform: GLNXA64, Created on: test")
	for i := 56; i < 116; i++ {
		hdr[i] = ' '
	}
	m.bo.PutUint16(hdr[124:], 0x0100)
	m.bo.PutUint16(hdr[126:], 'M'<<8|'I') // reads back as "IM" or "MI"
	if !compress {
		return append(hdr, v...)
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(v)
	zw.Close()
	out := append(hdr, m.bo.AppendUint32(nil, miCOMPRESSED)...)
	out = m.bo.AppendUint32(out, uint32(z.Len()))
	return append(out, z.Bytes()...)
}

var matlabRows = []matSynset{
	{1, "n02119789", "kit fox, Vulpes macrotis", 0},
	{2, "n03000134", "chainlink fence", 0},
	{3, "n01440764", "tench, Tinca tinca", 0},
	{1001, "n02118333", "fox", 300}, // stored as miUINT16
	{4, "n02085620", "Chihuahua — ü", 0},
}

func TestReadDevkitMetaMATLABStyle(t *testing.T) {
	dir := t.TempDir()
	for _, bo := range []matByteOrder{binary.LittleEndian, binary.BigEndian} {
		for _, z := range []bool{false, true} {
			data := matBuilder{bo}.file(z, matlabRows)
			if bo == binary.BigEndian && string(data[126:128]) != "MI" || bo == binary.LittleEndian && string(data[126:128]) != "IM" {
				t.Fatalf("builder endian indicator %q", data[126:128])
			}
			p := filepath.Join(dir, "meta.mat")
			writeFile(t, p, data)
			ids, names, err := ReadDevkitMeta(p)
			if err != nil {
				t.Fatalf("%v compressed=%v: %v", bo, z, err)
			}
			if !reflect.DeepEqual(ids, smallMetaIDs) {
				t.Errorf("%v compressed=%v: ids = %v", bo, z, ids)
			}
			if names["n02085620"] != "Chihuahua — ü" {
				t.Errorf("%v compressed=%v: names = %v", bo, z, names)
			}
		}
	}
}

func TestReadDevkitMetaErrors(t *testing.T) {
	good, err := os.ReadFile(filepath.Join("testdata", "meta_small_nozip.mat"))
	if err != nil {
		t.Fatal(err)
	}
	zipped, err := os.ReadFile(filepath.Join("testdata", "meta_small.mat"))
	if err != nil {
		t.Fatal(err)
	}
	corrupt := append([]byte(nil), zipped...)
	for i := 128 + 8 + 10; i < 128+8+40; i++ {
		corrupt[i] ^= 0x5a
	}
	dupe := append([]matSynset(nil), matlabRows...)
	dupe[1].id = 1
	badWNID := append([]matSynset(nil), matlabRows...)
	badWNID[2].wnid = "tench"
	cases := map[string]struct {
		data []byte
		want string
	}{
		"truncated":            {good[:len(good)-100], "truncated"},
		"truncated compressed": {zipped[:len(zipped)-40], "truncated"},
		"corrupt compressed":   {corrupt, "zlib"},
		"short header":         {good[:100], "header"},
		"not a MAT-file":       {bytes.Repeat([]byte("x"), 200), "endian"},
		"duplicate id":         {matBuilder{binary.LittleEndian}.file(false, dupe), "ILSVRC2012_ID 1 given twice"},
		"bad wnid":             {matBuilder{binary.LittleEndian}.file(true, badWNID), `"tench", not a wnid`},
	}
	dir := t.TempDir()
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".mat")
			writeFile(t, p, c.data)
			_, _, err := ReadDevkitMeta(p)
			if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v; want one naming %s and saying %q", err, p, c.want)
			}
		})
	}
	t.Run("missing synsets", func(t *testing.T) {
		m := matBuilder{binary.LittleEndian}
		data := m.file(false, matlabRows)
		i := bytes.Index(data, []byte("synsets"))
		copy(data[i:], "synsetz")
		p := filepath.Join(dir, "nosyn.mat")
		writeFile(t, p, data)
		if _, _, err := ReadDevkitMeta(p); err == nil || !strings.Contains(err.Error(), "no variable `synsets`") {
			t.Fatalf("err = %v", err)
		}
	})
}

// TestOpenDevkitMetaMat: the official devkit layout with only meta.mat (no
// text mapping) labels each val file by the sorted-wnid class index.
func TestOpenDevkitMetaMat(t *testing.T) {
	meta, err := os.ReadFile(filepath.Join("testdata", "meta_small.mat"))
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	img := jpegBytes(t, solid(4, 4, color.RGBA{9, 9, 9, 255}))
	// sorted: n01440764=0 (id 3), n02085620=1 (id 4), n02119789=2 (id 1), n03000134=3 (id 2)
	for _, w := range []string{"n03000134", "n02119789", "n01440764", "n02085620"} {
		writeFile(t, filepath.Join(root, "train", w, w+"_1.JPEG"), img)
	}
	truth := []int{1, 2, 3, 4, 2}
	var gt strings.Builder
	for i, id := range truth {
		fmt.Fprintf(&gt, "%d\n", id)
		writeFile(t, filepath.Join(root, "val", fmt.Sprintf("ILSVRC2012_val_%08d.JPEG", i+1)), img)
	}
	data := filepath.Join(root, "ILSVRC2012_devkit_t12", "data")
	writeFile(t, filepath.Join(data, groundTruthName), []byte(gt.String()))
	writeFile(t, filepath.Join(data, "meta.mat"), meta)
	want := map[string]int{
		"train/n01440764/n01440764_1.JPEG": 0,
		"train/n02085620/n02085620_1.JPEG": 1,
		"train/n02119789/n02119789_1.JPEG": 2,
		"train/n03000134/n03000134_1.JPEG": 3,
		"val/ILSVRC2012_val_00000001.JPEG": 2, // id 1 n02119789
		"val/ILSVRC2012_val_00000002.JPEG": 3, // id 2 n03000134
		"val/ILSVRC2012_val_00000003.JPEG": 0, // id 3 n01440764
		"val/ILSVRC2012_val_00000004.JPEG": 1, // id 4 n02085620
		"val/ILSVRC2012_val_00000005.JPEG": 3, // id 2
	}
	for _, cached := range []bool{false, true, true} { // no cache, write it, read it
		d, err := Open(root, Options{NoCache: !cached})
		if err != nil {
			t.Fatal(err)
		}
		if d.Layout != "devkit" || len(d.Classes) != 4 || d.Classes[2].WNID != "n02119789" || d.Classes[2].Name != "kit fox, Vulpes macrotis" {
			t.Fatalf("layout %q classes %v", d.Layout, d.Classes)
		}
		checkLabels(t, d, want)
	}

	t.Run("truncated meta.mat", func(t *testing.T) {
		p := filepath.Join(data, "meta.mat")
		writeFile(t, p, meta[:len(meta)/2])
		_, err := Open(root, Options{NoCache: true})
		if err == nil || !strings.Contains(err.Error(), p) {
			t.Fatalf("err = %v; want one naming %s", err, p)
		}
	})
	t.Run("explicit DevkitMapping meta.mat", func(t *testing.T) {
		os.Remove(filepath.Join(data, "meta.mat"))
		opts := Options{NoCache: true, DevkitMapping: filepath.Join(t.TempDir(), "my_meta.MAT")}
		writeFile(t, opts.DevkitMapping, meta)
		d, err := Open(root, opts)
		if err != nil {
			t.Fatal(err)
		}
		checkLabels(t, d, want)
	})
}

// TestReadMATDamaged: every truncation and a sweep of byte flips give an error
// (or, for harmless flips, a result) and never a panic.
func TestReadMATDamaged(t *testing.T) {
	var files [][]byte
	for _, f := range []string{"meta_small.mat", "meta_small_nozip.mat"} {
		b, err := os.ReadFile(filepath.Join("testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, b)
	}
	files = append(files, matBuilder{binary.BigEndian}.file(false, matlabRows))
	for _, b := range files {
		for n := 0; n < len(b); n++ {
			if _, err := parseMAT("x.mat", b[:n]); err != nil && !strings.Contains(err.Error(), "x.mat") {
				t.Fatalf("error without the file name: %v", err)
			}
		}
		for i := 128; i < len(b); i++ {
			for _, x := range []byte{0x01, 0x80, 0xff} {
				c := append([]byte(nil), b...)
				c[i] ^= x
				parseMAT("x.mat", c) // must not panic
			}
		}
	}
}
