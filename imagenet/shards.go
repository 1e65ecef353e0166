package imagenet

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/tfvision/tfvision/label"
)

// Packed shards (`tfvision data pack`, Pack): a directory of WebDataset-style tar files,
// train-000000.tar, … and val-000000.tar, …, each a run of samples stored as two members,
// NNNNNN.jpg (the image) and NNNNNN.cls (the class index as decimal text), plus
// index.json (ShardIndex). NNNNNN is the sample's id: its position in the split's packed
// order, which Pack shuffled once. Reading a few large files sequentially is what network
// filesystems and object stores do well; a million small files is what they do badly.

// ShardIndexName is the index file of a shard directory; Open recognises a directory
// holding one whose format is ShardFormat as the "shards" layout.
const ShardIndexName = "index.json"

// ShardFormat names the layout in ShardIndex.Format.
const ShardFormat = "tfvision-shards/1"

// ShardIndex is index.json.
type ShardIndex struct {
	Format string `json:"format"`
	// Source is the dataset Pack read (root and layout), for the record.
	Source string `json:"source"`
	Layout string `json:"layout"`
	// MaxSide: images whose short side exceeded it were resized to it; Quality is the
	// JPEG quality of every re-encoded image.
	MaxSide int    `json:"max_side"`
	Quality int    `json:"quality"`
	Seed    uint64 `json:"seed"`
	// Classes in class-index (sorted folder name) order, as Open lists them.
	Classes []ShardClass           `json:"classes"`
	Splits  map[string]*ShardSplit `json:"splits"`
}

// ShardClass is one class of a ShardIndex.
type ShardClass struct {
	WNID string `json:"wnid"`
	Name string `json:"name"`
}

// ShardSplit is one split of a ShardIndex.
type ShardSplit struct {
	Total  int         `json:"total"`
	Shards []ShardFile `json:"shards"`
	// Copied images kept their original JPEG bytes; Reencoded were resized or were not
	// JPEGs (PNG, GIF, CMYK JPEG); Skipped could not be read (first few in SkippedExamples).
	Copied          int      `json:"copied"`
	Reencoded       int      `json:"reencoded"`
	Skipped         int      `json:"skipped"`
	SkippedExamples []string `json:"skipped_examples,omitempty"`
	Bytes           int64    `json:"bytes"`
}

// ShardFile is one tar file of a split: Count samples with ids Start … Start+Count-1.
type ShardFile struct {
	File  string `json:"file"` // name inside the shard directory (Path once opened)
	Start int    `json:"start"`
	Count int    `json:"count"`
	Bytes int64  `json:"bytes"`
}

// Len is the number of samples in the split, listed files or packed shards.
func (s *Split) Len() int {
	if s == nil {
		return 0
	}
	n := len(s.Samples)
	for _, f := range s.Shards {
		n += f.Count
	}
	return n
}

// Head is the split cut to its first n samples (n <= 0 or n >= Len: the split itself).
// For shards that is a prefix of the packed order, which Pack shuffled: a random subset.
func (s *Split) Head(n int) *Split {
	if s == nil || n <= 0 || n >= s.Len() {
		return s
	}
	out := *s
	if len(s.Samples) > 0 {
		out.Samples = s.Samples[:n]
		return &out
	}
	out.Shards = nil
	for _, f := range s.Shards {
		if n <= 0 {
			break
		}
		f.Count = min(f.Count, n)
		n -= f.Count
		out.Shards = append(out.Shards, f)
	}
	return &out
}

// ReadShardIndex reads dir/index.json.
func ReadShardIndex(dir string) (*ShardIndex, error) {
	p := filepath.Join(dir, ShardIndexName)
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	var ix ShardIndex
	if err := json.Unmarshal(data, &ix); err != nil {
		return nil, fmt.Errorf("imagenet: %s: %w", p, err)
	}
	if ix.Format != ShardFormat {
		return nil, fmt.Errorf("imagenet: %s: format %q, want %q", p, ix.Format, ShardFormat)
	}
	return &ix, nil
}

// isShardDir reports whether dir holds a shard index (any format: a wrong one is an error
// from openShards rather than a fall-through to the folder layouts).
func isShardDir(dir string) bool {
	fi, err := os.Stat(filepath.Join(dir, ShardIndexName))
	return err == nil && fi.Mode().IsRegular() && !isDir(filepath.Join(dir, "train")) && !isDir(filepath.Join(dir, "val"))
}

// openShards makes a Dataset of a shard directory: Split.Shards with absolute paths,
// no Samples. Every listed file must exist.
func openShards(root string) (*Dataset, error) {
	ix, err := ReadShardIndex(root)
	if err != nil {
		return nil, err
	}
	if len(ix.Classes) == 0 {
		return nil, &LayoutError{Path: root, Msg: ShardIndexName + " lists no classes"}
	}
	d := &Dataset{Root: root, Layout: "shards", Shards: ix}
	for i, c := range ix.Classes {
		d.Classes = append(d.Classes, label.Class{Index: i, WNID: c.WNID, Name: c.Name})
	}
	for _, name := range []string{"train", "val"} {
		ss := ix.Splits[name]
		if ss == nil || ss.Total == 0 {
			continue
		}
		sp := &Split{Name: name}
		next := 0
		for _, f := range ss.Shards {
			if f.File == "" || strings.ContainsAny(f.File, `/\`) || f.Count <= 0 || f.Start != next {
				return nil, fmt.Errorf("imagenet: %s: %s shard %+v: want a plain file name, count > 0 and start %d", filepath.Join(root, ShardIndexName), name, f, next)
			}
			next += f.Count
			f.File = filepath.Join(root, f.File)
			if _, err := os.Stat(f.File); err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil, fmt.Errorf("imagenet: shard %s listed in %s is missing", f.File, ShardIndexName)
				}
				return nil, err
			}
			sp.Shards = append(sp.Shards, f)
		}
		if next != ss.Total {
			return nil, fmt.Errorf("imagenet: %s: %s shards hold %d samples, total says %d", filepath.Join(root, ShardIndexName), name, next, ss.Total)
		}
		if name == "train" {
			d.Train = sp
		} else {
			d.Val = sp
		}
	}
	return d, nil
}
