// Package dataset turns annotated hand radiographs into training material for the locate and
// score networks: the patches and heat-map targets that the Go pipeline itself would produce.
//
// It takes the hand-landmark set kept outside the repository (USC Digital Hand Atlas films, 37
// points each, see LoadLandmarks) and gives, per film, the SvdH hand joints placed from those
// points (JointsFromLandmarks). It does not decode DICOM, score joints or train anything, and it
// never copies the atlas into the repository.
package dataset

import (
	"math"
	"strconv"

	"rascore/svdh"
)

// NumLandmarks is how many points the hand-landmark set marks on each film.
const NumLandmarks = 37

// Landmark numbers one point of the hand-landmark set, 1–37 as in the columns x1,y1…x37,y37 of
// landmarks.csv.
//
// The anatomy of each number was established by drawing the points on films from all parts of
// the set (3143, 3148, 3157, 3172, 3188, 3208, 3213, 3235, 3260, 3277, 3300, 3303, 3751, 3760,
// 3818) and reading them at 2–3× zoom; docs/landmark-mapping.png shows three of them. Every film
// of the set is a left hand, PA view, fingers up, thumb on the image's right (some carry an "L"
// marker). The films are of children, so the forearm points sit at the growth plates (physes).
// Radial is the thumb side, ulnar the little-finger side. Two quirks: on 3751, whose distal
// ulnar epiphysis has not ossified, landmark 2 lies on landmark 1; where the radius overlaps the
// ulna (3148, 3715) landmarks 3 and 4 nearly touch.
//
// On the fingers there is one point per joint, not two: at the MCP joints it sits in the base
// (epiphysis) of the proximal phalanx, the distal side of the joint; at the PIP, DIP and thumb
// IP joints it sits on the head of the proximal bone, the proximal side of the joint. The
// metacarpal heads carry no point.
type Landmark int

// The 37 landmarks. PP, MP and DP are the proximal, middle and distal phalanges; MC the
// metacarpals; rays are numbered 1 (thumb) to 5 (little finger).
const (
	UlnaPhysisUlnar    Landmark = iota + 1 // 1  ulna metaphysis at the physis, ulnar corner
	UlnaStyloid                            // 2  tip of the ulnar styloid (distal ulnar epiphysis)
	UlnaPhysisRadial                       // 3  ulna metaphysis at the physis, radial corner
	RadiusPhysisUlnar                      // 4  radius metaphysis at the physis, ulnar corner
	RadiusPhysisRadial                     // 5  radius metaphysis at the physis, radial corner
	RadiusStyloid                          // 6  tip of the radial styloid (distal radial epiphysis)
	TriquetrumPole                         // 7  triquetrum, proximal pole
	LunatePole                             // 8  lunate, proximal pole, on the radius
	ScaphoidPole                           // 9  scaphoid, proximal pole, on the radius
	HamatePole                             // 10 hamate, proximal pole
	CapitatePole                           // 11 capitate, proximal pole (head)
	TrapezoidPole                          // 12 trapezoid, proximal surface
	TrapeziumPole                          // 13 trapezium, proximal surface
	MC5Base                                // 14 base of MC5
	MC4Base                                // 15 base of MC4
	MC3Base                                // 16 base of MC3
	MC2Base                                // 17 base of MC2
	MC1Base                                // 18 base of MC1 (its basal epiphysis)
	PP1Base                                // 19 thumb PP base: distal side of MCP 1
	PP1Head                                // 20 thumb PP head: proximal side of the IP joint
	DP1Tip                                 // 21 thumb DP tip
	PP2Base                                // 22 index PP base: distal side of MCP 2
	PP2Head                                // 23 index PP head: proximal side of PIP 2
	MP2Head                                // 24 index MP head: proximal side of DIP 2
	DP2Tip                                 // 25 index DP tip
	PP3Base                                // 26 middle finger, as 22–25
	PP3Head                                // 27
	MP3Head                                // 28
	DP3Tip                                 // 29
	PP4Base                                // 30 ring finger, as 22–25
	PP4Head                                // 31
	MP4Head                                // 32
	DP4Tip                                 // 33
	PP5Base                                // 34 little finger, as 22–25
	PP5Head                                // 35
	MP5Head                                // 36
	DP5Tip                                 // 37
)

// LandmarkInfo names one landmark.
type LandmarkInfo struct {
	Landmark Landmark
	// Name is a short key, e.g. "pp2-base".
	Name string
	// Anatomy says which bone, which end, and which joint the point borders.
	Anatomy string
}

