package dev.adam4j.distributed;

/**
 * A collective operation failed: a peer died, never arrived, or the engine reported an error. The
 * group it happened on is unusable afterwards.
 */
public class CollectiveException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CollectiveException(String message) {
        super(message);
    }

    public CollectiveException(String message, Throwable cause) {
        super(message, cause);
    }
}
