package read

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/suyashkumar/dicom"
	"github.com/suyashkumar/dicom/pkg/frame"
	"github.com/suyashkumar/dicom/pkg/tag"
	"github.com/suyashkumar/dicom/pkg/uid"
)

// synth describes a small DICOM image for the pipeline tests; build writes it with the
// suyashkumar/dicom writer, so these tests exercise our reading of attributes the writer set.
type synth struct {
	rows, cols, frames    int
	bitsStored, highBit   int
	signed                bool
	photometric           string
	words                 []uint16 // stored words, frame after frame
	extra                 []*dicom.Element
	syntax                string
	declaredRows, declCol int // when non-zero, the Rows/Columns written instead
}

func ramp(n int, step uint16) []uint16 {
	w := make([]uint16, n)
	for i := range w {
		w[i] = uint16(i) * step
	}
	return w
}

func mustElem(t *testing.T, tg tag.Tag, v any) *dicom.Element {
	t.Helper()
	e, err := dicom.NewElement(tg, v)
	if err != nil {
		t.Fatalf("element %v: %v", tg, err)
	}
	return e
}

func (s synth) build(t *testing.T) []byte {
	t.Helper()
	if s.frames == 0 {
		s.frames = 1
	}
	if s.bitsStored == 0 {
		s.bitsStored = 16
	}
	if s.highBit == 0 {
		s.highBit = s.bitsStored - 1
	}
	if s.photometric == "" {
		s.photometric = "MONOCHROME2"
	}
	if s.syntax == "" {
		s.syntax = uid.ExplicitVRLittleEndian
	}
	rows, cols := s.rows, s.cols
	if s.declaredRows != 0 {
		rows, cols = s.declaredRows, s.declCol
	}
	px := s.rows * s.cols
	var frames []*frame.Frame
	for f := 0; f < s.frames; f++ {
		nf := frame.NewNativeFrame[uint16](16, s.rows, s.cols, px, 1)
		copy(nf.RawData, s.words[f*px:(f+1)*px])
		frames = append(frames, &frame.Frame{NativeData: nf})
	}
	pr := 0
	if s.signed {
		pr = 1
	}
	elems := []*dicom.Element{
		mustElem(t, tag.MediaStorageSOPClassUID, []string{"1.2.840.10008.5.1.4.1.1.1"}),
		mustElem(t, tag.MediaStorageSOPInstanceUID, []string{"1.2.3.4"}),
		mustElem(t, tag.TransferSyntaxUID, []string{s.syntax}),
		mustElem(t, tag.PatientID, []string{"SECRET-ID-42"}),
		mustElem(t, tag.Modality, []string{"CR"}),
		mustElem(t, tag.Rows, []int{rows}),
		mustElem(t, tag.Columns, []int{cols}),
		mustElem(t, tag.SamplesPerPixel, []int{1}),
		mustElem(t, tag.BitsAllocated, []int{16}),
		mustElem(t, tag.BitsStored, []int{s.bitsStored}),
		mustElem(t, tag.HighBit, []int{s.highBit}),
		mustElem(t, tag.PixelRepresentation, []int{pr}),
		mustElem(t, tag.PhotometricInterpretation, []string{s.photometric}),
	}
	if s.frames > 1 {
		elems = append(elems, mustElem(t, tag.NumberOfFrames, []string{strconv.Itoa(s.frames)}))
	}
	elems = append(elems, s.extra...)
	elems = append(elems, mustElem(t, tag.PixelData, dicom.PixelDataInfo{Frames: frames}))
	var buf bytes.Buffer
	if err := dicom.Write(&buf, dicom.Dataset{Elements: elems}, dicom.SkipVRVerification(),
		dicom.SkipValueTypeVerification()); err != nil {
		t.Fatalf("write: %v", err)
	}
	return buf.Bytes()
}

func decodeT(t *testing.T, data []byte, opts ...Option) *Radiograph {
	t.Helper()
	rg, err := Decode(bytes.NewReader(data), opts...)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return rg
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-5 }

