package read

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"

	"github.com/suyashkumar/dicom"
	"github.com/suyashkumar/dicom/pkg/tag"
)

// render runs the greyscale pipeline on stored samples and fills in the DICOM facts.
func render(st *storedImage, h header, o options) (*Radiograph, error) {
	rg := New(st.cols, st.rows)
	rg.Format = "dicom"
	rg.TransferSyntax = h.transferSyntax
	rg.Photometric = attrString(h.ds, tag.PhotometricInterpretation)
	rg.BitsStored = st.bitsStored
	rg.Frames = h.frames
	if h.frames > 1 {
		rg.Notes = append(rg.Notes, fmt.Sprintf("multi-frame file: first of %d frames used",
			h.frames))
	}
	describe(rg, h.ds, o)

	// Grey images keep the file's MONOCHROME1/2: codecs such as JPEG 2000 know nothing of it,
	// and GDCM reports MONOCHROME2 for them. Colour images take the decoder's word, since it
	// may have converted YBR to RGB.
	photometric := strings.ToUpper(rg.Photometric)
	if st.samples == 3 && st.photometric != "" {
		photometric = strings.ToUpper(st.photometric)
	}
	var values []float64
	switch {
	case !knownPhotometric(photometric, st.samples):
		return nil, fmt.Errorf("%w: photometric interpretation %q with %d samples per pixel",
			ErrUnsupported, photometric, st.samples)
	case st.samples == 3:
		values = colourToGrey(st, photometric)
		rg.Notes = append(rg.Notes, "colour image converted to grey")
		normaliseRange(values)
	default:
		values = modalityValues(st, h.ds, rg)
		applyVOI(values, h.ds, rg)
	}

	invert := photometric == "MONOCHROME1"
	if photometric == "MONOCHROME2" &&
		strings.EqualFold(attrString(h.ds, tag.PresentationLUTShape), "INVERSE") {
		invert = true
	}
	for i, v := range values {
		if invert {
			v = 1 - v
		}
		rg.Pix[i] = float32(v)
	}
	return rg, nil
}

// describe copies the identifying facts, with the patient ID only as a salted hash.
func describe(rg *Radiograph, ds dicom.Dataset, o options) {
	rg.Modality = attrString(ds, tag.Modality)
	rg.BodyPart = attrString(ds, tag.BodyPartExamined)
	rg.ViewPosition = attrString(ds, tag.ViewPosition)
	rg.Laterality = attrString(ds, tag.ImageLaterality)
	if rg.Laterality == "" {
		rg.Laterality = attrString(ds, tag.Laterality)
	}
	rg.StudyDate = attrString(ds, tag.StudyDate)
	rg.PatientKey = PatientKey(attrString(ds, tag.PatientID), o.salt)

	for _, src := range []struct {
		t      tag.Tag
		source SpacingSource
	}{{tag.PixelSpacing, SpacingPixel}, {tag.ImagerPixelSpacing, SpacingImager}} {
		// PixelSpacing is row spacing \ column spacing; 0\0 means not known.
		ps := attrFloats(ds, src.t)
		if len(ps) >= 2 && plausibleSpacing(ps[0]) && plausibleSpacing(ps[1]) {
			rg.SpacingMM = [2]float64{ps[1], ps[0]}
			rg.SpacingSource = src.source
			return
		}
		if len(ps) > 0 && !(len(ps) >= 2 && ps[0] == 0 && ps[1] == 0) {
			rg.Notes = append(rg.Notes, fmt.Sprintf("%s %v is no pixel size: ignored",
				spacingName[src.t], ps))
		}
	}
}

var spacingName = map[tag.Tag]string{tag.PixelSpacing: "PixelSpacing",
	tag.ImagerPixelSpacing: "ImagerPixelSpacing"}

