package dataset

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// writeSet writes a landmark set of the given CSV texts into a temporary folder.
func writeSet(t *testing.T, landmarks, splits string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range map[string]string{"landmarks.csv": landmarks, "split.csv": splits} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// landmarkRow returns a CSV row for image name whose landmark n lies at (n, 10n).
func landmarkRow(name string) string {
	fields := []string{name, "600", "1024"}
	for n := 1; n <= NumLandmarks; n++ {
		fields = append(fields, strconv.Itoa(n), strconv.Itoa(10*n)+".5")
	}
	return strings.Join(fields, ",")
}

const landmarkHeader = "image,width,height,x1,y1\n"

func TestLoadLandmarksParses(t *testing.T) {
	dir := writeSet(t,
		landmarkHeader+landmarkRow("a.jpg")+"\n"+landmarkRow("b.jpg")+"\n",
		"image,split\nb.jpg,test\na.jpg,valid\n")
	ims, err := LoadLandmarks(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ims) != 2 {
		t.Fatalf("%d films, want 2", len(ims))
	}
	a := ims[0]
	if a.Image != "a.jpg" || a.Split != Valid || ims[1].Split != Test {
		t.Errorf("films %s/%s, %s/%s; want a.jpg/valid, b.jpg/test", a.Image, a.Split,
			ims[1].Image, ims[1].Split)
	}
	if a.Width != 600 || a.Height != 1024 || a.Path != filepath.Join(dir, "images", "a.jpg") {
		t.Errorf("a.jpg: %d×%d at %s", a.Width, a.Height, a.Path)
	}
	if got := a.Landmarks.At(MC3Base); got != (Point{16, 160.5}) {
		t.Errorf("landmark 16 = %v, want {16 160.5}", got)
	}
	if got := a.Landmarks.At(DP5Tip); got != (Point{37, 370.5}) {
		t.Errorf("landmark 37 = %v, want {37 370.5}", got)
	}
}

func TestLoadLandmarksRejects(t *testing.T) {
	good := landmarkRow("a.jpg")
	cases := map[string]struct{ landmarks, splits string }{
		"film without split": {landmarkHeader + good + "\n" + landmarkRow("b.jpg") + "\n",
			"image,split\na.jpg,train\n"},
		"split without film": {landmarkHeader + good + "\n",
			"image,split\na.jpg,train\nc.jpg,test\n"},
		"unknown split": {landmarkHeader + good + "\n", "image,split\na.jpg,holdout\n"},
		"short row":     {landmarkHeader + "a.jpg,600,1024,1,2\n", "image,split\na.jpg,train\n"},
		"bad coordinate": {landmarkHeader + strings.Replace(good, ",37,", ",x,", 1) + "\n",
			"image,split\na.jpg,train\n"},
		"bad width": {landmarkHeader + strings.Replace(good, ",600,", ",wide,", 1) + "\n",
			"image,split\na.jpg,train\n"},
		"wrong header":    {"name,w,h\n" + good + "\n", "image,split\na.jpg,train\n"},
		"empty split.csv": {landmarkHeader + good + "\n", ""},
	}
	for name, c := range cases {
		_, err := LoadLandmarks(writeSet(t, c.landmarks, c.splits))
		if !errors.Is(err, ErrFormat) {
			t.Errorf("%s: error %v, want ErrFormat", name, err)
		}
	}
}

func TestLoadLandmarksMissingFolder(t *testing.T) {
	_, err := LoadLandmarks(filepath.Join(t.TempDir(), "absent"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("error %v, want os.ErrNotExist", err)
	}
}
