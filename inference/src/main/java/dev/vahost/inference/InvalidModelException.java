package dev.vahost.inference;

/**
 * The model file is not a well-formed ONNX model (corrupt or truncated protobuf, a node that reads a
 * value nothing produces, inconsistent shapes), or an input does not match the model. The message
 * names the model and, where there is one, the node.
 */
public class InvalidModelException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public InvalidModelException(String message) {
        super(message);
    }

    public InvalidModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
