package read

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/suyashkumar/dicom"
	"github.com/suyashkumar/dicom/pkg/dicomio"
	"github.com/suyashkumar/dicom/pkg/tag"
	"github.com/suyashkumar/dicom/pkg/uid"
)

// nativeSyntaxes are the transfer syntaxes whose pixel data is stored uncompressed, which the
// DICOM parser reads itself; every other syntax goes to GDCM.
var nativeSyntaxes = map[string]bool{
	uid.ImplicitVRLittleEndian:         true,
	uid.ExplicitVRLittleEndian:         true,
	uid.ExplicitVRBigEndian:            true,
	uid.DeflatedExplicitVRLittleEndian: true,
	"":                                 true, // bare data set: implicit little endian
}

// header holds the attributes that say how to turn stored values into an image.
type header struct {
	ds             dicom.Dataset
	transferSyntax string
	rows, cols     int
	frames         int
}

// decodeDICOM reads a DICOM file in two passes: the attributes first, without pixel data, so
// that the size is checked before any pixel memory is allocated; then the pixels.
func decodeDICOM(data []byte, o options) (rg *Radiograph, err error) {
	defer func() {
		// The parser is a third-party library fed untrusted bytes; a panic there is a
		// malformed file, not a bug of the caller.
		if r := recover(); r != nil {
			rg, err = nil, fmt.Errorf("%w: DICOM parser failed: %v", ErrCorrupt, r)
		}
	}()

	st, h, err := decodeStored(data, o)
	if err != nil {
		return nil, err
	}
	return render(st, h, o)
}

// decodeStored gives the first frame's stored samples and the attributes that interpret them.
func decodeStored(data []byte, o options) (*storedImage, header, error) {
	// A deflated data set may inflate to its pixels (at most 4 bytes each) and some header.
	end, err := checkLengths(data, min(o.maxBytes, 4*o.maxPixels+16<<20))
	if err != nil {
		return nil, header{}, err
	}
	data = data[:end]
	parseOpts, ds, err := parseAttributes(data)
	if err != nil {
		return nil, header{}, err
	}
	h, err := readHeader(ds)
	if err != nil {
		return nil, h, err
	}
	if px := int64(h.rows) * int64(h.cols) * int64(h.frames); px > o.maxPixels {
		return nil, h, fmt.Errorf("%w: %d×%d×%d frames = %d pixels, over the limit of %d",
			ErrTooLarge, h.cols, h.rows, h.frames, px, o.maxPixels)
	}

	var st *storedImage
	if nativeSyntaxes[h.transferSyntax] {
		st, err = decodeNative(data, parseOpts, h)
	} else {
		st, err = gdcmDecode(data)
	}
	if err != nil {
		return nil, h, err
	}
	if st.rows != h.rows || st.cols != h.cols {
		return nil, h, fmt.Errorf("%w: pixel data is %dx%d, attributes say %dx%d", ErrCorrupt,
			st.cols, st.rows, h.cols, h.rows)
	}
	return st, h, nil
}

// parseAttributes parses everything but the pixel data. Files without the 128-byte preamble
// and meta group are retried as bare data sets.
func parseAttributes(data []byte) ([]dicom.ParseOption, dicom.Dataset, error) {
	base := []dicom.ParseOption{dicom.AllowUnknownSpecificCharacterSet(),
		dicom.AllowMissingMetaElementGroupLength()}
	if sniff(data) == "dicom" && !(len(data) >= 132 && string(data[128:132]) == "DICM") {
		base = append(base, dicom.SkipMetadataReadOnNewParserInit())
	}
	ds, err := dicom.Parse(bytes.NewReader(data), int64(len(data)), nil,
		append(base, dicom.SkipPixelData())...)
	if err != nil {
		return nil, ds, parseError(err)
	}
	return base, ds, nil
}

// parseError turns the parser's errors into this package's sentinels.
func parseError(err error) error {
	switch {
	case strings.Contains(err.Error(), "(7fe0,0010)") && (errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, dicomio.ErrorInsufficientBytesLeft)):
		return fmt.Errorf("%w: pixel data (7fe0,0010) runs past the end of the file", ErrTruncated)
	case strings.Contains(err.Error(), "missing transfer syntax"):
		return fmt.Errorf("%w: no transfer syntax in the meta group and none could be inferred",
			ErrCorrupt)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, dicomio.ErrorInsufficientBytesLeft):
		return fmt.Errorf("%w: file ends inside an element (%v)", ErrTruncated, err)
	case errors.Is(err, dicom.ErrorMismatchPixelDataLength):
		return fmt.Errorf("%w: pixel data length does not match rows × columns × bits (%v)",
			ErrTruncated, err)
	}
	return fmt.Errorf("%w: %v", ErrCorrupt, err)
}

