package phantom

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/suyashkumar/dicom"
	"github.com/suyashkumar/dicom/pkg/tag"

	"rascore/read"
	"rascore/svdh"
)

// cleanOptions are noise-free films of one right hand with no damage unless forced, no
// collimator, ring or marker, so that measurements see only bone and soft tissue.
func cleanOptions() Options {
	o := DefaultOptions()
	o.NoiseFree = true
	o.LeftShare = 0
	o.FlipShare = 0
	o.RingShare = 0
	o.CollimationShare = 0
	o.Markers = false
	o.Damage.SiteProb = 0
	return o
}

// fingerJoints are the joints whose width the truth gives.
var fingerJoints = []svdh.Joint{svdh.MCP1, svdh.MCP2, svdh.MCP3, svdh.MCP4, svdh.MCP5,
	svdh.PIP2, svdh.PIP3, svdh.PIP4, svdh.PIP5, svdh.ThumbIP}

func render(t *testing.T, o Options, seed uint64) (*read.Radiograph, *Truth) {
	t.Helper()
	img, tr, err := Render(o, seed, 0)
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	return img, tr
}

// bilinear samples the film at sub-pixel (x, y).
func bilinear(img *read.Radiograph, x, y float64) float64 {
	x0, y0 := int(math.Floor(x)), int(math.Floor(y))
	if x0 < 0 || y0 < 0 || x0+1 >= img.Width || y0+1 >= img.Height {
		return math.NaN()
	}
	fx, fy := x-float64(x0), y-float64(y0)
	a := float64(img.At(x0, y0))*(1-fx) + float64(img.At(x0+1, y0))*fx
	b := float64(img.At(x0, y0+1))*(1-fx) + float64(img.At(x0+1, y0+1))*fx
	return a*(1-fy) + b*fy
}

// attenuation recovers the line integral from a noise-free film (film = 1 − exp(−A)).
func attenuation(i float64) float64 { return -math.Log(math.Max(1e-9, 1-i)) }

// axisProfile samples attenuation along a joint's axis from −halfMM to +halfMM (mm) about its
// centre, every stepMM.
func axisProfile(img *read.Radiograph, jt JointTruth, halfMM, stepMM float64) []float64 {
	mm := img.SpacingMM[0]
	a := jt.AxisDeg * math.Pi / 180
	dx, dy := math.Cos(a)/mm, math.Sin(a)/mm
	n := int(math.Round(2 * halfMM / stepMM))
	out := make([]float64, n+1)
	for k := range out {
		t := -halfMM + float64(k)*stepMM
		out[k] = attenuation(bilinear(img, jt.CenterPx[0]+dx*t, jt.CenterPx[1]+dy*t))
	}
	return out
}

// measureJSW finds the two bone margins on the axis profile at half height between the gap's
// floor and each bone's nearest peak (within 1.5 mm), at sub-sample precision, and returns
// the distance between them in mm.
func measureJSW(img *read.Radiograph, jt JointTruth) (float64, error) {
	const half, step = 2.5, 0.005
	p := axisProfile(img, jt, half, step)
	mid := len(p) / 2
	floor := math.Inf(1)
	for k := mid - int(0.15/step); k <= mid+int(0.15/step); k++ {
		floor = math.Min(floor, p[k])
	}
	span := int(1.5 / step)
	edge := func(dir int) (float64, error) {
		peak := 0.0
		for k := mid; k != mid+dir*span; k += dir {
			peak = math.Max(peak, p[k])
		}
		level := (floor + peak) / 2
		for k := mid; k != mid+dir*span; k += dir {
			if p[k+dir] >= level && p[k] < level {
				f := (level - p[k]) / (p[k+dir] - p[k])
				return (float64(k-mid) + f*float64(dir)) * step, nil
			}
		}
		return 0, fmt.Errorf("no margin on side %d (floor %.3f peak %.3f)", dir, floor, peak)
	}
	lo, err := edge(-1)
	if err != nil {
		return 0, err
	}
	hi, err := edge(1)
	if err != nil {
		return 0, err
	}
	return hi - lo, nil
}

func forceFingerJSN(o *Options, side svdh.Side, grade int) {
	o.Damage.Grades = map[string]int{}
	for _, s := range svdh.Select(svdh.Hand, side) {
		if s.Kind == svdh.JSN && s.Joint != svdh.CMC3 && s.Joint != svdh.CMC4 &&
			s.Joint != svdh.CMC5 && s.Joint != svdh.MNA && s.Joint != svdh.CapNLun &&
			s.Joint != svdh.RadCar {
			o.Damage.Grades[s.Column] = grade
		}
	}
}

