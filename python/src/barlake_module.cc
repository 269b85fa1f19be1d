// _barlake: the compiled half of the Python package `barlake` (python/barlake/ is the other
// half, docs/python.md). It binds the public C++ API (include/barlake/) only and returns
// plain Python values and numpy arrays; the package turns them into pandas DataFrames.
//
// Every call releases the GIL while the Lake works, and takes the Vault's mutex: a Lake is
// thread-compatible, so Python threads sharing one Vault take turns.
// A failing Status becomes the exception class barlake._errors.error_class(code) picks,
// with the Status message (the text the CLI prints after "barlake: error: ").
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <barlake/data_manager.h>
#include <barlake/lake.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace py = pybind11;

namespace {

[[noreturn]] void Raise(const barlake::Status& status) {
  py::object cls = py::module_::import("barlake._errors").attr("error_class")(static_cast<int>(status.code()));
  PyErr_SetString(cls.ptr(), status.message().c_str());
  throw py::error_already_set();
}

template <class T>
T ValueOrRaise(barlake::Result<T>&& r) {
  if (!r.ok()) Raise(r.status());
  return std::move(r).value();
}

/// A malloc'd buffer handed to numpy, which frees it when the array dies.
template <class T>
py::array_t<T> AdoptBuffer(T* data, std::vector<py::ssize_t> shape) {
  py::capsule owner(data, [](void* p) { std::free(p); });
  return py::array_t<T>(shape, data, owner);
}

/// Fills column buffers as ReadInto hands over chunks: the five prices and volumes in one
/// (5, capacity) block, row i one column (the layout of a pandas float64 block, so the
/// DataFrame takes it without a copy), timestamps already in nanoseconds (pandas' unit).
/// Runs without the GIL: it touches no Python object.
class NumpySink : public barlake::BarSink {
 public:
  explicit NumpySink(bool with_flags) : with_flags_(with_flags) {}
  ~NumpySink() override {
    std::free(values_);
    std::free(ts_);
    std::free(flags_);
  }
  NumpySink(const NumpySink&) = delete;
  NumpySink& operator=(const NumpySink&) = delete;

  bool Begin(int64_t expected_rows) override { return Grow(static_cast<size_t>(expected_rows > 0 ? expected_rows : 0)); }

  bool Append(const barlake::BarsChunk& c) override {
    if (size_ + c.size > capacity_ && !Grow(std::max(size_ + c.size, capacity_ + capacity_ / 2))) return false;
    const double* columns[5] = {c.open, c.high, c.low, c.close, c.volume};
    for (size_t k = 0; k < 5; ++k) std::memcpy(values_ + k * capacity_ + size_, columns[k], c.size * sizeof(double));
    for (size_t i = 0; i < c.size; ++i) ts_[size_ + i] = c.ts[i] * 1000;
    if (with_flags_) std::memcpy(flags_ + size_, c.flags, c.size);
    size_ += c.size;
    return true;
  }

  /// Shrink the buffers to the rows received (the catalog's count is an upper bound).
  void Trim() {
    if (size_ == capacity_) return;
    for (size_t k = 1; k < 5; ++k) std::memmove(values_ + k * size_, values_ + k * capacity_, size_ * sizeof(double));
    Reallocate(size_);
  }

  size_t size() const { return size_; }
  bool failed() const { return failed_; }

  /// Hand the buffers to numpy arrays (call with the GIL held).
  py::tuple Release() {
    // numpy frees with free(); an empty read still needs a real allocation to own.
    if (!values_) Reallocate(0);
    auto values = AdoptBuffer(std::exchange(values_, nullptr), {5, static_cast<py::ssize_t>(size_)});
    auto ts = AdoptBuffer(std::exchange(ts_, nullptr), {static_cast<py::ssize_t>(size_)});
    py::object flags = py::none();
    if (with_flags_) {
      flags = AdoptBuffer(std::exchange(flags_, nullptr), {static_cast<py::ssize_t>(size_)});
    }
    return py::make_tuple(ts, values, flags);
  }

