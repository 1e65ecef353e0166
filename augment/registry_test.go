package augment

import (
	"bytes"
	"image"
	"strings"
	"testing"
)

func TestParseOps(t *testing.T) {
	src := randomNRGBA(9, 7, 21)
	op, err := ParseOps("invert | posterize(3) |flip_lr|solarize_add(40)")
	if err != nil {
		t.Fatal(err)
	}
	got := cloneNRGBA(src)
	op(got, newRNG(1))
	want := cloneNRGBA(src)
	Invert(want)
	Posterize(want, 3)
	flipLR(want)
	SolarizeAdd(want, 40, 128)
	if !bytes.Equal(got.Pix, want.Pix) {
		t.Fatal("pipeline differs from the ops called directly")
	}
	// flip_lr twice is the identity.
	op, _ = ParseOps("flip_lr|flip_lr")
	got = cloneNRGBA(src)
	op(got, nil)
	if !bytes.Equal(got.Pix, src.Pix) {
		t.Fatal("flip_lr twice changed the image")
	}
	// randaug is deterministic given the rng.
	op, err = ParseOps("randaug(rand-m9-mstd0.5-inc1)")
	if err != nil {
		t.Fatal(err)
	}
	a, b := cloneNRGBA(src), cloneNRGBA(src)
	op(a, newRNG(7))
	op(b, newRNG(7))
	if !bytes.Equal(a.Pix, b.Pix) {
		t.Fatal("randaug op not deterministic")
	}
	for spec, word := range map[string]string{
		"invert|blur(3)":       "blur",
		"rotate(abc)":          "abc",
		"posterize":            "want 1 argument",
		"invert(1)":            "no arguments",
		"rotate(3":             "missing ')'",
		"randaug(rand-m9-q1)":  "q1",
		"equalize||autocontra": `""`,
	} {
		if _, err := ParseOps(spec); err == nil || !strings.Contains(err.Error(), word) {
			t.Errorf("%q: err %v does not mention %s", spec, err, word)
		}
	}
	if n := len(RegisteredOps()); n < 17 {
		t.Errorf("%d ops registered", n)
	}
	RegisterOp("noop_test", noArgs(func(*image.NRGBA) {}))
	if _, err := ParseOps("noop_test"); err != nil {
		t.Error(err)
	}
}
