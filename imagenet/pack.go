package imagenet

import (
	"archive/tar"
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/disintegration/imaging"

	"github.com/tfvision/tfvision/imagenet/decode"
	"github.com/tfvision/tfvision/internal/atomicfile"
)

// PackOptions tune Pack.
type PackOptions struct {
	// MaxSide: an image whose short side is longer is resized (bicubic, antialiased, as
	// PIL) so that its short side is MaxSide, and re-encoded. <= 0 means 320: enough for
	// RandomResizedCrop to 224 and for the eval transform's resize to 256 + crop 224.
	MaxSide int
	// Quality of every JPEG Pack encodes (1–100); <= 0 means 90.
	Quality int
	// ShardBytes is the target tar size; a shard is closed before a sample would take it
	// past this (one sample larger than it gets a shard of its own). <= 0 means 256 MiB.
	ShardBytes int64
	// Seed of the one-time shuffle of each split's order.
	Seed uint64
	// Workers reading, decoding and re-encoding images; <= 0 means runtime.NumCPU().
	Workers int
	// MaxPixels is the pixel limit (<= 0: decode.DefaultMaxPixels); larger images are skipped.
	MaxPixels int64
	// Progress, when set, is called after each chunk of samples with the split's counts.
	Progress func(split string, done, total int)
}

// Defaults of PackOptions.
const (
	DefaultPackMaxSide    = 320
	DefaultPackQuality    = 90
	DefaultPackShardBytes = 256 << 20
)

// packStream tags the PCG stream of Pack's one-time shuffle.
const packStream = 0x7061636B

