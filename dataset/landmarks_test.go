package dataset

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"rascore/svdh"
)

// repoRoot returns the folder holding go.mod at or above the working directory.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod at or above the working directory")
		}
		dir = parent
	}
}

// landmarkDir returns the hand-landmark set at ../shared/data/hand-landmarks beside the
// repository root, or skips the test when it is not there.
func landmarkDir(t *testing.T) string {
	t.Helper()
	root, err := repoRoot()
	if err != nil {
		t.Skipf("hand-landmark set not found: %v", err)
	}
	data := filepath.Join(root, "..", "shared", "data", "hand-landmarks")
	if _, err := os.Stat(filepath.Join(data, "landmarks.csv")); err != nil {
		t.Skipf("hand-landmark set not found at %s (read-only shared data, not in the repo)", data)
	}
	return data
}

func loadSet(t *testing.T) []LandmarkImage {
	t.Helper()
	ims, err := LoadLandmarks(landmarkDir(t))
	if err != nil {
		t.Fatal(err)
	}
	return ims
}

func TestLoadLandmarksSet(t *testing.T) {
	ims := loadSet(t)
	if len(ims) != 133 {
		t.Fatalf("%d films, want 133", len(ims))
	}
	counts := map[Split]int{}
	for _, im := range ims {
		counts[im.Split]++
		if im.Width < 500 || im.Width > 1024 || im.Height != 1024 {
			t.Errorf("%s: size %d×%d, want long side 1024 upright", im.Image, im.Width, im.Height)
		}
		for i, p := range im.Landmarks {
			if p.X < 0 || p.Y < 0 || p.X >= float64(im.Width) || p.Y >= float64(im.Height) {
				t.Errorf("%s: landmark %d at %v lies outside the image", im.Image, i+1, p)
			}
		}
	}
	want := map[Split]int{Train: 91, Valid: 21, Test: 21}
	for s, n := range want {
		if counts[s] != n {
			t.Errorf("split %s: %d films, want %d", s, counts[s], n)
		}
	}
	first := ims[0]
	if first.Image != "3143.jpg" || first.Split != Train || first.Width != 709 {
		t.Errorf("first film %s %s %d px wide, want 3143.jpg train 709", first.Image,
			first.Split, first.Width)
	}
	if got := first.Landmarks.At(UlnaPhysisUlnar); got != (Point{167.5, 973.6}) {
		t.Errorf("3143.jpg landmark 1 = %v, want {167.5 973.6}", got)
	}
	if got := first.Landmarks.At(DP5Tip); got != (Point{78.8, 247.3}) {
		t.Errorf("3143.jpg landmark 37 = %v, want {78.8 247.3}", got)
	}
}

// TestJointsFromLandmarksAnatomy checks the mapping on every film of the set: all 22 joints
// placed inside the image, on a left hand, in the order the skeleton puts them.
func TestJointsFromLandmarksAnatomy(t *testing.T) {
	for _, im := range loadSet(t) {
		joints := JointsFromLandmarks(&im.Landmarks)
		for _, j := range svdh.HandJoints() {
			jp, ok := joints[j]
			if !ok {
				t.Errorf("%s: %s not placed", im.Image, j)
				continue
			}
			c := jp.Centre
			if c.X < 0 || c.Y < 0 || c.X >= float64(im.Width) || c.Y >= float64(im.Height) {
				t.Errorf("%s: %s at %v lies outside the image", im.Image, j, c)
			}
		}
		if len(joints) != len(svdh.HandJoints()) {
			t.Errorf("%s: %d joints, want %d", im.Image, len(joints), len(svdh.HandJoints()))
		}
		for _, p := range anatomyProblems(joints) {
			t.Errorf("%s: %s", im.Image, p)
		}
		// The atlas films are all left hands, PA, fingers up: the thumb lies on the image's
		// right and the fingers point up.
		ls := &im.Landmarks
		if ls.At(DP1Tip).X <= ls.At(DP5Tip).X || ls.At(PP1Base).X <= ls.At(PP5Base).X {
			t.Errorf("%s: thumb not on the image's right", im.Image)
		}
		if joints[svdh.PIP3].Centre.Y >= joints[svdh.RadCar].Centre.Y {
			t.Errorf("%s: fingers do not point up the image", im.Image)
		}
	}
}

