// A RocksDB file system that fails on demand, as a dying disk or a full one would: reads of
// table files return an I/O error, appends return "no space". Wrapped around the machine's file
// system, so everything else behaves as usual.
#pragma once

#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <atomic>
#include <memory>
#include <string>

namespace testing {

class FaultyFs final : public rocksdb::FileSystemWrapper {
 public:
  FaultyFs() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "FaultyFs"; }

  std::atomic<bool> fail_reads{false};   // table files (.sst) answer with an I/O error
  std::atomic<bool> fail_writes{false};  // appends to any file answer "no space"

  rocksdb::IOStatus NewRandomAccessFile(const std::string& f, const rocksdb::FileOptions& o,
                                        std::unique_ptr<rocksdb::FSRandomAccessFile>* r,
                                        rocksdb::IODebugContext* dbg) override {
    auto s = target()->NewRandomAccessFile(f, o, r, dbg);
    if (s.ok()) *r = std::make_unique<Reader>(std::move(*r), *this);
    return s;
  }
  rocksdb::IOStatus NewWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSWritableFile>* r,
                                    rocksdb::IODebugContext* dbg) override {
    auto s = target()->NewWritableFile(f, o, r, dbg);
    if (s.ok()) *r = std::make_unique<Writer>(std::move(*r), *this);
    return s;
  }

 private:
  static rocksdb::IOStatus write_error() {
    return rocksdb::IOStatus::NoSpace("injected: no space left");
  }
  struct Reader final : rocksdb::FSRandomAccessFileOwnerWrapper {
    Reader(std::unique_ptr<rocksdb::FSRandomAccessFile> t, const FaultyFs& owner)
        : FSRandomAccessFileOwnerWrapper(std::move(t)), fs(owner) {}
    rocksdb::IOStatus Read(std::uint64_t offset, std::size_t n, const rocksdb::IOOptions& o,
                           rocksdb::Slice* result, char* scratch,
                           rocksdb::IODebugContext* dbg) const override {
      if (fs.fail_reads) return rocksdb::IOStatus::IOError("injected read error");
      return target()->Read(offset, n, o, result, scratch, dbg);
    }
    rocksdb::IOStatus MultiRead(rocksdb::FSReadRequest* reqs, std::size_t num,
                                const rocksdb::IOOptions& o,
                                rocksdb::IODebugContext* dbg) override {
      if (fs.fail_reads) return rocksdb::IOStatus::IOError("injected read error");
      return target()->MultiRead(reqs, num, o, dbg);
    }
    const FaultyFs& fs;
  };
  struct Writer final : rocksdb::FSWritableFileOwnerWrapper {
    Writer(std::unique_ptr<rocksdb::FSWritableFile> t, const FaultyFs& owner)
        : FSWritableFileOwnerWrapper(std::move(t)), fs(owner) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                             rocksdb::IODebugContext* dbg) override {
      if (fs.fail_writes) return fs.write_error();
      return target()->Append(data, o, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                             const rocksdb::DataVerificationInfo& v,
                             rocksdb::IODebugContext* dbg) override {
      if (fs.fail_writes) return fs.write_error();
      return target()->Append(data, o, v, dbg);
    }
    const FaultyFs& fs;
  };
};

}  // namespace testing
