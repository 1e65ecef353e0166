package checkpoint

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/nlpodyssey/safetensors"

	"github.com/tfvision/tfvision/internal/atomicfile"
	"github.com/tfvision/tfvision/label"
)

// Format v3 (today's) is a safetensors file: an 8-byte little-endian header length, a JSON
// header naming every tensor (by its variable path) with dtype, shape and byte offsets, then
// the raw little-endian bytes. The header's "__metadata__" (string values only, per the
// format) holds the run metadata and the checksums:
//
//	tfvision_format          "checkpoint"
//	tfvision_format_version  "3"
//	step, epoch, epoch_step  decimal integers
//	epoch_loss_sum           float ('g', shortest exact), epoch_loss_steps integer
//	metrics                  JSON object (omitted when empty)
//	config                   the run's YAML (omitted when empty)
//	classes                  JSON array of {"wnid","name"} (omitted when empty)
//	checksums                JSON object: tensor name → "crc32c:xxxxxxxx" of its raw bytes
//	header_checksum          HeaderSum over every other metadata entry and every tensor's
//	                         name, dtype, shape and checksum
//
// Headers are parsed with github.com/nlpodyssey/safetensors. Its writer wants each tensor
// as a []byte that outlives the call, while a GoMLX tensor lends its bytes only inside
// ConstBytes (device buffers, locking), so the writer below streams the tensors itself,
// with the library's header types and the same layout (larger dtypes first, then by name;
// header padded with spaces to 8 bytes).
const (
	stFormat       = "checkpoint"
	stVersion      = 3
	maxHeaderBytes = 100_000_000

	keyFormat    = "tfvision_format"
	keyVersion   = "tfvision_format_version"
	keyStep      = "step"
	keyEpoch     = "epoch"
	keyEpochStep = "epoch_step"
	keyLossSum   = "epoch_loss_sum"
	keyLossSteps = "epoch_loss_steps"
	keyMetrics   = "metrics"
	keyConfig    = "config"
	keyClasses   = "classes"
	keyChecksums = "checksums"
	keyHeaderSum = "header_checksum"
)

var toST = map[dtypes.DType]safetensors.DType{
	dtypes.Bool: safetensors.BOOL, dtypes.Uint8: safetensors.U8, dtypes.Int8: safetensors.I8,
	dtypes.Int16: safetensors.I16, dtypes.Uint16: safetensors.U16, dtypes.Float16: safetensors.F16,
	dtypes.BFloat16: safetensors.BF16, dtypes.Int32: safetensors.I32, dtypes.Uint32: safetensors.U32,
	dtypes.Float32: safetensors.F32, dtypes.Float64: safetensors.F64, dtypes.Int64: safetensors.I64,
	dtypes.Uint64: safetensors.U64,
}

func fromST(dt safetensors.DType) (dtypes.DType, bool) {
	for k, v := range toST {
		if v == dt {
			return k, true
		}
	}
	return dtypes.InvalidDType, false
}