// LandmarkTable lists the 37 landmarks in CSV order; LandmarkTable[i] is landmark i+1.
var LandmarkTable = [NumLandmarks]LandmarkInfo{
	{UlnaPhysisUlnar, "ulna-physis-ulnar", "ulna, metaphysis at the physis, ulnar corner"},
	{UlnaStyloid, "ulna-styloid", "ulna, tip of the styloid process"},
	{UlnaPhysisRadial, "ulna-physis-radial", "ulna, metaphysis at the physis, radial corner"},
	{RadiusPhysisUlnar, "radius-physis-ulnar", "radius, metaphysis at the physis, ulnar corner"},
	{RadiusPhysisRadial, "radius-physis-radial", "radius, metaphysis at the physis, radial corner"},
	{RadiusStyloid, "radius-styloid", "radius, tip of the styloid process"},
	{TriquetrumPole, "triquetrum", "triquetrum, proximal pole"},
	{LunatePole, "lunate", "lunate, proximal pole (radiocarpal joint)"},
	{ScaphoidPole, "scaphoid", "scaphoid, proximal pole (radiocarpal joint)"},
	{HamatePole, "hamate", "hamate, proximal pole"},
	{CapitatePole, "capitate", "capitate, proximal pole (midcarpal joint)"},
	{TrapezoidPole, "trapezoid", "trapezoid, proximal surface (scaphoid side)"},
	{TrapeziumPole, "trapezium", "trapezium, proximal surface (scaphoid side)"},
	{MC5Base, "mc5-base", "little finger, metacarpal base: distal side of CMC 5"},
	{MC4Base, "mc4-base", "ring finger, metacarpal base: distal side of CMC 4"},
	{MC3Base, "mc3-base", "middle finger, metacarpal base: distal side of CMC 3"},
	{MC2Base, "mc2-base", "index finger, metacarpal base: distal side of CMC 2"},
	{MC1Base, "mc1-base", "thumb, metacarpal base: distal side of CMC 1"},
	{PP1Base, "pp1-base", "thumb, proximal phalanx base: distal side of MCP 1"},
	{PP1Head, "pp1-head", "thumb, proximal phalanx head: proximal side of IP"},
	{DP1Tip, "dp1-tip", "thumb, distal phalanx tip"},
	{PP2Base, "pp2-base", "index finger, proximal phalanx base: distal side of MCP 2"},
	{PP2Head, "pp2-head", "index finger, proximal phalanx head: proximal side of PIP 2"},
	{MP2Head, "mp2-head", "index finger, middle phalanx head: proximal side of DIP 2"},
	{DP2Tip, "dp2-tip", "index finger, distal phalanx tip"},
	{PP3Base, "pp3-base", "middle finger, proximal phalanx base: distal side of MCP 3"},
	{PP3Head, "pp3-head", "middle finger, proximal phalanx head: proximal side of PIP 3"},
	{MP3Head, "mp3-head", "middle finger, middle phalanx head: proximal side of DIP 3"},
	{DP3Tip, "dp3-tip", "middle finger, distal phalanx tip"},
	{PP4Base, "pp4-base", "ring finger, proximal phalanx base: distal side of MCP 4"},
	{PP4Head, "pp4-head", "ring finger, proximal phalanx head: proximal side of PIP 4"},
	{MP4Head, "mp4-head", "ring finger, middle phalanx head: proximal side of DIP 4"},
	{DP4Tip, "dp4-tip", "ring finger, distal phalanx tip"},
	{PP5Base, "pp5-base", "little finger, proximal phalanx base: distal side of MCP 5"},
	{PP5Head, "pp5-head", "little finger, proximal phalanx head: proximal side of PIP 5"},
	{MP5Head, "mp5-head", "little finger, middle phalanx head: proximal side of DIP 5"},
	{DP5Tip, "dp5-tip", "little finger, distal phalanx tip"},
}

// String returns the landmark's short name, or "landmark(n)" outside 1–37.
func (l Landmark) String() string {
	if l < 1 || l > NumLandmarks {
		return "landmark(" + strconv.Itoa(int(l)) + ")"
	}
	return LandmarkTable[l-1].Name
}

// Point is a position in image pixels: X to the right, Y down, origin at the top-left corner.
type Point struct{ X, Y float64 }

// Landmarks holds the 37 points of one film; Landmarks[i] is landmark i+1. Use At to index by
// Landmark.
type Landmarks [NumLandmarks]Point

// At returns the point of landmark l.
func (ls *Landmarks) At(l Landmark) Point { return ls[l-1] }

// JointPoint places one SvdH joint on a film.
type JointPoint struct {
	// Centre is the joint centre (or, for a bone site, the centre of the bone end), in pixels.
	Centre Point
	// AngleDeg is the direction of the bone axis through the joint, pointing from proximal to
	// distal, in image coordinates: atan2(dy, dx) in degrees, so 0 points right, 90 down and
	// -90 up the image.
	AngleDeg float64
}

