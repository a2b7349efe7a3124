package read

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"io"
)

// checkLengths walks a DICOM file's element headers, without reading values, and refuses one
// whose declared value length runs past the end of its container. The DICOM parser allocates
// a value's buffer from the declared length before it reads, so a forged length of 4 GB would
// otherwise cost 4 GB of memory; this walk is the guard in front of it. It reads only the
// structure (tags, VRs, lengths, item delimiters) that the standard fixes for every file.
//
// It also returns where the data set ends: after the top-level pixel data, or where trailing
// padding starts (a (FFFC,FFFC) element, or zero bytes, which no element can start with). The
// parser is given only that much, so megabytes of padding cost nothing. For a deflated data
// set the whole file is kept.
//
// maxInflated bounds what a deflated data set may inflate to.
func checkLengths(data []byte, maxInflated int64) (int, error) {
	body, bo, explicit, inflated, err := dataSetBytes(data, maxInflated)
	if err != nil {
		return 0, err
	}
	w := walker{b: body, bo: bo, explicit: explicit, end: -1}
	if err := w.elements(len(body), false, 0); err != nil {
		return 0, err
	}
	if w.end < 0 || inflated {
		return len(data), nil
	}
	return len(data) - len(body) + w.end, nil
}

// dataSetBytes finds the data set after the preamble and meta group, and its encoding. The data
// set is a suffix of data unless it was inflated from a deflated file.
func dataSetBytes(data []byte, maxBytes int64) (body []byte, bo binary.ByteOrder,
	explicit, inflated bool, err error) {
	if !(len(data) >= 132 && string(data[128:132]) == "DICM") {
		// Bare data set: explicit if a VR follows the first tag.
		explicit = len(data) >= 6 && isUpper(data[4]) && isUpper(data[5])
		bo = binary.LittleEndian
		if len(data) >= 2 && binary.LittleEndian.Uint16(data) > 0x7FE0 {
			bo = binary.BigEndian
		}
		return data, bo, explicit, false, nil
	}
	meta := walker{b: data, pos: 132, bo: binary.LittleEndian, explicit: true}
	syntax := ""
	for meta.pos+8 <= len(data) && binary.LittleEndian.Uint16(data[meta.pos:]) == 0x0002 {
		start := meta.pos
		elem := binary.LittleEndian.Uint16(data[start+2:])
		_, length, err := meta.header()
		if err != nil {
			return nil, nil, false, false, err
		}
		if length == undefined || meta.pos+int(length) > len(data) {
			return nil, nil, false, false, fmt.Errorf("%w: meta element (0002,%04x) runs past the end",
				ErrCorrupt, elem)
		}
		if elem == 0x0010 {
			syntax = string(bytes.TrimRight(data[meta.pos:meta.pos+int(length)], "\x00 "))
		}
		meta.pos += int(length)
	}
	rest := data[meta.pos:]
	switch syntax {
	case "1.2.840.10008.1.2":
		return rest, binary.LittleEndian, false, false, nil
	case "1.2.840.10008.1.2.2":
		return rest, binary.BigEndian, true, false, nil
	case "1.2.840.10008.1.2.1.99":
		inflatedBody, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(rest)),
			maxBytes+1))
		if err != nil {
			return nil, nil, false, false, fmt.Errorf("%w: deflated data set: %v", ErrCorrupt, err)
		}
		if int64(len(inflatedBody)) > maxBytes {
			return nil, nil, false, false, fmt.Errorf("%w: deflated data set inflates past %d bytes",
				ErrTooLarge, maxBytes)
		}
		return inflatedBody, binary.LittleEndian, true, true, nil
	case "":
		// No transfer syntax: the parser infers one; check as implicit if that fits.
		explicit := len(rest) >= 6 && isUpper(rest[4]) && isUpper(rest[5])
		return rest, binary.LittleEndian, explicit, false, nil
	}
	return rest, binary.LittleEndian, true, false, nil
}

const undefined = 0xFFFFFFFF

// maxDepth bounds sequence nesting, so that a crafted file cannot recurse without end.
const maxDepth = 64

type walker struct {
	b        []byte
	pos      int
	bo       binary.ByteOrder
	explicit bool
	// end is where the top-level data set ends, or -1 while unknown.
	end int
}

// longVRs have a 2-byte reserved field and a 4-byte length in explicit VR encoding.
var longVRs = map[string]bool{"OB": true, "OD": true, "OF": true, "OL": true, "OV": true,
	"OW": true, "SQ": true, "SV": true, "UC": true, "UN": true, "UR": true, "UT": true, "UV": true}