func TestWindowFollowsDICOMFormula(t *testing.T) {
	s := synth{rows: 4, cols: 64, words: ramp(256, 16), extra: []*dicom.Element{
		mustElem(t, tag.WindowCenter, []string{"2000"}),
		mustElem(t, tag.WindowWidth, []string{"1001"}),
	}}
	rg := decodeT(t, s.build(t))
	for i, w := range s.words {
		x, c, width := float64(w), 2000.0, 1001.0
		want := (x-(c-0.5))/(width-1) + 0.5
		want = math.Max(0, math.Min(1, want))
		if !near(float64(rg.Pix[i]), want) {
			t.Fatalf("stored %d: got %.5f want %.5f", w, rg.Pix[i], want)
		}
	}
}

func TestRescaleWithNegativeSlope(t *testing.T) {
	// Stored 0..255 → modality 1000 - 2·stored; no window, so the data range spans [0, 1] and
	// the largest stored value becomes the darkest pixel.
	s := synth{rows: 1, cols: 256, words: ramp(256, 1), extra: []*dicom.Element{
		mustElem(t, tag.RescaleSlope, []string{"-2"}),
		mustElem(t, tag.RescaleIntercept, []string{"1000"}),
	}}
	rg := decodeT(t, s.build(t))
	for i := range s.words {
		want := 1 - float64(i)/255
		if !near(float64(rg.Pix[i]), want) {
			t.Fatalf("stored %d: got %.5f want %.5f", i, rg.Pix[i], want)
		}
	}
}

func TestMonochrome1AndPresentationLUTShape(t *testing.T) {
	base := synth{rows: 2, cols: 50, words: ramp(100, 300)}
	mono2 := decodeT(t, base.build(t))
	cases := []struct {
		name, photometric, shape string
		inverted                 bool
	}{
		{"MONOCHROME1", "MONOCHROME1", "", true},
		{"MONOCHROME1+INVERSE", "MONOCHROME1", "INVERSE", true},
		{"MONOCHROME2+INVERSE", "MONOCHROME2", "INVERSE", true},
		{"MONOCHROME2+IDENTITY", "MONOCHROME2", "IDENTITY", false},
	}
	for _, c := range cases {
		s := base
		s.photometric = c.photometric
		if c.shape != "" {
			s.extra = []*dicom.Element{mustElem(t, tag.PresentationLUTShape, []string{c.shape})}
		}
		rg := decodeT(t, s.build(t))
		for i := range rg.Pix {
			want := float64(mono2.Pix[i])
			if c.inverted {
				want = 1 - want
			}
			if !near(float64(rg.Pix[i]), want) {
				t.Fatalf("%s pixel %d: got %.4f want %.4f", c.name, i, rg.Pix[i], want)
			}
		}
	}
}

func TestBitsStoredMaskAndSignedPixels(t *testing.T) {
	// 12 bits stored, high bit 11: the top four bits carry junk (an old overlay plane).
	clean := []uint16{0, 1, 2047, 2048, 4095}
	dirty := make([]uint16, len(clean))
	for i, v := range clean {
		dirty[i] = v | 0xF000
	}
	s := synth{rows: 1, cols: 5, bitsStored: 12, words: dirty}
	st, _, err := decodeStored(s.build(t), makeOptions(nil))
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range clean {
		if st.values[i] != int32(v) {
			t.Errorf("unsigned sample %d: got %d want %d", i, st.values[i], v)
		}
	}

	s.signed = true
	st, _, err = decodeStored(s.build(t), makeOptions(nil))
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []int32{0, 1, 2047, -2048, -1} {
		if st.values[i] != want {
			t.Errorf("signed sample %d: got %d want %d", i, st.values[i], want)
		}
	}

	// High bit not at the top of the stored bits: 8 bits stored in bits 4..11.
	s = synth{rows: 1, cols: 3, bitsStored: 8, highBit: 11, words: []uint16{0x0FF0, 0x0010, 0xF00F}}
	st, _, err = decodeStored(s.build(t), makeOptions(nil))
	if err != nil {
		t.Fatal(err)
	}
	if st.values[0] != 255 || st.values[1] != 1 || st.values[2] != 0 {
		t.Errorf("shifted samples %v, want [255 1 0]", st.values)
	}
}

