package read

/*
#cgo CXXFLAGS: -I/usr/include/gdcm-3.0 -std=c++14 -O2
#cgo LDFLAGS: -lgdcmMSFF -lgdcmDSED -lgdcmDICT -lgdcmIOD -lgdcmCommon -lstdc++
#include <stdlib.h>
#include "gdcm_shim.h"
*/
import "C"

import (
	"encoding/binary"
	"fmt"
	"unsafe"
)

// GDCMVersion is the version of the GDCM library that decodes compressed pixel data.
func GDCMVersion() string { return C.GoString(C.rascore_gdcm_version()) }

// gdcmDecode hands a whole DICOM file to GDCM and converts its decoded buffer to stored
// samples. GDCM owns every codec here; this function only moves bytes.
func gdcmDecode(data []byte) (*storedImage, error) {
	if len(data) == 0 {
		return nil, fmt.Errorf("%w: empty input", ErrCorrupt)
	}
	var (
		out    *C.uchar
		outLen C.size_t
		info   C.rascore_gdcm_info
		errBuf [256]C.char
	)
	rc := C.rascore_gdcm_decode((*C.char)(unsafe.Pointer(&data[0])), C.size_t(len(data)),
		&out, &outLen, &info, &errBuf[0], C.size_t(len(errBuf)))
	if rc != 0 {
		return nil, fmt.Errorf("%w: %s", ErrCorrupt, C.GoString(&errBuf[0]))
	}
	defer C.rascore_gdcm_free(out)

	buf := unsafe.Slice((*byte)(unsafe.Pointer(out)), int(outLen))
	st := &storedImage{
		rows:        int(info.rows),
		cols:        int(info.columns),
		frames:      int(info.frames),
		samples:     int(info.samples_per_pixel),
		bitsAlloc:   int(info.bits_allocated),
		bitsStored:  int(info.bits_stored),
		highBit:     int(info.high_bit),
		signed:      info.pixel_representation == 1,
		planar:      int(info.planar_configuration),
		photometric: C.GoString(&info.photometric[0]),
	}
	if err := st.fillFromWords(buf, binary.LittleEndian); err != nil {
		return nil, err
	}
	return st, nil
}