 private:
  bool Grow(size_t capacity) {
    if (capacity <= capacity_ && values_) return true;
    // Rows already received move to the start of their column in the larger block.
    auto* values = static_cast<double*>(std::malloc(std::max<size_t>(1, 5 * capacity) * sizeof(double)));
    if (!values) return Fail();
    for (size_t k = 0; k < 5; ++k) {
      if (size_) std::memcpy(values + k * capacity, values_ + k * capacity_, size_ * sizeof(double));
    }
    std::free(values_);
    values_ = values;
    capacity_ = capacity;
    return ResizeSmall(capacity);
  }

  bool Reallocate(size_t capacity) {
    auto* values = static_cast<double*>(std::realloc(values_, std::max<size_t>(1, 5 * capacity) * sizeof(double)));
    if (!values) return Fail();
    values_ = values;
    capacity_ = capacity;
    return ResizeSmall(capacity);
  }

  bool ResizeSmall(size_t capacity) {
    auto* ts = static_cast<int64_t*>(std::realloc(ts_, std::max<size_t>(1, capacity) * sizeof(int64_t)));
    if (!ts) return Fail();
    ts_ = ts;
    if (with_flags_) {
      auto* flags = static_cast<uint8_t*>(std::realloc(flags_, std::max<size_t>(1, capacity)));
      if (!flags) return Fail();
      flags_ = flags;
    }
    return true;
  }

  bool Fail() {
    failed_ = true;
    return false;
  }

