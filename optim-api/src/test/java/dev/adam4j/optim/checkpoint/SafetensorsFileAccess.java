package dev.adam4j.optim.checkpoint;

import java.nio.file.Path;
import java.util.Map;

/** Test access to a file's metadata. */
final class SafetensorsFileAccess {
    private SafetensorsFileAccess() {}

    static Map<String, String> metadata(Path f) throws CheckpointException {
        try (SafetensorsFile s = SafetensorsFile.open(f)) {
            return s.metadata();
        }
    }
}