// TestAnatomyChecksCatchWrongMappings makes sure the checks would notice a wrong landmark table:
// each broken variant of every real film must be reported by landmarkProblems or
// anatomyProblems. The joint checks alone catch all but the scaphoid–lunate swap, which moves
// the derived centres too little; the landmark checks catch every variant.
func TestAnatomyChecksCatchWrongMappings(t *testing.T) {
	ims := loadSet(t)
	swap := func(ls *Landmarks, a, b Landmark) { ls[a-1], ls[b-1] = ls[b-1], ls[a-1] }
	broken := map[string]func(ls *Landmarks, width float64){
		"index and little finger swapped": func(ls *Landmarks, _ float64) {
			for i := Landmark(0); i < 4; i++ {
				swap(ls, PP2Base+i, PP5Base+i)
			}
			swap(ls, MC2Base, MC5Base)
		},
		"ring and middle finger swapped": func(ls *Landmarks, _ float64) {
			for i := Landmark(0); i < 4; i++ {
				swap(ls, PP3Base+i, PP4Base+i)
			}
		},
		"PP base and head swapped": func(ls *Landmarks, _ float64) {
			for _, f := range fingers {
				swap(ls, f.ppBase, f.ppHead)
			}
		},
		"mirrored film (a right hand)": func(ls *Landmarks, width float64) {
			for i := range ls {
				ls[i].X = width - ls[i].X
			}
		},
		"radius and ulna swapped": func(ls *Landmarks, _ float64) {
			swap(ls, UlnaPhysisUlnar, RadiusPhysisRadial)
			swap(ls, UlnaPhysisRadial, RadiusPhysisUlnar)
			swap(ls, UlnaStyloid, RadiusStyloid)
		},
		"scaphoid and lunate swapped": func(ls *Landmarks, _ float64) {
			swap(ls, ScaphoidPole, LunatePole)
		},
		"metacarpal bases reversed": func(ls *Landmarks, _ float64) {
			swap(ls, MC5Base, MC2Base)
			swap(ls, MC4Base, MC3Base)
		},
	}
	for name, breakIt := range broken {
		caught := 0
		for _, im := range ims {
			ls := im.Landmarks
			breakIt(&ls, float64(im.Width))
			if len(landmarkProblems(&ls))+len(anatomyProblems(JointsFromLandmarks(&ls))) > 0 {
				caught++
			}
		}
		if caught != len(ims) {
			t.Errorf("%s: caught on %d of %d films, want all", name, caught, len(ims))
		}
	}
}

// TestLandmarkTableAnatomy checks the landmark table itself on every film: the points of each
// row of bones run from the ulnar to the radial side, and those of each ray from proximal to
// distal, as the table's names say.
func TestLandmarkTableAnatomy(t *testing.T) {
	for _, im := range loadSet(t) {
		for _, p := range landmarkProblems(&im.Landmarks) {
			t.Errorf("%s: %s", im.Image, p)
		}
	}
}

