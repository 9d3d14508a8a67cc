package dev.vahost.inference;

/**
 * A well-formed ONNX model that this engine cannot run: an operator or attribute outside the
 * documented set (see the module README), an opset above 17 or IR version above 9, a dynamic
 * dimension other than the batch, tensors stored outside the file. The message names the node.
 */
public class UnsupportedModelException extends UnsupportedOperationException {
    private static final long serialVersionUID = 1L;

    public UnsupportedModelException(String message) {
        super(message);
    }
}
