package dev.adam4j.optim.checkpoint;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import java.io.IOException;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON of an extra state (a scheduler's or a gradient scaler's state dict) in a checkpoint's
 * metadata: objects, arrays, strings, booleans, null, integers (as {@code Long}) and doubles,
 * with infinities and NaN written as Python's {@code json} module writes them ({@code Infinity},
 * {@code -Infinity}, {@code NaN}), so PyTorch's own state dicts round-trip through Python too.
 */
final class ExtraStateJson {
    private ExtraStateJson() {}

    private static final int MAX_DEPTH = 32;
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .disable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
            .build();

    static String write(Map<String, ?> state, String key) throws CheckpointException {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(w)) {
            value(g, state, key, 0);
        } catch (IOException | IllegalArgumentException e) {
            throw new CheckpointException("extra state '" + key + "': " + e.getMessage(), e);
        }
        return w.toString();
    }

    private static void value(JsonGenerator g, Object v, String where, int depth) throws IOException {
        if (depth > MAX_DEPTH) throw new IllegalArgumentException(where + " nests deeper than " + MAX_DEPTH);
        switch (v) {
            case null -> g.writeNull();
            case Boolean b -> g.writeBoolean(b);
            case Double d -> g.writeNumber(d);
            case Float f -> g.writeNumber(f.doubleValue());
            case Long l -> g.writeNumber(l);
            case Integer i -> g.writeNumber(i.longValue());
            case String s -> g.writeString(s);
            case Map<?, ?> m -> {
                g.writeStartObject();
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (!(e.getKey() instanceof String k)) throw new IllegalArgumentException(where + " has a non-string key " + e.getKey());
                    g.writeFieldName(k);
                    value(g, e.getValue(), where + "." + k, depth + 1);
                }
                g.writeEndObject();
            }
            case List<?> l -> {
                g.writeStartArray();
                for (int i = 0; i < l.size(); i++) value(g, l.get(i), where + "[" + i + "]", depth + 1);
                g.writeEndArray();
            }
            default -> throw new IllegalArgumentException(where + " holds a " + v.getClass().getName() + ", which has no JSON form");
        }
    }

    static Map<String, Object> read(String json, String where) throws CheckpointException {
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw new CheckpointException(where + " is not a JSON object");
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) read(p, JsonToken.START_OBJECT);
            if (p.nextToken() != null) throw new CheckpointException(where + " has text after its object");
            return m;
        } catch (CheckpointException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException(where + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    /** The value that starts with token {@code t}: scalars, lists, objects (no duplicate keys). */
    static Object read(JsonParser p, JsonToken t) throws IOException {
        return switch (t) {
            case VALUE_NUMBER_INT -> p.getLongValue();
            case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
            case VALUE_STRING -> p.getText();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> null;
            case START_ARRAY -> {
                List<Object> l = new ArrayList<>();
                for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) l.add(read(p, e));
                yield l;
            }
            case START_OBJECT -> {
                Map<String, Object> m = new LinkedHashMap<>();
                for (JsonToken f = p.nextToken(); f != JsonToken.END_OBJECT; f = p.nextToken()) {
                    String k = p.currentName();
                    if (m.containsKey(k)) throw new IOException("duplicate key '" + k + "'");
                    m.put(k, read(p, p.nextToken()));
                }
                yield m;
            }
            default -> throw new IOException("unexpected " + t);
        };
    }
}
