package dev.adam4j.optim.checkpoint;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.adam4j.kernels.Precision;
import dev.adam4j.optim.DataBuffer;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A safetensors file opened for reading, validated against the specification before anything is
 * returned: an unsigned 64-bit little-endian header length that fits the file and the 100 MB cap;
 * a UTF-8 JSON object (duplicate keys, trailing bytes other than space padding, nesting deeper than a
 * few levels, unknown fields are errors); dtypes, shapes and {@code data_offsets} that agree with each
 * other and cover the byte buffer contiguously, without holes or overlaps. The byte buffer is mapped,
 * not read; nothing is allocated in proportion to what the header claims, only to what the file has.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** The specification's cap on the header. */
    public static final long MAX_HEADER_BYTES = 100L * 1000 * 1000;

    static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(64).maxNumberLength(40).maxStringLength((int) MAX_HEADER_BYTES).build())
            .build();

    /** One tensor's header entry; offsets are relative to the byte buffer. */
    public record Tensor(String name, Dtype dtype, long[] shape, long begin, long end) {
        public long elementCount() {
            long c = 1;
            for (long d : shape) c *= d; // validated not to overflow
            return c;
        }

        @Override
        public String toString() {
            return name + " " + dtype + Arrays.toString(shape) + " [" + begin + ", " + end + ")";
        }
    }

    private final Arena arena;
    private final MemorySegment data;
    private final Map<String, Tensor> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Arena arena, MemorySegment data, Map<String, Tensor> tensors, Map<String, String> metadata) {
        this.arena = arena;
        this.data = data;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Opens and validates {@code file}; the caller closes it (which unmaps the data). */
    public static SafetensorsFile open(Path file) throws CheckpointException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw new CheckpointException(file + ": " + size + " bytes is too short for a safetensors header length");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long n = lenBuf.getLong(0);
            if (n < 0 || n > MAX_HEADER_BYTES) {
                throw new CheckpointException(file + ": header length " + Long.toUnsignedString(n)
                        + " exceeds the 100 MB cap of the safetensors specification");
            }
            if (n < 2) throw new CheckpointException(file + ": header length " + n + " is too short for a JSON object");
            if (n > size - 8) {
                throw new CheckpointException(file + ": header length " + n + " runs past the end of the file ("
                        + size + " bytes)");
            }
            ByteBuffer header = ByteBuffer.allocate((int) n);
            readFully(ch, header, 8);
            byte[] h = header.array();
            if (h[0] != '{') throw new CheckpointException(file + ": the header does not start with '{'");
            long dataSize = size - 8 - n;
            Map<String, String> metadata = new LinkedHashMap<>();
            Map<String, Tensor> tensors = parseHeader(h, metadata, file);
            checkLayout(tensors, dataSize, file);
            Arena arena = Arena.ofShared();
            try {
                MemorySegment data = dataSize == 0 ? MemorySegment.ofArray(new byte[0])
                        : ch.map(FileChannel.MapMode.READ_ONLY, 8 + n, dataSize, arena);
                String crc = metadata.get(SafetensorsWriter.CHECKSUM_KEY);
                if (crc != null) verifyChecksum(crc, lenBuf, h, data, file);
                return new SafetensorsFile(arena, data, Collections.unmodifiableMap(tensors),
                        Collections.unmodifiableMap(metadata));
            } catch (IOException | RuntimeException e) {
                arena.close();
                throw e;
            }
        } catch (CheckpointException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** Files written by adam4j carry a CRC-32C of the whole file (with its own 8 digits as zeros). */
    private static void verifyChecksum(String expected, ByteBuffer len, byte[] header, MemorySegment data, Path file)
            throws CheckpointException {
        if (!expected.matches("[0-9a-f]{8}")) {
            throw new CheckpointException(file + ": __metadata__." + SafetensorsWriter.CHECKSUM_KEY + " '" + expected + "' is not 8 hex digits");
        }
        int at = SafetensorsWriter.checksumDigits(header);
        byte[] zeroed = header.clone();
        for (int i = 0; i < 8; i++) zeroed[at + i] = '0';
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(len.duplicate().clear());
        crc.update(zeroed);
        for (long off = 0; off < data.byteSize(); off += 1L << 30) {
            crc.update(data.asSlice(off, Math.min(1L << 30, data.byteSize() - off)).asByteBuffer());
        }
        String actual = String.format("%08x", crc.getValue());
        if (!actual.equals(expected)) {
            throw new CheckpointException(file + ": checksum mismatch: the file says " + expected + ", its bytes give " + actual
                    + " (the file is corrupt)");
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, position + buf.position());
            if (r < 0) throw new CheckpointException("unexpected end of file");
        }
    }

    private static Map<String, Tensor> parseHeader(byte[] h, Map<String, String> metadata, Path file)
            throws CheckpointException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try (JsonParser p = JSON.createParser(h)) {
            expect(p.nextToken(), JsonToken.START_OBJECT, "the header");
            for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
                String key = p.currentName();
                if (key.equals("__metadata__")) {
                    expect(p.nextToken(), JsonToken.START_OBJECT, "__metadata__");
                    for (JsonToken m = p.nextToken(); m != JsonToken.END_OBJECT; m = p.nextToken()) {
                        String mk = p.currentName();
                        if (p.nextToken() != JsonToken.VALUE_STRING) {
                            throw new CheckpointException("__metadata__." + mk + " is not a string (the specification allows strings only)");
                        }
                        metadata.put(mk, p.getText());
                    }
                } else {
                    tensors.put(key, parseTensor(p, key));
                }
            }
            // The specification pads the header with spaces (0x20) after the object, nothing else.
            long end = p.currentLocation().getByteOffset();
            for (long i = end; i < h.length; i++) {
                if (h[(int) i] != ' ') {
                    throw new CheckpointException("the header has a byte other than space padding after its JSON object, at "
                            + i + " (0x" + Integer.toHexString(h[(int) i] & 0xFF) + ")");
                }
            }
        } catch (CheckpointException e) {
            throw new CheckpointException(file + ": " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException(file + ": malformed header JSON: " + e.getMessage(), e);
        }
        return tensors;
    }

    private static Tensor parseTensor(JsonParser p, String name) throws IOException {
        expect(p.nextToken(), JsonToken.START_OBJECT, "tensor " + name);
        Dtype dtype = null;
        long[] shape = null, offsets = null;
        for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
            String field = p.currentName();
            switch (field) {
                case "dtype" -> {
                    if (p.nextToken() != JsonToken.VALUE_STRING) throw new CheckpointException("tensor " + name + ": dtype is not a string");
                    dtype = Dtype.parse(p.getText());
                    if (dtype == null) {
                        throw new CheckpointException("tensor " + name + ": dtype '" + p.getText()
                                + "' is not one of F64, F32, F16, BF16, I64");
                    }
                }
                case "shape" -> shape = longArray(p, name, "shape", -1);
                case "data_offsets" -> offsets = longArray(p, name, "data_offsets", 2);
                default -> throw new CheckpointException("tensor " + name + ": unknown field '" + field + "'");
            }
        }
        if (dtype == null || shape == null || offsets == null) {
            throw new CheckpointException("tensor " + name + ": needs dtype, shape and data_offsets");
        }
        long count = 1;
        for (long d : shape) {
            try {
                count = Math.multiplyExact(count, d);
            } catch (ArithmeticException e) {
                throw new CheckpointException("tensor " + name + ": shape " + Arrays.toString(shape) + " overflows");
            }
        }
        if (offsets[1] < offsets[0]) {
            throw new CheckpointException("tensor " + name + ": data_offsets " + Arrays.toString(offsets) + " end before they begin");
        }
        long bytes;
        try {
            bytes = Math.multiplyExact(count, dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new CheckpointException("tensor " + name + ": shape " + Arrays.toString(shape) + " overflows");
        }
        if (offsets[1] - offsets[0] != bytes) {
            throw new CheckpointException("tensor " + name + ": shape " + Arrays.toString(shape) + " of " + dtype + " is "
                    + bytes + " bytes but data_offsets " + Arrays.toString(offsets) + " span " + (offsets[1] - offsets[0]));
        }
        return new Tensor(name, dtype, shape, offsets[0], offsets[1]);
    }

    private static long[] longArray(JsonParser p, String tensor, String field, int exactLength) throws IOException {
        expect(p.nextToken(), JsonToken.START_ARRAY, "tensor " + tensor + " " + field);
        List<Long> values = new ArrayList<>();
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            if (t != JsonToken.VALUE_NUMBER_INT) {
                throw new CheckpointException("tensor " + tensor + ": " + field + " holds a non-integer " + t);
            }
            long v = p.getLongValue();
            if (v < 0) throw new CheckpointException("tensor " + tensor + ": " + field + " holds a negative value " + v);
            if (values.size() >= 64) throw new CheckpointException("tensor " + tensor + ": " + field + " is too long");
            values.add(v);
        }
        if (exactLength >= 0 && values.size() != exactLength) {
            throw new CheckpointException("tensor " + tensor + ": " + field + " must have " + exactLength + " values, has " + values.size());
        }
        return values.stream().mapToLong(Long::longValue).toArray();
    }

    private static void expect(JsonToken got, JsonToken want, String what) throws CheckpointException {
        if (got != want) throw new CheckpointException(what + ": expected " + want + ", found " + got);
    }

    /** Tensors sorted by offset must tile [0, dataSize) exactly. */
    private static void checkLayout(Map<String, Tensor> tensors, long dataSize, Path file) throws CheckpointException {
        List<Tensor> sorted = new ArrayList<>(tensors.values());
        sorted.sort(Comparator.comparingLong(Tensor::begin).thenComparingLong(Tensor::end));
        long at = 0;
        for (Tensor t : sorted) {
            if (t.begin() != at) {
                throw new CheckpointException(file + ": tensor " + t.name() + " starts at byte " + t.begin() + " but the previous data ends at "
                        + at + (t.begin() < at ? " (overlap)" : " (hole)"));
            }
            at = t.end();
        }
        if (at != dataSize) {
            throw new CheckpointException(file + ": the tensors cover " + at + " bytes of a " + dataSize + "-byte buffer");
        }
    }

    public Map<String, Tensor> tensors() {
        return tensors;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    /** The tensor's bytes, a view of the mapped file. */
    public MemorySegment bytes(Tensor t) {
        return data.asSlice(t.begin(), t.end() - t.begin());
    }

    /** A new buffer shaped like {@code like} holding the tensor's values converted to its precision. */
    public DataBuffer read(Tensor t, DataBuffer like) {
        DataBuffer out = like.allocateLike();
        MemorySegment b = bytes(t);
        long n = t.elementCount();
        if (out instanceof DataBuffer.F32Array a && t.dtype() == Dtype.F32) {
            MemorySegment.copy(b, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, a.array(), a.offset(), (int) n);
            return out;
        }
        if (out instanceof DataBuffer.F64Array a && t.dtype() == Dtype.F64) {
            MemorySegment.copy(b, ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, a.array(), a.offset(), (int) n);
            return out;
        }
        for (long i = 0; i < n; i++) out.set(i, element(b, t.dtype(), i, like.precision()));
        return out;
    }

    /** Element {@code i} as a double that is exact in {@code target} precision. */
    static double element(MemorySegment b, Dtype dtype, long i, Precision target) {
        return switch (dtype) {
            case F32 -> b.getAtIndex(LE_F32, i);
            case F64 -> target == Precision.F32 ? (float) b.getAtIndex(LE_F64, i) : b.getAtIndex(LE_F64, i);
            case F16 -> Float.float16ToFloat(b.getAtIndex(LE_I16, i));
            case BF16 -> Dtype.fromBf16(b.getAtIndex(LE_I16, i));
            case I64 -> (double) b.getAtIndex(LE_I64, i);
        };
    }

    static final ValueLayout.OfFloat LE_F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfDouble LE_F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort LE_I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong LE_I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** A 0-rank (or one-element) tensor as a double. */
    public double scalar(Tensor t) {
        return element(bytes(t), t.dtype(), 0, Precision.F64);
    }

    @Override
    public void close() {
        arena.close();
    }
}
