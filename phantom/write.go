package phantom

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"image"
	"image/png"
	"io"
	"math"
	"math/big"
	"sort"
	"strconv"

	"github.com/suyashkumar/dicom"
	"github.com/suyashkumar/dicom/pkg/tag"
	"github.com/suyashkumar/dicom/pkg/uid"

	"rascore/read"
)

// FileName returns the file name of film index of a series: phantom-s<seed>-<index>.<ext>,
// with ext "dcm" or "png". The truth goes beside it under TruthName.
func FileName(seed uint64, index int, format string) string {
	ext := "png"
	if format == "dicom" {
		ext = "dcm"
	}
	return fmt.Sprintf("%s.%s", baseName(seed, index), ext)
}

// TruthName returns the truth file name of film index: phantom-s<seed>-<index>.truth.json.
func TruthName(seed uint64, index int) string { return baseName(seed, index) + ".truth.json" }

func baseName(seed uint64, index int) string {
	return fmt.Sprintf("phantom-s%d-%04d", seed, index)
}

// stored returns the film quantised to bits levels, bone high.
func stored(img *read.Radiograph, bits int) []uint16 {
	top := float64(int(1)<<bits - 1)
	out := make([]uint16, len(img.Pix))
	for i, v := range img.Pix {
		out[i] = uint16(math.Round(math.Min(1, math.Max(0, float64(v))) * top))
	}
	return out
}

// WritePNG writes the film as a 16-bit greyscale PNG, bone bright, quantised to
// opts.BitsStored levels and scaled to the full 16-bit range.
func WritePNG(w io.Writer, img *read.Radiograph, opts Options) error {
	bits := opts.BitsStored
	if bits < 1 || bits > 16 {
		return fmt.Errorf("write png: %w: bits stored %d", ErrOptions, bits)
	}
	top := uint32(1)<<bits - 1
	g := image.NewGray16(image.Rect(0, 0, img.Width, img.Height))
	for i, v := range stored(img, bits) {
		s := uint32(v) * 65535 / top
		g.Pix[2*i], g.Pix[2*i+1] = uint8(s>>8), uint8(s)
	}
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(w, g); err != nil {
		return fmt.Errorf("write png: %w", err)
	}
	return nil
}

// DeriveUID returns a DICOM UID under the 2.25 root (an integer form of a UUID) derived from
// the seed, film index and a kind ("study", "series", "sop"), so that the same film always
// gets the same UIDs.
func DeriveUID(seed uint64, index int, kind string) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], seed)
	binary.BigEndian.PutUint64(b[8:], uint64(index))
	if kind == "study" || kind == "series" {
		binary.BigEndian.PutUint64(b[8:], 0) // one study and series per seed
	}
	sum := sha256.Sum256(append([]byte("rascore phantom "+kind+" "), b[:]...))
	u := sum[:16]
	u[6] = u[6]&0x0f | 0x80 // UUID version 8 (custom), RFC 9562
	u[8] = u[8]&0x3f | 0x80 // variant
	return "2.25." + new(big.Int).SetBytes(u).String()
}

// SOP classes for digital X-ray (for presentation) and computed radiography.
const (
	sopDX = "1.2.840.10008.5.1.4.1.1.1.1"
	sopCR = "1.2.840.10008.5.1.4.1.1.1"
)

