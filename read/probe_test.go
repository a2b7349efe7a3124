package read

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// Probe never refuses a file Decode reads, and agrees with Decode on what it reports; files
// cut short are refused by both.
func TestProbeAgreesWithDecode(t *testing.T) {
	paths, _ := filepath.Glob("../../shared/data/dicom-samples/*")
	paths = append(paths, "../samples/phantom-hand.dcm")
	checked := 0
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil || len(data) == 0 {
			continue
		}
		for _, cut := range []int{len(data), len(data) / 2} {
			d := data[:cut]
			rg, derr := Decode(bytes.NewReader(d), WithSalt("s"))
			info, perr := Probe(d, WithSalt("s"))
			if derr == nil {
				checked++
				if perr != nil {
					t.Errorf("%s (%d bytes): Decode reads it, Probe refuses: %v", p, cut, perr)
					continue
				}
				if info.Format != rg.Format || info.Width != rg.Width ||
					info.Height != rg.Height || info.PatientKey != rg.PatientKey {
					t.Errorf("%s: Probe %+v, Decode %s %dx%d %s", p, info, rg.Format, rg.Width,
						rg.Height, rg.PatientKey)
				}
			}
		}
	}
	if checked < 1 {
		t.Fatal("no file decoded")
	}
	if _, err := Probe([]byte("not an image at all")); err == nil {
		t.Error("text probed as an image")
	}
}