// Where the joint gap lies relative to a finger landmark, as a fraction of the length of the
// proximal phalanx. The landmark sits on one bone, not in the gap; the fractions are the median
// position of the darkest point of the intensity profile along the phalanx axis, measured over
// all 133 films: 0.023–0.034 proximal of the MCP landmarks and 0.010–0.014 distal of the PIP
// and IP landmarks (about 5 px and 2 px on these films).
const (
	mcpGapFrac = 0.03
	pipGapFrac = 0.01
)

// finger holds the landmarks of one ray 2–5.
type finger struct {
	mcBase, ppBase, ppHead, mpHead Landmark
	mcp, pip, cmc                  svdh.Joint
}

var fingers = []finger{
	{MC2Base, PP2Base, PP2Head, MP2Head, svdh.MCP2, svdh.PIP2, ""},
	{MC3Base, PP3Base, PP3Head, MP3Head, svdh.MCP3, svdh.PIP3, svdh.CMC3},
	{MC4Base, PP4Base, PP4Head, MP4Head, svdh.MCP4, svdh.PIP4, svdh.CMC4},
	{MC5Base, PP5Base, PP5Head, MP5Head, svdh.MCP5, svdh.PIP5, svdh.CMC5},
}

// JointsFromLandmarks places all 22 SvdH hand joints (svdh.HandJoints) from the 37 landmarks of
// one film. Every joint can be derived; none is left out. The derivations:
//
//   - mcp2–5, mcp1: the proximal-phalanx base point moved proximally along the phalanx by 3 %
//     of its length, into the joint gap (see mcpGapFrac). Axis: bisector of the metacarpal
//     (MC base to PP base) and the proximal phalanx (PP base to PP head).
//   - pip2–5, ip: the proximal-phalanx head point moved distally by 1 % of the phalanx length
//     (pipGapFrac). Axis: bisector of the proximal phalanx and the next bone (PP head to MP
//     head; for the thumb, PP head to DP tip).
//   - cmc3–5: the metacarpal base point (on the metacarpal side of the joint). Axis: MC base to
//     PP base.
//   - cmc1 (base of MC1): the MC1 base point. Axis: MC1 base to PP1 base.
//   - mul (trapezium and trapezoid): the mean of each bone's centre, taken as the midpoint of its
//     proximal point (12, 13) and the base of the metacarpal it carries (MC2, MC1). Axis: from
//     the mean of 12 and 13 to the mean of the MC2 and MC1 bases.
//   - nav (scaphoid): midpoint of its proximal pole (9) and the mean of the trapezium and
//     trapezoid points (12, 13), against which its distal pole lies. Axis: along that line.
//   - lunate: midpoint of its proximal pole (8) and the mean of the capitate and hamate poles
//     (10, 11), against which its distal surface lies. Axis: along that line.
//   - mna (scaphoid–trapezium–trapezoid): the mean of the trapezium and trapezoid points
//     (12, 13), which lie on the distal side of that joint. Axis: scaphoid pole (9) to there.
//   - capnlun (capitate–scaphoid–lunate): the capitate's proximal pole (11), which sits in the
//     cup of the scaphoid and lunate. Axis: capitate pole to MC3 base.
//   - radcar (radiocarpal): midpoint of the lunate and scaphoid proximal poles (8, 9), which rest
//     on the radius. Axis: the forearm axis, normal to the radial physis line (4–5), distal.
//   - radius (distal radius): mean of the radial physis corners (4, 5), the radial styloid (6)
//     and the lunate pole on the ulnar part of its articular surface (8). Axis: forearm axis.
//   - ulna (distal ulna): mean of the ulnar physis corners (1, 3) and the ulnar styloid (2).
//     Axis: normal to the ulnar physis line (1–3), towards the carpus.
//
// The wrist placements are approximate (a few millimetres): the set marks one point per carpal
// bone, so bone centres are estimated from neighbouring bones.
func JointsFromLandmarks(ls *Landmarks) map[svdh.Joint]JointPoint {
	out := make(map[svdh.Joint]JointPoint, 22)
	placeFingers(ls, out)
	placeThumb(ls, out)
	placeCarpus(ls, out)
	placeForearm(ls, out)
	return out
}

