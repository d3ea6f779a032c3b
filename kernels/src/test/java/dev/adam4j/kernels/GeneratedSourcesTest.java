package dev.adam4j.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The checked-in f64 kernels are exactly what {@link F64Generator} makes of the f32 ones. */
class GeneratedSourcesTest {

    @Test
    void f64KernelsAreGeneratedFromTheF32Ones() throws IOException {
        for (Path[] pair : F64Generator.PAIRS) {
            String expected = F64Generator.generate(Files.readString(pair[0]), pair[0].getFileName().toString());
            assertEquals(expected, Files.readString(pair[1]),
                    pair[1] + " is stale: run 'java src/test/java/dev/adam4j/kernels/F64Generator.java' in kernels/");
        }
    }
}
