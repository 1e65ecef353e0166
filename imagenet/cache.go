package imagenet

import (
	"io"
	"slices"

	"bufio"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/tfvision/tfvision/internal/atomicfile"
	"github.com/tfvision/tfvision/label"
)

// The listing cache. Listing 1.28M files costs minutes on network or cold
// disks, while stat-ing the ~1000 class folders costs milliseconds, so Open
// stores the listing together with the mtime of every directory (and label
// file) it read. Adding, removing or renaming a file changes its directory's
// mtime, so a changed stamp means "rescan". The root itself is stamped by the
// names it holds rather than its mtime, because writing the cache file into
// root changes root's mtime.
//
// Filesystems with coarse timestamps could hide a change made in the same
// second as the scan; like git's "racily clean" rule, a stamp that is not
// clearly older than the scan (racyWindow) makes the cache untrusted.

const (
	cacheName    = ".tfvision-index"
	cacheVersion = 2 // 2: folders 0..N-1 ordered by number (ImageNet-V2)
	racyWindow   = 2 * time.Second
)

type stamp struct {
	Path  string
	ModNs int64 // -1: did not exist
	Size  int64
}

// watch records the stamps of what a scan read, taken before reading it.
type watch struct {
	root      string
	start     time.Time
	rootNames []string
	stamps    []stamp
}

func newWatch(root string) *watch {
	return &watch{root: root, start: time.Now(), rootNames: rootNames(root)}
}

// see stamps p; nil-safe so listing helpers work without a cache.
func (w *watch) see(p string) {
	if w != nil {
		w.stamps = append(w.stamps, stampOf(p))
	}
}

func stampOf(p string) stamp {
	fi, err := os.Stat(p)
	if err != nil {
		return stamp{Path: p, ModNs: -1}
	}
	s := stamp{Path: p, ModNs: fi.ModTime().UnixNano()}
	if !fi.IsDir() {
		s.Size = fi.Size()
	}
	return s
}

// rootNames lists root's entries except our own cache files.
func rootNames(root string) []string {
	ents, err := os.ReadDir(root)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), cacheName) {
			out = append(out, e.Name())
		}
	}
	return out
}

type cachedSplit struct {
	Name    string
	Dirs    []string // relative to root
	DirIdx  []int32
	Files   []string
	Labels  []int32
	Ignored SkipReport
}

type cacheFile struct {
	Version       int
	Root          string
	DevkitMapping string
	ScanNs        int64
	RootNames     []string
	Stamps        []stamp
	Layout        string
	Classes       []label.Class
	Splits        []cachedSplit
}

// cachePaths returns where the cache for root may live, in lookup order.
func cachePaths(root string, opts Options) []string {
	sum := sha256.Sum256([]byte(root))
	key := hex.EncodeToString(sum[:8]) + ".gob"
	if opts.CacheDir != "" {
		return []string{filepath.Join(opts.CacheDir, key)}
	}
	out := []string{filepath.Join(root, cacheName)}
	if d, err := os.UserCacheDir(); err == nil {
		out = append(out, filepath.Join(d, "tfvision", key))
	}
	return out
}

// loadCache returns the cached dataset if a valid cache exists, else nil.
func loadCache(root string, opts Options) *Dataset {
	for _, p := range cachePaths(root, opts) {
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		var c cacheFile
		err = gob.NewDecoder(bufio.NewReader(f)).Decode(&c)
		f.Close()
		if err != nil || !c.valid(root, opts) {
			continue
		}
		return c.dataset()
	}
	return nil
}

func (c *cacheFile) valid(root string, opts Options) bool {
	if c.Version != cacheVersion || c.Root != root || c.DevkitMapping != opts.DevkitMapping {
		return false
	}
	if !slices.Equal(c.RootNames, rootNames(root)) {
		return false
	}
	racy := c.ScanNs - racyWindow.Nanoseconds()
	for _, s := range c.Stamps {
		if s.ModNs >= racy || stampOf(s.Path) != s {
			return false
		}
	}
	return true
}

func (c *cacheFile) dataset() *Dataset {
	d := &Dataset{Root: c.Root, Layout: c.Layout, Classes: c.Classes}
	for _, cs := range c.Splits {
		sp := &Split{Name: cs.Name, Ignored: cs.Ignored, Samples: make([]Sample, len(cs.Files))}
		dirs := make([]string, len(cs.Dirs))
		for i, dd := range cs.Dirs {
			dirs[i] = filepath.Join(c.Root, dd)
		}
		for i := range cs.Files {
			sp.Samples[i] = Sample{Path: filepath.Join(dirs[cs.DirIdx[i]], cs.Files[i]), Label: int(cs.Labels[i])}
		}
		switch cs.Name {
		case "train":
			d.Train = sp
		case "val":
			d.Val = sp
		}
	}
	return d
}

// saveCache writes the listing to the first writable cache location,
// atomically (temp file + rename) so a crash never leaves a torn cache.
func saveCache(root string, opts Options, d *Dataset, w *watch) error {
	c := cacheFile{Version: cacheVersion, Root: root, DevkitMapping: opts.DevkitMapping, ScanNs: w.start.UnixNano(),
		RootNames: w.rootNames, Stamps: dedupStamps(w.stamps), Layout: d.Layout, Classes: d.Classes}
	for _, sp := range []*Split{d.Train, d.Val} {
		if sp != nil {
			c.Splits = append(c.Splits, packSplit(root, sp))
		}
	}
	var err error
	for _, p := range cachePaths(root, opts) {
		if err = writeGob(p, &c); err == nil {
			return nil
		}
	}
	return err
}

func dedupStamps(s []stamp) []stamp {
	sort.SliceStable(s, func(i, j int) bool { return s[i].Path < s[j].Path })
	out := s[:0]
	for i, x := range s {
		if i == 0 || x.Path != s[i-1].Path {
			out = append(out, x)
		}
	}
	return out
}

func packSplit(root string, sp *Split) cachedSplit {
	cs := cachedSplit{Name: sp.Name, Ignored: sp.Ignored, DirIdx: make([]int32, len(sp.Samples)),
		Files: make([]string, len(sp.Samples)), Labels: make([]int32, len(sp.Samples))}
	dirIdx := map[string]int32{}
	for i, s := range sp.Samples {
		dir, file := filepath.Split(s.Path)
		rel, err := filepath.Rel(root, dir)
		if err != nil {
			rel = dir
		}
		k, ok := dirIdx[rel]
		if !ok {
			k = int32(len(cs.Dirs))
			dirIdx[rel] = k
			cs.Dirs = append(cs.Dirs, rel)
		}
		cs.DirIdx[i], cs.Files[i], cs.Labels[i] = k, file, int32(s.Label)
	}
	return cs
}

func writeGob(path string, v any) error {
	return atomicfile.Write(path, false, func(w io.Writer) error { return gob.NewEncoder(w).Encode(v) })
}
