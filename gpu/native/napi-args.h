// The argument readers and errors of the native addon's Node-API functions (addon.cc, addon-kernels.cc): a bad
// call throws a TypeError or RangeError in JavaScript instead of touching stray memory.
#pragma once
#include <node_api.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "../device/babybear.h"
#include "cuda-loader.h"
#include "parallel.h"

namespace zpol_napi {

inline bool check(napi_env env, napi_status status) {
  if (status == napi_ok) return true;
  const napi_extended_error_info* info = nullptr;
  napi_get_last_error_info(env, &info);
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_error(env, nullptr, info && info->error_message ? info->error_message : "native call failed");
  return false;
}

struct Matrix {
  // Empty until a getter fills it: a key that is only read on some paths (BLAKE3's, not Poseidon2's) is then a
  // null pointer where it is not, never an uninitialised one.
  uint32_t* data = nullptr;
  size_t length = 0;
};

// A kernel's output ArrayBuffer of `bytes`, its pages mapped up front when large (parallel.h prefault).
inline napi_status create_output(napi_env env, size_t bytes, void** data, napi_value* buffer) {
  const napi_status status = napi_create_arraybuffer(env, bytes, data, buffer);
  if (status == napi_ok) zpol::prefault(*data, bytes);
  return status;
}

inline bool get_u32_array(napi_env env, napi_value v, Matrix* m);

// A kernel's output: `reuse` when it is a Uint32Array of exactly `words` words (a buffer the caller hands back, every
// word of which the kernel writes: gpu/output-pool.ts), else a fresh ArrayBuffer as create_output makes it;
// `result` is the Uint32Array to return. Anything but undefined, null or such an array is a TypeError.
inline bool output_words(napi_env env, napi_value reuse, size_t words, uint32_t** data, napi_value* result) {
  napi_valuetype type = napi_undefined;
  if (reuse != nullptr && !check(env, napi_typeof(env, reuse, &type))) return false;
  if (type != napi_undefined && type != napi_null) {
    Matrix m;
    if (!get_u32_array(env, reuse, &m)) return false;
    if (m.length != words) {
      napi_throw_range_error(env, nullptr, "the output buffer has the wrong length");
      return false;
    }
    *data = m.data;
    *result = reuse;
    return true;
  }
  napi_value buffer;
  void* out = nullptr;
  if (!check(env, create_output(env, words * 4, &out, &buffer))) return false;
  *data = static_cast<uint32_t*>(out);
  return check(env, napi_create_typedarray(env, napi_uint32_array, words, buffer, 0, result));
}

inline bool get_u32_array(napi_env env, napi_value v, Matrix* m) {
  bool is_typed = false;
  if (!check(env, napi_is_typedarray(env, v, &is_typed))) return false;
  if (!is_typed) {
    napi_throw_type_error(env, nullptr, "expected a Uint32Array");
    return false;
  }
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  napi_value buffer;
  size_t offset = 0;
  if (!check(env, napi_get_typedarray_info(env, v, &type, &length, &data, &buffer, &offset))) return false;
  if (type != napi_uint32_array) {
    napi_throw_type_error(env, nullptr, "expected a Uint32Array");
    return false;
  }
  m->data = static_cast<uint32_t*>(data);
  m->length = length;
  return true;
}

inline bool get_u32(napi_env env, napi_value v, uint32_t* out) { return check(env, napi_get_value_uint32(env, v, out)); }

// A typed array of the one type `want` (its elements T), read only; a TypeError naming `what` otherwise.
template <typename T>
inline bool get_typed_array(napi_env env, napi_value v, napi_typedarray_type want, const char* what, const T** data, size_t* length) {
  bool is_typed = false;
  if (!check(env, napi_is_typedarray(env, v, &is_typed))) return false;
  napi_typedarray_type type = napi_uint8_array;
  void* p = nullptr;
  napi_value buffer;
  size_t offset = 0;
  if (is_typed && !check(env, napi_get_typedarray_info(env, v, &type, length, &p, &buffer, &offset))) return false;
  if (!is_typed || type != want) {
    napi_throw_type_error(env, nullptr, what);
    return false;
  }
  *data = static_cast<const T*>(p);
  return true;
}

inline bool get_i32_array(napi_env env, napi_value v, const int32_t** data, size_t* length) {
  return get_typed_array(env, v, napi_int32_array, "expected an Int32Array", data, length);
}

// A Uint32Array, or null (data = nullptr, length 0).
inline bool get_optional_u32_array(napi_env env, napi_value v, const uint32_t** data, size_t* length) {
  napi_valuetype t;
  if (!check(env, napi_typeof(env, v, &t))) return false;
  if (t == napi_null) {
    *data = nullptr;
    *length = 0;
    return true;
  }
  Matrix m;
  if (!get_u32_array(env, v, &m)) return false;
  *data = m.data;
  *length = m.length;
  return true;
}

// (values, width): height = length / width, a power of two; every element canonical.
inline bool get_matrix(napi_env env, napi_value* argv, Matrix* m, size_t* height, size_t* width) {
  uint32_t w = 0;
  if (!get_u32_array(env, argv[0], m) || !get_u32(env, argv[1], &w)) return false;
  if (w == 0 || m->length % w != 0) {
    napi_throw_range_error(env, nullptr, "the array is not a whole number of rows of the given width");
    return false;
  }
  size_t h = m->length / w;
  if (h == 0 || (h & (h - 1)) != 0 || h > (size_t{1} << zpol::TWO_ADICITY)) {
    napi_throw_range_error(env, nullptr, "the height must be a power of two up to 2^27");
    return false;
  }
  for (size_t i = 0; i < m->length; i++) {
    if (m->data[i] >= zpol::P) {
      napi_throw_range_error(env, nullptr, "an element is not a canonical BabyBear value");
      return false;
    }
  }
  *height = h;
  *width = w;
  return true;
}

// Reads `want` arguments into argv; a TypeError when fewer were passed.
// At least `want` arguments into argv (room for `room` >= want; those past the ones given stay as they were).
inline bool get_args(napi_env env, napi_callback_info info, size_t want, napi_value* argv, size_t room = 0) {
  size_t argc = room > want ? room : want;
  if (!check(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr))) return false;
  if (argc < want) {
    napi_throw_type_error(env, nullptr, "missing arguments");
    return false;
  }
  return true;
}

// A coset shift: a nonzero canonical element.
inline bool get_shift(napi_env env, napi_value v, uint32_t* shift) {
  if (!get_u32(env, v, shift)) return false;
  if (*shift == 0 || *shift >= zpol::P) {
    napi_throw_range_error(env, nullptr, "the coset shift must be a nonzero canonical element");
    return false;
  }
  return true;
}

// The loaded CUDA library, or null with a JavaScript error thrown.
inline const zpol::CudaApi* need_cuda(napi_env env) {
  const zpol::CudaApi* api = zpol::cuda_api();
  if (!api) napi_throw_error(env, nullptr, "cuda: the CUDA library is not loaded");
  return api;
}

// True when a CUDA call succeeded; else throws "cuda: <error name>".
inline bool cuda_ok(napi_env env, int e) {
  if (e == 0) return true;
  const std::string message = std::string("cuda: ") + zpol::cuda_api()->error_name(e);
  napi_throw_error(env, nullptr, message.c_str());
  return false;
}

inline napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

// Registers addon-kernels.cc's functions (the fused LDE, the vector level, the DEEP quotient) on exports.
void define_kernel_functions(napi_env env, napi_value exports);

}  // namespace zpol_napi
