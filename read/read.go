// Package read turns a radiograph file into one calibrated greyscale image.
//
// It takes DICOM (Part 10 files and bare data sets), PNG (8/16-bit), JPEG and TIFF (8/16-bit)
// and gives a Radiograph: float32 pixels in [0, 1] with bone bright, the pixel spacing in mm
// and where it came from, and the few DICOM facts the pipeline needs (laterality, body part,
// view, modality, study date, a salted hash of the patient ID).
//
//	rg, err := read.Read("hand.dcm")
//	if errors.Is(err, read.ErrTooLarge) { ... }
//
// DICOM grey levels go through the standard pipeline: stored value, masked to BitsStored and
// sign-extended; modality LUT (rescale slope and intercept); VOI LUT (a LUT sequence, else the
// first window, else the data's own range); then MONOCHROME1 or a PresentationLUTShape of
// INVERSE is resolved so that more attenuation is brighter. Compressed transfer syntaxes are
// decoded by GDCM (libgdcm, which carries the JPEG, JPEG-LS, JPEG 2000 and RLE codecs).
//
// It does not find hands, judge orientation or guess spacing from anatomy; later stages do.
// It never logs; errors wrap the sentinels in errors.go.
package read

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// DefaultMaxPixels is the largest rows × columns × frames a file may declare (100 megapixels).
const DefaultMaxPixels = 100_000_000

// DefaultMaxBytes is the largest file Decode reads into memory.
const DefaultMaxBytes = 2 << 30

type options struct {
	maxPixels      int64
	maxBytes       int64
	salt           string
	assumedSpacing float64
}

// Option changes how a file is read.
type Option func(*options)

// WithMaxPixels sets the pixel limit (rows × columns × frames); files over it are refused with
// ErrTooLarge before pixel memory is allocated.
func WithMaxPixels(n int64) Option { return func(o *options) { o.maxPixels = n } }

// WithMaxBytes sets the largest input Decode accepts.
func WithMaxBytes(n int64) Option { return func(o *options) { o.maxBytes = n } }

// WithSalt sets the salt mixed into the patient key hash. A site should set its own secret
// salt so that keys cannot be matched against a list of IDs.
func WithSalt(salt string) Option { return func(o *options) { o.salt = salt } }

// WithAssumedSpacing sets the spacing (mm per pixel) to record, marked as estimated, when the
// file states none. Zero leaves the spacing unknown.
func WithAssumedSpacing(mm float64) Option { return func(o *options) { o.assumedSpacing = mm } }

func makeOptions(opts []Option) options {
	o := options{maxPixels: DefaultMaxPixels, maxBytes: DefaultMaxBytes, salt: "rascore"}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// Read reads the radiograph in the file at path.
func Read(path string, opts ...Option) (*Radiograph, error) {
	data, err := ReadFile(path, opts...)
	if err != nil {
		return nil, err
	}
	return decodeBytes(data, makeOptions(opts))
}

// ReadFile returns a file's bytes, refusing one over the byte limit before reading any of it:
// for callers that need the bytes too (to hash them) before Decode.
func ReadFile(path string, opts ...Option) ([]byte, error) {
	// Stat before opening: opening a pipe blocks until someone writes to it.
	if st, err := os.Stat(path); err != nil {
		return nil, err
	} else if st.IsDir() {
		return nil, &fs.PathError{Op: "read", Path: path, Err: errFolder}
	} else if !st.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "read", Path: path, Err: errNotRegular}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	o := makeOptions(opts)
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		// replaced between the two looks
		return nil, &fs.PathError{Op: "read", Path: path, Err: errNotRegular}
	}
	if st.Size() > o.maxBytes {
		return nil, fmt.Errorf("%w: file of %d bytes is over the limit of %d", ErrTooLarge,
			st.Size(), o.maxBytes)
	}
	return readHeadFirst(f, o, st.Size())
}

// Decode reads a radiograph from r, whose format it recognises from the bytes themselves.
func Decode(r io.Reader, opts ...Option) (*Radiograph, error) {
	data, err := ReadAll(r, opts...)
	if err != nil {
		return nil, err
	}
	return decodeBytes(data, makeOptions(opts))
}

// DecodeBytes reads a radiograph from a file's bytes already in memory (not copied).
func DecodeBytes(data []byte, opts ...Option) (*Radiograph, error) {
	o := makeOptions(opts)
	if int64(len(data)) > o.maxBytes {
		return nil, fmt.Errorf("%w: input of %d bytes is over the limit of %d", ErrTooLarge,
			len(data), o.maxBytes)
	}
	return decodeBytes(data, o)
}

