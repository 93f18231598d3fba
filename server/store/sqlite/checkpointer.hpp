// WAL checkpoints off the request path. SQLite's automatic checkpoint runs inside the COMMIT
// that pushes the WAL past 1,000 pages: that commit then copies the pages into the database
// and syncs it, and the request waiting on it (with every write of its group) waits too.
// slab5d's connections turn the automatic checkpoint off (Db::disable_auto_checkpoint) and
// this thread runs a PASSIVE checkpoint (never waits for readers or writers) several times a
// second. A writer that never pauses never begins with every frame copied, which is when
// SQLite starts the WAL over; once the WAL is long, this thread copies and syncs it to within
// a few frames of its end and leaves the rest to the next write (Db::request_wal_restart),
// whose commit then starts it over (docs/server.md, "The WAL under a sustained write load").
#pragma once
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace slab5d {

class Db;

class Checkpointer {
 public:
  explicit Checkpointer(std::string db_path);
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;
  void stop();  // one last checkpoint, then joins

 private:
  void loop();
  void checkpoint();
  std::string path_;
  std::unique_ptr<Db> db_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace slab5d
