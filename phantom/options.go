package phantom

import (
	"errors"
	"fmt"
	"math"

	"rascore/svdh"
)

// ErrOptions is returned (wrapped) when Options hold a value Render cannot honour.
var ErrOptions = errors.New("phantom: invalid options")

// Options set everything a film varies by. The zero value is not useful; start from
// DefaultOptions and change fields.
type Options struct {
	// Hands is 1 (one hand per film, left or right) or 2 (a left hand on the image left and a
	// right hand on the image right, thumbs towards the middle, as PA films are read: as if
	// looking at the backs of the hands).
	Hands int
	// LeftShare is the share of one-hand films that show a left hand.
	LeftShare float64
	// FlipShare is the share of films mirrored left to right after rendering, as a film stored
	// the wrong way round would be. The truth follows the anatomy: a mirrored right hand is
	// reported as a left hand, and its marker letter reads backwards.
	FlipShare float64

	// SpacingMM is the pixel size (mm), the same across and down; 0.1–0.2 on real films.
	SpacingMM float64
	// WidthPx and HeightPx set the film size; zero picks 240×300 mm for one hand and
	// 430×350 mm for two.
	WidthPx, HeightPx int

	// RotateDeg is the largest in-plane rotation of a hand either way (degrees).
	RotateDeg float64
	// SizeRange is the range of the hand-size factor; 1 is an adult hand about 19 cm long
	// from the radiocarpal joint to the tip of the middle finger.
	SizeRange [2]float64
	// DensityRange is the range of the bone-density factor (0.7 is an old, osteopenic hand:
	// thin cortex, pale marrow).
	DensityRange [2]float64
	// SpreadDeg is the largest abduction of a finger at its MCP joint (degrees).
	SpreadDeg float64
	// FlexDeg is the largest flexion of a phalanx out of the film plane (degrees); the bone is
	// foreshortened by its cosine.
	FlexDeg float64

	// RingShare is the share of hands wearing a ring.
	RingShare float64
	// Markers draws a lead L or R marker on the film.
	Markers bool
	// CollimationShare is the share of films with visible collimator edges.
	CollimationShare float64

	// NoiseFree turns off quantum noise, blur, scatter and the heel effect, for tests that
	// measure the film against its truth.
	NoiseFree bool
	// BlurMM is the standard deviation of the focal-spot and detector blur (mm).
	BlurMM float64
	// ScatterFraction is the scatter-to-primary ratio under the thickest tissue.
	ScatterFraction float64
	// HeelFraction is the largest relative exposure change from one film edge to the other.
	HeelFraction float64
	// Photons is the mean detected photon count per pixel in open field; quantum noise
	// grows as it falls.
	Photons float64

	// Photometric is "MONOCHROME2" (bone bright in stored values) or "MONOCHROME1" (stored
	// values inverted). It affects DICOM output only; PNG is always bone bright.
	Photometric string
	// BitsStored is the depth of the stored values, 10–16.
	BitsStored int
	// Modality is "DX" or "CR".
	Modality string

	// Damage says how often and how badly joints are damaged.
	Damage Damage
}

// Damage is the mix from which a film's SvdH grades are drawn.
type Damage struct {
	// HealthyShare is the share of hands with no damage at all.
	HealthyShare float64
	// SiteProb is the base chance that a site of a damaged hand has a grade above 0; each joint
	// scales it by its weight in Weights.
	SiteProb float64
	// GradeDecay is the ratio between the chances of grade g+1 and grade g once a site is
	// damaged; small values keep most damage at grade 1.
	GradeDecay float64
	// Weights scale SiteProb per joint; a joint not listed weighs 1. Nil uses
	// DefaultWeights. Typical RA patterns (MCP 2–3, PIPs, ulnar styloid, wrist) weigh more.
	Weights map[svdh.Joint]float64
	// Grades forces the grade of sites, keyed by RA2-DREAM column (e.g. "RH_mcp_E__2"). Forced
	// grades leave every other draw unchanged, so a film rendered with and without a forced
	// grade differs only at that site (and, for JSN, in where the bones beyond it sit).
	Grades map[string]int
}

// DefaultWeights returns the per-joint weights used when Damage.Weights is nil.
func DefaultWeights() map[svdh.Joint]float64 {
	return map[svdh.Joint]float64{
		svdh.MCP2: 1.8, svdh.MCP3: 1.7, svdh.MCP4: 1.1, svdh.MCP5: 1.3, svdh.MCP1: 0.7,
		svdh.PIP2: 1.3, svdh.PIP3: 1.4, svdh.PIP4: 1.2, svdh.PIP5: 1.1, svdh.ThumbIP: 0.8,
		svdh.Ulna: 1.8, svdh.Radius: 1.2, svdh.Scaphoid: 1.4, svdh.Lunate: 1.1,
		svdh.Trapezium: 1.0, svdh.CMC1: 1.0, svdh.CapNLun: 1.4, svdh.RadCar: 1.3,
		svdh.MNA: 1.2, svdh.CMC3: 0.9, svdh.CMC4: 0.9, svdh.CMC5: 0.9,
	}
}

