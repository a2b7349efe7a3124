// Package svdh is the Sharp/van der Heijde site catalogue: every scored joint site of the hands
// and feet, which scores apply there, their ranges, and the RA2-DREAM column names under which
// the field stores them. It is data, used by every stage; it computes nothing.
//
// The catalogue follows van der Heijde's modification of the Sharp method:
//
//   - Hands: erosion at 16 sites per hand (0–5 each), joint space narrowing (JSN) at 15 sites per
//     hand (0–4 each).
//   - Feet: erosion (0–10, five per bone side) and JSN (0–4) at MTP 1–5 and the hallux IP, 6 sites
//     per foot.
//   - Maxima: hands erosion 160, hands JSN 120, feet erosion 120, feet JSN 48; total 448.
package svdh

import "fmt"

// Kind says which score a site carries.
type Kind string

const (
	// Erosion is the erosion score of a site.
	Erosion Kind = "erosion"
	// JSN is the joint space narrowing score of a site.
	JSN Kind = "jsn"
)

// Part is the body part a site belongs to.
type Part string

const (
	Hand Part = "hand"
	Foot Part = "foot"
)

// Side is the laterality of a hand or foot.
type Side string

const (
	Left  Side = "L"
	Right Side = "R"
)

// Joint names a place on the skeleton that one or more sites score. Sites of different kinds
// that sit at the same joint (MCP 2 erosion and MCP 2 JSN) share a Joint, which is what locate
// places.
type Joint string

// Hand joints, in the order RA2-DREAM lists them.
const (
	ThumbIP   Joint = "ip"      // interphalangeal joint of the thumb
	PIP2      Joint = "pip2"    // proximal interphalangeal joints 2–5
	PIP3      Joint = "pip3"    //
	PIP4      Joint = "pip4"    //
	PIP5      Joint = "pip5"    //
	MCP1      Joint = "mcp1"    // metacarpophalangeal joints 1–5
	MCP2      Joint = "mcp2"    //
	MCP3      Joint = "mcp3"    //
	MCP4      Joint = "mcp4"    //
	MCP5      Joint = "mcp5"    //
	CMC1      Joint = "cmc1"    // base of the first metacarpal
	Trapezium Joint = "mul"     // trapezium and trapezoid (the multangulars)
	Scaphoid  Joint = "nav"     // scaphoid (navicular)
	Lunate    Joint = "lunate"  // lunate
	Radius    Joint = "radius"  // distal radius
	Ulna      Joint = "ulna"    // distal ulna
	CMC3      Joint = "cmc3"    // carpometacarpal joints 3–5
	CMC4      Joint = "cmc4"    //
	CMC5      Joint = "cmc5"    //
	MNA       Joint = "mna"     // trapezium–scaphoid
	CapNLun   Joint = "capnlun" // capitate–scaphoid–lunate
	RadCar    Joint = "radcar"  // radiocarpal
)

// Foot joints.
const (
	HalluxIP Joint = "hallux_ip"
	MTP1     Joint = "mtp1"
	MTP2     Joint = "mtp2"
	MTP3     Joint = "mtp3"
	MTP4     Joint = "mtp4"
	MTP5     Joint = "mtp5"
)

// Site is one scored place: a joint on one side, scored for one kind.
type Site struct {
	Part  Part
	Side  Side
	Joint Joint
	Kind  Kind
	// Max is the highest grade the site can take (4 for JSN, 5 for hand erosion, 10 for foot
	// erosion).
	Max int
	// Column is the RA2-DREAM column name, e.g. "LH_mcp_E__2".
	Column string
	// Label is the name a reader would say, e.g. "MCP 2".
	Label string
}

// ID is a stable key for the site, the same as its RA2-DREAM column.
func (s Site) ID() string { return s.Column }

// entry describes one joint's sites on a generic side; the catalogue expands it for L and R.
type entry struct {
	part   Part
	joint  Joint
	kind   Kind
	group  string // RA2 group: mcp, pip, wrist, mtp
	suffix string // RA2 suffix after "__"
	label  string
}

// handErosion lists the 16 hand erosion sites in RA2-DREAM column order. RA2-DREAM files the
// thumb IP under the "mcp" group ("LH_mcp_E__ip"); the column name keeps that quirk.
var handErosion = []entry{
	{Hand, ThumbIP, Erosion, "mcp", "ip", "thumb IP"},
	{Hand, PIP2, Erosion, "pip", "2", "PIP 2"},
	{Hand, PIP3, Erosion, "pip", "3", "PIP 3"},
	{Hand, PIP4, Erosion, "pip", "4", "PIP 4"},
	{Hand, PIP5, Erosion, "pip", "5", "PIP 5"},
	{Hand, MCP1, Erosion, "mcp", "1", "MCP 1"},
	{Hand, MCP2, Erosion, "mcp", "2", "MCP 2"},
	{Hand, MCP3, Erosion, "mcp", "3", "MCP 3"},
	{Hand, MCP4, Erosion, "mcp", "4", "MCP 4"},
	{Hand, MCP5, Erosion, "mcp", "5", "MCP 5"},
	{Hand, CMC1, Erosion, "wrist", "mc1", "base of MC1"},
	{Hand, Trapezium, Erosion, "wrist", "mul", "trapezium+trapezoid"},
	{Hand, Scaphoid, Erosion, "wrist", "nav", "scaphoid"},
	{Hand, Lunate, Erosion, "wrist", "lunate", "lunate"},
	{Hand, Radius, Erosion, "wrist", "radius", "distal radius"},
	{Hand, Ulna, Erosion, "wrist", "ulna", "distal ulna"},
}

