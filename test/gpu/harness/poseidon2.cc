// Test harness for gpu/device/poseidon2.h (test/gpu/device.test.ts): reads commands from stdin, one per line, and
// prints each result as a line of decimal elements:
//   perm x0 .. x15          the permutation of 16 elements
//   hash n x0 .. x(n-1)     the sponge digest (8 elements) of n elements
//   compress x0 .. x15      the compression of two 8-element digests
#include <cstdio>
#include <cstring>
#include <vector>
#include "../../../gpu/device/poseidon2.h"

int main() {
  char cmd[16];
  while (std::scanf("%15s", cmd) == 1) {
    uint32_t out[16];
    int n = 0;
    if (std::strcmp(cmd, "perm") == 0) {
      for (int i = 0; i < 16; i++) std::scanf("%u", &out[i]);
      zpol::p2_permute(out);
      n = 16;
    } else if (std::strcmp(cmd, "hash") == 0) {
      uint32_t len = 0;
      std::scanf("%u", &len);
      std::vector<uint32_t> in(len);
      for (uint32_t i = 0; i < len; i++) std::scanf("%u", &in[i]);
      zpol::p2_hash(in.data(), len, out);
      n = 8;
    } else if (std::strcmp(cmd, "compress") == 0) {
      uint32_t in[16];
      for (int i = 0; i < 16; i++) std::scanf("%u", &in[i]);
      zpol::p2_compress(in, out);
      n = 8;
    } else {
      std::fprintf(stderr, "unknown command %s\n", cmd);
      return 2;
    }
    for (int i = 0; i < n; i++) std::printf(i == 0 ? "%u" : " %u", out[i]);
    std::printf("\n");
  }
  return 0;
}