// metaStrings is meta as __metadata__ entries (without checksums).
func metaStrings(meta Meta) (map[string]string, error) {
	md := map[string]string{
		keyFormat:    stFormat,
		keyVersion:   strconv.Itoa(stVersion),
		keyStep:      strconv.FormatInt(meta.Step, 10),
		keyEpoch:     strconv.Itoa(meta.Epoch),
		keyEpochStep: strconv.Itoa(meta.EpochStep),
		keyLossSum:   strconv.FormatFloat(meta.EpochLossSum, 'g', -1, 64),
		keyLossSteps: strconv.Itoa(meta.EpochLossSteps),
	}
	if meta.Config != "" {
		md[keyConfig] = meta.Config
	}
	for key, v := range map[string]any{keyMetrics: meta.Metrics, keyClasses: meta.Classes} {
		if v == nil || (key == keyMetrics && len(meta.Metrics) == 0) || (key == keyClasses && len(meta.Classes) == 0) {
			continue
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		md[key] = string(b)
	}
	return md, nil
}

// parseMetaStrings reads Meta back from __metadata__.
func parseMetaStrings(md map[string]string) (Meta, error) {
	var m Meta
	var err error
	ints := []struct {
		key string
		dst *int
	}{{keyEpoch, &m.Epoch}, {keyEpochStep, &m.EpochStep}, {keyLossSteps, &m.EpochLossSteps}}
	if m.Step, err = strconv.ParseInt(md[keyStep], 10, 64); err != nil {
		return m, fmt.Errorf("metadata %s: %w", keyStep, err)
	}
	for _, f := range ints {
		if *f.dst, err = strconv.Atoi(md[f.key]); err != nil {
			return m, fmt.Errorf("metadata %s: %w", f.key, err)
		}
	}
	if m.EpochLossSum, err = strconv.ParseFloat(md[keyLossSum], 64); err != nil {
		return m, fmt.Errorf("metadata %s: %w", keyLossSum, err)
	}
	m.Config = md[keyConfig]
	if s, ok := md[keyMetrics]; ok {
		if err := json.Unmarshal([]byte(s), &m.Metrics); err != nil {
			return m, fmt.Errorf("metadata %s: %w", keyMetrics, err)
		}
	}
	if s, ok := md[keyClasses]; ok {
		if err := json.Unmarshal([]byte(s), &m.Classes); err != nil {
			return m, fmt.Errorf("metadata %s: %w", keyClasses, err)
		}
		label.Renumber(m.Classes)
	}
	m.Checksummed = true
	return m, nil
}

// stHeaderSum is HeaderSum over the metadata (every entry but header_checksum, as sorted
// JSON) and the tensors sorted by name: independent of the file's layout.
func stHeaderSum(md map[string]string, infos []TensorInfo) string {
	rest := make(map[string]string, len(md))
	for k, v := range md {
		if k != keyHeaderSum {
			rest[k] = v
		}
	}
	b, _ := json.Marshal(rest) // map keys are sorted: canonical
	sorted := slices.Clone(infos)
	slices.SortFunc(sorted, func(a, b TensorInfo) int { return strings.Compare(a.Path, b.Path) })
	return HeaderSum(b, sorted)
}

// stEntry is one tensor to write.
type stEntry struct {
	info TensorInfo
	dt   safetensors.DType
	t    *tensors.Tensor
	size uint64
}

// writeSafetensors writes named tensors and metadata (plus checksums) as a safetensors
// file to w. The caller sorts nothing: the layout is larger dtypes first, then by name.
func writeSafetensors(w io.Writer, names []string, values []*tensors.Tensor, md map[string]string) error {
	entries := make([]stEntry, len(names))
	for i, t := range values {
		dt, ok := toST[t.DType()]
		if !ok {
			return fmt.Errorf("tensor %s: dtype %s has no safetensors equivalent", names[i], t.DType())
		}
		e := stEntry{info: TensorInfo{Path: names[i], DType: t.DType().String(), Dims: t.Shape().Dimensions}, dt: dt, t: t,
			size: uint64(t.Shape().ByteSize())}
		if err := t.ConstBytes(func(b []byte) { e.info.Sum = SumBytes(b) }); err != nil {
			return fmt.Errorf("tensor %s: %w", names[i], err)
		}
		entries[i] = e
	}
	slices.SortFunc(entries, func(a, b stEntry) int {
		if sa, sb := a.dt.Size(), b.dt.Size(); sa != sb {
			return int(sb) - int(sa)
		}
		return strings.Compare(a.info.Path, b.info.Path)
	})
	sums := map[string]string{}
	infos := make([]TensorInfo, len(entries))
	for i, e := range entries {
		sums[e.info.Path] = e.info.Sum
		infos[i] = e.info
	}
	md = maps.Clone(md)
	sumsJSON, err := json.Marshal(sums)
	if err != nil {
		return err
	}
	md[keyChecksums] = string(sumsJSON)
	md[keyHeaderSum] = stHeaderSum(md, infos)
	header := map[string]any{"__metadata__": md}
	var offset uint64
	for _, e := range entries {
		shape := make([]uint64, len(e.info.Dims))
		for i, d := range e.info.Dims {
			shape[i] = uint64(d)
		}
		header[e.info.Path] = safetensors.TensorInfo{DType: e.dt, Shape: shape, DataOffsets: [2]uint64{offset, offset + e.size}}
		offset += e.size
	}
	hb, err := json.Marshal(header)
	if err != nil {
		return err
	}
	if pad := (8 - len(hb)%8) % 8; pad > 0 {
		hb = append(hb, bytes.Repeat([]byte{' '}, pad)...)
	}
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(hb)))
	if _, err := w.Write(n[:]); err != nil {
		return err
	}
	if _, err := w.Write(hb); err != nil {
		return err
	}
	for _, e := range entries {
		var werr error
		err := e.t.ConstBytes(func(b []byte) { _, werr = w.Write(b) })
		if err == nil {
			err = werr
		}
		if err != nil {
			return fmt.Errorf("tensor %s: %w", e.info.Path, err)
		}
	}
	return nil
}

