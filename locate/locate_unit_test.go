package locate

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math"
	"strings"
	"testing"

	"rascore/dataset"
	"rascore/phantom"
	"rascore/svdh"
)

// gaussianMaps draws one Gaussian per channel at the given heat-map coordinates.
func gaussianMaps(grid, stride int, centres [][2]float64, sigma float64) *Heatmaps {
	h := &Heatmaps{Channels: len(centres), Grid: grid, Stride: stride,
		Data: make([]float32, len(centres)*grid*grid)}
	for c, p := range centres {
		for y := 0; y < grid; y++ {
			for x := 0; x < grid; x++ {
				d2 := math.Pow(float64(x)-p[0], 2) + math.Pow(float64(y)-p[1], 2)
				h.Data[(c*grid+y)*grid+x] = float32(math.Exp(-d2 / (2 * sigma * sigma)))
			}
		}
	}
	return h
}

func TestPeaksAreSubCellExact(t *testing.T) {
	centres := [][2]float64{{10.3, 20.7}, {33.5, 5.1}, {0.9, 62.2}, {40, 40}}
	h := gaussianMaps(64, 4, centres, 1.5)
	for c, p := range centres {
		peaks := h.Peaks(c, 0.5)
		if len(peaks) != 1 {
			t.Fatalf("channel %d: %d peaks, want 1", c, len(peaks))
		}
		wantX, wantY := (p[0]+0.5)*4-0.5, (p[1]+0.5)*4-0.5
		if math.Hypot(peaks[0].X-wantX, peaks[0].Y-wantY) > 0.05 {
			t.Errorf("channel %d: peak (%.3f, %.3f), want (%.3f, %.3f)", c, peaks[0].X,
				peaks[0].Y, wantX, wantY)
		}
	}
	two := gaussianMaps(64, 4, [][2]float64{{10, 10}}, 1.5)
	other := gaussianMaps(64, 4, [][2]float64{{50, 30}}, 1.5)
	for i := range two.Data {
		two.Data[i] = float32(math.Max(float64(two.Data[i]), 0.8*float64(other.Data[i])))
	}
	if peaks := two.Peaks(0, 0.5); len(peaks) != 2 || peaks[0].Value < peaks[1].Value {
		t.Errorf("two bumps: %+v, want two peaks, strongest first", peaks)
	}
}

// handFromPhantom places every joint of a phantom's first hand exactly, as a perfect network
// would.
func handFromPhantom(t *testing.T, opts phantom.Options, seed uint64) (*Hand, svdh.Side) {
	t.Helper()
	_, truth, err := phantom.Render(opts, seed, 0)
	if err != nil {
		t.Fatal(err)
	}
	th := truth.Hands[0]
	h := &Hand{}
	for _, j := range svdh.HandJoints() {
		p := th.Joints[j].CenterPx
		h.Joints = append(h.Joints, Joint{Joint: j, XPx: p[0], YPx: p[1], Confidence: 0.9})
		h.CentreX += p[0] / 22
		h.CentreY += p[1] / 22
	}
	return h, th.Laterality
}

func TestLateralityFromAnatomy(t *testing.T) {
	opts := phantom.DefaultOptions()
	opts.NoiseFree, opts.SpacingMM, opts.RotateDeg = true, 0.2, 180
	for seed := uint64(1); seed <= 12; seed++ {
		opts.FlipShare = float64(seed % 2)
		h, want := handFromPhantom(t, opts, seed)
		checkLayout(h, [2]float64{0.2, 0.2})
		decideLaterality(h)
		if h.Laterality != want || h.LateralityConfidence < 0.8 {
			t.Errorf("seed %d: %s (%.2f), want %s", seed, h.Laterality,
				h.LateralityConfidence, want)
		}
		for _, j := range h.Joints {
			if j.Missing {
				t.Errorf("seed %d: true joint %s dropped: %s", seed, j.Joint, j.Reason)
			}
		}
		if len(h.Warnings) > 0 {
			t.Errorf("seed %d: warnings on a true layout: %v", seed, h.Warnings)
		}
	}
}

func TestLayoutDropsImpossibleJoints(t *testing.T) {
	opts := phantom.DefaultOptions()
	opts.NoiseFree, opts.SpacingMM = true, 0.2
	h, _ := handFromPhantom(t, opts, 3)
	mcp3, _ := h.JointAt(svdh.MCP3)
	pip3, _ := h.JointAt(svdh.PIP3)
	for i := range h.Joints {
		switch h.Joints[i].Joint {
		case svdh.PIP3: // put PIP 3 back behind MCP 3, towards the wrist
			h.Joints[i].XPx = 2*mcp3.XPx - pip3.XPx
			h.Joints[i].YPx = 2*mcp3.YPx - pip3.YPx
		case svdh.Ulna: // far off the hand
			h.Joints[i].XPx += 5000
		}
	}
	checkLayout(h, [2]float64{0.2, 0.2})
	for _, j := range []svdh.Joint{svdh.PIP3, svdh.Ulna} {
		got, _ := h.JointAt(j)
		if !got.Missing || got.Reason == "" {
			t.Errorf("%s kept at an impossible place (%+v)", j, got)
		}
	}
	if got, _ := h.JointAt(svdh.MCP3); got.Missing {
		t.Errorf("MCP 3 dropped: %s", got.Reason)
	}

	checkLayout(h, [2]float64{2, 2}) // ten times the real spacing: a 70 cm hand
	if !strings.Contains(strings.Join(h.Warnings, ";"), "implausible") {
		t.Errorf("warnings %v do not question a 70 cm hand", h.Warnings)
	}
}

func TestModelDescriptionIsChecked(t *testing.T) {
	onnx := []byte("not really a network")
	good := ModelInfo{Schema: "rascore.model/v1", Name: "locator", HeatmapStride: 4,
		Channels: append([]string(nil), dataset.LocateChannels()...)}
	good.Input.Shape = []int64{1, 1, 256, 256}
	good.Output.Shape = []int64{1, 23, 64, 64}
	sum := sha256.Sum256(onnx)
	good.SHA256 = hex.EncodeToString(sum[:])
	if err := checkInfo(good, onnx); err != nil {
		t.Fatalf("a consistent description was refused: %v", err)
	}
	bad := []func(*ModelInfo){
		func(m *ModelInfo) { m.SHA256 = strings.Repeat("0", 64) },
		func(m *ModelInfo) { m.Channels[0], m.Channels[1] = m.Channels[1], m.Channels[0] },
		func(m *ModelInfo) { m.Name = "scorer" },
		func(m *ModelInfo) { m.Output.Shape = []int64{1, 23, 32, 32} },
		func(m *ModelInfo) { m.Input.Shape = []int64{1, 3, 256, 256} },
	}
	for i, mutate := range bad {
		m := good
		m.Channels = append([]string(nil), good.Channels...)
		mutate(&m)
		if err := checkInfo(m, onnx); !errors.Is(err, ErrModel) {
			t.Errorf("mutation %d: %v, want ErrModel", i, err)
		}
	}
	if _, err := LoadModel(onnx, []byte("{")); !errors.Is(err, ErrModel) {
		t.Errorf("broken JSON: %v, want ErrModel", err)
	}
}
