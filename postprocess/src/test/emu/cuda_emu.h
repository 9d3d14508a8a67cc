// A small CPU emulation of the CUDA features the postprocess kernels use, for tests on machines
// without a GPU (build-emu.sh). Each block's threads run as fibers on one OS thread; __syncthreads
// and the *_sync warp intrinsics are rendezvous points, and a rendezvous that cannot complete
// (divergent barrier, a warp intrinsic reached by only some lanes, different intrinsics in one warp)
// is reported as an error instead of hanging. Not emulated: memory-model races between blocks
// (blocks run one after another) and uninitialised shared memory (statics persist across blocks).
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __shared__ static

struct float4 { float x, y, z, w; };
inline float4 make_float4(float x, float y, float z, float w) { return float4{x, y, z, w}; }

namespace emu {
struct Dim { unsigned x, y, z; };
Dim& thread_idx();
Dim& block_idx();
Dim& block_dim();
Dim& grid_dim();
void syncthreads();
const uint64_t* warp_exchange(uint64_t v, unsigned mask, const char* op);
int lane();
template <typename T> inline uint64_t bits(T v) { uint64_t u = 0; std::memcpy(&u, &v, sizeof(T)); return u; }
template <typename T> inline T unbits(uint64_t u) { T v; std::memcpy(&v, &u, sizeof(T)); return v; }
}  // namespace emu

#define threadIdx (emu::thread_idx())
#define blockIdx (emu::block_idx())
#define blockDim (emu::block_dim())
#define gridDim (emu::grid_dim())

inline void __syncthreads() { emu::syncthreads(); }

inline unsigned int __float_as_uint(float f) { return emu::unbits<unsigned int>(emu::bits(f)); }
inline float __uint_as_float(unsigned int u) { return emu::unbits<float>(emu::bits(u)); }
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __fdiv_rn(float a, float b) { return a / b; }
inline int __ffs(unsigned int x) { return __builtin_ffs((int)x); }
inline int __ffsll(long long x) { return __builtin_ffsll(x); }
inline int __popc(unsigned int x) { return __builtin_popcount(x); }
inline int __popcll(unsigned long long x) { return __builtin_popcountll(x); }
inline int min(int a, int b) { return a < b ? a : b; }
inline int max(int a, int b) { return a > b ? a : b; }

// One OS thread runs all fibers cooperatively, so plain read-modify-write is atomic here.
inline unsigned int atomicAdd(unsigned int* p, unsigned int v) { unsigned int o = *p; *p = o + v; return o; }
inline int atomicAdd(int* p, int v) { int o = *p; *p = o + v; return o; }
inline int atomicOr(int* p, int v) { int o = *p; *p = o | v; return o; }
inline int atomicMin(int* p, int v) { int o = *p; if (v < o) *p = v; return o; }

template <typename T> inline T __shfl_sync(unsigned mask, T v, int src) {
    const uint64_t* s = emu::warp_exchange(emu::bits(v), mask, "shfl");
    return emu::unbits<T>(s[src & 31]);
}
template <typename T> inline T __shfl_up_sync(unsigned mask, T v, unsigned delta) {
    const uint64_t* s = emu::warp_exchange(emu::bits(v), mask, "shfl_up");
    int l = emu::lane();
    return l >= (int)delta ? emu::unbits<T>(s[l - delta]) : v;
}
inline unsigned __ballot_sync(unsigned mask, int pred) {
    const uint64_t* s = emu::warp_exchange(pred ? 1u : 0u, mask, "ballot");
    unsigned r = 0;
    for (int j = 0; j < 32; ++j) if (s[j]) r |= 1u << j;
    return r;
}
inline unsigned __match_any_sync(unsigned mask, unsigned v) {
    const uint64_t* s = emu::warp_exchange(v, mask, "match_any");
    unsigned r = 0;
    for (int j = 0; j < 32; ++j) if ((unsigned)s[j] == v) r |= 1u << j;
    return r;
}
