// For barlake's own front-ends (cli/, server/) only, not installed: a public barlake::Lake
// over a lake::Lake opened with the full internal options (the test crash hook, progress),
// and the way back to it for what the public API does not offer yet.
#pragma once

#include <memory>
#include <string>

#include "barlake/lake.h"
#include "lake/lake.h"

namespace barlake::internal {

struct LakeAccess {
  static std::unique_ptr<barlake::Lake> Wrap(std::string vault, std::unique_ptr<lake::Lake> inner);
  static lake::Lake* Inner(barlake::Lake& lake);
};

}  // namespace barlake::internal
