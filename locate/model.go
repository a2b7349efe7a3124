package locate

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"

	onnx "github.com/yalue/onnxruntime_go"

	"rascore/dataset"
	"rascore/models"
	"rascore/ort"
)

// ErrModel says a model file or its description is not what this build expects.
var ErrModel = errors.New("locator model")

// ModelInfo is the JSON written beside the ONNX file by training/train_locator.py.
type ModelInfo struct {
	Schema  string `json:"schema"`
	Name    string `json:"name"`
	Version string `json:"version"`
	SHA256  string `json:"sha256"`
	Input   struct {
		Name  string  `json:"name"`
		Shape []int64 `json:"shape"`
	} `json:"input"`
	Output struct {
		Name  string  `json:"name"`
		Shape []int64 `json:"shape"`
	} `json:"output"`
	Channels      []string `json:"channels"`
	HeatmapStride int      `json:"heatmap_stride"`
}

// Model runs the locator network. It is safe for concurrent use; runs are serialised.
type Model struct {
	Info    ModelInfo
	size    int // input side
	grid    int // heat-map side
	mu      sync.Mutex
	session *onnx.AdvancedSession
	input   *onnx.Tensor[float32]
	output  *onnx.Tensor[float32]
}

// LoadModel checks the description against the ONNX bytes and this build's channel order,
// then starts an ONNX Runtime session.
func LoadModel(onnxData, infoJSON []byte) (*Model, error) {
	var info ModelInfo
	if err := json.Unmarshal(infoJSON, &info); err != nil {
		return nil, fmt.Errorf("%w: description: %v", ErrModel, err)
	}
	if err := checkInfo(info, onnxData); err != nil {
		return nil, err
	}
	if _, err := ort.Init(); err != nil {
		return nil, err
	}
	m := &Model{Info: info, size: int(info.Input.Shape[2]), grid: int(info.Output.Shape[2])}
	var err error
	if m.input, err = onnx.NewEmptyTensor[float32](onnx.NewShape(info.Input.Shape...)); err != nil {
		return nil, err
	}
	if m.output, err = onnx.NewEmptyTensor[float32](onnx.NewShape(info.Output.Shape...)); err != nil {
		return nil, err
	}
	opts, err := onnx.NewSessionOptions()
	if err != nil {
		return nil, err
	}
	defer opts.Destroy()
	if err := opts.SetIntraOpNumThreads(2); err != nil {
		return nil, err
	}
	m.session, err = onnx.NewAdvancedSessionWithONNXData(onnxData,
		[]string{info.Input.Name}, []string{info.Output.Name},
		[]onnx.Value{m.input}, []onnx.Value{m.output}, opts)
	if err != nil {
		return nil, fmt.Errorf("%w: ONNX Runtime refused it: %v", ErrModel, err)
	}
	return m, nil
}

func checkInfo(info ModelInfo, onnxData []byte) error {
	sum := sha256.Sum256(onnxData)
	switch {
	case info.Schema != "rascore.model/v1" || info.Name != "locator":
		return fmt.Errorf("%w: description is %q/%q, want rascore.model/v1 locator", ErrModel,
			info.Schema, info.Name)
	case hex.EncodeToString(sum[:]) != info.SHA256:
		return fmt.Errorf("%w: ONNX file does not match the sha256 in its description", ErrModel)
	case !slices.Equal(info.Channels, dataset.LocateChannels()):
		return fmt.Errorf("%w: channels %v, this build expects %v", ErrModel, info.Channels,
			dataset.LocateChannels())
	case len(info.Input.Shape) != 4 || info.Input.Shape[0] != 1 || info.Input.Shape[1] != 1 ||
		info.Input.Shape[2] != info.Input.Shape[3] || info.Input.Shape[2] < 32:
		return fmt.Errorf("%w: input shape %v, want [1 1 S S]", ErrModel, info.Input.Shape)
	case len(info.Output.Shape) != 4 || info.Output.Shape[1] != int64(len(info.Channels)) ||
		info.HeatmapStride < 1 || info.Output.Shape[2]*int64(info.HeatmapStride) !=
		info.Input.Shape[2]:
		return fmt.Errorf("%w: output shape %v does not fit input %v at stride %d", ErrModel,
			info.Output.Shape, info.Input.Shape, info.HeatmapStride)
	}
	return nil
}

// InputSize is the side of the square view the network takes.
func (m *Model) InputSize() int { return m.size }

// Heatmaps runs the network on one normalised view (InputSize² values in [0, 1]) and returns
// a copy of its heat maps, channel-major.
func (m *Model) Heatmaps(view []float32) (*Heatmaps, error) {
	if len(view) != m.size*m.size {
		return nil, fmt.Errorf("locate: view of %d pixels, model takes %d", len(view),
			m.size*m.size)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	copy(m.input.GetData(), view)
	if err := m.session.Run(); err != nil {
		return nil, fmt.Errorf("locate: run network: %w", err)
	}
	return &Heatmaps{Data: slices.Clone(m.output.GetData()), Channels: len(m.Info.Channels),
		Grid: m.grid, Stride: m.Info.HeatmapStride}, nil
}

// Close releases the session.
func (m *Model) Close() error {
	m.input.Destroy()
	m.output.Destroy()
	return m.session.Destroy()
}

// LoadDefault loads the locator shipped with the binary (or from $RASCORE_MODELS).
func LoadDefault() (*Model, error) {
	data, info, _, err := models.Load("locator")
	if err != nil {
		return nil, err
	}
	return LoadModel(data, info)
}
