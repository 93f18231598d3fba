// The VFS slab5d opens its SQLite databases with: the operating system's own (unix), except
// that the frames of a WAL commit reach the file in one write instead of two per page.
//
// SQLite appends a transaction to the WAL a frame at a time, each frame as two writes: a
// 24-byte header, then the page. A frame is 4,120 bytes, so every write starts or ends inside
// a page of the file, and the kernel zeroes (or reads) that page before copying into it. A
// group commit of ~70 pages made ~140 such writes; they were a third of the writer thread's
// time (docs/performance.md).
//
// Here the writes of a WAL that follow one another are gathered in memory and written
// together, at the latest when SQLite writes the page of the frame that commits (its header
// carries the database size, nonzero only for that frame). So every frame is in the file
// before SQLite publishes the commit to the wal-index, which is what readers look at, and the
// file holds the same bytes at the same offsets as without this layer. Anything else done to
// the WAL (a read, a write elsewhere, a sync, its size, a truncate, a close) first writes what
// is gathered. Crashing with frames gathered loses only frames no commit covered yet, as a
// crash a moment earlier would. Database, journal and shared-memory files pass straight
// through.
#pragma once

namespace slab5d {

// The VFS's name, registered on first use (not as the default: other programs linking the
// same library keep theirs).
const char* wal_vfs_name();

}  // namespace slab5d
