package eval

import (
	"fmt"
	"math"
	"sync"

	"rascore/dataset"
	"rascore/phantom"
	"rascore/read"
	"rascore/score"
	"rascore/svdh"
)

// CalibrationBins is how many equal-width confidence bins the calibration error uses.
const CalibrationBins = 10

// KindStats are the agreement figures for one kind of site (JSN or erosion).
type KindStats struct {
	Kind svdh.Kind `json:"kind"`
	// Sites counts the graded sites compared with the truth; Missing the true sites that were
	// not graded (joint not placed, or its hand not found).
	Sites   int `json:"sites"`
	Missing int `json:"missing"`
	// Exact and WithinOne are shares of Sites.
	Exact     float64 `json:"exact"`
	WithinOne float64 `json:"within_one"`
	// Kappa is Cohen's quadratic-weighted κ.
	Kappa float64 `json:"quadratic_weighted_kappa"`
	RMSE  float64 `json:"rmse"`
	// WeightedRMSE weights each site's squared error by the inverse frequency of its true
	// grade in this set, so that every grade counts as much as grade 0 (RA2-DREAM's weighting
	// of rare, damaged joints).
	WeightedRMSE float64 `json:"weighted_rmse"`
	// ECE is the expected calibration error of the reported grade's probability.
	ECE         float64          `json:"ece"`
	Calibration []CalibrationBin `json:"calibration"`
	// Confusion[t][p] counts sites of true grade t reported as p.
	Confusion [][]int `json:"confusion"`
}

// CalibrationBin is one bin of a reliability diagram.
type CalibrationBin struct {
	Lo, Hi     float64
	Count      int
	Confidence float64 // mean probability of the reported grade
	Accuracy   float64 // share of reported grades that were right
}

// ScoreStats are the figures of a scoring evaluation.
type ScoreStats struct {
	Set         string    `json:"set"`
	Films       int       `json:"films"`
	Hands       int       `json:"hands"`
	MissedHands int       `json:"missed_hands"`
	JSN         KindStats `json:"jsn"`
	Erosion     KindStats `json:"erosion"`
	// ECE is the calibration error over JSN and erosion sites together.
	ECE float64 `json:"ece"`
	// TotalPearson and TotalMAE compare each hand's total SvdH (erosion + JSN) with the truth;
	// ExpectedTotalMAE uses the expected total instead of the sum of reported grades.
	TotalPearson     float64 `json:"total_pearson_r"`
	TotalMAE         float64 `json:"total_mae"`
	ExpectedTotalMAE float64 `json:"expected_total_mae"`
	// JSWMAE is the mean absolute error of the central joint space width (mm) at the finger
	// joints whose truth has a width; JSWUnavailable counts those the measurement declined.
	JSWMAE         float64  `json:"jsw_mae_mm"`
	JSWMeasured    int      `json:"jsw_measured"`
	JSWUnavailable int      `json:"jsw_unavailable"`
	Errors         []string `json:"errors,omitempty"`
}

// siteRead is one graded site against its truth.
type siteRead struct {
	kind        svdh.Kind
	truth, read int
	probs       []float64
}

type handRead struct {
	truthTotal, total int
	expected          float64
}

// EvaluateScore renders n phantoms from the score evaluation seed (dataset.ScoreEvalSeed,
// which no training used) with dataset.ScorePhantomOptions, scores each with s and compares
// with the truth. Films are rendered by workers in parallel; progress, if set, is called
// after each film.
func EvaluateScore(s *score.Scorer, n, workers int, progress func(done, total int)) ScoreStats {
	st := ScoreStats{Set: fmt.Sprintf("%d held-out phantoms (seed %d)", n,
		dataset.ScoreEvalSeed), Films: n}
	var (
		mu     sync.Mutex
		sites  []siteRead
		hands  []handRead
		jswErr []float64
	)
	// Films fail one by one (listed in Errors); the pool itself has nothing to report.
	_ = dataset.ForEach(n, workers, progress, func(i int) error {
		img, truth, err := phantom.Render(dataset.ScorePhantomOptions(i),
			dataset.ScoreEvalSeed, i)
		var film *score.Film
		if err == nil {
			film, err = s.Score(img)
		}
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			st.Errors = append(st.Errors, fmt.Sprintf("phantom %d: %v", i, err))
		} else {
			compareFilm(&st, truth, film, &sites, &hands, &jswErr)
		}
		return nil
	})

	st.JSN = kindStats(svdh.JSN, sites, svdh.MaxJSN, st.JSN.Missing)
	st.Erosion = kindStats(svdh.Erosion, sites, svdh.MaxHandErosion, st.Erosion.Missing)
	st.ECE, _ = calibration(sites, "")
	var t, r, e []float64
	for _, h := range hands {
		t = append(t, float64(h.truthTotal))
		r = append(r, float64(h.total))
		e = append(e, h.expected)
	}
	st.TotalPearson = pearson(t, r)
	st.TotalMAE, st.ExpectedTotalMAE = mae(t, r), mae(t, e)
	st.JSWMeasured = len(jswErr)
	st.JSWMAE = mae(jswErr, make([]float64, len(jswErr)))
	return st
}

