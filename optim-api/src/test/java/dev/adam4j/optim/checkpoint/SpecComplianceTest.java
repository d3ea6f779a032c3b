package dev.adam4j.optim.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.adam4j.kernels.Precision;
import dev.adam4j.optim.AdamOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A strict reading of the safetensors specification, written independently of SafetensorsFile,
 * applied to files adam4j writes.
 */
class SpecComplianceTest {
    @TempDir
    Path dir;

    static final Set<String> SPEC_DTYPES = Set.of("BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16",
            "I32", "U32", "F32", "F64", "I64", "U64");

    record Info(String dtype, List<Long> shape, long begin, long end) {}

    @Test
    void writtenFilesFollowTheSpecification() throws IOException {
        for (Precision p : new Precision[] {Precision.F32, Precision.F64}) {
            for (Dtype stateDtype : new Dtype[] {null, Dtype.BF16, Dtype.F16, Dtype.F64}) {
                Trained t = new Trained(p, true, AdamOptions.of().amsgrad(true).weightDecay(0.1), 9).steps(3);
                Path f = dir.resolve("spec-" + p + "-" + stateDtype + ".safetensors");
                Checkpoint.save(t.opt, f, Checkpoint.SaveOptions.defaults().withParams(true).withStateDtype(stateDtype));
                check(Files.readAllBytes(f), stateDtype == null ? (p == Precision.F32 ? "F32" : "F64") : stateDtype.name());
            }
        }
    }

    private void check(byte[] file, String momentDtype) throws IOException {
        long n = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertTrue(n > 0 && n <= 100_000_000L && 8 + n <= file.length, "header length " + n);
        assertEquals(0, (8 + n) % 8, "the byte buffer starts 8-byte aligned");
        String header = new String(file, 8, (int) n, StandardCharsets.UTF_8);
        assertEquals('{', header.charAt(0));
        String json = header.stripTrailing();
        assertTrue(header.substring(json.length()).chars().allMatch(ch -> ch == ' '), "padding is spaces only");
        JsonFactory strict = JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
        Map<String, Info> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        try (JsonParser jp = strict.createParser(json)) {
            assertEquals(JsonToken.START_OBJECT, jp.nextToken());
            while (jp.nextToken() == JsonToken.FIELD_NAME) {
                String key = jp.currentName();
                assertEquals(JsonToken.START_OBJECT, jp.nextToken());
                if (key.equals("__metadata__")) {
                    while (jp.nextToken() == JsonToken.FIELD_NAME) {
                        String mk = jp.currentName();
                        assertEquals(JsonToken.VALUE_STRING, jp.nextToken(), "metadata values are strings");
                        metadata.put(mk, jp.getText());
                    }
                    continue;
                }
                String dtype = null;
                List<Long> shape = new ArrayList<>(), off = new ArrayList<>();
                while (jp.nextToken() == JsonToken.FIELD_NAME) {
                    String field = jp.currentName();
                    JsonToken v = jp.nextToken();
                    switch (field) {
                        case "dtype" -> dtype = jp.getText();
                        case "shape" -> { while (jp.nextToken() != JsonToken.END_ARRAY) shape.add(jp.getLongValue()); }
                        case "data_offsets" -> { while (jp.nextToken() != JsonToken.END_ARRAY) off.add(jp.getLongValue()); }
                        default -> throw new AssertionError("unknown field " + field + " " + v);
                    }
                }
                assertTrue(SPEC_DTYPES.contains(dtype), dtype);
                assertEquals(2, off.size());
                tensors.put(key, new Info(dtype, shape, off.get(0), off.get(1)));
            }
            assertEquals(null, jp.nextToken());
        }
        // offsets: relative to the buffer, contiguous, no holes, sized by shape × dtype
        long dataSize = file.length - 8 - n;
        List<Info> sorted = new ArrayList<>(tensors.values());
        sorted.sort(Comparator.comparingLong(Info::begin));
        long at = 0;
        for (Info i : sorted) {
            assertEquals(at, i.begin());
            long count = i.shape().stream().reduce(1L, (a, b) -> a * b);
            int size = i.dtype().equals("F64") || i.dtype().equals("I64") ? 8 : i.dtype().endsWith("16") ? 2 : 4;
            assertEquals(count * size, i.end() - i.begin());
            at = i.end();
        }
        assertEquals(dataSize, at);
        // the key scheme and metadata of the issue
        assertEquals("pt", metadata.get("format"));
        assertEquals(Checkpoint.SCHEMA, metadata.get("adam4j.schema"));
        assertEquals("Adam", metadata.get("optimizer"));
        assertTrue(metadata.get("param_groups").startsWith("[{\"lr\":"), metadata.get("param_groups"));
        for (String k : List.of("\"betas\":[0.9,0.999]", "\"weight_decay\":0.1", "\"amsgrad\":true", "\"foreach\":null",
                "\"capturable\":false", "\"differentiable\":false", "\"fused\":null", "\"decoupled_weight_decay\":false",
                "\"params\":[0,1,2]", "\"param_names\":[\"fc.weight\",\"fc.bias\",\"out\"]")) {
            assertTrue(metadata.get("param_groups").contains(k), k + " in " + metadata.get("param_groups"));
        }
        assertEquals("[\"fc.weight\",\"fc.bias\",\"out\"]", metadata.get("param_names"));
        assertEquals(List.of(4L, 3L), tensors.get("state.0.exp_avg").shape());
        assertEquals(momentDtype, tensors.get("state.0.exp_avg").dtype());
        assertEquals(momentDtype, tensors.get("state.2.max_exp_avg_sq").dtype());
        assertEquals(List.of(), tensors.get("state.1.step").shape());
        assertEquals("I64", tensors.get("state.1.step").dtype());
        assertTrue(tensors.containsKey("fc.weight"));
    }
}
