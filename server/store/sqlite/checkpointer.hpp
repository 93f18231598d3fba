// WAL checkpoints off the request path. SQLite's automatic checkpoint runs inside the COMMIT
// that pushes the WAL past 1,000 pages: that commit then copies the pages into the database
// and syncs it, and the request waiting on it (with every write of its group) waits too.
// slab5d's connections turn the automatic checkpoint off (Db::disable_auto_checkpoint) and
// this thread runs a PASSIVE checkpoint (never waits for readers or writers) several times a
// second, so the WAL stays small and commits stay cheap.
//
// A PASSIVE checkpoint alone cannot keep the WAL small under a sustained write load: SQLite
// starts the WAL over only when a write transaction begins with every frame already copied
// back, and the writer appends new frames while the checkpoint copies the old ones. The WAL
// then grows for as long as the load lasts (600 MB in 40 s of creates), and every page read
// searches more of the WAL index. So once the WAL holds more than 4,096 frames (16 MiB), the
// next checkpoint is a RESTART: SQLite holds new writers back (they wait in the busy handler)
// while it finishes the current writer's transaction's worth of copying, a few milliseconds,
// and the next write starts the WAL over.
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
  // Returns the frames in the WAL (0 when it is empty or unknown).
  int checkpoint(bool restart);
  std::string path_;
  std::unique_ptr<Db> db_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace slab5d
