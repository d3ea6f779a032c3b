package dev.adam4j.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The checked-in generated kernels are exactly what their generators make: the f64 kernels from the
 * f32 ones ({@link F64Generator}), the 16-bit vector loops ({@link HalfLoopsGenerator}).
 */
class GeneratedSourcesTest {

    @Test
    void f64KernelsAreGeneratedFromTheF32Ones() throws IOException {
        for (Path[] pair : F64Generator.PAIRS) {
            String expected = F64Generator.generate(Files.readString(pair[0]), pair[0].getFileName().toString());
            assertEquals(expected, Files.readString(pair[1]),
                    pair[1] + " is stale: run 'java src/test/java/dev/adam4j/kernels/F64Generator.java' in kernels/");
        }
    }

    @Test
    void halfLoopsAreWhatTheGeneratorWrites() throws IOException {
        String current = Files.readString(HalfLoopsGenerator.TARGET);
        assertEquals(HalfLoopsGenerator.generate(current), current,
                HalfLoopsGenerator.TARGET + " is stale: run 'java src/test/java/dev/adam4j/kernels/HalfLoopsGenerator.java' in kernels/");
    }
}
