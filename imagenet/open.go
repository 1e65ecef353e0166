package imagenet

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/tfvision/tfvision/label"
)

// Open lists the dataset under root, detecting its layout (see the package
// documentation), and returns its classes and splits. The listing is cached
// (see cache.go) unless opts.NoCache.
func Open(root string, opts Options) (*Dataset, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	if !isDir(abs) {
		return nil, fmt.Errorf("imagenet: %s is not a directory", root)
	}
	if isShardDir(abs) { // packed shards: index.json is the listing, no cache needed
		return openShards(abs)
	}
	if !opts.NoCache {
		if d := loadCache(abs, opts); d != nil {
			return d, nil
		}
	}
	w := newWatch(abs)
	d, err := scan(abs, opts, w)
	if err != nil {
		return nil, err
	}
	if !opts.NoCache {
		// A cache that cannot be written only costs time on the next Open.
		_ = saveCache(abs, opts, d, w)
	}
	return d, nil
}

// scan lists root without the cache.
func scan(root string, opts Options, w *watch) (*Dataset, error) {
	if kag := filepath.Join(root, "ILSVRC", "Data", "CLS-LOC"); isDir(kag) {
		return scanKaggle(root, kag, opts, w)
	}
	train, val := filepath.Join(root, "train"), filepath.Join(root, "val")
	hasTrain, hasVal := isDir(train), isDir(val)
	if !hasTrain && !hasVal {
		return nil, &LayoutError{Path: root, Msg: "no train/ or val/ folder and no ILSVRC/Data/CLS-LOC: not an ImageNet-style tree"}
	}
	if hasVal && !hasSubdirs(val) && hasImages(val) {
		return scanDevkit(root, opts, w)
	}
	d := &Dataset{Root: root, Layout: "folders"}
	classSrc := train
	if !hasTrain {
		classSrc = val
	}
	var rep SkipReport // class-level litter is reported again by listFolderSplit
	wnids, err := classDirs(classSrc, &rep, w)
	if err != nil {
		return nil, err
	}
	if len(wnids) == 0 {
		return nil, &LayoutError{Path: classSrc, Msg: "no class folders"}
	}
	var idx map[string]int
	if numeric, ok := V2Order(wnids); ok {
		// ImageNet-V2 (and any tree of folders 0..N-1): the folder name is the class
		// index, so order the classes by number, not as text ("10" after "9").
		d.Layout = "numbered"
		idx = d.setClassesOrdered(numeric, nil)
	} else {
		idx = d.setClasses(wnids, nil)
	}
	if hasTrain {
		if d.Train, err = listFolderSplit("train", train, idx, w); err != nil {
			return nil, err
		}
	}
	if hasVal {
		if d.Val, err = listFolderSplit("val", val, idx, w); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// setClasses fills d.Classes from sorted wnids, naming them from names, then
// the shipped ImageNet table, then the folder name. It returns wnid → index.
func (d *Dataset) setClasses(wnids []string, names map[string]string) map[string]int {
	wnids = append([]string(nil), wnids...)
	sort.Strings(wnids)
	return d.setClassesOrdered(wnids, names)
}

// setClassesOrdered is setClasses with wnids already in label order.
func (d *Dataset) setClassesOrdered(wnids []string, names map[string]string) map[string]int {
	std, _ := standardNames()
	idx := make(map[string]int, len(wnids))
	d.Classes = make([]label.Class, len(wnids))
	for i, w := range wnids {
		name := names[w]
		if name == "" {
			name = std[w]
		}
		if name == "" {
			name = w
		}
		d.Classes[i] = label.Class{Index: i, WNID: w, Name: name}
		idx[w] = i
	}
	return idx
}

// V2Order reports whether the class folder names are those of an ImageNet-V2 tree: every
// name a canonical decimal integer (digits only, no sign, no leading zero except "0" itself)
// and together exactly 0..N-1. It returns them in numeric order, so that label i is the
// folder named i. Fewer than two folders never count (nothing to order).
func V2Order(names []string) ([]string, bool) {
	if len(names) < 2 {
		return nil, false
	}
	out := make([]string, len(names))
	for _, s := range names {
		if s == "" || len(s) > 9 || (len(s) > 1 && s[0] == '0') {
			return nil, false
		}
		for _, r := range s {
			if r < '0' || r > '9' {
				return nil, false
			}
		}
		n, _ := strconv.Atoi(s)
		if n >= len(names) || out[n] != "" {
			return nil, false
		}
		out[n] = s
	}
	return out, true
}

// listFlatSplit lists the image files directly in dir, labelled by label(stem);
// files without a label are counted as ignored.
func listFlatSplit(name, dir, labelFile string, label func(stem string) (int, bool), w *watch) (*Split, error) {
	sp := &Split{Name: name}
	files, err := imageFiles(dir, &sp.Ignored, w)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		l, ok := label(strings.TrimSuffix(f, filepath.Ext(f)))
		if !ok {
			sp.Ignored.add(filepath.Join(dir, f), "no label in "+labelFile)
			continue
		}
		sp.Samples = append(sp.Samples, Sample{Path: filepath.Join(dir, f), Label: l})
	}
	return sp, nil
}

// findFirst returns the first existing regular file among the glob patterns.
func findFirst(patterns ...string) string {
	for _, p := range patterns {
		m, _ := filepath.Glob(p)
		sort.Strings(m)
		for _, f := range m {
			if isFile(f) {
				return f
			}
		}
	}
	return ""
}

const groundTruthName = "ILSVRC2012_validation_ground_truth.txt"

// scanDevkit handles root/val/ILSVRC2012_val_*.JPEG + the devkit ground truth.
func scanDevkit(root string, opts Options, w *watch) (*Dataset, error) {
	gt := findFirst(
		filepath.Join(root, groundTruthName),
		filepath.Join(root, "*", "data", groundTruthName),
		filepath.Join(root, "*", groundTruthName),
		filepath.Join(root, "*", "*", "data", groundTruthName),
	)
	if gt == "" {
		return nil, &LayoutError{Path: filepath.Join(root, "val"), Msg: "flat val folder (no class folders) but no " + groundTruthName + " in root or root/*/data: cannot label it"}
	}
	mapPath := opts.DevkitMapping
	if mapPath == "" {
		mapPath = findFirst(filepath.Join(filepath.Dir(gt), "map_clsloc.txt"), filepath.Join(root, "map_clsloc.txt"),
			filepath.Join(filepath.Dir(gt), "meta.mat"))
	}
	if mapPath == "" {
		return nil, &LayoutError{Path: gt, Msg: "the ground truth holds ILSVRC2012_IDs in the devkit's meta.mat order, not sorted-wnid order, " +
			"and tfvision ships no verified copy of that table: put the devkit's meta.mat next to the ground truth, or " +
			"pass Options.DevkitMapping (--devkit-mapping FILE) with a meta.mat, lines `id wnid`, " +
			"`wnid id name` (the ILSVRC2015 devkit's map_clsloc.txt) or one wnid per line in id order"}
	}
	w.see(mapPath)
	var ids map[int]string
	var names map[string]string // from meta.mat's words; nil: the shipped names
	var err error
	if strings.EqualFold(filepath.Ext(mapPath), ".mat") {
		ids, names, err = ReadDevkitMeta(mapPath)
	} else {
		ids, err = readDevkitMapping(mapPath)
	}
	if err != nil {
		return nil, err
	}
	w.see(gt)
	truth, err := readGroundTruth(gt)
	if err != nil {
		return nil, err
	}
	d := &Dataset{Root: root, Layout: "devkit"}
	train := filepath.Join(root, "train")
	wnids := sortedValues(ids)
	if isDir(train) {
		var rep SkipReport
		if wnids, err = classDirs(train, &rep, w); err != nil {
			return nil, err
		}
	}
	idx := d.setClasses(wnids, names)
	// Resolve every id once, so a mapping/class mismatch is an error at Open
	// rather than a silent wrong label later.
	labels := make([]int, len(truth))
	for i, id := range truth {
		wnid, ok := ids[id]
		if !ok {
			return nil, fmt.Errorf("imagenet: %s line %d: ILSVRC2012_ID %d is not in the devkit mapping %s", gt, i+1, id, mapPath)
		}
		l, ok := idx[wnid]
		if !ok {
			return nil, fmt.Errorf("imagenet: %s line %d: id %d → %s, which is not a class folder of %s", gt, i+1, id, wnid, train)
		}
		labels[i] = l
	}
	if isDir(train) {
		if d.Train, err = listFolderSplit("train", train, idx, w); err != nil {
			return nil, err
		}
	}
	d.Val, err = listFlatSplit("val", filepath.Join(root, "val"), filepath.Base(gt), func(stem string) (int, bool) {
		// ILSVRC2012_val_00000001 is line 1 of the ground truth.
		num, ok := strings.CutPrefix(stem, "ILSVRC2012_val_")
		n, err := strconv.Atoi(num)
		if !ok || err != nil || n < 1 || n > len(labels) {
			return 0, false
		}
		return labels[n-1], true
	}, w)
	return d, err
}

// readGroundTruth reads one ILSVRC2012_ID per line.
func readGroundTruth(path string) ([]int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []int
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("imagenet: %s line %d: want an ILSVRC2012_ID ≥ 1, got %q", path, line, s)
		}
		out = append(out, n)
	}
	return out, sc.Err()
}

