package imagenet

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// imageExts are the extensions listed as images. Anything else is counted as
// ignored rather than decoded, so a README or a .txt in a class folder does
// not turn into a failed sample every epoch. The real format is sniffed at
// decode time, so a PNG named .JPEG still works.
var imageExts = map[string]bool{".jpeg": true, ".jpg": true, ".png": true, ".gif": true}

// skipReason says why a directory entry is not a sample, or "" if it is one.
func skipReason(name string, isDir bool) string {
	switch {
	case name == ".DS_Store" || strings.EqualFold(name, "Thumbs.db") || strings.EqualFold(name, "desktop.ini"):
		return "OS litter"
	case strings.HasPrefix(name, "._"):
		return "macOS resource fork"
	case strings.HasPrefix(name, "."):
		return "hidden"
	case isDir:
		return "unexpected directory"
	case !imageExts[strings.ToLower(filepath.Ext(name))]:
		return "not an image extension"
	}
	return ""
}

// classDirs returns the sorted names of the class folders under dir, counting
// stray files and hidden folders in rep.
func classDirs(dir string, rep *SkipReport, w *watch) ([]string, error) {
	w.see(dir)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		isDir := e.IsDir() || isDirLink(dir, e)
		if !isDir || strings.HasPrefix(e.Name(), ".") {
			rep.add(filepath.Join(dir, e.Name()), orDefault(skipReason(e.Name(), isDir), "file outside a class folder"))
			continue
		}
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out, nil
}

// isDirLink reports whether e is a symlink to a directory (datasets are often
// assembled from symlinked class folders).
func isDirLink(dir string, e os.DirEntry) bool {
	if e.Type()&os.ModeSymlink == 0 {
		return false
	}
	fi, err := os.Stat(filepath.Join(dir, e.Name()))
	return err == nil && fi.IsDir()
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// imageFiles returns the sorted image file names in dir, counting the rest.
func imageFiles(dir string, rep *SkipReport, w *watch) ([]string, error) {
	w.see(dir)
	ents, err := os.ReadDir(dir) // sorted by name
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(ents))
	for _, e := range ents {
		isDir := e.IsDir() || isDirLink(dir, e)
		if r := skipReason(e.Name(), isDir); r != "" {
			rep.add(filepath.Join(dir, e.Name()), r)
			continue
		}
		out = append(out, e.Name())
	}
	return out, nil
}

// hasSubdirs reports whether dir holds at least one non-hidden directory,
// which tells a class-folder split from a flat one.
func hasSubdirs(dir string) bool {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), ".") && (e.IsDir() || isDirLink(dir, e)) {
			return true
		}
	}
	return false
}

// hasImages reports whether dir directly holds a file listed as an image.
func hasImages(dir string) bool {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range ents {
		if !e.IsDir() && skipReason(e.Name(), false) == "" {
			return true
		}
	}
	return false
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// listFolderSplit lists dir/<class>/<file> with labels from classIndex. A
// folder whose name is not a known class is an error: it would otherwise get
// a label the model was never told about.
func listFolderSplit(name, dir string, classIndex map[string]int, w *watch) (*Split, error) {
	sp := &Split{Name: name}
	classes, err := classDirs(dir, &sp.Ignored, w)
	if err != nil {
		return nil, err
	}
	for _, c := range classes {
		label, ok := classIndex[c]
		if !ok {
			return nil, &LayoutError{Path: filepath.Join(dir, c), Msg: "class folder not among the dataset's classes (train folders or synset mapping)"}
		}
		files, err := imageFiles(filepath.Join(dir, c), &sp.Ignored, w)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			sp.Samples = append(sp.Samples, Sample{Path: filepath.Join(dir, c, f), Label: label})
		}
	}
	return sp, nil
}

// LayoutError reports a dataset tree that Open cannot label safely.
type LayoutError struct {
	Path string
	Msg  string
}

func (e *LayoutError) Error() string { return "imagenet: " + e.Path + ": " + e.Msg }
