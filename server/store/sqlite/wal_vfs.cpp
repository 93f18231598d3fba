#include "store/sqlite/wal_vfs.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>

namespace slab5d {

namespace {

constexpr const char* kWalVfsName = "slab5-unix";
constexpr int kFrameHeaderBytes = 24;        // SQLite's WAL frame header (fileformat2.html §4.1)
constexpr std::size_t kMaxGather = 8 << 20;  // past this, a transaction's frames go out in parts
constexpr sqlite3_int64 kMaxWrite = 0x1ffff;
constexpr sqlite3_int64 kOsPage = 4096;
constexpr std::size_t kKeepCapacity = 1 << 20;  // a group commit is about 300 KiB

sqlite3_vfs* g_base = nullptr;  // the unix VFS this one wraps

// A file opened through this VFS: the base VFS's file follows in the same allocation.
struct GatherFile {
  sqlite3_file base;  // first: SQLite sees a GatherFile as a sqlite3_file
  sqlite3_file* real;
  bool wal;
  bool in_commit_frame;  // the last frame header written was a commit frame's
  sqlite3_int64 start;
  std::string* gathered;  // the WAL's writes not yet in the file (wal files only)
};

GatherFile* gf(sqlite3_file* f) { return reinterpret_cast<GatherFile*>(f); }

int flush(GatherFile* f) {
  if (!f->gathered || f->gathered->empty()) return SQLITE_OK;
  auto& g = *f->gathered;
  // The unix VFS writes at most 128 KiB - 1 bytes a call (a larger size is taken modulo
  // 128 KiB), so the gathered bytes go in pieces that end on the file's page boundaries.
  int rc = SQLITE_OK;
  std::size_t done = 0;
  while (rc == SQLITE_OK && done < g.size()) {
    sqlite3_int64 at = f->start + sqlite3_int64(done);
    sqlite3_int64 end = (at + kMaxWrite) / kOsPage * kOsPage;
    std::size_t n = std::min<std::size_t>(g.size() - done, std::size_t(end > at ? end - at : kMaxWrite));
    rc = f->real->pMethods->xWrite(f->real, g.data() + done, int(n), at);
    done += n;
  }
  g.clear();
  if (g.capacity() > kKeepCapacity) std::string().swap(g);  // after a large transaction
  return rc;
}

int g_close(sqlite3_file* file) {
  auto* f = gf(file);
  int rc = flush(f);
  int rc2 = f->real->pMethods ? f->real->pMethods->xClose(f->real) : SQLITE_OK;
  delete f->gathered;
  f->gathered = nullptr;
  return rc != SQLITE_OK ? rc : rc2;
}

int g_read(sqlite3_file* file, void* out, int n, sqlite3_int64 off) {
  auto* f = gf(file);
  if (int rc = flush(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xRead(f->real, out, n, off);
}

int g_write(sqlite3_file* file, const void* data, int n, sqlite3_int64 off) {
  auto* f = gf(file);
  if (!f->wal) return f->real->pMethods->xWrite(f->real, data, n, off);
  auto& g = *f->gathered;
  if (!g.empty() && (off != f->start + sqlite3_int64(g.size()) || g.size() + std::size_t(n) > kMaxGather))
    if (int rc = flush(f); rc != SQLITE_OK) return rc;
  if (g.empty()) f->start = off;
  g.append(static_cast<const char*>(data), std::size_t(n));
  if (n == kFrameHeaderBytes) {
    // Bytes 4-7 of a frame header: the database's size in pages after the commit, for the
    // frame that commits a transaction; zero for every other frame. Gathered until its page.
    const auto* h = static_cast<const unsigned char*>(data);
    f->in_commit_frame = (h[4] | h[5] | h[6] | h[7]) != 0;
    return SQLITE_OK;
  }
  // Any other write after a commit frame's header goes out at once: its page, the part of
  // it past a sync point when SQLite splits it there (synchronous=FULL on a device without
  // powersafe overwrite, which also repeats the commit frame up to a sector boundary), and
  // the next WAL header after a restart.
  return f->in_commit_frame ? flush(f) : SQLITE_OK;
}

int g_truncate(sqlite3_file* file, sqlite3_int64 size) {
  auto* f = gf(file);
  if (int rc = flush(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xTruncate(f->real, size);
}

int g_sync(sqlite3_file* file, int flags) {
  auto* f = gf(file);
  if (int rc = flush(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xSync(f->real, flags);
}

int g_file_size(sqlite3_file* file, sqlite3_int64* size) {
  auto* f = gf(file);
  if (int rc = flush(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xFileSize(f->real, size);
}

int g_lock(sqlite3_file* file, int level) { return gf(file)->real->pMethods->xLock(gf(file)->real, level); }
int g_unlock(sqlite3_file* file, int level) { return gf(file)->real->pMethods->xUnlock(gf(file)->real, level); }
int g_check_reserved(sqlite3_file* file, int* out) {
  return gf(file)->real->pMethods->xCheckReservedLock(gf(file)->real, out);
}
int g_file_control(sqlite3_file* file, int op, void* arg) {
  auto* f = gf(file);
  if (int rc = flush(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xFileControl(f->real, op, arg);
}
int g_sector_size(sqlite3_file* file) { return gf(file)->real->pMethods->xSectorSize(gf(file)->real); }
int g_device_characteristics(sqlite3_file* file) {
  return gf(file)->real->pMethods->xDeviceCharacteristics(gf(file)->real);
}
int g_shm_map(sqlite3_file* file, int region, int size, int extend, void volatile** out) {
  return gf(file)->real->pMethods->xShmMap(gf(file)->real, region, size, extend, out);
}
int g_shm_lock(sqlite3_file* file, int offset, int n, int flags) {
  return gf(file)->real->pMethods->xShmLock(gf(file)->real, offset, n, flags);
}
void g_shm_barrier(sqlite3_file* file) { gf(file)->real->pMethods->xShmBarrier(gf(file)->real); }
int g_shm_unmap(sqlite3_file* file, int del) { return gf(file)->real->pMethods->xShmUnmap(gf(file)->real, del); }
int g_fetch(sqlite3_file* file, sqlite3_int64 off, int n, void** out) {
  return gf(file)->real->pMethods->xFetch(gf(file)->real, off, n, out);
}
int g_unfetch(sqlite3_file* file, sqlite3_int64 off, void* p) {
  return gf(file)->real->pMethods->xUnfetch(gf(file)->real, off, p);
}

// One table per version of the base file's methods (the unix VFS uses 3; older or newer ones
// keep the entries their version has).
sqlite3_io_methods make_methods(int version) {
  sqlite3_io_methods m{};
  m.iVersion = version;
  m.xClose = g_close;
  m.xRead = g_read;
  m.xWrite = g_write;
  m.xTruncate = g_truncate;
  m.xSync = g_sync;
  m.xFileSize = g_file_size;
  m.xLock = g_lock;
  m.xUnlock = g_unlock;
  m.xCheckReservedLock = g_check_reserved;
  m.xFileControl = g_file_control;
  m.xSectorSize = g_sector_size;
  m.xDeviceCharacteristics = g_device_characteristics;
  if (version >= 2) {
    m.xShmMap = g_shm_map;
    m.xShmLock = g_shm_lock;
    m.xShmBarrier = g_shm_barrier;
    m.xShmUnmap = g_shm_unmap;
  }
  if (version >= 3) {
    m.xFetch = g_fetch;
    m.xUnfetch = g_unfetch;
  }
  return m;
}

const sqlite3_io_methods* methods_for(int version) {
  static const sqlite3_io_methods v1 = make_methods(1), v2 = make_methods(2), v3 = make_methods(3);
  return version <= 1 ? &v1 : version == 2 ? &v2 : &v3;
}

int g_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  auto* f = gf(file);
  f->real = reinterpret_cast<sqlite3_file*>(f + 1);
  f->wal = (flags & SQLITE_OPEN_WAL) != 0;
  f->in_commit_frame = false;
  f->start = 0;
  f->gathered = nullptr;
  file->pMethods = nullptr;
  int rc = g_base->xOpen(g_base, name, f->real, flags, out_flags);
  if (rc != SQLITE_OK || !f->real->pMethods) {
    // SQLite calls xClose only when pMethods is set; the base file cleaned up after itself.
    return rc;
  }
  if (f->wal) {
    f->gathered = new (std::nothrow) std::string;
    if (!f->gathered) {
      f->real->pMethods->xClose(f->real);
      return SQLITE_NOMEM;
    }
  }
  file->pMethods = methods_for(f->real->pMethods->iVersion);
  return SQLITE_OK;
}

int g_delete(sqlite3_vfs*, const char* name, int sync_dir) { return g_base->xDelete(g_base, name, sync_dir); }
int g_access(sqlite3_vfs*, const char* name, int flags, int* out) { return g_base->xAccess(g_base, name, flags, out); }
int g_full_pathname(sqlite3_vfs*, const char* name, int n, char* out) {
  return g_base->xFullPathname(g_base, name, n, out);
}
void* g_dl_open(sqlite3_vfs*, const char* name) { return g_base->xDlOpen(g_base, name); }
void g_dl_error(sqlite3_vfs*, int n, char* out) { g_base->xDlError(g_base, n, out); }
void (*g_dl_sym(sqlite3_vfs*, void* handle, const char* sym))(void) { return g_base->xDlSym(g_base, handle, sym); }
void g_dl_close(sqlite3_vfs*, void* handle) { g_base->xDlClose(g_base, handle); }
int g_randomness(sqlite3_vfs*, int n, char* out) { return g_base->xRandomness(g_base, n, out); }
int g_sleep(sqlite3_vfs*, int us) { return g_base->xSleep(g_base, us); }
int g_current_time(sqlite3_vfs*, double* out) { return g_base->xCurrentTime(g_base, out); }
int g_last_error(sqlite3_vfs*, int n, char* out) { return g_base->xGetLastError(g_base, n, out); }
int g_current_time_int64(sqlite3_vfs*, sqlite3_int64* out) { return g_base->xCurrentTimeInt64(g_base, out); }
int g_set_system_call(sqlite3_vfs*, const char* name, sqlite3_syscall_ptr p) {
  return g_base->xSetSystemCall(g_base, name, p);
}
sqlite3_syscall_ptr g_get_system_call(sqlite3_vfs*, const char* name) { return g_base->xGetSystemCall(g_base, name); }
const char* g_next_system_call(sqlite3_vfs*, const char* name) { return g_base->xNextSystemCall(g_base, name); }

sqlite3_vfs* make_vfs() {
  g_base = sqlite3_vfs_find("unix");
  if (!g_base || g_base->iVersion < 3) throw std::runtime_error("SQLite has no unix VFS of version 3 or later");
  static sqlite3_vfs vfs{};
  vfs.iVersion = 3;
  vfs.szOsFile = int(sizeof(GatherFile)) + g_base->szOsFile;
  vfs.mxPathname = g_base->mxPathname;
  vfs.zName = kWalVfsName;
  vfs.xOpen = g_open;
  vfs.xDelete = g_delete;
  vfs.xAccess = g_access;
  vfs.xFullPathname = g_full_pathname;
  vfs.xDlOpen = g_dl_open;
  vfs.xDlError = g_dl_error;
  vfs.xDlSym = g_dl_sym;
  vfs.xDlClose = g_dl_close;
  vfs.xRandomness = g_randomness;
  vfs.xSleep = g_sleep;
  vfs.xCurrentTime = g_current_time;
  vfs.xGetLastError = g_last_error;
  vfs.xCurrentTimeInt64 = g_current_time_int64;
  vfs.xSetSystemCall = g_set_system_call;
  vfs.xGetSystemCall = g_get_system_call;
  vfs.xNextSystemCall = g_next_system_call;
  if (int rc = sqlite3_vfs_register(&vfs, 0); rc != SQLITE_OK)
    throw std::runtime_error(std::string("cannot register SQLite VFS: ") + sqlite3_errstr(rc));
  return &vfs;
}

}  // namespace

const char* wal_vfs_name() {
  static sqlite3_vfs* vfs = make_vfs();
  return vfs->zName;
}

}  // namespace slab5d