func TestVOILUTSequence(t *testing.T) {
	// A 12-bit LUT mapping input v to 4095 - v over inputs 0..4095.
	entries := make([]int, 4096)
	for i := range entries {
		entries[i] = 4095 - i
	}
	item := []*dicom.Element{
		mustElem(t, tag.LUTDescriptor, []int{4096, 0, 12}),
		mustElem(t, tag.LUTData, entries),
	}
	s := synth{rows: 1, cols: 5, bitsStored: 12, words: []uint16{0, 1000, 2000, 4095, 3000},
		extra: []*dicom.Element{mustElem(t, tag.VOILUTSequence, [][]*dicom.Element{item})}}
	rg := decodeT(t, s.build(t))
	for i, w := range s.words {
		want := float64(4095-int(w)) / 4095
		if !near(float64(rg.Pix[i]), want) {
			t.Errorf("stored %d: got %.5f want %.5f", w, rg.Pix[i], want)
		}
	}
	if !strings.Contains(strings.Join(rg.Notes, ";"), "VOI LUT") {
		t.Errorf("notes %v do not say a VOI LUT was applied", rg.Notes)
	}
}

func TestMultiFrameTakesFirst(t *testing.T) {
	words := append(ramp(16, 1), ramp(16, 0)...)
	s := synth{rows: 4, cols: 4, frames: 2, words: words}
	rg := decodeT(t, s.build(t))
	if rg.Frames != 2 || !near(float64(rg.Pix[15]), 1) || !near(float64(rg.Pix[1]), 1.0/15) {
		t.Errorf("frames %d, pixels %v: want first frame, a ramp", rg.Frames, rg.Pix)
	}
	if !strings.Contains(strings.Join(rg.Notes, ";"), "first of 2 frames") {
		t.Errorf("notes %v do not say the first frame was used", rg.Notes)
	}
}

func TestPixelLimitRefusesBeforeAllocating(t *testing.T) {
	s := synth{rows: 4, cols: 4, words: ramp(16, 1)}
	_, err := Decode(bytes.NewReader(s.build(t)), WithMaxPixels(15))
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("16 pixels over a limit of 15: %v, want ErrTooLarge", err)
	}
	// 60000 × 60000 declared over 16 real pixels: refused on the attributes alone.
	s.declaredRows, s.declCol = 60000, 60000
	_, err = Decode(bytes.NewReader(s.build(t)))
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("declared 3.6 gigapixels: %v, want ErrTooLarge", err)
	}
}

// Unusable rescale, window and spacing values are ignored and the radiograph's notes say so;
// the pixels are then those of a file without them.
func TestUnusableValuesAreNoted(t *testing.T) {
	plain := decodeT(t, synth{rows: 1, cols: 256, words: ramp(256, 1)}.build(t))
	s := synth{rows: 1, cols: 256, words: ramp(256, 1), extra: []*dicom.Element{
		mustElem(t, tag.RescaleSlope, []string{"0"}),
		mustElem(t, tag.RescaleIntercept, []string{"NaN"}),
		mustElem(t, tag.WindowCenter, []string{"100"}),
		mustElem(t, tag.WindowWidth, []string{"0"}),
		mustElem(t, tag.PixelSpacing, []string{"NaN", "NaN"}),
	}}
	rg := decodeT(t, s.build(t))
	notes := strings.Join(rg.Notes, "; ")
	for _, want := range []string{"RescaleSlope 0 unusable", "RescaleIntercept NaN unusable",
		"width 0 unusable", "PixelSpacing [NaN NaN] is no pixel size"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes %q lack %q", notes, want)
		}
	}
	for i := range plain.Pix {
		if plain.Pix[i] != rg.Pix[i] {
			t.Fatalf("pixel %d: %v, the file without those values gives %v", i, rg.Pix[i],
				plain.Pix[i])
		}
	}
}