// plausibleSpacing says whether a pixel size in mm could be a radiograph's: 1 µm to 10 mm.
func plausibleSpacing(mm float64) bool { return mm >= 0.001 && mm <= 10 }

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// modalityValues applies the modality LUT: a LUT sequence if present, else rescale slope and
// intercept (a negative slope is legal and flips the scale).
// Unusable values (a zero, NaN or infinite slope, a NaN or infinite intercept) are ignored and
// noted on rg.
func modalityValues(st *storedImage, ds dicom.Dataset, rg *Radiograph) []float64 {
	n := st.rows * st.cols
	out := make([]float64, n)
	if lut, ok := lutFromSequence(ds, tag.ModalityLUTSequence, st.signed); ok {
		for i := range out {
			out[i] = lut.apply(float64(st.values[i]))
		}
		return out
	}
	slope, intercept := 1.0, 0.0
	if v := attrFloats(ds, tag.RescaleSlope); len(v) > 0 {
		if v[0] != 0 && finite(v[0]) {
			slope = v[0]
		} else {
			rg.Notes = append(rg.Notes, fmt.Sprintf("RescaleSlope %g unusable: 1 used", v[0]))
		}
	}
	if v := attrFloats(ds, tag.RescaleIntercept); len(v) > 0 {
		if finite(v[0]) {
			intercept = v[0]
		} else {
			rg.Notes = append(rg.Notes, fmt.Sprintf("RescaleIntercept %g unusable: 0 used",
				v[0]))
		}
	}
	for i := range out {
		out[i] = float64(st.values[i])*slope + intercept
	}
	return out
}

// applyVOI maps modality values to [0, 1]: the first VOI LUT if the file has one, else the
// first window (by VOILUTFunction), else the data's own range.
func applyVOI(values []float64, ds dicom.Dataset, rg *Radiograph) {
	if lut, ok := lutFromSequence(ds, tag.VOILUTSequence, false); ok {
		top := math.Max(1, lut.max())
		for i, v := range values {
			values[i] = clamp01(lut.apply(v) / top)
		}
		rg.Notes = append(rg.Notes, "VOI LUT applied")
		return
	}
	centres, widths := attrFloats(ds, tag.WindowCenter), attrFloats(ds, tag.WindowWidth)
	if len(centres) > 0 && len(widths) > 0 && (widths[0] < 1 || !finite(widths[0]) ||
		!finite(centres[0])) {
		rg.Notes = append(rg.Notes, fmt.Sprintf("window centre %g width %g unusable: the "+
			"data's own range used", centres[0], widths[0]))
	} else if len(centres) > 0 && len(widths) > 0 {
		fn := strings.ToUpper(attrString(ds, tag.VOILUTFunction))
		window(values, centres[0], widths[0], fn)
		rg.Notes = append(rg.Notes, fmt.Sprintf("window centre %g width %g applied",
			centres[0], widths[0]))
		return
	}
	normaliseRange(values)
}

// window applies a VOI window as DICOM PS3.3 C.11.2.1.2 defines it.
func window(values []float64, c, w float64, fn string) {
	switch fn {
	case "SIGMOID":
		for i, x := range values {
			values[i] = clamp01(1 / (1 + math.Exp(-4*(x-c)/w)))
		}
	case "LINEAR_EXACT":
		for i, x := range values {
			values[i] = clamp01((x-c)/w + 0.5)
		}
	default:
		lo, scale := c-0.5, 1/(w-1)
		for i, x := range values {
			values[i] = clamp01((x-lo)*scale + 0.5)
		}
	}
}

