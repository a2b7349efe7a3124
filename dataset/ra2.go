package dataset

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"rascore/crop"
	"rascore/read"
	"rascore/svdh"
)

// RA2Row is one patient's row of an RA2-DREAM-layout CSV: the grades it gives, by column.
type RA2Row struct {
	PatientID string
	// Grades holds every site column the file has a number for; an empty cell is absent.
	Grades map[string]int
}

// ReadRA2CSV reads a CSV in the RA2-DREAM layout: a Patient_ID column and any of the per-site
// columns of svdh.Columns (e.g. "LH_mcp_E__2"); other columns (the totals) are ignored. A
// grade outside its site's range, a non-number or a row without Patient_ID is an error naming
// the line.
func ReadRA2CSV(r io.Reader) ([]RA2Row, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("ra2 csv: header: %w", err)
	}
	idCol := -1
	sites := map[int]svdh.Site{}
	for i, name := range head {
		name = strings.TrimSpace(strings.TrimPrefix(name, "\ufeff"))
		if name == "Patient_ID" {
			idCol = i
		} else if s, ok := svdh.ByColumn(name); ok {
			sites[i] = s
		}
	}
	if idCol < 0 {
		return nil, errors.New("ra2 csv: no Patient_ID column")
	}
	if len(sites) == 0 {
		return nil, errors.New("ra2 csv: no per-site grade columns (e.g. LH_mcp_E__2)")
	}
	var rows []RA2Row
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("ra2 csv: %w", err)
		}
		if idCol >= len(rec) || strings.TrimSpace(rec[idCol]) == "" {
			return nil, fmt.Errorf("ra2 csv: line %d: no Patient_ID", line)
		}
		row := RA2Row{PatientID: strings.TrimSpace(rec[idCol]), Grades: map[string]int{}}
		for i, s := range sites {
			if i >= len(rec) || strings.TrimSpace(rec[i]) == "" {
				continue
			}
			v, err := strconv.ParseFloat(strings.TrimSpace(rec[i]), 64)
			if err != nil || v != float64(int(v)) || int(v) < 0 || int(v) > s.Max {
				return nil, fmt.Errorf("ra2 csv: line %d, %s: %q is not a grade 0–%d", line,
					s.Column, rec[i], s.Max)
			}
			row.Grades[s.Column] = int(v)
		}
		rows = append(rows, row)
	}
}

// RA2Source is a folder of films in the RA2-DREAM layout: CSV beside images named
// <Patient_ID>-LH.jpg and <Patient_ID>-RH.jpg (also .jpeg, .png, .dcm). Feet (-LF, -RF) are not
// scored yet and are skipped.
type RA2Source struct {
	CSV    string
	Images string
	// Place finds the joints of the one hand on a film (package locate, given by the caller).
	Place func(*read.Radiograph) (map[svdh.Joint]crop.Point, error)
	// ReadOptions are passed to read.Read; JPEG and PNG films carry no pixel size, so they need
	// read.WithAssumedSpacing.
	ReadOptions []read.Option
}

// RA2Film is one hand film of an RA2Source with its grades.
type RA2Film struct {
	Path string
	Hand ScoreHand
}

// Films lists the hand films the CSV names that exist, with their grades; the hands' points
// are filled in later by Place.
func (s *RA2Source) Films() ([]RA2Film, error) {
	f, err := os.Open(s.CSV)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := ReadRA2CSV(f)
	if err != nil {
		return nil, err
	}
	var out []RA2Film
	for _, row := range rows {
		for _, side := range []svdh.Side{svdh.Left, svdh.Right} {
			path := findImage(s.Images, row.PatientID+"-"+string(side)+"H")
			if path == "" {
				continue
			}
			h := ScoreHand{Side: side, JSN: map[svdh.Joint]int{}, Erosion: map[svdh.Joint]int{}}
			for _, site := range svdh.Select(svdh.Hand, side) {
				g, ok := row.Grades[site.Column]
				if !ok {
					continue
				}
				if site.Kind == svdh.JSN {
					h.JSN[site.Joint] = g
				} else {
					h.Erosion[site.Joint] = g
				}
			}
			out = append(out, RA2Film{Path: path, Hand: h})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("ra2: no <Patient_ID>-LH/-RH image in %s matches %s", s.Images,
			filepath.Base(s.CSV))
	}
	return out, nil
}

func findImage(dir, stem string) string {
	for _, ext := range []string{".jpg", ".jpeg", ".png", ".dcm", ".JPG", ".PNG"} {
		p := filepath.Join(dir, stem+ext)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// films turns the source into shard jobs: read, place, grades.
func (s *RA2Source) films() ([]func() (*read.Radiograph, []ScoreHand, error), error) {
	if s.Place == nil {
		return nil, errors.New("ra2: no joint placer")
	}
	list, err := s.Films()
	if err != nil {
		return nil, err
	}
	var out []func() (*read.Radiograph, []ScoreHand, error)
	for _, f := range list {
		out = append(out, func() (*read.Radiograph, []ScoreHand, error) {
			img, err := read.Read(f.Path, s.ReadOptions...)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", filepath.Base(f.Path), err)
			}
			if img.SpacingMM[0] <= 0 {
				return nil, nil, fmt.Errorf("%s: no pixel size in the file; give one (--assume-spacing-mm)",
					filepath.Base(f.Path))
			}
			pts, err := s.Place(img)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", filepath.Base(f.Path), err)
			}
			h := f.Hand
			h.Points = pts
			return img, []ScoreHand{h}, nil
		})
	}
	return out, nil
}
