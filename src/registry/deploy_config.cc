// max_age and max_size of [[dataset]] tables (deploy_config.h). toml++ throws; every
// exception is caught here.
#include "registry/deploy_config.h"

#include "registry/toml_internal.h"

#include "core/text.h"
#include "registry/schedule_config.h"

namespace barlake::registry {

namespace {

std::string Where(const std::string& path, const toml::node& n) {
  return path + ":" + std::to_string(n.source().begin.line);
}

}  // namespace

Result<int64_t> ParseByteSize(const std::string& text) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  std::string unit = text.substr(digits);
  while (!unit.empty() && unit.front() == ' ') unit.erase(unit.begin());
  int64_t scale = 0;
  if (unit.empty() || unit == "B") scale = 1;
  else if (unit == "KB" || unit == "kB") scale = 1000;
  else if (unit == "MB") scale = 1000 * 1000;
  else if (unit == "GB") scale = 1000 * 1000 * 1000;
  else if (unit == "TB") scale = int64_t{1000} * 1000 * 1000 * 1000;
  if (digits == 0 || digits > 9 || scale == 0) {
    return Status::InvalidArgument("size " + QuoteBytes(text) + " must be a whole number and a unit: 800KB, 50MB or 2GB");
  }
  const int64_t n = std::stoll(text.substr(0, digits));
  if (n <= 0) return Status::InvalidArgument("size " + QuoteBytes(text) + " must be above zero");
  return n * scale;
}

Result<std::vector<DeployLimits>> ParseDeployLimits(std::string_view text, const std::string& path) {
  ASSIGN_OR_RETURN(toml::table root, internal::ParseTomlText(text, path));
  std::vector<DeployLimits> out;
  const toml::array* arr = root["dataset"].as_array();
  if (!arr) return out;  // Registry::Parse reports a 'dataset' that is not [[dataset]] tables
  for (const toml::node& n : *arr) {
    const toml::table* t = n.as_table();
    if (!t) continue;
    const toml::node* age = t->get("max_age");
    const toml::node* size = t->get("max_size");
    if (!age && !size) continue;
    DeployLimits d;
    d.source = Where(path, n);
    d.symbol = (*t)["symbol"].value_or(std::string());
    d.timeframe = (*t)["timeframe"].value_or(std::string());
    const std::string at = d.source + " [[dataset]] " + d.symbol + " " + d.timeframe;
    if (age) {
      auto secs = age->is_string() ? ParseScheduleDuration(*age->value<std::string>())
                                   : Result<int64_t>(Status::InvalidArgument("it must be a quoted duration"));
      if (!secs.ok()) {
        return Status::InvalidInput(at + " 'max_age': " + secs.status().message() + ", e.g. max_age = \"3d\"");
      }
      d.max_age_seconds = *secs;
    }
    if (size) {
      Result<int64_t> bytes = Status::InvalidArgument("it must be a quoted size or a whole number of bytes");
      if (size->is_string()) bytes = ParseByteSize(*size->value<std::string>());
      if (size->is_integer() && size->as_integer()->get() > 0) bytes = size->as_integer()->get();
      if (!bytes.ok()) {
        return Status::InvalidInput(at + " 'max_size': " + bytes.status().message() + ", e.g. max_size = \"50MB\"");
      }
      d.max_bytes = *bytes;
    }
    out.push_back(std::move(d));
  }
  return out;
}

const DeployLimits* FindDeployLimits(const std::vector<DeployLimits>& all, const std::string& symbol,
                                     const std::string& timeframe) {
  for (const auto& d : all) {
    if (d.symbol == symbol && d.timeframe == timeframe) return &d;
  }
  return nullptr;
}

}  // namespace barlake::registry
