#include "lake/source_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace barlake::lake {

Result<std::unique_ptr<SourceFile>> SourceFile::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      return Status::NotFound("input file '" + path + "' does not exist; check the path");
    }
    return Status::FromErrno(errno, "cannot open input file", path);
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return Status::FromErrno(err, "cannot stat input file", path);
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return Status::InvalidArgument("'" + path + "' is a folder; give the path of a file");
  }
  std::unique_ptr<SourceFile> f(new SourceFile());
  f->size_ = static_cast<size_t>(st.st_size);
  f->modified_micros_ = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000 + st.st_mtim.tv_nsec / 1000;
  if (f->size_ > 0) {
    void* m = ::mmap(nullptr, f->size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) {
      int err = errno;
      ::close(fd);
      return Status::FromErrno(err, "cannot map input file", path);
    }
    ::madvise(m, f->size_, MADV_SEQUENTIAL);
    f->data_ = static_cast<const char*>(m);
  }
  ::close(fd);
  return f;
}

SourceFile::~SourceFile() {
  if (data_) ::munmap(const_cast<char*>(data_), size_);
}

void SourceFile::ReleaseBefore(size_t offset) {
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  const size_t len = offset / page * page;
  if (data_ && len > 0) ::madvise(const_cast<char*>(data_), len, MADV_DONTNEED);
}

}  // namespace barlake::lake
