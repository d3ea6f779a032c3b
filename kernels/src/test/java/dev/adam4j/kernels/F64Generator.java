package dev.adam4j.kernels;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Generates the f64 kernels from the hand-written f32 ones, so the specification and the vector
 * loops have one source of truth. The substitution is purely lexical: {@code float → double},
 * {@code Float → Double}, {@code FLOAT → DOUBLE}, {@code F32 → F64}, {@code f32 → f64}. The f32
 * files therefore avoid those letter sequences where they would not be meant (they say
 * "binary32" in prose). {@code GeneratedSourcesTest} fails when a checked-in f64 file differs from
 * what this produces.
 *
 * <p>Regenerate after editing an f32 kernel, from the {@code kernels} folder, with any JDK ≥ 25:
 * <pre>  java src/test/java/dev/adam4j/kernels/F64Generator.java</pre>
 */
public final class F64Generator {
    private F64Generator() {}

    static final Path MAIN = Path.of("src/main/java/dev/adam4j/kernels/internal");

    /** (f32 template, generated f64 file), relative to the kernels module. */
    static final List<Path[]> PAIRS = List.of(
            new Path[] {MAIN.resolve("AdamF32.java"), MAIN.resolve("AdamF64.java")},
            new Path[] {MAIN.resolve("ScalarAdamF32.java"), MAIN.resolve("ScalarAdamF64.java")},
            new Path[] {MAIN.resolve("vector/PanamaAdamF32.java"), MAIN.resolve("vector/PanamaAdamF64.java")});

    static String generate(String template, String templateName) {
        String body = template
                .replaceAll("\\bfloat\\b", "double")
                .replace("Float", "Double")
                .replace("FLOAT", "DOUBLE")
                .replace("F32", "F64")
                .replace("f32", "f64");
        return "// GENERATED from " + templateName + " by F64Generator (kernels/src/test): do not edit.\n" + body;
    }

    public static void main(String[] args) throws IOException {
        for (Path[] pair : PAIRS) {
            String out = generate(Files.readString(pair[0]), pair[0].getFileName().toString());
            Files.writeString(pair[1], out);
            System.out.println("wrote " + pair[1]);
        }
    }
}
