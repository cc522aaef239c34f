//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package journal

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockFile takes an exclusive, non-blocking flock on f. flock belongs to the open file
// description, so a second open of the same file conflicts even within one process.
func lockFile(f *os.File, dir string) error {
	return flock(f, syscall.LOCK_EX|syscall.LOCK_NB, dir)
}

func unlockFile(f *os.File) error {
	return flock(f, syscall.LOCK_UN, "")
}

func flock(f *os.File, how int, dir string) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		for {
			serr = syscall.Flock(int(fd), how)
			if serr != syscall.EINTR {
				return
			}
		}
	}); err != nil {
		return err
	}
	if errors.Is(serr, syscall.EWOULDBLOCK) {
		return fmt.Errorf("%w: %s", ErrLocked, dir)
	}
	if serr != nil {
		return &os.PathError{Op: "flock", Path: f.Name(), Err: serr}
	}
	return nil
}