// TestJSWMatchesFilm measures every finger joint's space on noise-free films at JSN grades 0–3
// and checks it against the truth to 0.05 mm, at two spacings and with rotated hands.
func TestJSWMatchesFilm(t *testing.T) {
	cases := []struct {
		grade     int
		spacingMM float64
		seed      uint64
	}{
		{0, 0.1, 11}, {1, 0.1, 12}, {2, 0.1, 13}, {3, 0.1, 14}, {0, 0.15, 15}, {2, 0.15, 16},
		{3, 0.15, 17}, {1, 0.2, 18},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("grade%d/%gmm", c.grade, c.spacingMM), func(t *testing.T) {
			o := cleanOptions()
			o.SpacingMM = c.spacingMM
			forceFingerJSN(&o, svdh.Right, c.grade)
			img, tr := render(t, o, c.seed)
			hand := tr.Hands[0]
			worst := 0.0
			for _, j := range fingerJoints {
				jt := hand.Joints[j]
				if jt.JSWMM == nil {
					t.Fatalf("%s: no width in truth", j)
				}
				if j != svdh.ThumbIP && jt.JSN != c.grade {
					t.Fatalf("%s: JSN %d, forced %d", j, jt.JSN, c.grade)
				}
				got, err := measureJSW(img, jt)
				if err != nil {
					t.Fatalf("%s: %v", j, err)
				}
				diff := got - *jt.JSWMM
				worst = math.Max(worst, math.Abs(diff))
				if math.Abs(diff) > 0.05 {
					t.Errorf("%s: measured %.3f mm, truth %.3f mm", j, got, *jt.JSWMM)
				}
				if c.grade >= 2 && *jt.JSWMM >= *jt.NormalJSWMM*0.81 && j != svdh.ThumbIP {
					t.Errorf("%s: grade %d width %.3f not narrowed from %.3f", j, c.grade,
						*jt.JSWMM, *jt.NormalJSWMM)
				}
			}
			t.Logf("worst error %.4f mm", worst)
		})
	}
}

// TestJSNGradeWidths checks the truth widths follow the grade mapping: grade 2 keeps more
// than half the normal width, grade 3 less than half, grade 4 none.
func TestJSNGradeWidths(t *testing.T) {
	for grade, want := range map[int][2]float64{0: {1, 1}, 2: {0.5, 0.81}, 3: {0.2, 0.5}, 4: {0, 0}} {
		o := cleanOptions()
		o.SpacingMM = 0.3
		forceFingerJSN(&o, svdh.Right, grade)
		_, tr := render(t, o, 21)
		for _, j := range fingerJoints[:9] {
			jt := tr.Hands[0].Joints[j]
			share := *jt.JSWMM / *jt.NormalJSWMM
			if share < want[0]-1e-3 || share > want[1]+1e-3 {
				t.Errorf("grade %d %s: width share %.3f outside %v", grade, j, share, want)
			}
		}
	}
}

// TestAnkylosisNoGap checks that at JSN 4 the bone runs through the joint: attenuation on the
// axis never drops far below the bone either side, while at grade 0 it does.
func TestAnkylosisNoGap(t *testing.T) {
	dip := func(grade int) map[svdh.Joint]float64 {
		o := cleanOptions()
		forceFingerJSN(&o, svdh.Right, grade)
		img, tr := render(t, o, 31)
		out := map[svdh.Joint]float64{}
		for _, j := range fingerJoints[:9] {
			p := axisProfile(img, tr.Hands[0].Joints[j], 1.5, 0.01)
			floor := math.Inf(1)
			for k := 100; k <= 200; k++ { // ±0.5 mm about the centre
				floor = math.Min(floor, p[k])
			}
			out[j] = floor / math.Min(p[0], p[len(p)-1])
		}
		return out
	}
	fused, open := dip(4), dip(0)
	for _, j := range fingerJoints[:9] {
		if fused[j] < 0.85 {
			t.Errorf("%s grade 4: axis falls to %.2f of the bone level; want bone through", j,
				fused[j])
		}
		if open[j] > 0.75 {
			t.Errorf("%s grade 0: axis only falls to %.2f of the bone level; want a gap", j,
				open[j])
		}
	}
}

