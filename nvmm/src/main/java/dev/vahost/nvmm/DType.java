package dev.vahost.nvmm;

/** Element types of device tensors. */
public enum DType {
    U8(1), I8(1), F16(2), F32(4), I32(4), I64(8);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    public int bytes() {
        return bytes;
    }
}
