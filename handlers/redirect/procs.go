package redirect

import (
	"os"
	"runtime"
)

// AddIngestProc raises GOMAXPROCS by one for the ingester, whose
// transactions are CPU work in this process (all of it on SQLite): with
// as many Ps as CPUs, a batch being stored takes one P from the request
// handlers while it runs, and the machine answers fewer redirects than it
// could (cmd/lgredirect on 2 CPUs, SQLite, 7 rounds in turns: the
// redirector's requests/s 57,500–57,900 with 3 Ps against 51,700–53,500
// with 2, while bare net/http answered as many either way). The operating
// system shares the CPUs among the threads.
//
// It leaves GOMAXPROCS alone unless it is the number of CPUs this
// process may run on: when the GOMAXPROCS environment variable sets it,
// when a container's CPU limit made it lower (one P more would run past
// that limit and be throttled), or when it was raised already (a second
// call). It returns GOMAXPROCS after. Call it from main, before serving.
func AddIngestProc() int {
	n := runtime.GOMAXPROCS(0)
	if os.Getenv("GOMAXPROCS") != "" || n != runtime.NumCPU() {
		return n
	}
	runtime.GOMAXPROCS(n + 1)
	return n + 1
}
