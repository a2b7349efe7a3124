package read

import (
	"encoding/binary"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The references in this file come from independent decoders run at test time: DCMTK
// (dcmconv, dcmdjpeg, dcmcjpeg, dcmcjpls, dcmcrle, dcmdump) and GDCM's gdcmconv. Each sample
// is converted to uncompressed explicit little endian by the tool, dcmdump writes its pixel
// data out raw, and the stored values must equal ours: exactly for lossless data, within 1%
// RMS of the stored range for lossy data.

func samplesDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join("..", "..", "shared", "data", "dicom-samples")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("DICOM samples not found at %s (../shared/data is not present)", dir)
	}
	return dir
}

func needTools(t testing.TB, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("reference tool %s not installed: run `make setup` (Debian dcmtk, "+
				"libgdcm-tools)", tool)
		}
	}
}

func run(t testing.TB, args ...string) string {
	t.Helper()
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

var dumpLine = regexp.MustCompile(`^\((0028,[0-9a-f]{4})\) (US|CS) \[?([^\]#]*?)\]?\s+#`)

// referenceStored converts a file with a reference tool (its arguments, input and output
// appended) and reads the uncompressed result through dcmdump only.
func referenceStored(t *testing.T, in string, convert ...string) *storedImage {
	t.Helper()
	dir := t.TempDir()
	ref := filepath.Join(dir, "ref.dcm")
	run(t, append(convert, in, ref)...)
	dump := run(t, "dcmdump", "+W", dir, ref)

	attrs := map[string]string{}
	for _, line := range strings.Split(dump, "\n") {
		if m := dumpLine.FindStringSubmatch(line); m != nil {
			attrs[m[1]] = strings.TrimSpace(m[3])
		}
	}
	num := func(tag string, def int) int {
		if v, err := strconv.Atoi(attrs[tag]); err == nil {
			return v
		}
		return def
	}
	st := &storedImage{
		rows:        num("0028,0010", 0),
		cols:        num("0028,0011", 0),
		samples:     num("0028,0002", 1),
		bitsAlloc:   num("0028,0100", 16),
		signed:      num("0028,0103", 0) == 1,
		planar:      num("0028,0006", 0),
		photometric: attrs["0028,0004"],
	}
	st.bitsStored = num("0028,0101", st.bitsAlloc)
	st.highBit = num("0028,0102", st.bitsStored-1)
	raw, err := os.ReadFile(filepath.Join(dir, "ref.dcm.0.raw"))
	if err != nil {
		t.Fatalf("dcmdump wrote no pixel data: %v", err)
	}
	if err := st.fillFromWords(raw, binary.LittleEndian); err != nil {
		t.Fatalf("reference pixels: %v", err)
	}
	return st
}

func ours(t *testing.T, path string) *storedImage {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	st, _, err := decodeStored(data, makeOptions(nil))
	if err != nil {
		t.Fatalf("decode %s: %v", filepath.Base(path), err)
	}
	return st
}

// compareStored asserts equal geometry and sample values, exactly or within maxRMS of the
// stored range.
func compareStored(t *testing.T, name string, got, want *storedImage, maxRMS float64) {
	t.Helper()
	if got.rows != want.rows || got.cols != want.cols || got.samples != want.samples {
		t.Fatalf("%s: got %dx%dx%d, reference %dx%dx%d", name, got.cols, got.rows, got.samples,
			want.cols, want.rows, want.samples)
	}
	var sumSq float64
	diff := 0
	for i := range want.values {
		d := float64(got.values[i] - want.values[i])
		sumSq += d * d
		if d != 0 {
			diff++
		}
	}
	rms := math.Sqrt(sumSq/float64(len(want.values))) / math.Exp2(float64(want.bitsStored))
	if maxRMS == 0 && diff > 0 {
		t.Errorf("%s: %d of %d samples differ from the reference (lossless must be exact)",
			name, diff, len(want.values))
	}
	if rms > maxRMS && maxRMS > 0 {
		t.Errorf("%s: RMS difference %.4f of range, want ≤ %.4f", name, rms, maxRMS)
	}
	t.Logf("%s: %dx%d, %d samples differ, RMS %.5f of range", name, got.cols, got.rows, diff,
		rms)
}

func TestSamplesMatchReferenceDecoders(t *testing.T) {
	dir := samplesDir(t)
	needTools(t, "dcmconv", "dcmdjpeg", "dcmdump", "gdcmconv")
	cases := []struct {
		file    string
		convert []string
		maxRMS  float64 // 0: exact
	}{
		{"CR_MONO1_16x16_cspine_6154.dcm", []string{"dcmconv", "+te"}, 0},
		{"suyashkumar_4_CR_chest_MONO1.dcm", []string{"dcmconv", "+te"}, 0},
		{"ExplVR_BigEnd.dcm", []string{"dcmconv", "+te"}, 0},
		{"image_dfl.dcm", []string{"dcmconv", "+te"}, 0},
		{"SC_rgb_small_odd.dcm", []string{"dcmconv", "+te"}, 0},
		{"JPGLosslessP14SV1_1s_1f_8b.dcm", []string{"dcmdjpeg"}, 0},
		{"JPEG-lossy.dcm", []string{"dcmdjpeg"}, 0.01},
		{"RG3_J2KR.dcm", []string{"gdcmconv", "--raw"}, 0},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			path := filepath.Join(dir, c.file)
			compareStored(t, c.file, ours(t, path), referenceStored(t, path, c.convert...),
				c.maxRMS)
		})
	}
}

