package dataset

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"

	"rascore/crop"
	"rascore/phantom"
	"rascore/read"
	"rascore/svdh"
)

// LocateSchema names the layout of a locate shard folder (see WriteLocate).
const LocateSchema = "rascore.shard.locate/v1"

// HandCentre is the extra heat-map channel that marks the centre of each hand: the mean of its
// 22 joint positions, which lies among the metacarpal bases.
const HandCentre = "hand_centre"

// MaxHands is the most hands one view's targets describe.
const MaxHands = 2

// LocateChannels lists the locator's heat-map channels in order: the SvdH hand joints
// (svdh.HandJoints) and then HandCentre.
func LocateChannels() []string {
	var out []string
	for _, j := range svdh.HandJoints() {
		out = append(out, string(j))
	}
	return append(out, HandCentre)
}

// Seeds of the phantom films used for locate training, validation and evaluation. They never
// overlap, so evaluation films are never trained on.
const (
	PhantomTrainSeed = 1000
	PhantomValidSeed = 2000
	PhantomEvalSeed  = 9000
)

// LocateOptions says what goes into a locate shard.
type LocateOptions struct {
	Out string
	// AtlasDir is the hand-landmark folder; empty leaves real films out. Only its train and
	// valid splits are used.
	AtlasDir string
	// InputSize is the side of the square views (pixels).
	InputSize int
	// AtlasViews and AtlasValidViews are the views cut from each train and valid atlas film.
	AtlasViews, AtlasValidViews int
	// Phantoms and PhantomsValid are the synthetic films rendered for each part; each gives
	// PhantomViews views of the film and PhantomViews of each hand.
	Phantoms, PhantomsValid, PhantomViews int
	// HeatmapStride and HeatmapSigma describe the targets the trainer renders: one Gaussian of
	// HeatmapSigma heat-map pixels per point, on a grid InputSize/HeatmapStride wide.
	HeatmapStride int
	HeatmapSigma  float64
	Seed          uint64
	Workers       int
	// Progress, if set, is called after each film with the films done and in all.
	Progress func(done, total int)
}

// DefaultLocateOptions returns the settings the shipped locator was trained with.
func DefaultLocateOptions() LocateOptions {
	return LocateOptions{InputSize: 256, AtlasViews: 24, AtlasValidViews: 4, Phantoms: 600,
		PhantomsValid: 40, PhantomViews: 2, HeatmapStride: 4, HeatmapSigma: 1.5, Seed: 1,
		Workers: 2}
}

// view is one network input with its targets.
type view struct {
	pixels []byte
	points [MaxHands][]float32 // per hand, channel-major (x, y, visible)
	source uint8               // 0 atlas, 1 phantom
}

// film is one source film: its image and each hand's joints in film pixels.
type film struct {
	img   *read.Radiograph
	hands []map[svdh.Joint]crop.Point
}

type locateMeta struct {
	Schema        string          `json:"schema"`
	InputSize     int             `json:"input_size"`
	Channels      []string        `json:"channels"`
	MaxHands      int             `json:"max_hands"`
	HeatmapStride int             `json:"heatmap_stride"`
	HeatmapSigma  float64         `json:"heatmap_sigma"`
	Normalisation string          `json:"normalisation"`
	Parts         []locatePart    `json:"parts"`
	Options       json.RawMessage `json:"options"`
}

type locatePart struct {
	Name    string `json:"name"`
	Count   int    `json:"count"`
	Images  string `json:"images"`
	Points  string `json:"points"`
	Sources string `json:"sources"`
}

// WriteLocate writes a locate shard folder: locate.json (the layout, channel order and the
// description of the heat-map targets) and, per part (train, valid), NAME.images.u8 (N views
// of InputSize² bytes), NAME.points.f32 (N × MaxHands × channels × (x, y, visible), little
// endian, view pixels) and NAME.sources.u8 (0 atlas, 1 phantom).
func WriteLocate(o LocateOptions) error {
	if o.InputSize < 32 || o.HeatmapStride < 1 || o.InputSize%o.HeatmapStride != 0 {
		return fmt.Errorf("dataset: input size %d and stride %d do not fit", o.InputSize,
			o.HeatmapStride)
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return err
	}
	jobs, err := locateJobs(o)
	if err != nil {
		return err
	}
	results := make([][]view, len(jobs))
	if err := runJobs(jobs, results, o); err != nil {
		return err
	}

	meta := locateMeta{Schema: LocateSchema, InputSize: o.InputSize, Channels: LocateChannels(),
		MaxHands: MaxHands, HeatmapStride: o.HeatmapStride, HeatmapSigma: o.HeatmapSigma,
		Normalisation: "crop.Normalise: 1st–99th percentile of film pixels to 0–1, bytes/255"}
	opts := o
	opts.Progress = nil
	meta.Options, _ = json.Marshal(opts)
	for _, part := range []string{"train", "valid"} {
		var views []view
		for i, j := range jobs {
			if j.part == part {
				views = append(views, results[i]...)
			}
		}
		p, err := writePart(o.Out, part, views, len(meta.Channels))
		if err != nil {
			return err
		}
		meta.Parts = append(meta.Parts, p)
	}
	b, _ := json.MarshalIndent(meta, "", "  ")
	return os.WriteFile(filepath.Join(o.Out, "locate.json"), append(b, '\n'), 0o644)
}

