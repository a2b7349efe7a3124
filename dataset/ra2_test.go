package dataset

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rascore/crop"
	"rascore/phantom"
	"rascore/read"
	"rascore/svdh"
)

func TestReadRA2CSV(t *testing.T) {
	in := "\ufeffPatient_ID,Overall_Tol,LH_mcp_E__2,RH_pip_J__3,LF_mtp_E__1\n" +
		"P1,7,3,2,10\n" +
		"P2,,0,,\n"
	rows, err := ReadRA2CSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].PatientID != "P1" || rows[1].PatientID != "P2" {
		t.Fatalf("rows %+v", rows)
	}
	want := map[string]int{"LH_mcp_E__2": 3, "RH_pip_J__3": 2, "LF_mtp_E__1": 10}
	for k, v := range want {
		if rows[0].Grades[k] != v {
			t.Errorf("P1 %s = %d, want %d", k, rows[0].Grades[k], v)
		}
	}
	if _, ok := rows[1].Grades["RH_pip_J__3"]; ok || rows[1].Grades["LH_mcp_E__2"] != 0 ||
		len(rows[1].Grades) != 1 {
		t.Errorf("P2 grades %v: empty cells must be absent", rows[1].Grades)
	}
	for _, bad := range []string{
		"Name,LH_mcp_E__2\nx,1\n",         // no Patient_ID
		"Patient_ID,Overall_Tol\nx,1\n",   // no site columns
		"Patient_ID,LH_mcp_E__2\nx,6\n",   // erosion above 5
		"Patient_ID,RH_pip_J__3\nx,1.5\n", // not a whole grade
		"Patient_ID,RH_pip_J__3\n,1\n",    // no id
	} {
		if _, err := ReadRA2CSV(strings.NewReader(bad)); err == nil ||
			strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: want a one-line error, got %v", bad, err)
		}
	}
}

// An RA2-layout folder written here (two phantom films as <ID>-LH.png / <ID>-RH.png and a
// CSV of their true grades) becomes patches whose labels are those grades.
func TestRA2SourceShards(t *testing.T) {
	dir := t.TempDir()
	opts := ScorePhantomOptions(0)
	opts.Hands, opts.FlipShare, opts.RotateDeg, opts.SpacingMM = 1, 0, 10, 0.2
	header := append([]string{"Patient_ID"}, svdh.Columns()...)
	lines := []string{strings.Join(header, ",")}
	truths := map[string]*phantom.Truth{}
	for i, side := range []string{"LH", "RH"} {
		opts.LeftShare = map[string]float64{"LH": 1, "RH": 0}[side]
		opts.WidthPx, opts.HeightPx = 1200+10*i, 1600 // the placer tells the films apart by size
		img, truth, err := phantom.Render(opts, 31, i)
		if err != nil {
			t.Fatal(err)
		}
		f, err := os.Create(filepath.Join(dir, "PX"+string(rune('A'+i))+"-"+side+".png"))
		if err != nil {
			t.Fatal(err)
		}
		if err := phantom.WritePNG(f, img, opts); err != nil {
			t.Fatal(err)
		}
		f.Close()
		truths[side] = truth
		row := []string{"PX" + string(rune('A'+i))}
		for _, c := range svdh.Columns() {
			v := ""
			if st, ok := truth.Hands[0].Sites[c]; ok {
				v = string(rune('0' + st.Grade))
			}
			row = append(row, v)
		}
		lines = append(lines, strings.Join(row, ","))
	}
	csvPath := filepath.Join(dir, "grades.csv")
	if err := os.WriteFile(csvPath, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// joints placed from the truth, as a perfect locator would
	src := &RA2Source{CSV: csvPath, Images: dir,
		ReadOptions: []read.Option{read.WithAssumedSpacing(opts.SpacingMM)},
		Place: func(rg *read.Radiograph) (map[svdh.Joint]crop.Point, error) {
			for _, tr := range truths {
				if tr.Width == rg.Width && tr.Height == rg.Height {
					return PhantomScoreHands(tr)[0].Points, nil
				}
			}
			t.Fatal("unknown film")
			return nil, nil
		}}
	films, err := src.Films()
	if err != nil || len(films) != 2 {
		t.Fatalf("films %v, %v", films, err)
	}
	for _, f := range films {
		side := map[svdh.Side]string{svdh.Left: "LH", svdh.Right: "RH"}[f.Hand.Side]
		truth := truths[side].Hands[0]
		for j, jt := range truth.Joints {
			if g, ok := f.Hand.JSN[j]; jt.JSN >= 0 && (!ok || g != jt.JSN) {
				t.Errorf("%s %s: JSN %d (%v), truth %d", side, j, g, ok, jt.JSN)
			}
			if g, ok := f.Hand.Erosion[j]; jt.Erosion >= 0 && (!ok || g != jt.Erosion) {
				t.Errorf("%s %s: erosion %d (%v), truth %d", side, j, g, ok, jt.Erosion)
			}
		}
	}
	out := t.TempDir()
	o := DefaultScoreOptions()
	o.Out, o.Phantoms, o.PhantomsValid, o.RA2, o.Views = out, 0, 0, src, 1
	if err := WriteScore(o); err != nil {
		t.Fatal(err)
	}
	labels, err := os.ReadFile(filepath.Join(out, "train.labels.i8"))
	if err != nil {
		t.Fatal(err)
	}
	// both films go to train (every tenth goes to valid); 22 joints each
	if len(labels) != 2*22*3 {
		t.Fatalf("%d label bytes, want %d", len(labels), 2*22*3)
	}
	sumJSN, sumEro := 0, 0
	for i := 0; i < len(labels); i += 3 {
		sumJSN += max(0, int(int8(labels[i+1])))
		sumEro += max(0, int(int8(labels[i+2])))
	}
	wantJSN := truths["LH"].Hands[0].TotalJSN + truths["RH"].Hands[0].TotalJSN
	wantEro := truths["LH"].Hands[0].TotalErosion + truths["RH"].Hands[0].TotalErosion
	if sumJSN != wantJSN || sumEro != wantEro {
		t.Errorf("label sums JSN %d erosion %d, truth %d %d", sumJSN, sumEro, wantJSN, wantEro)
	}
}
