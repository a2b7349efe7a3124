package phantom

import (
	"encoding/json"
	"fmt"
	"io"

	"rascore/svdh"
)

// TruthSchema names the layout of Truth; it changes whenever a field changes meaning.
const TruthSchema = "rascore.phantom.truth/v1"

// Truth is the exact ground truth of one film. Positions are film pixels with the origin at the
// centre of the top-left pixel, x to the right and y down. Angles are degrees from +x towards +y
// (so a finger pointing to the top of the film has axis −90°).
type Truth struct {
	Schema string `json:"schema"`
	// Film is the file name the film was written under; empty until a writer sets it.
	Film  string `json:"film,omitempty"`
	Seed  uint64 `json:"seed"`
	Index int    `json:"index"`

	Width     int        `json:"width"`
	Height    int        `json:"height"`
	SpacingMM [2]float64 `json:"spacing_mm"` // [across columns, down rows]
	// Laterality is "L" or "R" for one-hand films and "B" for two.
	Laterality  string `json:"laterality"`
	Photometric string `json:"photometric"`
	BitsStored  int    `json:"bits_stored"`
	NoiseFree   bool   `json:"noise_free"`
	// Mirrored says the film was flipped left to right after rendering; laterality and
	// positions describe the film as written.
	Mirrored bool `json:"mirrored"`

	Hands []HandTruth `json:"hands"`
}

// HandTruth is the truth of one hand on a film.
type HandTruth struct {
	// Laterality is the anatomical side, "L" or "R", decided by where the thumb is.
	Laterality svdh.Side `json:"laterality"`
	RotateDeg  float64   `json:"rotate_deg"` // in-plane rotation from fingers-up
	SizeFactor float64   `json:"size_factor"`
	Density    float64   `json:"density"`
	Ring       bool      `json:"ring"`

	// Joints holds every scored joint of the hand (svdh.HandJoints), keyed by joint name.
	Joints map[svdh.Joint]JointTruth `json:"joints"`
	// Sites holds every SvdH site of the hand (svdh.Select(svdh.Hand, side)), keyed by
	// RA2-DREAM column.
	Sites map[string]SiteTruth `json:"sites"`

	// TotalErosion and TotalJSN are the hand's SvdH sums.
	TotalErosion int `json:"total_erosion"`
	TotalJSN     int `json:"total_jsn"`
}

// JointTruth is one joint: where it is and both of its scores.
type JointTruth struct {
	CenterPx [2]float64 `json:"center_px"`
	// AxisDeg is the direction of the joint axis from the proximal towards the distal bone.
	AxisDeg float64 `json:"axis_deg"`
	// JSN is the JSN grade, -1 where SvdH scores no JSN (thumb IP and the single-bone wrist
	// erosion sites).
	JSN int `json:"jsn"`
	// Erosion is the erosion grade, -1 where SvdH scores no erosion (CMC 3–5, mna, capnlun,
	// radcar).
	Erosion int `json:"erosion"`
	// JSWMM is the joint space width (mm) on the film along the axis through the centre, for
	// finger joints; null elsewhere or where the bone end has collapsed.
	JSWMM *float64 `json:"jsw_mm"`
	// NormalJSWMM is the width this joint would have at JSN grade 0.
	NormalJSWMM *float64 `json:"normal_jsw_mm,omitempty"`
	// Erosions are the defects, one per eroded bone; their grades sum (capped at 5) to
	// Erosion.
	Erosions []ErosionTruth `json:"erosions,omitempty"`
}

// SiteTruth is one SvdH site: a joint scored for one kind.
type SiteTruth struct {
	Joint    svdh.Joint `json:"joint"`
	Kind     svdh.Kind  `json:"kind"`
	Label    string     `json:"label"`
	Grade    int        `json:"grade"`
	CenterPx [2]float64 `json:"center_px"`
	AxisDeg  float64    `json:"axis_deg"`
	// JSWMM is as in JointTruth, on both kinds of site of a finger joint.
	JSWMM    *float64       `json:"jsw_mm,omitempty"`
	Erosions []ErosionTruth `json:"erosions,omitempty"`
}

// ErosionTruth is one bone's defect.
type ErosionTruth struct {
	Bone  string `json:"bone"`
	Grade int    `json:"grade"`
	// RadiusMM is the radius of the ball of bone removed.
	RadiusMM float64 `json:"radius_mm"`
	// OutlinePx is the defect as seen on the film: the ball's disc clipped to the bone's
	// outline, a closed polygon (first point not repeated).
	OutlinePx [][2]float64 `json:"outline_px"`
}

// Hand gives the film's hand of that side, or nil when the film has none.
func (t *Truth) Hand(side svdh.Side) *HandTruth {
	for i := range t.Hands {
		if t.Hands[i].Laterality == side {
			return &t.Hands[i]
		}
	}
	return nil
}

// MarshalIndent returns the truth as indented JSON with a final newline. Maps marshal with
// sorted keys, so equal truths give equal bytes.
func (t *Truth) MarshalIndent() ([]byte, error) {
	b, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("marshal truth: %w", err)
	}
	return append(b, '\n'), nil
}

// WriteTruth writes the truth as indented JSON.
func WriteTruth(w io.Writer, t *Truth) error {
	b, err := t.MarshalIndent()
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("write truth: %w", err)
	}
	return nil
}

// ReadTruth parses a truth written by WriteTruth and checks its schema.
func ReadTruth(r io.Reader) (*Truth, error) {
	var t Truth
	if err := json.NewDecoder(r).Decode(&t); err != nil {
		return nil, fmt.Errorf("read truth: %w", err)
	}
	if t.Schema != TruthSchema {
		return nil, fmt.Errorf("read truth: schema %q, want %q", t.Schema, TruthSchema)
	}
	return &t, nil
}

// maxGrade returns the larger of a joint's two grades (ignoring -1).
func (j JointTruth) maxGrade() int { return max(j.JSN, j.Erosion, 0) }