// ReadAll reads r to its end (a pipe, standard input), refusing to read past the byte limit,
// and refusing at once a stream whose first bytes are no image format, as ReadFile does.
func ReadAll(r io.Reader, opts ...Option) ([]byte, error) {
	return readHeadFirst(r, makeOptions(opts), 0)
}

// readHeadFirst reads r to its end within the byte limit, looking at its head first so that a
// large input of another kind is not read whole. sizeHint (a file's size, 0 if unknown) sizes
// the buffer once.
func readHeadFirst(r io.Reader, o options, sizeHint int64) ([]byte, error) {
	head := make([]byte, 132)
	n, err := io.ReadFull(r, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, err
	}
	if n == 0 {
		return nil, fmt.Errorf("%w (empty input)", ErrUnknownFormat)
	}
	if !plausibleHead(head[:n]) {
		return nil, ErrUnknownFormat
	}
	var buf bytes.Buffer
	buf.Grow(int(sizeHint) + bytes.MinRead)
	buf.Write(head[:n])
	if _, err := buf.ReadFrom(io.LimitReader(r, o.maxBytes+1-int64(n))); err != nil {
		return nil, err
	}
	if int64(buf.Len()) > o.maxBytes {
		return nil, fmt.Errorf("%w: input over %d bytes", ErrTooLarge, o.maxBytes)
	}
	return buf.Bytes(), nil
}

func decodeBytes(data []byte, o options) (*Radiograph, error) {
	var (
		rg  *Radiograph
		err error
	)
	switch sniff(data) {
	case "dicom":
		rg, err = decodeDICOM(data, o)
	case "png", "jpeg", "tiff":
		rg, err = decodeRaster(data, o)
	default:
		return nil, ErrUnknownFormat
	}
	if err != nil {
		return nil, oneLine{err}
	}
	if rg.SpacingSource == SpacingUnknown && o.assumedSpacing > 0 {
		rg.SpacingMM = [2]float64{o.assumedSpacing, o.assumedSpacing}
		rg.SpacingSource = SpacingEstimated
		rg.Notes = append(rg.Notes, fmt.Sprintf("spacing %.3g mm assumed, not stated in the file",
			o.assumedSpacing))
	}
	return rg, nil
}

// sniff names the format from the leading bytes.
func sniff(b []byte) string {
	switch {
	case len(b) >= 132 && string(b[128:132]) == "DICM":
		return "dicom"
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "png"
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		return "jpeg"
	case bytes.HasPrefix(b, []byte("II*\x00")), bytes.HasPrefix(b, []byte("MM\x00*")):
		return "tiff"
	case looksLikeBareDataSet(b):
		return "dicom"
	}
	return ""
}

// plausibleHead says whether a file's first 132 bytes could start a file Decode reads: sniff
// knows them, or they start with an even group tag as a bare DICOM data set does (whose first
// element may be longer than the head, so its length is not checked here).
func plausibleHead(b []byte) bool {
	if sniff(b) != "" {
		return true
	}
	if len(b) < 8 {
		return false
	}
	for _, bo := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		if g := bo.Uint16(b[0:2]); g%2 == 0 && g >= 0x0002 && g <= 0x7FE0 {
			return true
		}
	}
	return false
}

// looksLikeBareDataSet recognises a DICOM data set written without preamble or meta group: it
// starts with an even (public) group tag followed by either an explicit VR (two capital
// letters) or an implicit length that fits in the file.
func looksLikeBareDataSet(b []byte) bool {
	if len(b) < 8 {
		return false
	}
	for _, bo := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		group := bo.Uint16(b[0:2])
		if group%2 != 0 || group < 0x0002 || group > 0x7FE0 {
			continue
		}
		if isUpper(b[4]) && isUpper(b[5]) {
			return true
		}
		if bo == binary.LittleEndian && int64(bo.Uint32(b[4:8])) <= int64(len(b)-8) {
			return true
		}
	}
	return false
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

var errFolder = errors.New("a folder, not a file")

var errNotRegular = errors.New("not a regular file (a pipe, device or socket)")

// PatientKey hashes a patient ID with a salt into a short stable key that can sit in logs and
// file names. An empty ID gives an empty key.
func PatientKey(id, salt string) string {
	if id == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(salt + "\x00" + id))
	return hex.EncodeToString(sum[:8])
}

// oneLine keeps an error's chain for errors.Is but prints it on one line: some parser errors
// join several messages with newlines.
type oneLine struct{ err error }

func (e oneLine) Error() string { return strings.ReplaceAll(e.err.Error(), "\n", "; ") }
func (e oneLine) Unwrap() error { return e.err }