func readHeader(ds dicom.Dataset) (header, error) {
	syntax := strings.TrimRight(attrString(ds, tag.TransferSyntaxUID), "\x00 ")
	h := header{ds: ds, transferSyntax: syntax}
	pd, err := ds.FindElementByTag(tag.PixelData)
	if err != nil || pd == nil {
		return h, ErrNoPixels
	}
	var ok bool
	if h.rows, ok = attrInt(ds, tag.Rows); !ok || h.rows <= 0 {
		return h, fmt.Errorf("%w: Rows missing or zero", ErrCorrupt)
	}
	if h.cols, ok = attrInt(ds, tag.Columns); !ok || h.cols <= 0 {
		return h, fmt.Errorf("%w: Columns missing or zero", ErrCorrupt)
	}
	h.frames = 1
	if n, ok := attrInt(ds, tag.NumberOfFrames); ok {
		if n < 1 {
			return h, fmt.Errorf("%w: NumberOfFrames %d", ErrCorrupt, n)
		}
		h.frames = n
	}
	return h, nil
}

// decodeNative parses the whole file again, taking the pixel data's bytes as they are stored
// (the parser's own sample-by-sample reading was most of the time on large films), and reads
// the first frame from them in the transfer syntax's byte order.
func decodeNative(data []byte, parseOpts []dicom.ParseOption, h header) (*storedImage, error) {
	st, err := storedFromAttributes(h)
	if err != nil {
		return nil, err
	}
	ds, err := dicom.Parse(bytes.NewReader(data), int64(len(data)), nil,
		append(parseOpts, dicom.SkipProcessingPixelDataValue())...)
	if err != nil {
		return nil, parseError(err)
	}
	pd, err := ds.FindElementByTag(tag.PixelData)
	if err != nil {
		return nil, ErrNoPixels
	}
	info, ok := pd.Value.GetValue().(dicom.PixelDataInfo)
	if !ok {
		return nil, fmt.Errorf("%w: pixel data could not be read", ErrCorrupt)
	}
	if info.IsEncapsulated || !info.IntentionallyUnprocessed {
		return nil, fmt.Errorf("%w: encapsulated pixel data under the uncompressed transfer "+
			"syntax %q", ErrCorrupt, h.transferSyntax)
	}
	var bo binary.ByteOrder = binary.LittleEndian
	if h.transferSyntax == uid.ExplicitVRBigEndian {
		bo = binary.BigEndian
	}
	if err := st.fillFromWords(info.UnprocessedValueData, bo); err != nil {
		return nil, err
	}
	return st, nil
}

// storedFromAttributes describes the stored samples from the image pixel module.
func storedFromAttributes(h header) (*storedImage, error) {
	st := &storedImage{rows: h.rows, cols: h.cols, frames: h.frames}
	st.samples = attrIntOr(h.ds, tag.SamplesPerPixel, 1)
	st.bitsAlloc = attrIntOr(h.ds, tag.BitsAllocated, 16)
	st.bitsStored = attrIntOr(h.ds, tag.BitsStored, st.bitsAlloc)
	st.highBit = attrIntOr(h.ds, tag.HighBit, st.bitsStored-1)
	st.signed = attrIntOr(h.ds, tag.PixelRepresentation, 0) == 1
	st.planar = attrIntOr(h.ds, tag.PlanarConfiguration, 0)
	st.photometric = attrString(h.ds, tag.PhotometricInterpretation)
	if st.bitsAlloc != 8 && st.bitsAlloc != 16 && st.bitsAlloc != 32 {
		return nil, fmt.Errorf("%w: %d bits allocated", ErrUnsupported, st.bitsAlloc)
	}
	return st, st.checkBits()
}

// attrString returns the first string value of an attribute, trimmed, or "".
func attrString(ds dicom.Dataset, t tag.Tag) string {
	vs := attrStrings(ds, t)
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}

func attrStrings(ds dicom.Dataset, t tag.Tag) []string {
	e, err := ds.FindElementByTag(t)
	if err != nil || e == nil || e.Value == nil {
		return nil
	}
	vs, ok := e.Value.GetValue().([]string)
	if !ok {
		return nil
	}
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = strings.Trim(v, " \x00")
	}
	return out
}

// attrInt reads an integer attribute stored as a binary integer (US, SS, UL) or as a decimal
// string (IS).
func attrInt(ds dicom.Dataset, t tag.Tag) (int, bool) {
	e, err := ds.FindElementByTag(t)
	if err != nil || e == nil || e.Value == nil {
		return 0, false
	}
	switch v := e.Value.GetValue().(type) {
	case []int:
		if len(v) > 0 {
			return v[0], true
		}
	case []string:
		if len(v) > 0 {
			n, err := strconv.Atoi(strings.Trim(v[0], " \x00"))
			return n, err == nil
		}
	}
	return 0, false
}

func attrIntOr(ds dicom.Dataset, t tag.Tag, def int) int {
	if v, ok := attrInt(ds, t); ok {
		return v
	}
	return def
}

// attrFloats reads a decimal string (DS) or binary float (FL, FD) attribute. Values that do
// not parse are dropped.
func attrFloats(ds dicom.Dataset, t tag.Tag) []float64 {
	e, err := ds.FindElementByTag(t)
	if err != nil || e == nil || e.Value == nil {
		return nil
	}
	switch v := e.Value.GetValue().(type) {
	case []float64:
		return v
	case []string:
		var out []float64
		for _, s := range v {
			f, err := strconv.ParseFloat(strings.Trim(s, " \x00"), 64)
			if err == nil {
				out = append(out, f)
			}
		}
		return out
	}
	return nil
}
