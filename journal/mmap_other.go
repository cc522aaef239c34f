//go:build !linux

package journal

import "os"

// mapSegment: segments are mapped on Linux only; elsewhere the journal
// writes with pwrite.
func mapSegment(*os.File, int64) ([]byte, error) { return nil, errMapUnsupported }

func unmapSegment([]byte) error { return nil }