// landmarkProblems lists where the landmarks of one left hand, PA view, contradict the
// anatomy LandmarkTable gives them. Two frames: the fingers are measured across from the PP 5
// base to the PP 2 base, the wrist across from the ulnar to the radial corner of the forearm
// physes; along runs at right angles, towards the fingertips.
func landmarkProblems(ls *Landmarks) []string {
	var out []string
	hand := newLandmarkFrame(ls, PP5Base, PP2Base, DP3Tip)
	wrist := newLandmarkFrame(ls, UlnaPhysisUlnar, RadiusPhysisRadial, MC3Base)
	if hand.mirrored || wrist.mirrored {
		out = append(out, "ulnar→radial turns the wrong way against the fingers: "+
			"not a left hand, PA")
	}

	rows := []struct {
		f  landmarkFrame
		ls []Landmark
	}{
		// 3 and 4 may touch where the radius overlaps the ulna (3148, 3715), so each is only
		// ordered against the outer corners.
		{wrist, []Landmark{UlnaPhysisUlnar, UlnaPhysisRadial, RadiusPhysisRadial}},
		{wrist, []Landmark{UlnaPhysisUlnar, RadiusPhysisUlnar, RadiusPhysisRadial}},
		{wrist, []Landmark{UlnaStyloid, RadiusStyloid}},
		{wrist, []Landmark{TriquetrumPole, LunatePole, ScaphoidPole}},
		{wrist, []Landmark{HamatePole, CapitatePole, TrapezoidPole, TrapeziumPole}},
		{hand, []Landmark{MC5Base, MC4Base, MC3Base, MC2Base, MC1Base}},
		{hand, []Landmark{PP5Base, PP4Base, PP3Base, PP2Base, PP1Base}},
		{hand, []Landmark{DP5Tip, DP4Tip, DP3Tip, DP2Tip, DP1Tip}},
	}
	for _, r := range rows {
		for i := 1; i < len(r.ls); i++ {
			if r.f.across(r.ls[i]) <= r.f.across(r.ls[i-1]) {
				out = append(out, fmt.Sprintf("%s not radial of %s", r.ls[i], r.ls[i-1]))
			}
		}
	}

	rays := []struct {
		f  landmarkFrame
		ls []Landmark
	}{
		{hand, []Landmark{MC1Base, PP1Base, PP1Head, DP1Tip}},
		{hand, []Landmark{MC2Base, PP2Base, PP2Head, MP2Head, DP2Tip}},
		{hand, []Landmark{MC3Base, PP3Base, PP3Head, MP3Head, DP3Tip}},
		{hand, []Landmark{MC4Base, PP4Base, PP4Head, MP4Head, DP4Tip}},
		{hand, []Landmark{MC5Base, PP5Base, PP5Head, MP5Head, DP5Tip}},
		{wrist, []Landmark{RadiusPhysisUlnar, LunatePole, CapitatePole, MC3Base}},
		{wrist, []Landmark{RadiusPhysisRadial, ScaphoidPole, TrapezoidPole, MC2Base}},
		{wrist, []Landmark{UlnaPhysisUlnar, TriquetrumPole, HamatePole, MC4Base}},
	}
	for _, r := range rays {
		for i := 1; i < len(r.ls); i++ {
			if r.f.along(r.ls[i]) <= r.f.along(r.ls[i-1]) {
				out = append(out, fmt.Sprintf("%s not distal of %s", r.ls[i], r.ls[i-1]))
			}
		}
	}
	return out
}

// landmarkFrame projects landmarks onto an across axis (ulnar to radial) and the along axis at
// right angles to it (proximal to distal).
type landmarkFrame struct {
	ls             *Landmarks
	ax, ay, ux, uy float64
	mirrored       bool
}

// newLandmarkFrame runs across from ulnar to radial and along towards distal.
func newLandmarkFrame(ls *Landmarks, ulnar, radial, distal Landmark) landmarkFrame {
	p, q, d := ls.At(ulnar), ls.At(radial), ls.At(distal)
	n := math.Hypot(q.X-p.X, q.Y-p.Y)
	f := landmarkFrame{ls: ls, ax: (q.X - p.X) / n, ay: (q.Y - p.Y) / n}
	f.ux, f.uy = -f.ay, f.ax
	if f.ux*(d.X-p.X)+f.uy*(d.Y-p.Y) < 0 {
		f.ux, f.uy = -f.ux, -f.uy
	}
	// For a left hand seen PA the across axis turns clockwise on the image (y down) into along.
	f.mirrored = f.ax*f.uy-f.ay*f.ux > 0
	return f
}

func (f landmarkFrame) across(l Landmark) float64 { p := f.ls.At(l); return p.X*f.ax + p.Y*f.ay }
func (f landmarkFrame) along(l Landmark) float64  { p := f.ls.At(l); return p.X*f.ux + p.Y*f.uy }

