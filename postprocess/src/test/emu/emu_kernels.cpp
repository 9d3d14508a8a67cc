// The real kernel sources compiled for the CPU emulation, and a name -> kernel table whose
// launcher checks the argument count and kinds (0 = pointer/int64, 1 = int32, 2 = float32) that
// the Java side passes, like cuLaunchKernel would not.
#include <functional>
#include <map>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>
#include <cstring>
#include "cuda_emu.h"
#include "decode.cu"
#include "batched_nms.cu"

namespace emu { std::string launch(Dim grid, Dim block, const std::function<void()>& body); }

namespace {
template <typename A> constexpr int kind() {
    if (std::is_pointer<A>::value || std::is_same<A, long long>::value) return 0;
    if (std::is_same<A, float>::value) return 2;
    if (std::is_integral<A>::value && sizeof(A) == 4) return 1;
    return -1;
}
struct Entry { std::function<void(void**)> call; std::vector<int> kinds; };
template <typename... A, size_t... I>
void call_with(void (*f)(A...), void** a, std::index_sequence<I...>) { f(*reinterpret_cast<A*>(a[I])...); }
template <typename... A> Entry entry(void (*f)(A...)) {
    return Entry{[f](void** a) { call_with(f, a, std::index_sequence_for<A...>{}); }, {kind<A>()...}};
}
std::map<std::string, Entry>& table() {
    static std::map<std::string, Entry> t = {
#define K(n) {#n, entry(n)}
        K(decode_yolov8_f32), K(decode_yolov8_f16), K(decode_ssd_f32), K(decode_ssd_f16),
        K(decode_centernet_f32), K(decode_centernet_f16), K(decode_candidates_f32), K(decode_candidates_f16),
        K(decode_yolov5_f32), K(decode_yolov5_f16), K(decode_yolox_f32), K(decode_yolox_f16),
        K(decode_detr_f32), K(decode_detr_f16), K(decode_detectnet_v2_f32), K(decode_detectnet_v2_f16),
        K(nms_sort_segments), K(nms_iou_mask), K(nms_reduce_segments), K(nms_select_topk), K(nms_pack_results),
        K(nms_reset_state),
#undef K
    };
    return t;
}
}  // namespace

extern "C" int emu_launch(const char* name, int gx, int gy, int gz, int bx, int by, int bz, long long* slots,
                          const int* kinds, int nargs, char* err, int errLen) {
    auto fail = [&](const std::string& m) { std::snprintf(err, errLen, "%s: %s", name, m.c_str()); return 1; };
    auto it = table().find(name);
    if (it == table().end()) return fail("no such kernel");
    const Entry& e = it->second;
    if ((int)e.kinds.size() != nargs) return fail("takes " + std::to_string(e.kinds.size()) + " arguments, got " + std::to_string(nargs));
    for (int i = 0; i < nargs; ++i) {
        if (e.kinds[i] != kinds[i]) return fail("argument " + std::to_string(i) + " has kind " + std::to_string(kinds[i]) + ", kernel expects " + std::to_string(e.kinds[i]));
    }
    std::vector<void*> a(nargs);
    for (int i = 0; i < nargs; ++i) a[i] = &slots[i];  // ints and floats sit in the low 4 bytes (little-endian)
    std::string r = emu::launch(emu::Dim{(unsigned)gx, (unsigned)gy, (unsigned)gz}, emu::Dim{(unsigned)bx, (unsigned)by, (unsigned)bz},
                                [&]() { e.call(a.data()); });
    if (!r.empty()) return fail(r);
    return 0;
}
