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
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;
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
 * other and cover the byte buffer contiguously, without holes or overlaps. The byte buffer is read
 * (never mapped, so another process truncating the file cannot crash the JVM) into memory this object
 * owns, checksummed on the way; nothing is allocated in proportion to what the header claims, only to
 * what the file has.
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

    /** Metadata key a file written without a checksum carries (the README's Python snippet writes it). */
    public static final String NO_CHECKSUM_KEY = "adam4j.checksum";
    /** Bytes read per positional read while loading. */
    private static final int CHUNK = 1 << 20;

    private final Path file;
    private final FileChannel channel;
    private final long headerLength, fileSize;
    private final byte[] lengthBytes, header;
    private final Map<String, Tensor> tensors;
    private final Map<String, String> metadata;
    private Arena arena;       // owns the loaded data
    private MemorySegment data; // null until load()

    private SafetensorsFile(Path file, FileChannel channel, long fileSize, byte[] lengthBytes, byte[] header,
            Map<String, Tensor> tensors, Map<String, String> metadata) {
        this.file = file;
        this.channel = channel;
        this.fileSize = fileSize;
        this.lengthBytes = lengthBytes;
        this.header = header;
        this.headerLength = header.length;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Opens, validates and loads {@code file} ({@link #openHeader} then {@link #load}); the caller closes it. */
    public static SafetensorsFile open(Path file) throws CheckpointException {
        SafetensorsFile f = openHeader(file);
        try {
            f.load();
            return f;
        } catch (CheckpointException | RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /**
     * Opens {@code file} and validates its header and tensor table, reading nothing else: a caller
     * can check the tensors' names and shapes before it pays for reading the data ({@link #load}).
     * Only regular files are opened (a FIFO or a device would block or never end); a symbolic link
     * to a regular file is followed.
     */
    public static SafetensorsFile openHeader(Path file) throws CheckpointException {
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException(file + (Files.exists(file) ? " is not a regular file" : " does not exist"));
        }
        FileChannel ch = null;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
            long size = ch.size();
            if (size < 8) throw new CheckpointException(file + ": " + size + " bytes is too short for a safetensors header length");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0, file);
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
            ByteBuffer headerBuf = ByteBuffer.allocate((int) n);
            readFully(ch, headerBuf, 8, file);
            byte[] h = headerBuf.array();
            if (h[0] != '{') throw new CheckpointException(file + ": the header does not start with '{'");
            checkUtf8(h, file);
            Map<String, String> metadata = new LinkedHashMap<>();
            Map<String, Tensor> tensors = parseHeader(h, metadata, file);
            checkLayout(tensors, size - 8 - n, file);
            SafetensorsFile f = new SafetensorsFile(file, ch, size, lenBuf.array(), h,
                    Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
            ch = null;
            return f;
        } catch (CheckpointException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException(file + ": cannot read: " + e.getMessage(), e);
        } finally {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // already failing
                }
            }
        }
    }

    /** The header must be valid UTF-8 (no overlong forms, surrogates or code points past U+10FFFF). */
    private static void checkUtf8(byte[] h, Path file) throws CheckpointException {
        for (int i = 0; i < h.length; i++) {
            if (h[i] == 0) { // JSON has no raw NUL; a UTF-16 header has one in every ASCII character
                throw new CheckpointException(file + ": the header has a NUL byte at " + i + ": it is not UTF-8 JSON (UTF-16?)");
            }
        }
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(h));
        } catch (CharacterCodingException e) {
            throw new CheckpointException(file + ": the header is not valid UTF-8 (" + e + ")");
        }
    }

    /**
     * Reads the byte buffer into memory this object owns, computing the file's CRC-32C on the way,
     * and checks it. Nothing is mapped: a file truncated or rewritten by another process while it is
     * read gives a {@link CheckpointException} (a short read, a changed size, or a checksum that no
     * longer matches), never a crash of the JVM. The checksum rule: a file with
     * {@code __metadata__["adam4j.crc32c"]} must match it; a file with other {@code adam4j.*}
     * metadata but no checksum must say so explicitly ({@code adam4j.checksum = none}, as files from
     * the README's Python snippet do), so that damage to the checksum's key cannot switch the check off.
     */
    public void load() throws CheckpointException {
        if (data != null) return;
        long dataSize = fileSize - 8 - headerLength;
        String expected = metadata.get(SafetensorsWriter.CHECKSUM_KEY);
        if (expected == null && !"none".equals(metadata.get(NO_CHECKSUM_KEY))
                && metadata.keySet().stream().anyMatch(k -> k.startsWith("adam4j."))) {
            throw new CheckpointException(file + ": the file has adam4j metadata but no " + SafetensorsWriter.CHECKSUM_KEY
                    + " (damaged?); a file written without a checksum says __metadata__." + NO_CHECKSUM_KEY + " = none");
        }
        if (expected != null && !expected.matches("[0-9a-f]{8}")) {
            throw new CheckpointException(file + ": __metadata__." + SafetensorsWriter.CHECKSUM_KEY + " '" + expected + "' is not 8 hex digits");
        }
        Arena a = Arena.ofShared();
        try {
            MemorySegment d = dataSize == 0 ? MemorySegment.ofArray(new byte[0]) : a.allocate(dataSize, 8);
            CRC32C crc = new CRC32C();
            if (expected != null) {
                int at = SafetensorsWriter.checksumDigits(header);
                byte[] zeroed = header.clone();
                for (int i = 0; i < 8; i++) zeroed[at + i] = '0';
                crc.update(lengthBytes);
                crc.update(zeroed);
            }
            for (long off = 0; off < dataSize; off += CHUNK) {
                ByteBuffer chunk = d.asSlice(off, Math.min(CHUNK, dataSize - off)).asByteBuffer();
                readFully(channel, chunk, 8 + headerLength + off, file);
                if (expected != null) crc.update(chunk.flip());
            }
            if (channel.size() != fileSize) {
                throw new CheckpointException(file + ": the file changed size while it was read (" + fileSize + " -> "
                        + channel.size() + " bytes); another process is writing it");
            }
            if (expected != null) {
                String actual = String.format("%08x", crc.getValue());
                if (!actual.equals(expected)) {
                    throw new CheckpointException(file + ": checksum mismatch: the file says " + expected + ", its bytes give "
                            + actual + " (the file is corrupt, or another process changed it while it was read)");
                }
            }
            arena = a;
            data = d;
        } catch (CheckpointException e) {
            a.close();
            throw e;
        } catch (IOException | RuntimeException e) {
            a.close();
            throw new CheckpointException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position, Path file) throws IOException {
        long start = position - buf.position();
        while (buf.hasRemaining()) {
            int r = ch.read(buf, start + buf.position());
            if (r < 0) {
                throw new CheckpointException(file + ": unexpected end of file at byte " + (start + buf.position())
                        + " (the file shrank while it was read?)");
            }
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

    /** The tensor's bytes, a view of the loaded data ({@link #load} must have run). */
    public MemorySegment bytes(Tensor t) {
        if (data == null) throw new IllegalStateException(file + ": load() the data first");
        return data.asSlice(t.begin(), t.end() - t.begin());
    }

    /** A new buffer shaped like {@code like} holding the tensor's values converted to its precision. */
    public DataBuffer read(Tensor t, DataBuffer like) {
        return read(t, like, like.precision());
    }

    /**
     * A new buffer of {@code like}'s storage kind and length holding the tensor's values converted to
     * {@code precision} (moments whose precision is not their parameter's).
     */
    public DataBuffer read(Tensor t, DataBuffer like, Precision precision) {
        DataBuffer out = like.allocateLike(precision);
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
        if (out instanceof DataBuffer.HalfArray a && a.precision().name().equals(t.dtype().name())) { // the bits, unchanged
            MemorySegment.copy(b, LE_I16, 0, a.array(), a.offset(), (int) n);
            return out;
        }
        for (long i = 0; i < n; i++) out.set(i, element(b, t.dtype(), i, precision));
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

    /**
     * A 0-rank (or one-element) tensor as a long: exact for I64 (no trip through a double, which
     * would round counts above 2^53); floating-point values must be integers.
     *
     * @throws CheckpointException if a floating-point value is not an integer that a long holds
     */
    public long scalarLong(Tensor t) throws CheckpointException {
        if (t.dtype() == Dtype.I64) return bytes(t).get(LE_I64, 0);
        double v = scalar(t);
        if (v != Math.rint(v) || Math.abs(v) >= 0x1p63) throw new CheckpointException(file + ": tensor " + t.name() + " holds " + v + ", not an integer");
        return (long) v;
    }

    @Override
    public void close() {
        if (arena != null) arena.close();
        try {
            channel.close();
        } catch (IOException ignored) {
            // read-only: nothing to lose
        }
    }
}
