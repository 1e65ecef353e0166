package run

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tfvision/tfvision/imagenet"
	"github.com/tfvision/tfvision/label"
)

// CheckClasses compares a dataset's classes with those a checkpoint was trained on (label
// index by label index): a model scored against renamed or reordered classes reports a
// meaningless accuracy. Checkpoints that saved no classes pass.
func CheckClasses(data []label.Class, saved []label.Class, dataDir, ckpt string) error {
	if len(saved) == 0 {
		return nil
	}
	if len(data) != len(saved) {
		return fmt.Errorf("%s has %d classes, checkpoint %s was trained on %d: wrong dataset for this checkpoint?", dataDir, len(data), ckpt, len(saved))
	}
	var diffs []string
	for i, d := range data {
		s := saved[i]
		if d.WNID != s.WNID || d.Name != s.Name {
			diffs = append(diffs, fmt.Sprintf("label %d: the data has %s, the checkpoint %s", i, className(d.WNID, d.Name), className(s.WNID, s.Name)))
		}
	}
	if len(diffs) == 0 {
		return nil
	}
	const show = 10
	more := ""
	if len(diffs) > show {
		more = fmt.Sprintf("\n  … and %d more", len(diffs)-show)
		diffs = diffs[:show]
	}
	return fmt.Errorf("the classes of %s differ from those checkpoint %s was trained on (%d of %d):\n  %s%s\n  hint: evaluate on data with the training run's class folders (names and order)",
		dataDir, ckpt, len(diffs), len(data), strings.Join(diffs, "\n  "), more)
}

// V2Mapped reports whether data is an ImageNet-V2 tree (class folders named by class index,
// 0..N-1 in numeric order, see imagenet.V2Order) evaluated with a checkpoint trained on other
// class names (wnid folders): folder i then stands for the checkpoint's class i. A checkpoint
// trained on numbered folders itself is not mapped (CheckClasses compares it name by name),
// nor one that saved no classes.
func V2Mapped(data []label.Class, saved []label.Class) bool {
	if len(saved) == 0 || len(data) != len(saved) {
		return false
	}
	for i, d := range data {
		if d.WNID != strconv.Itoa(i) {
			return false
		}
	}
	names := make([]string, len(saved))
	for i, s := range saved {
		names[i] = s.WNID
	}
	_, numbered := imagenet.V2Order(names)
	return !numbered
}

func className(wnid, name string) string {
	if wnid == "" || wnid == name {
		return fmt.Sprintf("%q", name)
	}
	return fmt.Sprintf("%q (%s)", name, wnid)
}