// DefaultOptions returns the options a plain `rascore phantom` run uses.
func DefaultOptions() Options {
	return Options{
		Hands:            1,
		LeftShare:        0.5,
		FlipShare:        0.1,
		SpacingMM:        0.15,
		RotateDeg:        20,
		SizeRange:        [2]float64{0.85, 1.02},
		DensityRange:     [2]float64{0.7, 1.1},
		SpreadDeg:        8,
		FlexDeg:          25,
		RingShare:        0.15,
		Markers:          true,
		CollimationShare: 0.4,
		BlurMM:           0.1,
		ScatterFraction:  0.12,
		HeelFraction:     0.12,
		Photons:          3000,
		Photometric:      "MONOCHROME2",
		BitsStored:       12,
		Modality:         "DX",
		Damage: Damage{
			HealthyShare: 0.3,
			SiteProb:     0.22,
			GradeDecay:   0.5,
		},
	}
}

// Validate reports the first field Render cannot honour, wrapping ErrOptions.
func (o Options) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrOptions, fmt.Sprintf(format, a...))
	}
	switch {
	case o.Hands != 1 && o.Hands != 2:
		return bad("hands %d: want 1 or 2", o.Hands)
	case !(o.SpacingMM >= 0.05 && o.SpacingMM <= 0.5):
		return bad("spacing %g mm: want 0.05–0.5", o.SpacingMM)
	case o.WidthPx < 0 || o.HeightPx < 0 || o.WidthPx > 20000 || o.HeightPx > 20000:
		return bad("film size %dx%d px", o.WidthPx, o.HeightPx)
	case (o.WidthPx > 0) != (o.HeightPx > 0):
		return bad("film size %dx%d px: give the width and the height together, or neither",
			o.WidthPx, o.HeightPx)
	case o.WidthPx > 0 && (float64(o.WidthPx)*o.SpacingMM < 120*float64(o.Hands) ||
		float64(o.HeightPx)*o.SpacingMM < 160):
		// smaller films cannot hold a hand, and the truth would place joints off the film
		return bad("film of %.0f×%.0f mm is too small: want at least %d×160 mm",
			float64(o.WidthPx)*o.SpacingMM, float64(o.HeightPx)*o.SpacingMM, 120*o.Hands)
	case !(o.RotateDeg >= 0 && o.RotateDeg <= 180):
		return bad("rotation %g°: want 0–180", o.RotateDeg)
	case o.BitsStored < 10 || o.BitsStored > 16:
		return bad("bits stored %d: want 10–16", o.BitsStored)
	case o.Photometric != "MONOCHROME1" && o.Photometric != "MONOCHROME2":
		return bad("photometric %q: want MONOCHROME1 or MONOCHROME2", o.Photometric)
	case o.Modality != "DX" && o.Modality != "CR":
		return bad("modality %q: want DX or CR", o.Modality)
	case !(o.SizeRange[0] > 0.5 && o.SizeRange[1] >= o.SizeRange[0] && o.SizeRange[1] < 1.5):
		return bad("size range %v", o.SizeRange)
	case !(o.DensityRange[0] > 0.2 && o.DensityRange[1] >= o.DensityRange[0]):
		return bad("density range %v", o.DensityRange)
	case !o.NoiseFree && !(o.Photons > 0):
		return bad("photons %g: want > 0", o.Photons)
	case math.IsNaN(o.BlurMM) || o.BlurMM < 0 || o.ScatterFraction < 0 || o.HeelFraction < 0:
		return bad("blur, scatter and heel must not be negative")
	}
	for _, p := range []float64{o.LeftShare, o.FlipShare, o.RingShare, o.CollimationShare,
		o.Damage.HealthyShare, o.Damage.SiteProb, o.Damage.GradeDecay} {
		if !(p >= 0 && p <= 1) {
			return bad("share or probability %g outside 0–1", p)
		}
	}
	for col, g := range o.Damage.Grades {
		site, ok := svdh.ByColumn(col)
		if !ok || site.Part != svdh.Hand {
			return bad("forced grade for %q: not a hand site", col)
		}
		if g < 0 || g > site.Max {
			return bad("forced grade %d for %s: want 0–%d", g, col, site.Max)
		}
	}
	return nil
}

// filmSizePx returns the film size in pixels.
func (o Options) filmSizePx() (int, int) {
	if o.WidthPx > 0 && o.HeightPx > 0 {
		return o.WidthPx, o.HeightPx
	}
	wMM, hMM := 240.0, 300.0
	if o.Hands == 2 {
		wMM, hMM = 430, 350
	}
	return int(math.Round(wMM / o.SpacingMM)), int(math.Round(hMM / o.SpacingMM))
}