// anatomyProblems lists what is anatomically wrong with the joints of one left hand, PA view.
// Positions are measured in a frame fixed by the MCP joints, in units of the MCP 2–5 span, so
// the checks hold for any rotation and scale. The bounds hold on all 133 films with margin.
func anatomyProblems(j map[svdh.Joint]JointPoint) []string {
	var out []string
	bad := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	f := newHandFrame(j)
	across := func(k svdh.Joint) float64 { a, _ := f.coords(j[k].Centre); return a }
	along := func(k svdh.Joint) float64 { _, u := f.coords(j[k].Centre); return u }

	if f.span < 200 || f.span > 400 {
		bad("MCP 2–5 span %.0f px, want 200–400 (36–80 mm at 0.14–0.2 mm/px)", f.span)
	}
	if !f.leftPA {
		bad("MCP 5→2 turns the wrong way against wrist→MCP 3: not a left hand in PA view")
	}

	// Knuckles: MCP 1 to 5 from the radial to the ulnar side, evenly spaced.
	mcps := []svdh.Joint{svdh.MCP1, svdh.MCP2, svdh.MCP3, svdh.MCP4, svdh.MCP5}
	for i := 1; i+1 < len(mcps); i++ {
		gap := across(mcps[i]) - across(mcps[i+1])
		if gap < 0.2 || gap > 0.5 {
			bad("%s lies %.2f spans radial of %s, want 0.2–0.5", mcps[i], gap, mcps[i+1])
		}
	}
	if across(svdh.MCP1) <= across(svdh.MCP2) {
		bad("mcp1 not radial of mcp2")
	}

	// Fingers: each PIP distal of its MCP by a plausible proximal-phalanx length, the middle
	// finger's the longest and the little finger's the shortest of 2–5.
	pp := map[svdh.Joint]float64{}
	pairs := [][2]svdh.Joint{{svdh.MCP2, svdh.PIP2}, {svdh.MCP3, svdh.PIP3},
		{svdh.MCP4, svdh.PIP4}, {svdh.MCP5, svdh.PIP5}, {svdh.MCP1, svdh.ThumbIP}}
	for _, p := range pairs {
		pp[p[1]] = dist(j[p[0]].Centre, j[p[1]].Centre) / f.span
		if d := along(p[1]) - along(p[0]); d < 0.25 && p[1] != svdh.ThumbIP {
			bad("%s only %.2f spans distal of %s, want ≥ 0.25", p[1], d, p[0])
		}
		if pp[p[1]] < 0.35 || pp[p[1]] > 1.0 {
			bad("%s–%s is %.2f spans, want 0.35–1.0", p[0], p[1], pp[p[1]])
		}
	}
	if along(svdh.ThumbIP)-along(svdh.MCP1) < 0.15 {
		bad("ip not distal of mcp1")
	}
	if !(pp[svdh.PIP3] > pp[svdh.PIP2] && pp[svdh.PIP3] > pp[svdh.PIP4] &&
		pp[svdh.PIP4] > pp[svdh.PIP5] && pp[svdh.PIP2] > pp[svdh.PIP5] &&
		pp[svdh.PIP2] > pp[svdh.ThumbIP]) {
		bad("proximal phalanx lengths out of order: %v", pp)
	}

	// Wrist, proximal to distal: radius, radiocarpal, lunate, capitate head, CMC 3, MCP 3; and
	// scaphoid, STT joint, trapezium/trapezoid; thumb from CMC 1 to MCP 1.
	chains := [][]svdh.Joint{
		{svdh.Radius, svdh.RadCar, svdh.Lunate, svdh.CapNLun, svdh.CMC3, svdh.MCP3},
		{svdh.Scaphoid, svdh.MNA, svdh.Trapezium},
		{svdh.CMC1, svdh.MCP1, svdh.ThumbIP},
	}
	for _, c := range chains {
		for i := 1; i < len(c); i++ {
			if along(c[i]) <= along(c[i-1]) {
				bad("%s not distal of %s", c[i], c[i-1])
			}
		}
	}
	// Ulnar to radial across the wrist.
	rows := [][]svdh.Joint{
		{svdh.Ulna, svdh.Radius},
		{svdh.Lunate, svdh.Scaphoid, svdh.Trapezium},
		{svdh.CMC5, svdh.CMC4, svdh.CMC3, svdh.CMC1},
	}
	for _, r := range rows {
		for i := 1; i < len(r); i++ {
			if across(r[i]) <= across(r[i-1]) {
				bad("%s not radial of %s", r[i], r[i-1])
			}
		}
	}
	if d := along(svdh.MCP3) - along(svdh.RadCar); d < 1.1 || d > 2.0 {
		bad("radcar %.2f spans proximal of mcp3, want 1.1–2.0", d)
	}

	// Axes: fingers 2–5 within 45° of the hand's long axis; thumb and scaphoid turned radially.
	for _, k := range []svdh.Joint{svdh.MCP2, svdh.MCP3, svdh.MCP4, svdh.MCP5, svdh.PIP2,
		svdh.PIP3, svdh.PIP4, svdh.PIP5, svdh.CMC3, svdh.CMC4, svdh.CMC5, svdh.CapNLun,
		svdh.RadCar, svdh.Radius, svdh.Ulna, svdh.Lunate, svdh.Trapezium} {
		if a := f.relAngle(j[k].AngleDeg); math.Abs(a) > 60 {
			bad("%s axis turned %.0f° from the hand's long axis, want within 60°", k, a)
		}
	}
	for _, k := range []svdh.Joint{svdh.MCP1, svdh.ThumbIP, svdh.CMC1, svdh.Scaphoid} {
		if a := f.relAngle(j[k].AngleDeg); a < -5 || a > 90 {
			bad("%s axis turned %.0f° from the long axis, want −5–90° (radially)", k, a)
		}
	}
	return out
}

