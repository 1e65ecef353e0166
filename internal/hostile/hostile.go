package hostile

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
)

// PNG is a valid 1×1 PNG (a few dozen bytes) whose IHDR claims w × h, CRC fixed.
func PNG(w, h uint32) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 1, 1))
	img.Set(0, 0, color.NRGBA{200, 100, 50, 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(err)
	}
	b := buf.Bytes()
	// 8-byte signature, then the IHDR chunk: length(4) "IHDR"(4) width(4) height(4) … crc(4).
	binary.BigEndian.PutUint32(b[16:], w)
	binary.BigEndian.PutUint32(b[20:], h)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

// ProgressiveJPEG is an 8×8 baseline JPEG from image/jpeg turned into a progressive one
// (SOF2) whose frame claims w × h, with its scan made a DC-first scan (Se = 0): a
// decoder that trusts the frame allocates the whole coefficient buffer before it finds
// that the data runs out. About 600 bytes.
func ProgressiveJPEG(w, h uint16) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 50}); err != nil {
		panic(err)
	}
	b := buf.Bytes()
	for i := 2; i+4 <= len(b); {
		m := b[i+1]
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		switch m {
		case 0xC0: // SOF0 → SOF2; length(2) precision(1) height(2) width(2)
			b[i+1] = 0xC2
			binary.BigEndian.PutUint16(b[i+5:], h)
			binary.BigEndian.PutUint16(b[i+7:], w)
		case 0xDA: // SOS: length(2) ncomp(1) 2·ncomp Ss Se AhAl
			nc := int(b[i+4])
			b[i+4+1+2*nc+1] = 0 // Se = 0: DC scan
			return b
		}
		i += 2 + n
	}
	panic("hostile: no SOS in image/jpeg's output")
}
