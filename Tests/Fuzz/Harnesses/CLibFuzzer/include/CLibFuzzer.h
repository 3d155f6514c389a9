#ifndef FLUX_CLIBFUZZER_H
#define FLUX_CLIBFUZZER_H

#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver (compiler-rt, linked by `-sanitize=fuzzer`): parses the libFuzzer flags in argv and
/// runs `callback` on every input. A harness calls it from its own `main`, because SwiftPM gives every
/// executable a Swift entry point of its own and so libFuzzer's `main` is never linked.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
