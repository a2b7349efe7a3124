package dataset

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"rascore/crop"
	"rascore/phantom"
	"rascore/read"
	"rascore/svdh"
)

// ScoreSchema names the layout of a score shard folder (see WriteScore).
const ScoreSchema = "rascore.shard.score/v1"

// Seeds of the phantom films used for scorer training, validation and evaluation; none is used
// by another part or by locate.
const (
	ScoreTrainSeed = 3000
	ScoreValidSeed = 4000
	ScoreEvalSeed  = 9500
)

// ScorePhantomOptions are the phantom settings for scorer training and evaluation alike, so
// that the mix of grades the scorer learns is the one it is judged on: any rotation, 0.1–0.2
// mm spacing, a two-hand film every third, and more damage than the phantom's default (a fifth
// of hands healthy, 30 % of the other sites damaged), so that about a quarter of sites are
// damaged as in established RA and grading every site 0 does not pass for agreement.
func ScorePhantomOptions(index int) phantom.Options {
	opts := phantom.DefaultOptions()
	opts.Damage.HealthyShare, opts.Damage.SiteProb, opts.Damage.GradeDecay = 0.2, 0.3, 0.55
	opts.SpacingMM = []float64{0.1, 0.15, 0.2}[index%3]
	opts.RotateDeg = 180
	opts.FlipShare = 0.2
	if index%3 == 1 {
		opts.Hands = 2
		opts.RotateDeg = 25
	}
	return opts
}

// ScoreOptions says what goes into a score shard.
type ScoreOptions struct {
	Out  string
	Spec crop.SiteSpec
	// Phantoms and PhantomsValid are the synthetic films rendered for each part; each joint
	// of a training film gives Views patches, of a validation film one.
	Phantoms, PhantomsValid, Views int
	// JitterMM is the standard deviation of the error added to each true joint position (per
	// axis) before cutting, so that the scorer sees joints placed as the locator places them.
	JitterMM float64
	// RA2 adds films in the RA2-DREAM layout (a CSV of grades and images beside it); nil
	// leaves them out. Their sites are placed by Place.
	RA2 *RA2Source
	// AtlasDir adds the hand-landmark atlas's train and valid films (children and adolescents
	// without RA) as real joints of grade 0, AtlasViews patches per joint, at the joints the
	// landmarks give and AtlasSpacingMM per pixel; empty leaves them out. The test split is
	// never written.
	AtlasDir   string
	AtlasViews int
	Seed       uint64
	Workers    int
	// Progress, if set, is called after each film with the films done and in all.
	Progress func(done, total int)
}

// DefaultScoreOptions returns the settings the shipped scorer was trained with.
func DefaultScoreOptions() ScoreOptions {
	return ScoreOptions{Spec: crop.DefaultSiteSpec(), Phantoms: 1000, PhantomsValid: 150,
		Views: 2, JitterMM: 0.3, AtlasViews: 4, Seed: 1, Workers: 2}
}

// ScoreHand is one hand to cut patches from: its side, each joint's position (film pixels)
// and grades (−1 where not scored or not known).
type ScoreHand struct {
	Side    svdh.Side
	Points  map[svdh.Joint]crop.Point
	JSN     map[svdh.Joint]int
	Erosion map[svdh.Joint]int
}

// patch is one scorer input with its labels.
type patch struct {
	pixels              []byte
	joint, jsn, erosion int8
	source              uint8
}

type scoreMeta struct {
	Schema        string          `json:"schema"`
	Spec          crop.SiteSpec   `json:"spec"`
	Joints        []string        `json:"joints"`
	MaxJSN        int             `json:"max_jsn"`
	MaxErosion    int             `json:"max_erosion"`
	Normalisation string          `json:"normalisation"`
	Parts         []scorePart     `json:"parts"`
	Options       json.RawMessage `json:"options"`
}

type scorePart struct {
	Name    string `json:"name"`
	Count   int    `json:"count"`
	Images  string `json:"images"`
	Labels  string `json:"labels"`
	Sources string `json:"sources"`
	// JSNCounts and ErosionCounts count the patches per grade.
	JSNCounts     []int `json:"jsn_counts"`
	ErosionCounts []int `json:"erosion_counts"`
}

// JointIndex is a joint's position in svdh.HandJoints, the scorer's joint input.
func JointIndex(j svdh.Joint) int {
	for i, x := range svdh.HandJoints() {
		if x == j {
			return i
		}
	}
	return -1
}

