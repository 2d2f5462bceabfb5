//go:build unix

package store

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

// lockFile takes a write lock on path+".lock" for as long as this process runs
// (the kernel drops it when the process dies, however it dies): SQLite is the
// single-process store, and a second gateway on the same file would run every
// session twice. It is a POSIX record lock, which belongs to the process: opening
// the store again in the same process (tests do) is allowed, another process is
// refused, with the holder's pid.
func lockFile(path string) (*os.File, error) {
	name := path + ".lock"
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file %s: %w", name, err)
	}
	lk := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: io.SeekStart}
	if err := syscall.FcntlFlock(f.Fd(), syscall.F_SETLK, &lk); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EACCES) {
			who := "another process"
			probe := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: io.SeekStart}
			if syscall.FcntlFlock(f.Fd(), syscall.F_GETLK, &probe) == nil && probe.Type != syscall.F_UNLCK {
				who = fmt.Sprintf("another process (pid %d)", probe.Pid)
			}
			return nil, fmt.Errorf("the SQLite database %s is in use by %s: SQLite serves one gateway process; stop the other one, or give every replica the same PostgreSQL (store.dsn)", path, who)
		}
		return nil, fmt.Errorf("lock %s: %w", name, err)
	}
	return f, nil
}