// handFrame measures positions in units of the MCP 2–5 span: across runs from MCP 5 to MCP 2
// (ulnar to radial), along at right angles to it on the side away from the radiocarpal joint
// (proximal to distal); the origin is MCP 3.
type handFrame struct {
	origin       Point
	across, long [2]float64
	span         float64
	// leftPA is whether ulnar→radial turns clockwise into proximal→distal on the image, as it
	// does for a left hand seen PA (thumb right, fingers up).
	leftPA bool
}

func newHandFrame(j map[svdh.Joint]JointPoint) handFrame {
	m2, m3, m5 := j[svdh.MCP2].Centre, j[svdh.MCP3].Centre, j[svdh.MCP5].Centre
	rc := j[svdh.RadCar].Centre
	ax, ay := m2.X-m5.X, m2.Y-m5.Y
	dx, dy := m3.X-rc.X, m3.Y-rc.Y
	long := [2]float64{-ay, ax}
	if long[0]*dx+long[1]*dy < 0 {
		long = [2]float64{ay, -ax}
	}
	span := math.Hypot(ax, ay)
	return handFrame{
		origin: m3,
		across: [2]float64{ax / span, ay / span},
		long:   [2]float64{long[0] / span, long[1] / span},
		span:   span,
		leftPA: ax*dy-ay*dx < 0,
	}
}

// coords returns p's position across and along the hand, in spans.
func (f handFrame) coords(p Point) (across, along float64) {
	dx, dy := p.X-f.origin.X, p.Y-f.origin.Y
	return (dx*f.across[0] + dy*f.across[1]) / f.span, (dx*f.long[0] + dy*f.long[1]) / f.span
}

// relAngle returns how far a direction turns from the hand's along axis, in degrees, −180–180,
// positive towards the radial side.
func (f handFrame) relAngle(angleDeg float64) float64 {
	a := angleDeg * math.Pi / 180
	dx, dy := math.Cos(a), math.Sin(a)
	return math.Atan2(dx*f.across[0]+dy*f.across[1], dx*f.long[0]+dy*f.long[1]) * 180 / math.Pi
}

func dist(a, b Point) float64 { return math.Hypot(a.X-b.X, a.Y-b.Y) }

