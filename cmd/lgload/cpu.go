package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTick is the unit of /proc times (USER_HZ, 100 on Linux).
const clockTick = 10 * time.Millisecond

// cpuSample is where the machine's CPU time had gone at one moment
// (Linux /proc; zero elsewhere).
type cpuSample struct {
	at       time.Time
	busy     time.Duration // all CPUs, everything but idle and iowait
	self     time.Duration // this process: the load tool and the service
	postgres time.Duration // processes named postgres (the server)
	ours     time.Duration // of those, the backends serving this database
	ok       bool
}

// cpuUse is CPU use over an interval, in cores.
type cpuUse struct {
	self, postgres, other float64
	// ours is the part of postgres spent by the backends of this
	// database (the pool's), which other sessions on the server do not
	// share.
	ours float64
	ok   bool
}

// sampleCPU samples the CPU times; ours are the pids of the backends
// serving this database.
func sampleCPU(ours map[int]bool) cpuSample {
	s := cpuSample{at: time.Now()}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		s.self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	stat, err := os.ReadFile("/proc/stat")
	if err != nil {
		return s
	}
	line, _, _ := bytes.Cut(stat, []byte("\n"))
	f := strings.Fields(string(line))
	if len(f) < 8 || f[0] != "cpu" {
		return s
	}
	for i, v := range f[1:] {
		n, _ := strconv.ParseInt(v, 10, 64)
		if i == 3 || i == 4 || i >= 8 { // idle, iowait; guest times are in user already
			continue
		}
		s.busy += time.Duration(n) * clockTick
	}
	procs, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		open, close := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
		if open < 0 || close < open || string(b[open+1:close]) != "postgres" {
			continue
		}
		rest := strings.Fields(string(b[close+1:]))
		if len(rest) < 13 {
			continue
		}
		ut, _ := strconv.ParseInt(rest[11], 10, 64)
		st, _ := strconv.ParseInt(rest[12], 10, 64)
		s.postgres += time.Duration(ut+st) * clockTick
		if pid, err := strconv.Atoi(filepath.Base(filepath.Dir(p))); err == nil && ours[pid] {
			s.ours += time.Duration(ut+st) * clockTick
		}
	}
	s.ok = true
	return s
}

// use returns the CPU used between a and b, in cores.
func (a cpuSample) use(b cpuSample) cpuUse {
	wall := b.at.Sub(a.at).Seconds()
	if !a.ok || !b.ok || wall <= 0 {
		return cpuUse{}
	}
	u := cpuUse{
		self:     (b.self - a.self).Seconds() / wall,
		postgres: (b.postgres - a.postgres).Seconds() / wall,
		ours:     (b.ours - a.ours).Seconds() / wall,
		ok:       true,
	}
	u.other = max(0, (b.busy-a.busy).Seconds()/wall-u.self-u.postgres)
	return u
}
