//go:build !linux

package journal

import "os"

// datasync flushes f's data and metadata (fsync; fdatasync is used on Linux).
func datasync(f *os.File) error { return f.Sync() }
