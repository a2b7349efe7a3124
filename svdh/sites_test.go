package svdh

import "testing"

func TestCountsAndMaxima(t *testing.T) {
	type key struct {
		part Part
		kind Kind
	}
	count := map[key]int{}
	sum := map[key]int{}
	for _, s := range All() {
		k := key{s.Part, s.Kind}
		count[k]++
		sum[k] += s.Max
	}
	want := []struct {
		part       Part
		kind       Kind
		count, max int
	}{
		{Hand, Erosion, 32, 160},
		{Hand, JSN, 30, 120},
		{Foot, Erosion, 12, 120},
		{Foot, JSN, 12, 48},
	}
	total := 0
	for _, w := range want {
		k := key{w.part, w.kind}
		if count[k] != w.count || sum[k] != w.max {
			t.Errorf("%s %s: %d sites max %d, want %d sites max %d",
				w.part, w.kind, count[k], sum[k], w.count, w.max)
		}
		total += sum[k]
	}
	if total != MaxTotal {
		t.Errorf("total max %d, want %d", total, MaxTotal)
	}
	if n := len(Select(Hand, Left)); n != 31 {
		t.Errorf("left hand has %d sites, want 31", n)
	}
	if n := len(Select(Foot, Right)); n != 12 {
		t.Errorf("right foot has %d sites, want 12", n)
	}
}

func TestColumnsAreRA2DREAMAndUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range Columns() {
		if seen[c] {
			t.Errorf("column %s twice", c)
		}
		seen[c] = true
	}
	for _, c := range []string{
		"LH_mcp_E__ip", "LH_pip_E__2", "RH_mcp_E__5", "LH_wrist_E__mc1", "RH_wrist_E__mul",
		"LH_wrist_E__nav", "LH_wrist_E__lunate", "LH_wrist_E__radius", "RH_wrist_E__ulna",
		"LH_pip_J__2", "RH_mcp_J__1", "LH_wrist_J__cmc3", "RH_wrist_J__mna",
		"LH_wrist_J__capnlun", "RH_wrist_J__radcar", "LF_mtp_E__1", "RF_mtp_E__ip",
		"LF_mtp_J__5", "RF_mtp_J__ip",
	} {
		if !seen[c] {
			t.Errorf("missing column %s", c)
		}
	}
	s, ok := ByColumn("RF_mtp_E__3")
	if !ok || s.Max != 10 || s.Part != Foot || s.Side != Right || s.Joint != MTP3 {
		t.Errorf("ByColumn(RF_mtp_E__3) = %+v, %v", s, ok)
	}
	if n := len(HandJoints()); n != 22 {
		t.Errorf("%d distinct hand joints, want 22", n)
	}
}