// Pack writes the train and val splits of ds as tar shards plus index.json into out,
// which must be empty or absent (so no stale shard of an earlier pack is ever mixed in).
//
// Each split's order is shuffled once (Seed), so a sequential read with a modest shuffle
// buffer is already well mixed and any prefix is a random subset. JPEGs whose short side
// is at most MaxSide keep their original bytes (no second generation loss; they are only
// decoded once to check they are readable). Larger images are resized and re-encoded at
// Quality. PNG, GIF and CMYK/YCCK JPEG are re-encoded too, at Quality, whatever their
// size: every member is then a .jpg that libjpeg-turbo decodes (with scaled decoding),
// the tars stay small, and readers expecting WebDataset's .jpg get one; the cost is JPEG's
// loss on what was lossless (measured on MNIST in the README). Grayscale images are stored
// as one-channel JPEGs. Unreadable files are skipped and counted in the index.
func Pack(ds *Dataset, out string, o PackOptions) (*ShardIndex, error) {
	if ds.Layout == "shards" {
		return nil, errors.New("imagenet: Pack: the dataset is already packed")
	}
	if o.MaxSide <= 0 {
		o.MaxSide = DefaultPackMaxSide
	}
	if o.Quality <= 0 {
		o.Quality = DefaultPackQuality
	}
	if o.Quality > 100 {
		return nil, fmt.Errorf("imagenet: Pack: quality %d > 100", o.Quality)
	}
	if o.ShardBytes <= 0 {
		o.ShardBytes = DefaultPackShardBytes
	}
	if o.Workers <= 0 {
		o.Workers = runtime.NumCPU()
	}
	if ents, err := os.ReadDir(out); err == nil && len(ents) > 0 {
		return nil, fmt.Errorf("imagenet: Pack: %s is not empty: pack into a new directory", out)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	ix := &ShardIndex{Format: ShardFormat, Source: ds.Root, Layout: ds.Layout, MaxSide: o.MaxSide, Quality: o.Quality,
		Seed: o.Seed, Splits: map[string]*ShardSplit{}}
	for _, c := range ds.Classes {
		ix.Classes = append(ix.Classes, ShardClass{WNID: c.WNID, Name: c.Name})
	}
	for _, sp := range []*Split{ds.Train, ds.Val} {
		if sp == nil || len(sp.Samples) == 0 {
			continue
		}
		ss, err := writeShards(sp, out, o)
		if err != nil {
			return nil, err
		}
		ix.Splits[sp.Name] = ss
	}
	data, err := json.MarshalIndent(ix, "", "  ")
	if err != nil {
		return nil, err
	}
	p := filepath.Join(out, ShardIndexName)
	if err := atomicfile.WriteBytes(p, true, append(data, '\n')); err != nil {
		return nil, err
	}
	return ix, os.Chmod(p, 0o644) // the temp file's 0600 would keep other users' jobs out
}

// packed is one sample ready to store.
type packed struct {
	data      []byte
	label     int
	reencoded bool
	err       error
}

func writeShards(sp *Split, out string, o PackOptions) (*ShardSplit, error) {
	order := rand.New(rand.NewPCG(o.Seed, packStream)).Perm(len(sp.Samples))
	ss := &ShardSplit{}
	w := &shardWriter{dir: out, prefix: sp.Name, limit: o.ShardBytes, split: ss}
	const chunk = 256
	res := make([]packed, chunk)
	for lo := 0; lo < len(order); lo += chunk {
		hi := min(lo+chunk, len(order))
		var wg sync.WaitGroup
		next := make(chan int)
		for range min(o.Workers, hi-lo) {
			wg.Go(func() {
				for i := range next {
					s := sp.Samples[order[i]]
					data, re, err := packImage(s.Path, o)
					res[i-lo] = packed{data, s.Label, re, err}
				}
			})
		}
		for i := lo; i < hi; i++ {
			next <- i
		}
		close(next)
		wg.Wait()
		for i := range hi - lo {
			p := res[i]
			res[i] = packed{}
			if p.err != nil {
				ss.Skipped++
				if len(ss.SkippedExamples) < maxExamples {
					ss.SkippedExamples = append(ss.SkippedExamples, p.err.Error())
				}
				continue
			}
			if err := w.add(p.data, p.label); err != nil {
				w.abort()
				return nil, err
			}
			if p.reencoded {
				ss.Reencoded++
			} else {
				ss.Copied++
			}
		}
		if o.Progress != nil {
			o.Progress(sp.Name, hi, len(order))
		}
	}
	if err := w.close(); err != nil {
		return nil, err
	}
	return ss, nil
}

// packImage returns what to store for the image at path: its own bytes or a re-encoded
// JPEG (reencoded true).
func packImage(path string, o PackOptions) (data []byte, reencoded bool, err error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, false, fmt.Errorf("read %s: %w", path, err)
	}
	data, reencoded, err = packBytes(src, o)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", path, err)
	}
	return data, reencoded, nil
}

func packBytes(src []byte, o PackOptions) ([]byte, bool, error) {
	cfg, f, err := decode.Header(src, o.MaxPixels)
	if err != nil {
		return nil, false, err
	}
	w, h := cfg.Width, cfg.Height
	short, side := min(w, h), o.MaxSide
	if f == "jpeg" && cfg.ColorModel != color.CMYKModel && short <= side {
		// Checked at libjpeg-turbo's 1/8 scale: all the entropy-coded data is still read
		// (a truncated or corrupt file fails) for a fraction of the IDCT work.
		if _, err := decode.Bytes(src, decode.Options{MaxPixels: o.MaxPixels, MinW: 1, MinH: 1}); err != nil {
			return nil, false, err
		}
		return src, false, nil
	}
	tw, th := w, h
	if short > side {
		r := float64(side) / float64(short)
		tw, th = max(1, int(math.Round(float64(w)*r))), max(1, int(math.Round(float64(h)*r)))
	}
	// Decode at the smallest libjpeg-turbo scale that still covers the target size.
	img, err := decode.Bytes(src, decode.Options{MaxPixels: o.MaxPixels, MinW: tw, MinH: th})
	if err != nil {
		return nil, false, err
	}
	if img.Bounds().Dx() != tw || img.Bounds().Dy() != th {
		// Packing runs once, off the training path: a library resize (Catmull-Rom, the
		// bicubic of PIL and torchvision) keeps imagenet free of augment.
		img = imaging.Resize(img, tw, th, imaging.CatmullRom)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, grayOrSelf(img), &jpeg.Options{Quality: o.Quality}); err != nil {
		return nil, false, err
	}
	return buf.Bytes(), true, nil
}

