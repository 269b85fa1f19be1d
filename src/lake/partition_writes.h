// The write removing one catalogued partition (its file is kept under versions/ by the
// write protocol), shared by the jobs that drop partitions: `dataset drop` and the
// keyed documents' cleanup.
#pragma once

#include "journal/journal.h"
#include "lake/write_protocol.h"

namespace barlake::lake {

PartitionWrite RemoveWrite(const journal::PartitionEntry& p);

}  // namespace barlake::lake