// job makes the views of one source film.
type job struct {
	part  string
	views int
	seed  uint64
	load  func() (film, error)
	src   uint8
}

func locateJobs(o LocateOptions) ([]job, error) {
	var jobs []job
	if o.AtlasDir != "" {
		films, err := LoadLandmarks(o.AtlasDir)
		if err != nil {
			return nil, err
		}
		for i, f := range films {
			n, part := o.AtlasViews, "train"
			switch f.Split {
			case Valid:
				n, part = o.AtlasValidViews, "valid"
			case Test:
				continue // the test split is for evaluation only
			}
			jobs = append(jobs, job{part: part, views: n, seed: o.Seed*1_000_003 + uint64(i),
				load: atlasFilm(f)})
		}
	}
	for i := range o.Phantoms + o.PhantomsValid {
		part, seed, index := "train", uint64(PhantomTrainSeed), i
		if i >= o.Phantoms {
			part, seed, index = "valid", PhantomValidSeed, i-o.Phantoms
		}
		jobs = append(jobs, job{part: part, views: o.PhantomViews, src: 1,
			seed: seed*7919 + uint64(index), load: phantomFilm(seed, index)})
	}
	return jobs, nil
}

func atlasFilm(li LandmarkImage) func() (film, error) {
	return func() (film, error) {
		img, err := read.Read(li.Path)
		if err != nil {
			return film{}, fmt.Errorf("%s: %w", li.Image, err)
		}
		joints := map[svdh.Joint]crop.Point{}
		for j, jp := range JointsFromLandmarks(&li.Landmarks) {
			joints[j] = crop.Point{X: jp.Centre.X, Y: jp.Centre.Y}
		}
		return film{img: img, hands: []map[svdh.Joint]crop.Point{joints}}, nil
	}
}

// LocatePhantomOptions are the phantom settings for locate training and evaluation: any
// rotation, mirrored films, one or two hands (every third film), 0.2 mm spacing.
func LocatePhantomOptions(index int) phantom.Options {
	opts := phantom.DefaultOptions()
	opts.SpacingMM = 0.2
	opts.RotateDeg = 180
	opts.FlipShare = 0.3
	opts.Hands = 1
	if index%3 == 2 {
		opts.Hands = 2
		opts.RotateDeg = 30
	}
	return opts
}

func phantomFilm(seed uint64, index int) func() (film, error) {
	return func() (film, error) {
		img, truth, err := phantom.Render(LocatePhantomOptions(index), seed, index)
		if err != nil {
			return film{}, err
		}
		f := film{img: img}
		for _, h := range truth.Hands {
			joints := map[svdh.Joint]crop.Point{}
			for j, jt := range h.Joints {
				joints[j] = crop.Point{X: jt.CenterPx[0], Y: jt.CenterPx[1]}
			}
			f.hands = append(f.hands, joints)
		}
		return f, nil
	}
}

func runJobs(jobs []job, results [][]view, o LocateOptions) error {
	return ForEach(len(jobs), o.Workers, o.Progress, func(i int) error {
		views, err := makeViews(jobs[i], o)
		results[i] = views
		return err
	})
}

// ForEach runs do(i) for every i below n on workers goroutines, calls progress (if set) after
// each, and returns the first error (on one line) with how many failed.
func ForEach(n, workers int, progress func(done, total int), do func(i int) error) error {
	var (
		mu   sync.Mutex
		done int
		errs []error
		wg   sync.WaitGroup
	)
	next := make(chan int)
	for range max(1, workers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				err := do(i)
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				}
				done++
				if progress != nil {
					progress(done, n)
				}
				mu.Unlock()
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	if len(errs) > 0 {
		return fmt.Errorf("%d of %d failed, the first: %w", len(errs), n, errs[0])
	}
	return nil
}

// makeViews cuts a job's views.
func makeViews(j job, o LocateOptions) ([]view, error) {
	f, err := j.load()
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(j.seed, 0x6c6f63617465))
	var out []view
	for k := range j.views {
		// An atlas film is one hand filling the film: its film and hand views alternate. A
		// phantom film gives a film view and a view of each hand.
		if j.src == 1 || k%2 == 0 {
			out = append(out, cutView(f, filmTransform(f, o.InputSize, rng), rng, j.src))
		}
		for h := range f.hands {
			if j.src == 1 || k%2 == 1 {
				out = append(out, cutView(f, handTransform(f.hands[h], o.InputSize, rng), rng,
					j.src))
			}
		}
	}
	return out, nil
}