// normaliseRange stretches values to [0, 1] over their own minimum and maximum.
func normaliseRange(values []float64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range values {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	span := hi - lo
	for i, v := range values {
		if span > 0 {
			values[i] = (v - lo) / span
		} else {
			values[i] = 0
		}
	}
}

func colourToGrey(st *storedImage, photometric string) []float64 {
	n := st.rows * st.cols
	out := make([]float64, n)
	for i := 0; i < n; i++ {
		r, g, b := st.values[3*i], st.values[3*i+1], st.values[3*i+2]
		if strings.HasPrefix(photometric, "YBR") {
			out[i] = float64(r) // Y is the luminance already
		} else {
			out[i] = 0.299*float64(r) + 0.587*float64(g) + 0.114*float64(b)
		}
	}
	return out
}

// clamp01 limits v to [0, 1] (NaN stays NaN); plain comparisons, as it runs per pixel.
func clamp01(v float64) float64 {
	if v < 0 {
		return 0
	}
	if v > 1 {
		return 1
	}
	return v
}

// lut is a DICOM lookup table: entries for inputs first, first+1, …; inputs outside map to
// the end entries.
type lut struct {
	first   float64
	entries []float64
}

func (l lut) apply(v float64) float64 {
	i := int(math.Floor(v - l.first))
	switch {
	case i < 0:
		return l.entries[0]
	case i >= len(l.entries):
		return l.entries[len(l.entries)-1]
	}
	return l.entries[i]
}

func (l lut) max() float64 {
	m := 0.0
	for _, e := range l.entries {
		m = math.Max(m, e)
	}
	return m
}

// lutFromSequence reads the first item of a modality or VOI LUT sequence. A table that does
// not make sense is ignored, so the window or rescale is used instead.
func lutFromSequence(ds dicom.Dataset, seq tag.Tag, signedInput bool) (lut, bool) {
	e, err := ds.FindElementByTag(seq)
	if err != nil || e == nil || e.Value == nil {
		return lut{}, false
	}
	items, ok := e.Value.GetValue().([]*dicom.SequenceItemValue)
	if !ok || len(items) == 0 {
		return lut{}, false
	}
	elems, ok := items[0].GetValue().([]*dicom.Element)
	if !ok {
		return lut{}, false
	}
	item := dicom.Dataset{Elements: elems}
	desc, ok := descriptor(item)
	if !ok {
		return lut{}, false
	}
	count, first, bits := desc[0], desc[1], desc[2]
	if count == 0 {
		count = 65536
	}
	if signedInput && first >= 32768 {
		first -= 65536
	}
	data := lutData(item, count, bits)
	if len(data) < count {
		return lut{}, false
	}
	return lut{first: float64(first), entries: data[:count]}, true
}

func descriptor(item dicom.Dataset) ([3]int, bool) {
	e, err := item.FindElementByTag(tag.LUTDescriptor)
	if err != nil || e == nil || e.Value == nil {
		return [3]int{}, false
	}
	var d []int
	switch v := e.Value.GetValue().(type) {
	case []int:
		d = v
	case []byte:
		for i := 0; i+1 < len(v); i += 2 {
			d = append(d, int(binary.LittleEndian.Uint16(v[i:])))
		}
	}
	if len(d) < 3 || d[2] < 1 || d[2] > 16 {
		return [3]int{}, false
	}
	return [3]int{d[0], d[1], d[2]}, true
}

func lutData(item dicom.Dataset, count, bits int) []float64 {
	e, err := item.FindElementByTag(tag.LUTData)
	if err != nil || e == nil || e.Value == nil {
		return nil
	}
	var out []float64
	switch v := e.Value.GetValue().(type) {
	case []int:
		for _, x := range v {
			out = append(out, float64(x))
		}
	case []byte:
		if bits <= 8 && len(v) >= count && len(v) < 2*count {
			for _, x := range v {
				out = append(out, float64(x))
			}
			break
		}
		for i := 0; i+1 < len(v); i += 2 {
			out = append(out, float64(binary.LittleEndian.Uint16(v[i:])))
		}
	}
	return out
}

// knownPhotometric accepts the interpretations this reader turns into grey levels: MONOCHROME1
// and MONOCHROME2 with one sample, RGB and the YBR family with three. PALETTE COLOR and
// anything unknown are refused rather than guessed.
func knownPhotometric(p string, samples int) bool {
	switch {
	case samples == 1:
		return p == "MONOCHROME1" || p == "MONOCHROME2"
	case samples == 3:
		return p == "RGB" || strings.HasPrefix(p, "YBR_")
	}
	return false
}
