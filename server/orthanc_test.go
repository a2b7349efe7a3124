package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rascore/report"
	"rascore/store"
)

// Where Debian's orthanc and orthanc-dicomweb packages put the server and the plugin.
const (
	orthancBin     = "/usr/sbin/Orthanc"
	dicomWebPlugin = "/usr/share/orthanc/plugins/libOrthancDicomWeb.so"
)

// TestOrthancSendsToRascore runs a real Orthanc on loopback with rascore configured as its
// DICOMweb server: the phantom film is uploaded to Orthanc, sent by Orthanc's own STOW-RS
// client to rascore, scored, and the report fetched from rascore matches what score.Scorer
// gives for the same file (which is what rascore score prints).
func TestOrthancSendsToRascore(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Orthanc")
	}
	for _, p := range []string{orthancBin, dicomWebPlugin} {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("%s absent: install Debian's orthanc and orthanc-dicomweb "+
				"(scripts/setup.sh does)", p)
		}
	}
	e := newTestEnv(t, "", nil)
	dir := t.TempDir()
	httpAddr := freeAddr(t)
	port := httpAddr[strings.LastIndex(httpAddr, ":")+1:]
	cfg := map[string]any{
		"Name": "rascore-test", "StorageDirectory": filepath.Join(dir, "storage"),
		"IndexDirectory": filepath.Join(dir, "index"), "HttpPort": json.Number(port),
		"RemoteAccessAllowed": false, "AuthenticationEnabled": false,
		"DicomServerEnabled": false, "Plugins": []string{dicomWebPlugin},
		"DicomWeb": map[string]any{
			"Enable": true, "Root": "/dicom-web/",
			"Servers": map[string]any{
				"rascore": map[string]any{
					"Url": e.http.URL + "/dicomweb/", "Username": "orthanc",
					"Password": e.key,
				},
			},
		},
	}
	b, _ := json.Marshal(cfg)
	cfgPath := filepath.Join(dir, "orthanc.json")
	if err := os.WriteFile(cfgPath, b, 0o600); err != nil {
		t.Fatal(err)
	}
	logf, _ := os.Create(filepath.Join(dir, "orthanc.log"))
	cmd := exec.Command(orthancBin, cfgPath)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait(); logf.Close() })
	orthanc := "http://" + httpAddr
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(orthanc + "/system")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "orthanc.log"))
			t.Fatalf("Orthanc not up: %v\n%s", err, log)
		}
		time.Sleep(200 * time.Millisecond)
	}

	film := sampleFilm(t)
	code, b := doKey(t, orthanc+"/instances", "", "POST", "application/dicom", film)
	if code != 200 {
		t.Fatalf("upload to Orthanc: %d %s", code, b)
	}
	inst := decode[struct{ ParentStudy string }](t, b)
	req, _ := json.Marshal(map[string]any{"Resources": []string{inst.ParentStudy},
		"Synchronous": true})
	code, b = doKey(t, orthanc+"/dicom-web/servers/rascore/stow", "", "POST",
		"application/json", req)
	if code != 200 {
		log, _ := os.ReadFile(filepath.Join(dir, "orthanc.log"))
		t.Fatalf("Orthanc STOW to rascore: %d %s\n%s", code, b, log)
	}

	var st store.Study
	for deadline := time.Now().Add(30 * time.Second); ; {
		_, b = e.do(t, "GET", "/v1/studies", "", nil)
		list := decode[struct{ Studies []store.Study }](t, b)
		if len(list.Studies) == 1 {
			st = list.Studies[0]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("rascore has no study from Orthanc: %s", b)
		}
		time.Sleep(100 * time.Millisecond)
	}
	st = waitStudy(t, e.http.URL, e.key, st.ID, 60*time.Second)
	want := wantReport(t, film)
	if st.Source != "stow" || st.Status != store.StatusScored || st.SHA256 != want.Input.SHA256 {
		t.Fatalf("study from Orthanc %+v, want the very file scored (sha %s)", st,
			want.Input.SHA256)
	}
	code, b = e.do(t, "GET", "/v1/studies/"+st.ID+"/report.json", "", nil)
	got, err := report.ReadJSON(bytes.NewReader(b))
	if code != 200 || err != nil {
		t.Fatalf("report: %d %v", code, err)
	}
	sameScores(t, got, want)
	t.Log(fmt.Sprintf("Orthanc pushed film %s; SvdH total %d", got.Input.FilmID,
		got.Totals.Total))
}