// compareFilm matches the film's scored hands to the true ones by laterality and collects
// their sites, totals and widths.
func compareFilm(st *ScoreStats, truth *phantom.Truth, film *score.Film, sites *[]siteRead,
	hands *[]handRead, jswErr *[]float64) {
	for _, th := range truth.Hands {
		st.Hands++
		var sh *score.Hand
		for i := range film.Hands {
			if film.Hands[i].Laterality == th.Laterality {
				sh = &film.Hands[i]
				break
			}
		}
		if sh == nil {
			st.MissedHands++
			for _, ts := range th.Sites {
				if ts.Kind == svdh.JSN {
					st.JSN.Missing++
				} else {
					st.Erosion.Missing++
				}
			}
			continue
		}
		for _, s := range sh.Sites {
			ts, ok := th.Sites[s.Column]
			switch {
			case !ok:
				continue
			case s.Grade == nil && s.Kind == svdh.JSN:
				st.JSN.Missing++
			case s.Grade == nil:
				st.Erosion.Missing++
			default:
				*sites = append(*sites, siteRead{kind: s.Kind, truth: ts.Grade,
					read: s.Grade.Grade, probs: s.Grade.Probabilities})
			}
		}
		*hands = append(*hands, handRead{truthTotal: th.TotalErosion + th.TotalJSN,
			total: sh.Totals.Total, expected: sh.Totals.ExpectedTotal})
		for _, w := range sh.Widths {
			tj, ok := th.Joints[w.Joint]
			if !ok || tj.JSWMM == nil {
				continue
			}
			if !w.Available {
				st.JSWUnavailable++
				continue
			}
			*jswErr = append(*jswErr, math.Abs(w.CentralMM-*tj.JSWMM))
		}
	}
}

func kindStats(kind svdh.Kind, all []siteRead, maxGrade, missing int) KindStats {
	ks := KindStats{Kind: kind, Missing: missing, Confusion: make([][]int, maxGrade+1)}
	for i := range ks.Confusion {
		ks.Confusion[i] = make([]int, maxGrade+1)
	}
	var rs []siteRead
	for _, s := range all {
		if s.kind == kind {
			rs = append(rs, s)
		}
	}
	ks.Sites = len(rs)
	if len(rs) == 0 {
		return ks
	}
	freq := make([]float64, maxGrade+1)
	for _, s := range rs {
		freq[s.truth]++
	}
	var exact, within, se, wse, wsum float64
	var t, p []int
	for _, s := range rs {
		ks.Confusion[s.truth][s.read]++
		d := float64(s.read - s.truth)
		if d == 0 {
			exact++
		}
		if math.Abs(d) <= 1 {
			within++
		}
		w := 1 / freq[s.truth]
		se += d * d
		wse += w * d * d
		wsum += w
		t, p = append(t, s.truth), append(p, s.read)
	}
	n := float64(len(rs))
	ks.Exact, ks.WithinOne = exact/n, within/n
	ks.RMSE, ks.WeightedRMSE = math.Sqrt(se/n), math.Sqrt(wse/wsum)
	ks.Kappa = QuadraticKappa(t, p, maxGrade)
	ks.ECE, ks.Calibration = calibration(rs, kind)
	return ks
}

// calibration bins the reported grades' probabilities (of sites of kind, or all when kind is
// empty) and returns the expected calibration error with the bins.
func calibration(rs []siteRead, kind svdh.Kind) (float64, []CalibrationBin) {
	bins := make([]CalibrationBin, CalibrationBins)
	for i := range bins {
		bins[i].Lo, bins[i].Hi = float64(i)/CalibrationBins, float64(i+1)/CalibrationBins
	}
	n := 0
	for _, s := range rs {
		if kind != "" && s.kind != kind {
			continue
		}
		conf := s.probs[s.read]
		b := min(CalibrationBins-1, int(conf*CalibrationBins))
		bins[b].Count++
		bins[b].Confidence += conf
		if s.read == s.truth {
			bins[b].Accuracy++
		}
		n++
	}
	ece := 0.0
	for i := range bins {
		if c := float64(bins[i].Count); c > 0 {
			bins[i].Confidence /= c
			bins[i].Accuracy /= c
			ece += c / float64(n) * math.Abs(bins[i].Accuracy-bins[i].Confidence)
		}
	}
	return ece, bins
}

