package imagenet

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func TestShippedTables(t *testing.T) {
	names, wnids := standardNames()
	if len(names) != 1000 || len(wnids) != 1000 {
		t.Fatalf("got %d names, %d wnids; want 1000", len(names), len(wnids))
	}
	if !sort.StringsAreSorted(wnids) {
		t.Fatal("LOC_synset_mapping wnids not sorted")
	}
	for _, c := range []struct {
		i          int
		wnid, name string
	}{
		{0, "n01440764", "tench, Tinca tinca"},
		{1, "n01443537", "goldfish, Carassius auratus"},
		{134, "n02012849", "crane"}, // the bird; duplicate names kept as in the original
		{517, "n03126707", "crane"}, // the machine
		{638, "n03710637", "maillot"},
		{639, "n03710721", "maillot, tank suit"},
		{999, "n15075141", "toilet tissue, toilet paper, bathroom tissue"},
	} {
		if wnids[c.i] != c.wnid || names[c.wnid] != c.name {
			t.Errorf("class %d = %s %q; want %s %q", c.i, wnids[c.i], names[wnids[c.i]], c.wnid, c.name)
		}
	}
	if len(locSynsetMapping) != 31675 {
		t.Errorf("embedded table is %d bytes, want 31675 (see tables.go provenance)", len(locSynsetMapping))
	}
}

func TestReadDevkitMapping(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, text string
		want       map[int]string
		wantErr    string
	}{
		{"wnid per line", "n02119789\nn02100735\n\nn02110185\n", map[int]string{1: "n02119789", 2: "n02100735", 3: "n02110185"}, ""},
		{"id wnid", "3 n02110185\n1 n02119789\n2 n02100735\n", map[int]string{1: "n02119789", 2: "n02100735", 3: "n02110185"}, ""},
		{"map_clsloc", "n02119789 1 kit_fox\nn02100735 2 English_setter\n", map[int]string{1: "n02119789", 2: "n02100735"}, ""},
		{"csv", "1,n02119789\n2,n02100735\n", map[int]string{1: "n02119789", 2: "n02100735"}, ""},
		{"dup id", "1 n02119789\n1 n02100735\n", nil, "given twice"},
		{"dup wnid", "n02119789\nn02119789\n", nil, "already on line"},
		{"no wnid", "1 kitfox\n", nil, "no wnid"},
		{"empty", "\n", nil, "empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_"))
			if err := os.WriteFile(p, []byte(c.text), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := readDevkitMapping(p)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v; want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(c.want) {
				t.Fatalf("got %v; want %v", got, c.want)
			}
			for k, v := range c.want {
				if got[k] != v {
					t.Errorf("id %d → %s; want %s", k, got[k], v)
				}
			}
		})
	}
}
