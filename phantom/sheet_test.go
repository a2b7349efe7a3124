package phantom

import (
	"bytes"
	"image/png"
	"os"
	"testing"

	"rascore/svdh"
)

// TestSheetMarksJoints checks that a sheet holds one cell per film and that each joint's dot
// has its grade's colour.
func TestSheetMarksJoints(t *testing.T) {
	o := cleanOptions()
	o.SpacingMM = 0.4
	o.Damage.Grades = map[string]int{"RH_mcp_E__2": 3}
	s := NewSheet(2, 300)
	var truths []*Truth
	for i := range 3 {
		img, tr, err := Render(o, 9, i)
		if err != nil {
			t.Fatal(err)
		}
		s.Add(img, tr)
		truths = append(truths, tr)
	}
	if len(s.cells) != 3 {
		t.Fatalf("%d cells", len(s.cells))
	}
	cell := s.cells[0]
	scale := float64(truths[0].Width) / 300
	for j, want := range map[svdh.Joint]uint8{svdh.MCP2: greys + 3, svdh.MCP3: greys} {
		c := truths[0].Hands[0].Joints[j].CenterPx
		if got := cell.ColorIndexAt(int(c[0]/scale), int(c[1]/scale)); got != want {
			t.Errorf("%s dot colour %d, want %d", j, got, want)
		}
	}
	var b bytes.Buffer
	if err := s.WritePNG(&b); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&b)
	if err != nil {
		t.Fatal(err)
	}
	if w := img.Bounds().Dx(); w != 4+2*(300+4) {
		t.Errorf("sheet width %d", w)
	}
}

// TestWriteDocsSheet renders the contact sheet kept in docs/: 12 films at default options,
// every fourth with two hands. It runs only when RASCORE_PHANTOM_SHEET names the output file:
//
//	RASCORE_PHANTOM_SHEET=$PWD/docs/phantom-sheet.png go test -run WriteDocsSheet ./phantom/
func TestWriteDocsSheet(t *testing.T) {
	path := os.Getenv("RASCORE_PHANTOM_SHEET")
	if path == "" {
		t.Skip("set RASCORE_PHANTOM_SHEET to write the sheet")
	}
	s := NewSheet(4, 320)
	for i := range 12 {
		o := DefaultOptions()
		if i%4 == 3 {
			o.Hands = 2
		}
		img, tr, err := Render(o, 2026, i)
		if err != nil {
			t.Fatal(err)
		}
		s.Add(img, tr)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := s.WritePNG(f); err != nil {
		t.Fatal(err)
	}
}