  bool with_flags_;
  double* values_ = nullptr;
  int64_t* ts_ = nullptr;
  uint8_t* flags_ = nullptr;
  size_t size_ = 0, capacity_ = 0;
  bool failed_ = false;
};

barlake::OnConflict ParseOnConflict(const std::string& s) {
  if (s == "keep") return barlake::OnConflict::kKeep;
  if (s == "replace") return barlake::OnConflict::kReplace;
  if (s == "fail") return barlake::OnConflict::kFail;
  Raise(barlake::Status::InvalidArgument("on_conflict must be keep, replace or fail, not '" + s + "'"));
}

// Records to Python dicts, written once: DictOf(record, Field("name", &Type::name), ...)
// sets one key per field, ListOf(records, convert) makes the list. Every binding below that
// returns records is one Call plus these.
template <class T, class M>
struct FieldRef {
  const char* name;
  M T::*member;
};
template <class T, class M>
constexpr FieldRef<T, M> Field(const char* name, M T::*member) {
  return {name, member};
}
#define BL_FIELD(T, name) Field(#name, &T::name)

template <class T, class... M>
py::dict DictOf(const T& record, FieldRef<T, M>... fields) {
  py::dict d;
  ((d[fields.name] = record.*(fields.member)), ...);
  return d;
}

template <class T, class Convert>
py::list ListOf(const std::vector<T>& records, Convert convert) {
  py::list out;
  for (const auto& r : records) out.append(convert(r));
  return out;
}

py::dict JobDict(const barlake::Job& j) {
  using J = barlake::Job;
  return DictOf(j, BL_FIELD(J, id), BL_FIELD(J, kind), BL_FIELD(J, status), BL_FIELD(J, phase), BL_FIELD(J, symbol),
                BL_FIELD(J, timeframe), BL_FIELD(J, format), BL_FIELD(J, source_path), BL_FIELD(J, source_sha256),
                BL_FIELD(J, command), BL_FIELD(J, rows_read), BL_FIELD(J, rows_written), BL_FIELD(J, rows_rejected),
                BL_FIELD(J, rows_conflicting), BL_FIELD(J, partitions), BL_FIELD(J, error), BL_FIELD(J, created_at),
                BL_FIELD(J, updated_at), BL_FIELD(J, target_job), BL_FIELD(J, rolled_back_by));
}

py::dict DatasetDict(const barlake::Dataset& d) {
  using D = barlake::Dataset;
  return DictOf(d, BL_FIELD(D, symbol), BL_FIELD(D, timeframe), BL_FIELD(D, kind), BL_FIELD(D, first_ts),
                BL_FIELD(D, last_ts), BL_FIELD(D, rows), BL_FIELD(D, bytes), BL_FIELD(D, partitions),
                BL_FIELD(D, last_update), BL_FIELD(D, last_job), BL_FIELD(D, method), BL_FIELD(D, inputs),
                BL_FIELD(D, stale), BL_FIELD(D, stale_why));
}

py::dict HealthDict(const barlake::DatasetHealth& h) {
  using H = barlake::DatasetHealth;
  return DictOf(h, BL_FIELD(H, symbol), BL_FIELD(H, timeframe), BL_FIELD(H, calendar), BL_FIELD(H, status),
                BL_FIELD(H, score), BL_FIELD(H, coverage_pct), BL_FIELD(H, gap_count), BL_FIELD(H, gap_missing_bars),
                BL_FIELD(H, stray_count), BL_FIELD(H, stale), BL_FIELD(H, notes), BL_FIELD(H, report_json));
}

py::dict RegisteredDict(const barlake::RegisteredDataset& r) {
  using R = barlake::RegisteredDataset;
  using F = barlake::PartitionFile;
  py::dict d = DictOf(r, BL_FIELD(R, symbol), BL_FIELD(R, timeframe), BL_FIELD(R, kind), BL_FIELD(R, category),
                      BL_FIELD(R, description), BL_FIELD(R, calendar), BL_FIELD(R, method));
  d["files"] = ListOf(r.files, [](const F& f) {
    return DictOf(f, BL_FIELD(F, period), BL_FIELD(F, path), BL_FIELD(F, rows), BL_FIELD(F, bytes), BL_FIELD(F, min_ts),
                  BL_FIELD(F, max_ts), BL_FIELD(F, sha256), BL_FIELD(F, job));
  });
  return d;
}

py::dict FetchDict(const barlake::FetchReport& r) {
  using R = barlake::FetchReport;
  return DictOf(r, BL_FIELD(R, provider), BL_FIELD(R, requests), BL_FIELD(R, rows_fetched), BL_FIELD(R, rows_written),
                BL_FIELD(R, rows_rejected), BL_FIELD(R, status), BL_FIELD(R, error), BL_FIELD(R, jobs));
}

/// One open vault: a barlake::Lake and the mutex that keeps Python threads from using it
/// at once.
class Vault {
 public:
  Vault(const std::string& path, double lock_wait_seconds, const std::string& command) {
    barlake::Options o;
    o.lock_wait_seconds = lock_wait_seconds;
    o.command = command;
    barlake::Result<std::unique_ptr<barlake::Lake>> r = barlake::Status::Internal("not opened");
    {
      py::gil_scoped_release nogil;
      r = barlake::Lake::Open(path, o);
    }
    lake_ = ValueOrRaise(std::move(r));
  }

  /// Run `body` on the Lake without the GIL, one thread at a time; raise its error.
  template <class F>
  auto Call(F&& body) {
    using R = decltype(body(*lake_));
    std::optional<R> r;
    {
      py::gil_scoped_release nogil;
      std::lock_guard<std::mutex> hold(mu_);
      r.emplace(body(*lake_));
    }
    return ValueOrRaise(std::move(*r));
  }

  std::string path() const { return lake_->vault(); }

  py::dict settings() {
    const barlake::VaultSettings s = lake_->Settings();
    py::dict d;
    d["name"] = s.name;
    d["display_tz"] = s.display_tz;
    d["default_source_tz"] = s.default_source_tz;
    return d;
  }

