package imagenet

import (
	"bufio"
	_ "embed"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// locSynsetMapping is the ImageNet-1k LOC_synset_mapping.txt (Kaggle's
// "imagenet-object-localization-challenge"): 1000 lines "wnid name, name…",
// sorted by wnid, first line "n01440764 tench, Tinca tinca".
//
// Provenance: transcribed from public copies of LOC_synset_mapping.txt in
// GitHub repositories (JasmineLi-805/res18 and PRIYE/Resnet50_ImageNet1k).
// The first copy had renamed the duplicate names (crane_bird, maillot_1/2);
// those three lines follow the second copy, which keeps the original names.
// Check: the result is exactly 31,675 bytes, the second copy is 33,675 bytes
// with a " : " separator (2 extra bytes on each of its 1000 lines), and the
// first is 31,684 bytes (+9 bytes for its three renames). TestShippedTables
// checks count, uniqueness, order and a few known entries.
//
// The devkit's id→wnid order (meta.mat, ILSVRC2012_ID 1 = n02119789 kit fox)
// is NOT shipped: no complete copy of it could be verified against a second
// source, and a wrong table would silently mislabel the whole validation set.
// Instead the devkit layout reads the table from the devkit itself: its
// data/meta.mat (ReadDevkitMeta), a map_clsloc.txt next to the ground truth,
// or Options.DevkitMapping.
//
//go:embed tables/LOC_synset_mapping.txt
var locSynsetMapping string

var (
	stdNamesOnce sync.Once
	stdNames     map[string]string
	stdWNIDs     []string
)

// standardNames returns the shipped wnid → human-readable name table and the
// sorted list of the 1000 ImageNet-1k wnids.
func standardNames() (map[string]string, []string) {
	stdNamesOnce.Do(func() {
		m, order, err := parseSynsetMapping(strings.NewReader(locSynsetMapping))
		if err != nil || len(m) != 1000 {
			// The embedded file is checked by TestShippedTables; reaching this
			// means the binary was built from a corrupted tree.
			panic(fmt.Sprintf("imagenet: embedded LOC_synset_mapping.txt is broken: %d entries, %v", len(m), err))
		}
		stdNames, stdWNIDs = m, order
	})
	return stdNames, stdWNIDs
}

// StandardWNIDs returns the 1000 ImageNet-1k wnids in sorted order (class
// index order).
func StandardWNIDs() []string {
	_, w := standardNames()
	return append([]string(nil), w...)
}

// parseSynsetMapping reads "wnid name, name…" lines (LOC_synset_mapping.txt,
// caffe's synset_words.txt) into a wnid→name map and the wnids in file order.
func parseSynsetMapping(r io.Reader) (map[string]string, []string, error) {
	m := map[string]string{}
	var order []string
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" {
			continue
		}
		wnid, name, _ := strings.Cut(s, " ")
		name = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
		if !wnidRE.MatchString(wnid) {
			return nil, nil, fmt.Errorf("line %d: %q does not start with a wnid", line, s)
		}
		if _, dup := m[wnid]; dup {
			return nil, nil, fmt.Errorf("line %d: duplicate wnid %s", line, wnid)
		}
		m[wnid] = name
		order = append(order, wnid)
	}
	return m, order, sc.Err()
}

var wnidRE = regexp.MustCompile(`^n[0-9]{8}$`)

// readDevkitMapping reads an ILSVRC2012_ID → wnid table. Accepted line forms:
//
//	n02119789                 one wnid per line, id = line number (1-based)
//	1 n02119789               "id wnid"
//	n02119789 1 kit_fox       "wnid id name" (the ILSVRC2015 devkit's map_clsloc.txt)
//
// Commas are treated like spaces. Ids and wnids must be unique.
func readDevkitMapping(path string) (map[int]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("imagenet: devkit mapping: %w", err)
	}
	defer f.Close()
	ids := map[int]string{}
	seen := map[string]int{}
	sc := bufio.NewScanner(f)
	line, next := 0, 1
	for sc.Scan() {
		line++
		fields := strings.Fields(strings.ReplaceAll(sc.Text(), ",", " "))
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		wnid, id := "", -1
		for _, f := range fields[:min(len(fields), 2)] {
			if wnidRE.MatchString(f) && wnid == "" {
				wnid = f
			} else if n, err := strconv.Atoi(f); err == nil && id < 0 {
				id = n
			}
		}
		if wnid == "" {
			return nil, fmt.Errorf("imagenet: devkit mapping %s line %d: no wnid (want `id wnid`, `wnid id …` or `wnid`): %q", path, line, sc.Text())
		}
		if id < 0 {
			id = next
		}
		next = id + 1
		if id < 1 {
			return nil, fmt.Errorf("imagenet: devkit mapping %s line %d: id %d < 1", path, line, id)
		}
		if w, dup := ids[id]; dup {
			return nil, fmt.Errorf("imagenet: devkit mapping %s line %d: id %d given twice (%s, %s)", path, line, id, w, wnid)
		}
		if l, dup := seen[wnid]; dup {
			return nil, fmt.Errorf("imagenet: devkit mapping %s line %d: wnid %s already on line %d", path, line, wnid, l)
		}
		ids[id], seen[wnid] = wnid, line
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("imagenet: devkit mapping %s: %w", path, err)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("imagenet: devkit mapping %s is empty", path)
	}
	return ids, nil
}

// sortedValues returns the distinct values of m, sorted.
func sortedValues(m map[int]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}
