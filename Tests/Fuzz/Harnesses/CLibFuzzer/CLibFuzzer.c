// Only the declaration in include/CLibFuzzer.h; the definition comes with `-sanitize=fuzzer`.
#include "CLibFuzzer.h"