// WriteScore writes a score shard folder: score.json (layout, patch spec, joint order, grade
// counts) and, per part (train, valid), NAME.images.u8 (N patches of Size² bytes, cut by
// crop.SitePatch), NAME.labels.i8 (N × (joint index, JSN, erosion), −1 where a grade is not
// scored) and NAME.sources.u8 (0 RA2-layout film, 1 phantom, 2 atlas film).
func WriteScore(o ScoreOptions) error {
	if o.Spec.Size < 16 || o.Spec.MMPerPx <= 0 || o.Spec.WristMMPerPx <= 0 {
		return fmt.Errorf("dataset: patch spec %+v", o.Spec)
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return err
	}
	type scoreJob struct {
		part  string
		views int
		seed  uint64
		load  func() (*read.Radiograph, []ScoreHand, error)
		src   uint8
	}
	var jobs []scoreJob
	for i := range o.Phantoms + o.PhantomsValid {
		part, seed, index, views := "train", uint64(ScoreTrainSeed), i, o.Views
		if i >= o.Phantoms {
			part, seed, index, views = "valid", ScoreValidSeed, i-o.Phantoms, 1
		}
		jobs = append(jobs, scoreJob{part: part, views: views, src: 1,
			seed: seed*7919 + uint64(index), load: phantomScoreFilm(seed, index)})
	}
	if o.AtlasDir != "" {
		films, err := LoadLandmarks(o.AtlasDir)
		if err != nil {
			return err
		}
		for i, f := range films {
			part, views := "train", o.AtlasViews
			switch f.Split {
			case Valid:
				part, views = "valid", 1
			case Test:
				continue // the test split is for evaluation only
			}
			jobs = append(jobs, scoreJob{part: part, views: views, src: 2,
				seed: o.Seed*1_000_033 + uint64(i), load: atlasScoreFilm(f)})
		}
	}
	if o.RA2 != nil {
		films, err := o.RA2.films()
		if err != nil {
			return err
		}
		for i, f := range films {
			part, views := "train", o.Views
			if i%10 == 9 {
				part, views = "valid", 1
			}
			jobs = append(jobs, scoreJob{part: part, views: views,
				seed: o.Seed*1_000_003 + uint64(i), load: f})
		}
	}

	results := make([][]patch, len(jobs))
	err := ForEach(len(jobs), o.Workers, o.Progress, func(i int) error {
		j := jobs[i]
		img, hands, err := j.load()
		if err != nil {
			return err
		}
		rng := rand.New(rand.NewPCG(j.seed, 0x73636f7265))
		results[i] = cutPatches(img, hands, j.views, j.part == "train", o, rng, j.src)
		return nil
	})
	if err != nil {
		return fmt.Errorf("dataset: %w", err)
	}

	meta := scoreMeta{Schema: ScoreSchema, Spec: o.Spec, MaxJSN: svdh.MaxJSN,
		MaxErosion:    svdh.MaxHandErosion,
		Normalisation: "crop.SitePatch: 1st–99th percentile of film pixels to 0–1, bytes/255"}
	for _, j := range svdh.HandJoints() {
		meta.Joints = append(meta.Joints, string(j))
	}
	opts := o
	opts.Progress = nil
	meta.Options, _ = json.Marshal(opts)
	for _, part := range []string{"train", "valid"} {
		var ps []patch
		for i, j := range jobs {
			if j.part == part {
				ps = append(ps, results[i]...)
			}
		}
		p, err := writeScorePart(o.Out, part, ps)
		if err != nil {
			return err
		}
		meta.Parts = append(meta.Parts, p)
	}
	b, _ := json.MarshalIndent(meta, "", "  ")
	return os.WriteFile(filepath.Join(o.Out, "score.json"), append(b, '\n'), 0o644)
}

// AtlasSpacingMM is the pixel size assumed for the scaled atlas films, which state none: the
// middle of the 0.14–0.2 mm the data's README estimates.
const AtlasSpacingMM = 0.17

// atlasScoreFilm reads an atlas film: one left hand, every scored site grade 0 (the atlas
// shows children without RA; open growth plates and unfused epiphyses are not damage).
func atlasScoreFilm(li LandmarkImage) func() (*read.Radiograph, []ScoreHand, error) {
	return func() (*read.Radiograph, []ScoreHand, error) {
		img, err := read.Read(li.Path, read.WithAssumedSpacing(AtlasSpacingMM))
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", li.Image, err)
		}
		h := ScoreHand{Side: svdh.Left, Points: map[svdh.Joint]crop.Point{},
			JSN: map[svdh.Joint]int{}, Erosion: map[svdh.Joint]int{}}
		for j, p := range JointsFromLandmarks(&li.Landmarks) {
			h.Points[j] = crop.Point{X: p.Centre.X, Y: p.Centre.Y}
		}
		for _, site := range svdh.Select(svdh.Hand, svdh.Left) {
			if site.Kind == svdh.JSN {
				h.JSN[site.Joint] = 0
			} else {
				h.Erosion[site.Joint] = 0
			}
		}
		return img, []ScoreHand{h}, nil
	}
}

