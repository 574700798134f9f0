{
  "targets": [
    {
      "target_name": "zpol_native",
      "sources": ["native/addon.cc", "native/ntt.cc", "native/blake3.cc", "native/quotient.cc", "native/poseidon2-tree.cc", "native/grind.cc", "native/logup.cc", "native/cuda-loader.cc", "native/simd.cc", "native/deep.cc", "native/addon-kernels.cc", "native/fold.cc", "native/tensor-commit.cc"],
      "cflags_cc": ["-O3", "-march=native", "-std=c++17", "-fno-exceptions"],
      "cflags_cc!": ["-fno-rtti"],
      "libraries": ["-ldl"],
      "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-O3", "-std=c++17"] }
    }
  ]
}