// WriteDICOM writes the film as a DICOM file in Explicit VR Little Endian: a DX or CR image,
// 16 bits allocated, opts.BitsStored stored, MONOCHROME1 (stored values inverted) or
// MONOCHROME2 as opts.Photometric says, with PixelSpacing and ImagerPixelSpacing, laterality,
// a synthetic patient and UIDs derived from the truth's seed and index.
func WriteDICOM(w io.Writer, img *read.Radiograph, t *Truth, opts Options) error {
	if err := opts.Validate(); err != nil {
		return fmt.Errorf("write dicom: %w", err)
	}
	bits := opts.BitsStored
	top := uint16(1<<bits - 1)
	vals := stored(img, bits)
	pix := make([]byte, 2*len(vals))
	for i, v := range vals {
		if opts.Photometric == "MONOCHROME1" {
			v = top - v
		}
		binary.LittleEndian.PutUint16(pix[2*i:], v)
	}
	sop := sopDX
	if opts.Modality == "CR" {
		sop = sopCR
	}
	center, width := 0.55*float64(top), 0.9*float64(top)
	if opts.Photometric == "MONOCHROME1" {
		center = float64(top) - center
	}
	sp := strconv.FormatFloat(t.SpacingMM[1], 'f', -1, 64)
	spx := strconv.FormatFloat(t.SpacingMM[0], 'f', -1, 64)
	sopUID := DeriveUID(t.Seed, t.Index, "sop")
	laterality := t.Laterality
	type el struct {
		t tag.Tag
		v any
	}
	els := []el{
		{tag.FileMetaInformationVersion, []byte{0, 1}},
		{tag.MediaStorageSOPClassUID, []string{sop}},
		{tag.MediaStorageSOPInstanceUID, []string{sopUID}},
		{tag.TransferSyntaxUID, []string{uid.ExplicitVRLittleEndian}},
		{tag.ImplementationClassUID, []string{"2.25.1"}},
		{tag.SpecificCharacterSet, []string{"ISO_IR 100"}},
		{tag.ImageType, []string{"DERIVED", "PRIMARY"}},
		{tag.SOPClassUID, []string{sop}},
		{tag.SOPInstanceUID, []string{sopUID}},
		{tag.StudyDate, []string{StudyDate}},
		{tag.SeriesDate, []string{StudyDate}},
		{tag.StudyTime, []string{"120000"}},
		{tag.Modality, []string{opts.Modality}},
		{tag.Manufacturer, []string{"rascore phantom"}},
		{tag.StudyDescription, []string{"Hands PA (synthetic phantom)"}},
		{tag.PatientName, []string{fmt.Sprintf("PHANTOM^%d", t.Seed)}},
		{tag.PatientID, []string{fmt.Sprintf("PHANTOM-%d-%d", t.Seed, t.Index)}},
		{tag.PatientBirthDate, []string{""}},
		{tag.PatientSex, []string{"O"}},
		{tag.BodyPartExamined, []string{"HAND"}},
		{tag.ImagerPixelSpacing, []string{sp, spx}},
		{tag.ViewPosition, []string{"PA"}},
		{tag.StudyInstanceUID, []string{DeriveUID(t.Seed, t.Index, "study")}},
		{tag.SeriesInstanceUID, []string{DeriveUID(t.Seed, t.Index, "series")}},
		{tag.StudyID, []string{"1"}},
		{tag.SeriesNumber, []string{"1"}},
		{tag.InstanceNumber, []string{strconv.Itoa(t.Index + 1)}},
		{tag.PatientOrientation, []string{"", ""}},
		{tag.ImageLaterality, []string{laterality}},
		{tag.SamplesPerPixel, []int{1}},
		{tag.PhotometricInterpretation, []string{opts.Photometric}},
		{tag.Rows, []int{img.Height}},
		{tag.Columns, []int{img.Width}},
		{tag.PixelSpacing, []string{sp, spx}},
		{tag.BitsAllocated, []int{16}},
		{tag.BitsStored, []int{bits}},
		{tag.HighBit, []int{bits - 1}},
		{tag.PixelRepresentation, []int{0}},
		{tag.WindowCenter, []string{strconv.FormatFloat(center, 'f', 1, 64)}},
		{tag.WindowWidth, []string{strconv.FormatFloat(width, 'f', 1, 64)}},
		{tag.PixelData, dicom.PixelDataInfo{IntentionallyUnprocessed: true,
			UnprocessedValueData: pix}},
	}
	sort.SliceStable(els, func(i, j int) bool {
		a, b := els[i].t, els[j].t
		return a.Group < b.Group || (a.Group == b.Group && a.Element < b.Element)
	})
	ds := dicom.Dataset{}
	for _, e := range els {
		de, err := dicom.NewElement(e.t, e.v)
		if err != nil {
			return fmt.Errorf("write dicom: element %v: %w", e.t, err)
		}
		ds.Elements = append(ds.Elements, de)
	}
	if err := dicom.Write(w, ds); err != nil {
		return fmt.Errorf("write dicom: %w", err)
	}
	return nil
}
