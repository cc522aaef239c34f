package journal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
)

const (
	checkpointName  = "checkpoint"
	checkpointTemp  = "checkpoint.tmp"
	checkpointMagic = "LGJCKPT1"
	checkpointSize  = len(checkpointMagic) + 8 + 8 + crcSize
)

// readCheckpoint returns the committed Position stored in dir; found is false when
// nothing was ever committed.
func readCheckpoint(dir string) (p Position, found bool, err error) {
	path := filepath.Join(dir, checkpointName)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Position{}, false, nil
	}
	if err != nil {
		return Position{}, false, fmt.Errorf("journal: reading %s: %w", path, err)
	}
	body := len(checkpointMagic) + 16
	if len(b) != checkpointSize || string(b[:len(checkpointMagic)]) != checkpointMagic ||
		crc32.Checksum(b[:body], castagnoli) != binary.LittleEndian.Uint32(b[body:]) {
		return Position{}, false, fmt.Errorf("journal: %s is not a valid checkpoint", path)
	}
	p.Segment = binary.LittleEndian.Uint64(b[len(checkpointMagic):])
	off := binary.LittleEndian.Uint64(b[len(checkpointMagic)+8:])
	if off > 1<<62 {
		return Position{}, false, fmt.Errorf("journal: %s holds an impossible offset %d", path, off)
	}
	p.Offset = int64(off)
	return p, true, nil
}

// writeCheckpoint replaces dir's checkpoint with p atomically and durably: a temporary
// file written and fsync'd, renamed over the checkpoint, then the directory fsync'd.
func writeCheckpoint(dir string, p Position) error {
	b := make([]byte, 0, checkpointSize)
	b = append(b, checkpointMagic...)
	b = binary.LittleEndian.AppendUint64(b, p.Segment)
	b = binary.LittleEndian.AppendUint64(b, uint64(p.Offset))
	b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))

	tmp := filepath.Join(dir, checkpointTemp)
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("journal: writing the checkpoint: %w", err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, checkpointName))
	}
	if err == nil {
		err = syncDir(dir)
	}
	if err != nil {
		return fmt.Errorf("journal: writing the checkpoint: %w", err)
	}
	return nil
}

// syncDir fsyncs directory dir, making creations, renames and removals in it durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
