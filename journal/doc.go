// Package journal is a durable, group-committed, append-only log of opaque records
// kept in one local directory.
//
// Contract:
//
//   - Durability: Append returns nil only once its record has been written and
//     fdatasync'd. Records appended concurrently share one write and one fdatasync
//     (group commit); no syscall is made per record. A record whose Append returned
//     nil survives a crash of the process or of the machine. With AckOnWrite, Append
//     returns once its record is written by Append itself (copied into the segment,
//     which is preallocated and memory-mapped on Linux; a pwrite elsewhere), the
//     fdatasync shared and right behind: the record survives a crash of the process,
//     and a crash of the machine unless it comes within a sync of the write.
//   - Ordering: Read returns records in the order they became durable, which is the
//     order Append calls entered the journal; records from one goroutine keep that
//     goroutine's order.
//   - At-least-once: a consumer Reads, stores the records elsewhere, then Commits the
//     Position Read returned. After a restart, Read starts again at the last committed
//     Position, so records read but not committed are delivered again; consumers
//     deduplicate by an identifier inside the record. A record whose Append returned
//     an error may or may not be delivered.
//   - Exclusivity: one Journal per directory, enforced with flock on a lock file
//     (ErrLocked otherwise), across processes and within one.
//   - Recovery: Open truncates a torn tail (a partial frame or a checksum mismatch in
//     the last segment within one group's reach of its end: the write that was in
//     flight when the process died, never acknowledged). Any other damage is an error
//     naming the file and the offset; acknowledged records are never silently dropped.
//
// On disk: segment files named %016x.seg holding frames
// uvarint(len) | crc32c(record) little-endian | record (the last segment may end in
// zeros, preallocated and never written: a frame's length is never zero), a file
// "checkpoint" holding the
// committed Position (replaced atomically), and a file "LOCK".
package journal
