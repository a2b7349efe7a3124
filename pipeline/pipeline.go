// Package pipeline scores one film's bytes from end to end: read, locate, score, report, and
// the overlay picture. It takes the file's bytes and gives the report (schema
// rascore.report/v1) and, on request, the overlay PNG. It keeps nothing between films and
// writes no files; the command line and the server both call it.
package pipeline

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"rascore/locate"
	"rascore/read"
	"rascore/report"
	"rascore/score"
)

// Scorer scores films one at a time. It is safe for concurrent use: the networks serialise
// their runs.
type Scorer struct {
	Score          *score.Scorer
	Models         []report.ModelRef
	Software       string
	ReadOptions    []read.Option
	OverlayMaxSide int
}

// Timing is how long each stage of one film took.
type Timing struct {
	Read, Score, Report time.Duration
}

// New loads the default locator and scorer networks. software names the program in reports.
func New(software string, readOptions []read.Option, overlayMaxSide int) (*Scorer, error) {
	model, err := locate.LoadDefault()
	if err != nil {
		return nil, err
	}
	loc := &locate.Locator{Model: model, Settings: locate.DefaultSettings()}
	sm, err := score.LoadDefault()
	if err != nil {
		model.Close()
		return nil, err
	}
	return &Scorer{
		Score:          &score.Scorer{Locator: loc, Model: sm, Settings: score.DefaultSettings()},
		Models:         report.ModelRefs(model.Info, sm.Info),
		Software:       software,
		ReadOptions:    readOptions,
		OverlayMaxSide: overlayMaxSide,
	}, nil
}

// Close frees the networks.
func (s *Scorer) Close() {
	s.Score.Locator.Model.Close()
	s.Score.Model.Close()
}

// Probe checks the file without decoding its pixels (read.Probe): cheap enough to refuse a bad
// upload at once; Film may still fail on a corrupt compressed stream.
func (s *Scorer) Probe(data []byte) (read.Info, error) {
	return read.Probe(data, s.ReadOptions...)
}

// Check reads the file as Film would, pixels and all.
func (s *Scorer) Check(data []byte) (*read.Radiograph, error) {
	return read.DecodeBytes(data, s.ReadOptions...)
}

// Film reads, scores and reports one file's bytes. On a failure after the bytes arrived the
// report returned names the input by its hash and nothing else.
func (s *Scorer) Film(data []byte) (*report.Report, *read.Radiograph, Timing, error) {
	var tm Timing
	start := time.Now()
	rg, err := read.DecodeBytes(data, s.ReadOptions...)
	tm.Read = time.Since(start)
	if err != nil {
		return Failed(data), nil, tm, err
	}

	start = time.Now()
	film, err := s.Score.Score(rg)
	tm.Score = time.Since(start)
	if err != nil {
		return Failed(data), nil, tm, fmt.Errorf("score: %w", err)
	}

	start = time.Now()
	r := report.New(s.Software, s.Models, data, rg, film)
	tm.Report = time.Since(start)
	return r, rg, tm, nil
}

// Overlay draws a scored film with its grades and encodes it as PNG.
func (s *Scorer) Overlay(rg *read.Radiograph, r *report.Report) ([]byte, error) {
	return report.EncodePNG(report.ScoreOverlay(rg, r, s.OverlayMaxSide))
}

// Failed is the report of a film that could not be scored: its hash and nothing else.
func Failed(data []byte) *report.Report {
	sum := sha256.Sum256(data)
	sha := hex.EncodeToString(sum[:])
	return &report.Report{Input: report.Input{SHA256: sha, FilmID: report.FilmID(sha)}}
}
