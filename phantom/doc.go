// Package phantom renders synthetic PA hand radiographs with exact ground truth: where every
// Sharp/van der Heijde (SvdH) site is, its JSN and erosion grades, the joint space width in mm
// and the outline of every erosion. It is the reference for accuracy tests and a source of
// training and QA films. It does not score films, read them, or model feet.
//
// Use:
//
//	opts := phantom.DefaultOptions()
//	img, truth, err := phantom.Render(opts, seed, index) // img: read.Radiograph, bone bright
//	err = phantom.WriteDICOM(w, img, truth, opts)        // or WritePNG
//	err = phantom.WriteTruth(tw, truth)                  // NAME.truth.json
//
// The same options, seed and index give the same bytes. Anatomy, damage and detector noise
// come from three PCG streams keyed by seed and index, so forcing a grade
// (Options.Damage.Grades) or turning noise off changes nothing else.
//
// # Anatomy and projection
//
// A hand is the distal radius and ulna (with the ulnar styloid), the eight carpals, five
// metacarpals and fourteen phalanges, in soft tissue (forearm, palm, thenar eminence, fingers).
// Long bones are solids of revolution (radius profile with flared base and head, cortical shell
// thicker along the shaft) trimmed at the joints by faces parallel to the beam; carpals are
// rounded boxes with an elliptic thickness profile and a marrow core. For each pixel the path
// length through cortex and marrow is computed exactly, attenuation coefficients turn it into a
// line integral, overlapping bones add, and the film is 1 − exp(−∑μ·t): 1 is the most
// attenuation. Marrow carries a trabecular grain; subchondral plates at joint faces are denser.
// The head of a finger joint's proximal bone is a circular arc; the base of the distal bone is
// concentric with it, so the joint space has the same width along every ray from the head's
// centre, and the width along the joint axis is exact on the film to a small fraction of a pixel
// (joint faces are ramped over 1.5 pixels for that reason).
//
// # Grades to geometry
//
// Finger joints (MCP 1–5, PIP 2–5, thumb IP; DIPs are drawn at normal width and not scored)
// have normal widths of 1.8 mm (MCP 2–3), 1.75 (MCP 4), 1.6 (MCP 5), 1.5 (MCP 1), 1.2–1.25
// (PIP 2–4), 1.1 (PIP 5, thumb IP), times the hand's size factor and a per-hand factor drawn
// from 0.88–1.12. The truth's jsw_mm is the width on the film along the axis through the centre.
//
//   - JSN 0: normal width.
//   - JSN 1 (focal): the width is normal on the axis, but narrows to 40% (a Gaussian dip of
//     depth 0.6 and width 0.2 rad) at 0.55 rad to one side of it.
//   - JSN 2 (generalised, more than half left): 55–80% of normal width, everywhere.
//   - JSN 3 (generalised, less than half left): 22–45% of normal width. Subluxation is not
//     modelled.
//   - JSN 4 (ankylosis): width 0, no subchondral plates: the bones meet and bone runs through.
//
// Wrist JSN sites (CMC 3–5, trapezium–scaphoid, capitate–scaphoid–lunate, radiocarpal) close
// a normal 1.6 mm gap to 75–85%, 55–75%, 20–45% of it at grades 1–3, and overlap the bones by
// 50–80% of it at grade 4, by moving bones: the forearm bones towards the carpus (radiocarpal),
// the proximal row and forearm distally (capitate–lunate; this also narrows the
// trapezium–scaphoid space), the trapezium and thumb towards the scaphoid (mna), or a ray
// proximally (CMC). The truth gives no width for wrist sites.
//
// An erosion is a ball of missing bone centred in the film plane. It removes exactly the bone
// its chord crosses (cortex first, then marrow), so it shows as a break in the cortical outline
// with a lucent defect behind it. At grades 1–4 of one bone the ball has radius 8%, 13%, 19%
// and 26% of the bone's articular width (diameters of 16%, 26%, 38% and 52% of the surface) and
// is centred at the joint margin (the bare area at the side of a head, or the corner of a base),
// sunk by 30% of its radius into the bone. Grade 5 (collapse) removes a ball of radius 50% of
// the articular width centred on the articular surface; the joint then has no measurable width
// (jsw_mm null). A finger joint's erosion grade is split between its two bones so that the sum,
// capped at 5, is the grade (a grade 5 can be 3+3); the truth lists each bone's defect with its
// grade, radius and outline. Trapezium+trapezoid splits the same way; the other wrist sites
// erode one bone (base of MC1, scaphoid, lunate, distal radius, distal ulna).
//
// # Damage mix
//
// A hand is healthy with probability Damage.HealthyShare; otherwise each site is damaged with
// probability SiteProb × joint weight × a per-hand severity (0.4–1.6), and a damaged site's
// grade falls geometrically (GradeDecay) from 1. Default weights favour MCP 2–3, the PIPs, the
// distal ulna, scaphoid and capitate–lunate joint.
//
// # Film
//
// Hands vary in size, bone density, finger spread, flexion (foreshortening by the cosine),
// rotation (±RotateDeg), and side; two-hand films put the left hand on the image left, thumbs
// towards the middle (films are read as if looking at the back of the hand, so a left hand's
// thumb is on the image right). Films may be mirrored (the truth then follows the anatomy).
// Rings, lead markers, collimator edges, scatter, blur, quantum noise and the heel effect are
// options; NoiseFree turns off noise, blur, scatter and heel for measurement tests.
package phantom
