package dev.adam4j.optim.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.adam4j.kernels.Precision;
import dev.adam4j.optim.AdamOptions;
import dev.adam4j.optim.ParamGroupSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Fuzzing the checkpoint loader. For every mutated file: either the load succeeds and the
 * optimizer holds exactly the saved state, or {@link CheckpointException} is thrown and the optimizer
 * and its parameters are bit-identical to before. Any other exception, or a hang, fails the property.
 * The number of cases is jqwik's default (10 000 here, see junit-platform.properties); raise it
 * with {@code -Djqwik.tries.default=N}.
 */
class CheckpointFuzzTest {
    static Path dir;
    static byte[] valid;
    static String savedFingerprint;
    static String untouchedFingerprint;

    @BeforeContainer
    static void makeValidCheckpoint() throws IOException {
        dir = Files.createTempDirectory("adam4j-fuzz");
        Trained saved = new Trained(Precision.F32, false, AdamOptions.of().amsgrad(true).weightDecay(0.01), 11).steps(3);
        Path f = dir.resolve("valid.safetensors");
        Checkpoint.save(saved.opt, f, Checkpoint.SaveOptions.defaults().withParams(true));
        valid = Files.readAllBytes(f);
        Trained probe = target();
        untouchedFingerprint = probe.fingerprint();
        Checkpoint.load(probe.opt, f, true);
        savedFingerprint = probe.fingerprint();
        assertEquals(saved.fingerprint(), savedFingerprint, "the unmutated file loads to the saved state");
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) Files.delete(p);
        }
        Files.delete(dir);
    }

    /** An optimizer of the same shape as the saved one, in another state (other values, other steps). */
    static Trained target() {
        Trained t = new Trained(Precision.F32, false, AdamOptions.of().lr(0.5), 99).steps(1);
        return t;
    }

    /** {@code sealed}: the checksum was recomputed, so the result is a different valid file, not a corruption. */
    record Mutation(String name, UnaryOperator<byte[]> apply) {
        @Override
        public String toString() {
            return name;
        }
    }

    @Property
    void everyMutatedFileLoadsExactlyOrFailsCleanly(@ForAll("mutations") Mutation m) throws IOException {
        byte[] bytes = m.apply().apply(valid.clone());
        Path f = Files.createTempFile(dir, "case", ".safetensors");
        Files.write(f, bytes);
        Trained t = target();
        try {
            Checkpoint.load(t.opt, f, true);
            net.jqwik.api.statistics.Statistics.collect(kind(m), "loaded");
            if (carriesOriginalChecksum(bytes)) {
                // a corruption that still verifies can only be harmless: exactly the saved state
                assertEquals(savedFingerprint, t.fingerprint(), "a successful load must give exactly the saved state: " + m);
            } else {
                // a different, well-formed file: the optimizer must now hold exactly what it says
                assertHoldsWhatTheFileSays(t, f, m);
            }
        } catch (CheckpointException e) {
            net.jqwik.api.statistics.Statistics.collect(kind(m), "rejected");
            assertEquals(untouchedFingerprint, t.fingerprint(), "a failed load must change nothing: " + m + ": " + e.getMessage());
        } finally {
            Files.delete(f);
        }
    }

    static String kind(Mutation m) {
        return m.name().replaceAll(" -?\\d+$", "");
    }

    /** Whether the file's checksum field is the one of the unmutated file (it was not resealed). */
    static boolean carriesOriginalChecksum(byte[] b) {
        String original = header(valid);
        int at = original.indexOf("\"adam4j.crc32c\":\"") + 17;
        String digits = original.substring(at, at + 8);
        try {
            return header(b).contains("\"adam4j.crc32c\":\"" + digits + "\"");
        } catch (RuntimeException e) {
            return true; // the header is unreadable: it cannot have loaded anyway
        }
    }

    /** Re-saves the optimizer and compares every tensor and every group value with the loaded file. */
    static void assertHoldsWhatTheFileSays(Trained t, Path loaded, Mutation m) throws IOException {
        Path again = Files.createTempFile(dir, "again", ".safetensors");
        Checkpoint.save(t.opt, again, Checkpoint.SaveOptions.defaults().withParams(true));
        try (SafetensorsFile a = SafetensorsFile.open(loaded); SafetensorsFile b = SafetensorsFile.open(again)) {
            assertEquals(a.tensors().keySet(), b.tensors().keySet(), m + ": tensor names");
            for (SafetensorsFile.Tensor ta : a.tensors().values()) {
                SafetensorsFile.Tensor tb = b.tensors().get(ta.name());
                assertEquals(java.util.Arrays.toString(ta.shape()), java.util.Arrays.toString(tb.shape()), m + ": " + ta.name());
                for (long i = 0; i < ta.elementCount(); i++) {
                    double va = SafetensorsFile.element(a.bytes(ta), ta.dtype(), i, Precision.F32);
                    double vb = SafetensorsFile.element(b.bytes(tb), tb.dtype(), i, Precision.F32);
                    float fa = (float) va;
                    if (ta.dtype() == Dtype.I64) assertEquals(va, vb, 0.0, m + ": " + ta.name());
                    else assertEquals(Float.floatToIntBits(fa), Float.floatToIntBits((float) vb), m + ": " + ta.name() + "[" + i + "]");
                }
            }
            var ga = Checkpoint.parseGroups(a.metadata().get("param_groups"), loaded);
            var gb = Checkpoint.parseGroups(b.metadata().get("param_groups"), again);
            for (int i = 0; i < ga.size(); i++) {
                for (var e : ga.get(i).options().entrySet()) {
                    if (List.of("foreach", "capturable", "differentiable", "fused").contains(e.getKey())) continue;
                    assertEquals(normalize(e.getValue()), normalize(gb.get(i).options().get(e.getKey())), m + ": group " + i + " " + e.getKey());
                }
            }
        } finally {
            Files.delete(again);
        }
    }

    static Object normalize(Object v) {
        if (v instanceof Number n) return n.doubleValue();
        if (v instanceof List<?> l) return l.stream().map(CheckpointFuzzTest::normalize).toList();
        return v;
    }

    // ------------------------------------------------------------------ mutations

    @Provide
    Arbitrary<Mutation> mutations() {
        Arbitrary<Long> seeds = Arbitraries.longs();
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(1, Arbitraries.just(new Mutation("none", b -> b))),
                net.jqwik.api.Tuple.of(10, seeds.map(s -> new Mutation("truncate " + s, b -> truncate(b, s)))),
                net.jqwik.api.Tuple.of(15, seeds.map(s -> new Mutation("flip a bit anywhere " + s, b -> flip(b, s, b.length)))),
                net.jqwik.api.Tuple.of(15, seeds.map(s -> new Mutation("flip a bit in the header " + s, b -> flip(b, s, 8 + headerLength(b))))),
                net.jqwik.api.Tuple.of(10, seeds.map(s -> new Mutation("header length " + s, b -> headerLengthField(b, s)))),
                net.jqwik.api.Tuple.of(15, seeds.map(s -> new Mutation("edit a JSON character " + s, b -> editJson(b, s)))),
                net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(1, 200_000).map(d -> new Mutation("nesting " + d, b -> nested(b, d)))),
                net.jqwik.api.Tuple.of(30, seeds.map(s -> new Mutation("structured edit " + s, b -> structured(b, s)))));
    }

    static int headerLength(byte[] b) {
        return (int) ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    static String header(byte[] b) {
        return new String(b, 8, headerLength(b), StandardCharsets.UTF_8);
    }

    /** The file with {@code header} (padded with spaces to keep 8-byte alignment) and the old data. */
    static byte[] withHeader(byte[] b, String header) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        int padded = (h.length + 7) & ~7;
        int dataStart = 8 + headerLength(b);
        byte[] out = new byte[8 + padded + (b.length - dataStart)];
        ByteBuffer.wrap(out, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
        System.arraycopy(h, 0, out, 8, h.length);
        for (int i = 8 + h.length; i < 8 + padded; i++) out[i] = ' ';
        System.arraycopy(b, dataStart, out, 8 + padded, b.length - dataStart);
        return out;
    }

    /** Recomputes the checksum so that the loader's deeper checks see the mutation. */
    static byte[] reseal(byte[] b) {
        try {
            int n = headerLength(b);
            byte[] h = java.util.Arrays.copyOfRange(b, 8, 8 + n);
            int at = SafetensorsWriter.checksumDigits(h);
            for (int i = 0; i < 8; i++) b[8 + at + i] = '0';
            CRC32C crc = new CRC32C();
            crc.update(b, 0, b.length);
            byte[] hex = String.format("%08x", crc.getValue()).getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(hex, 0, b, 8 + at, 8);
            return b;
        } catch (CheckpointException e) {
            return b; // the checksum field itself was destroyed: leave the file as it is
        }
    }

    static byte[] truncate(byte[] b, long seed) {
        return java.util.Arrays.copyOf(b, new SplittableRandom(seed).nextInt(b.length));
    }

    static byte[] flip(byte[] b, long seed, int within) {
        SplittableRandom r = new SplittableRandom(seed);
        int i = r.nextInt(Math.max(1, Math.min(within, b.length)));
        b[i] ^= (byte) (1 << r.nextInt(8));
        return b;
    }

    static byte[] headerLengthField(byte[] b, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        long n = headerLength(b);
        long[] choices = {0, 1, 7, n - 1, n + 1, n + 8, -1, Long.MIN_VALUE, 1L << 40, 100_000_001, b.length, r.nextLong()};
        ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(choices[r.nextInt(choices.length)]);
        return b;
    }

    static byte[] editJson(byte[] b, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        String h = header(b).stripTrailing();
        int i = r.nextInt(h.length());
        String alphabet = "{}[]\",:0123456789.-eE aFTnul\\\u00e9\u0000";
        char c = alphabet.charAt(r.nextInt(alphabet.length()));
        String edited = switch (r.nextInt(3)) {
            case 0 -> h.substring(0, i) + h.substring(i + 1);
            case 1 -> h.substring(0, i) + c + h.substring(i);
            default -> h.substring(0, i) + c + h.substring(i + 1);
        };
        byte[] out = withHeader(b, edited);
        return r.nextBoolean() ? reseal(out) : out;
    }

    static byte[] nested(byte[] b, int depth) {
        StringBuilder sb = new StringBuilder("{\"x\":");
        sb.append("[".repeat(depth)).append("]".repeat(depth)).append('}');
        return withHeader(b, sb.toString());
    }

    private static final Pattern OFFSETS = Pattern.compile("\"data_offsets\":\\[(\\d+),(\\d+)\\]");
    private static final Pattern DTYPE = Pattern.compile("\"dtype\":\"(\\w+)\"");
    private static final Pattern SHAPE = Pattern.compile("\"shape\":\\[([0-9,]*)\\]");
    private static final Pattern TENSOR = Pattern.compile("\"([\\w.]+)\":\\{\"dtype\"[^}]*\\},?");

    /** Meaningful edits of the header, resealed half of the time. */
    static byte[] structured(byte[] b, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        String h = header(b).stripTrailing();
        String edited = switch (r.nextInt(12)) {
            case 0 -> replaceNth(h, OFFSETS, r, m -> "\"data_offsets\":[" + m.group(2) + "," + m.group(1) + "]"); // reversed
            case 1 -> replaceNth(h, OFFSETS, r, m -> "\"data_offsets\":[" + (Long.parseLong(m.group(1)) + 4) + ","
                    + (Long.parseLong(m.group(2)) + 4) + "]"); // shifted: overlap or out of range
            case 2 -> replaceNth(h, OFFSETS, r, m -> "\"data_offsets\":[0," + (Long.parseLong(m.group(2)) - Long.parseLong(m.group(1))) + "]");
            case 3 -> replaceNth(h, DTYPE, r, m -> "\"dtype\":\"" + List.of("U8", "F16", "BF16", "F64", "I64", "F32", "BOOL", "f32").get(r.nextInt(8)) + "\"");
            case 4 -> replaceNth(h, SHAPE, r, m -> "\"shape\":[" + r.nextInt(0, 20) + "]");
            case 5 -> replaceNth(h, SHAPE, r, m -> "\"shape\":[" + m.group(1) + (m.group(1).isEmpty() ? "" : ",") + "1]");
            case 6 -> replaceNth(h, TENSOR, r, m -> ""); // a missing key (and a hole)
            case 7 -> h.replaceFirst("\\{", "{\"extra.tensor\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},");
            case 8 -> h.replace("adam4j-optimizer/1", List.of("adam4j-optimizer/2", "", "x").get(r.nextInt(3)));
            case 9 -> h.replace("\"optimizer\":\"Adam\"", "\"optimizer\":\"" + List.of("AdamW", "SGD", "").get(r.nextInt(3)) + "\"");
            case 10 -> {
                // edit inside the param_groups JSON string (escaped in the header)
                String[][] edits = {{"\\\"lr\\\":", "\\\"lr\\\":-"}, {"\\\"params\\\":[0", "\\\"params\\\":[7"},
                        {"\\\"amsgrad\\\":true", "\\\"amsgrad\\\":1"}, {"\\\"betas\\\":[0.9,", "\\\"betas\\\":["},
                        {"[{", "[[{"}, {"\\\"eps_mode\\\":\\\"pytorch\\\"", "\\\"eps_mode\\\":\\\"hat\\\""},
                        {"\\\"param_names\\\":[\\\"fc.weight\\\"", "\\\"param_names\\\":[\\\"fc.w\\\""},
                        {",\\\"maximize\\\":false", ""}};
                String[] e = edits[r.nextInt(edits.length)];
                yield h.replace(e[0], e[1]);
            }
            default -> h.replace("\"format\":\"pt\"", "\"format\":" + List.of("\"np\"", "1", "null").get(r.nextInt(3)));
        };
        byte[] out = withHeader(b, edited);
        return r.nextInt(4) == 0 ? out : reseal(out);
    }

    private static String replaceNth(String h, Pattern p, SplittableRandom r, java.util.function.Function<Matcher, String> with) {
        Matcher m = p.matcher(h);
        List<int[]> spans = new java.util.ArrayList<>();
        while (m.find()) spans.add(new int[] {m.start(), m.end()});
        if (spans.isEmpty()) return h;
        int[] s = spans.get(r.nextInt(spans.size()));
        Matcher one = p.matcher(h.substring(s[0], s[1]));
        if (!one.matches()) throw new UncheckedIOException(new IOException("pattern drift"));
        return h.substring(0, s[0]) + with.apply(one) + h.substring(s[1]);
    }

    /** Sanity: the structured edits really reach the deeper checks (not only the checksum). */
    @net.jqwik.api.Example
    void resealedEditsAreRejectedForTheirOwnReason() throws IOException {
        byte[] b = withHeader(valid.clone(), header(valid).stripTrailing().replace("\"dtype\":\"F32\"", "\"dtype\":\"U8\""));
        Path f = Files.createTempFile(dir, "sanity", ".safetensors");
        Files.write(f, reseal(b));
        Trained t = target();
        CheckpointException e = org.junit.jupiter.api.Assertions.assertThrows(CheckpointException.class, () -> Checkpoint.load(t.opt, f, true));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("dtype 'U8' is not one of"), e.getMessage());
        Files.delete(f);
        assertEquals(untouchedFingerprint, t.fingerprint());
        // and an addParamGroup afterwards still works: the optimizer is healthy
        t.opt.addParamGroup(ParamGroupSpec.of(List.of()));
    }
}