// placeFingers places the MCP, PIP and CMC joints of rays 2–5.
func placeFingers(ls *Landmarks, out map[svdh.Joint]JointPoint) {
	at := ls.At
	for _, f := range fingers {
		mc := axis(at(f.mcBase), at(f.ppBase))
		pp := axis(at(f.ppBase), at(f.ppHead))
		mp := axis(at(f.ppHead), at(f.mpHead))
		out[f.mcp] = JointPoint{lerp(at(f.ppBase), at(f.ppHead), -mcpGapFrac), bisect(mc, pp)}
		out[f.pip] = JointPoint{lerp(at(f.ppHead), at(f.ppBase), -pipGapFrac), bisect(pp, mp)}
		if f.cmc != "" {
			out[f.cmc] = JointPoint{at(f.mcBase), mc}
		}
	}
}

// placeThumb places MCP 1, the thumb IP and the base of MC1.
func placeThumb(ls *Landmarks, out map[svdh.Joint]JointPoint) {
	at := ls.At
	mc1 := axis(at(MC1Base), at(PP1Base))
	pp1 := axis(at(PP1Base), at(PP1Head))
	dp1 := axis(at(PP1Head), at(DP1Tip))
	out[svdh.MCP1] = JointPoint{lerp(at(PP1Base), at(PP1Head), -mcpGapFrac), bisect(mc1, pp1)}
	out[svdh.ThumbIP] = JointPoint{lerp(at(PP1Head), at(PP1Base), -pipGapFrac), bisect(pp1, dp1)}
	out[svdh.CMC1] = JointPoint{at(MC1Base), mc1}
}

// placeCarpus places the carpal bones and joints: mul, nav, lunate, mna and capnlun.
func placeCarpus(ls *Landmarks, out map[svdh.Joint]JointPoint) {
	at := ls.At
	trapezia := mean(at(TrapezoidPole), at(TrapeziumPole))
	mcBases := mean(at(MC2Base), at(MC1Base))
	scaphoidAxis := axis(at(ScaphoidPole), trapezia)
	distalRow := mean(at(HamatePole), at(CapitatePole))
	out[svdh.Trapezium] = JointPoint{mean(trapezia, mcBases), axis(trapezia, mcBases)}
	out[svdh.Scaphoid] = JointPoint{mean(at(ScaphoidPole), trapezia), scaphoidAxis}
	out[svdh.Lunate] = JointPoint{mean(at(LunatePole), distalRow), axis(at(LunatePole), distalRow)}
	out[svdh.MNA] = JointPoint{trapezia, scaphoidAxis}
	out[svdh.CapNLun] = JointPoint{at(CapitatePole), axis(at(CapitatePole), at(MC3Base))}
}

// placeForearm places the radiocarpal joint and the distal radius and ulna.
func placeForearm(ls *Landmarks, out map[svdh.Joint]JointPoint) {
	at := ls.At
	forearm := physisNormal(at(RadiusPhysisUlnar), at(RadiusPhysisRadial), at(CapitatePole))
	out[svdh.RadCar] = JointPoint{mean(at(LunatePole), at(ScaphoidPole)), forearm}
	out[svdh.Radius] = JointPoint{
		mean(at(RadiusPhysisUlnar), at(RadiusPhysisRadial), at(RadiusStyloid), at(LunatePole)),
		forearm}
	out[svdh.Ulna] = JointPoint{
		mean(at(UlnaPhysisUlnar), at(UlnaPhysisRadial), at(UlnaStyloid)),
		physisNormal(at(UlnaPhysisUlnar), at(UlnaPhysisRadial), at(TriquetrumPole))}
}

// lerp returns a + f·(b − a); a negative f moves away from b.
func lerp(a, b Point, f float64) Point {
	return Point{a.X + f*(b.X-a.X), a.Y + f*(b.Y-a.Y)}
}

func mean(ps ...Point) Point {
	var m Point
	for _, p := range ps {
		m.X += p.X
		m.Y += p.Y
	}
	n := float64(len(ps))
	return Point{m.X / n, m.Y / n}
}

// axis returns the direction from a to b in degrees, as JointPoint.AngleDeg.
func axis(a, b Point) float64 {
	return math.Atan2(b.Y-a.Y, b.X-a.X) * 180 / math.Pi
}

// bisect returns the direction halfway between two directions, taking the shorter way round.
func bisect(aDeg, bDeg float64) float64 {
	a, b := aDeg*math.Pi/180, bDeg*math.Pi/180
	return math.Atan2(math.Sin(a)+math.Sin(b), math.Cos(a)+math.Cos(b)) * 180 / math.Pi
}

// physisNormal returns the direction normal to the line p–q that points towards distal, a
// point known to lie distal of that line.
func physisNormal(p, q, distal Point) float64 {
	nx, ny := -(q.Y - p.Y), q.X-p.X
	if nx*(distal.X-p.X)+ny*(distal.Y-p.Y) < 0 {
		nx, ny = -nx, -ny
	}
	return math.Atan2(ny, nx) * 180 / math.Pi
}
