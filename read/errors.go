package read

import "errors"

// Sentinel errors a caller can test with errors.Is. Every error from this package wraps one of
// them and says in words what was wrong with the input.
var (
	// ErrUnknownFormat: the bytes are not DICOM, PNG, JPEG or TIFF.
	ErrUnknownFormat = errors.New("not a DICOM, PNG, JPEG or TIFF file")
	// ErrUnsupported: a valid file using something this reader does not handle.
	ErrUnsupported = errors.New("unsupported")
	// ErrCorrupt: the file breaks its own format.
	ErrCorrupt = errors.New("corrupt")
	// ErrTruncated: the file ends before its pixel data does.
	ErrTruncated = errors.New("truncated")
	// ErrTooLarge: the input or its image would exceed the byte or pixel limit; nothing was
	// allocated for the pixels.
	ErrTooLarge = errors.New("too large")
	// ErrNoPixels: a DICOM file without pixel data (a structured report, say).
	ErrNoPixels = errors.New("no pixel data")
)