// isSafetensors sniffs f: a safetensors file starts with a header length that fits in the
// file, followed by '{'. A gob header (format v1/v2) never does.
func isSafetensors(f *os.File, size int64) bool {
	var b [9]byte
	if _, err := f.ReadAt(b[:], 0); err != nil {
		return false
	}
	n := binary.LittleEndian.Uint64(b[:8])
	return b[8] == '{' && n <= uint64(size-8)
}

// stFile is a parsed and verified safetensors header.
type stFile struct {
	meta      map[string]string
	infos     []TensorInfo // file (offset) order, GoMLX dtype names
	offsets   [][2]uint64
	dataStart int64
	size      int64
}

// readSTHeader parses the header of the safetensors file f at path, checks it is a tfvision
// checkpoint and verifies the header checksum.
func readSTHeader(f *os.File, path string, size int64) (stFile, error) {
	var n [8]byte
	if _, err := f.ReadAt(n[:], 0); err != nil {
		return stFile{}, corrupt(fmt.Errorf("checkpoint %s: unreadable header (file truncated?): %w", path, err))
	}
	hlen := binary.LittleEndian.Uint64(n[:])
	if hlen > maxHeaderBytes || hlen > uint64(size-8) {
		return stFile{}, corrupt(fmt.Errorf("checkpoint %s: header length %d does not fit the file's %d bytes (file truncated?)", path, hlen, size))
	}
	hb := make([]byte, hlen)
	if _, err := f.ReadAt(hb, 8); err != nil {
		return stFile{}, corrupt(fmt.Errorf("checkpoint %s: unreadable header (file truncated?): %w", path, err))
	}
	var md safetensors.Metadata
	if err := json.Unmarshal(hb, &md); err != nil {
		return stFile{}, corrupt(fmt.Errorf("checkpoint %s: unreadable safetensors header: %w", path, err))
	}
	sf := stFile{meta: md.Metadata(), dataStart: 8 + int64(hlen), size: size}
	if sf.meta[keyFormat] != stFormat {
		return sf, fmt.Errorf("checkpoint %s: a safetensors file without tfvision's checkpoint metadata (exported weights, or another tool's file), not a checkpoint", path)
	}
	if v, err := strconv.Atoi(sf.meta[keyVersion]); err != nil || v > stVersion {
		return sf, fmt.Errorf("checkpoint %s: format version %q: this tfvision reads up to %d (written by a newer tfvision?)", path, sf.meta[keyVersion], stVersion)
	}
	var sums map[string]string
	if err := json.Unmarshal([]byte(sf.meta[keyChecksums]), &sums); err != nil {
		return sf, corrupt(fmt.Errorf("checkpoint %s: unreadable checksums in the header: %w", path, err))
	}
	type named struct {
		name string
		info *safetensors.TensorInfo
	}
	var all []named
	for name, info := range md.Tensors() {
		all = append(all, named{name, info})
	}
	slices.SortFunc(all, func(a, b named) int {
		if a.info.DataOffsets[0] != b.info.DataOffsets[0] {
			return int(a.info.DataOffsets[0] - b.info.DataOffsets[0])
		}
		return strings.Compare(a.name, b.name)
	})
	for _, t := range all {
		dt, ok := fromST(t.info.DType)
		dims := make([]int, len(t.info.Shape))
		for i, d := range t.info.Shape {
			if d > 1<<50 {
				return sf, corrupt(fmt.Errorf("checkpoint %s: tensor %s: impossible dimensions %v", path, t.name, t.info.Shape))
			}
			dims[i] = int(d)
		}
		if !ok {
			return sf, corrupt(fmt.Errorf("checkpoint %s: tensor %s: unsupported dtype %s", path, t.name, t.info.DType))
		}
		sum, ok := sums[t.name]
		if !ok {
			return sf, corrupt(fmt.Errorf("checkpoint %s: tensor %s has no checksum in the header: the file is corrupt", path, t.name))
		}
		sf.infos = append(sf.infos, TensorInfo{Path: t.name, DType: dt.String(), Dims: dims, Sum: sum})
		sf.offsets = append(sf.offsets, t.info.DataOffsets)
	}
	if len(sums) != len(sf.infos) {
		return sf, corrupt(fmt.Errorf("checkpoint %s: header has %d checksums for %d tensors: the file is corrupt", path, len(sums), len(sf.infos)))
	}
	if got := stHeaderSum(sf.meta, sf.infos); got != sf.meta[keyHeaderSum] {
		return sf, corrupt(fmt.Errorf("checkpoint %s: header checksum mismatch (stored %s, computed %s): the file is corrupt", path, sf.meta[keyHeaderSum], got))
	}
	return sf, nil
}

