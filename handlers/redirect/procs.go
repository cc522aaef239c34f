package redirect

import (
	"os"
	"runtime"
)

// AddIngestProc raises GOMAXPROCS by one for the ingester, whose
// transactions are CPU work in this process (all of it on SQLite): with
// as many Ps as CPUs, a batch being stored takes one P from the request
// handlers while it runs, and the machine answers fewer redirects than it
// could (cmd/lgredirect on 2 CPUs, SQLite, runs in turns: the redirector
// answered 2–10 % more with 3 Ps than with 2, its ratio to bare net/http
// 0.73–0.77 against 0.68–0.74; on PostgreSQL, whose ingest leaves most of
// the work to the server, no difference). The operating system shares
// the CPUs among the threads.
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
