// Package models carries the shipped networks, embedded in the binary so that rascore runs
// from one file: each is an ONNX file with a JSON description (input and output names,
// shapes, channel order, preprocessing, sha256) and a model card (NAME.md). Setting
// RASCORE_MODELS to a folder loads NAME.onnx and NAME.json from there instead, for trying a
// newly trained model without rebuilding.
package models

import (
	"embed"
	"fmt"
	"os"
	"path/filepath"
)

//go:embed locator.onnx locator.json scorer.onnx scorer.json
var files embed.FS

// EnvDir names the environment variable that points at a folder of models to use instead.
const EnvDir = "RASCORE_MODELS"

// Load returns the ONNX bytes and JSON description of the named model ("locator", "scorer"), from
// $RASCORE_MODELS when set, else from the binary.
func Load(name string) (onnx, info []byte, source string, err error) {
	if dir := os.Getenv(EnvDir); dir != "" {
		onnx, err = os.ReadFile(filepath.Join(dir, name+".onnx"))
		if err == nil {
			info, err = os.ReadFile(filepath.Join(dir, name+".json"))
		}
		if err != nil {
			return nil, nil, "", fmt.Errorf("model %s from %s=%s: %w", name, EnvDir, dir, err)
		}
		return onnx, info, dir, nil
	}
	onnx, err = files.ReadFile(name + ".onnx")
	if err == nil {
		info, err = files.ReadFile(name + ".json")
	}
	if err != nil {
		return nil, nil, "", fmt.Errorf("model %s is not built into this binary: %w", name, err)
	}
	return onnx, info, "embedded", nil
}
