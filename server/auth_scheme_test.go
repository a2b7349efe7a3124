package server

import (
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The bearer scheme is matched without regard to case (RFC 7235), and a body that stops
// arriving gets 408 with a message that names no socket.
func TestBearerCaseAndSlowBody(t *testing.T) {
	e := newTestEnv(t, "", func(c *Config) { c.RequestTimeout = 2 * time.Second })
	req, _ := http.NewRequest("GET", e.url("/v1/studies"), nil)
	req.Header.Set("Authorization", "bearer "+e.key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("lower-case bearer: %d, want 200", resp.StatusCode)
	}

	conn, err := net.Dial("tcp", strings.TrimPrefix(e.http.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	head := "POST /v1/studies HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + e.key +
		"\r\nContent-Type: application/dicom\r\nContent-Length: 100000\r\n\r\n0123456789"
	if _, err := conn.Write([]byte(head)); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	buf := make([]byte, 4096)
	n, _ := conn.Read(buf)
	got := string(buf[:n])
	if !strings.HasPrefix(got, "HTTP/1.1 408") || strings.Contains(got, "127.0.0.1") {
		t.Errorf("slow body: %q, want a 408 naming no address", got)
	}
}

// Two files in one multipart upload are refused, not half taken.
func TestTwoFilesInOneUpload(t *testing.T) {
	e := newTestEnv(t, "", nil)
	body := "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\nxx\r\n" +
		"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"b\"\r\n\r\nyy\r\n--B--\r\n"
	code, b := e.do(t, "POST", "/v1/studies", "multipart/form-data; boundary=B", []byte(body))
	if code != http.StatusBadRequest || !strings.Contains(string(b), "one film per upload") {
		t.Errorf("%d %s, want 400 one film per upload", code, b)
	}
}
