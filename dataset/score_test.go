package dataset

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"rascore/phantom"
)

// A score shard of one training and one validation phantom holds one patch per scored joint
// of each hand, labelled with the phantom's true grades, and says so in score.json.
func TestWriteScorePhantoms(t *testing.T) {
	out := t.TempDir()
	o := DefaultScoreOptions()
	o.Out, o.Phantoms, o.PhantomsValid, o.Views = out, 1, 1, 1
	if err := WriteScore(o); err != nil {
		t.Fatal(err)
	}
	var meta scoreMeta
	b, err := os.ReadFile(filepath.Join(out, "score.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &meta); err != nil || meta.Schema != ScoreSchema ||
		len(meta.Joints) != 22 || meta.Spec != o.Spec {
		t.Fatalf("score.json: %+v, %v", meta, err)
	}
	for _, part := range meta.Parts {
		seed := map[string]uint64{"train": ScoreTrainSeed, "valid": ScoreValidSeed}[part.Name]
		_, truth, err := phantom.Render(ScorePhantomOptions(0), seed, 0)
		if err != nil {
			t.Fatal(err)
		}
		wantJSN, wantEro := 0, 0
		for _, h := range truth.Hands {
			wantJSN += h.TotalJSN
			wantEro += h.TotalErosion
		}
		labels, _ := os.ReadFile(filepath.Join(out, part.Labels))
		imgs, _ := os.ReadFile(filepath.Join(out, part.Images))
		if part.Count != 22*len(truth.Hands) || len(labels) != 3*part.Count ||
			len(imgs) != part.Count*o.Spec.Size*o.Spec.Size {
			t.Fatalf("%s: %d patches, %d label and %d image bytes for %d hands", part.Name,
				part.Count, len(labels), len(imgs), len(truth.Hands))
		}
		gotJSN, gotEro, counted := 0, 0, 0
		for i := 0; i < len(labels); i += 3 {
			gotJSN += max(0, int(int8(labels[i+1])))
			gotEro += max(0, int(int8(labels[i+2])))
		}
		for _, c := range part.JSNCounts {
			counted += c
		}
		if gotJSN != wantJSN || gotEro != wantEro || counted != 15*len(truth.Hands) {
			t.Errorf("%s: JSN %d erosion %d (%d JSN sites), truth %d %d", part.Name, gotJSN,
				gotEro, counted, wantJSN, wantEro)
		}
	}
}
