#include "domain/kek.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>

#include "slab5/crypto.hpp"
#include "slab5/encoding.hpp"

namespace slab5d {
namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

// Creates the KEK file atomically (write a private temp file, then link it into place, which
// fails if another process got there first) and returns its content. An existing file loses
// any group/other permission it had.
std::string load_or_create(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077) != 0 && st.st_uid == ::geteuid())
    (void)::chmod(path.c_str(), st.st_mode & 0700);
  std::string existing = read_all(path);
  if (!existing.empty()) return existing;
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  std::string fresh = slab5::hex_encode(slab5::random_bytes(32));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot create the key-encryption key file beside the database");
  bool ok = ::write(fd, fresh.data(), fresh.size()) == ssize_t(fresh.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (ok) (void)::link(tmp.c_str(), path.c_str());
  ::unlink(tmp.c_str());
  std::string now = read_all(path);
  if (now.empty()) throw std::runtime_error("cannot read the key-encryption key file");
  return now;
}

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }
unsigned char* bytes(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

struct CipherCtx {
  EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
  ~CipherCtx() { EVP_CIPHER_CTX_free(c); }
};

std::string derive(const std::string& kek, std::string_view purpose) {
  return slab5::hmac_sha256(kek, "slab5 kek v1\n" + std::string(purpose));
}

constexpr std::string_view kVersion = "v1:";

}  // namespace

std::string kek_path(const std::string& db_path, bool throwaway) {
  return throwaway ? std::string() : db_path + ".kek";
}

const std::string& key_encryption_key(const std::string& path) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<std::string>> keys;  // entries never move or go
  std::lock_guard lock(mu);
  auto& slot = keys[path];
  if (!slot)
    slot =
        std::make_unique<std::string>(path.empty() ? slab5::hex_encode(slab5::random_bytes(32)) : load_or_create(path));
  return *slot;
}

std::string seal_with_kek(const std::string& kek, std::string_view purpose, std::string_view context,
                          std::string_view plain) {
  std::string key = derive(kek, purpose);
  std::string nonce = slab5::random_bytes(12);
  std::string out(plain.size(), '\0');
  std::string tag(16, '\0');
  int len = 0, fin = 0;
  CipherCtx x;
  bool ok = x.c && EVP_EncryptInit_ex(x.c, EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(x.c, EVP_CTRL_GCM_SET_IVLEN, 12, nullptr) == 1 &&
            EVP_EncryptInit_ex(x.c, nullptr, nullptr, bytes(key), bytes(nonce)) == 1 &&
            EVP_EncryptUpdate(x.c, nullptr, &len, bytes(context), int(context.size())) == 1 &&
            EVP_EncryptUpdate(x.c, bytes(out), &len, bytes(plain), int(plain.size())) == 1 &&
            EVP_EncryptFinal_ex(x.c, bytes(out) + len, &fin) == 1 &&
            EVP_CIPHER_CTX_ctrl(x.c, EVP_CTRL_GCM_GET_TAG, 16, tag.data()) == 1;
  if (!ok) throw std::runtime_error("AES-256-GCM sealing failed");
  return std::string(kVersion) + slab5::base64url_encode(nonce + out + tag);
}

std::optional<std::string> open_with_kek(const std::string& kek, std::string_view purpose, std::string_view context,
                                         std::string_view sealed) {
  if (sealed.substr(0, kVersion.size()) != kVersion) return std::nullopt;
  auto raw = slab5::base64url_decode(sealed.substr(kVersion.size()));
  if (!raw || raw->size() < 28) return std::nullopt;
  std::string key = derive(kek, purpose);
  std::string nonce = raw->substr(0, 12), tag = raw->substr(raw->size() - 16);
  std::string ct = raw->substr(12, raw->size() - 28);
  std::string out(ct.size(), '\0');
  int len = 0, fin = 0;
  CipherCtx x;
  bool ok = x.c && EVP_DecryptInit_ex(x.c, EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(x.c, EVP_CTRL_GCM_SET_IVLEN, 12, nullptr) == 1 &&
            EVP_DecryptInit_ex(x.c, nullptr, nullptr, bytes(key), bytes(nonce)) == 1 &&
            EVP_DecryptUpdate(x.c, nullptr, &len, bytes(context), int(context.size())) == 1 &&
            EVP_DecryptUpdate(x.c, bytes(out), &len, bytes(ct), int(ct.size())) == 1 &&
            EVP_CIPHER_CTX_ctrl(x.c, EVP_CTRL_GCM_SET_TAG, 16, tag.data()) == 1 &&
            EVP_DecryptFinal_ex(x.c, bytes(out) + len, &fin) == 1;
  if (!ok) return std::nullopt;
  return out;
}

}  // namespace slab5d
