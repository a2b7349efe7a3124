package read

import (
	"fmt"
	"image"
	"math"

	"golang.org/x/image/draw"
)

// SpacingSource says where a radiograph's pixel spacing came from.
type SpacingSource string

const (
	// SpacingPixel is DICOM PixelSpacing (0028,0030): spacing in the patient plane.
	SpacingPixel SpacingSource = "PixelSpacing"
	// SpacingImager is DICOM ImagerPixelSpacing (0018,1164): spacing at the detector.
	SpacingImager SpacingSource = "ImagerPixelSpacing"
	// SpacingEstimated is a guess, e.g. from the image size or from a calibration object.
	SpacingEstimated SpacingSource = "estimated"
	// SpacingUnknown means nothing is known; SpacingMM is zero.
	SpacingUnknown SpacingSource = "unknown"
)

// Radiograph is one greyscale image with the facts the pipeline needs about it. Pixels are
// row-major float32 in [0, 1] where higher means more attenuation: bone is bright, air is dark,
// whatever the file's photometric interpretation was.
type Radiograph struct {
	Width, Height int
	Pix           []float32

	// SpacingMM is the physical size of one pixel in millimetres: [0] across columns (x), [1]
	// down rows (y). Zero when SpacingSource is SpacingUnknown.
	SpacingMM     [2]float64
	SpacingSource SpacingSource

	// Format is the container the image came in: dicom, png, jpeg or tiff.
	Format string

	// DICOM facts, empty for other formats.
	Modality       string
	BodyPart       string
	ViewPosition   string
	Laterality     string // "L", "R" or "" as the file states it; locate decides from anatomy
	StudyDate      string // YYYYMMDD as stored
	PatientKey     string // salted hash of the patient ID; never the ID itself
	TransferSyntax string
	Photometric    string // as stored in the file, before it was resolved
	BitsStored     int
	Frames         int // frames in the file; only the first is decoded

	// Notes are facts a reader of the output should know, e.g. that a multi-frame file was cut
	// to its first frame or that a VOI LUT was applied.
	Notes []string
}

// At returns the pixel at column x, row y. It panics on coordinates outside the image, like
// indexing a slice.
func (r *Radiograph) At(x, y int) float32 { return r.Pix[y*r.Width+x] }

// Set writes the pixel at column x, row y.
func (r *Radiograph) Set(x, y int, v float32) { r.Pix[y*r.Width+x] = v }

// New returns a black radiograph of the given size with unknown spacing.
func New(width, height int) *Radiograph {
	return &Radiograph{
		Width:         width,
		Height:        height,
		Pix:           make([]float32, width*height),
		SpacingSource: SpacingUnknown,
	}
}

// String gives a one-line summary without patient data.
func (r *Radiograph) String() string {
	return fmt.Sprintf("%dx%d %s spacing %.4gx%.4g mm (%s)", r.Width, r.Height, r.Format,
		r.SpacingMM[0], r.SpacingMM[1], r.SpacingSource)
}

// Gray8 renders the radiograph as an 8-bit image (bone bright), scaled down with Catmull-Rom
// so that neither side exceeds maxSide pixels; maxSide ≤ 0 keeps the full size.
func (r *Radiograph) Gray8(maxSide int) *image.Gray {
	full := image.NewGray(image.Rect(0, 0, r.Width, r.Height))
	for i, v := range r.Pix {
		full.Pix[i] = uint8(math.Round(float64(clamp01(float64(v))) * 255))
	}
	long := max(r.Width, r.Height)
	if maxSide <= 0 || long <= maxSide {
		return full
	}
	w := max(1, r.Width*maxSide/long)
	h := max(1, r.Height*maxSide/long)
	small := image.NewGray(image.Rect(0, 0, w, h))
	draw.CatmullRom.Scale(small, small.Bounds(), full, full.Bounds(), draw.Src, nil)
	return small
}