// TestSiteCentreOnJointSpace checks that each finger joint's centre is darker than the bone
// 1 mm beyond the space on either side along the axis, on films with random damage.
func TestSiteCentreOnJointSpace(t *testing.T) {
	for seed := uint64(40); seed < 43; seed++ {
		o := cleanOptions()
		o.Damage.SiteProb = 0.3
		o.Damage.HealthyShare = 0
		o.LeftShare = 0.5
		o.Hands = 2
		img, tr := render(t, o, seed)
		for _, hand := range tr.Hands {
			for _, j := range fingerJoints {
				jt := hand.Joints[j]
				if jt.JSN == 4 || jt.JSWMM == nil {
					continue
				}
				a := jt.AxisDeg * math.Pi / 180
				off := (*jt.JSWMM/2 + 1) / img.SpacingMM[0]
				c := bilinear(img, jt.CenterPx[0], jt.CenterPx[1])
				before := bilinear(img, jt.CenterPx[0]-math.Cos(a)*off, jt.CenterPx[1]-math.Sin(a)*off)
				after := bilinear(img, jt.CenterPx[0]+math.Cos(a)*off, jt.CenterPx[1]+math.Sin(a)*off)
				if !(c < before-0.02 && c < after-0.02) {
					t.Errorf("seed %d %s %s: centre %.3f, bones %.3f and %.3f", seed,
						hand.Laterality, j, c, before, after)
				}
			}
		}
	}
}

// insidePolygon is the even-odd rule.
func insidePolygon(poly [][2]float64, x, y float64) bool {
	in := false
	for i, j := 0, len(poly)-1; i < len(poly); j, i = i, i+1 {
		a, b := poly[i], poly[j]
		if (a[1] > y) != (b[1] > y) && x < (b[0]-a[0])*(y-a[1])/(b[1]-a[1])+a[0] {
			in = !in
		}
	}
	return in
}

func meanInside(img *read.Radiograph, poly [][2]float64) (float64, int) {
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, p := range poly {
		minX, maxX = math.Min(minX, p[0]), math.Max(maxX, p[0])
		minY, maxY = math.Min(minY, p[1]), math.Max(maxY, p[1])
	}
	sum, n := 0.0, 0
	for y := int(minY); y <= int(maxY)+1; y++ {
		for x := int(minX); x <= int(maxX)+1; x++ {
			if insidePolygon(poly, float64(x), float64(y)) {
				sum += float64(img.At(x, y))
				n++
			}
		}
	}
	return sum / float64(max(n, 1)), n
}

// TestErosionLowersAttenuation renders the same film with erosions forced at several sites
// and without, and compares the mean film value inside each defect's outline.
func TestErosionLowersAttenuation(t *testing.T) {
	cols := []string{"RH_mcp_E__2", "RH_pip_E__3", "RH_wrist_E__ulna", "RH_wrist_E__nav",
		"RH_mcp_E__5"}
	for _, grade := range []int{1, 3, 5} {
		o := cleanOptions()
		o.Damage.Grades = map[string]int{}
		for _, c := range cols {
			o.Damage.Grades[c] = grade
		}
		eroded, tr := render(t, o, 51)
		for _, c := range cols {
			o.Damage.Grades[c] = 0
		}
		clean, tr0 := render(t, o, 51)
		for _, c := range cols {
			site := tr.Hands[0].Sites[c]
			if site.Grade != grade || tr0.Hands[0].Sites[c].Grade != 0 {
				t.Fatalf("%s: grades %d and %d", c, site.Grade, tr0.Hands[0].Sites[c].Grade)
			}
			sum := 0
			for _, e := range site.Erosions {
				sum += e.Grade
				with, n := meanInside(eroded, e.OutlinePx)
				without, _ := meanInside(clean, e.OutlinePx)
				if n < 10 {
					t.Errorf("%s %s: outline covers only %d px", c, e.Bone, n)
				}
				if without-with < 0.01 {
					t.Errorf("%s grade %d on %s: mean %.4f eroded vs %.4f intact", c, e.Grade,
						e.Bone, with, without)
				}
			}
			if min(sum, 5) != grade {
				t.Errorf("%s: bone grades sum to %d, site grade %d", c, sum, grade)
			}
		}
	}
}