  py::tuple read(const std::string& symbol, const std::string& timeframe, int64_t from, int64_t to, bool with_flags,
                 int64_t chunk_rows) {
    NumpySink sink(with_flags);
    barlake::Result<int64_t> r = barlake::Status::Internal("not read");
    {
      py::gil_scoped_release nogil;
      std::lock_guard<std::mutex> hold(mu_);
      r = lake_->ReadInto(symbol, timeframe, from, to, sink, chunk_rows);
      if (r.ok()) sink.Trim();
    }
    if (sink.failed()) throw std::bad_alloc();
    ValueOrRaise(std::move(r));
    return sink.Release();
  }

  /// The plain C++ API read (Lake::Read into barlake::Bars), timed without Python: the
  /// benchmark's baseline (bench/bench_python.py). Returns (rows, seconds).
  py::tuple read_bars_baseline(const std::string& symbol, const std::string& timeframe, int64_t from, int64_t to) {
    barlake::Result<barlake::Bars> r = barlake::Status::Internal("not read");
    double seconds = 0;
    {
      py::gil_scoped_release nogil;
      std::lock_guard<std::mutex> hold(mu_);
      const auto t0 = std::chrono::steady_clock::now();
      r = lake_->Read(symbol, timeframe, from, to);
      seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
    const barlake::Bars bars = ValueOrRaise(std::move(r));
    return py::make_tuple(bars.size(), seconds);
  }

  py::list datasets_catalog() { return ListOf(Call([](barlake::Lake& l) { return l.Datasets(); }), DatasetDict); }

  py::list jobs(int64_t limit) { return ListOf(Call([&](barlake::Lake& l) { return l.Jobs(limit); }), JobDict); }

  py::list health(const std::string& symbol, const std::string& timeframe, int64_t gap_min_seconds) {
    barlake::HealthOptions o;
    o.symbol = symbol;
    o.timeframe = timeframe;
    o.gap_min_seconds = gap_min_seconds;
    return ListOf(Call([&](barlake::Lake& l) { return l.Health(o); }), HealthDict);
  }

  py::tuple query(const std::string& sql) {
    auto r = Call([&](barlake::Lake& l) { return l.Query(sql); });
    return py::make_tuple(r.columns, r.types, r.rows);
  }

  std::string import_file(const std::string& path, const std::string& symbol, const std::string& timeframe,
                          const std::string& tz, const std::string& on_conflict, bool dry_run,
                          const std::string& format) {
    barlake::ImportOptions o;
    o.symbol = symbol;
    o.timeframe = timeframe;
    o.tz = tz;
    o.format = format;
    o.on_conflict = ParseOnConflict(on_conflict);
    o.dry_run = dry_run;
    auto report = Call([&](barlake::Lake& l) { return l.Import(barlake::Source::File(path), o); });
    return report.report_json;
  }

  std::string rollback(int64_t job) {
    auto j = Call([&](barlake::Lake& l) { return l.Rollback(job); });
    return barlake::JobToJson(j);
  }

  py::list registered(const std::string& category) {
    return ListOf(Call([&](barlake::Lake& l) { return l.RegisteredDatasets(category); }), RegisteredDict);
  }

  // The DataManager facade (barlake/data_manager.h) over this vault's Lake.
  py::dict fetch_missing(const std::string& symbol, const std::string& timeframe, int64_t from, int64_t to,
                         const std::string& provider) {
    barlake::GetOhlcvOptions o;
    o.fetch_missing = true;
    o.provider = provider;
    return FetchDict(Call([&](barlake::Lake& l) {
      barlake::DataManager dm(l);
      return dm.FetchMissing(symbol, timeframe, from, to, o);
    }));
  }

  std::vector<std::string> list_symbols() {
    return Call([](barlake::Lake& l) { return barlake::DataManager(l).ListSymbols(); });
  }

  std::vector<std::string> list_timeframes(const std::string& symbol) {
    return Call([&](barlake::Lake& l) { return barlake::DataManager(l).ListTimeframes(symbol); });
  }

  std::vector<std::string> provider_for(const std::string& symbol, const std::string& timeframe) {
    return Call([&](barlake::Lake& l) { return barlake::DataManager(l).ProviderFor(symbol, timeframe); });
  }

  py::dict verify() {
    auto r = Call([](barlake::Lake& l) { return l.Verify(); });
    using R = barlake::VerifyReport;
    using P = barlake::VerifyProblem;
    py::dict d = DictOf(r, BL_FIELD(R, files_checked), BL_FIELD(R, rows_checked));
    d["problems"] = ListOf(r.problems, [](const P& p) { return DictOf(p, BL_FIELD(P, path), BL_FIELD(P, what)); });
    d["ok"] = r.ok();
    return d;
  }

 private:
  std::unique_ptr<barlake::Lake> lake_;
  std::mutex mu_;
};

void Init(const std::string& path, const std::string& name, const std::string& display_tz,
          const std::string& default_source_tz) {
  barlake::InitOptions o;
  o.name = name;
  if (!display_tz.empty()) o.display_tz = display_tz;
  if (!default_source_tz.empty()) o.default_source_tz = default_source_tz;
  barlake::Status s;
  {
    py::gil_scoped_release nogil;
    s = barlake::Lake::Init(path, o);
  }
  if (!s.ok()) Raise(s);
}

py::dict ErrorCodeNames() {
  py::dict d;
  for (int c = 1; c <= static_cast<int>(barlake::ErrorCode::kInvalidInput); ++c) {
    d[py::int_(c)] = std::string(barlake::ErrorCodeName(static_cast<barlake::ErrorCode>(c)));
  }
  return d;
}

}  // namespace

PYBIND11_MODULE(_barlake, m) {
  m.doc() = "barlake's public C++ API (include/barlake/); use the package `barlake`";
  m.attr("__version__") = barlake::Version();
  // Unbounded reads, as `barlake read` without --from/--to.
  m.attr("MIN_MICROS") = std::numeric_limits<int64_t>::min() / 2;
  m.attr("MAX_MICROS") = std::numeric_limits<int64_t>::max() / 2;
  m.def("error_code_names", &ErrorCodeNames, "ErrorCode number -> name (\"NotFound\", ...)");
  m.def("init", &Init, py::arg("path"), py::arg("name") = "", py::arg("display_tz") = "",
        py::arg("default_source_tz") = "");
  py::class_<Vault>(m, "Vault")
      .def(py::init<const std::string&, double, const std::string&>(), py::arg("path"),
           py::arg("lock_wait_seconds") = 30.0, py::arg("command") = "barlake python")
      .def_property_readonly("path", &Vault::path)
      .def("settings", &Vault::settings)
      .def("read", &Vault::read, py::arg("symbol"), py::arg("timeframe"), py::arg("from_micros"),
           py::arg("to_micros"), py::arg("flags") = false, py::arg("chunk_rows") = 1 << 19)
      .def("read_bars_baseline", &Vault::read_bars_baseline)
      .def("datasets_catalog", &Vault::datasets_catalog)
      .def("jobs", &Vault::jobs, py::arg("limit") = 50)
      .def("health", &Vault::health, py::arg("symbol") = "", py::arg("timeframe") = "",
           py::arg("gap_min_seconds") = 30 * 60)
      .def("query", &Vault::query)
      .def("import_file", &Vault::import_file, py::arg("path"), py::arg("symbol"), py::arg("timeframe"),
           py::arg("tz") = "", py::arg("on_conflict") = "keep", py::arg("dry_run") = false,
           py::arg("format") = "")
      .def("rollback", &Vault::rollback)
      .def("registered", &Vault::registered, py::arg("category") = "")
      .def("fetch_missing", &Vault::fetch_missing, py::arg("symbol"), py::arg("timeframe"), py::arg("from_micros"),
           py::arg("to_micros"), py::arg("provider") = "")
      .def("list_symbols", &Vault::list_symbols)
      .def("list_timeframes", &Vault::list_timeframes, py::arg("symbol"))
      .def("provider_for", &Vault::provider_for, py::arg("symbol"), py::arg("timeframe"))
      .def("verify", &Vault::verify);
}