// scanKaggle handles root/ILSVRC/Data/CLS-LOC/{train,val} + LOC_*.
func scanKaggle(root, kag string, opts Options, w *watch) (*Dataset, error) {
	d := &Dataset{Root: root, Layout: "kaggle"}
	train, val := filepath.Join(kag, "train"), filepath.Join(kag, "val")
	var names map[string]string
	var wnids []string
	if p := findFirst(filepath.Join(root, "LOC_synset_mapping.txt")); p != "" {
		w.see(p)
		f, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		names, wnids, err = parseSynsetMapping(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("imagenet: %s: %w", p, err)
		}
	}
	solution := findFirst(filepath.Join(root, "LOC_val_solution.csv"))
	var valLabels map[string]string
	if isDir(val) && !hasSubdirs(val) {
		if solution == "" {
			return nil, &LayoutError{Path: val, Msg: "flat Kaggle val folder but no LOC_val_solution.csv in " + root}
		}
		w.see(solution)
		var err error
		if valLabels, err = readValSolution(solution); err != nil {
			return nil, err
		}
	}
	if wnids == nil {
		switch {
		case isDir(train):
			var rep SkipReport
			var err error
			if wnids, err = classDirs(train, &rep, w); err != nil {
				return nil, err
			}
		case valLabels != nil:
			set := map[string]bool{}
			for _, v := range valLabels {
				if !set[v] {
					set[v] = true
					wnids = append(wnids, v)
				}
			}
		case isDir(val):
			var rep SkipReport
			var err error
			if wnids, err = classDirs(val, &rep, w); err != nil {
				return nil, err
			}
		}
	}
	if len(wnids) == 0 {
		return nil, &LayoutError{Path: kag, Msg: "no classes found (no LOC_synset_mapping.txt, train folders or val labels)"}
	}
	idx := d.setClasses(wnids, names)
	var err error
	if isDir(train) {
		if d.Train, err = listFolderSplit("train", train, idx, w); err != nil {
			return nil, err
		}
	}
	switch {
	case valLabels != nil:
		for id, wnid := range valLabels {
			if _, ok := idx[wnid]; !ok {
				return nil, fmt.Errorf("imagenet: %s: %s is labelled %s, which is not one of the %d classes", solution, id, wnid, len(idx))
			}
		}
		d.Val, err = listFlatSplit("val", val, filepath.Base(solution), func(stem string) (int, bool) {
			wnid, ok := valLabels[stem]
			return idx[wnid], ok
		}, w)
	case isDir(val):
		d.Val, err = listFolderSplit("val", val, idx, w)
	}
	return d, err
}

// readValSolution reads LOC_val_solution.csv: ImageId,PredictionString where
// the first token of PredictionString is the wnid (the rest are boxes).
func readValSolution(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	out := map[string]string{}
	for line := 1; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("imagenet: %s: %w", path, err)
		}
		if line == 1 && len(rec) > 0 && rec[0] == "ImageId" {
			continue
		}
		if len(rec) < 2 {
			return nil, fmt.Errorf("imagenet: %s line %d: want ImageId,PredictionString", path, line)
		}
		fields := strings.Fields(rec[1])
		if len(fields) == 0 || !wnidRE.MatchString(fields[0]) {
			return nil, fmt.Errorf("imagenet: %s line %d: PredictionString %q does not start with a wnid", path, line, rec[1])
		}
		out[strings.TrimSpace(rec[0])] = fields[0]
	}
	return out, nil
}