// QuadraticKappa is Cohen's κ with quadratic weights between two raters' grades 0–maxGrade.
func QuadraticKappa(a, b []int, maxGrade int) float64 {
	k := maxGrade + 1
	obs := make([]float64, k*k)
	ha, hb := make([]float64, k), make([]float64, k)
	for i := range a {
		obs[a[i]*k+b[i]]++
		ha[a[i]]++
		hb[b[i]]++
	}
	n := float64(len(a))
	var num, den float64
	for i := range k {
		for j := range k {
			w := float64((i-j)*(i-j)) / float64((k-1)*(k-1))
			num += w * obs[i*k+j]
			den += w * ha[i] * hb[j] / n
		}
	}
	if den == 0 {
		return 1 // both raters gave one and the same grade throughout
	}
	return 1 - num/den
}

func pearson(x, y []float64) float64 {
	n := float64(len(x))
	if n < 2 {
		return math.NaN()
	}
	var mx, my float64
	for i := range x {
		mx += x[i] / n
		my += y[i] / n
	}
	var sxy, sxx, syy float64
	for i := range x {
		sxy += (x[i] - mx) * (y[i] - my)
		sxx += (x[i] - mx) * (x[i] - mx)
		syy += (y[i] - my) * (y[i] - my)
	}
	return sxy / math.Sqrt(sxx*syy)
}

func mae(x, y []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	s := 0.0
	for i := range x {
		s += math.Abs(x[i] - y[i])
	}
	return s / float64(len(x))
}

// RealSanity is what scoring real films without grades can show: that the pipeline runs
// through, places every joint, and grades films of people without RA (the atlas's children)
// mostly 0. The share graded 0 is a sanity figure, not an accuracy.
type RealSanity struct {
	Set         string   `json:"set"`
	Films       int      `json:"films"`
	Hands       int      `json:"hands"`
	NoHand      int      `json:"no_hand"`
	Sites       int      `json:"sites"`
	Placed      int      `json:"placed"`
	GradedZero  float64  `json:"graded_zero"`
	NeedsReview float64  `json:"needs_review"`
	MeanTotal   float64  `json:"mean_total"`
	SpacingNote string   `json:"spacing"`
	Failed      []string `json:"failed,omitempty"`
	// ByFilmTotals is each film's total SvdH, by image name.
	ByFilmTotals map[string]int `json:"totals_by_film"`
}

// ScoreRealFilms scores cases (films without grades) with the spacing each case states,
// marked estimated when the case says it is assumed.
func ScoreRealFilms(set string, s *score.Scorer, cases []Case) RealSanity {
	rs := RealSanity{Set: set, Films: len(cases), ByFilmTotals: map[string]int{}}
	zero, review, totals := 0, 0, 0
	for _, c := range cases {
		rg := *c.Film
		if c.Assumed {
			rg.SpacingMM = [2]float64{c.SpacingMM, c.SpacingMM}
			rg.SpacingSource = read.SpacingEstimated
			rs.SpacingNote = fmt.Sprintf("assumed %.3g mm/px", c.SpacingMM)
		}
		film, err := s.Score(&rg)
		if err != nil {
			rs.Failed = append(rs.Failed, fmt.Sprintf("%s: %v", c.Name, err))
			continue
		}
		if film.NoHand {
			rs.NoHand++
		}
		for _, h := range film.Hands {
			rs.Hands++
			totals += h.Totals.Total
			rs.ByFilmTotals[c.Name] += h.Totals.Total
			for _, st := range h.Sites {
				rs.Sites++
				if st.NeedsReview {
					review++
				}
				if st.Grade == nil {
					continue
				}
				rs.Placed++
				if st.Grade.Grade == 0 {
					zero++
				}
			}
		}
	}
	if rs.Placed > 0 {
		rs.GradedZero = float64(zero) / float64(rs.Placed)
	}
	if rs.Sites > 0 {
		rs.NeedsReview = float64(review) / float64(rs.Sites)
	}
	if rs.Hands > 0 {
		rs.MeanTotal = float64(totals) / float64(rs.Hands)
	}
	return rs
}