func TestSpacingSources(t *testing.T) {
	cases := []struct {
		name   string
		extra  []*dicom.Element
		opts   []Option
		want   [2]float64
		source SpacingSource
	}{
		{"pixel", []*dicom.Element{mustElem(t, tag.PixelSpacing, []string{"0.15", "0.1"}),
			mustElem(t, tag.ImagerPixelSpacing, []string{"0.2", "0.2"})},
			nil, [2]float64{0.1, 0.15}, SpacingPixel},
		{"zero pixel spacing is missing", []*dicom.Element{
			mustElem(t, tag.PixelSpacing, []string{"0", "0"}),
			mustElem(t, tag.ImagerPixelSpacing, []string{"0.2", "0.2"})},
			nil, [2]float64{0.2, 0.2}, SpacingImager},
		{"implausible pixel spacing is ignored", []*dicom.Element{
			mustElem(t, tag.PixelSpacing, []string{"-1", "1e308"}),
			mustElem(t, tag.ImagerPixelSpacing, []string{"0.2", "0.2"})},
			nil, [2]float64{0.2, 0.2}, SpacingImager},
		{"none", nil, nil, [2]float64{}, SpacingUnknown},
		{"assumed", nil, []Option{WithAssumedSpacing(0.17)}, [2]float64{0.17, 0.17},
			SpacingEstimated},
	}
	for _, c := range cases {
		s := synth{rows: 2, cols: 2, words: ramp(4, 1), extra: c.extra}
		rg := decodeT(t, s.build(t), c.opts...)
		if rg.SpacingMM != c.want || rg.SpacingSource != c.source {
			t.Errorf("%s: spacing %v (%s), want %v (%s)", c.name, rg.SpacingMM,
				rg.SpacingSource, c.want, c.source)
		}
	}
}

func TestPatientIDIsOnlyHashed(t *testing.T) {
	data := synth{rows: 2, cols: 2, words: ramp(4, 1)}.build(t)
	a := decodeT(t, data)
	b := decodeT(t, data, WithSalt("site-secret"))
	if a.PatientKey == "" || a.PatientKey == b.PatientKey || len(a.PatientKey) != 16 {
		t.Errorf("keys %q and %q: want two different 16-hex keys", a.PatientKey, b.PatientKey)
	}
	if strings.Contains(a.PatientKey, "SECRET") || a.PatientKey != PatientKey("SECRET-ID-42",
		"rascore") {
		t.Errorf("key %q is not the salted hash of the ID", a.PatientKey)
	}
}

// TestBareDataSet strips the preamble and meta group of an implicit little endian file: what
// is left must read the same.
func TestBareDataSet(t *testing.T) {
	s := synth{rows: 3, cols: 3, words: ramp(9, 100), syntax: uid.ImplicitVRLittleEndian}
	full := s.build(t)
	want := decodeT(t, full)
	// Meta group: 132 bytes, then (0002,0000) UL with the group length at offset 140.
	groupLen := binary.LittleEndian.Uint32(full[140:144])
	bare := full[144+groupLen:]
	got := decodeT(t, bare)
	for i := range want.Pix {
		if got.Pix[i] != want.Pix[i] {
			t.Fatalf("bare data set pixel %d: %.4f, want %.4f", i, got.Pix[i], want.Pix[i])
		}
	}
}

// TestTrailingPaddingIsIgnored pads a file with zeros, as some archives do: the image reads
// the same, and the parser is not handed the padding (which it would take as millions of
// empty elements).
func TestTrailingPaddingIsIgnored(t *testing.T) {
	data := synth{rows: 8, cols: 8, words: ramp(64, 50)}.build(t)
	want := decodeT(t, data)
	padded := append(append([]byte(nil), data...), make([]byte, 4<<20)...)
	end, err := checkLengths(padded, DefaultMaxBytes)
	if err != nil || end != len(data) {
		t.Fatalf("data set end %d (%v), want %d", end, err, len(data))
	}
	got := decodeT(t, padded)
	for i := range want.Pix {
		if got.Pix[i] != want.Pix[i] {
			t.Fatalf("pixel %d: %.4f, want %.4f", i, got.Pix[i], want.Pix[i])
		}
	}
}

func TestUnknownPhotometricIsRefused(t *testing.T) {
	for _, p := range []string{"WHATEVER", "PALETTE COLOR", "RGB"} {
		data := synth{rows: 2, cols: 2, words: ramp(4, 1), photometric: p}.build(t)
		if _, err := Decode(bytes.NewReader(data)); !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s with one sample: %v, want ErrUnsupported", p, err)
		}
	}
}

func TestReadFileRefusesOversizeUnread(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.dcm")
	if err := os.WriteFile(path, make([]byte, 1000), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(path, WithMaxBytes(999)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("1000 bytes over a limit of 999: %v, want ErrTooLarge", err)
	}
	if _, err := ReadFile(filepath.Dir(path)); err == nil ||
		!strings.Contains(err.Error(), "folder") {
		t.Errorf("a folder: %v, want an error saying so", err)
	}
}
