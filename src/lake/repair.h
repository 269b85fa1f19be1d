// Repair of damaged partition files (docs/integrity.md): `Lake::Repair` (lake.h) checks
// every catalogued file's size and SHA-256 and rebuilds each damaged or missing one,
// preferring
//   1. an identical file kept under .barlake/versions/ (same SHA-256 as the catalog), else
//   2. a replay of the import that wrote it: its kept source (.barlake/sources/<sha256>)
//      imported again with that job's recorded options into a scratch vault, merged with
//      the partition's previous version (kept under versions/ by that job) as that job
//      merged it, and accepted only when its content hash equals the catalog's.
// The rebuilt files go through the normal write protocol (staged, fsynced, read back,
// journaled) as one `repair` job, which keeps each damaged file under versions/.
#pragma once

#include "barlake/types.h"

namespace barlake::lake {

using barlake::RepairItem;
using barlake::RepairReport;

}  // namespace barlake::lake
