// ErrorCode lives in the public header barlake/status.h (the library and its users share
// one type); this header stays for the modules that include it.
#pragma once

#include "barlake/status.h"
