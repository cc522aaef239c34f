package journal

import (
	"errors"
	"os"
	"syscall"
)

// mapSegment reserves size bytes of disk for f (fallocate: the file grows
// to size, its tail zeros) and maps them shared and writable, so that an
// AckOnWrite record is stored by a copy into the page cache instead of a
// write(2). The blocks are allocated up front: a copy into a mapped page
// of a sparse file would raise SIGBUS on a full disk. errMapUnsupported:
// the file system cannot preallocate; the journal writes with pwrite.
func mapSegment(f *os.File, size int64) ([]byte, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	var m []byte
	var serr error
	if err := rc.Control(func(fd uintptr) {
		for {
			serr = syscall.Fallocate(int(fd), 0, 0, size)
			if serr != syscall.EINTR {
				break
			}
		}
		if serr == nil {
			m, serr = syscall.Mmap(int(fd), 0, int(size), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
		}
	}); err != nil {
		return nil, err
	}
	switch {
	case errors.Is(serr, syscall.EOPNOTSUPP) || errors.Is(serr, syscall.ENOSYS):
		return nil, errMapUnsupported
	case serr != nil:
		return nil, &os.PathError{Op: "map", Path: f.Name(), Err: serr}
	}
	return m, nil
}

// unmapSegment releases a mapping made by mapSegment.
func unmapSegment(m []byte) error { return syscall.Munmap(m) }
