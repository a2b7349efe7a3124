package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"rascore/locate"
	"rascore/read"
	"rascore/score"
	"rascore/svdh"
)

// Schema names the layout of the JSON report; a change that breaks its readers changes the
// version.
const Schema = "rascore.report/v1"

// ResearchNote is said by every report, in every form.
const ResearchNote = "Research output, not for clinical use: scores have not been validated on " +
	"labelled adult radiographs."

// NoHandMessage is the message of a report whose film showed no hand.
const NoHandMessage = "no hand found"

// ErrSchema says a JSON document is not a report this build reads.
var ErrSchema = errors.New("not a " + Schema + " report")

// ModelRef names one network a report's results came from.
type ModelRef struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	SHA256  string `json:"sha256"`
}

// ModelRefs names the locator and the scorer.
func ModelRefs(loc locate.ModelInfo, sc score.ModelInfo) []ModelRef {
	return []ModelRef{
		{Name: loc.Name, Version: loc.Version, SHA256: loc.SHA256},
		{Name: sc.Name, Version: sc.Version, SHA256: sc.SHA256},
	}
}

// Input describes the film a report is of. It carries no patient name or ID: PatientKey is a
// salted hash of the ID (read.PatientKey).
type Input struct {
	SHA256 string `json:"sha256"`
	// FilmID is the first 12 hex digits of SHA256: short enough for file names and logs.
	FilmID     string `json:"film_id"`
	PatientKey string `json:"patient_key,omitempty"`
	Format     string `json:"format"`
	Modality   string `json:"modality,omitempty"`
	Width      int    `json:"width"`
	Height     int    `json:"height"`
	// SpacingMM is the pixel size the scores were made with; SpacingSource says where it came
	// from ("estimated" when it was worked out from the hand's size).
	SpacingMM     [2]float64         `json:"spacing_mm"`
	SpacingSource read.SpacingSource `json:"spacing_source"`
	// Notes are what the reader did to the pixels (a VOI LUT applied, frames dropped).
	Notes []string `json:"notes,omitempty"`
}

// Report is the canonical result of scoring one film: what went in, which models read it, and
// per hand the 31 SvdH sites, joint space widths and totals.
type Report struct {
	Schema   string     `json:"schema"`
	Software string     `json:"software"`
	Note     string     `json:"note"`
	Models   []ModelRef `json:"models"`
	Input    Input      `json:"input"`
	// NoHand is set when the film showed no hand; Message then says so and Hands is empty.
	NoHand  bool   `json:"no_hand"`
	Message string `json:"message,omitempty"`
	// Warnings are the film's and each hand's warnings in one list, the hand's prefixed with
	// its side.
	Warnings []string     `json:"warnings,omitempty"`
	Hands    []score.Hand `json:"hands"`
	Totals   score.Totals `json:"totals"`
}

// FilmID is the short id of a film whose bytes have the given hex sha256.
func FilmID(sha256Hex string) string {
	if len(sha256Hex) < 12 {
		return sha256Hex
	}
	return sha256Hex[:12]
}

// New makes the report of a film: data are the file's bytes, rg what was read from them and
// film what score made of rg. software names the program and its version.
func New(software string, models []ModelRef, data []byte, rg *read.Radiograph,
	film *score.Film) *Report {
	sum := sha256.Sum256(data)
	sha := hex.EncodeToString(sum[:])
	r := &Report{
		Schema: Schema, Software: software, Note: ResearchNote, Models: models,
		Input: Input{
			SHA256: sha, FilmID: FilmID(sha), PatientKey: rg.PatientKey, Format: rg.Format,
			Modality: rg.Modality, Width: film.Width, Height: film.Height,
			SpacingMM: film.SpacingMM, SpacingSource: film.SpacingSource, Notes: rg.Notes,
		},
		NoHand: film.NoHand,
		Hands:  film.Hands,
		Totals: film.Totals,
	}
	if r.Hands == nil {
		r.Hands = []score.Hand{}
	}
	if r.NoHand {
		r.Message = NoHandMessage
	}
	r.Warnings = append(r.Warnings, film.Warnings...)
	for _, h := range film.Hands {
		for _, w := range h.Warnings {
			r.Warnings = append(r.Warnings, HandName(h.Laterality)+": "+w)
		}
	}
	return r
}

// Film gives back the score.Film the report was made from, less the warnings' hand prefixes.
func (r *Report) Film() *score.Film {
	f := &score.Film{Width: r.Input.Width, Height: r.Input.Height,
		SpacingMM: r.Input.SpacingMM, SpacingSource: r.Input.SpacingSource,
		NoHand: r.NoHand, Hands: r.Hands, Totals: r.Totals}
	for _, w := range r.Warnings {
		if !handWarning(r.Hands, w) {
			f.Warnings = append(f.Warnings, w)
		}
	}
	return f
}

func handWarning(hands []score.Hand, w string) bool {
	for _, h := range hands {
		for _, hw := range h.Warnings {
			if w == HandName(h.Laterality)+": "+hw {
				return true
			}
		}
	}
	return false
}

// PatientID is the key the report's film is grouped by: the hashed patient key where the
// film has one, else the film id.
func (r *Report) PatientID() string {
	if r.Input.PatientKey != "" {
		return r.Input.PatientKey
	}
	return r.Input.FilmID
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// ReadJSON reads a report written by WriteJSON, refusing another schema.
func ReadJSON(rd io.Reader) (*Report, error) {
	var r Report
	if err := json.NewDecoder(rd).Decode(&r); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	if r.Schema != Schema {
		return nil, fmt.Errorf("report: schema %q: %w", r.Schema, ErrSchema)
	}
	return &r, nil
}

// HandName says which hand: "left hand", "right hand" or "hand of unknown side".
func HandName(s svdh.Side) string {
	switch s {
	case svdh.Left:
		return "left hand"
	case svdh.Right:
		return "right hand"
	}
	return "hand of unknown side"
}