// header reads one element header at pos and returns its VR ("" when implicit) and value
// length.
func (w *walker) header() (string, uint32, error) {
	if w.pos+8 > len(w.b) {
		return "", 0, fmt.Errorf("%w: element header cut off at byte %d", ErrTruncated, w.pos)
	}
	group := w.bo.Uint16(w.b[w.pos:])
	w.pos += 4
	if !w.explicit || group == 0xFFFE {
		n := w.bo.Uint32(w.b[w.pos:])
		w.pos += 4
		return "", n, nil
	}
	vr := string(w.b[w.pos : w.pos+2])
	if longVRs[vr] {
		if w.pos+8 > len(w.b) {
			return "", 0, fmt.Errorf("%w: element header cut off at byte %d", ErrTruncated,
				w.pos)
		}
		n := w.bo.Uint32(w.b[w.pos+4:])
		w.pos += 8
		return vr, n, nil
	}
	n := uint32(w.bo.Uint16(w.b[w.pos+2:]))
	w.pos += 4
	return vr, n, nil
}

// elements walks elements up to end; inItem stops at an item delimiter.
func (w *walker) elements(end int, inItem bool, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("%w: sequences nested deeper than %d", ErrCorrupt, maxDepth)
	}
	for w.pos < end {
		if end-w.pos < 8 {
			return nil // trailing padding; the parser decides
		}
		group, elem := w.bo.Uint16(w.b[w.pos:]), w.bo.Uint16(w.b[w.pos+2:])
		top := depth == 0 && !inItem
		if top && (group == 0x0000 || (group == 0xFFFC && elem == 0xFFFC)) {
			w.end = w.pos
			return nil
		}
		vr, length, err := w.header()
		if err != nil {
			return err
		}
		if group == 0xFFFE && elem == 0xE00D && inItem {
			return nil
		}
		if length == undefined {
			fragments := group == 0x7FE0 && elem == 0x0010
			if err := w.items(len(w.b), true, fragments, depth+1); err != nil {
				return err
			}
			if top && fragments {
				w.end = w.pos
				return nil
			}
			continue
		}
		if int64(w.pos)+int64(length) > int64(end) {
			what := fmt.Sprintf("element (%04x,%04x)", group, elem)
			if group == 0x7FE0 && elem == 0x0010 {
				what = "pixel data (7fe0,0010)"
			}
			return fmt.Errorf("%w: %s declares %d bytes, only %d remain", ErrTruncated, what,
				length, end-w.pos)
		}
		if vr == "SQ" {
			if err := w.items(w.pos+int(length), false, false, depth+1); err != nil {
				return err
			}
			continue
		}
		w.pos += int(length)
		if top && group == 0x7FE0 && elem == 0x0010 {
			w.end = w.pos
			return nil
		}
	}
	return nil
}

// items walks the items of a sequence, or the fragments of encapsulated pixel data: up to the
// sequence delimiter when the length is undefined, else up to end.
func (w *walker) items(end int, delimited, fragments bool, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("%w: sequences nested deeper than %d", ErrCorrupt, maxDepth)
	}
	for delimited || w.pos < end {
		if w.pos+8 > end {
			return fmt.Errorf("%w: sequence cut off at byte %d", ErrTruncated, w.pos)
		}
		group, elem := w.bo.Uint16(w.b[w.pos:]), w.bo.Uint16(w.b[w.pos+2:])
		length := w.bo.Uint32(w.b[w.pos+4:])
		w.pos += 8
		switch {
		case group == 0xFFFE && elem == 0xE0DD && delimited:
			return nil
		case group != 0xFFFE || elem != 0xE000:
			return fmt.Errorf("%w: (%04x,%04x) where a sequence item belongs", ErrCorrupt,
				group, elem)
		case length == undefined:
			if err := w.elements(end, true, depth); err != nil {
				return err
			}
		case int64(w.pos)+int64(length) > int64(end):
			return fmt.Errorf("%w: sequence item declares %d bytes, only %d remain",
				ErrTruncated, length, end-w.pos)
		case fragments:
			w.pos += int(length)
		default:
			itemEnd := w.pos + int(length)
			if err := w.elements(itemEnd, false, depth); err != nil {
				return err
			}
			w.pos = itemEnd
		}
	}
	return nil
}
