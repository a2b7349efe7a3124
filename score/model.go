package score

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"

	onnx "github.com/yalue/onnxruntime_go"

	"rascore/crop"
	"rascore/models"
	"rascore/ort"
	"rascore/svdh"
)

// ErrModel says a scorer model file or its description is not what this build expects.
var ErrModel = errors.New("scorer model")

// ModelInfo is the JSON written beside the ONNX file by training/train_scorer.py.
type ModelInfo struct {
	Schema  string `json:"schema"`
	Name    string `json:"name"`
	Version string `json:"version"`
	SHA256  string `json:"sha256"`
	Inputs  []struct {
		Name  string  `json:"name"`
		Shape []int64 `json:"shape"`
	} `json:"inputs"`
	Outputs []struct {
		Name  string  `json:"name"`
		Shape []int64 `json:"shape"`
	} `json:"outputs"`
	Joints []string      `json:"joints"`
	Spec   crop.SiteSpec `json:"spec"`
}

// Model runs the scorer network: a batch of joint patches and their joints in, the JSN and
// erosion class probabilities out. It is safe for concurrent use; runs are serialised.
type Model struct {
	Info    ModelInfo
	mu      sync.Mutex
	session *onnx.DynamicAdvancedSession
}

// HandJointNames is this build's joint order (svdh.HandJoints), which the model's joint input
// must follow.
func HandJointNames() []string {
	var out []string
	for _, j := range svdh.HandJoints() {
		out = append(out, string(j))
	}
	return out
}

// LoadModel checks the description against the ONNX bytes and this build's joint order and
// grade ranges, then starts an ONNX Runtime session.
func LoadModel(onnxData, infoJSON []byte) (*Model, error) {
	var info ModelInfo
	if err := json.Unmarshal(infoJSON, &info); err != nil {
		return nil, fmt.Errorf("%w: description: %v", ErrModel, err)
	}
	sum := sha256.Sum256(onnxData)
	joints := int64(len(svdh.HandJoints()))
	shapeOK := len(info.Inputs) == 2 && len(info.Outputs) == 2 &&
		slices.Equal(info.Inputs[0].Shape, []int64{-1, 1, int64(info.Spec.Size),
			int64(info.Spec.Size)}) &&
		slices.Equal(info.Inputs[1].Shape, []int64{-1, joints}) &&
		slices.Equal(info.Outputs[0].Shape, []int64{-1, svdh.MaxJSN + 1}) &&
		slices.Equal(info.Outputs[1].Shape, []int64{-1, svdh.MaxHandErosion + 1})
	switch {
	case info.Schema != "rascore.model/v1" || info.Name != "scorer":
		return nil, fmt.Errorf("%w: description is %q/%q, want rascore.model/v1 scorer", ErrModel,
			info.Schema, info.Name)
	case hex.EncodeToString(sum[:]) != info.SHA256:
		return nil, fmt.Errorf("%w: ONNX file does not match the sha256 in its description",
			ErrModel)
	case !slices.Equal(info.Joints, HandJointNames()):
		return nil, fmt.Errorf("%w: joints %v, this build expects %v", ErrModel, info.Joints,
			HandJointNames())
	case info.Spec.Size < 16 || info.Spec.MMPerPx <= 0 || info.Spec.WristMMPerPx <= 0 ||
		!shapeOK:
		return nil, fmt.Errorf("%w: patch spec %+v or input/output shapes do not fit", ErrModel,
			info.Spec)
	}
	if _, err := ort.Init(); err != nil {
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
	s, err := onnx.NewDynamicAdvancedSessionWithONNXData(onnxData,
		[]string{info.Inputs[0].Name, info.Inputs[1].Name},
		[]string{info.Outputs[0].Name, info.Outputs[1].Name}, opts)
	if err != nil {
		return nil, fmt.Errorf("%w: ONNX Runtime refused it: %v", ErrModel, err)
	}
	return &Model{Info: info, session: s}, nil
}

// LoadDefault loads the scorer shipped with the binary (or from $RASCORE_MODELS).
func LoadDefault() (*Model, error) {
	data, info, _, err := models.Load("scorer")
	if err != nil {
		return nil, err
	}
	return LoadModel(data, info)
}

// Spec is the patch the model takes.
func (m *Model) Spec() crop.SiteSpec { return m.Info.Spec }

// Predict runs the network on patches (each Size² normalised values) of the given joints and
// returns, per patch, the JSN probabilities (grades 0–4) and erosion probabilities (0–5).
func (m *Model) Predict(patches [][]float32, joints []svdh.Joint) (jsn, erosion [][]float64,
	err error) {
	n := len(patches)
	if n == 0 || n != len(joints) {
		return nil, nil, fmt.Errorf("score: %d patches for %d joints", n, len(joints))
	}
	size := m.Info.Spec.Size
	all := svdh.HandJoints()
	img := make([]float32, 0, n*size*size)
	onehot := make([]float32, n*len(all))
	for i, p := range patches {
		if len(p) != size*size {
			return nil, nil, fmt.Errorf("score: patch of %d pixels, model takes %d", len(p),
				size*size)
		}
		img = append(img, p...)
		k := slices.Index(all, joints[i])
		if k < 0 {
			return nil, nil, fmt.Errorf("score: %q is not a hand joint", joints[i])
		}
		onehot[i*len(all)+k] = 1
	}
	in0, err := onnx.NewTensor(onnx.NewShape(int64(n), 1, int64(size), int64(size)), img)
	if err != nil {
		return nil, nil, err
	}
	defer in0.Destroy()
	in1, err := onnx.NewTensor(onnx.NewShape(int64(n), int64(len(all))), onehot)
	if err != nil {
		return nil, nil, err
	}
	defer in1.Destroy()
	outs := []onnx.Value{nil, nil}
	m.mu.Lock()
	err = m.session.Run([]onnx.Value{in0, in1}, outs)
	m.mu.Unlock()
	if err != nil {
		return nil, nil, fmt.Errorf("score: run network: %w", err)
	}
	defer outs[0].Destroy()
	defer outs[1].Destroy()
	split := func(v onnx.Value, k int) ([][]float64, error) {
		t, ok := v.(*onnx.Tensor[float32])
		if !ok || len(t.GetData()) != n*k {
			return nil, fmt.Errorf("%w: unexpected output", ErrModel)
		}
		d := t.GetData()
		out := make([][]float64, n)
		for i := range out {
			out[i] = make([]float64, k)
			for c := range k {
				out[i][c] = float64(d[i*k+c])
			}
		}
		return out, nil
	}
	if jsn, err = split(outs[0], svdh.MaxJSN+1); err != nil {
		return nil, nil, err
	}
	erosion, err = split(outs[1], svdh.MaxHandErosion+1)
	return jsn, erosion, err
}

// Close releases the session.
func (m *Model) Close() error { return m.session.Destroy() }
