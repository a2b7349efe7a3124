package dataset

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// TestWriteLocatePhantomsOnly writes a tiny shard and checks its layout against locate.json:
// sizes, channel order, and that every view holds each of its hands' visible points inside it,
// with the hand centre among its joints.
func TestWriteLocatePhantomsOnly(t *testing.T) {
	o := DefaultLocateOptions()
	o.Out = t.TempDir()
	o.InputSize = 64
	o.Phantoms, o.PhantomsValid, o.PhantomViews = 3, 1, 1
	if err := WriteLocate(o); err != nil {
		t.Fatal(err)
	}
	var meta locateMeta
	b, err := os.ReadFile(filepath.Join(o.Out, "locate.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &meta); err != nil {
		t.Fatal(err)
	}
	k := len(LocateChannels())
	if meta.Schema != LocateSchema || len(meta.Channels) != 23 || meta.Channels[22] != HandCentre {
		t.Fatalf("meta %+v", meta)
	}
	// Phantom index 2 has two hands: films 0, 1 → 2 views each; film 2 → 3 views.
	wantCounts := map[string]int{"train": 2 + 2 + 3, "valid": 2}
	for _, p := range meta.Parts {
		if p.Count != wantCounts[p.Name] {
			t.Errorf("%s: %d views, want %d", p.Name, p.Count, wantCounts[p.Name])
		}
		imgs, _ := os.ReadFile(filepath.Join(o.Out, p.Images))
		raw, _ := os.ReadFile(filepath.Join(o.Out, p.Points))
		if len(imgs) != p.Count*64*64 || len(raw) != p.Count*MaxHands*k*3*4 {
			t.Fatalf("%s: %d image bytes, %d point bytes", p.Name, len(imgs), len(raw))
		}
		for v := range p.Count {
			hands := 0
			for h := range MaxHands {
				base := ((v*MaxHands + h) * k) * 3 * 4
				pt := func(c, i int) float64 {
					return float64(math.Float32frombits(binary.LittleEndian.Uint32(
						raw[base+(c*3+i)*4:])))
				}
				visible := 0
				var cx, cy float64
				for c := range k - 1 {
					if pt(c, 2) == 1 {
						visible++
						if pt(c, 0) < 0 || pt(c, 1) < 0 || pt(c, 0) > 63 || pt(c, 1) > 63 {
							t.Errorf("%s view %d: visible point outside the view", p.Name, v)
						}
					}
					cx, cy = cx+pt(c, 0)/22, cy+pt(c, 1)/22
				}
				if visible == 0 {
					continue
				}
				hands++
				if math.Hypot(pt(k-1, 0)-cx, pt(k-1, 1)-cy) > 1e-3 {
					t.Errorf("%s view %d: hand centre is not the mean of the joints", p.Name, v)
				}
			}
			if hands == 0 {
				t.Errorf("%s view %d shows no hand", p.Name, v)
			}
		}
	}
}
