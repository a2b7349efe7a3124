package read

import (
	"encoding/binary"
	"fmt"
)

// storedImage is the first frame of an image as stored sample values, before any LUT: the
// meeting point of every decoder (native DICOM, GDCM, and the test references).
type storedImage struct {
	rows, cols, frames  int
	samples             int // samples per pixel: 1 (grey) or 3 (colour)
	bitsAlloc           int
	bitsStored, highBit int
	signed              bool
	planar              int // 0: R1G1B1R2…, 1: R1R2…G1G2…B1B2…
	photometric         string

	// values holds rows×cols×samples samples, interleaved (planar resolved), masked to
	// BitsStored and sign-extended when signed.
	values []int32
}

// frameSamples is the count of samples in one frame.
func (s *storedImage) frameSamples() int { return s.rows * s.cols * s.samples }

// fillFromWords reads the first frame from words of bitsAlloc bits in byte order bo (8-bit
// samples are bytes in order whatever bo says).
func (s *storedImage) fillFromWords(buf []byte, bo binary.ByteOrder) error {
	bytesPer := s.bitsAlloc / 8
	if s.bitsAlloc%8 != 0 || bytesPer < 1 || bytesPer > 4 {
		return fmt.Errorf("%w: %d bits allocated", ErrUnsupported, s.bitsAlloc)
	}
	n := s.frameSamples()
	if need := n * bytesPer; len(buf) < need {
		return fmt.Errorf("%w: first frame needs %d bytes of pixel data, have %d",
			ErrTruncated, need, len(buf))
	}
	return s.fill(n, func(i int) uint32 {
		switch bytesPer {
		case 1:
			return uint32(buf[i])
		case 2:
			return uint32(bo.Uint16(buf[2*i:]))
		default:
			return bo.Uint32(buf[4*i:])
		}
	})
}

// fill takes n raw words in file order and stores them masked, sign-extended and interleaved.
func (s *storedImage) fill(n int, word func(i int) uint32) error {
	if err := s.checkBits(); err != nil {
		return err
	}
	shift := uint(s.highBit + 1 - s.bitsStored)
	mask := uint32(1)<<uint(s.bitsStored) - 1
	if s.bitsStored == 32 {
		mask = ^uint32(0)
	}
	signBit := uint32(1) << uint(s.bitsStored-1)
	s.values = make([]int32, n)
	plane := s.rows * s.cols
	for i := 0; i < n; i++ {
		v := (word(i) >> shift) & mask
		var x int32
		if s.signed && v&signBit != 0 {
			x = int32(int64(v) - int64(mask) - 1)
		} else {
			x = int32(v)
		}
		dst := i
		if s.planar == 1 && s.samples > 1 {
			// file order is plane by plane; store interleaved
			dst = (i%plane)*s.samples + i/plane
		}
		s.values[dst] = x
	}
	return nil
}

// checkBits refuses bit layouts that cannot be right, before they index anything.
func (s *storedImage) checkBits() error {
	switch {
	case s.bitsStored < 1 || s.bitsStored > s.bitsAlloc:
		return fmt.Errorf("%w: BitsStored %d with BitsAllocated %d", ErrCorrupt,
			s.bitsStored, s.bitsAlloc)
	case s.highBit < s.bitsStored-1 || s.highBit >= s.bitsAlloc:
		return fmt.Errorf("%w: HighBit %d with BitsStored %d, BitsAllocated %d", ErrCorrupt,
			s.highBit, s.bitsStored, s.bitsAlloc)
	case s.samples != 1 && s.samples != 3:
		return fmt.Errorf("%w: %d samples per pixel", ErrUnsupported, s.samples)
	}
	return nil
}