// grayOrSelf returns img as an *image.Gray when every pixel is gray (R = G = B), so it
// is stored as a one-channel JPEG; otherwise img.
func grayOrSelf(img image.Image) image.Image {
	var pix []uint8
	var stride int
	switch m := img.(type) {
	case *image.RGBA:
		pix, stride = m.Pix, m.Stride
	case *image.NRGBA:
		pix, stride = m.Pix, m.Stride
	default:
		return img
	}
	b := img.Bounds()
	g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := range b.Dy() {
		row := pix[y*stride : y*stride+4*b.Dx()]
		for x := range b.Dx() {
			p := row[4*x : 4*x+3 : 4*x+3]
			if p[0] != p[1] || p[1] != p[2] {
				return img
			}
			g.Pix[y*g.Stride+x] = p[0]
		}
	}
	return g
}

// shardWriter writes one split's tar files, starting a new one at the size limit.
type shardWriter struct {
	dir, prefix string
	limit       int64
	split       *ShardSplit

	f      *os.File
	bw     *bufio.Writer
	tw     *tar.Writer
	cur    ShardFile
	nextID int
}

// memberSize is a member's size in the tar: header block plus data rounded up to 512.
func memberSize(n int) int64 { return 512 + (int64(n)+511)/512*512 }

func (w *shardWriter) add(data []byte, label int) error {
	cls := []byte(strconv.Itoa(label))
	size := memberSize(len(data)) + memberSize(len(cls))
	if w.tw != nil && w.cur.Bytes+size+1024 > w.limit {
		if err := w.close(); err != nil {
			return err
		}
	}
	if w.tw == nil {
		name := fmt.Sprintf("%s-%06d.tar", w.prefix, len(w.split.Shards))
		f, err := os.Create(filepath.Join(w.dir, "."+name+".tmp"))
		if err != nil {
			return err
		}
		w.f, w.bw = f, bufio.NewWriterSize(f, 1<<20)
		w.tw = tar.NewWriter(w.bw)
		w.cur = ShardFile{File: name, Start: w.nextID}
	}
	key := fmt.Sprintf("%06d", w.nextID)
	for _, m := range []struct {
		ext  string
		data []byte
	}{{".jpg", data}, {".cls", cls}} {
		// A fixed time and owner: packing the same tree twice gives the same bytes.
		hdr := &tar.Header{Name: key + m.ext, Mode: 0o644, Size: int64(len(m.data)), ModTime: time.Unix(0, 0),
			Typeflag: tar.TypeReg, Format: tar.FormatUSTAR}
		if err := w.tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := w.tw.Write(m.data); err != nil {
			return err
		}
	}
	w.cur.Count++
	w.cur.Bytes += size
	w.nextID++
	return nil
}

// close finishes the open shard (if any): tar trailer, sync, rename into place.
func (w *shardWriter) close() error {
	if w.tw == nil {
		return nil
	}
	tmp := w.f.Name()
	err := w.tw.Close()
	if err == nil {
		err = w.bw.Flush()
	}
	if err == nil {
		err = w.f.Sync()
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(w.dir, w.cur.File))
	}
	w.tw = nil
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("imagenet: write shard %s: %w", w.cur.File, err)
	}
	if fi, err := os.Stat(filepath.Join(w.dir, w.cur.File)); err == nil {
		w.cur.Bytes = fi.Size()
	}
	w.split.Shards = append(w.split.Shards, w.cur)
	w.split.Total += w.cur.Count
	w.split.Bytes += w.cur.Bytes
	return nil
}

func (w *shardWriter) abort() {
	if w.tw != nil {
		w.f.Close()
		os.Remove(w.f.Name())
		w.tw = nil
	}
}
