package dev.adam4j.optim.checkpoint;

import java.io.IOException;

/**
 * The one exception a checkpoint load or save throws for any problem: an unreadable file, a header
 * that breaks the safetensors specification, a tensor that does not fit the optimizer. The message
 * names the tensor or field. When a load throws it, the optimizer (and its parameters) are exactly as
 * before; when a save throws it, the previous checkpoint file is intact.
 */
public final class CheckpointException extends IOException {
    private static final long serialVersionUID = 1L;

    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
