package dev.vahost.inference.internal;

/**
 * One operation of a {@link Plan} with every shape resolved for the plan's batch size. Value
 * operands are ids into the plan's value table; constants the step needs at plan time (weights,
 * index tables) are held directly. Shared by the CPU executor and the GPU planner.
 */
public sealed interface Step {
    /** The node this step implements, for error messages and profiles. */
    String node();

    /** 2-D convolution, NCHW, weights [K, C/groups, kh, kw], optional bias [K], fused activation. */
    record Conv(String node, int in, int out, int n, int c, int h, int w, int k, int oh, int ow, int kh, int kw,
                int sh, int sw, int pt, int pl, int dh, int dw, int groups, Tensor weight, Tensor bias,
                Act act, float alpha) implements Step {}

    /** y = act(x * scale[c] + shift[c]) over channel axis 1 (standalone BatchNormalization). */
    record Affine(String node, int in, int out, long outer, int channels, long inner, float[] scale, float[] shift)
            implements Step {}

    record Unary(String node, int in, int out, long numel, Act act, float alpha) implements Step {}

    enum BinOp { ADD, SUB, MUL, DIV }

    /**
     * out = a op b with numpy broadcasting. {@code shape} is the output shape; {@code aStrides} and
     * {@code bStrides} are the operands' element strides aligned to it (0 on broadcast dimensions).
     */
    record Binary(String node, BinOp op, int a, int b, int out, long[] shape, long[] aStrides, long[] bStrides)
            implements Step {}

    /**
     * A strided copy: for every index i of {@code shape}, out[outOffset + i·outStrides] =
     * in[inOffset + i·inStrides]. Transpose, Slice, one part of Split or Concat, Identity.
     */
    record Copy(String node, int in, int out, long[] shape, long inOffset, long[] inStrides, long outOffset,
                long[] outStrides) implements Step {}

    /** Several copies that together write one output (Concat) or read one input (Split). */
    record CopyGroup(String node, Copy[] parts) implements Step {}

    /** Same elements, new shape: an alias, no data movement. */
    record Reshape(String node, int in, int out) implements Step {}

    /** Max pooling, NCHW; padded positions never win. */
    record MaxPool(String node, int in, int out, int n, int c, int h, int w, int oh, int ow, int kh, int kw,
                   int sh, int sw, int pt, int pl, int dh, int dw) implements Step {}

    /** Nearest resize of the last two axes of a rank-4 tensor by index tables (source row per output row, column per column). */
    record Resize(String node, int in, int out, int n, int c, int h, int w, int oh, int ow, int[] rowIndex,
                  int[] colIndex) implements Step {}

    /** Softmax over a middle axis: [outer, axis, inner]. */
    record Softmax(String node, int in, int out, long outer, int axis, long inner) implements Step {}

    /**
     * Batched matrix product out[b] = alpha · op(A[b]) · op(B[b]) (+ beta · C broadcast to [M, N]):
     * A batch offsets {@code aOffsets[b]}, B's {@code bOffsets[b]} (elements), out contiguous [batch, M, N].
     * A row-major [M, K] (or [K, M] if transA), B [K, N] (or [N, K] if transB).
     */
    record MatMul(String node, int a, int b, int out, int batch, int m, int n, int k, boolean transA, boolean transB,
                  long[] aOffsets, long[] bOffsets, float alpha, int c, long[] cStrides, float beta) implements Step {}
}
