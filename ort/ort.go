// Package ort finds and starts the ONNX Runtime shared library that every network in rascore
// runs on. It takes no model; it gives the library's path and version, or an error that tells
// a person how to install it. The library is not shipped in the repository: `make setup`
// fetches it from the onnxruntime-node npm package into lib/.
package ort

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	onnx "github.com/yalue/onnxruntime_go"
)

// LibraryName is the file the search looks for.
const LibraryName = "libonnxruntime.so.1"

// EnvLibrary names the environment variable that points at the library explicitly.
const EnvLibrary = "RASCORE_ORT_LIB"

// ErrNotFound says the library is in none of the searched places.
var ErrNotFound = errors.New("ONNX Runtime library not found")

// Candidates lists where the library is looked for, in order: $RASCORE_ORT_LIB; lib/ beside
// or one above the executable (bin/rascore finds lib/); lib/ under the working directory and
// its parents (tests run in package folders); the system library folders.
func Candidates() []string {
	var out []string
	if p := os.Getenv(EnvLibrary); p != "" {
		out = append(out, p)
	}
	if exe, err := os.Executable(); err == nil {
		dir := filepath.Dir(exe)
		out = append(out, filepath.Join(dir, "lib", LibraryName),
			filepath.Join(dir, "..", "lib", LibraryName))
	}
	if wd, err := os.Getwd(); err == nil {
		for dir, i := wd, 0; i < 4; dir, i = filepath.Dir(dir), i+1 {
			out = append(out, filepath.Join(dir, "lib", LibraryName))
		}
	}
	out = append(out, "/usr/local/lib/"+LibraryName, "/usr/lib/"+LibraryName)
	seen := map[string]bool{}
	uniq := out[:0]
	for _, p := range out {
		if p = filepath.Clean(p); !seen[p] {
			seen[p] = true
			uniq = append(uniq, p)
		}
	}
	return uniq
}

// LibraryPath returns the first candidate that exists. When $RASCORE_ORT_LIB is set it is the
// only candidate: a wrong setting is an error, not a reason to quietly use another copy.
func LibraryPath() (string, error) {
	if p := os.Getenv(EnvLibrary); p != "" {
		if st, err := os.Stat(p); err != nil || st.IsDir() {
			return "", fmt.Errorf("%w: %s=%s is not a file", ErrNotFound, EnvLibrary, p)
		}
		return filepath.Clean(p), nil
	}
	cands := Candidates()
	for _, p := range cands {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return filepath.Clean(p), nil
		}
	}
	return "", fmt.Errorf("%w (looked in %s); run `make setup` or set %s", ErrNotFound,
		strings.Join(cands, ", "), EnvLibrary)
}

var (
	once    sync.Once
	version string
	initErr error
)

// Init loads the library and starts its environment once per process, returning its version.
func Init() (string, error) {
	once.Do(func() {
		path, err := LibraryPath()
		if err != nil {
			initErr = err
			return
		}
		onnx.SetSharedLibraryPath(path)
		if err := onnx.InitializeEnvironment(); err != nil {
			initErr = fmt.Errorf("start ONNX Runtime from %s: %w", path, err)
			return
		}
		version = onnx.GetVersion()
	})
	return version, initErr
}
