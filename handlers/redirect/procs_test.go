package redirect_test

import (
	"runtime"
	"strconv"
	"testing"

	"github.com/linkgate/linkgate/handlers/redirect"
)

// AddIngestProc adds one P when GOMAXPROCS is the CPU count, once; it
// leaves a GOMAXPROCS set by the environment or lowered (a container's
// CPU limit) alone. (Not parallel: GOMAXPROCS is the process's.)
func TestAddIngestProc(t *testing.T) {
	saved := runtime.GOMAXPROCS(0)
	t.Cleanup(func() { runtime.GOMAXPROCS(saved) })
	cpus := runtime.NumCPU()

	t.Setenv("GOMAXPROCS", "")
	runtime.GOMAXPROCS(cpus)
	if got := redirect.AddIngestProc(); got != cpus+1 || runtime.GOMAXPROCS(0) != cpus+1 {
		t.Fatalf("AddIngestProc = %d, GOMAXPROCS %d; want %d", got, runtime.GOMAXPROCS(0), cpus+1)
	}
	if got := redirect.AddIngestProc(); got != cpus+1 || runtime.GOMAXPROCS(0) != cpus+1 {
		t.Fatalf("a second AddIngestProc = %d, GOMAXPROCS %d; want %d still", got, runtime.GOMAXPROCS(0), cpus+1)
	}
	if cpus > 1 {
		runtime.GOMAXPROCS(cpus - 1)
		if got := redirect.AddIngestProc(); got != cpus-1 || runtime.GOMAXPROCS(0) != cpus-1 {
			t.Fatalf("below the CPUs: AddIngestProc = %d, GOMAXPROCS %d; want %d", got, runtime.GOMAXPROCS(0), cpus-1)
		}
	}
	t.Setenv("GOMAXPROCS", strconv.Itoa(cpus))
	runtime.GOMAXPROCS(cpus)
	if got := redirect.AddIngestProc(); got != cpus || runtime.GOMAXPROCS(0) != cpus {
		t.Fatalf("set by the environment: AddIngestProc = %d, GOMAXPROCS %d; want %d", got, runtime.GOMAXPROCS(0), cpus)
	}
}