// handJSN lists the 15 hand JSN sites in RA2-DREAM column order.
var handJSN = []entry{
	{Hand, PIP2, JSN, "pip", "2", "PIP 2"},
	{Hand, PIP3, JSN, "pip", "3", "PIP 3"},
	{Hand, PIP4, JSN, "pip", "4", "PIP 4"},
	{Hand, PIP5, JSN, "pip", "5", "PIP 5"},
	{Hand, MCP1, JSN, "mcp", "1", "MCP 1"},
	{Hand, MCP2, JSN, "mcp", "2", "MCP 2"},
	{Hand, MCP3, JSN, "mcp", "3", "MCP 3"},
	{Hand, MCP4, JSN, "mcp", "4", "MCP 4"},
	{Hand, MCP5, JSN, "mcp", "5", "MCP 5"},
	{Hand, CMC3, JSN, "wrist", "cmc3", "CMC 3"},
	{Hand, CMC4, JSN, "wrist", "cmc4", "CMC 4"},
	{Hand, CMC5, JSN, "wrist", "cmc5", "CMC 5"},
	{Hand, MNA, JSN, "wrist", "mna", "trapezium–scaphoid"},
	{Hand, CapNLun, JSN, "wrist", "capnlun", "capitate–scaphoid–lunate"},
	{Hand, RadCar, JSN, "wrist", "radcar", "radiocarpal"},
}

// footErosion and footJSN list the 6 foot sites of each kind in RA2-DREAM column order.
var footErosion = []entry{
	{Foot, MTP1, Erosion, "mtp", "1", "MTP 1"},
	{Foot, MTP2, Erosion, "mtp", "2", "MTP 2"},
	{Foot, MTP3, Erosion, "mtp", "3", "MTP 3"},
	{Foot, MTP4, Erosion, "mtp", "4", "MTP 4"},
	{Foot, MTP5, Erosion, "mtp", "5", "MTP 5"},
	{Foot, HalluxIP, Erosion, "mtp", "ip", "hallux IP"},
}

var footJSN = []entry{
	{Foot, MTP1, JSN, "mtp", "1", "MTP 1"},
	{Foot, MTP2, JSN, "mtp", "2", "MTP 2"},
	{Foot, MTP3, JSN, "mtp", "3", "MTP 3"},
	{Foot, MTP4, JSN, "mtp", "4", "MTP 4"},
	{Foot, MTP5, JSN, "mtp", "5", "MTP 5"},
	{Foot, HalluxIP, JSN, "mtp", "ip", "hallux IP"},
}

// Highest grades per site kind and part.
const (
	MaxJSN          = 4
	MaxHandErosion  = 5
	MaxFootErosion  = 10
	MaxTotal        = 448
	MaxHandsErosion = 160
	MaxHandsJSN     = 120
	MaxFeetErosion  = 120
	MaxFeetJSN      = 48
)

var all = build()

func build() []Site {
	var out []Site
	add := func(part Part, side Side, es []entry) {
		for _, e := range es {
			out = append(out, makeSite(part, side, e))
		}
	}
	for _, side := range []Side{Left, Right} {
		add(Hand, side, handErosion)
	}
	for _, side := range []Side{Left, Right} {
		add(Foot, side, footErosion)
	}
	for _, side := range []Side{Left, Right} {
		add(Hand, side, handJSN)
	}
	for _, side := range []Side{Left, Right} {
		add(Foot, side, footJSN)
	}
	return out
}

func makeSite(part Part, side Side, e entry) Site {
	prefix := string(side) + "H"
	if part == Foot {
		prefix = string(side) + "F"
	}
	letter := "E"
	max := MaxHandErosion
	switch {
	case e.kind == JSN:
		letter, max = "J", MaxJSN
	case part == Foot:
		max = MaxFootErosion
	}
	return Site{
		Part:   part,
		Side:   side,
		Joint:  e.joint,
		Kind:   e.kind,
		Max:    max,
		Column: fmt.Sprintf("%s_%s_%s__%s", prefix, e.group, letter, e.suffix),
		Label:  e.label,
	}
}

// All returns every site in RA2-DREAM column order: hand erosions (L, R), foot erosions (L, R),
// hand JSN (L, R), foot JSN (L, R). The slice is a copy.
func All() []Site { return append([]Site(nil), all...) }

// Select returns the sites of one part and side, erosions first, in column order.
func Select(part Part, side Side) []Site {
	var out []Site
	for _, s := range all {
		if s.Part == part && s.Side == side {
			out = append(out, s)
		}
	}
	return out
}

// ByColumn finds a site by its RA2-DREAM column name.
func ByColumn(column string) (Site, bool) {
	for _, s := range all {
		if s.Column == column {
			return s, true
		}
	}
	return Site{}, false
}

// HandJoints returns the distinct joints of one hand that carry at least one score, in
// catalogue order: these are the places locate must find.
func HandJoints() []Joint {
	seen := map[Joint]bool{}
	var out []Joint
	for _, es := range [][]entry{handErosion, handJSN} {
		for _, e := range es {
			if !seen[e.joint] {
				seen[e.joint] = true
				out = append(out, e.joint)
			}
		}
	}
	return out
}

// Columns returns the RA2-DREAM columns of every site, in catalogue order.
func Columns() []string {
	out := make([]string, len(all))
	for i, s := range all {
		out[i] = s.Column
	}
	return out
}
