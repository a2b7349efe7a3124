package read

import (
	"bytes"
	"fmt"
	"image"

	"github.com/suyashkumar/dicom/pkg/tag"
)

// Info is what Probe learns of a file without decoding its pixels.
type Info struct {
	Format        string // "dicom", "png", "jpeg" or "tiff"
	Width, Height int
	PatientKey    string // salted hash of the patient ID (DICOM only)
}

// Probe checks a file's bytes as far as it can without decoding its pixels: the format, for
// DICOM every element's length against the data (a truncated file fails here) and the image
// attributes, for PNG, JPEG and TIFF the header; and the size limits. It is cheap, for
// refusing bad uploads at once; a file that passes can still fail in Decode (a corrupt
// compressed stream).
func Probe(data []byte, opts ...Option) (info Info, err error) {
	o := makeOptions(opts)
	if int64(len(data)) > o.maxBytes {
		return info, fmt.Errorf("%w: input over %d bytes", ErrTooLarge, o.maxBytes)
	}
	switch sniff(data) {
	case "dicom":
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("%w: DICOM parser failed: %v", ErrCorrupt, r)
			}
		}()
		end, err := checkLengths(data, min(o.maxBytes, 4*o.maxPixels+16<<20))
		if err != nil {
			return info, oneLine{err}
		}
		_, ds, err := parseAttributes(data[:end])
		if err != nil {
			return info, oneLine{err}
		}
		h, err := readHeader(ds)
		if err != nil {
			return info, oneLine{err}
		}
		if px := int64(h.rows) * int64(h.cols) * int64(h.frames); px > o.maxPixels {
			return info, fmt.Errorf("%w: %d×%d×%d frames = %d pixels, over the limit of %d",
				ErrTooLarge, h.cols, h.rows, h.frames, px, o.maxPixels)
		}
		if _, err := storedFromAttributes(h); err != nil {
			return info, oneLine{err}
		}
		return Info{Format: "dicom", Width: h.cols, Height: h.rows,
			PatientKey: PatientKey(attrString(ds, tag.PatientID), o.salt)}, nil
	case "png", "jpeg", "tiff":
		cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			return info, fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		if cfg.Width <= 0 || cfg.Height <= 0 {
			return info, fmt.Errorf("%w: %s of %dx%d pixels", ErrCorrupt, format, cfg.Width,
				cfg.Height)
		}
		if int64(cfg.Width)*int64(cfg.Height) > o.maxPixels {
			return info, fmt.Errorf("%w: %s of %dx%d pixels is over the limit of %d",
				ErrTooLarge, format, cfg.Width, cfg.Height, o.maxPixels)
		}
		return Info{Format: format, Width: cfg.Width, Height: cfg.Height}, nil
	}
	return info, ErrUnknownFormat
}