// TestSplitErosion checks the two bones of a joint always add up, capped at 5, to its grade.
func TestSplitErosion(t *testing.T) {
	for grade := 0; grade <= 5; grade++ {
		for k := 0; k < 200; k++ {
			u := (float64(k) + 0.5) / 200
			p, d := splitErosion(grade, u)
			if p < 0 || d < 0 || p > 5 || d > 5 || min(5, p+d) != grade {
				t.Fatalf("grade %d u %.3f: split %d+%d", grade, u, p, d)
			}
		}
	}
}

// TestLateralityFollowsThumb checks on unrotated films, mirrored or not, that a left hand's
// thumb (MCP 1) lies to the image right of its little finger (MCP 5), as on the atlas's left
// hands, and a right hand's to the left, and that two-hand films hold the left hand on the
// image left.
func TestLateralityFollowsThumb(t *testing.T) {
	o := cleanOptions()
	o.SpacingMM = 0.4
	o.RotateDeg = 0
	o.LeftShare = 0.5
	o.FlipShare = 0.5
	seen := map[string]bool{}
	for seed := uint64(0); seed < 12; seed++ {
		_, tr := render(t, o, seed)
		h := tr.Hands[0]
		thumbRight := h.Joints[svdh.MCP1].CenterPx[0] > h.Joints[svdh.MCP5].CenterPx[0]
		if thumbRight != (h.Laterality == svdh.Left) || tr.Laterality != string(h.Laterality) {
			t.Errorf("seed %d: laterality %s but thumb on the right %v", seed, h.Laterality,
				thumbRight)
		}
		if len(h.Sites) != 31 {
			t.Errorf("seed %d: %d sites, want 31", seed, len(h.Sites))
		}
		for _, s := range svdh.Select(svdh.Hand, h.Laterality) {
			if _, ok := h.Sites[s.Column]; !ok {
				t.Errorf("seed %d: no site %s", seed, s.Column)
			}
		}
		seen[fmt.Sprintf("%s mirrored=%v", h.Laterality, tr.Mirrored)] = true
	}
	if len(seen) < 3 {
		t.Errorf("only saw %v", seen)
	}

	o.Hands = 2
	_, tr := render(t, o, 5)
	if tr.Laterality != "B" || len(tr.Hands) != 2 {
		t.Fatalf("two-hand film: laterality %s, %d hands", tr.Laterality, len(tr.Hands))
	}
	for _, h := range tr.Hands {
		onLeft := h.Joints[svdh.MCP3].CenterPx[0] < float64(tr.Width)/2
		if onLeft != (h.Laterality == svdh.Left) {
			t.Errorf("two-hand film (mirrored %v): %s hand on the left %v", tr.Mirrored,
				h.Laterality, onLeft)
		}
	}
}

func smallNoisy() Options {
	o := DefaultOptions()
	o.SpacingMM = 0.4
	o.Hands = 2
	o.RingShare = 1
	o.CollimationShare = 1
	return o
}

func digest(t *testing.T, o Options, seed uint64) (png, dcm, truth [32]byte) {
	t.Helper()
	img, tr := render(t, o, seed)
	var b bytes.Buffer
	if err := WritePNG(&b, img, o); err != nil {
		t.Fatal(err)
	}
	png = sha256.Sum256(b.Bytes())
	b.Reset()
	if err := WriteDICOM(&b, img, tr, o); err != nil {
		t.Fatal(err)
	}
	dcm = sha256.Sum256(b.Bytes())
	j, err := tr.MarshalIndent()
	if err != nil {
		t.Fatal(err)
	}
	return png, dcm, sha256.Sum256(j)
}

// TestDeterministic checks that the same seed and options give the same PNG, DICOM and truth
// bytes, and that another seed gives other bytes.
func TestDeterministic(t *testing.T) {
	o := smallNoisy()
	p1, d1, j1 := digest(t, o, 7)
	p2, d2, j2 := digest(t, o, 7)
	if p1 != p2 || d1 != d2 || j1 != j2 {
		t.Fatalf("same seed, different bytes: png %v dicom %v truth %v", p1 == p2, d1 == d2,
			j1 == j2)
	}
	p3, d3, j3 := digest(t, o, 8)
	if p1 == p3 || d1 == d3 || j1 == j3 {
		t.Fatalf("different seeds, same bytes: png %v dicom %v truth %v", p1 == p3, d1 == d3,
			j1 == j3)
	}
}