// TestJointsFromLandmarksGeometry checks the placement rules on a drawn hand with straight,
// upright fingers, where every expected value can be worked out by hand.
func TestJointsFromLandmarksGeometry(t *testing.T) {
	var ls Landmarks
	set := func(l Landmark, x, y float64) { ls[l-1] = Point{x, y} }
	// Proximal phalanges 200, 230, 215 and 170 px long.
	heads := []float64{300, 270, 285, 330}
	for i, x := range []float64{400, 300, 200, 100} { // index to little finger
		r := Landmark(4 * i)
		set(MC2Base-Landmark(i), x, 800)
		set(PP2Base+r, x, 500)
		set(PP2Head+r, x, heads[i])
		set(MP2Head+r, x, 180)
		set(DP2Tip+r, x, 100)
	}
	set(MC1Base, 500, 800)
	set(PP1Base, 500, 600)
	set(PP1Head, 500, 470)
	set(DP1Tip, 500, 380)
	set(TrapezoidPole, 400, 860)
	set(TrapeziumPole, 500, 860)
	set(ScaphoidPole, 440, 960)
	set(LunatePole, 300, 960)
	set(HamatePole, 200, 880)
	set(CapitatePole, 300, 880)
	set(TriquetrumPole, 150, 940)
	set(RadiusPhysisUlnar, 280, 1050)
	set(RadiusPhysisRadial, 480, 1050)
	set(RadiusStyloid, 500, 980)
	set(UlnaPhysisUlnar, 120, 1050)
	set(UlnaPhysisRadial, 220, 1050)
	set(UlnaStyloid, 110, 990)

	j := JointsFromLandmarks(&ls)
	want := map[svdh.Joint]JointPoint{
		svdh.MCP2:      {Point{400, 506}, -90}, // 3 % of the 200 px phalanx proximal
		svdh.PIP2:      {Point{400, 298}, -90}, // 1 % distal
		svdh.MCP5:      {Point{100, 505.1}, -90},
		svdh.PIP5:      {Point{100, 328.3}, -90},
		svdh.MCP1:      {Point{500, 603.9}, -90},
		svdh.ThumbIP:   {Point{500, 468.7}, -90},
		svdh.CMC3:      {Point{300, 800}, -90},
		svdh.CMC1:      {Point{500, 800}, -90},
		svdh.MNA:       {Point{450, 860}, axis(Point{440, 960}, Point{450, 860})},
		svdh.Scaphoid:  {Point{445, 910}, axis(Point{440, 960}, Point{450, 860})},
		svdh.Trapezium: {Point{450, 830}, -90},
		svdh.Lunate:    {Point{275, 920}, axis(Point{300, 960}, Point{250, 880})},
		svdh.CapNLun:   {Point{300, 880}, -90},
		svdh.RadCar:    {Point{370, 960}, -90},
		svdh.Radius:    {Point{390, 1010}, -90},
		svdh.Ulna:      {Point{150, 1030}, -90},
	}
	for k, w := range want {
		g := j[k]
		if dist(g.Centre, w.Centre) > 1e-9 || math.Abs(g.AngleDeg-w.AngleDeg) > 1e-9 {
			t.Errorf("%s = %+v, want %+v", k, g, w)
		}
	}
	if len(j) != 22 {
		t.Errorf("%d joints, want 22", len(j))
	}
	if p := anatomyProblems(j); len(p) > 0 {
		t.Errorf("drawn hand fails the anatomy checks: %v", p)
	}
}

func TestBisect(t *testing.T) {
	cases := []struct{ a, b, want float64 }{
		{-90, -90, -90},
		{-80, -100, -90},
		{170, -170, 180},
		{0, 90, 45},
	}
	for _, c := range cases {
		got := bisect(c.a, c.b)
		d := math.Mod(got-c.want+540, 360) - 180
		if math.Abs(d) > 1e-9 {
			t.Errorf("bisect(%v, %v) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

func TestLandmarkTable(t *testing.T) {
	names := map[string]bool{}
	for i, info := range LandmarkTable {
		if int(info.Landmark) != i+1 {
			t.Errorf("LandmarkTable[%d] is landmark %d, want %d", i, info.Landmark, i+1)
		}
		if names[info.Name] || info.Name == "" || info.Anatomy == "" {
			t.Errorf("landmark %d: name %q repeated or empty", i+1, info.Name)
		}
		names[info.Name] = true
	}
	if PP5Base.String() != "pp5-base" || DP5Tip != 37 || Landmark(0).String() != "landmark(0)" {
		t.Errorf("names: %s %d %s", PP5Base, DP5Tip, Landmark(0))
	}
}
