// Fiber scheduler behind cuda_emu.h, plus the C entry points the Java test backend binds with JNA.
#include <ucontext.h>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>
#include <functional>
#include <map>
#include <stdexcept>
#include "cuda_emu.h"

namespace emu {
namespace {
struct Fiber { ucontext_t ctx; Dim tid; bool done; };
struct Warp { long gen = 0; int count = 0; uint64_t vals[32]; uint64_t snap[32]; const char* ops[32]; };
struct Run {
    Dim grid{}, block{}, bidx{};
    int nthreads = 0, current = 0;
    std::vector<Fiber> fibers;
    ucontext_t sched;
    long barGen = 0; int barCount = 0;
    Warp warps[32];
    long progress = 0;
    std::function<void()> body;
    std::string error;
};
Run* g = nullptr;
const size_t STACK = 256 * 1024;
std::vector<char*> stacks;

void yield_() { swapcontext(&g->fibers[g->current].ctx, &g->sched); }
void fail(const std::string& m) { if (g->error.empty()) g->error = m; }
void entry() { g->body(); g->fibers[g->current].done = true; g->progress++; }
}  // namespace

Dim& thread_idx() { return g->fibers[g->current].tid; }
Dim& block_idx() { return g->bidx; }
Dim& block_dim() { return g->block; }
Dim& grid_dim() { return g->grid; }
int lane() { return g->current & 31; }

void syncthreads() {
    long gen = g->barGen;
    g->progress++;
    if (++g->barCount == g->nthreads) { g->barCount = 0; g->barGen++; return; }
    while (g->barGen == gen) yield_();
}

const uint64_t* warp_exchange(uint64_t v, unsigned mask, const char* op) {
    if (mask != 0xffffffffu) fail(std::string("warp intrinsic ") + op + " with a partial mask");
    Warp& w = g->warps[g->current >> 5];
    int l = g->current & 31;
    long gen = w.gen;
    w.vals[l] = v; w.ops[l] = op; g->progress++;
    if (++w.count == 32) {
        for (int j = 0; j < 32; ++j) if (w.ops[j] != op) fail(std::string("warp diverged: ") + op + " vs " + w.ops[j]);
        std::memcpy(w.snap, w.vals, sizeof w.snap);
        w.count = 0; w.gen++;
    } else {
        while (w.gen == gen) yield_();
    }
    return w.snap;
}

// Runs grid x block threads of body; returns an error message or "".
std::string launch(Dim grid, Dim block, const std::function<void()>& body) {
    Run run;
    g = &run;
    run.grid = grid; run.block = block; run.body = body;
    run.nthreads = block.x * block.y * block.z;
    if (run.nthreads % 32 != 0 || run.nthreads > 1024) return "block size must be a multiple of 32, at most 1024";
    while ((int)stacks.size() < run.nthreads) stacks.push_back(static_cast<char*>(std::malloc(STACK)));
    run.fibers.resize(run.nthreads);
    for (unsigned bz = 0; bz < grid.z; ++bz) for (unsigned by = 0; by < grid.y; ++by) for (unsigned bx = 0; bx < grid.x; ++bx) {
        run.bidx = Dim{bx, by, bz};
        run.barGen = 0; run.barCount = 0;
        for (auto& w : run.warps) { w.count = 0; w.gen = 0; }
        for (int t = 0; t < run.nthreads; ++t) {
            Fiber& f = run.fibers[t];
            f.tid = Dim{(unsigned)(t % block.x), (unsigned)((t / block.x) % block.y), (unsigned)(t / (block.x * block.y))};
            f.done = false;
            getcontext(&f.ctx);
            f.ctx.uc_stack.ss_sp = stacks[t];
            f.ctx.uc_stack.ss_size = STACK;
            f.ctx.uc_link = &run.sched;
            makecontext(&f.ctx, entry, 0);
        }
        while (true) {
            long before = run.progress;
            bool all = true;
            for (int t = 0; t < run.nthreads; ++t) {
                if (run.fibers[t].done) continue;
                run.current = t;
                swapcontext(&run.sched, &run.fibers[t].ctx);
                if (!run.fibers[t].done) all = false;
            }
            if (!run.error.empty()) { g = nullptr; return run.error + " (block " + std::to_string(bx) + "," + std::to_string(by) + ")"; }
            if (all) break;
            if (run.progress == before) {
                int done = 0;
                for (auto& f : run.fibers) done += f.done;
                g = nullptr;
                return "deadlock in block (" + std::to_string(bx) + "," + std::to_string(by) + "): " + std::to_string(done)
                        + " of " + std::to_string(run.nthreads) + " threads finished, the rest wait at a barrier or warp intrinsic";
            }
        }
    }
    g = nullptr;
    return "";
}
}  // namespace emu
