package server

import (
	"context"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// BenchmarkServeLoad is the load test: 500 uploads of the phantom film from 50 concurrent
// clients on loopback, then every job scored. It fails on any error or past 10 minutes, and
// reports the upload call's p50 and p95, jobs scored per second and the peak heap. Run it once:
//
//	go test -run '^$' -bench ServeLoad -benchtime 1x ./server
func BenchmarkServeLoad(b *testing.B) {
	const uploads, clients = 500, 50
	for range b.N {
		e := newTestEnv(b, "", nil)
		film := sampleFilm(b)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		peak := watchHeap(ctx)

		start := time.Now()
		lat := make([]time.Duration, uploads)
		next := make(chan int)
		var wg sync.WaitGroup
		var errMu sync.Mutex
		var errs []string
		for range clients {
			wg.Go(func() {
				for i := range next {
					t0 := time.Now()
					code, body := doKey(b, e.url("/v1/studies"), e.key, "POST",
						"application/dicom", film)
					lat[i] = time.Since(t0)
					if code != http.StatusAccepted {
						errMu.Lock()
						errs = append(errs, strconv.Itoa(code)+" "+string(body))
						errMu.Unlock()
					}
				}
			})
		}
		for i := range uploads {
			next <- i
		}
		close(next)
		wg.Wait()
		uploaded := time.Since(start)
		if len(errs) > 0 {
			b.Fatalf("%d of %d uploads failed, first: %s", len(errs), uploads, errs[0])
		}

		for {
			c, err := e.db.CountAll(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if c.Results == uploads {
				break
			}
			if ctx.Err() != nil {
				b.Fatalf("%d of %d jobs done at the time limit", c.Results, uploads)
			}
			time.Sleep(200 * time.Millisecond)
		}
		all := time.Since(start)
		cancel()
		states, _ := e.db.JobStates(context.Background())
		if states["completed"] != uploads {
			b.Errorf("jobs %v, want %d completed", states, uploads)
		}

		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Milliseconds()), "upload-p50-ms")
		b.ReportMetric(float64(lat[len(lat)*95/100].Milliseconds()), "upload-p95-ms")
		b.ReportMetric(float64(uploads)/uploaded.Seconds(), "uploads/s")
		b.ReportMetric(float64(uploads)/all.Seconds(), "jobs/s")
		b.ReportMetric(float64(<-peak)/(1<<20), "peak-heap-MB")
		b.ReportMetric(float64(peakRSSKB())/1024, "peak-rss-MB")
	}
}

// watchHeap samples the heap in use until ctx ends and then sends its peak.
func watchHeap(ctx context.Context) <-chan uint64 {
	out := make(chan uint64, 1)
	go func() {
		var peak uint64
		var ms runtime.MemStats
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-ctx.Done():
				out <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return out
}

// peakRSSKB is the process's peak resident set (VmHWM), in kB.
func peakRSSKB() int {
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	return 0
}