// TestBrokenSamplesFailInOneLine checks the samples that no decoder can make an image of.
func TestBrokenSamplesFailInOneLine(t *testing.T) {
	dir := samplesDir(t)
	cases := []struct {
		file string
		want error
	}{
		{"MR_truncated.dcm", ErrTruncated},
		// A stray leading byte: DCMTK and GDCM refuse it too.
		{"no_meta.dcm", ErrUnknownFormat},
		// Meta group without transfer syntax and no image in the data set.
		{"meta_missing_tsyntax.dcm", ErrCorrupt},
	}
	for _, c := range cases {
		_, err := Read(filepath.Join(dir, c.file))
		if !errors.Is(err, c.want) {
			t.Errorf("%s: error %v, want %v", c.file, err, c.want)
			continue
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error spans lines: %q", c.file, err)
		}
	}
}

// TestCompressedSyntaxes encodes uncompressed samples with DCMTK and GDCM into every
// compressed transfer syntax we claim, then decodes them with ours.
func TestCompressedSyntaxes(t *testing.T) {
	dir := samplesDir(t)
	needTools(t, "dcmcjpeg", "dcmcjpls", "dcmcrle", "gdcmconv", "dcmconv", "dcmdump")
	cr12 := filepath.Join(dir, "CR_MONO1_16x16_cspine_6154.dcm")
	chest10 := filepath.Join(dir, "suyashkumar_4_CR_chest_MONO1.dcm")
	grey8 := filepath.Join(dir, "image_dfl.dcm")
	cases := []struct {
		name   string
		src    string
		encode []string
		syntax string
		// lossy: the reference is the reference decoder's reading of the encoded file, since
		// the encoder may also rescale; lossless: the uncompressed source itself.
		lossyRef []string
	}{
		{"jpeg-lossless-sv1", chest10, []string{"dcmcjpeg", "+e1"}, "1.2.840.10008.1.2.4.70", nil},
		{"jpeg-lossless-sv1-12bit", cr12, []string{"dcmcjpeg", "+e1"}, "1.2.840.10008.1.2.4.70",
			nil},
		{"jpeg-ls-lossless", chest10, []string{"dcmcjpls", "+el"}, "1.2.840.10008.1.2.4.80", nil},
		{"jpeg-ls-near", cr12, []string{"dcmcjpls", "+en"}, "1.2.840.10008.1.2.4.81",
			[]string{"dcmdjpls"}},
		{"rle", chest10, []string{"dcmcrle"}, "1.2.840.10008.1.2.5", nil},
		{"jpeg2000-lossless", chest10, []string{"gdcmconv", "--j2k"}, "1.2.840.10008.1.2.4.90",
			nil},
		{"jpeg-baseline-8bit", grey8, []string{"dcmcjpeg", "+eb"}, "1.2.840.10008.1.2.4.50",
			[]string{"dcmdjpeg"}},
		{"jpeg-extended-12bit", cr12, []string{"dcmcjpeg", "+ee"}, "1.2.840.10008.1.2.4.51",
			[]string{"dcmdjpeg"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			plain := filepath.Join(t.TempDir(), "plain.dcm")
			run(t, "dcmconv", "+te", c.src, plain)
			enc := filepath.Join(t.TempDir(), "enc.dcm")
			run(t, append(c.encode, plain, enc)...)
			rg, err := Read(enc)
			if err != nil {
				t.Fatalf("read %s: %v", c.name, err)
			}
			if rg.TransferSyntax != c.syntax {
				t.Fatalf("%s: transfer syntax %s, want %s", c.name, rg.TransferSyntax, c.syntax)
			}
			if c.lossyRef != nil {
				compareStored(t, c.name, ours(t, enc), referenceStored(t, enc, c.lossyRef...),
					0.01)
				return
			}
			compareStored(t, c.name, ours(t, enc), referenceStored(t, plain, "dcmconv", "+te"), 0)
		})
	}
}
