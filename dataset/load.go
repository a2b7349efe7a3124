package dataset

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
)

// Split is the publisher's partition of the hand-landmark set. Keep Test for evaluation only.
type Split string

const (
	Train Split = "train"
	Valid Split = "valid"
	Test  Split = "test"
)

// ErrFormat says that landmarks.csv or split.csv does not have the expected layout. Errors
// from LoadLandmarks wrap it with the file and line.
var ErrFormat = errors.New("malformed landmark set")

// LandmarkImage is one film of the hand-landmark set.
type LandmarkImage struct {
	// Image is the file name under images/, e.g. "3143.jpg"; Path is the full path.
	Image string
	Path  string
	// Width and Height are the image size in pixels, as landmarks.csv states them.
	Width, Height int
	Split         Split
	Landmarks     Landmarks
}

// LoadLandmarks reads landmarks.csv and split.csv from dir (the hand-landmark folder, holding
// images/ beside them) and returns the films in landmarks.csv order, each with its split. A film
// without a split, a split naming an unknown film, or a row that does not parse is an error
// wrapping ErrFormat.
func LoadLandmarks(dir string) ([]LandmarkImage, error) {
	splits, err := readSplits(filepath.Join(dir, "split.csv"))
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "landmarks.csv")
	rows, err := readCSV(path, []string{"image", "width", "height"})
	if err != nil {
		return nil, err
	}

	out := make([]LandmarkImage, 0, len(rows))
	seen := make(map[string]bool, len(rows))
	for i, row := range rows {
		li, err := parseLandmarkRow(row)
		if err != nil {
			return nil, fmt.Errorf("%s line %d: %w", path, i+2, err)
		}
		s, ok := splits[li.Image]
		if !ok {
			return nil, fmt.Errorf("%s line %d: %s has no split: %w",
				path, i+2, li.Image, ErrFormat)
		}
		li.Split = s
		li.Path = filepath.Join(dir, "images", li.Image)
		seen[li.Image] = true
		out = append(out, li)
	}

	for name := range splits {
		if !seen[name] {
			return nil, fmt.Errorf("split.csv names %s, which has no landmarks: %w",
				name, ErrFormat)
		}
	}
	return out, nil
}

// parseLandmarkRow reads one row image,width,height,x1,y1,…,x37,y37.
func parseLandmarkRow(row []string) (LandmarkImage, error) {
	if len(row) != 3+2*NumLandmarks {
		return LandmarkImage{}, fmt.Errorf("%d fields, want %d: %w",
			len(row), 3+2*NumLandmarks, ErrFormat)
	}
	li := LandmarkImage{Image: row[0]}
	var err error
	if li.Width, err = strconv.Atoi(row[1]); err != nil {
		return li, fmt.Errorf("width %q: %w", row[1], ErrFormat)
	}
	if li.Height, err = strconv.Atoi(row[2]); err != nil {
		return li, fmt.Errorf("height %q: %w", row[2], ErrFormat)
	}
	for i := range li.Landmarks {
		x, errX := strconv.ParseFloat(row[3+2*i], 64)
		y, errY := strconv.ParseFloat(row[4+2*i], 64)
		if errX != nil || errY != nil {
			return li, fmt.Errorf("landmark %d (%q, %q): %w",
				i+1, row[3+2*i], row[4+2*i], ErrFormat)
		}
		li.Landmarks[i] = Point{x, y}
	}
	return li, nil
}

// readSplits reads split.csv (image,split) into a map from image name to split.
func readSplits(path string) (map[string]Split, error) {
	rows, err := readCSV(path, []string{"image", "split"})
	if err != nil {
		return nil, err
	}
	out := make(map[string]Split, len(rows))
	for i, row := range rows {
		if len(row) != 2 {
			return nil, fmt.Errorf("%s line %d: %d fields, want 2: %w",
				path, i+2, len(row), ErrFormat)
		}
		s := Split(row[1])
		if s != Train && s != Valid && s != Test {
			return nil, fmt.Errorf("%s line %d: split %q: %w", path, i+2, row[1], ErrFormat)
		}
		out[row[0]] = s
	}
	return out, nil
}

// readCSV reads a CSV file whose header starts with the given columns and returns the rows
// below the header.
func readCSV(path string, header []string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read landmark set: %w", err)
	}
	defer f.Close()

	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%s: empty file: %w", path, ErrFormat)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %w", path, ErrFormat, err)
	}
	for i, name := range header {
		if i >= len(head) || head[i] != name {
			return nil, fmt.Errorf("%s: header %v, want it to start %v: %w",
				path, head, header, ErrFormat)
		}
	}
	rows, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %w", path, ErrFormat, err)
	}
	return rows, nil
}