// filmTransform shows the whole film at a random rotation, mirroring and a little zoom.
func filmTransform(f film, size int, rng *rand.Rand) crop.Transform {
	t := crop.Fit(f.img.Width, f.img.Height, size)
	t.Scale *= 0.8 + 0.25*rng.Float64()
	t.CentreX += (rng.Float64() - 0.5) * 0.1 * float64(f.img.Width)
	t.CentreY += (rng.Float64() - 0.5) * 0.1 * float64(f.img.Height)
	t.AngleDeg, t.Mirror = randomPose(rng)
	if math.Abs(math.Mod(t.AngleDeg, 180)) > 1 {
		// a rotated film must still fit: shrink to its rotated bounding box
		s, c := math.Sincos(t.AngleDeg * math.Pi / 180)
		w, h := float64(f.img.Width), float64(f.img.Height)
		bw, bh := math.Abs(c)*w+math.Abs(s)*h, math.Abs(s)*w+math.Abs(c)*h
		t.Scale = math.Min(t.Scale, float64(size)/math.Max(bw, bh)*1.05)
	}
	return t
}

// handTransform fills the view with one hand (its joints span 60–80% of the view).
func handTransform(hand map[svdh.Joint]crop.Point, size int, rng *rand.Rand) crop.Transform {
	c := HandCentrePoint(hand)
	radius := 0.0
	for _, p := range hand {
		radius = math.Max(radius, math.Hypot(p.X-c.X, p.Y-c.Y))
	}
	extent := 2 * radius * (1.25 + 0.5*rng.Float64())
	angle, mirror := randomPose(rng)
	return crop.Transform{
		CentreX: c.X + (rng.Float64()-0.5)*0.2*radius,
		CentreY: c.Y + (rng.Float64()-0.5)*0.2*radius,
		Scale:   float64(size) / extent, AngleDeg: angle, Mirror: mirror, Size: size,
	}
}

// randomPose is any rotation for most views, a near-upright one for the rest, and a mirror
// half of the time (left and right hands alike).
func randomPose(rng *rand.Rand) (float64, bool) {
	angle := rng.Float64() * 360
	if rng.Float64() < 0.3 {
		angle = (rng.Float64() - 0.5) * 40
	}
	return angle, rng.IntN(2) == 0
}

// HandCentrePoint is the mean of a hand's joint positions: the HandCentre target.
func HandCentrePoint(hand map[svdh.Joint]crop.Point) crop.Point {
	var c crop.Point
	for _, p := range hand {
		c.X += p.X / float64(len(hand))
		c.Y += p.Y / float64(len(hand))
	}
	return c
}

func cutView(f film, t crop.Transform, rng *rand.Rand, src uint8) view {
	pix := crop.Sample(f.img, t)
	crop.Normalise(pix)
	augment(pix, rng)
	v := view{pixels: crop.Bytes(pix), source: src}
	joints := svdh.HandJoints()
	for h := range MaxHands {
		pts := make([]float32, 3*(len(joints)+1))
		if h < len(f.hands) {
			for c, j := range joints {
				if p, ok := f.hands[h][j]; ok {
					setPoint(pts[3*c:], t, p)
				}
			}
			setPoint(pts[3*len(joints):], t, HandCentrePoint(f.hands[h]))
		}
		v.points[h] = pts
	}
	return v
}

func setPoint(dst []float32, t crop.Transform, p crop.Point) {
	u, v := t.Forward(p.X, p.Y)
	dst[0], dst[1] = float32(u), float32(v)
	if u >= 0 && v >= 0 && u <= float64(t.Size-1) && v <= float64(t.Size-1) {
		dst[2] = 1
	}
}

// augment varies contrast, gamma and noise so the locator does not depend on one look.
func augment(pix []float32, rng *rand.Rand) {
	gamma := math.Exp((rng.Float64() - 0.5) * 0.8)
	noise := rng.Float64() * 0.04
	lo, hi := rng.Float64()*0.1, 0.9+rng.Float64()*0.1
	for i, v := range pix {
		x := math.Pow(float64(v), gamma)*(hi-lo) + lo + rng.NormFloat64()*noise
		pix[i] = float32(math.Max(0, math.Min(1, x)))
	}
}

func writePart(dir, name string, views []view, channels int) (locatePart, error) {
	p := locatePart{Name: name, Count: len(views), Images: name + ".images.u8",
		Points: name + ".points.f32", Sources: name + ".sources.u8"}
	var imgs, srcs []byte
	pts := make([]float32, 0, len(views)*MaxHands*channels*3)
	for _, v := range views {
		imgs = append(imgs, v.pixels...)
		srcs = append(srcs, v.source)
		for h := range MaxHands {
			pts = append(pts, v.points[h]...)
		}
	}
	raw := make([]byte, 4*len(pts))
	for i, x := range pts {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(x))
	}
	for file, data := range map[string][]byte{p.Images: imgs, p.Points: raw, p.Sources: srcs} {
		if err := os.WriteFile(filepath.Join(dir, file), data, 0o644); err != nil {
			return p, err
		}
	}
	return p, nil
}
