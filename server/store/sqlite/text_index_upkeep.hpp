// Keeps the app plane's FTS5 indexes in one segment while the writer has nothing else to do.
//
// FTS5 writes each committed batch of changes as a new index segment and merges segments of
// about the same size as they pile up (its `automerge`), so an index holds a handful of
// segments per size class. Every query looks a word up in every segment, and a prefix query
// (`?query=jane` is `"jane"*`) walks each segment's terms: on the benchmark's 1,000,000
// contacts, 16 segments made the lookup of "jane"* cost 380 µs, one segment 24 µs, the same
// as on 1,000 contacts (docs/performance.md, "Text search at a million rows").
//
// So the write batcher, once it has been idle for a moment, merges a text index into one
// segment with FTS5's incremental `merge` command, a bounded step per transaction, and looks
// for waiting writes between steps. An index is due once the rows indexed since its last
// full merge reach a twentieth of the table's rows (at least one row when the table was
// never merged by this process), so the rewriting a merge costs stays proportional to the
// writes that made it necessary. Every table with a text index is looked at once after start.
#pragma once

namespace slab5d {

class Db;

// Notes that `rows` changes were applied to `table`'s text index of the file `db` is open on
// (flush_text_index).
void note_text_index_changes(Db& db, const char* table, long long rows);

// Whether a text index of `db`'s file is due a merge.
bool text_index_merge_due(Db& db);

// One bounded step of merging the first due index, in its own transaction (it takes the
// write gate; the caller holds no transaction). Returns whether an index is still due.
bool merge_text_index_step(Db& db);

}  // namespace slab5d