// TestDICOMParsesBack writes films in both photometric interpretations and reads them back
// with the dicom library.
func TestDICOMParsesBack(t *testing.T) {
	for _, photometric := range []string{"MONOCHROME2", "MONOCHROME1"} {
		o := smallNoisy()
		o.Hands = 1
		o.Photometric = photometric
		o.BitsStored = 14
		o.SpacingMM = 0.35
		img, tr := render(t, o, 3)
		var b bytes.Buffer
		if err := WriteDICOM(&b, img, tr, o); err != nil {
			t.Fatal(err)
		}
		ds, err := dicom.Parse(bytes.NewReader(b.Bytes()), int64(b.Len()), nil)
		if err != nil {
			t.Fatalf("%s: parse: %v", photometric, err)
		}
		str := func(tg tag.Tag) []string {
			e, err := ds.FindElementByTag(tg)
			if err != nil {
				t.Fatalf("%s: %v: %v", photometric, tg, err)
			}
			return dicom.MustGetStrings(e.Value)
		}
		num := func(tg tag.Tag) int {
			e, err := ds.FindElementByTag(tg)
			if err != nil {
				t.Fatalf("%s: %v: %v", photometric, tg, err)
			}
			return dicom.MustGetInts(e.Value)[0]
		}
		if num(tag.Rows) != img.Height || num(tag.Columns) != img.Width {
			t.Errorf("size %dx%d, want %dx%d", num(tag.Columns), num(tag.Rows), img.Width,
				img.Height)
		}
		for _, tg := range []tag.Tag{tag.PixelSpacing, tag.ImagerPixelSpacing} {
			if s := str(tg); len(s) != 2 || s[0] != "0.35" || s[1] != "0.35" {
				t.Errorf("%v = %v", tg, s)
			}
		}
		checks := map[tag.Tag]string{
			tag.PhotometricInterpretation: photometric, tag.ImageLaterality: tr.Laterality,
			tag.BodyPartExamined: "HAND", tag.ViewPosition: "PA", tag.Modality: "DX",
			tag.PatientID: "PHANTOM-3-0", tag.StudyDate: StudyDate,
		}
		for tg, want := range checks {
			if got := str(tg)[0]; got != want {
				t.Errorf("%s: %v = %q, want %q", photometric, tg, got, want)
			}
		}
		if num(tag.BitsAllocated) != 16 || num(tag.BitsStored) != 14 || num(tag.HighBit) != 13 {
			t.Errorf("bits %d/%d/%d", num(tag.BitsAllocated), num(tag.BitsStored),
				num(tag.HighBit))
		}
		e, err := ds.FindElementByTag(tag.PixelData)
		if err != nil {
			t.Fatal(err)
		}
		fr, err := dicom.MustGetPixelDataInfo(e.Value).Frames[0].GetNativeFrame()
		if err != nil {
			t.Fatal(err)
		}
		x, y := img.Width/2, img.Height/2
		px, err := fr.GetPixel(x, y)
		if err != nil {
			t.Fatal(err)
		}
		want := int(math.Round(float64(img.At(x, y)) * 16383))
		if photometric == "MONOCHROME1" {
			want = 16383 - want
		}
		if px[0] != want {
			t.Errorf("%s: pixel %d, want %d", photometric, px[0], want)
		}
	}
}

// TestValidate checks bad options are refused with ErrOptions.
func TestValidate(t *testing.T) {
	bad := []func(*Options){
		func(o *Options) { o.Hands = 3 },
		func(o *Options) { o.SpacingMM = 0 },
		func(o *Options) { o.BitsStored = 8 },
		func(o *Options) { o.Photometric = "RGB" },
		func(o *Options) { o.Damage.Grades = map[string]int{"RH_mcp_J__2": 5} },
		func(o *Options) { o.Damage.Grades = map[string]int{"LF_mtp_E__1": 1} },
		func(o *Options) { o.HeightPx = 2400 }, // a height without a width would be ignored
	}
	for i, f := range bad {
		o := DefaultOptions()
		f(&o)
		if _, _, err := Render(o, 1, 0); !errors.Is(err, ErrOptions) {
			t.Errorf("case %d: err %v, want ErrOptions", i, err)
		}
	}
}

// BenchmarkRender2000x2500 renders a 2000×2500 film at default options.
func BenchmarkRender2000x2500(b *testing.B) {
	o := DefaultOptions()
	o.WidthPx, o.HeightPx = 2000, 2500
	for i := 0; b.Loop(); i++ {
		if _, _, err := Render(o, 1, i); err != nil {
			b.Fatal(err)
		}
	}
}