// PhantomScoreHands turns a phantom's truth into the hands WriteScore cuts from.
func PhantomScoreHands(truth *phantom.Truth) []ScoreHand {
	var out []ScoreHand
	for _, h := range truth.Hands {
		sh := ScoreHand{Side: h.Laterality, Points: map[svdh.Joint]crop.Point{},
			JSN: map[svdh.Joint]int{}, Erosion: map[svdh.Joint]int{}}
		for j, jt := range h.Joints {
			sh.Points[j] = crop.Point{X: jt.CenterPx[0], Y: jt.CenterPx[1]}
			sh.JSN[j], sh.Erosion[j] = jt.JSN, jt.Erosion
		}
		out = append(out, sh)
	}
	return out
}

func phantomScoreFilm(seed uint64, index int) func() (*read.Radiograph, []ScoreHand, error) {
	return func() (*read.Radiograph, []ScoreHand, error) {
		img, truth, err := phantom.Render(ScorePhantomOptions(index), seed, index)
		if err != nil {
			return nil, nil, err
		}
		return img, PhantomScoreHands(truth), nil
	}
}

// cutPatches cuts views patches of every joint of every hand, each from positions moved by the
// jitter (the axes follow the moved positions, as they follow the located ones at run time);
// training patches also get contrast, gamma and noise changes.
func cutPatches(img *read.Radiograph, hands []ScoreHand, views int, train bool, o ScoreOptions,
	rng *rand.Rand, src uint8) []patch {
	var out []patch
	sigma := o.JitterMM / img.SpacingMM[0]
	for _, h := range hands {
		for range views {
			pts := make(map[svdh.Joint]crop.Point, len(h.Points))
			for j, p := range h.Points {
				pts[j] = crop.Point{X: p.X + rng.NormFloat64()*sigma,
					Y: p.Y + rng.NormFloat64()*sigma}
			}
			for _, jp := range crop.HandPatches(img, pts, h.Side == svdh.Right, o.Spec) {
				jsn, ero := grade(h.JSN, jp.Joint), grade(h.Erosion, jp.Joint)
				if (jsn < 0 && ero < 0) || jp.Outside > 0.5 {
					continue
				}
				if train {
					augmentPatch(jp.Pix, rng)
				}
				out = append(out, patch{pixels: crop.Bytes(jp.Pix),
					joint: int8(JointIndex(jp.Joint)), jsn: int8(jsn), erosion: int8(ero),
					source: src})
			}
		}
	}
	return out
}

func grade(m map[svdh.Joint]int, j svdh.Joint) int {
	if g, ok := m[j]; ok {
		return g
	}
	return -1
}

// augmentPatch varies contrast, gamma and noise mildly: grades depend on shapes and widths,
// which these leave alone.
func augmentPatch(pix []float32, rng *rand.Rand) {
	gamma := math.Exp((rng.Float64() - 0.5) * 0.5)
	noise := rng.Float64() * 0.02
	lo, hi := rng.Float64()*0.06, 0.94+rng.Float64()*0.06
	for i, v := range pix {
		x := math.Pow(float64(v), gamma)*(hi-lo) + lo + rng.NormFloat64()*noise
		pix[i] = float32(math.Max(0, math.Min(1, x)))
	}
}

func writeScorePart(dir, name string, ps []patch) (scorePart, error) {
	p := scorePart{Name: name, Count: len(ps), Images: name + ".images.u8",
		Labels: name + ".labels.i8", Sources: name + ".sources.u8",
		JSNCounts: make([]int, svdh.MaxJSN+1), ErosionCounts: make([]int, svdh.MaxHandErosion+1)}
	var imgs, labels, srcs []byte
	for _, x := range ps {
		imgs = append(imgs, x.pixels...)
		labels = append(labels, byte(x.joint), byte(x.jsn), byte(x.erosion))
		srcs = append(srcs, x.source)
		if x.jsn >= 0 {
			p.JSNCounts[x.jsn]++
		}
		if x.erosion >= 0 {
			p.ErosionCounts[x.erosion]++
		}
	}
	for file, data := range map[string][]byte{p.Images: imgs, p.Labels: labels, p.Sources: srcs} {
		if err := os.WriteFile(filepath.Join(dir, file), data, 0o644); err != nil {
			return p, err
		}
	}
	return p, nil
}