// loadST checks every tensor of a safetensors checkpoint against c (before allocating any),
// then its layout, then reads and verifies the bytes.
func (c loadCheck) loadST(f *os.File, sf stFile) ([]stagedVar, error) {
	var end uint64
	for i, info := range sf.infos {
		s, err := info.shape()
		if err != nil {
			return nil, corrupt(fmt.Errorf("checkpoint %s: tensor %s: %w", c.file, info.Path, err))
		}
		if err := c.shape(info.Path, s); err != nil {
			return nil, err
		}
		o := sf.offsets[i]
		if o[0] != end || o[1] < o[0] || o[1]-o[0] != uint64(s.ByteSize()) {
			return nil, corrupt(fmt.Errorf("checkpoint %s: tensor %s: byte range %v does not follow the previous tensor or fit its shape %s: the file is corrupt", c.file, info.Path, o, s))
		}
		end = o[1]
	}
	if want := uint64(sf.size - sf.dataStart); end != want {
		return nil, corrupt(fmt.Errorf("checkpoint %s: its tensors span %d bytes, the file holds %d after the header (file truncated?)", c.file, end, want))
	}
	if _, err := f.Seek(sf.dataStart, io.SeekStart); err != nil {
		return nil, err
	}
	return c.readV2(bufio.NewReaderSize(f, 1<<20), sf.infos, sf.size)
}

// WriteSafetensors writes tensors under names, with metadata (string values; the
// "checksums" and "header_checksum" entries are added), as a safetensors file at path,
// atomically (durable: fsynced). It writes what a checkpoint is made of without being one
// (no run metadata): `tfvision export` uses it for model-only files.
func WriteSafetensors(path string, names []string, values []*tensors.Tensor, metadata map[string]string, durable bool) error {
	if len(names) != len(values) {
		return fmt.Errorf("write %s: %d names for %d tensors", path, len(names), len(values))
	}
	return atomicfile.Write(path, durable, func(w io.Writer) error {
		return writeSafetensors(w, names, values, metadata)
	})
}
